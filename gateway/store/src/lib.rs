//! Homeward's durable record store.
//!
//! Canonical records keyed by `(source, native_id)`, every version kept with what changed,
//! when and from which input; lifecycle transitions; idempotent input; quarantine of refused
//! input; a change feed with per-consumer cursors; and JSON Lines dump/load that moves a store
//! between engines. The storage underneath is a small [`Engine`] trait with two
//! implementations, sled and redb.
//!
//! The write path is one function, [`Store::apply_batch`]: a batch of read items is applied
//! atomically, in order, made durable, and only then are the per-item [`Outcome`]s returned
//! (acknowledged).
//!
//! ```no_run
//! use homeward_store::{EngineKind, InputContext, Store};
//! # fn demo(items: Vec<homeward_adapters::ReadItem>) -> Result<(), homeward_store::StoreError> {
//! let store = Store::open("homeward-data".as_ref(), EngineKind::Sled)?;
//! let result = store.apply_batch(&items, &InputContext::file("AZ-state.ncic", "ncic"))?;
//! for o in &result.outcomes {
//!     println!("{}: {}", o.position, o.outcome);
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod apply;
mod audit;
mod check;
mod confighist;
mod dump;
pub mod engine;
mod error;
pub mod federation;
mod feed;
mod jobstate;
mod json;
mod keys;
mod lifecycle;
pub mod matches;
mod model;
mod quarantine;
mod raw;
mod store;
mod txn;

#[cfg(test)]
mod testkit;

pub use apply::{CANONICAL_FORMAT, item_digest};
pub use audit::{AuditDraft, AuditEntry, AuditOutcome};
pub use check::CheckReport;
pub use confighist::{ConfigVersion, ConfigVersionDraft, config_digest};
pub use dump::DUMP_FORMAT;
pub use engine::{Engine, EngineKind, RedbEngine, SledEngine, Snapshot, WriteBatch};
pub use error::{EngineError, StoreError};
pub use federation::{FederationWrites, ReceivedMark, SharedMark};
pub use feed::Consumer;
pub use lifecycle::content_digest;
pub use matches::{
    DecisionChange, DecisionEvent, MatchEntry, MatchFilter, MatchState, MatchView, MatchWrites,
    Notice, Proposal, Proposed,
};
pub use model::{
    Attempt, BatchResult, Change, ChangeKind, DigestEntry, InputContext, InputRef, ItemOutcome,
    Origin, Outcome, QuarantineItem, ResolvedQuarantine, Stage, UnchangedReason, VersionEntry,
};
pub use quarantine::{AUTO_FORMAT, Reprocessed};
pub use store::{Lookup, QuarantineStats, RecordSummary, STORE_FORMAT, Stats, Store, WriteHealth};

#[cfg(test)]
mod tests;
