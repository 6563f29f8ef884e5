//! Pushing to a partner what changed: a change-feed consumer per partner.
//!
//! A run reads the changes after the consumer's cursor (`push:{partner}`), takes each record
//! touched once, as it now stands, and asks the partner's sharing policy what to send
//! (`SharePolicy::outbound`): the record with the withheld fields removed, and for a record the
//! partner had whose status moved (located, cleared, cancelled, identified, expired), the
//! transaction that moves the partner's copy. Records that came from the partner are not sent
//! back; a version already sent is not sent again. The payload is pushed (signed, retried),
//! and once the signed receipt is in, the sharing marks and the cursor move together in one
//! commit. If the push fails, nothing moves: the next run sends the same changes again
//! (harmless: the partner answers `unchanged` for what it has).

use std::collections::HashSet;

use homeward_exchange::payload::PayloadItem;
use homeward_schemas::{RecordId, Status};
use serde::Serialize;

use super::{Federation, SyncError, blocking};

/// The change-feed consumer that pushes to `partner`.
pub fn consumer_name(partner: &str) -> String {
    format!("push:{partner}")
}

/// What one push run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushReport {
    pub partner: String,
    /// Changes read from the feed.
    pub changes: usize,
    /// Records and transactions sent.
    pub items: usize,
    /// The exchange, when something was sent.
    pub exchange_id: Option<String>,
    pub accepted: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// The consumer's cursor after the run.
    pub cursor: u64,
}

/// What to send, prepared from the store.
struct Plan {
    items: Vec<PayloadItem>,
    /// Records sent, with the version and status sent.
    sent: Vec<(RecordId, u64, Status)>,
    changes: usize,
    last_seq: Option<u64>,
    cursor: u64,
}

impl Federation {
    /// Pushes to `partner` what changed since its cursor, at most `max_changes` changes of
    /// the feed per run. Returns when the receipt is in and the cursor moved (or when there
    /// was nothing to do).
    pub async fn push_once(
        &self,
        partner: &str,
        max_changes: usize,
    ) -> Result<PushReport, SyncError> {
        let p = self.partner(partner)?;
        let consumer = consumer_name(&p.id);
        let lock = self.lock_for(&consumer);
        let _running = lock.lock().await;

        let store = self.store.clone();
        let (p2, consumer2) = (p.clone(), consumer.clone());
        let plan = blocking(move || -> Result<Plan, SyncError> {
            let cursor = store.cursor(&consumer2)?;
            let changes = store.changes_after(cursor, max_changes.max(1))?;
            let mut plan = Plan {
                items: Vec::new(),
                sent: Vec::new(),
                changes: changes.len(),
                last_seq: changes.last().map(|c| c.seq),
                cursor,
            };
            // each record once, in the order of its last change
            let mut seen = HashSet::new();
            let mut ids: Vec<RecordId> = changes
                .iter()
                .rev()
                .filter(|c| seen.insert(c.record.clone()))
                .map(|c| c.record.clone())
                .collect();
            ids.reverse();
            let marks = store.shared_marks(&p2.id, &ids)?;
            let echo = store.received_from(&p2.id, &ids)?;
            for ((id, mark), echo) in ids.into_iter().zip(marks).zip(echo) {
                if echo {
                    continue;
                }
                let Some(record) = store.get(&id)? else {
                    continue;
                };
                if mark.as_ref().is_some_and(|m| m.version >= record.version) {
                    continue;
                }
                let items =
                    p2.share
                        .outbound(&record, mark.is_some(), mark.as_ref().map(|m| m.status));
                if items.is_empty() {
                    continue;
                }
                plan.items.extend(items);
                plan.sent.push((id, record.version, record.status));
            }
            Ok(plan)
        })
        .await??;

        let mut report = PushReport {
            partner: p.id.clone(),
            changes: plan.changes,
            items: plan.items.len(),
            cursor: plan.cursor,
            ..PushReport::default()
        };
        let Some(last_seq) = plan.last_seq else {
            return Ok(report);
        };
        if !plan.items.is_empty() {
            let pushed = self.client.push(&p.id, &plan.items).await?;
            let b = &pushed.receipt.body;
            report.accepted = b.accepted();
            report.unchanged = b.unchanged();
            report.rejected = b.rejected();
            report.exchange_id = Some(pushed.exchange_id.clone());
            for o in &b.outcomes {
                if let homeward_exchange::backend::Outcome::Rejected(why) = &o.outcome {
                    tracing::warn!(partner = %p.id, exchange = %pushed.exchange_id, item = %o.item, "partner rejected: {why}");
                }
            }
        }
        let store = self.store.clone();
        let pid = p.id.clone();
        let sent = plan.sent;
        blocking(move || {
            store.federation_write(|w| {
                for (id, version, status) in &sent {
                    w.mark_shared(&pid, id, *version, *status)?;
                }
                w.ack_consumer(&consumer, last_seq)
            })
        })
        .await??;
        report.cursor = last_seq;
        if report.items > 0 {
            tracing::info!(partner = %p.id, items = report.items, accepted = report.accepted, unchanged = report.unchanged, rejected = report.rejected, "pushed");
        }
        Ok(report)
    }

    /// Pushes until the feed is drained for `partner` (or a run fails).
    pub async fn push_all(
        &self,
        partner: &str,
        max_changes: usize,
    ) -> Result<Vec<PushReport>, SyncError> {
        let mut out = Vec::new();
        loop {
            let r = self.push_once(partner, max_changes).await?;
            let done = r.changes == 0;
            out.push(r);
            if done {
                return Ok(out);
            }
        }
    }
}
