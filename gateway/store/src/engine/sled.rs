//! The sled engine: one sled tree; batches with `apply_batch`, durability with `flush`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{Engine, EngineKind, KvIter, Snapshot, WriteBatch, scan_start};
use crate::error::EngineError;

/// A store kept in a sled database directory.
pub struct SledEngine {
    db: sled::Db,
    path: PathBuf,
    /// Set when a failed batch could not be undone in memory: why (see [`Engine::commit`]).
    must_reopen: Mutex<Option<String>>,
}

/// Room a batch needs on the disk beyond its own bytes twice over (sled writes a batch to its
/// log, then its pages when it compacts).
const HEADROOM: u64 = 8 * 1024 * 1024;

impl SledEngine {
    /// Opens or creates the sled database at `path` (a directory). sled recovers from its log
    /// on open.
    pub fn open(path: &Path) -> Result<Self, EngineError> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(256 * 1024 * 1024)
            .open()?;
        Ok(Self {
            db,
            path: path.to_path_buf(),
            must_reopen: Mutex::new(None),
        })
    }

    fn usable(&self) -> Result<(), EngineError> {
        let why = match self.must_reopen.lock() {
            Ok(g) => g.clone(),
            Err(_) => Some("a writer panicked".into()),
        };
        match why {
            Some(why) => Err(EngineError::MustReopen {
                path: self.path.clone(),
                why,
            }),
            None => Ok(()),
        }
    }

    /// Refuses a batch the disk has no room for before any of it is applied: sled applies a
    /// batch key by key in memory and a write that fails on the way leaves the first keys
    /// readable.
    fn check_room(&self, batch: &WriteBatch) -> Result<(), EngineError> {
        let bytes: u64 = batch
            .ops
            .iter()
            .map(|(k, v)| (k.len() + v.as_ref().map_or(0, Vec::len)) as u64)
            .sum();
        let need = 2 * bytes + HEADROOM;
        match fs2::available_space(&self.path) {
            Ok(free) if free < need => Err(EngineError::Io {
                path: self.path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    format!(
                        "No space left on device: {free} bytes free, a batch of {bytes} bytes \
                         needs {need}"
                    ),
                ),
            }),
            // a disk that cannot say how full it is: the write itself will tell
            _ => Ok(()),
        }
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
        self.usable()?;
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

    /// sled applies a batch to its tree in memory, key by key, and writes it on `flush`: a
    /// batch that fails on the way (a full disk) would leave what it had applied readable,
    /// and a later flush would write it, though its caller was told it failed. So: a batch
    /// the disk has no room for is refused before it starts; the keys' earlier values are
    /// read first and put back when the batch or its flush fails (that undo reaches the disk
    /// with the batch on whichever flush succeeds next, so the two cancel out there too); and
    /// if even the undo fails, the engine reads nothing more until it is reopened, when sled
    /// recovers from its disk (where an incomplete batch is dropped). The store's counters
    /// (`meta/seq`, `meta/qseq`) are left advanced: a change-feed number once handed out is
    /// never used for another change.
    fn commit(&self, batch: WriteBatch) -> Result<(), EngineError> {
        self.usable()?;
        self.check_room(&batch)?;
        let mut undo = sled::Batch::default();
        for (k, _) in &batch.ops {
            if k == crate::keys::META_SEQ.as_bytes() || k == crate::keys::META_QSEQ.as_bytes() {
                continue;
            }
            match self.db.get(k)? {
                Some(v) => undo.insert(k.as_slice(), v),
                None => undo.remove(k.as_slice()),
            }
        }
        let written = self.apply(batch).and_then(|()| self.sync());
        if let Err(e) = written {
            if let Err(u) = self.db.apply_batch(undo) {
                tracing::error!(
                    error = %u,
                    "sled: a batch that failed could not be taken back out of memory; the \
                     store reads nothing more until it is reopened"
                );
                if let Ok(mut g) = self.must_reopen.lock() {
                    *g = Some(format!(
                        "a batch that failed ({e}) could not be undone in memory ({u})"
                    ));
                }
            }
            return Err(e);
        }
        Ok(())
    }
}
