//! What the exchange needs from the gateway's store.
//!
//! The gateway implements [`ExchangeBackend`] with its store and pipeline (the "normal import
//! path"), [`crate::envelope::ReplayGuard`] and [`crate::evidence::EvidenceStorage`] with its
//! store too. [`crate::memory`] has in-memory versions for tests.

use chrono::{DateTime, Utc};
use homeward_adapters::ReadItem;
use homeward_schemas::RecordId;
use serde::{Deserialize, Serialize};

use crate::evidence::{EntryDraft, EvidenceEntry, EvidenceError, EvidenceLog};
use crate::payload::PayloadItem;

/// What became of one item of an exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    /// Stored (new, or a change to what was stored).
    Accepted,
    /// Already stored exactly so (a re-send): nothing changed.
    Unchanged,
    /// Not stored, with the reason (kept in quarantine by the store).
    Rejected(String),
}

impl Outcome {
    pub fn code(&self) -> u8 {
        match self {
            Outcome::Accepted => 0,
            Outcome::Unchanged => 1,
            Outcome::Rejected(_) => 2,
        }
    }
}

/// A verified exchange's items, to apply.
#[derive(Debug)]
pub struct InboundBatch<'a> {
    /// The partner that sent them.
    pub partner: &'a str,
    pub exchange_id: &'a str,
    /// The payload format they were read from.
    pub format: &'a str,
    /// In payload order; rejected items (unreadable) are included so the store can
    /// quarantine them, and must come back as [`Outcome::Rejected`].
    pub items: Vec<ReadItem>,
}

/// Where a change listing starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangesFrom {
    /// After this cursor (`None`: from the beginning).
    Cursor(Option<String>),
    /// Changes stored at or after this instant (PFIF `min_entry_date`).
    EntryDate(DateTime<Utc>),
}

/// One change: a record as it now stands, or a transaction on one.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub item: PayloadItem,
    /// When this gateway stored the change (PFIF `entry_date`).
    pub changed_at: DateTime<Utc>,
}

/// A page of changes.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeBatch {
    pub changes: Vec<Change>,
    /// Cursor to continue after the last change (the same cursor when there is nothing new).
    pub next_cursor: String,
}

/// A store failure, or a request the store cannot answer. `retriable`: the caller may try
/// again (answered with 503); `bad_request`: the request names something this store never
/// issued, such as a cursor (answered with 400: the caller's mistake, not the server's);
/// otherwise 500.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BackendError {
    pub retriable: bool,
    pub bad_request: bool,
    pub message: String,
}

impl BackendError {
    pub fn retriable(message: impl Into<String>) -> Self {
        Self {
            retriable: true,
            bad_request: false,
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            retriable: false,
            bad_request: false,
            message: message.into(),
        }
    }

    /// The request names something this store does not know (a cursor it never issued).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            retriable: false,
            bad_request: true,
            message: message.into(),
        }
    }
}

/// Why [`ExchangeBackend::apply_recorded`] failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordedError {
    /// The items could not be applied (or their evidence could not be written with them):
    /// nothing is stored.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The items are committed but their evidence entry could not be appended (a backend
    /// that cannot commit both together); a retry of the exchange is answered `unchanged`.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
}

/// Builds the evidence entry of an applied exchange from its outcomes; the receiver signs its
/// receipt here. An error refuses the exchange (nothing applied, where the backend can undo).
pub type Seal<'a> = dyn FnMut(&[Outcome]) -> Result<EntryDraft, BackendError> + Send + 'a;

/// The store, as the exchange sees it. Methods may block (they are called from a blocking
/// thread).
pub trait ExchangeBackend: Send + Sync {
    /// Applies the items through the import path **and commits durably**, then returns one
    /// outcome per item, in order. Applying the same items again must be harmless
    /// (`Unchanged`). On error nothing may have been applied, or everything (then a retry
    /// answers `Unchanged`).
    fn apply(&self, batch: InboundBatch<'_>) -> Result<Vec<Outcome>, BackendError>;

    /// Changes from `from`, oldest first, at most `limit`.
    fn changes(&self, from: &ChangesFrom, limit: usize) -> Result<ChangeBatch, BackendError>;

    /// For each id, whether `partner` was sent that record before (lifecycle propagation).
    fn shared_with(&self, partner: &str, ids: &[RecordId]) -> Result<Vec<bool>, BackendError>;

    /// Notes that `partner` was sent these records.
    fn mark_shared(&self, partner: &str, ids: &[RecordId]) -> Result<(), BackendError>;

    /// For each id, whether the record came from `partner` (it is then not offered back to
    /// it: the partner holds the original, and a copy with withheld fields would overwrite
    /// it). The default: none did.
    fn received_from(&self, partner: &str, ids: &[RecordId]) -> Result<Vec<bool>, BackendError> {
        let _ = partner;
        Ok(vec![false; ids.len()])
    }

    /// Applies a received exchange and appends its evidence entry (built by `seal` from the
    /// outcomes, at `time`), returning the outcomes once both are durable. A store that can
    /// should write the records and the entry in **one** atomic commit (reserve the log's next
    /// position with [`EvidenceLog::reserve`], write the entry with the records, then
    /// commit the reservation), so that no exchange is applied without its evidence. The
    /// default applies, then appends: a failed append leaves the records committed
    /// ([`RecordedError::Evidence`], answered 503; the sender's retry gets `unchanged`).
    fn apply_recorded(
        &self,
        batch: InboundBatch<'_>,
        evidence: &EvidenceLog,
        time: DateTime<Utc>,
        seal: &mut Seal<'_>,
    ) -> Result<(Vec<Outcome>, EvidenceEntry), RecordedError> {
        let outcomes = self.apply(batch)?;
        let draft = seal(&outcomes)?;
        let entry = evidence.append(draft, time)?;
        Ok((outcomes, entry))
    }
}
