//! The signed receipt a receiver answers a push with, after a durable commit.
//!
//! # Canonical encoding (the signed bytes, "body")
//!
//! | # | field | content |
//! |---|---|---|
//! | 1 | tag | `homeward/receipt/v1` |
//! | 2 | sender | the receipt's signer: the gateway that received the exchange |
//! | 3 | receiver | the gateway that pushed |
//! | 4 | exchange_id | as in the envelope |
//! | 5 | envelope_sha256 | 32 bytes: SHA-256 of the envelope's signed header |
//! | 6 | payload_sha256 | 32 bytes: as in the envelope |
//! | 7 | created | i64 milliseconds since the epoch, UTC |
//! | 8 | key_id | the signing key's id |
//! | 9 | count | u64: number of outcomes (one per payload item, in payload order) |
//! | then per item | index | u64: 0-based position in the payload |
//! | | item | the record it names (`source/native_id`, transactions with their action) |
//! | | outcome | 1 byte: 0 accepted, 1 unchanged, 2 rejected |
//! | | reason | UTF-8 (empty unless rejected) |
//!
//! Wire form (`application/vnd.homeward.receipt`): `field(body) || field(signature)`.

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use crate::backend::Outcome;
use crate::codec::{CodecError, FieldReader, FieldWriter, sha256};
use crate::keys::SigningKeyPair;
use crate::partners::{KeyValidity, Partner};

pub const RECEIPT_TAG: &str = "homeward/receipt/v1";
pub const RECEIPT_MEDIA_TYPE: &str = "application/vnd.homeward.receipt";

/// The outcome of one item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemOutcome {
    pub index: u64,
    pub item: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The signed content of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptBody {
    pub sender: String,
    pub receiver: String,
    pub exchange_id: String,
    pub envelope_sha256: [u8; 32],
    pub payload_sha256: [u8; 32],
    pub created: DateTime<Utc>,
    pub key_id: String,
    pub outcomes: Vec<ItemOutcome>,
}

impl ReceiptBody {
    pub fn accepted(&self) -> usize {
        self.count(0)
    }

    pub fn unchanged(&self) -> usize {
        self.count(1)
    }

    pub fn rejected(&self) -> usize {
        self.count(2)
    }

    fn count(&self, code: u8) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.outcome.code() == code)
            .count()
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let mut w = FieldWriter::with_capacity(256 + self.outcomes.len() * 48);
        w.str("tag", RECEIPT_TAG)?;
        w.str("sender", &self.sender)?;
        w.str("receiver", &self.receiver)?;
        w.str("exchange_id", &self.exchange_id)?;
        w.fixed(&self.envelope_sha256);
        w.fixed(&self.payload_sha256);
        w.i64(self.created.timestamp_millis());
        w.str("key_id", &self.key_id)?;
        w.u64(self.outcomes.len() as u64);
        for o in &self.outcomes {
            w.u64(o.index);
            w.str("item", &o.item)?;
            w.u8(o.outcome.code());
            match &o.outcome {
                Outcome::Rejected(reason) => w.str("reason", reason)?,
                _ => w.str("reason", "")?,
            };
        }
        Ok(w.finish())
    }

    /// Decodes the canonical encoding, strictly.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut r = FieldReader::new(bytes);
        let tag = r.str("tag")?;
        if tag != RECEIPT_TAG {
            return Err(r.bad(
                "tag",
                format!("`{}` is not {RECEIPT_TAG}", tag.escape_debug()),
            ));
        }
        let sender = r.string("sender")?;
        let receiver = r.string("receiver")?;
        let exchange_id = r.string("exchange_id")?;
        let envelope_sha256 = r.fixed::<32>("envelope_sha256")?;
        let payload_sha256 = r.fixed::<32>("payload_sha256")?;
        let millis = r.i64("created")?;
        let created = DateTime::<Utc>::from_timestamp_millis(millis)
            .ok_or_else(|| r.bad("created", format!("{millis} ms out of range")))?;
        let key_id = r.string("key_id")?;
        // each outcome takes at least 4+8 + 4 + 4+1 + 4 bytes
        let n = r.count("count", 25)?;
        let mut outcomes = Vec::with_capacity(n);
        for _ in 0..n {
            let index = r.u64("index")?;
            let item = r.string("item")?;
            let code = r.u8("outcome")?;
            let reason = r.string("reason")?;
            let outcome = match code {
                0 if reason.is_empty() => Outcome::Accepted,
                1 if reason.is_empty() => Outcome::Unchanged,
                2 => Outcome::Rejected(reason),
                _ => {
                    return Err(r.bad("outcome", format!("code {code} with reason {:?}", reason)));
                }
            };
            outcomes.push(ItemOutcome {
                index,
                item,
                outcome,
            });
        }
        r.finish("receipt")?;
        Ok(Self {
            sender,
            receiver,
            exchange_id,
            envelope_sha256,
            payload_sha256,
            created,
            key_id,
            outcomes,
        })
    }
}

/// A signed receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub body: ReceiptBody,
    body_bytes: Vec<u8>,
    pub signature: [u8; 64],
}

