//! In-memory implementations of the store-facing traits, for tests, benchmarks and
//! development. Nothing here is durable: the gateway implements the same traits with its
//! store.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use homeward_adapters::{Item, ReadItem};
use homeward_schemas::{Action, Record, RecordId, Status, StatusEvent, Transaction};

use crate::backend::{
    BackendError, Change, ChangeBatch, ChangesFrom, ExchangeBackend, InboundBatch, Outcome,
};
use crate::envelope::{ReplayGuard, ReplayKey, ReplayStoreError};
use crate::evidence::{EvidenceStorage, StorageError};
use crate::payload::PayloadItem;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// === impl MemoryReplayGuard ===

/// Replay keys in a map.
#[derive(Debug, Default)]
pub struct MemoryReplayGuard {
    seen: Mutex<HashMap<ReplayKey, DateTime<Utc>>>,
}

impl MemoryReplayGuard {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        lock(&self.seen).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn check_and_record(
        &self,
        key: &ReplayKey,
        created: DateTime<Utc>,
    ) -> Result<bool, ReplayStoreError> {
        let mut seen = lock(&self.seen);
        if seen.contains_key(key) {
            return Ok(false);
        }
        seen.insert(key.clone(), created);
        Ok(true)
    }

    fn prune(&self, cutoff: DateTime<Utc>) -> Result<usize, ReplayStoreError> {
        let mut seen = lock(&self.seen);
        let before = seen.len();
        seen.retain(|_, created| *created >= cutoff);
        Ok(before - seen.len())
    }
}

// === impl MemoryEvidenceStorage ===

/// Evidence records in a vector.
#[derive(Debug, Default)]
pub struct MemoryEvidenceStorage {
    records: Mutex<Vec<Vec<u8>>>,
}

impl MemoryEvidenceStorage {
    pub fn new() -> Self {
        Self::default()
    }

    /// Flips bits of byte `at` of stored record `seq` (tests of tamper detection). Returns
    /// false when there is no such byte.
    pub fn tamper(&self, seq: u64, at: usize, mask: u8) -> bool {
        let mut recs = lock(&self.records);
        match recs.get_mut(seq as usize).and_then(|r| r.get_mut(at)) {
            Some(b) => {
                *b ^= mask;
                true
            }
            None => false,
        }
    }

    /// Replaces stored record `seq` whole.
    pub fn replace(&self, seq: u64, record: Vec<u8>) {
        if let Some(r) = lock(&self.records).get_mut(seq as usize) {
            *r = record;
        }
    }

    /// A copy of stored record `seq`.
    pub fn record(&self, seq: u64) -> Option<Vec<u8>> {
        lock(&self.records).get(seq as usize).cloned()
    }
}

impl EvidenceStorage for MemoryEvidenceStorage {
    fn append(&self, seq: u64, record: &[u8]) -> Result<(), StorageError> {
        let mut recs = lock(&self.records);
        if seq != recs.len() as u64 {
            return Err(StorageError(format!(
                "append at {seq}, but the log has {} entries",
                recs.len()
            )));
        }
        recs.push(record.to_vec());
        Ok(())
    }

    fn len(&self) -> Result<u64, StorageError> {
        Ok(lock(&self.records).len() as u64)
    }

    fn read(&self, from: u64, limit: usize) -> Result<Vec<Vec<u8>>, StorageError> {
        let recs = lock(&self.records);
        let start = (from as usize).min(recs.len());
        let end = start.saturating_add(limit).min(recs.len());
        Ok(recs[start..end].to_vec())
    }
}

// === impl MemoryBackend ===

/// One stored version, shared by the map and the change feed (no copies on apply).
#[derive(Debug, Clone)]
struct Stored {
    record: Arc<Record>,
    changed_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct BackendState {
    records: BTreeMap<RecordId, Arc<Record>>,
    /// The change feed: position i has cursor i + 1.
    changes: Vec<Stored>,
    shared: HashSet<(String, RecordId)>,
    /// Rejected items, as a store would quarantine them.
    quarantine: Vec<(String, ReadItem)>,
    batches: u64,
    fail_next: Option<BackendError>,
}

impl BackendState {
    fn store(&mut self, record: Record, now: DateTime<Utc>) {
        let record = Arc::new(record);
        self.records.insert(record.id.clone(), record.clone());
        self.changes.push(Stored {
            record,
            changed_at: now,
        });
    }
}

/// Records in a map, with a change feed and the set of records shared with each partner.
/// Applying is all-or-nothing per batch; a record equal to the stored one (ignoring
/// `version` and `received_at`) is `Unchanged`.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    state: Mutex<BackendState>,
}

