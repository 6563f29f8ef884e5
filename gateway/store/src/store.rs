//! [`Store`]: opening a store, the write path, and reading records back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use homeward_adapters::ReadItem;
use homeward_schemas::{Action, Kind, Record, RecordId, Status, TargetRef, Transaction};
use serde::{Deserialize, Serialize};

use crate::apply::{self, Mode};
use crate::engine::{Engine, EngineKind};
use crate::error::StoreError;
use crate::keys;
use crate::model::{BatchResult, InputContext, ItemOutcome, Origin, VersionEntry};
use crate::txn::{Txn, decode, encode};

/// Version of the key layout and value shapes. Bumped when an older Homeward would misread a
/// store; a store of a newer format is refused on open.
pub const STORE_FORMAT: u64 = 1;

/// The durable record store.
///
/// One writer at a time (a lock inside the process; the engines lock their files against
/// other processes); any number of readers. Every method that writes returns only after the
/// write is durable.
pub struct Store {
    engine: Box<dyn Engine>,
    write: Mutex<()>,
    path: Option<PathBuf>,
    health: Mutex<WriteHealth>,
}

/// How the store's writes have been going: the engines keep an I/O error once they hit one
/// (a full disk), so a gateway watches this to restart itself ([`Store::write_health`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteHealth {
    /// Writes that failed in a row since the last one that succeeded.
    pub consecutive_failures: u64,
    /// The last failure's message.
    pub last_error: Option<String>,
}

/// What looking a record up by a user-given id found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Found(Box<Record>),
    NotFound,
    /// Several records answer to the id; name one as `source/native_id`.
    Ambiguous(Vec<RecordId>),
}

/// Counts of what the store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Number of records (every status, expired placeholders included).
    pub records: u64,
    pub by_kind: BTreeMap<String, u64>,
    pub by_status: BTreeMap<String, u64>,
    pub by_source: BTreeMap<String, u64>,
    pub quarantine: QuarantineStats,
    /// The change feed's last sequence number.
    pub last_change: u64,
    pub engine: EngineKind,
}

/// Quarantine counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineStats {
    /// Items waiting in quarantine.
    pub open: u64,
    /// Items resolved by reprocessing.
    pub resolved: u64,
    /// Open items by the stage that refused them (`read`, `apply`).
    pub by_stage: BTreeMap<String, u64>,
}

/// A record's identity, kind, status and version, read without decoding the whole record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSummary {
    pub id: RecordId,
    pub kind: Kind,
    #[serde(default = "active")]
    pub status: Status,
    #[serde(default)]
    pub version: u64,
}

fn active() -> Status {
    Status::Active
}

/// How long [`Store::open`] keeps trying a store whose lock is held before it answers
/// [`StoreError::InUse`].
pub const OPEN_LOCK_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

