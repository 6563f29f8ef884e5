//! Envelope verification: every failure is its own error with an HTTP status.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::{Envelope, Purpose};
use crate::codec::sha256;
use crate::partners::{KeyValidity, Partner, PartnerRegistry};

/// What a verifier expects.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    /// This gateway's id: envelopes must name it as receiver.
    pub me: String,
    /// How far `created` may be from now, either way (default 5 minutes).
    pub max_skew: TimeDelta,
}

impl VerifyPolicy {
    pub fn new(me: &str) -> Self {
        Self {
            me: me.to_string(),
            max_skew: TimeDelta::minutes(5),
        }
    }
}

/// Why an envelope was refused. [`VerifyError::status`] gives the HTTP status: 4xx for
/// permanent failures (re-sending the same envelope cannot succeed), 5xx for retriable ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed envelope: {0}")]
    Malformed(String),
    #[error("payload is {actual} bytes, the envelope declares {declared}")]
    PayloadLength { declared: u64, actual: u64 },
    #[error("envelope is a {found} envelope, expected {expected}")]
    WrongPurpose {
        expected: &'static str,
        found: &'static str,
    },
    #[error("sender `{0}` is not a registered partner")]
    UnknownSender(String),
    #[error("envelope sender `{envelope}` is not the partner `{peer}` that connected")]
    SenderMismatch { peer: String, envelope: String },
    #[error("key {key_id} is not registered for partner `{sender}`")]
    UnknownKey { sender: String, key_id: String },
    #[error("signature does not verify with key {key_id} of partner `{sender}`")]
    BadSignature { sender: String, key_id: String },
    #[error("envelope is addressed to `{found}`, this gateway is `{expected}`")]
    WrongReceiver { expected: String, found: String },
    #[error("key {key_id} is not valid before {not_before} (checked at {at})")]
    KeyNotYetValid {
        key_id: String,
        not_before: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    #[error("key {key_id} expired at {not_after} (checked at {at})")]
    KeyExpired {
        key_id: String,
        not_after: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    #[error("envelope created at {created} is older than the {window_s} s window (now {now})")]
    Stale {
        created: DateTime<Utc>,
        now: DateTime<Utc>,
        window_s: i64,
    },
    #[error(
        "envelope created at {created} is in the future beyond the {window_s} s window (now {now})"
    )]
    FromTheFuture {
        created: DateTime<Utc>,
        now: DateTime<Utc>,
        window_s: i64,
    },
    #[error("payload SHA-256 is {actual}, the envelope declares {declared}")]
    DigestMismatch { declared: String, actual: String },
    #[error("exchange {exchange_id} with this nonce was seen before (replay)")]
    Replay { exchange_id: String },
    #[error("replay store unavailable: {0}")]
    ReplayStore(String),
}

impl VerifyError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            VerifyError::Malformed(_)
            | VerifyError::PayloadLength { .. }
            | VerifyError::WrongPurpose { .. }
            | VerifyError::Stale { .. }
            | VerifyError::FromTheFuture { .. }
            | VerifyError::DigestMismatch { .. } => 400,
            VerifyError::UnknownKey { .. }
            | VerifyError::BadSignature { .. }
            | VerifyError::KeyNotYetValid { .. }
            | VerifyError::KeyExpired { .. } => 401,
            VerifyError::UnknownSender(_) | VerifyError::SenderMismatch { .. } => 403,
            VerifyError::WrongReceiver { .. } => 421,
            VerifyError::Replay { .. } => 409,
            VerifyError::ReplayStore(_) => 503,
        }
    }

    /// A stable machine-readable code (error bodies, the evidence log, metrics).
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "malformed",
            VerifyError::PayloadLength { .. } => "payload_length",
            VerifyError::WrongPurpose { .. } => "wrong_purpose",
            VerifyError::UnknownSender(_) => "unknown_sender",
            VerifyError::SenderMismatch { .. } => "sender_mismatch",
            VerifyError::UnknownKey { .. } => "unknown_key",
            VerifyError::BadSignature { .. } => "bad_signature",
            VerifyError::WrongReceiver { .. } => "wrong_receiver",
            VerifyError::KeyNotYetValid { .. } => "key_not_yet_valid",
            VerifyError::KeyExpired { .. } => "key_expired",
            VerifyError::Stale { .. } => "stale",
            VerifyError::FromTheFuture { .. } => "from_the_future",
            VerifyError::DigestMismatch { .. } => "digest_mismatch",
            VerifyError::Replay { .. } => "replay",
            VerifyError::ReplayStore(_) => "replay_store_unavailable",
        }
    }

    pub fn retriable(&self) -> bool {
        self.status() >= 500
    }
}

/// Verifies `env` as an envelope of `purpose` from a registered partner to `policy.me`, at
/// `now`. Checks, in order: sender registered, key registered, signature, receiver, purpose,
/// key validity at the created time and at `now`, freshness, payload digest. Replay is
/// checked by the caller with a [`super::ReplayGuard`] once this passes.
pub fn verify(
    env: &Envelope,
    registry: &PartnerRegistry,
    purpose: Purpose,
    policy: &VerifyPolicy,
    now: DateTime<Utc>,
) -> Result<Arc<Partner>, VerifyError> {
    let h = &env.header;
    let partner = registry
        .get(&h.sender)
        .ok_or_else(|| VerifyError::UnknownSender(h.sender.clone()))?;
    let key = partner
        .key(&h.key_id)
        .ok_or_else(|| VerifyError::UnknownKey {
            sender: h.sender.clone(),
            key_id: h.key_id.clone(),
        })?;
    if !key.key.verify(env.header_bytes(), &env.signature) {
        return Err(VerifyError::BadSignature {
            sender: h.sender.clone(),
            key_id: h.key_id.clone(),
        });
    }
    if h.receiver != policy.me {
        return Err(VerifyError::WrongReceiver {
            expected: policy.me.clone(),
            found: h.receiver.clone(),
        });
    }
    if h.purpose != purpose {
        return Err(VerifyError::WrongPurpose {
            expected: purpose.as_str(),
            found: h.purpose.as_str(),
        });
    }
    for at in [h.created, now] {
        match key.validity_at(at) {
            KeyValidity::Valid => {}
            KeyValidity::NotYetValid(not_before) => {
                return Err(VerifyError::KeyNotYetValid {
                    key_id: h.key_id.clone(),
                    not_before,
                    at,
                });
            }
            KeyValidity::Expired(not_after) => {
                return Err(VerifyError::KeyExpired {
                    key_id: h.key_id.clone(),
                    not_after,
                    at,
                });
            }
        }
    }
    let window_s = policy.max_skew.num_seconds();
    if h.created < now - policy.max_skew {
        return Err(VerifyError::Stale {
            created: h.created,
            now,
            window_s,
        });
    }
    if h.created > now + policy.max_skew {
        return Err(VerifyError::FromTheFuture {
            created: h.created,
            now,
            window_s,
        });
    }
    let actual = sha256(&env.payload);
    if actual != h.payload_sha256 || env.payload.len() as u64 != h.payload_len {
        return Err(VerifyError::DigestMismatch {
            declared: hex::encode(h.payload_sha256),
            actual: hex::encode(actual),
        });
    }
    Ok(partner.clone())
}
