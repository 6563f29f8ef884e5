//! The change feed: every accepted change, numbered 1, 2, 3... in the order the store made
//! them, and per-consumer cursors kept in the store.
//!
//! Crossmatch and federation read the feed; the store never knows who they are. A consumer
//! reads a batch after its cursor, processes it, then acknowledges the last sequence number it
//! has finished with ([`Consumer::ack`], durable). After a crash it resumes after its last
//! acknowledgement, so it sees every change at least once; it must tolerate seeing the last
//! unacknowledged batch again (the change's `record` + `version` identify it).
//!
//! ```no_run
//! # fn demo(store: &homeward_store::Store) -> Result<(), homeward_store::StoreError> {
//! let feed = store.consumer("crossmatch")?;
//! loop {
//!     let batch = feed.next_batch(500)?;
//!     let Some(last) = batch.last() else { break };
//!     for change in &batch {
//!         // index store.get(&change.record)? ...
//!         let _ = change;
//!     }
//!     feed.ack(last.seq)?;
//! }
//! # Ok(()) }
//! ```

use crate::error::StoreError;
use crate::keys;
use crate::model::Change;
use crate::store::Store;
use crate::txn::{Txn, decode};

/// A named reader of the change feed with a persisted cursor.
pub struct Consumer<'s> {
    store: &'s Store,
    name: String,
}

impl Store {
    /// The last sequence number of the feed (0 when nothing changed yet).
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        match self.engine().get(keys::META_SEQ.as_bytes())? {
            Some(b) => decode(keys::META_SEQ, &b),
            None => Ok(0),
        }
    }

    /// Up to `limit` changes with sequence number greater than `after`, in order.
    pub fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let start = keys::chg(after.saturating_add(1));
        let snap = self.engine().snapshot()?;
        let mut out = Vec::new();
        for kv in snap
            .scan(keys::CHG.as_bytes(), start.as_bytes())?
            .take(limit)
        {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    /// The cursor of `consumer`: the last sequence number it acknowledged (0 if none).
    pub fn cursor(&self, consumer: &str) -> Result<u64, StoreError> {
        let key = keys::cur(consumer);
        match self.engine().get(key.as_bytes())? {
            Some(b) => decode(&key, &b),
            None => Ok(0),
        }
    }

    /// Every consumer and its cursor.
    pub fn cursors(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.engine().scan_prefix(keys::CUR.as_bytes())? {
            let (k, v) = kv?;
            let k = String::from_utf8_lossy(&k).into_owned();
            let seq: u64 = decode(&k, &v)?;
            out.push((k[keys::CUR.len()..].to_string(), seq));
        }
        Ok(out)
    }

    /// Sets `consumer`'s cursor to `seq` (durably), forwards or backwards (to replay). Refuses
    /// a position past the end of the feed.
    pub fn set_cursor(&self, consumer: &str, seq: u64) -> Result<(), StoreError> {
        check_name(consumer)?;
        self.write(|tx| {
            if seq > tx.seq {
                return Err(StoreError::Invalid(format!(
                    "cursor {seq} for `{consumer}` is past the end of the change feed ({})",
                    tx.seq
                )));
            }
            tx.put(keys::cur(consumer), &seq)
        })
    }

    /// Removes `consumer`'s cursor.
    pub fn remove_cursor(&self, consumer: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.delete(keys::cur(consumer));
            Ok(())
        })
    }

    /// A handle for reading the feed as `name`.
    pub fn consumer(&self, name: &str) -> Result<Consumer<'_>, StoreError> {
        check_name(name)?;
        Ok(Consumer {
            store: self,
            name: name.to_string(),
        })
    }
}

fn check_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || !keys::valid_part(name) {
        return Err(StoreError::Invalid(format!(
            "`{}` is not a consumer name",
            name.escape_default()
        )));
    }
    Ok(())
}

impl Consumer<'_> {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The last sequence number this consumer acknowledged.
    pub fn position(&self) -> Result<u64, StoreError> {
        self.store.cursor(&self.name)
    }

    /// Up to `limit` changes after the cursor (the same ones again until acknowledged).
    pub fn next_batch(&self, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.store.changes_after(self.position()?, limit)
    }

    /// Records, durably, that every change up to `seq` is processed. Acknowledging a position
    /// at or before the cursor changes nothing (the cursor never moves back through `ack`).
    pub fn ack(&self, seq: u64) -> Result<(), StoreError> {
        let name = self.name.clone();
        self.store.write(|tx| ack_in(tx, &name, seq))
    }
}

/// [`Consumer::ack`] inside a transaction (so a consumer can store its results and its
/// cursor in one batch).
pub(crate) fn ack_in(tx: &mut Txn, name: &str, seq: u64) -> Result<(), StoreError> {
    check_name(name)?;
    let key = keys::cur(name);
    let current: u64 = tx.get(&key)?.unwrap_or(0);
    if seq <= current {
        return Ok(());
    }
    if seq > tx.seq {
        return Err(StoreError::Invalid(format!(
            "cannot acknowledge {seq} for `{name}`: the change feed ends at {}",
            tx.seq
        )));
    }
    tx.put(key, &seq)
}