impl Store {
    /// Opens (creating if absent) the store of `engine` in the data directory `dir`
    /// (`dir/store.sled` or `dir/store.redb`). Refuses when `dir` holds only a store of the
    /// other engine, so that a configuration change never shows an empty store.
    pub fn open(dir: &Path, engine: EngineKind) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let own = dir.join(engine.file_name());
        if !own.exists()
            && let Some(found) = EngineKind::ALL
                .into_iter()
                .find(|k| *k != engine && dir.join(k.file_name()).exists())
        {
            return Err(StoreError::EngineMismatch {
                dir: dir.to_path_buf(),
                found,
                configured: engine,
            });
        }
        // A store closed a moment ago in this process may still hold its lock while the
        // engine's background threads finish (sled's flusher): an in-use lock is tried
        // again for up to `OPEN_LOCK_GRACE` before it is reported.
        let deadline = std::time::Instant::now() + OPEN_LOCK_GRACE;
        let opened = loop {
            match engine.open(&own) {
                Ok(e) => break e,
                Err(e) if e.is_in_use() && std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                Err(e) if e.is_in_use() => return Err(StoreError::InUse { path: own.clone() }),
                Err(e) => return Err(StoreError::Engine(e)),
            }
        };
        let mut store = Self::with_engine(opened)?;
        store.path = Some(own);
        Ok(store)
    }

    /// A store on an engine opened by the caller.
    pub fn with_engine(engine: Box<dyn Engine>) -> Result<Self, StoreError> {
        let store = Self {
            engine,
            write: Mutex::new(()),
            path: None,
            health: Mutex::new(WriteHealth::default()),
        };
        if store.engine.get(keys::META_LOADING.as_bytes())?.is_some() {
            return Err(StoreError::Invalid(
                "a dump load into this store was interrupted; remove it and load again".into(),
            ));
        }
        match store.engine.get(keys::META_FORMAT.as_bytes())? {
            Some(b) => {
                let found: u64 = decode(keys::META_FORMAT, &b)?;
                if found > STORE_FORMAT {
                    return Err(StoreError::Format {
                        found,
                        supported: STORE_FORMAT,
                    });
                }
            }
            None => {
                let mut batch = crate::engine::WriteBatch::new();
                batch.put(keys::META_FORMAT, encode(keys::META_FORMAT, &STORE_FORMAT)?);
                store.engine.apply(batch)?;
                store.engine.sync()?;
            }
        }
        Ok(store)
    }

    pub fn engine_kind(&self) -> EngineKind {
        self.engine.kind()
    }

    /// The engine underneath (for tools that need raw access, such as dump and checks).
    pub fn engine(&self) -> &dyn Engine {
        &*self.engine
    }

    /// Where the store's file or directory is, when opened with [`Store::open`].
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, ()>, StoreError> {
        self.write.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Runs `f` in a write transaction and makes its writes durable. Nothing is written if `f`
    /// fails.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut Txn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_with(f)
    }

    /// [`Store::write`] for closures with their own error type.
    pub(crate) fn write_with<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Txn) -> Result<T, E>,
    ) -> Result<T, E> {
        let _guard = self.lock()?;
        let mut tx = Txn::begin(&*self.engine)?;
        let out = f(&mut tx)?;
        if !tx.is_empty() {
            let written = self.engine.commit(tx.into_batch()?);
            if let Ok(mut h) = self.health.lock() {
                match &written {
                    Ok(()) => *h = WriteHealth::default(),
                    Err(e) => {
                        h.consecutive_failures += 1;
                        h.last_error = Some(e.to_string());
                    }
                }
            }
            written.map_err(StoreError::from)?;
        }
        Ok(out)
    }

    /// How the writes have been going (see [`WriteHealth`]).
    pub fn write_health(&self) -> WriteHealth {
        self.health.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// Writes and syncs one small key (`meta/probe`, the time): whether the store can commit
    /// now.
    pub fn probe_write(&self) -> Result<(), StoreError> {
        self.write(|tx| {
            let now = tx.now;
            tx.put(keys::META_PROBE.to_string(), &now)
        })
    }

    /// **The write path.** Applies `items` (read from one input) atomically, in order, and
    /// makes the result durable (sled: `flush`; redb: a durable commit) before returning the
    /// per-item outcomes. Only what this returns is acknowledged; if it fails, nothing of the
    /// batch is stored, and applying the same items again is harmless.
    pub fn apply_batch(
        &self,
        items: &[ReadItem],
        input: &InputContext,
    ) -> Result<BatchResult, StoreError> {
        let mut last_seq = 0;
        let outcomes = self.write(|tx| {
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                out.push(apply::apply_item(tx, it, input, Mode::Import)?);
            }
            last_seq = tx.seq;
            Ok(out)
        })?;
        Ok(BatchResult { outcomes, last_seq })
    }

    /// Applies one item (a batch of one).
    pub fn apply_one(
        &self,
        item: &ReadItem,
        input: &InputContext,
    ) -> Result<ItemOutcome, StoreError> {
        let mut r = self.apply_batch(std::slice::from_ref(item), input)?;
        r.outcomes
            .pop()
            .ok_or_else(|| StoreError::Invalid("a batch of one returned no outcome".into()))
    }

    /// Expires every record whose `expiry_date` is at or before `now` and that has not expired
    /// yet (PFIF: after its expiry date a record is no longer served). Returns their ids.
    pub fn expire_due(&self, now: DateTime<Utc>) -> Result<Vec<RecordId>, StoreError> {
        let due: Vec<Record> = self
            .records()?
            .filter_map(|r| r.ok())
            .filter(|r| r.status != Status::Expired && r.expiry_date.is_some_and(|d| d <= now))
            .collect();
        let items: Vec<ReadItem> = due
            .iter()
            .map(|r| {
                ReadItem::transaction(
                    Transaction {
                        target: TargetRef {
                            kind: Some(r.kind),
                            source: r.id.source.clone(),
                            native_id: r.id.native_id.clone(),
                            name: None,
                            case_number: None,
                        },
                        action: Action::Expire {
                            expiry_date: r.expiry_date.unwrap_or(now),
                        },
                        date: None,
                        reason: None,
                        source_updated_at: None,
                        by: Some("homeward expiry".into()),
                        extra: Vec::new(),
                    },
                    Default::default(),
                    Vec::new(),
                )
            })
            .collect();
        let input = InputContext {
            origin: Origin::Internal(format!("expiry {}", now.to_rfc3339())),
            format: crate::apply::CANONICAL_FORMAT.into(),
            source: None,
            received_at: now,
        };
        let result = self.apply_batch(&items, &input)?;
        Ok(result
            .outcomes
            .iter()
            .filter(|o| o.outcome.is_accepted())
            .filter_map(|o| o.outcome.record().cloned())
            .collect())
    }

    // === reading ===

    /// The record as it now stands.
    pub fn get(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
            return Ok(None);
        }
        let key = keys::rec(id);
        self.engine
            .get(key.as_bytes())?
            .map(|b| decode(&key, &b))
            .transpose()
    }

    /// Finds a record by a user-given id: `source/native_id`, or a native id or NIC that only
    /// one record has.
    pub fn find(&self, text: &str) -> Result<Lookup, StoreError> {
        let mut found: Vec<RecordId> = Vec::new();
        for (i, _) in text.match_indices('/') {
            let id = RecordId::new(&text[..i], &text[i + 1..]);
            if self.get(&id)?.is_some() {
                found.push(id);
            }
        }
        if found.is_empty() && keys::valid_part(text) {
            for kv in self.engine.scan_prefix(keys::idx_prefix(text).as_bytes())? {
                let (k, _) = kv?;
                if let Some(id) = keys::idx_record(&String::from_utf8_lossy(&k))
                    && !found.contains(&id)
                {
                    found.push(id);
                }
            }
        }
        match found.len() {
            0 => Ok(Lookup::NotFound),
            1 => Ok(match self.get(&found[0])? {
                Some(r) => Lookup::Found(Box::new(r)),
                None => Lookup::NotFound,
            }),
            _ => Ok(Lookup::Ambiguous(found)),
        }
    }

    /// Every version of a record, oldest first.
    pub fn history(&self, id: &RecordId) -> Result<Vec<VersionEntry>, StoreError> {
        let mut out = Vec::new();
        if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
            return Ok(out);
        }
        let snap = self.engine.snapshot()?;
        for kv in snap.scan(keys::ver_prefix(id).as_bytes(), b"")? {
            let (k, v) = kv?;
            out.push(decode::<VersionEntry>(&String::from_utf8_lossy(&k), &v)?);
        }
        // The latest version's snapshot is the record as it stands.
        if let Some(last) = out.last_mut()
            && last.record.is_none()
            && last.purged_at.is_none()
        {
            let key = keys::rec(id);
            last.record = snap
                .get(key.as_bytes())?
                .map(|b| decode(&key, &b))
                .transpose()?;
        }
        Ok(out)
    }

    /// Every record, in key order (by source, then native id).
    pub fn records(
        &self,
    ) -> Result<impl Iterator<Item = Result<Record, StoreError>> + use<>, StoreError> {
        self.records_under(keys::REC.to_string())
    }

    /// Every record in key order, as [`Store::records`], read `batch` at a time and each
    /// batch decoded on every core; `f` gets the batches in order. The first error (reading,
    /// decoding, or `f`'s) ends the scan and is returned.
    pub fn record_batches<E: From<StoreError>>(
        &self,
        batch: usize,
        mut f: impl FnMut(Vec<Record>) -> Result<(), E>,
    ) -> Result<(), E> {
        use rayon::prelude::*;
        let mut iter = self
            .engine
            .scan_prefix(keys::REC.as_bytes())
            .map_err(StoreError::from)?;
        loop {
            let raw: Vec<(Vec<u8>, Vec<u8>)> = iter
                .by_ref()
                .take(batch.max(1))
                .collect::<Result<_, _>>()
                .map_err(StoreError::from)?;
            if raw.is_empty() {
                return Ok(());
            }
            let records: Vec<Record> = raw
                .par_iter()
                .map(|(k, v)| decode(&String::from_utf8_lossy(k), v))
                .collect::<Result<_, StoreError>>()?;
            drop(raw);
            f(records)?;
        }
    }

    /// The records of one source.
    pub fn records_of(
        &self,
        source: &str,
    ) -> Result<impl Iterator<Item = Result<Record, StoreError>> + use<>, StoreError> {
        self.records_under(keys::rec_source_prefix(source))
    }

    fn records_under(
        &self,
        prefix: String,
    ) -> Result<impl Iterator<Item = Result<Record, StoreError>> + use<>, StoreError> {
        let iter = self.engine.scan_prefix(prefix.as_bytes())?;
        Ok(iter.map(|kv| {
            let (k, v) = kv?;
            decode(&String::from_utf8_lossy(&k), &v)
        }))
    }

    /// Every record's id, kind, status and version, in key order: much cheaper than
    /// [`Store::records`] when the content is not needed.
    pub fn summaries(
        &self,
    ) -> Result<impl Iterator<Item = Result<RecordSummary, StoreError>> + use<>, StoreError> {
        let iter = self.engine.scan_prefix(keys::REC.as_bytes())?;
        Ok(iter.map(|kv| {
            let (k, v) = kv?;
            decode(&String::from_utf8_lossy(&k), &v)
        }))
    }

    /// Counts by kind, status and source, and of quarantine.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let mut s = Stats {
            engine: self.engine.kind(),
            ..Stats::default()
        };
        for kv in self.engine.scan_prefix(keys::REC.as_bytes())? {
            let (k, v) = kv?;
            let l: RecordSummary = decode(&String::from_utf8_lossy(&k), &v)?;
            s.records += 1;
            *s.by_kind.entry(l.kind.to_string()).or_default() += 1;
            *s.by_status.entry(l.status.to_string()).or_default() += 1;
            *s.by_source.entry(l.id.source).or_default() += 1;
        }
        for item in self.quarantine_list()? {
            s.quarantine.open += 1;
            let stage = serde_json::to_value(item.stage)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            *s.quarantine.by_stage.entry(stage).or_default() += 1;
        }
        s.quarantine.resolved = self.engine.scan_prefix(keys::QUAR_DONE.as_bytes())?.count() as u64;
        s.last_change = self.last_seq()?;
        Ok(s)
    }
}
