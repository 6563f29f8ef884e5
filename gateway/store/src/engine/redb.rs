//! The redb engine: one table of byte keys and values; every commit is durable.

use std::path::Path;

use redb::{ReadableDatabase, TableDefinition};

use super::{Engine, EngineKind, KvIter, Snapshot, WriteBatch, scan_start};
use crate::error::EngineError;

const TABLE: TableDefinition<'static, &'static [u8], &'static [u8]> = TableDefinition::new("kv");

/// A store kept in one redb file.
pub struct RedbEngine {
    db: redb::Database,
}

impl RedbEngine {
    /// Opens or creates the redb file at `path`. After a crash redb repairs the file on open;
    /// only committed transactions are there.
    pub fn open(path: &Path) -> Result<Self, EngineError> {
        let db = redb::Database::create(path).map_err(EngineError::redb)?;
        // Make sure the table exists, so read transactions can always open it.
        let tx = db.begin_write().map_err(EngineError::redb)?;
        tx.open_table(TABLE).map_err(EngineError::redb)?;
        tx.commit().map_err(EngineError::redb)?;
        Ok(Self { db })
    }
}

struct RedbSnapshot {
    table: redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
}

impl Snapshot for RedbSnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        Ok(self
            .table
            .get(key)
            .map_err(EngineError::redb)?
            .map(|g| g.value().to_vec()))
    }

    fn scan(&self, prefix: &[u8], start: &[u8]) -> Result<KvIter, EngineError> {
        let prefix = prefix.to_vec();
        let from = scan_start(&prefix, start).to_vec();
        let range = self
            .table
            .range::<&[u8]>(from.as_slice()..)
            .map_err(EngineError::redb)?;
        let iter = range
            .map(|r| {
                r.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))
                    .map_err(EngineError::redb)
            })
            .take_while(move |r| match r {
                Ok((k, _)) => k.starts_with(&prefix),
                Err(_) => true,
            });
        Ok(Box::new(iter))
    }
}

impl Engine for RedbEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Redb
    }

    fn snapshot(&self) -> Result<Box<dyn Snapshot>, EngineError> {
        let tx = self.db.begin_read().map_err(EngineError::redb)?;
        let table = tx.open_table(TABLE).map_err(EngineError::redb)?;
        Ok(Box::new(RedbSnapshot { table }))
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), EngineError> {
        let tx = self.db.begin_write().map_err(EngineError::redb)?;
        {
            let mut table = tx.open_table(TABLE).map_err(EngineError::redb)?;
            for (k, v) in &batch.ops {
                match v {
                    Some(v) => {
                        table
                            .insert(k.as_slice(), v.as_slice())
                            .map_err(EngineError::redb)?;
                    }
                    None => {
                        table.remove(k.as_slice()).map_err(EngineError::redb)?;
                    }
                }
            }
        }
        // Durability::Immediate (redb's default): durable when commit returns.
        tx.commit().map_err(EngineError::redb)?;
        Ok(())
    }

    fn sync(&self) -> Result<(), EngineError> {
        // Every commit is already durable.
        Ok(())
    }
}
