//! In-memory implementations of the store-facing traits, for tests, benchmarks and
//! development. Nothing here is durable: the gateway implements the same traits with its
//! store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::envelope::{ReplayGuard, ReplayKey, ReplayStoreError};
use crate::evidence::{EvidenceStorage, StorageError};

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

#[allow(unused_imports)]
use BTreeMap as _;
