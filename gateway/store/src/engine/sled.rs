//! The sled engine: one sled tree; batches with `apply_batch`, durability with `flush`.

use std::path::Path;

use super::{Engine, EngineKind, KvIter, Snapshot, WriteBatch, scan_start};
use crate::error::EngineError;

/// A store kept in a sled database directory.
pub struct SledEngine {
    db: sled::Db,
}

impl SledEngine {
    /// Opens or creates the sled database at `path` (a directory). sled recovers from its log
    /// on open.
    pub fn open(path: &Path) -> Result<Self, EngineError> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(256 * 1024 * 1024)
            .open()?;
        Ok(Self { db })
    }
}

struct SledSnapshot {
    tree: sled::Tree,
}

impl Snapshot for SledSnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        Ok(self.tree.get(key)?.map(|v| v.to_vec()))
    }

    fn scan(&self, prefix: &[u8], start: &[u8]) -> Result<KvIter, EngineError> {
        let prefix = prefix.to_vec();
        let iter = self
            .tree
            .range(scan_start(&prefix, start).to_vec()..)
            .map(|r| {
                r.map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(EngineError::from)
            })
            .take_while(move |r| match r {
                Ok((k, _)) => k.starts_with(&prefix),
                Err(_) => true,
            });
        Ok(Box::new(iter))
    }
}

impl Engine for SledEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Sled
    }

    fn snapshot(&self) -> Result<Box<dyn Snapshot>, EngineError> {
        Ok(Box::new(SledSnapshot {
            tree: (*self.db).clone(),
        }))
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), EngineError> {
        let mut b = sled::Batch::default();
        for (k, v) in batch.ops {
            match v {
                Some(v) => b.insert(k, v),
                None => b.remove(k),
            }
        }
        self.db.apply_batch(b)?;
        Ok(())
    }

    fn sync(&self) -> Result<(), EngineError> {
        self.db.flush()?;
        Ok(())
    }
}