/// Equal but for what this gateway sets (`version`, `received_at`).
fn same(a: &Record, b: &Record) -> bool {
    if a.version == b.version && a.received_at == b.received_at {
        return a == b;
    }
    let mut a = a.clone();
    a.version = b.version;
    a.received_at = b.received_at;
    a == *b
}

fn target_id(t: &Transaction) -> RecordId {
    RecordId::new(t.target.source.clone(), t.target.native_id.clone())
}

/// Applies a transaction to a record; `None` when it changes nothing.
fn apply_transaction(
    r: &Record,
    t: &Transaction,
    now: DateTime<Utc>,
) -> Result<Option<Record>, String> {
    let mut out = r.clone();
    let event = |status: Status| StatusEvent {
        status,
        date: t.date,
        applied_at: Some(now),
        reason: t.reason,
        by: t.by.clone(),
        note_record_id: None,
    };
    match &t.action {
        Action::Locate | Action::Cancel | Action::Clear { .. } => {
            let status = match &t.action {
                Action::Locate => Status::Located,
                Action::Cancel => Status::Cancelled,
                Action::Clear {
                    identified_as: Some(_),
                    ..
                } => Status::Identified,
                _ => Status::Cleared,
            };
            if out.status == status {
                return Ok(None);
            }
            if let Action::Clear { identified_as, .. } = &t.action {
                out.identified_as = identified_as.clone().or(out.identified_as);
            }
            out.status = status;
            out.status_history.push(event(status));
        }
        Action::Expire { expiry_date } => {
            if out.status == Status::Expired {
                return Ok(None);
            }
            out.expiry_date = Some(*expiry_date);
            out.status = Status::Expired;
            out.status_history.push(event(Status::Expired));
            out.strip_personal_data();
        }
        Action::Note { note } => {
            if out
                .notes
                .iter()
                .any(|n| n.note_record_id == note.note_record_id)
            {
                return Ok(None);
            }
            out.notes.push((**note).clone());
        }
        Action::Modify { patch, full } => {
            if *full {
                let mut p = (**patch).clone();
                p.id = out.id.clone();
                p.kind = out.kind;
                p.status = out.status;
                p.status_history = out.status_history.clone();
                out = p;
            } else {
                // the fields present in the patch replace the record's
                let mut base = serde_json::to_value(&out).map_err(|e| e.to_string())?;
                let patch = serde_json::to_value(&**patch).map_err(|e| e.to_string())?;
                if let (Some(b), Some(p)) = (base.as_object_mut(), patch.as_object()) {
                    for (k, v) in p {
                        let fixed = matches!(
                            k.as_str(),
                            "id" | "kind"
                                | "schema_version"
                                | "version"
                                | "status"
                                | "received_at"
                                | "status_history"
                        );
                        if !fixed && !v.is_null() {
                            b.insert(k.clone(), v.clone());
                        }
                    }
                }
                out = serde_json::from_value(base).map_err(|e| e.to_string())?;
            }
        }
    }
    if same(&out, r) {
        Ok(None)
    } else {
        Ok(Some(out))
    }
}

impl MemoryBackend {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BackendState> {
        lock(&self.state)
    }

    /// Stores a record as a local import would (it enters the change feed).
    pub fn insert_local(&self, mut record: Record) {
        let now = Utc::now();
        let mut s = self.lock();
        record.version = s.records.get(&record.id).map_or(1, |r| r.version + 1);
        record.received_at.get_or_insert(now);
        s.store(record, now);
    }

    /// Applies a transaction locally (a clear at this agency); false when the record is not
    /// here or nothing changed.
    pub fn apply_local(&self, t: &Transaction) -> bool {
        let now = Utc::now();
        let mut s = self.lock();
        let Some(r) = s.records.get(&target_id(t)) else {
            return false;
        };
        match apply_transaction(r, t, now) {
            Ok(Some(mut new)) => {
                new.version += 1;
                s.store(new, now);
                true
            }
            _ => false,
        }
    }

    pub fn get(&self, id: &RecordId) -> Option<Record> {
        self.lock().records.get(id).map(|r| (**r).clone())
    }

