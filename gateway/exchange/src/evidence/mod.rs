//! The evidence log: every exchange sent and received and every refusal, hash-chained, with
//! a Merkle tree over the entries so a partner can be given a proof that its exchange is in
//! the log.
//!
//! # Entry encoding
//!
//! An entry is encoded with [`crate::codec`] fields in this order:
//!
//! | # | field | content |
//! |---|---|---|
//! | 1 | tag | `homeward/evidence/v1` |
//! | 2 | seq | u64, 0-based position in the log |
//! | 3 | prev_hash | 32 bytes: the previous entry's hash (zeros for the first) |
//! | 4 | kind | 1 byte, see [`EntryKind`] |
//! | 5 | time | i64 milliseconds since the epoch, UTC |
//! | 6 | partner | partner id (`unregistered:<fingerprint>` or a peer address when unknown) |
//! | 7 | exchange_id | may be empty |
//! | 8 | envelope_sha256 | 32 bytes: SHA-256 of the signed envelope header, or of the raw body when it did not parse; zeros when there was none |
//! | 9 | envelope | option: signed header bytes, signature (64), option: signer's public key (32) |
//! | 10 | receipt | option: signed receipt body, signature (64), option: signer's public key (32) |
//! | 11 | status | u32: the HTTP status answered or received (0: none, e.g. a TLS refusal) |
//! | 12 | code | outcome code (`ok`, `bad_signature`, `replay`, `tls_unregistered`, ...) |
//! | 13 | detail | human-readable detail |
//!
//! The entry's **hash** is the SHA-256 of these bytes. The storage keeps, per entry,
//! `field(entry bytes) || field(hash)`, so a changed byte anywhere — in the entry or in its
//! stored hash — is found by recomputing it, and the next entry's `prev_hash` chains them.
//!
//! # Merkle tree
//!
//! RFC 9162 (Certificate Transparency 2.0) over the entry hashes: leaf = SHA-256(0x00 ‖ entry
//! hash), node = SHA-256(0x01 ‖ left ‖ right). A [`SignedTreeHead`] signs the tree size, root
//! and chain head; an [`merkle::InclusionProof`] shows one entry is in it.

mod log;
pub mod merkle;
mod verify;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use crate::codec::{CodecError, FieldReader, FieldWriter, sha256};

pub use log::{EntryDraft, EvidenceError, EvidenceLog, ProvenEntries, Reservation, StorageError};
pub use verify::{KeyTrust, LogFault, LogSummary, TreeHeadError, TrustedKeys, verify_log};

/// Domain-separation tag of entries.
pub const EVIDENCE_TAG: &str = "homeward/evidence/v1";
/// Domain-separation tag of signed tree heads.
pub const TREE_HEAD_TAG: &str = "homeward/tree-head/v1";

/// Where the log's entries are kept. The gateway implements it with its store; the
/// in-memory one is [`crate::memory::MemoryEvidenceStorage`].
pub trait EvidenceStorage: Send + Sync {
    /// Stores `record` as entry `seq`, which is always the current length. Durable on return.
    fn append(&self, seq: u64, record: &[u8]) -> Result<(), StorageError>;
    /// Number of entries.
    fn len(&self) -> Result<u64, StorageError>;
    /// Whether there are none.
    fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(self.len()? == 0)
    }
    /// Up to `limit` stored records from `from`, in order.
    fn read(&self, from: u64, limit: usize) -> Result<Vec<Vec<u8>>, StorageError>;
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// This gateway pushed an exchange and got a signed receipt.
    PushSent,
    /// This gateway received a push, applied it and answered with a signed receipt.
    PushReceived,
    /// This gateway refused a push.
    PushRefused,
    /// The partner refused this gateway's push.
    PushRefusedByPartner,
    /// This gateway's push got no acceptable answer (retries exhausted, bad receipt).
    PushFailed,
    /// This gateway served a signed page of changes.
    PageServed,
    /// This gateway pulled a page of changes and accepted it.
    PageReceived,
    /// A pull was refused (by this gateway as server, or a page this gateway pulled).
    PullRefused,
    /// A TLS handshake was refused (no certificate, unregistered or expired certificate).
    TlsRefused,
    /// This gateway served a PFIF feed.
    FeedServed,
    /// This gateway pulled a partner's PFIF feed (and applied it; the digest is the feed's).
    FeedReceived,
}

