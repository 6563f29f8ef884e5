//! The store's public data types: what goes in (an input's context), what comes out (per-item
//! outcomes), and what is kept (versions, quarantine items, change-feed entries).

use chrono::{DateTime, Utc};
use homeward_adapters::Position;
use homeward_schemas::{Kind, Record, RecordId, Status};
use serde::{Deserialize, Serialize};

/// Where an input came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A file, by the path it was imported from.
    File(String),
    /// An exchange received from a partner, by its exchange id.
    Exchange(String),
    /// Made inside the gateway (a scheduled expiry, a migration).
    Internal(String),
}

impl Origin {
    /// The file path, exchange id or internal name.
    pub fn name(&self) -> &str {
        match self {
            Origin::File(s) | Origin::Exchange(s) | Origin::Internal(s) => s,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File(p) => write!(f, "file {p}"),
            Origin::Exchange(id) => write!(f, "exchange {id}"),
            Origin::Internal(n) => write!(f, "internal {n}"),
        }
    }
}

/// What the store knows of the input a batch comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct InputContext {
    pub origin: Origin,
    /// The format that read it (`ncic`, `xml`, `pfif`, ...): what quarantine reprocessing
    /// will read the raw bytes with again.
    pub format: String,
    /// The source name given at import (`--source`), if any: kept with quarantined items so
    /// that reprocessing reads them the same way, and the idempotency scope of rejected items.
    pub source: Option<String>,
    /// When the gateway received the input (becomes `received_at` of new records).
    pub received_at: DateTime<Utc>,
}

impl InputContext {
    /// A file read in `format`, received now.
    pub fn file(path: impl Into<String>, format: impl Into<String>) -> Self {
        Self {
            origin: Origin::File(path.into()),
            format: format.into(),
            source: None,
            received_at: Utc::now(),
        }
    }

    /// An exchange `id` from a partner, in `format`, received now.
    pub fn exchange(id: impl Into<String>, format: impl Into<String>) -> Self {
        Self {
            origin: Origin::Exchange(id.into()),
            format: format.into(),
            source: None,
            received_at: Utc::now(),
        }
    }

    /// Sets the `--source` override.
    pub fn with_source(mut self, source: Option<String>) -> Self {
        self.source = source;
        self
    }
}

/// Which input item made a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRef {
    pub origin: Origin,
    pub format: String,
    /// Where in the input the item was (line, byte offset, item index).
    #[serde(default)]
    pub position: Position,
    /// SHA-256 of the item's raw bytes.
    pub digest: String,
    /// Set when the item was applied by reprocessing this quarantine item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<u64>,
}

impl std::fmt::Display for InputRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}), {}", self.origin, self.format, self.position)?;
        if let Some(q) = self.quarantine {
            write!(f, ", reprocessed from quarantine #{q}")?;
        }
        Ok(())
    }
}

/// What a version changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeKind {
    /// The record was first stored.
    Created,
    /// Its content changed (an entry re-sent with other content, a modify, a note that did
    /// not move the status).
    Updated,
    /// Its case status moved (and maybe its content with it).
    Status { from: Status, to: Status },
    /// Its personal data was removed (PFIF expiry or a deletion request); a placeholder stays.
    Expired,
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeKind::Created => f.write_str("created"),
            ChangeKind::Updated => f.write_str("updated"),
            ChangeKind::Status { from, to } => write!(f, "status {from} -> {to}"),
            ChangeKind::Expired => f.write_str("expired"),
        }
    }
}

/// One version of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionEntry {
    pub version: u64,
    /// When the store wrote it.
    pub at: DateTime<Utc>,
    pub change: ChangeKind,
    /// Top-level fields of the record that this version changed (for an expiry: the fields
    /// whose personal data was removed; the data itself is not kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// The input item that made it; `None` for changes made inside the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputRef>,
    /// The action of the transaction that made it (`modify`, `clear`...), if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// SHA-256 of the record's content as of this version (see [`content_digest`](crate::content_digest)).
    pub content_digest: String,
    /// The record as of this version. `None` once the record expired: the personal data of
    /// every version is removed with the record's. (In storage the latest version has none:
    /// its snapshot is the record itself; [`Store::history`](crate::Store::history) fills it in.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
    /// When the snapshot above was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purged_at: Option<DateTime<Utc>>,
}

/// Why an item changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UnchangedReason {
    /// The same bytes came before from the same source (first seen as `first`).
    DuplicateInput { first: Origin, position: Position },
    /// The record already has this content.
    SameContent,
    /// The record already has this status (a second clear, a second locate).
    AlreadyStatus { status: Status },
    /// The record has expired: its personal data was removed and is not taken back.
    Expired,
}

impl std::fmt::Display for UnchangedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnchangedReason::DuplicateInput { first, position } => {
                write!(f, "same input seen before ({first}, {position})")
            }
            UnchangedReason::SameContent => f.write_str("record already has this content"),
            UnchangedReason::AlreadyStatus { status } => write!(f, "record is already {status}"),
            UnchangedReason::Expired => {
                f.write_str("record has expired; its personal data is not taken back")
            }
        }
    }
}

