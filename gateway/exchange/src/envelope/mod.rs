//! The signed envelope: what a gateway sends (a push) or serves (a page of changes).
//!
//! # Canonical encoding (the signed bytes, "header")
//!
//! Fields in this order, each in the [`crate::codec`] encoding (4-byte big-endian length, then
//! the bytes):
//!
//! | # | field | content |
//! |---|---|---|
//! | 1 | tag | `homeward/envelope/v1` (domain separation from receipts and log entries) |
//! | 2 | purpose | 1 byte: 1 push, 2 changes page |
//! | 3 | sender | gateway id (UTF-8) |
//! | 4 | receiver | gateway id |
//! | 5 | exchange_id | 1–128 of `A-Z a-z 0-9 . _ : -` |
//! | 6 | created | i64, milliseconds since the Unix epoch, UTC |
//! | 7 | nonce | 16 random bytes |
//! | 8 | key_id | 16 lower-case hex digits: the signing key's id |
//! | 9 | cursor | changes page: the cursor asked for (empty: from the start); push: empty |
//! | 10 | next_cursor | changes page: the cursor to ask for next; push: empty |
//! | 11 | payload_format | `canonical` (JSON array of `{"record": …}` / `{"transaction": …}`) or a wire format name (`ncic`, `xml`, `pfif`, a layout) |
//! | 12 | payload_len | u64 |
//! | 13 | payload_sha256 | 32 bytes |
//!
//! The ed25519 signature covers exactly these bytes. The payload is bound to them by its
//! length and SHA-256 rather than by being inside them: the evidence log can then keep the
//! signed header (a few hundred bytes) and re-verify it offline for years without keeping
//! every payload, and a receiver checks the payload against the digest.
//!
//! # Wire form (HTTP body, `application/vnd.homeward.envelope`)
//!
//! `field(header) || field(signature, 64 bytes) || payload` — the payload is the rest of the
//! body and must be `payload_len` bytes long.

mod encode;
mod replay;
mod verify;

#[cfg(test)]
mod tests;

use bytes::Bytes;
use chrono::{DateTime, Utc};

pub use encode::{
    SealError, check_cursor, check_exchange_id, check_format, decode_header, encode_header,
};
pub use replay::{ReplayGuard, ReplayKey, ReplayStoreError};
pub use verify::{VerifyError, VerifyPolicy, verify};

/// Domain-separation tag, field 1 of the header.
pub const ENVELOPE_TAG: &str = "homeward/envelope/v1";
/// The payload format of canonical JSON.
pub const CANONICAL_FORMAT: &str = "canonical";
/// Media type of an envelope on the wire.
pub const ENVELOPE_MEDIA_TYPE: &str = "application/vnd.homeward.envelope";

/// What an envelope is for; a receiver accepts only the purpose it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// `POST /v1/exchanges`.
    Push,
    /// A page of `GET /v1/changes`.
    Changes,
}

impl Purpose {
    pub fn code(self) -> u8 {
        match self {
            Purpose::Push => 1,
            Purpose::Changes => 2,
        }
    }

    pub fn from_code(b: u8) -> Option<Self> {
        match b {
            1 => Some(Purpose::Push),
            2 => Some(Purpose::Changes),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Push => "push",
            Purpose::Changes => "changes",
        }
    }
}

/// The signed fields of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeHeader {
    pub purpose: Purpose,
    pub sender: String,
    pub receiver: String,
    pub exchange_id: String,
    /// Whole milliseconds.
    pub created: DateTime<Utc>,
    pub nonce: [u8; 16],
    pub key_id: String,
    pub cursor: String,
    pub next_cursor: String,
    pub payload_format: String,
    pub payload_len: u64,
    pub payload_sha256: [u8; 32],
}

/// An envelope: the signed header as encoded, its signature and the payload.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    pub header: EnvelopeHeader,
    header_bytes: Vec<u8>,
    pub signature: [u8; 64],
    pub payload: Bytes,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("header", &self.header)
            .field("payload_bytes", &self.payload.len())
            .finish_non_exhaustive()
    }
}

/// What goes into a new envelope.
#[derive(Debug, Clone)]
pub struct Draft {
    pub purpose: Purpose,
    pub sender: String,
    pub receiver: String,
    pub exchange_id: String,
    pub cursor: String,
    pub next_cursor: String,
    pub payload_format: String,
    pub payload: Bytes,
}

impl Draft {
    /// A push of `payload` in `format`.
    pub fn push(
        sender: &str,
        receiver: &str,
        exchange_id: &str,
        format: &str,
        payload: Bytes,
    ) -> Self {
        Self {
            purpose: Purpose::Push,
            sender: sender.into(),
            receiver: receiver.into(),
            exchange_id: exchange_id.into(),
            cursor: String::new(),
            next_cursor: String::new(),
            payload_format: format.into(),
            payload,
        }
    }
}

impl Envelope {
    /// The signed bytes.
    pub fn header_bytes(&self) -> &[u8] {
        &self.header_bytes
    }

    /// The envelope digest: SHA-256 of the signed header bytes (what receipts and the
    /// evidence log name).
    pub fn digest(&self) -> [u8; 32] {
        crate::codec::sha256(&self.header_bytes)
    }
}
