//! The configuration sections of the running gateway: `[gateway]`, `[listen]`, `[identity]`,
//! `[exchange]` and `[federation]` (partners are `[[partners]]`, the exchange crate's
//! registry entries). See `docs/federation.md`, "Running a gateway".
//!
//! ```toml
//! [gateway]
//! id = "hub.example.org"          # as partners register it (letters, digits, . _ : -)
//! name = "National hub"
//!
//! [listen]
//! partners = "0.0.0.0:8443"       # the partner API (mutual TLS)
//!
//! [identity]
//! dir = "keys"                    # what `homeward keys generate` wrote (relative: to this file)
//! previous_keys = []              # base64 public keys signed with before (log verify)
//!
//! [exchange]
//! max_clock_skew_secs = 300
//! max_body_bytes = 67108864
//!
//! [federation]
//! push_to = ["hub.example.org"]   # partners sent what changes here
//! poll_interval_ms = 1000
//! [[federation.pull]]
//! partner = "intl.example.org"
//! feed = "changes"                # or "pfif"
//! interval_ms = 60000
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::TimeDelta;
use homeward_exchange::client::ClientSettings;
use homeward_exchange::server::ServerLimits;
use homeward_ops::RetryPolicy;
use serde::Deserialize;

/// `[gateway]`: who this gateway is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    /// The gateway id partners register (the `sender` of its envelopes).
    pub id: String,
    /// A human-readable name (logs, status).
    #[serde(default)]
    pub name: Option<String>,
}

/// `[listen]`: where the gateway listens.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenSection {
    /// The partner API (HTTPS with mutual TLS), `address:port`.
    pub partners: SocketAddr,
}

/// `[identity]`: this gateway's keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySection {
    /// The directory `homeward keys generate` wrote: `signing.key`, `signing.pub`, `tls.key`,
    /// `tls.crt`. Relative paths are relative to the configuration file. Default `keys`.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Public keys (standard base64) this gateway signed with before a rotation, so its own
    /// evidence log still verifies.
    #[serde(default)]
    pub previous_keys: Vec<String>,
}

/// `[exchange]`: protocol limits and client behaviour.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeSection {
    /// Freshness window of envelopes, either way, in seconds (300).
    pub max_clock_skew_secs: u64,
    /// Largest request body the partner API accepts (64 MiB).
    pub max_body_bytes: usize,
    /// Most changes per page served (1,000).
    pub page_limit: usize,
    /// Longest a request to the partner API may take, in seconds (60).
    pub request_timeout_secs: u64,
    /// Longest a TLS handshake may take, in seconds (10).
    pub handshake_timeout_secs: u64,
    /// How long shutdown waits for exchanges in flight, in seconds (30).
    pub shutdown_grace_secs: u64,
    /// Connecting to a partner, in seconds (10).
    pub connect_timeout_secs: u64,
    /// A whole request to a partner, answer included, in seconds (120).
    pub client_timeout_secs: u64,
    /// Retries of pushes and pulls (5 attempts from 200 ms, doubling, up to 30 s, jitter 0.5).
    pub retry: RetryPolicy,
}

impl Default for ExchangeSection {
    fn default() -> Self {
        let s = ServerLimits::default();
        let c = ClientSettings::default();
        Self {
            max_clock_skew_secs: s.max_clock_skew.num_seconds().unsigned_abs(),
            max_body_bytes: s.max_body_bytes,
            page_limit: s.page_limit,
            request_timeout_secs: s.request_timeout.as_secs(),
            handshake_timeout_secs: s.handshake_timeout.as_secs(),
            shutdown_grace_secs: s.shutdown_grace.as_secs(),
            connect_timeout_secs: c.connect_timeout.as_secs(),
            client_timeout_secs: c.request_timeout.as_secs(),
            retry: c.retry,
        }
    }
}