    pub fn records(&self) -> Vec<Record> {
        self.lock()
            .records
            .values()
            .map(|r| (**r).clone())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Batches applied so far (refused exchanges never reach the backend).
    pub fn batches(&self) -> u64 {
        self.lock().batches
    }

    /// Items rejected so far, with the partner that sent them.
    pub fn quarantine(&self) -> Vec<(String, ReadItem)> {
        self.lock().quarantine.clone()
    }

    /// Makes the next `apply` fail with `e` (tests of retries).
    pub fn fail_next(&self, e: BackendError) {
        self.lock().fail_next = Some(e);
    }

    /// Whether `partner` was sent `id`.
    pub fn was_shared(&self, partner: &str, id: &RecordId) -> bool {
        self.lock()
            .shared
            .contains(&(partner.to_string(), id.clone()))
    }
}

fn change(s: &Stored) -> Change {
    Change {
        item: PayloadItem::Record(Box::new((*s.record).clone())),
        changed_at: s.changed_at,
    }
}

impl ExchangeBackend for MemoryBackend {
    fn apply(&self, batch: InboundBatch<'_>) -> Result<Vec<Outcome>, BackendError> {
        let now = Utc::now();
        let mut s = self.lock();
        if let Some(e) = s.fail_next.take() {
            return Err(e);
        }
        // no step below can fail half-way (a bad item is a per-item outcome), so applying in
        // place is all or nothing
        let mut outcomes = Vec::with_capacity(batch.items.len());
        for item in batch.items {
            let ReadItem {
                item: inner,
                position,
                raw,
                warnings,
            } = item;
            let outcome = match inner {
                Item::Entry(mut r) => {
                    let previous = s
                        .records
                        .get(&r.id)
                        .map(|old| (old.version, old.received_at));
                    let unchanged = s.records.get(&r.id).is_some_and(|old| {
                        // compare without copying: borrow the incoming record's local fields
                        let saved = (r.version, r.received_at);
                        r.version = old.version;
                        r.received_at = old.received_at;
                        let same = *r == **old;
                        (r.version, r.received_at) = saved;
                        same
                    });
                    if unchanged {
                        Outcome::Unchanged
                    } else {
                        r.version = previous.map_or(1, |(v, _)| v + 1);
                        r.received_at = previous.and_then(|(_, t)| t).or(Some(now));
                        s.store(*r, now);
                        Outcome::Accepted
                    }
                }
                Item::Transaction(t) => match s.records.get(&target_id(&t)).cloned() {
                    None => {
                        let o = Outcome::Rejected(format!("no record {} here", target_id(&t)));
                        let item = ReadItem {
                            item: Item::Transaction(t),
                            position,
                            raw,
                            warnings,
                        };
                        s.quarantine.push((batch.partner.to_string(), item));
                        o
                    }
                    Some(r) => match apply_transaction(&r, &t, now) {
                        Ok(None) => Outcome::Unchanged,
                        Ok(Some(mut new)) => {
                            new.version += 1;
                            s.store(new, now);
                            Outcome::Accepted
                        }
                        Err(e) => Outcome::Rejected(e),
                    },
                },
                Item::Rejected(rej) => {
                    let o = Outcome::Rejected(rej.reason.clone());
                    let item = ReadItem {
                        item: Item::Rejected(rej),
                        position,
                        raw,
                        warnings,
                    };
                    s.quarantine.push((batch.partner.to_string(), item));
                    o
                }
            };
            outcomes.push(outcome);
        }
        s.batches += 1;
        Ok(outcomes)
    }

    fn changes(&self, from: &ChangesFrom, limit: usize) -> Result<ChangeBatch, BackendError> {
        let s = self.lock();
        match from {
            ChangesFrom::Cursor(c) => {
                let start = match c.as_deref() {
                    None | Some("") => 0,
                    Some(c) => c.parse::<usize>().map_err(|_| {
                        BackendError::bad_request(format!(
                            "cursor `{c}` is not one of this gateway's"
                        ))
                    })?,
                };
                let start = start.min(s.changes.len());
                let end = start.saturating_add(limit).min(s.changes.len());
                Ok(ChangeBatch {
                    changes: s.changes[start..end].iter().map(change).collect(),
                    next_cursor: end.to_string(),
                })
            }
            ChangesFrom::EntryDate(t) => {
                let picked: Vec<(usize, &Stored)> = s
                    .changes
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.changed_at >= *t)
                    .take(limit)
                    .collect();
                let next = picked.last().map_or(s.changes.len(), |(i, _)| i + 1);
                Ok(ChangeBatch {
                    changes: picked.into_iter().map(|(_, c)| change(c)).collect(),
                    next_cursor: next.to_string(),
                })
            }
        }
    }

    fn shared_with(&self, partner: &str, ids: &[RecordId]) -> Result<Vec<bool>, BackendError> {
        let s = self.lock();
        Ok(ids
            .iter()
            .map(|id| s.shared.contains(&(partner.to_string(), id.clone())))
            .collect())
    }

    fn mark_shared(&self, partner: &str, ids: &[RecordId]) -> Result<(), BackendError> {
        let mut s = self.lock();
        for id in ids {
            s.shared.insert((partner.to_string(), id.clone()));
        }
        Ok(())
    }
}
