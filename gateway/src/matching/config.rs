//! `[crossmatch]`: the change-feed consumer `homeward serve` runs.
//!
//! ```toml
//! [crossmatch]
//! enabled = true            # run the consumer under `homeward serve` (default)
//! top_k = 20                # identification candidates kept per unidentified/unclaimed record
//! batch = 500               # changes per durable batch
//! poll_interval_ms = 500    # how often the running consumer looks at the change feed
//! ```

use std::time::Duration;

use homeward_crossmatch::Config as EngineConfig;
use serde::Deserialize;

use super::Settings;
use crate::config::Config;
use crate::config::check::{CheckContext, Problems};

/// `[crossmatch]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrossmatchSection {
    /// Whether `homeward serve` runs the consumer (true).
    pub enabled: bool,
    /// Identification candidates kept per unidentified or unclaimed record (20).
    pub top_k: usize,
    /// Changes read per batch, each batch one durable write (500).
    pub batch: usize,
    /// How often the running consumer looks at the change feed, in milliseconds (500).
    pub poll_interval_ms: u64,
}

impl Default for CrossmatchSection {
    fn default() -> Self {
        let s = Settings::default();
        Self {
            enabled: true,
            top_k: s.engine.top_k,
            batch: s.batch,
            poll_interval_ms: s.poll.as_millis() as u64,
        }
    }
}

impl CrossmatchSection {
    /// The consumer's settings.
    pub fn settings(&self) -> Settings {
        Settings {
            engine: EngineConfig {
                top_k: self.top_k.max(1),
                ..EngineConfig::default()
            },
            batch: self.batch.max(1),
            poll: Duration::from_millis(self.poll_interval_ms.max(1)),
        }
    }
}

/// The problems of `[crossmatch]`.
pub fn check(cfg: &Config, _ctx: &CheckContext, p: &mut Problems) {
    let c = &cfg.crossmatch;
    for (key, v) in [
        ("top_k", c.top_k as u64),
        ("batch", c.batch as u64),
        ("poll_interval_ms", c.poll_interval_ms),
    ] {
        if v == 0 {
            p.error(format!("crossmatch.{key}"), "must be at least 1", None);
        }
    }
}
