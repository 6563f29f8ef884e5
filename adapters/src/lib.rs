//! Homeward's wire formats.
//!
//! Each format is a folder (`mod.rs` with the [`Format`] impl and its errors, `read.rs`,
//! `write.rs`, `tests.rs`) and one line in [`Registry::builtin`]. Formats turn bytes into
//! [`ReadItem`]s (entries, transactions, rejections with position and raw bytes) and records
//! into bytes, reporting per record what the target format cannot hold ([`Loss`]).
#![forbid(unsafe_code)]

pub mod format;
pub mod invariants;
pub mod item;
pub mod layout;
pub mod lines;
pub mod ncic;
pub mod pfif;
pub mod testdata;
pub mod xml;
pub mod xmlcore;

pub use format::{
    DETECT_HEAD_BYTES, Format, Limits, ReadContext, Reader, Registry, WriteContext, WriteError,
    WriteReport, Writer, write_records,
};
pub use item::{Item, Loss, Position, ReadItem, Rejection, digest_hex};
