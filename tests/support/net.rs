//! What `tests/faults.rs` and `tests/security.rs` share: gateways on loopback with keys made in
//! process, real sled stores, real mutual TLS, and `homeward serve` as a child process.

// Helpers outside `#[test]` functions unwrap too: a failure there is a test failure. Each test
// file uses a different part of this module.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use homeward_exchange::client::ExchangeClient;
use homeward_exchange::clock::{Clock, SystemClock};
use homeward_exchange::evidence::{EvidenceEntry, EvidenceLog};
use homeward_exchange::fixtures::typical_records;
use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::memory::MemoryEvidenceStorage;
use homeward_exchange::partners::{PartnerConfig, PartnerRegistry, PartnersFile, SharedRegistry};
use homeward_exchange::payload::PayloadItem;
use homeward_exchange::policy::PartnerRole;
use homeward_gateway::config::Config;
use homeward_gateway::service::{Gateway, Running};
use homeward_ops::RetryPolicy;
use homeward_schemas::{Record, RecordId};

pub const STATE: &str = "state.example";
pub const HUB: &str = "hub.example";
pub const COUNTY: &str = "county.example";

pub fn homeward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .output()
        .unwrap()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One gateway's directory, keys and partner entry.
pub struct Node {
    pub id: &'static str,
    pub root: PathBuf,
    pub port: u16,
    /// Its partner entry, as partners register it.
    pub entry: PartnerConfig,
}

impl Node {
    /// Keys generated in process (the same files `homeward keys generate` writes).
    pub fn new(base: &Path, id: &'static str) -> Self {
        Self::with_identity(base, id, GatewayIdentity::generate(id, 30).unwrap())
    }

    /// A node whose keys are `identity` (e.g. with an expired TLS certificate).
    pub fn with_identity(base: &Path, id: &'static str, identity: GatewayIdentity) -> Self {
        let root = base.join(id);
        let port = free_port();
        let endpoint = format!("https://127.0.0.1:{port}");
        identity
            .save_dir(&root.join("keys"), &endpoint, false)
            .unwrap();
        let mut file: PartnersFile = toml::from_str(&identity.partner_entry(&endpoint)).unwrap();
        Self {
            id,
            root,
            port,
            entry: file.partners.remove(0),
        }
    }

    pub fn keys(&self) -> PathBuf {
        self.root.join("keys")
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join("gateway.toml")
    }

    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    pub fn identity(&self) -> GatewayIdentity {
        GatewayIdentity::load_dir(self.id, &self.keys()).unwrap()
    }

    pub fn as_partner(&self, role: PartnerRole) -> PartnerConfig {
        let mut p = self.entry.clone();
        p.role = role;
        p
    }

    /// Writes `gateway.toml`: this node's id, port, keys and store (`data_dir`, default
    /// `data/`), `extra` sections, and `partners`.
    pub fn write_config_at(&self, partners: Vec<PartnerConfig>, extra: &str, data_dir: &Path) {
        let partners = toml::to_string(&PartnersFile { partners }).unwrap();
        let text = format!(
            "[gateway]\nid = \"{id}\"\nname = \"{id} (test)\"\n\n\
             [listen]\npartners = \"127.0.0.1:{port}\"\n\n\
             [identity]\ndir = \"keys\"\n\n\
             [store]\npath = \"{data}\"\n\n\
             {extra}\n\n{partners}",
            id = self.id,
            port = self.port,
            data = data_dir.display(),
        );
        std::fs::write(self.config_path(), text).unwrap();
    }

    pub fn write_config(&self, partners: Vec<PartnerConfig>, extra: &str) {
        self.write_config_at(partners, extra, &self.data());
    }

    pub fn config(&self) -> Config {
        Config::load(&self.config_path()).unwrap()
    }

    /// Starts the gateway in this process.
    pub async fn start(&self) -> Running {
        let config = self.config();
        Gateway::start(&config, &config.data_dir(None))
            .await
            .unwrap()
    }

    /// Starts it with another clock.
    pub async fn start_with_clock(&self, clock: Arc<dyn Clock>) -> Running {
        let config = self.config();
        Gateway::start_with_clock(&config, &config.data_dir(None), clock)
            .await
            .unwrap()
    }

    /// `homeward serve --config` as a child process, once it says it is serving.
    pub fn serve(&self) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_homeward"))
            .args(["serve", "--config", self.config_path().to_str().unwrap()])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.contains("serving partners on") => break,
                Ok(line) => seen.push(line),
                Err(_) => panic!("serve did not start: {seen:?}"),
            }
        }
        Served { child, lines: rx }
    }

    /// `homeward log verify` on its store (the gateway stopped).
    pub fn log_verify(&self, data_dir: Option<&Path>) -> Output {
        let config = self.config_path();
        let mut args = vec!["log", "verify", "--config", config.to_str().unwrap()];
        let d;
        if let Some(dir) = data_dir {
            d = dir.display().to_string();
            args.extend(["--data-dir", d.as_str()]);
        }
        homeward(&args)
    }
}

/// A `homeward serve` child. Killed (SIGKILL) when dropped, if still running.
pub struct Served {
    pub child: Child,
    pub lines: Receiver<String>,
}

impl Served {
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill9(mut self) {
        self.signal("-KILL");
        let _ = self.child.wait();
    }

    /// SIGTERM; returns whether it exited cleanly, and its last lines.
    pub fn stop(mut self) -> (bool, Vec<String>) {
        self.signal("-TERM");
        let ok = self.child.wait().unwrap().success();
        (ok, self.lines.try_iter().collect())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A client speaking as `identity` to `to`, with its own (memory) evidence log, retrying
/// under `retry`.
pub fn client_as(identity: GatewayIdentity, to: &Node, retry: RetryPolicy) -> ExchangeClient {
    client_with_clock(identity, to, retry, Arc::new(SystemClock))
}

pub fn client_with_clock(
    identity: GatewayIdentity,
    to: &Node,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
) -> ExchangeClient {
    let registry =
        PartnerRegistry::from_config(std::slice::from_ref(&to.entry), Path::new(".")).unwrap();
    let log = EvidenceLog::open(Arc::new(MemoryEvidenceStorage::new())).unwrap();
    let mut c = ExchangeClient::new(
        Arc::new(identity),
        SharedRegistry::new(registry),
        Arc::new(log),
        clock,
    );
    c.settings.retry = retry;
    c
}

/// Retries quick enough for a test: `attempts`, from 50 ms, at most 500 ms apart.
pub fn quick_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_delay_ms: 50,
        max_delay_ms: 500,
        multiplier: 2.0,
        jitter: 0.0,
    }
}

/// `n` typical missing-person records of `source`, batch `batch` (ids unique per batch).
pub fn batch(source: &str, batch: usize, n: usize) -> Vec<Record> {
    typical_records(source, n)
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.id = RecordId::new(source, format!("B{batch:05}N{i:05}"));
            r
        })
        .collect()
}

pub fn items(records: &[Record]) -> Vec<PayloadItem> {
    records
        .iter()
        .map(|r| PayloadItem::Record(Box::new(r.clone())))
        .collect()
}

pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub fn entries_since(r: &Running, from: u64) -> Vec<EvidenceEntry> {
    r.federation().evidence.entries(from, usize::MAX).unwrap()
}

/// What must not change when an exchange is refused: records, change feed, quarantine.
pub fn footprint(s: &homeward_store::Store) -> (u64, u64, usize) {
    (
        s.stats().unwrap().records,
        s.last_seq().unwrap(),
        s.quarantine_list().unwrap().len(),
    )
}