impl EntryKind {
    pub const ALL: &'static [EntryKind] = &[
        EntryKind::PushSent,
        EntryKind::PushReceived,
        EntryKind::PushRefused,
        EntryKind::PushRefusedByPartner,
        EntryKind::PushFailed,
        EntryKind::PageServed,
        EntryKind::PageReceived,
        EntryKind::PullRefused,
        EntryKind::TlsRefused,
        EntryKind::FeedServed,
        EntryKind::FeedReceived,
    ];

    pub fn code(self) -> u8 {
        match self {
            EntryKind::PushSent => 1,
            EntryKind::PushReceived => 2,
            EntryKind::PushRefused => 3,
            EntryKind::PushRefusedByPartner => 4,
            EntryKind::PushFailed => 5,
            EntryKind::PageServed => 6,
            EntryKind::PageReceived => 7,
            EntryKind::PullRefused => 8,
            EntryKind::TlsRefused => 9,
            EntryKind::FeedServed => 10,
            EntryKind::FeedReceived => 11,
        }
    }

    pub fn from_code(c: u8) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == c)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::PushSent => "push_sent",
            EntryKind::PushReceived => "push_received",
            EntryKind::PushRefused => "push_refused",
            EntryKind::PushRefusedByPartner => "push_refused_by_partner",
            EntryKind::PushFailed => "push_failed",
            EntryKind::PageServed => "page_served",
            EntryKind::PageReceived => "page_received",
            EntryKind::PullRefused => "pull_refused",
            EntryKind::TlsRefused => "tls_refused",
            EntryKind::FeedServed => "feed_served",
            EntryKind::FeedReceived => "feed_received",
        }
    }

    /// Whether the entry must carry a verifiable envelope signature.
    pub fn requires_envelope(self) -> bool {
        matches!(
            self,
            EntryKind::PushSent
                | EntryKind::PushReceived
                | EntryKind::PageServed
                | EntryKind::PageReceived
        )
    }

    /// Whether the entry must carry a verifiable receipt.
    pub fn requires_receipt(self) -> bool {
        matches!(self, EntryKind::PushSent | EntryKind::PushReceived)
    }
}

impl std::fmt::Display for EntryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Signed bytes as logged: the bytes, their signature and the signer's public key (when the
/// signer is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPart {
    pub bytes: Vec<u8>,
    pub signature: [u8; 64],
    pub public_key: Option<[u8; 32]>,
}

/// How an exchange ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryOutcome {
    /// HTTP status answered or received (0: none).
    pub status: u16,
    pub code: String,
    pub detail: String,
}

