//! A write transaction over a snapshot: reads see the snapshot plus this batch's own writes;
//! the writes become one atomic [`WriteBatch`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::engine::{Engine, Snapshot, WriteBatch};
use crate::error::StoreError;
use crate::keys;

pub(crate) struct Txn {
    snap: Box<dyn Snapshot>,
    overlay: BTreeMap<String, Option<Vec<u8>>>,
    /// Last change-feed sequence number (as of this batch's writes).
    pub seq: u64,
    /// Last quarantine id.
    pub qseq: u64,
    /// The time this batch is applied at.
    pub now: DateTime<Utc>,
    start_seq: u64,
    start_qseq: u64,
}

/// The writes of a [`Txn`] at one moment.
pub(crate) struct Checkpoint {
    overlay: BTreeMap<String, Option<Vec<u8>>>,
    seq: u64,
    qseq: u64,
}

pub(crate) fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::corrupt(key, e))
}

pub(crate) fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Encode {
        key: key.escape_default().to_string(),
        source: e,
    })
}

impl Txn {
    pub fn begin(engine: &dyn Engine) -> Result<Self, StoreError> {
        let snap = engine.snapshot()?;
        let read_u64 = |k: &str| -> Result<u64, StoreError> {
            match snap.get(k.as_bytes())? {
                Some(b) => decode(k, &b),
                None => Ok(0),
            }
        };
        let seq = read_u64(keys::META_SEQ)?;
        let qseq = read_u64(keys::META_QSEQ)?;
        Ok(Self {
            snap,
            overlay: BTreeMap::new(),
            seq,
            qseq,
            now: Utc::now(),
            start_seq: seq,
            start_qseq: qseq,
        })
    }

    pub fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = self.overlay.get(key) {
            return Ok(v.clone());
        }
        Ok(self.snap.get(key.as_bytes())?)
    }

    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.get_raw(key)?.map(|b| decode(key, &b)).transpose()
    }

    pub fn put<T: Serialize>(&mut self, key: String, value: &T) -> Result<(), StoreError> {
        let bytes = encode(&key, value)?;
        self.overlay.insert(key, Some(bytes));
        Ok(())
    }

    /// Puts a value encoded by the caller (the same JSON [`Txn::put`] would write).
    pub fn put_raw(&mut self, key: String, bytes: Vec<u8>) {
        self.overlay.insert(key, Some(bytes));
    }

    pub fn delete(&mut self, key: String) {
        self.overlay.insert(key, None);
    }

    /// Keys (and values) under `prefix`, merging this batch's writes, in key order.
    pub fn scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for kv in self.snap.scan(prefix.as_bytes(), prefix.as_bytes())? {
            let (k, v) = kv?;
            let k = String::from_utf8_lossy(&k).into_owned();
            out.insert(k, v);
        }
        for (k, v) in self.overlay.range(prefix.to_string()..) {
            if !k.starts_with(prefix) {
                break;
            }
            match v {
                Some(v) => out.insert(k.clone(), v.clone()),
                None => out.remove(k),
            };
        }
        Ok(out.into_iter().collect())
    }

    /// A point to roll back to.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            overlay: self.overlay.clone(),
            seq: self.seq,
            qseq: self.qseq,
        }
    }

    /// Forgets every write made since `c`.
    pub fn rollback(&mut self, c: Checkpoint) {
        self.overlay = c.overlay;
        self.seq = c.seq;
        self.qseq = c.qseq;
    }

    /// Whether this transaction writes anything.
    pub fn is_empty(&self) -> bool {
        self.overlay.is_empty() && self.seq == self.start_seq && self.qseq == self.start_qseq
    }

    /// The writes, counters included, as one batch.
    pub fn into_batch(mut self) -> Result<WriteBatch, StoreError> {
        if self.seq != self.start_seq {
            let v = encode(keys::META_SEQ, &self.seq)?;
            self.overlay.insert(keys::META_SEQ.to_string(), Some(v));
        }
        if self.qseq != self.start_qseq {
            let v = encode(keys::META_QSEQ, &self.qseq)?;
            self.overlay.insert(keys::META_QSEQ.to_string(), Some(v));
        }
        let mut batch = WriteBatch::new();
        for (k, v) in self.overlay {
            match v {
                Some(v) => batch.put(k.into_bytes(), v),
                None => batch.delete(k.into_bytes()),
            }
        }
        Ok(batch)
    }
}
