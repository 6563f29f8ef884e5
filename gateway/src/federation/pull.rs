//! Pulling from a partner: its signed change pages (`/v1/changes`) or its PFIF feed
//! (`/v1/pfif/person?min_entry_date=`), with the cursor kept in the store.
//!
//! Each page is verified by the client (signature, receiver, freshness, cursor, what the
//! partner may send) and applied through the import path together with the new cursor in one
//! commit, so a crash between pages re-reads at most the page in flight (harmless: its items
//! are recognised). A PFIF feed is read with the adapters' PFIF reader, checked against what
//! the partner may send (one item outside refuses the feed, logged), applied with its cursor,
//! and logged as `feed_received` in the same commit.

use chrono::{DateTime, Utc};
use homeward_adapters::{Item, ReadContext, ReadItem};
use homeward_exchange::codec::sha256;
use homeward_exchange::envelope::CANONICAL_FORMAT;
use homeward_exchange::evidence::{EntryDraft, EntryKind, EntryOutcome};
use homeward_store::{BatchResult, StoreError};
use serde::Serialize;

use super::backend::{exchange_input, mark_received};
use super::{Federation, SyncError, blocking};

/// The store's name of a partner's change-page feed cursor.
pub const CHANGES_FEED: &str = "changes";
/// The store's name of a partner's PFIF feed cursor (`min_entry_date`).
pub const PFIF_FEED: &str = "pfif";

/// Pages pulled in one run at most (the next run goes on).
const MAX_PAGES: usize = 100;

/// What one pull run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullReport {
    pub partner: String,
    pub feed: String,
    pub pages: usize,
    pub items: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// The cursor kept after the run.
    pub cursor: Option<String>,
}

impl PullReport {
    fn add(&mut self, r: &BatchResult) {
        use homeward_store::Outcome as O;
        for o in &r.outcomes {
            self.items += 1;
            match o.outcome {
                O::New { .. } => self.new += 1,
                O::Changed { .. } => self.changed += 1,
                O::Unchanged { .. } | O::Stale { .. } => self.unchanged += 1,
                O::Rejected { .. } => self.rejected += 1,
            }
        }
    }
}

impl Federation {
    /// Pulls `partner`'s change pages after the kept cursor until it has nothing new (at
    /// most 100 pages a run), applying each page and its cursor in one commit.
    pub async fn pull_changes_once(&self, partner: &str) -> Result<PullReport, SyncError> {
        let p = self.partner(partner)?;
        let lock = self.lock_for(&format!("pull:{}:{CHANGES_FEED}", p.id));
        let _running = lock.lock().await;
        let mut report = PullReport {
            partner: p.id.clone(),
            feed: CHANGES_FEED.into(),
            ..PullReport::default()
        };
        let store = self.store.clone();
        let pid = p.id.clone();
        let mut cursor = blocking(move || store.remote_cursor(&pid, CHANGES_FEED)).await??;
        for _ in 0..MAX_PAGES {
            let page = self.client.pull(&p.id, cursor.as_deref(), None).await?;
            let asked = cursor.clone().unwrap_or_default();
            let next = page.next_cursor.clone();
            if page.items.is_empty() && next == asked {
                break;
            }
            let xid = page.envelope.header.exchange_id.clone();
            let input = exchange_input(&p.id, &xid, CANONICAL_FORMAT);
            let (store, pid, items, next2) =
                (self.store.clone(), p.id.clone(), page.items, next.clone());
            let result = blocking(move || {
                store.apply_batch_with(&items, &input, |res, w| -> Result<(), StoreError> {
                    mark_received(w, &pid, &xid, res)?;
                    w.set_remote_cursor(&pid, CHANGES_FEED, &next2)
                })
            })
            .await??;
            report.pages += 1;
            report.add(&result);
            cursor = Some(next.clone());
            if next == asked {
                break;
            }
        }
        report.cursor = cursor;
        if report.items > 0 {
            tracing::info!(partner = %p.id, pages = report.pages, items = report.items, new = report.new, changed = report.changed, "pulled changes");
        }
        Ok(report)
    }

