//! The exchange's store traits on [`homeward_store::Store`]: [`ExchangeBackend`] (apply through
//! the import path, serve the change feed, sharing marks), [`ReplayGuard`] and
//! [`EvidenceStorage`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use homeward_exchange::backend::{
    BackendError, Change, ChangeBatch, ChangesFrom, ExchangeBackend, InboundBatch, Outcome,
    RecordedError, Seal,
};
use homeward_exchange::envelope::{ReplayGuard, ReplayKey, ReplayStoreError};
use homeward_exchange::evidence::{
    EvidenceEntry, EvidenceError, EvidenceLog, EvidenceStorage, StorageError,
};
use homeward_exchange::payload::PayloadItem;
use homeward_schemas::RecordId;
use homeward_store::{BatchResult, FederationWrites, InputContext, Store, StoreError};

/// The gateway's store as the exchange sees it. Every item goes through
/// [`Store::apply_batch_with`], the import path: idempotency, lifecycle, quarantine and the
/// change feed behave as for a file import; outcomes are returned only after the commit.
pub struct StoreBackend {
    store: Arc<Store>,
}

impl std::fmt::Debug for StoreBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreBackend").finish_non_exhaustive()
    }
}

/// A store failure as the exchange reports it: engine and I/O failures may pass (retriable,
/// 503); a damaged or refused value will not (500).
pub fn backend_error(e: StoreError) -> BackendError {
    let retriable = matches!(
        e,
        StoreError::Engine(_) | StoreError::Io { .. } | StoreError::Poisoned
    );
    let message = e.to_string();
    if retriable {
        BackendError::retriable(message)
    } else {
        BackendError::permanent(message)
    }
}

/// The exchange's outcome of a store outcome. `stale` (older than what is stored: the newest
/// wins) is answered `unchanged`: nothing changed and re-sending cannot change it.
pub fn exchange_outcome(o: &homeward_store::Outcome) -> Outcome {
    use homeward_store::Outcome as S;
    match o {
        S::New { .. } | S::Changed { .. } => Outcome::Accepted,
        S::Unchanged { .. } | S::Stale { .. } => Outcome::Unchanged,
        S::Rejected { reason, field, .. } => Outcome::Rejected(match field {
            Some(f) => format!("{f}: {reason}"),
            None => reason.clone(),
        }),
    }
}

/// The store's input context of an exchange: origin `exchange {partner}/{exchange id}`.
pub fn exchange_input(partner: &str, exchange_id: &str, format: &str) -> InputContext {
    InputContext::exchange(format!("{partner}/{exchange_id}"), format)
}

/// Marks every record the batch touched as received from `partner` (it is not offered back).
pub fn mark_received(
    w: &mut FederationWrites<'_>,
    partner: &str,
    exchange: &str,
    result: &BatchResult,
) -> Result<(), StoreError> {
    for o in &result.outcomes {
        if let Some(id) = o.outcome.record() {
            w.mark_received(partner, id, exchange)?;
        }
    }
    Ok(())
}

/// Failures inside an exchange's store transaction (all of them undo the transaction).
enum InTxn {
    Store(StoreError),
    Backend(BackendError),
    Evidence(EvidenceError),
}

impl From<StoreError> for InTxn {
    fn from(e: StoreError) -> Self {
        InTxn::Store(e)
    }
}

impl StoreBackend {
    pub fn new(store: Arc<Store>) -> Self {
        Self { store }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Changes after `after`: those of second `floor` and up to `limit` later ones, ending at
    /// a second's end (see [`ExchangeBackend::changes`]).
    fn changes_by_second(
        &self,
        mut after: u64,
        floor: i64,
        limit: usize,
    ) -> Result<Vec<homeward_store::Change>, BackendError> {
        let mut out: Vec<homeward_store::Change> = Vec::new();
        let mut later = 0usize;
        loop {
            let chunk = self
                .store
                .changes_after(after, 1024)
                .map_err(backend_error)?;
            if chunk.is_empty() {
                return Ok(out);
            }
            for c in chunk {
                let second = c.at.timestamp();
                let last = out.last().map(|l| l.at.timestamp());
                if later >= limit && last != Some(second) {
                    return Ok(out);
                }
                if second > floor {
                    later += 1;
                }
                after = c.seq;
                out.push(c);
            }
        }
    }
}

fn cursor_seq(c: Option<&str>) -> Result<u64, BackendError> {
    match c {
        None | Some("") => Ok(0),
        Some(c) => c.parse::<u64>().map_err(|_| {
            BackendError::bad_request(format!("cursor `{c}` is not one of this gateway's"))
        }),
    }
}

impl ExchangeBackend for StoreBackend {
    fn apply(&self, batch: InboundBatch<'_>) -> Result<Vec<Outcome>, BackendError> {
        let input = exchange_input(batch.partner, batch.exchange_id, batch.format);
        let result = self
            .store
            .apply_batch_with(&batch.items, &input, |res, w| {
                mark_received(w, batch.partner, batch.exchange_id, res)
            })
            .map_err(backend_error)?;
        Ok(result
            .outcomes
            .iter()
            .map(|o| exchange_outcome(&o.outcome))
            .collect())
    }