/// What the pushing gateway expects of a receipt.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The partner pushed to (the receipt's signer).
    pub partner: &'a Partner,
    /// This gateway.
    pub me: &'a str,
    pub exchange_id: &'a str,
    pub envelope_sha256: [u8; 32],
    pub payload_sha256: [u8; 32],
    /// Items pushed, when known (one outcome each).
    pub items: Option<usize>,
}

/// Why a receipt is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("malformed receipt: {0}")]
    Malformed(String),
    #[error("receipt signed by `{found}`, expected partner `{expected}`")]
    WrongSender { expected: String, found: String },
    #[error("receipt addressed to `{found}`, not this gateway `{expected}`")]
    WrongReceiver { expected: String, found: String },
    #[error("receipt key {0} is not registered for the partner")]
    UnknownKey(String),
    #[error("receipt signature does not verify with key {0}")]
    BadSignature(String),
    #[error("receipt key {key_id} was not valid at {at}")]
    KeyNotValid { key_id: String, at: DateTime<Utc> },
    #[error("receipt is for exchange {found}, expected {expected}")]
    ExchangeMismatch { expected: String, found: String },
    #[error("receipt names another envelope (digest {found})")]
    EnvelopeMismatch { found: String },
    #[error("receipt names another payload (digest {found})")]
    PayloadMismatch { found: String },
    #[error("receipt has {found} outcomes for {expected} items")]
    OutcomeCount { expected: usize, found: usize },
}

impl Receipt {
    /// Signs `body` (its `key_id` is set from `key`).
    pub fn sign(mut body: ReceiptBody, key: &SigningKeyPair) -> Result<Self, CodecError> {
        body.key_id = key.key_id();
        body.created = crate::clock::to_millis(body.created);
        let body_bytes = body.encode()?;
        let signature = key.sign(&body_bytes);
        Ok(Self {
            body,
            body_bytes,
            signature,
        })
    }

    /// The signed bytes.
    pub fn body_bytes(&self) -> &[u8] {
        &self.body_bytes
    }

    /// SHA-256 of the signed bytes.
    pub fn digest(&self) -> [u8; 32] {
        sha256(&self.body_bytes)
    }

    /// `field(body) || field(signature)`.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut w = FieldWriter::with_capacity(self.body_bytes.len() + 72);
        // a receipt larger than 4 GiB cannot be made (its payload could not be either)
        let _ = w.bytes("body", &self.body_bytes);
        w.fixed(&self.signature);
        w.finish()
    }

    pub fn from_wire(bytes: &[u8]) -> Result<Self, ReceiptError> {
        let mut r = FieldReader::new(bytes);
        let m = |e: CodecError| ReceiptError::Malformed(e.to_string());
        let body_bytes = r.bytes("body").map_err(m)?.to_vec();
        let signature = r.fixed::<64>("signature").map_err(m)?;
        r.finish("receipt").map_err(m)?;
        Self::from_parts(&body_bytes, signature)
    }

    /// A receipt from its signed bytes and signature (the evidence log keeps both).
    pub fn from_parts(body_bytes: &[u8], signature: [u8; 64]) -> Result<Self, ReceiptError> {
        let body =
            ReceiptBody::decode(body_bytes).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        Ok(Self {
            body,
            body_bytes: body_bytes.to_vec(),
            signature,
        })
    }

    /// Checks the receipt against what was pushed.
    pub fn verify(&self, expected: &Expected<'_>) -> Result<(), ReceiptError> {
        let b = &self.body;
        if b.sender != expected.partner.id {
            return Err(ReceiptError::WrongSender {
                expected: expected.partner.id.clone(),
                found: b.sender.clone(),
            });
        }
        let key = expected
            .partner
            .key(&b.key_id)
            .ok_or_else(|| ReceiptError::UnknownKey(b.key_id.clone()))?;
        if !key.key.verify(&self.body_bytes, &self.signature) {
            return Err(ReceiptError::BadSignature(b.key_id.clone()));
        }
        if key.validity_at(b.created) != KeyValidity::Valid {
            return Err(ReceiptError::KeyNotValid {
                key_id: b.key_id.clone(),
                at: b.created,
            });
        }
        if b.receiver != expected.me {
            return Err(ReceiptError::WrongReceiver {
                expected: expected.me.to_string(),
                found: b.receiver.clone(),
            });
        }
        if b.exchange_id != expected.exchange_id {
            return Err(ReceiptError::ExchangeMismatch {
                expected: expected.exchange_id.to_string(),
                found: b.exchange_id.clone(),
            });
        }
        if b.envelope_sha256 != expected.envelope_sha256 {
            return Err(ReceiptError::EnvelopeMismatch {
                found: hex::encode(b.envelope_sha256),
            });
        }
        if b.payload_sha256 != expected.payload_sha256 {
            return Err(ReceiptError::PayloadMismatch {
                found: hex::encode(b.payload_sha256),
            });
        }
        if let Some(n) = expected.items {
            let indexes_ok = b
                .outcomes
                .iter()
                .enumerate()
                .all(|(i, o)| o.index == i as u64);
            if b.outcomes.len() != n || !indexes_ok {
                return Err(ReceiptError::OutcomeCount {
                    expected: n,
                    found: b.outcomes.len(),
                });
            }
        }
        Ok(())
    }
}
