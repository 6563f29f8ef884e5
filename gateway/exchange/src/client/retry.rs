//! Retries with exponential backoff and jitter.

use std::time::Duration;

/// How a client retries retriable failures (5xx answers, connection failures, timeouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// Delay before the second attempt, before jitter.
    pub base_delay: Duration,
    /// Longest delay between attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The nominal delay after failed attempt `attempt` (1-based): `base × 2^(attempt-1)`,
    /// capped at `max_delay`.
    pub fn nominal(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The delay to wait after failed attempt `attempt`, with "equal jitter": half the
    /// nominal delay plus a random part of the other half, so partners that failed together
    /// do not retry together.
    pub fn delay(&self, attempt: u32) -> Duration {
        let d = self.nominal(attempt);
        let half = d / 2;
        let jitter = crate::clock::random_below(half.as_millis() as u64 + 1);
        half + Duration::from_millis(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_within_jitter_bounds() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        };
        assert_eq!(p.nominal(1), Duration::from_millis(100));
        assert_eq!(p.nominal(2), Duration::from_millis(200));
        assert_eq!(p.nominal(4), Duration::from_millis(800));
        assert_eq!(p.nominal(6), Duration::from_secs(2));
        assert_eq!(p.nominal(40), Duration::from_secs(2));
        let mut seen = std::collections::HashSet::new();
        for attempt in 1..8 {
            let n = p.nominal(attempt);
            for _ in 0..50 {
                let d = p.delay(attempt);
                assert!(d >= n / 2 && d <= n, "attempt {attempt}: {d:?} vs {n:?}");
                seen.insert(d);
            }
        }
        assert!(seen.len() > 20, "jitter varies the delays");
    }
}