impl EntryOutcome {
    pub fn new(status: u16, code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceEntry {
    pub seq: u64,
    pub prev_hash: [u8; 32],
    pub kind: EntryKind,
    pub time: DateTime<Utc>,
    pub partner: String,
    pub exchange_id: String,
    pub envelope_sha256: [u8; 32],
    pub envelope: Option<SignedPart>,
    pub receipt: Option<SignedPart>,
    pub outcome: EntryOutcome,
}

fn write_part(
    w: &mut FieldWriter,
    what: &'static str,
    p: &Option<SignedPart>,
) -> Result<(), CodecError> {
    w.bool(p.is_some());
    if let Some(p) = p {
        w.bytes(what, &p.bytes)?;
        w.fixed(&p.signature);
        w.bool(p.public_key.is_some());
        if let Some(k) = &p.public_key {
            w.fixed(k);
        }
    }
    Ok(())
}

fn read_part(
    r: &mut FieldReader<'_>,
    what: &'static str,
) -> Result<Option<SignedPart>, CodecError> {
    if !r.bool(what)? {
        return Ok(None);
    }
    let bytes = r.bytes(what)?.to_vec();
    let signature = r.fixed::<64>("signature")?;
    let public_key = if r.bool("public_key")? {
        Some(r.fixed::<32>("public_key")?)
    } else {
        None
    };
    Ok(Some(SignedPart {
        bytes,
        signature,
        public_key,
    }))
}

impl EvidenceEntry {
    /// The canonical encoding (what is hashed).
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let mut w = FieldWriter::with_capacity(
            512 + self.envelope.as_ref().map_or(0, |p| p.bytes.len())
                + self.receipt.as_ref().map_or(0, |p| p.bytes.len()),
        );
        w.str("tag", EVIDENCE_TAG)?;
        w.u64(self.seq);
        w.fixed(&self.prev_hash);
        w.u8(self.kind.code());
        w.i64(self.time.timestamp_millis());
        w.str("partner", &self.partner)?;
        w.str("exchange_id", &self.exchange_id)?;
        w.fixed(&self.envelope_sha256);
        write_part(&mut w, "envelope", &self.envelope)?;
        write_part(&mut w, "receipt", &self.receipt)?;
        w.u32(u32::from(self.outcome.status));
        w.str("code", &self.outcome.code)?;
        w.str("detail", &self.outcome.detail)?;
        Ok(w.finish())
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut r = FieldReader::new(bytes);
        let tag = r.str("tag")?;
        if tag != EVIDENCE_TAG {
            return Err(r.bad(
                "tag",
                format!("`{}` is not {EVIDENCE_TAG}", tag.escape_debug()),
            ));
        }
        let seq = r.u64("seq")?;
        let prev_hash = r.fixed::<32>("prev_hash")?;
        let code = r.u8("kind")?;
        let kind = EntryKind::from_code(code)
            .ok_or_else(|| r.bad("kind", format!("unknown kind {code}")))?;
        let millis = r.i64("time")?;
        let time = DateTime::<Utc>::from_timestamp_millis(millis)
            .ok_or_else(|| r.bad("time", format!("{millis} ms out of range")))?;
        let partner = r.string("partner")?;
        let exchange_id = r.string("exchange_id")?;
        let envelope_sha256 = r.fixed::<32>("envelope_sha256")?;
        let envelope = read_part(&mut r, "envelope")?;
        let receipt = read_part(&mut r, "receipt")?;
        let status = r.u32("status")?;
        let status = u16::try_from(status).map_err(|_| r.bad("status", format!("{status}")))?;
        let code = r.string("code")?;
        let detail = r.string("detail")?;
        r.finish("entry")?;
        Ok(Self {
            seq,
            prev_hash,
            kind,
            time,
            partner,
            exchange_id,
            envelope_sha256,
            envelope,
            receipt,
            outcome: EntryOutcome {
                status,
                code,
                detail,
            },
        })
    }
}

/// The stored form of an entry: `field(entry bytes) || field(hash)`.
pub fn encode_stored(entry_bytes: &[u8]) -> Result<(Vec<u8>, [u8; 32]), CodecError> {
    let hash = sha256(entry_bytes);
    let mut w = FieldWriter::with_capacity(entry_bytes.len() + 40);
    w.bytes("entry", entry_bytes)?;
    w.fixed(&hash);
    Ok((w.finish(), hash))
}

/// Splits a stored record into the entry bytes and the stored hash.
pub fn decode_stored(record: &[u8]) -> Result<(&[u8], [u8; 32]), CodecError> {
    let mut r = FieldReader::new(record);
    let entry = r.bytes("entry")?;
    let hash = r.fixed::<32>("hash")?;
    r.finish("stored entry")?;
    Ok((entry, hash))
}

/// A signed statement of the log's size, Merkle root and chain head.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedTreeHead {
    pub gateway: String,
    pub size: u64,
    #[serde(with = "hex_32")]
    pub root: [u8; 32],
    /// Hash of the last entry (zeros for an empty log).
    #[serde(with = "hex_32")]
    pub head_hash: [u8; 32],
    pub time: DateTime<Utc>,
    pub key_id: String,
    #[serde(with = "hex_64")]
    pub signature: [u8; 64],
}

impl SignedTreeHead {
    /// The signed bytes.
    pub fn signed_bytes(&self) -> Result<Vec<u8>, CodecError> {
        let mut w = FieldWriter::new();
        w.str("tag", TREE_HEAD_TAG)?;
        w.str("gateway", &self.gateway)?;
        w.u64(self.size);
        w.fixed(&self.root);
        w.fixed(&self.head_hash);
        w.i64(self.time.timestamp_millis());
        w.str("key_id", &self.key_id)?;
        Ok(w.finish())
    }
}

macro_rules! hex_array {
    ($name:ident, $n:literal) => {
        mod $name {
            use serde::{Deserialize, Deserializer, Serializer};

            pub fn serialize<S: Serializer>(v: &[u8; $n], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&hex::encode(v))
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; $n], D::Error> {
                let s = String::deserialize(d)?;
                let v = hex::decode(&s).map_err(serde::de::Error::custom)?;
                v.as_slice()
                    .try_into()
                    .map_err(|_| serde::de::Error::custom(concat!("expected ", $n, " bytes")))
            }
        }
    };
}

hex_array!(hex_32, 32);
hex_array!(hex_64, 64);
