//! The configuration's history: every text of the configuration file written through the
//! admin API (and the text found on disk before such a write), numbered 1, 2, 3...
//! (`cfg/{n}`), with who, when and why. Kept beside the audit log, append-only: the store never
//! rewrites or prunes it. A version is durable when [`Store::config_version_append`] returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::keys;
use crate::store::Store;
use crate::txn::{Txn, decode};

/// The SHA-256 of a configuration text, as lower-case hex (what versions and edits compare).
pub fn config_digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A version to record (what [`Store::config_version_append`] takes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigVersionDraft {
    /// Who wrote it: an admin token's name, or `-` for a text found on disk.
    pub by: String,
    /// Why, as the writer said (may be empty).
    #[serde(default)]
    pub comment: String,
    /// The whole file.
    pub text: String,
}

/// A recorded version of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigVersion {
    pub n: u64,
    pub at: DateTime<Utc>,
    pub by: String,
    #[serde(default)]
    pub comment: String,
    /// [`config_digest`] of `text`.
    pub digest: String,
    /// The text's length in bytes.
    pub bytes: u64,
    pub text: String,
}

fn append(tx: &mut Txn, draft: ConfigVersionDraft) -> Result<ConfigVersion, StoreError> {
    let n = tx.get::<u64>(keys::META_CSEQ)?.unwrap_or(0) + 1;
    let v = ConfigVersion {
        n,
        at: tx.now,
        by: draft.by,
        comment: draft.comment,
        digest: config_digest(&draft.text),
        bytes: draft.text.len() as u64,
        text: draft.text,
    };
    tx.put(keys::cfg(n), &v)?;
    tx.put(keys::META_CSEQ.to_string(), &n)?;
    Ok(v)
}

impl Store {
    /// Appends a version and makes it durable; returns it with its number and time.
    pub fn config_version_append(
        &self,
        draft: ConfigVersionDraft,
    ) -> Result<ConfigVersion, StoreError> {
        self.write(|tx| append(tx, draft))
    }

    /// Appends `draft` unless the latest version already holds the same text (then that one is
    /// returned). The flag says whether a version was appended.
    pub fn config_version_record(
        &self,
        draft: ConfigVersionDraft,
    ) -> Result<(ConfigVersion, bool), StoreError> {
        self.write(|tx| {
            let last = tx.get::<u64>(keys::META_CSEQ)?.unwrap_or(0);
            if last > 0
                && let Some(v) = tx.get::<ConfigVersion>(&keys::cfg(last))?
                && v.digest == config_digest(&draft.text)
            {
                return Ok((v, false));
            }
            append(tx, draft).map(|v| (v, true))
        })
    }

    /// The number of the last version (0 when there is none).
    pub fn config_last_version(&self) -> Result<u64, StoreError> {
        match self.engine().get(keys::META_CSEQ.as_bytes())? {
            Some(b) => decode(keys::META_CSEQ, &b),
            None => Ok(0),
        }
    }

    /// Version `n`, if recorded.
    pub fn config_version(&self, n: u64) -> Result<Option<ConfigVersion>, StoreError> {
        let key = keys::cfg(n);
        self.engine()
            .get(key.as_bytes())?
            .map(|b| decode(&key, &b))
            .transpose()
    }

    /// The latest version, if any.
    pub fn config_latest_version(&self) -> Result<Option<ConfigVersion>, StoreError> {
        match self.config_last_version()? {
            0 => Ok(None),
            n => self.config_version(n),
        }
    }

    /// Up to `limit` versions numbered below `before` (all when `None`), newest first.
    pub fn config_versions(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<ConfigVersion>, StoreError> {
        let end = match before {
            Some(b) => b.min(self.config_last_version()?.saturating_add(1)),
            None => self.config_last_version()?.saturating_add(1),
        };
        let first = end.saturating_sub(limit as u64).max(1);
        let snap = self.engine().snapshot()?;
        let mut out = Vec::new();
        for kv in snap.scan(keys::CFG.as_bytes(), keys::cfg(first).as_bytes())? {
            let (k, v) = kv?;
            let v: ConfigVersion = decode(&String::from_utf8_lossy(&k), &v)?;
            if v.n >= end {
                break;
            }
            out.push(v);
        }
        out.reverse();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineKind;

    fn draft(by: &str, text: &str) -> ConfigVersionDraft {
        ConfigVersionDraft {
            by: by.into(),
            comment: format!("by {by}"),
            text: text.into(),
        }
    }

    #[test]
    fn versions_are_numbered_deduplicated_against_the_latest_and_survive_reopening() {
        for kind in EngineKind::ALL {
            let dir = tempfile::tempdir().unwrap();
            {
                let store = Store::open(dir.path(), kind).unwrap();
                assert_eq!(store.config_last_version().unwrap(), 0);
                assert_eq!(store.config_latest_version().unwrap(), None);
                let (a, new) = store.config_version_record(draft("-", "a = 1\n")).unwrap();
                assert!(new);
                assert_eq!((a.n, a.bytes), (1, 6));
                assert_eq!(a.digest, config_digest("a = 1\n"));
                let (again, new) = store.config_version_record(draft("-", "a = 1\n")).unwrap();
                assert!(!new);
                assert_eq!(again, a);
                let b = store
                    .config_version_append(draft("ops", "a = 2\n"))
                    .unwrap();
                assert_eq!(b.n, 2);
                // the same text as an older version is a new version (a rollback)
                let c = store
                    .config_version_append(draft("ops", "a = 1\n"))
                    .unwrap();
                assert_eq!(c.n, 3);
                assert_eq!(c.digest, a.digest);
            }
            let store = Store::open(dir.path(), kind).unwrap();
            assert_eq!(store.config_last_version().unwrap(), 3);
            let all = store.config_versions(None, 100).unwrap();
            assert_eq!(all.iter().map(|v| v.n).collect::<Vec<_>>(), vec![3, 2, 1]);
            assert_eq!(all[1].text, "a = 2\n");
            assert_eq!(all[1].by, "ops");
            let page = store.config_versions(Some(3), 1).unwrap();
            assert_eq!(page.iter().map(|v| v.n).collect::<Vec<_>>(), vec![2]);
            assert_eq!(store.config_versions(Some(1), 10).unwrap(), Vec::new());
            assert_eq!(store.config_version(9).unwrap(), None);
            assert_eq!(store.config_latest_version().unwrap().unwrap().n, 3);
            let rep = store.check().unwrap();
            assert!(rep.is_ok(), "{:?}", rep.problems);
            assert_eq!(rep.config_versions, 3);
            // the JSON-lines dump carries the history to another store (and engine)
            let mut dump = Vec::new();
            store.dump(&mut dump).unwrap();
            let other = tempfile::tempdir().unwrap();
            let copy = Store::open(other.path(), EngineKind::ALL[0]).unwrap();
            copy.load(&mut dump.as_slice()).unwrap();
            assert_eq!(copy.config_versions(None, 100).unwrap(), all);
        }
    }
}
