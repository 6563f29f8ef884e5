//! Replay detection: an envelope (sender, exchange id, nonce) is processed at most once.
//!
//! A client that retries re-signs the same exchange (same exchange id and payload) with a
//! fresh nonce and created time, so retries are not replays and applying them again is
//! harmless (the backend answers `unchanged`). The exact same envelope sent twice is a replay.
//! Keys of envelopes created before `now - 2 × max_skew` may be forgotten: such envelopes fail
//! the freshness check anyway.

use chrono::{DateTime, Utc};

/// What identifies one envelope for replay detection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplayKey {
    pub sender: String,
    pub exchange_id: String,
    pub nonce: [u8; 16],
}

impl ReplayKey {
    pub fn of(env: &super::Envelope) -> Self {
        Self {
            sender: env.header.sender.clone(),
            exchange_id: env.header.exchange_id.clone(),
            nonce: env.header.nonce,
        }
    }

    /// A compact byte form (for a store's key): sender, exchange id and nonce as fields.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = crate::codec::FieldWriter::new();
        // sender and exchange id are at most 128 bytes (checked when decoded)
        let _ = w.str("sender", &self.sender);
        let _ = w.str("exchange_id", &self.exchange_id);
        w.fixed(&self.nonce);
        w.finish()
    }
}

/// The replay store could not answer (the exchange is refused with 503, retriable).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ReplayStoreError(pub String);

/// Remembers which envelopes were seen. The gateway implements it with its store; the
/// in-memory one is [`crate::memory::MemoryReplayGuard`].
pub trait ReplayGuard: Send + Sync {
    /// Records `key`, atomically with the check: `Ok(true)` when it was new, `Ok(false)` when
    /// it was seen before. Must be durable before returning `Ok(true)` so a restart does not
    /// forget it.
    fn check_and_record(
        &self,
        key: &ReplayKey,
        created: DateTime<Utc>,
    ) -> Result<bool, ReplayStoreError>;

    /// Forgets keys of envelopes created before `cutoff`; returns how many.
    fn prune(&self, cutoff: DateTime<Utc>) -> Result<usize, ReplayStoreError>;
}
