//! Appending to and reading the log.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::merkle::{self, InclusionProof};
use super::{
    EntryKind, EntryOutcome, EvidenceEntry, EvidenceStorage, SignedPart, SignedTreeHead,
    decode_stored, encode_stored,
};
use crate::codec::CodecError;
use crate::keys::SigningKeyPair;

/// The storage failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("evidence storage: {0}")]
pub struct StorageError(pub String);

/// Why the log could not do something.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("evidence entry {seq}: {source}")]
    Corrupt {
        seq: u64,
        #[source]
        source: CodecError,
    },
    #[error("encoding an evidence entry: {0}")]
    Encode(#[from] CodecError),
    #[error("evidence entry {0} does not exist")]
    NoSuchEntry(u64),
}

/// What to record (the log fills in the position, time and previous hash).
#[derive(Debug, Clone)]
pub struct EntryDraft {
    pub kind: EntryKind,
    pub partner: String,
    pub exchange_id: String,
    pub envelope_sha256: [u8; 32],
    pub envelope: Option<SignedPart>,
    pub receipt: Option<SignedPart>,
    pub outcome: EntryOutcome,
}

impl EntryDraft {
    pub fn new(kind: EntryKind, partner: &str, outcome: EntryOutcome) -> Self {
        Self {
            kind,
            partner: partner.to_string(),
            exchange_id: String::new(),
            envelope_sha256: [0; 32],
            envelope: None,
            receipt: None,
            outcome,
        }
    }
}

struct Head {
    next_seq: u64,
    last_hash: [u8; 32],
}

/// The hash-chained log over an [`EvidenceStorage`]. Appends are serialised.
pub struct EvidenceLog {
    storage: Arc<dyn EvidenceStorage>,
    head: Mutex<Head>,
}

impl std::fmt::Debug for EvidenceLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceLog").finish_non_exhaustive()
    }
}

/// The next position of the log, held (see [`EvidenceLog::reserve`]).
pub struct Reservation<'a> {
    head: std::sync::MutexGuard<'a, Head>,
    filled: Option<(EvidenceEntry, [u8; 32])>,
}

impl std::fmt::Debug for Reservation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reservation")
            .field("seq", &self.head.next_seq)
            .finish_non_exhaustive()
    }
}

impl Reservation<'_> {
    /// The position the entry will have.
    pub fn seq(&self) -> u64 {
        self.head.next_seq
    }

    /// Builds the entry at this position and `time`; returns its position and the bytes to
    /// store there (`field(entry) || field(hash)`). Filling again replaces the entry.
    pub fn fill(
        &mut self,
        draft: EntryDraft,
        time: DateTime<Utc>,
    ) -> Result<(u64, Vec<u8>), EvidenceError> {
        let entry = EvidenceEntry {
            seq: self.head.next_seq,
            prev_hash: self.head.last_hash,
            kind: draft.kind,
            time: crate::clock::to_millis(time),
            partner: draft.partner,
            exchange_id: draft.exchange_id,
            envelope_sha256: draft.envelope_sha256,
            envelope: draft.envelope,
            receipt: draft.receipt,
            outcome: draft.outcome,
        };
        let bytes = entry.encode()?;
        let (record, hash) = encode_stored(&bytes)?;
        let seq = entry.seq;
        self.filled = Some((entry, hash));
        Ok((seq, record))
    }

    /// The stored bytes are durable: the log moves past the entry. `None` when nothing was
    /// filled.
    pub fn commit(mut self) -> Option<EvidenceEntry> {
        let (entry, hash) = self.filled.take()?;
        self.head.next_seq += 1;
        self.head.last_hash = hash;
        tracing::debug!(seq = entry.seq, kind = %entry.kind, partner = %entry.partner, code = %entry.outcome.code, "evidence appended");
        Some(entry)
    }
}

/// Entries (their canonical bytes) with their inclusion proofs.
pub type ProvenEntries = Vec<(Vec<u8>, InclusionProof)>;

/// How many stored records are read at once when scanning.
const SCAN_CHUNK: usize = 1024;

impl EvidenceLog {
    /// Opens the log, reading the last entry's hash to continue the chain.
    pub fn open(storage: Arc<dyn EvidenceStorage>) -> Result<Self, EvidenceError> {
        let len = storage.len()?;
        let last_hash = if len == 0 {
            [0; 32]
        } else {
            let rec = storage
                .read(len - 1, 1)?
                .pop()
                .ok_or(EvidenceError::NoSuchEntry(len - 1))?;
            let (entry, _stored) =
                decode_stored(&rec).map_err(|source| EvidenceError::Corrupt {
                    seq: len - 1,
                    source,
                })?;
            // continue from the hash of what is there; `verify_log` reports any mismatch
            crate::codec::sha256(entry)
        };
        Ok(Self {
            storage,
            head: Mutex::new(Head {
                next_seq: len,
                last_hash,
            }),
        })
    }

