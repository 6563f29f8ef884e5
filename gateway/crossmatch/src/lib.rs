//! Homeward's crossmatch: which records describe the same person across jurisdictions, and
//! which missing persons an unidentified or unclaimed record may be — ranked, scored and
//! explained.
//!
//! - [`profile`]: the compact view of a record (name keys across scripts, romanisations and
//!   nicknames; sex; birth, height and weight intervals; dates; place; marks; dental chart;
//!   fingerprint class), built once per record version.
//! - [`score`]: evidence per attribute in bits (log-likelihood ratios) with reasons in words,
//!   and the impossible combinations that exclude a pair.
//! - [`engine`]: the index (add, update, remove a record; candidates of one record) and the
//!   full run (same-person clusters; top K identifications per record).
//! - [`decision`]: investigators' confirmed and excluded pairs, stored as they are.
//! - [`output`]: the candidates CSV; [`eval`]: quality figures against a truth file;
//!   [`replay`]: transactions applied in memory for file-driven runs.
#![forbid(unsafe_code)]

pub mod decision;
pub mod engine;
pub mod eval;
pub mod names;
pub mod output;
pub mod profile;
pub mod replay;
pub mod score;

pub use decision::{Decision, Decisions, PairKey, Verdict};
pub use engine::{Candidate, Change, Config, Engine, Matches, RunStats};
pub use profile::Profile;
pub use score::{Attribute, Parts, Relation, ScorePart};