    /// The records, their received marks and the `push_received` entry in one commit.
    fn apply_recorded(
        &self,
        batch: InboundBatch<'_>,
        evidence: &EvidenceLog,
        time: DateTime<Utc>,
        seal: &mut Seal<'_>,
    ) -> Result<(Vec<Outcome>, EvidenceEntry), RecordedError> {
        let input = exchange_input(batch.partner, batch.exchange_id, batch.format);
        // the log's next position is held until the commit: other appends wait
        let mut slot = evidence.reserve();
        let mut outcomes = Vec::new();
        let applied =
            self.store
                .apply_batch_with(&batch.items, &input, |res, w| -> Result<(), InTxn> {
                    mark_received(w, batch.partner, batch.exchange_id, res)?;
                    outcomes = res
                        .outcomes
                        .iter()
                        .map(|o| exchange_outcome(&o.outcome))
                        .collect();
                    let draft = seal(&outcomes).map_err(InTxn::Backend)?;
                    let (seq, bytes) = slot.fill(draft, time).map_err(InTxn::Evidence)?;
                    w.append_evidence(seq, &bytes)?;
                    Ok(())
                });
        match applied {
            Ok(_) => {
                let entry = slot.commit().ok_or_else(|| {
                    RecordedError::Backend(BackendError::permanent(
                        "the exchange was committed without its evidence entry",
                    ))
                })?;
                Ok((outcomes, entry))
            }
            Err(InTxn::Store(e)) => Err(RecordedError::Backend(backend_error(e))),
            Err(InTxn::Backend(e)) => Err(RecordedError::Backend(e)),
            // nothing was applied: the entry could not even be encoded
            Err(InTxn::Evidence(e)) => Err(RecordedError::Backend(BackendError::permanent(
                format!("encoding the evidence entry: {e}"),
            ))),
        }
    }

    /// The records changed after the cursor (a change-feed sequence number), each as it now
    /// stands and once: a change superseded by a later one is left for that one.
    ///
    /// By entry date (a PFIF pull by `min_entry_date`, whose precision is the second, and
    /// inclusive): every change of `t`'s second, then up to `limit` later changes, the page
    /// extended to the end of its last second. A page never splits a second, and holds a later
    /// second whenever there is one, so a partner that pulls again from the newest entry date
    /// it got always moves on (however many changes one second holds).
    fn changes(&self, from: &ChangesFrom, limit: usize) -> Result<ChangeBatch, BackendError> {
        let (after, feed) = match from {
            ChangesFrom::Cursor(c) => {
                let after = cursor_seq(c.as_deref())?;
                let feed = self
                    .store
                    .changes_after(after, limit)
                    .map_err(backend_error)?;
                (after, feed)
            }
            ChangesFrom::EntryDate(t) => {
                let after = self
                    .store
                    .first_change_at_or_after(*t)
                    .map_err(backend_error)?
                    .saturating_sub(1);
                (after, self.changes_by_second(after, t.timestamp(), limit)?)
            }
        };
        let mut changes = Vec::new();
        for c in &feed {
            if let Some(r) = self.store.get(&c.record).map_err(backend_error)?
                && r.version == c.version
            {
                changes.push(Change {
                    item: PayloadItem::Record(Box::new(r)),
                    changed_at: c.at,
                });
            }
        }
        let next = feed.last().map_or(after, |c| c.seq);
        Ok(ChangeBatch {
            changes,
            next_cursor: next.to_string(),
        })
    }

    fn shared_with(&self, partner: &str, ids: &[RecordId]) -> Result<Vec<bool>, BackendError> {
        Ok(self
            .store
            .shared_marks(partner, ids)
            .map_err(backend_error)?
            .into_iter()
            .map(|m| m.is_some())
            .collect())
    }

    fn mark_shared(&self, partner: &str, ids: &[RecordId]) -> Result<(), BackendError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut current = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = self.store.get(id).map_err(backend_error)? {
                current.push((id, r.version, r.status));
            }
        }
        self.store
            .federation_write(|w| {
                for (id, version, status) in &current {
                    w.mark_shared(partner, id, *version, *status)?;
                }
                Ok(())
            })
            .map_err(backend_error)
    }

    fn received_from(&self, partner: &str, ids: &[RecordId]) -> Result<Vec<bool>, BackendError> {
        self.store
            .received_from(partner, ids)
            .map_err(backend_error)
    }
}

impl ReplayGuard for StoreBackend {
    fn check_and_record(
        &self,
        key: &ReplayKey,
        created: DateTime<Utc>,
    ) -> Result<bool, ReplayStoreError> {
        self.store
            .replay_check_and_record(&key.to_bytes(), created)
            .map_err(|e| ReplayStoreError(e.to_string()))
    }

    fn prune(&self, cutoff: DateTime<Utc>) -> Result<usize, ReplayStoreError> {
        self.store
            .replay_prune(cutoff)
            .map_err(|e| ReplayStoreError(e.to_string()))
    }
}

impl EvidenceStorage for StoreBackend {
    fn append(&self, seq: u64, record: &[u8]) -> Result<(), StorageError> {
        self.store
            .evidence_append(seq, record)
            .map_err(|e| StorageError(e.to_string()))
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.store
            .evidence_len()
            .map_err(|e| StorageError(e.to_string()))
    }

    fn read(&self, from: u64, limit: usize) -> Result<Vec<Vec<u8>>, StorageError> {
        self.store
            .evidence_read(from, limit)
            .map_err(|e| StorageError(e.to_string()))
    }
}

/// The evidence log of `store` (read-only use: `homeward log`).
pub fn store_evidence(store: Arc<Store>) -> Arc<StoreBackend> {
    Arc::new(StoreBackend::new(store))
}