impl ExchangeSection {
    /// Checks the values; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("max_clock_skew_secs", self.max_clock_skew_secs),
            ("max_body_bytes", self.max_body_bytes as u64),
            ("page_limit", self.page_limit as u64),
            ("request_timeout_secs", self.request_timeout_secs),
            ("handshake_timeout_secs", self.handshake_timeout_secs),
            ("connect_timeout_secs", self.connect_timeout_secs),
            ("client_timeout_secs", self.client_timeout_secs),
        ];
        for (k, v) in positive {
            if v == 0 {
                return Err(format!("[exchange] {k} must be at least 1"));
            }
        }
        if self.max_clock_skew_secs > 86_400 {
            return Err("[exchange] max_clock_skew_secs is at most 86400 (a day)".into());
        }
        self.retry
            .validate()
            .map_err(|e| format!("[exchange.retry] {e}"))
    }

    /// The partner API's limits.
    pub fn server_limits(&self) -> ServerLimits {
        ServerLimits {
            max_body_bytes: self.max_body_bytes,
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            handshake_timeout: Duration::from_secs(self.handshake_timeout_secs),
            header_read_timeout: ServerLimits::default().header_read_timeout,
            max_clock_skew: TimeDelta::seconds(self.max_clock_skew_secs as i64),
            page_limit: self.page_limit,
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
        }
    }

    /// The client's settings.
    pub fn client_settings(&self) -> ClientSettings {
        ClientSettings {
            retry: self.retry,
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            request_timeout: Duration::from_secs(self.client_timeout_secs),
            max_response_bytes: self.max_body_bytes,
            max_clock_skew: TimeDelta::seconds(self.max_clock_skew_secs as i64),
        }
    }
}

/// `[federation]`: what the gateway pushes and pulls on its own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationSection {
    /// Partners sent what changes in the store (through their sharing policy).
    pub push_to: Vec<String>,
    /// How often the change feed is checked for something to push, in ms (1,000); a push
    /// also starts at once when the service is told of a local change.
    pub poll_interval_ms: u64,
    /// Changes of the feed per push (1,000).
    pub push_batch: usize,
    /// How long a pusher waits after a refusal (4xx) before trying again, in ms (60,000).
    pub refused_backoff_ms: u64,
    /// How often records whose `expiry_date` has passed are expired (their personal data
    /// removed, the expiry sent to every partner that had them), in ms (3,600,000; 0: never).
    pub expire_interval_ms: u64,
    /// Pulls from partners.
    pub pull: Vec<PullSection>,
}

impl Default for FederationSection {
    fn default() -> Self {
        Self {
            push_to: Vec::new(),
            poll_interval_ms: 1000,
            push_batch: 1000,
            refused_backoff_ms: 60_000,
            expire_interval_ms: 3_600_000,
            pull: Vec::new(),
        }
    }
}

/// One `[[federation.pull]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullSection {
    pub partner: String,
    /// `changes` (signed pages, canonical records) or `pfif` (the PFIF feed).
    #[serde(default)]
    pub feed: PullFeed,
    /// How often, in ms (60,000).
    #[serde(default = "default_pull_interval")]
    pub interval_ms: u64,
}

fn default_pull_interval() -> u64 {
    60_000
}

/// Which feed of a partner is pulled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PullFeed {
    /// `GET /v1/changes`: signed pages of canonical records and transactions.
    #[default]
    Changes,
    /// `GET /v1/pfif/person?min_entry_date=`: a PFIF 1.4 Atom feed.
    Pfif,
}

impl PullFeed {
    pub fn as_str(self) -> &'static str {
        match self {
            PullFeed::Changes => "changes",
            PullFeed::Pfif => "pfif",
        }
    }
}

impl FederationSection {
    /// Checks the values and that every partner named is in `partners`.
    pub fn validate(&self, partners: &[&str]) -> Result<(), String> {
        for (i, p) in self.push_to.iter().enumerate() {
            if !partners.contains(&p.as_str()) {
                return Err(format!(
                    "[federation] push_to[{i}]: `{p}` is not a [[partners]] id"
                ));
            }
        }
        for (i, p) in self.pull.iter().enumerate() {
            if !partners.contains(&p.partner.as_str()) {
                return Err(format!(
                    "[[federation.pull]] {i}: partner `{}` is not a [[partners]] id",
                    p.partner
                ));
            }
            if p.interval_ms == 0 {
                return Err(format!(
                    "[[federation.pull]] {i}: interval_ms must be at least 1"
                ));
            }
        }
        if self.poll_interval_ms == 0 || self.push_batch == 0 {
            return Err("[federation] poll_interval_ms and push_batch must be at least 1".into());
        }
        Ok(())
    }
}
