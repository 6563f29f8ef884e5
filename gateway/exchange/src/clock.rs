//! Time and randomness, behind small seams so tests can skew the clock.

use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock shifted by a fixed offset (to test clock skew between gateways).
#[derive(Debug)]
pub struct OffsetClock {
    offset: Mutex<TimeDelta>,
}

impl OffsetClock {
    pub fn new(offset: TimeDelta) -> Self {
        Self {
            offset: Mutex::new(offset),
        }
    }

    pub fn set(&self, offset: TimeDelta) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = offset;
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A clock that always says the same time (fuzz checks and tests that must be deterministic).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Truncates to whole milliseconds (the precision of timestamps in signed encodings).
pub fn to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Why the operating system gave no random bytes.
#[derive(Debug, thiserror::Error)]
#[error("no randomness from the operating system: {0}")]
pub struct RandomError(String);

/// `N` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| RandomError(e.to_string()))?;
    Ok(b)
}

/// A fresh exchange id: 128 random bits, lower-case hex.
pub fn new_exchange_id() -> Result<String, RandomError> {
    random_bytes::<16>().map(hex::encode)
}

/// A random number in `0..n` (0 when `n` is 0), for jitter. Not for secrets.
pub fn random_below(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let b = random_bytes::<8>().unwrap_or_else(|_| {
        // No OS randomness: fall back to the clock's nanoseconds, enough for jitter.
        (Utc::now().timestamp_subsec_nanos() as u64).to_be_bytes()
    });
    u64::from_be_bytes(b) % n
}
