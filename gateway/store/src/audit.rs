//! The audit log: every administrative action on the gateway — refused ones included — kept
//! durably, in order, with who asked, what, the outcome and a correlation id that ties the
//! entry to the request's logs and answer.
//!
//! Entries are append-only and numbered 1, 2, 3... (`aud/{seq}`); the store never rewrites or
//! prunes them. An entry is durable when [`Store::audit_append`] returns: an action is
//! answered only after its entry is written.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::keys;
use crate::store::Store;
use crate::txn::decode;

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Done as asked.
    Ok,
    /// Refused before anything was done (no or a wrong token, a bad configuration on reload,
    /// a request that is not allowed).
    Refused,
    /// Tried and failed (the store could not answer, a job is unknown...).
    Failed,
}

impl std::fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
        })
    }
}

/// An action to record (what [`Store::audit_append`] takes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDraft {
    /// Ties the entry to the request: the id the caller sent (`X-Correlation-Id`) or one made
    /// up, answered in the response and written in the logs.
    pub correlation_id: String,
    /// Who: the name of the token used, `-` when there was none or it was wrong.
    pub actor: String,
    /// What: `GET /v1/jobs`, `POST /v1/reload`, ...
    pub action: String,
    /// On what, when the action names something (a job id, a quarantine item, a record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub outcome: AuditOutcome,
    /// The HTTP status answered (0 when not an HTTP action).
    #[serde(default)]
    pub status: u16,
    /// Why, for people (never a secret: tokens are not written here).
    #[serde(default)]
    pub detail: String,
    /// The caller's address, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
}

/// A recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub action: AuditDraft,
}

impl Store {
    /// Appends an entry and makes it durable; returns it with its number and time.
    pub fn audit_append(&self, draft: AuditDraft) -> Result<AuditEntry, StoreError> {
        self.write(|tx| {
            let seq = tx.get::<u64>(keys::META_ASEQ)?.unwrap_or(0) + 1;
            let entry = AuditEntry {
                seq,
                at: tx.now,
                action: draft,
            };
            tx.put(keys::aud(seq), &entry)?;
            tx.put(keys::META_ASEQ.to_string(), &seq)?;
            Ok(entry)
        })
    }

    /// The number of the last entry (0 when the log is empty).
    pub fn audit_last_seq(&self) -> Result<u64, StoreError> {
        match self.engine().get(keys::META_ASEQ.as_bytes())? {
            Some(b) => decode(keys::META_ASEQ, &b),
            None => Ok(0),
        }
    }

    /// Up to `limit` entries numbered after `after`, oldest first.
    pub fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let start = keys::aud(after.saturating_add(1));
        let snap = self.engine().snapshot()?;
        let mut out = Vec::new();
        for kv in snap
            .scan(keys::AUD.as_bytes(), start.as_bytes())?
            .take(limit)
        {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    /// The last `limit` entries, oldest first.
    pub fn audit_tail(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let last = self.audit_last_seq()?;
        self.audit_after(last.saturating_sub(limit as u64), limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineKind;

    fn draft(action: &str, outcome: AuditOutcome) -> AuditDraft {
        AuditDraft {
            correlation_id: format!("c-{action}"),
            actor: "ops".into(),
            action: action.into(),
            target: None,
            outcome,
            status: 200,
            detail: String::new(),
            remote: Some("127.0.0.1:5000".into()),
        }
    }

    #[test]
    fn entries_are_numbered_kept_in_order_and_survive_reopening() {
        for kind in EngineKind::ALL {
            let dir = tempfile::tempdir().unwrap();
            {
                let store = Store::open(dir.path(), kind).unwrap();
                assert_eq!(store.audit_last_seq().unwrap(), 0);
                let a = store
                    .audit_append(draft("GET /v1/jobs", AuditOutcome::Ok))
                    .unwrap();
                assert_eq!(a.seq, 1);
                for i in 0..20 {
                    store
                        .audit_append(draft(&format!("POST /v1/x{i}"), AuditOutcome::Refused))
                        .unwrap();
                }
            }
            let store = Store::open(dir.path(), kind).unwrap();
            assert_eq!(store.audit_last_seq().unwrap(), 21);
            let all = store.audit_after(0, 100).unwrap();
            assert_eq!(all.len(), 21);
            assert!(all.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
            assert_eq!(all[0].action.action, "GET /v1/jobs");
            let tail = store.audit_tail(3).unwrap();
            assert_eq!(
                tail.iter().map(|e| e.seq).collect::<Vec<_>>(),
                vec![19, 20, 21]
            );
            assert_eq!(tail[2].action.outcome, AuditOutcome::Refused);
            assert_eq!(store.audit_after(21, 10).unwrap(), Vec::new());
            // The audit log is no record data: the store's check is still clean.
            assert!(store.check().unwrap().is_ok());
        }
    }
}