    /// Pulls `partner`'s PFIF feed from the kept `min_entry_date` (everything the first
    /// time), reads it with the PFIF reader and applies it with the new cursor: the newest
    /// `entry_date` the feed carried (the pull is inclusive, so what was stored in the same
    /// second is read again and recognised).
    pub async fn pull_pfif_once(&self, partner: &str) -> Result<PullReport, SyncError> {
        let p = self.partner(partner)?;
        let lock = self.lock_for(&format!("pull:{}:{PFIF_FEED}", p.id));
        let _running = lock.lock().await;
        let store = self.store.clone();
        let pid = p.id.clone();
        let kept = blocking(move || store.remote_cursor(&pid, PFIF_FEED)).await??;
        let since = kept
            .as_deref()
            .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
            .map(|d| d.with_timezone(&Utc));
        let resp = self.client.pfif_feed(&p.id, since).await?;
        let digest = sha256(&resp.body);
        let refuse = |status: u16, code: &str, message: String| {
            let mut d = EntryDraft::new(
                EntryKind::PullRefused,
                &p.id,
                EntryOutcome::new(status, code, message.clone()),
            );
            d.envelope_sha256 = digest;
            (
                d,
                SyncError::Feed {
                    partner: p.id.clone(),
                    message,
                },
            )
        };
        if !resp.status.is_success() {
            let text = String::from_utf8_lossy(&resp.body[..resp.body.len().min(512)]);
            let (d, e) = refuse(
                resp.status.as_u16(),
                "pfif_refused",
                format!("answered {}: {text}", resp.status),
            );
            self.evidence.append(d, self.clock.now())?;
            return Err(e);
        }
        let format = self.formats.get("pfif").ok_or_else(|| SyncError::Feed {
            partner: p.id.clone(),
            message: "this gateway has no pfif reader".into(),
        })?;
        let exchange = format!("pfif-{}", &hex_prefix(&digest));
        let ctx = ReadContext {
            origin: format!("PFIF feed from {} ({exchange})", p.id),
            source: None,
            limits: self.limits,
            received_at: self.clock.now(),
            may_send_unclaimed: Some(p.inbound.may_send_unclaimed()),
        };
        let body = resp.body.clone();
        let items: Vec<ReadItem> = blocking(move || {
            format
                .reader()
                .read(Box::new(std::io::Cursor::new(body)), ctx)
                .collect()
        })
        .await?;
        let violations = p.inbound.check_items(&items);
        if let Some(first) = violations.first() {
            let (d, e) = refuse(
                200,
                "policy_violation",
                format!(
                    "{} item(s) the partner may not send: {first}",
                    violations.len()
                ),
            );
            self.evidence.append(d, self.clock.now())?;
            return Err(e);
        }
        // the newest entry_date the partner served (not our receive time)
        let served = items
            .iter()
            .filter_map(|i| match &i.item {
                Item::Entry(r) => r.provenance.entry_date,
                _ => None,
            })
            .max();
        let next = match (since, served) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let mut report = PullReport {
            partner: p.id.clone(),
            feed: PFIF_FEED.into(),
            pages: 1,
            ..PullReport::default()
        };
        let input = exchange_input(&p.id, &exchange, PFIF_FEED);
        let (store, evidence, pid, next2) = (
            self.store.clone(),
            self.evidence.clone(),
            p.id.clone(),
            next.clone(),
        );
        let now = self.clock.now();
        let n = items.len();
        let result = blocking(move || -> Result<BatchResult, SyncError> {
            let mut slot = evidence.reserve();
            let result =
                store.apply_batch_with(&items, &input, |res, w| -> Result<(), SyncError> {
                    mark_received(w, &pid, &exchange, res)?;
                    if let Some(c) = &next2 {
                        w.set_remote_cursor(&pid, PFIF_FEED, c)?;
                    }
                    let mut d = EntryDraft::new(
                        EntryKind::FeedReceived,
                        &pid,
                        EntryOutcome::new(200, "ok", format!("{n} items")),
                    );
                    d.exchange_id = exchange.clone();
                    d.envelope_sha256 = digest;
                    let (seq, bytes) = slot.fill(d, now)?;
                    w.append_evidence(seq, &bytes)?;
                    Ok(())
                })?;
            slot.commit();
            Ok(result)
        })
        .await??;
        report.add(&result);
        report.cursor = next;
        if report.items > 0 {
            tracing::info!(partner = %p.id, items = report.items, new = report.new, changed = report.changed, "pulled PFIF feed");
        }
        Ok(report)
    }
}

fn hex_prefix(d: &[u8; 32]) -> String {
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}