    /// Appends an entry at `time`; durable when this returns.
    pub fn append(
        &self,
        draft: EntryDraft,
        time: DateTime<Utc>,
    ) -> Result<EvidenceEntry, EvidenceError> {
        let mut slot = self.reserve();
        let (seq, record) = slot.fill(draft, time)?;
        self.storage.append(seq, &record)?;
        slot.commit().ok_or(EvidenceError::NoSuchEntry(seq))
    }

    /// Reserves the next position of the log, for a store that writes the entry in the same
    /// atomic batch as what it records (an exchange's records and its `push_received` entry):
    /// [`Reservation::fill`] encodes the entry and gives the bytes to store at its position;
    /// once they are durable, [`Reservation::commit`] moves the log on. Dropped without a
    /// commit, nothing moves. Other appends wait while a reservation is held.
    pub fn reserve(&self) -> Reservation<'_> {
        Reservation {
            head: self.head.lock().unwrap_or_else(|e| e.into_inner()),
            filled: None,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.head.lock().unwrap_or_else(|e| e.into_inner()).next_seq
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn storage(&self) -> &Arc<dyn EvidenceStorage> {
        &self.storage
    }

    /// Decoded entries from `from`, at most `limit`.
    pub fn entries(&self, from: u64, limit: usize) -> Result<Vec<EvidenceEntry>, EvidenceError> {
        self.storage
            .read(from, limit)?
            .iter()
            .enumerate()
            .map(|(i, rec)| {
                let seq = from + i as u64;
                decode_stored(rec)
                    .and_then(|(e, _)| EvidenceEntry::decode(e))
                    .map_err(|source| EvidenceError::Corrupt { seq, source })
            })
            .collect()
    }

    /// Every entry, in order.
    pub fn all(&self) -> Result<Vec<EvidenceEntry>, EvidenceError> {
        let mut out = Vec::new();
        let n = self.len();
        let mut from = 0;
        while from < n {
            let chunk = self.entries(from, SCAN_CHUNK)?;
            if chunk.is_empty() {
                break;
            }
            from += chunk.len() as u64;
            out.extend(chunk);
        }
        Ok(out)
    }

    /// The hashes of the first `size` entries (recomputed from the stored bytes).
    pub fn entry_hashes(&self, size: u64) -> Result<Vec<[u8; 32]>, EvidenceError> {
        let mut out = Vec::with_capacity(size as usize);
        let mut from = 0;
        while from < size {
            let want = ((size - from) as usize).min(SCAN_CHUNK);
            let recs = self.storage.read(from, want)?;
            if recs.is_empty() {
                return Err(EvidenceError::NoSuchEntry(from));
            }
            for (i, rec) in recs.iter().enumerate() {
                let (e, _) = decode_stored(rec).map_err(|source| EvidenceError::Corrupt {
                    seq: from + i as u64,
                    source,
                })?;
                out.push(crate::codec::sha256(e));
            }
            from += recs.len() as u64;
        }
        Ok(out)
    }

    /// The stored bytes of entry `seq` (the bytes whose hash is the Merkle leaf).
    pub fn entry_bytes(&self, seq: u64) -> Result<Vec<u8>, EvidenceError> {
        let rec = self
            .storage
            .read(seq, 1)?
            .pop()
            .ok_or(EvidenceError::NoSuchEntry(seq))?;
        let (e, _) =
            decode_stored(&rec).map_err(|source| EvidenceError::Corrupt { seq, source })?;
        Ok(e.to_vec())
    }

    /// Signs the current tree head.
    pub fn tree_head(
        &self,
        gateway: &str,
        key: &SigningKeyPair,
        time: DateTime<Utc>,
    ) -> Result<(SignedTreeHead, Vec<[u8; 32]>), EvidenceError> {
        let size = self.len();
        let hashes = self.entry_hashes(size)?;
        let mut sth = SignedTreeHead {
            gateway: gateway.to_string(),
            size,
            root: merkle::root(&hashes),
            head_hash: hashes.last().copied().unwrap_or([0; 32]),
            time: crate::clock::to_millis(time),
            key_id: key.key_id(),
            signature: [0; 64],
        };
        sth.signature = key.sign(&sth.signed_bytes()?);
        Ok((sth, hashes))
    }

    /// Entries of `partner` for `exchange_id`, with proofs against a fresh signed tree head.
    pub fn proofs_for(
        &self,
        partner: &str,
        exchange_id: &str,
        gateway: &str,
        key: &SigningKeyPair,
        time: DateTime<Utc>,
    ) -> Result<(SignedTreeHead, ProvenEntries), EvidenceError> {
        let (sth, hashes) = self.tree_head(gateway, key, time)?;
        let mut out = Vec::new();
        for e in self.all()?.into_iter().take(sth.size as usize) {
            if e.partner == partner && e.exchange_id == exchange_id {
                let bytes = self.entry_bytes(e.seq)?;
                if let Some(p) = merkle::inclusion_proof(&hashes, e.seq as usize) {
                    out.push((bytes, p));
                }
            }
        }
        Ok((sth, out))
    }
}
