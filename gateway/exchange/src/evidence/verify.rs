//! Offline verification of the whole log, and of tree heads and proofs given to partners.

use std::collections::HashMap;

use super::merkle::{self, InclusionProof};
use super::{EvidenceEntry, EvidenceStorage, SignedPart, SignedTreeHead, decode_stored};
use crate::codec::sha256;
use crate::envelope::Envelope;
use crate::keys::{PublicKey, key_id};
use crate::partners::PartnerRegistry;
use crate::receipt::Receipt;

/// Which public keys belong to which gateway (for checking who signed what).
pub trait KeyTrust {
    /// `Err(reason)` when `public_key` is not a key of `gateway`.
    fn check(&self, gateway: &str, public_key: &[u8; 32]) -> Result<(), String>;
}

/// Keys of the registry's partners and of this gateway (current and previous).
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: HashMap<String, Vec<[u8; 32]>>,
}

impl TrustedKeys {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, gateway: &str, key: &PublicKey) {
        self.keys
            .entry(gateway.to_string())
            .or_default()
            .push(key.to_bytes());
    }

    /// Every partner key of `registry`, plus this gateway's own keys.
    pub fn from_registry(registry: &PartnerRegistry, me: &str, own: &[PublicKey]) -> Self {
        let mut t = Self::new();
        for p in registry.partners() {
            for k in &p.keys {
                t.add(&p.id, &k.key);
            }
        }
        for k in own {
            t.add(me, k);
        }
        t
    }
}

impl KeyTrust for TrustedKeys {
    fn check(&self, gateway: &str, public_key: &[u8; 32]) -> Result<(), String> {
        match self.keys.get(gateway) {
            Some(ks) if ks.contains(public_key) => Ok(()),
            Some(_) => Err(format!(
                "key {} is not a registered key of `{gateway}`",
                key_id(public_key)
            )),
            None => Err(format!("`{gateway}` is not a known gateway")),
        }
    }
}

/// The first bad entry of a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("evidence entry {seq}: {problem}")]
pub struct LogFault {
    pub seq: u64,
    pub problem: String,
}

/// What a verified log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSummary {
    pub entries: u64,
    /// Hash of the last entry (zeros for an empty log).
    pub head_hash: [u8; 32],
    pub merkle_root: [u8; 32],
}

fn check_signed(
    part: &SignedPart,
    declared_key_id: &str,
    signer: &str,
    trust: Option<&dyn KeyTrust>,
    what: &str,
) -> Result<(), String> {
    let Some(pk) = part.public_key else {
        return Err(format!("{what} has no signer key"));
    };
    if key_id(&pk) != declared_key_id {
        return Err(format!(
            "{what} names key {declared_key_id} but the logged key is {}",
            key_id(&pk)
        ));
    }
    let key = PublicKey::from_bytes(&pk).map_err(|e| format!("{what}: {e}"))?;
    if !key.verify(&part.bytes, &part.signature) {
        return Err(format!("{what} signature does not verify"));
    }
    if let Some(t) = trust {
        t.check(signer, &pk).map_err(|e| format!("{what}: {e}"))?;
    }
    Ok(())
}

fn check_entry(e: &EvidenceEntry, trust: Option<&dyn KeyTrust>) -> Result<(), String> {
    let mut header = None;
    if let Some(env) = &e.envelope {
        if sha256(&env.bytes) != e.envelope_sha256 {
            return Err("envelope digest does not match the logged envelope".into());
        }
        if e.kind.requires_envelope() || env.public_key.is_some() {
            let parsed = Envelope::from_signed_header(&env.bytes, env.signature)
                .map_err(|m| format!("logged envelope does not parse: {m}"))?;
            let h = parsed.header;
            check_signed(env, &h.key_id, &h.sender, trust, "envelope")?;
            if h.exchange_id != e.exchange_id {
                return Err(format!(
                    "envelope is exchange {}, the entry says {}",
                    h.exchange_id, e.exchange_id
                ));
            }
            header = Some(h);
        }
    } else if e.kind.requires_envelope() {
        return Err(format!("a {} entry must hold the envelope", e.kind));
    }
    match (&e.receipt, e.kind.requires_receipt()) {
        (None, true) => return Err(format!("a {} entry must hold the receipt", e.kind)),
        (None, false) => {}
        (Some(rp), _) => {
            let r = Receipt::from_parts(&rp.bytes, rp.signature)
                .map_err(|m| format!("logged receipt does not parse: {m}"))?;
            check_signed(rp, &r.body.key_id, &r.body.sender, trust, "receipt")?;
            if r.body.exchange_id != e.exchange_id {
                return Err(format!(
                    "receipt is for exchange {}, the entry says {}",
                    r.body.exchange_id, e.exchange_id
                ));
            }
            if r.body.envelope_sha256 != e.envelope_sha256 {
                return Err("receipt names another envelope".into());
            }
            if let Some(h) = &header
                && r.body.payload_sha256 != h.payload_sha256
            {
                return Err("receipt names another payload".into());
            }
        }
    }
    Ok(())
}

