//! Storage engines: a small ordered key-value interface the record store is written against.
//!
//! An engine offers four things: point reads and ordered prefix scans (through a
//! [`Snapshot`]), atomic application of a [`WriteBatch`], and [`Engine::sync`], after which
//! everything applied so far survives a crash or power loss. Two engines implement it:
//! [`SledEngine`] (sled 0.34) and [`RedbEngine`] (redb 4). Keys are UTF-8 text (see
//! `keys.rs`) and values JSON, so a store can be dumped on one engine and loaded on the other.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

mod redb;
mod sled;

pub use self::redb::RedbEngine;
pub use self::sled::SledEngine;

/// A key and its value.
pub type KvPair = (Vec<u8>, Vec<u8>);

/// An ordered iterator over key-value pairs.
pub type KvIter = Box<dyn Iterator<Item = Result<KvPair, EngineError>> + Send>;

/// Which engine a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// sled 0.34: a log-structured tree; writes reach the disk on `flush()`.
    #[default]
    Sled,
    /// redb 4: a copy-on-write B-tree; every commit is durable when it returns.
    Redb,
}

impl EngineKind {
    /// Every engine.
    pub const ALL: [EngineKind; 2] = [EngineKind::Sled, EngineKind::Redb];

    /// The name used in configuration (`sled`, `redb`).
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Sled => "sled",
            EngineKind::Redb => "redb",
        }
    }

    /// The file or directory, inside a data directory, that holds a store of this engine.
    pub fn file_name(self) -> &'static str {
        match self {
            EngineKind::Sled => "store.sled",
            EngineKind::Redb => "store.redb",
        }
    }

    /// Opens (creating if absent) this engine's store at `path`.
    pub fn open(self, path: &Path) -> Result<Box<dyn Engine>, EngineError> {
        Ok(match self {
            EngineKind::Sled => Box::new(SledEngine::open(path)?),
            EngineKind::Redb => Box::new(RedbEngine::open(path)?),
        })
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EngineKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sled" => Ok(EngineKind::Sled),
            "redb" => Ok(EngineKind::Redb),
            other => Err(format!(
                "unknown store engine `{other}` (known: sled, redb)"
            )),
        }
    }
}

/// Writes applied together: all of them or none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// In order; a later write of the same key wins. `None` removes the key.
    pub ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl WriteBatch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push((key.into(), Some(value.into())));
    }

    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        self.ops.push((key.into(), None));
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// A consistent view for reading. With redb it is a read transaction (later commits are not
/// seen); with sled it reads the live tree, which is consistent because the record store lets
/// one writer in at a time.
pub trait Snapshot: Send {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError>;

    /// The pairs whose key starts with `prefix` and is `>= start`, in ascending key order.
    /// `start` shorter than `prefix` (e.g. empty) means from the first key of the prefix.
    fn scan(&self, prefix: &[u8], start: &[u8]) -> Result<KvIter, EngineError>;
}

/// An ordered key-value engine.
pub trait Engine: Send + Sync {
    fn kind(&self) -> EngineKind;

    /// A view to read from.
    fn snapshot(&self) -> Result<Box<dyn Snapshot>, EngineError>;

    /// Applies `batch` atomically: after a crash, either all of it is there or none of it.
    /// Not necessarily durable until [`Engine::sync`] returns.
    fn apply(&self, batch: WriteBatch) -> Result<(), EngineError>;

    /// Makes everything applied so far durable.
    fn sync(&self) -> Result<(), EngineError>;

    /// Applies `batch` and makes it durable; when that fails, none of the batch is seen by
    /// later reads either (the caller answers that nothing was stored, and a later sync must
    /// not make it durable behind the caller's back).
    fn commit(&self, batch: WriteBatch) -> Result<(), EngineError> {
        self.apply(batch)?;
        self.sync()
    }

    /// One value.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        self.snapshot()?.get(key)
    }

    /// An ordered prefix scan from the first key of `prefix`.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<KvIter, EngineError> {
        self.snapshot()?.scan(prefix, prefix)
    }
}

/// The lower bound of a scan: `start` if it lies within `prefix`, else `prefix`.
pub(crate) fn scan_start<'a>(prefix: &'a [u8], start: &'a [u8]) -> &'a [u8] {
    if start.starts_with(prefix) {
        start
    } else {
        prefix
    }
}

#[cfg(test)]
mod tests;
