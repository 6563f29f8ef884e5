//! The store's errors.

use std::path::PathBuf;

use crate::engine::EngineKind;

/// A failure of the storage engine underneath the store.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("sled: {0}")]
    Sled(#[from] sled::Error),
    #[error("redb: {0}")]
    Redb(#[from] redb::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A batch could not be committed nor taken back out of the engine's memory: what it
    /// reads may hold writes that were refused, so it reads nothing until it is reopened
    /// (a restart: the engine then recovers what its disk holds).
    #[error("{path}: the store must be reopened: {why}")]
    MustReopen { path: PathBuf, why: String },
}

impl EngineError {
    /// Whether the engine refused to open because another process holds its lock.
    pub fn is_in_use(&self) -> bool {
        match self {
            // sled reports a held lock as an `Other` I/O error with this message
            EngineError::Sled(sled::Error::Io(e)) => {
                e.kind() == std::io::ErrorKind::WouldBlock
                    || e.to_string().starts_with("could not acquire lock")
            }
            EngineError::Redb(redb::Error::DatabaseAlreadyOpen) => true,
            _ => false,
        }
    }

    /// Wraps any redb error (they all convert into [`redb::Error`]).
    pub(crate) fn redb(e: impl Into<redb::Error>) -> Self {
        EngineError::Redb(e.into())
    }
}

/// Why a store operation failed. Nothing of a failed batch is stored or acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A stored value that does not decode: the store is damaged or was written by a newer
    /// Homeward.
    #[error("stored value under `{key}` does not decode: {source}")]
    Corrupt {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    /// A value that cannot be encoded (should not happen for canonical records).
    #[error("encoding a value for `{key}`: {source}")]
    Encode {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The data directory holds a store of another engine than the one configured.
    #[error(
        "{dir} holds a {found} store but the configuration selects {configured}; set `[store] engine = \"{found}\"` or migrate with `homeward store migrate --to {configured}`"
    )]
    EngineMismatch {
        dir: PathBuf,
        found: EngineKind,
        configured: EngineKind,
    },
    /// The store was written by a newer version of the store format.
    #[error("store format {found} is newer than this Homeward understands ({supported})")]
    Format { found: u64, supported: u64 },
    /// Another process has the store open (the engines allow one process at a time).
    #[error("{path} is in use by another process (another `homeward` command or the service)")]
    InUse { path: PathBuf },
    /// A writer panicked while holding the write lock in this process.
    #[error("the store's write lock is poisoned by an earlier failure; reopen the store")]
    Poisoned,
    /// A caller's request that cannot be met (unknown consumer position, bad dump...).
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    pub(crate) fn corrupt(key: &str, source: serde_json::Error) -> Self {
        StoreError::Corrupt {
            key: key.escape_default().to_string(),
            source,
        }
    }
}