/// Re-checks the whole log offline: every stored hash, the chain, and every signature
/// (against the logged signer keys, and against `trust` when given). Names the first bad
/// entry.
pub fn verify_log(
    storage: &dyn EvidenceStorage,
    trust: Option<&dyn KeyTrust>,
) -> Result<LogSummary, LogFault> {
    let len = storage.len().map_err(|e| LogFault {
        seq: 0,
        problem: e.to_string(),
    })?;
    let mut prev = [0u8; 32];
    let mut hashes = Vec::with_capacity(len as usize);
    let mut seq = 0u64;
    while seq < len {
        let chunk = storage.read(seq, 1024).map_err(|e| LogFault {
            seq,
            problem: e.to_string(),
        })?;
        if chunk.is_empty() {
            return Err(LogFault {
                seq,
                problem: format!("missing (the log claims {len} entries)"),
            });
        }
        for rec in &chunk {
            let fault = |problem: String| LogFault { seq, problem };
            let (bytes, stored) = decode_stored(rec)
                .map_err(|e| fault(format!("stored record is malformed: {e}")))?;
            let hash = sha256(bytes);
            if hash != stored {
                return Err(fault(format!(
                    "content does not match its stored hash (stored {}, computed {})",
                    hex::encode(stored),
                    hex::encode(hash)
                )));
            }
            let e = EvidenceEntry::decode(bytes).map_err(|e| fault(format!("malformed: {e}")))?;
            if e.seq != seq {
                return Err(fault(format!("holds sequence number {}", e.seq)));
            }
            if e.prev_hash != prev {
                return Err(fault(if seq == 0 {
                    "the first entry must chain from zeros".into()
                } else {
                    format!(
                        "previous hash does not match entry {} (chain broken)",
                        seq - 1
                    )
                }));
            }
            check_entry(&e, trust).map_err(fault)?;
            prev = hash;
            hashes.push(hash);
            seq += 1;
        }
    }
    Ok(LogSummary {
        entries: len,
        head_hash: prev,
        merkle_root: merkle::root(&hashes),
    })
}

/// Why a tree head or proof given by a partner does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeHeadError {
    #[error("tree head signed with key {0}, not the expected key")]
    WrongKey(String),
    #[error("tree head signature does not verify")]
    BadSignature,
    #[error("tree head: {0}")]
    Encoding(String),
    #[error("entry {0} is not in the tree (inclusion proof fails)")]
    NotIncluded(u64),
}

impl SignedTreeHead {
    /// Checks the signature with `key` (the gateway's registered key).
    pub fn verify(&self, key: &PublicKey) -> Result<(), TreeHeadError> {
        if key.key_id() != self.key_id {
            return Err(TreeHeadError::WrongKey(self.key_id.clone()));
        }
        let bytes = self
            .signed_bytes()
            .map_err(|e| TreeHeadError::Encoding(e.to_string()))?;
        if key.verify(&bytes, &self.signature) {
            Ok(())
        } else {
            Err(TreeHeadError::BadSignature)
        }
    }

    /// Checks that `entry_bytes` is in this tree by `proof`.
    pub fn check_inclusion(
        &self,
        entry_bytes: &[u8],
        proof: &InclusionProof,
    ) -> Result<(), TreeHeadError> {
        if proof.size != self.size
            || !merkle::verify_inclusion(&sha256(entry_bytes), proof, &self.root)
        {
            return Err(TreeHeadError::NotIncluded(proof.index));
        }
        Ok(())
    }
}
