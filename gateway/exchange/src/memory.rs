//! In-memory implementations of the store-facing traits, for tests, benchmarks and
//! development. Nothing here is durable: the gateway implements the same traits with its
//! store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::envelope::{ReplayGuard, ReplayKey, ReplayStoreError};

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

#[allow(unused_imports)]
use BTreeMap as _;