/// What the store did with one input item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A record stored for the first time.
    New { record: RecordId, version: u64 },
    /// A stored record changed.
    Changed {
        record: RecordId,
        version: u64,
        change: ChangeKind,
    },
    /// Nothing changed.
    Unchanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        record: Option<RecordId>,
        reason: UnchangedReason,
    },
    /// Older than what is stored (`source_updated_at`): the newest wins, nothing changed.
    Stale {
        record: RecordId,
        stored: DateTime<Utc>,
        incoming: DateTime<Utc>,
    },
    /// Refused, and kept in quarantine (`repeated`: the same input was quarantined before
    /// and is still there; no second copy is kept).
    Rejected {
        quarantine: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
        reason: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        repeated: bool,
    },
}

impl Outcome {
    /// `new`, `changed`, `unchanged`, `stale` or `rejected`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::New { .. } => "new",
            Outcome::Changed { .. } => "changed",
            Outcome::Unchanged { .. } => "unchanged",
            Outcome::Stale { .. } => "stale",
            Outcome::Rejected { .. } => "rejected",
        }
    }

    /// The record the item concerned, when known.
    pub fn record(&self) -> Option<&RecordId> {
        match self {
            Outcome::New { record, .. }
            | Outcome::Changed { record, .. }
            | Outcome::Stale { record, .. } => Some(record),
            Outcome::Unchanged { record, .. } => record.as_ref(),
            Outcome::Rejected { .. } => None,
        }
    }

    /// The record's version after the item, when it made one.
    pub fn version(&self) -> Option<u64> {
        match self {
            Outcome::New { version, .. } | Outcome::Changed { version, .. } => Some(*version),
            _ => None,
        }
    }

    pub fn is_accepted(&self) -> bool {
        matches!(self, Outcome::New { .. } | Outcome::Changed { .. })
    }

    pub fn is_rejected(&self) -> bool {
        matches!(self, Outcome::Rejected { .. })
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::New { record, version } => write!(f, "new {record} v{version}"),
            Outcome::Changed {
                record,
                version,
                change,
            } => write!(f, "changed {record} v{version} ({change})"),
            Outcome::Unchanged { record, reason } => match record {
                Some(r) => write!(f, "unchanged {r}: {reason}"),
                None => write!(f, "unchanged: {reason}"),
            },
            Outcome::Stale {
                record,
                stored,
                incoming,
            } => write!(
                f,
                "stale {record}: stored {stored} is newer than {incoming}"
            ),
            Outcome::Rejected {
                quarantine,
                field,
                reason,
                repeated,
            } => {
                write!(f, "rejected")?;
                if let Some(fl) = field {
                    write!(f, " {fl}")?;
                }
                write!(f, ": {reason} (quarantine #{quarantine}")?;
                if *repeated {
                    write!(f, ", seen before")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// The outcome of one item of a batch, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemOutcome {
    #[serde(default)]
    pub position: Position,
    /// SHA-256 of the item's raw bytes (its identity for idempotency).
    pub digest: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Things worth telling that did not stop the item (from the reader and the store).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// What a committed batch did. Returned only once the batch is durable.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchResult {
    pub outcomes: Vec<ItemOutcome>,
    /// The change-feed sequence number after the batch.
    pub last_seq: u64,
}

/// The outcome of an item remembered under its digest (idempotency).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestEntry {
    pub at: DateTime<Utc>,
    pub origin: Origin,
    #[serde(default)]
    pub position: Position,
    /// `new`, `changed`, `unchanged`, `stale` or `rejected`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<u64>,
}

/// Where refused input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The format reader could not read it.
    Read,
    /// It was read, but the store refused it (an update of a record it does not hold, a name
    /// that does not match, a transition the record's status does not allow).
    Apply,
}

/// One reprocessing attempt that failed again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Refused input, kept with everything needed to understand it and to try it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantineItem {
    pub id: u64,
    /// When it was quarantined.
    pub at: DateTime<Utc>,
    pub origin: Origin,
    pub format: String,
    #[serde(default)]
    pub position: Position,
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
    /// The item's bytes exactly as received.
    #[serde(with = "crate::raw")]
    pub raw: Vec<u8>,
    /// SHA-256 of `raw`.
    pub digest: String,
    /// The `--source` given when it was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Its idempotency scope (the source it was filed under).
    #[serde(default)]
    pub scope: String,
    /// The record it named, for refused transactions (`source/native_id` as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Reprocessing attempts that failed, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    /// When `raw` was emptied because the record it names expired (its personal data goes
    /// with the record's; `digest` still names the bytes received).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purged_at: Option<DateTime<Utc>>,
}

/// A quarantine item that reprocessing turned into records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedQuarantine {
    pub item: QuarantineItem,
    pub resolved_at: DateTime<Utc>,
    /// The records it made or changed, with their versions.
    pub records: Vec<(RecordId, u64)>,
    /// Items of it that changed nothing (e.g. the record already had the content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchanged: Vec<String>,
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Position in the feed: 1, 2, 3... over all records, never reused.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub record: RecordId,
    /// The record's version this change made.
    pub version: u64,
    /// The record's kind and status after the change, so consumers can filter without a read.
    pub kind: Kind,
    pub status: Status,
    pub change: ChangeKind,
}
