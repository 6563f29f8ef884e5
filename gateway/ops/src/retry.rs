//! Retries with exponential backoff and jitter, up to a maximum.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How a job retries one failing item before giving up on it (and quarantining it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Delay before the first retry, in milliseconds.
    #[serde(default = "default_initial")]
    pub initial_delay_ms: u64,
    /// Longest delay between attempts, in milliseconds.
    #[serde(default = "default_max_delay")]
    pub max_delay_ms: u64,
    /// Each delay is the previous one times this.
    #[serde(default = "default_multiplier")]
    pub multiplier: f64,
    /// Fraction of each delay drawn at random (0 = none, 1 = anywhere from 0 to the delay):
    /// partners that failed together do not retry together.
    #[serde(default = "default_jitter")]
    pub jitter: f64,
}

fn default_attempts() -> u32 {
    5
}
fn default_initial() -> u64 {
    500
}
fn default_max_delay() -> u64 {
    60_000
}
fn default_multiplier() -> f64 {
    2.0
}
fn default_jitter() -> f64 {
    0.5
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: default_attempts(),
            initial_delay_ms: default_initial(),
            max_delay_ms: default_max_delay(),
            multiplier: default_multiplier(),
            jitter: default_jitter(),
        }
    }
}

/// What is wrong with a retry policy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RetryPolicyError {
    #[error("max_attempts must be at least 1")]
    NoAttempts,
    #[error("multiplier must be at least 1 (got {0})")]
    Multiplier(f64),
    #[error("jitter must be between 0 and 1 (got {0})")]
    Jitter(f64),
    #[error("max_delay_ms ({max}) is below initial_delay_ms ({initial})")]
    Delays { initial: u64, max: u64 },
}

impl RetryPolicy {
    pub fn validate(&self) -> Result<(), RetryPolicyError> {
        if self.max_attempts == 0 {
            return Err(RetryPolicyError::NoAttempts);
        }
        if !(self.multiplier >= 1.0 && self.multiplier.is_finite()) {
            return Err(RetryPolicyError::Multiplier(self.multiplier));
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(RetryPolicyError::Jitter(self.jitter));
        }
        if self.max_delay_ms < self.initial_delay_ms {
            return Err(RetryPolicyError::Delays {
                initial: self.initial_delay_ms,
                max: self.max_delay_ms,
            });
        }
        Ok(())
    }

    /// The delay before attempt `attempt` (2 = the first retry), before jitter.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(2).min(64) as i32;
        let ms = (self.initial_delay_ms as f64) * self.multiplier.powi(exp);
        Duration::from_millis(ms.min(self.max_delay_ms as f64) as u64)
    }

    /// The delay before attempt `attempt`, with jitter drawn from `rng` (a value in [0, 1)).
    pub fn delay(&self, attempt: u32, rng: f64) -> Duration {
        let base = self.base_delay(attempt).as_millis() as f64;
        let jittered = base * (1.0 - self.jitter * rng.clamp(0.0, 1.0));
        Duration::from_millis(jittered as u64)
    }

    /// Whether another attempt may follow attempt `attempt`.
    pub fn may_retry(&self, attempt: u32) -> bool {
        attempt < self.max_attempts
    }
}

/// Runs `op` until it succeeds, fails permanently, or the attempts are used up; sleeps the
/// policy's delays between attempts. Returns the last error and the attempts made.
pub async fn retry<T, E, F, Fut>(policy: &RetryPolicy, mut op: F) -> Result<T, (E, u32)>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<T, Attempt<E>>>,
{
    let mut attempt = 1;
    loop {
        match op(attempt).await {
            Ok(v) => return Ok(v),
            Err(Attempt::Permanent(e)) => return Err((e, attempt)),
            Err(Attempt::Retriable(e)) => {
                if !policy.may_retry(attempt) {
                    return Err((e, attempt));
                }
                attempt += 1;
                tokio::time::sleep(policy.delay(attempt, fastrand::f64())).await;
            }
        }
    }
}

/// How one attempt failed.
#[derive(Debug)]
pub enum Attempt<E> {
    /// Worth trying again (a 5xx, a timeout, a refused connection).
    Retriable(E),
    /// Trying again cannot help (a 4xx, a rejected record).
    Permanent(E),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_delay_ms: 100,
            max_delay_ms: 1000,
            multiplier: 2.0,
            jitter: 0.0,
        };
        let ms: Vec<u128> = (2..=7).map(|a| p.delay(a, 0.7).as_millis()).collect();
        assert_eq!(ms, vec![100, 200, 400, 800, 1000, 1000]);
        assert!(p.may_retry(9));
        assert!(!p.may_retry(10));
    }

    #[test]
    fn jitter_stays_within_the_delay() {
        let p = RetryPolicy {
            jitter: 0.5,
            ..RetryPolicy::default()
        };
        for i in 0..100 {
            let d = p.delay(3, f64::from(i) / 100.0).as_millis();
            assert!((500..=1000).contains(&d), "{d}");
        }
        assert!(
            RetryPolicy {
                jitter: 1.5,
                ..RetryPolicy::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            RetryPolicy {
                max_attempts: 0,
                ..RetryPolicy::default()
            }
            .validate()
            .is_err()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retries_until_success_or_the_maximum() {
        let p = RetryPolicy {
            max_attempts: 3,
            initial_delay_ms: 10,
            max_delay_ms: 100,
            multiplier: 2.0,
            jitter: 0.0,
        };
        let r: Result<u32, (String, u32)> = retry(&p, |a| async move {
            if a < 3 {
                Err(Attempt::Retriable(format!("try {a}")))
            } else {
                Ok(a)
            }
        })
        .await;
        assert_eq!(r, Ok(3));
        let r: Result<u32, (String, u32)> = retry(&p, |a| async move {
            Err(Attempt::Retriable(format!("try {a}")))
        })
        .await;
        assert_eq!(r, Err(("try 3".to_string(), 3)));
        let r: Result<u32, (String, u32)> =
            retry(
                &p,
                |_| async move { Err(Attempt::Permanent("no".to_string())) },
            )
            .await;
        assert_eq!(r, Err(("no".to_string(), 1)));
    }
}
