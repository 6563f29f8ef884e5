//! `homeward bench exchange`: N partners push signed batches to one gateway over mutual TLS on
//! loopback for a fixed time.
//!
//! The gateway is a `homeward serve` child process of this binary with its own store (sled or
//! redb) in a temporary directory, N partners registered; the partners are clients in this
//! process, each with its own keys and certificate, each pushing one batch after another (a
//! fresh exchange id each, records that are new to the gateway). Reported: exchanges/s,
//! records/s, latency percentiles of a push (sign, send, verify, commit, receipt, verify),
//! errors, the gateway's peak resident memory (`VmHWM` of the child) and CPU time. Then, with
//! the gateway stopped, every exchange is checked against its store and evidence log: an
//! exchange that got a receipt must have every record stored and a `push_received` entry; one
//! that did not must have neither. Exits 1 when the check fails.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Args;
use homeward_exchange::client::ExchangeClient;
use homeward_exchange::clock::SystemClock;
use homeward_exchange::envelope::CANONICAL_FORMAT;
use homeward_exchange::evidence::{EntryKind, EvidenceLog};
use homeward_exchange::fixtures::typical_records;
use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::memory::MemoryEvidenceStorage;
use homeward_exchange::partners::{PartnerConfig, PartnerRegistry, PartnersFile, SharedRegistry};
use homeward_exchange::payload::{PayloadItem, encode_canonical};
use homeward_exchange::policy::PartnerRole;
use homeward_schemas::RecordId;
use homeward_store::{EngineKind, Store};

use super::CliError;

const HUB: &str = "hub.bench";

#[derive(Debug, Args)]
pub struct ExchangeBench {
    /// Partners pushing at once.
    #[arg(long, default_value_t = 4)]
    pub partners: usize,
    /// How long they push, in seconds.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Records per exchange.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// The gateway's store engine: sled or redb.
    #[arg(long, default_value = "sled")]
    pub engine: String,
}

/// How one push ended.
struct Push {
    exchange_id: String,
    ids: Vec<RecordId>,
    latency: Duration,
    /// Records the receipt accepted; `None` when there was no receipt.
    accepted: Option<usize>,
    error: Option<String>,
}

fn failed(context: &str, e: impl std::fmt::Display) -> CliError {
    CliError::failed(context.to_string(), e.to_string())
}

fn identity(dir: &Path, id: &str, endpoint: &str) -> Result<PartnerConfig, CliError> {
    let identity = GatewayIdentity::generate(id, 30).map_err(|e| failed("keys", e))?;
    identity
        .save_dir(dir, endpoint, false)
        .map_err(|e| failed("keys", e))?;
    let file: PartnersFile =
        toml::from_str(&identity.partner_entry(endpoint)).map_err(|e| failed("keys", e))?;
    file.partners
        .into_iter()
        .next()
        .ok_or_else(|| failed("keys", "no partner entry"))
}

fn free_port() -> Result<u16, CliError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| CliError::io("127.0.0.1:0", e))
}

/// `VmHWM` and CPU time (user + system) of process `pid`, from `/proc`.
fn proc_figures(pid: u32) -> (Option<f64>, Option<Duration>) {
    let hwm = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM"))?.to_string();
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb / 1024.0)
        });
    let cpu = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let f: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
            let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
            Some(Duration::from_millis(ticks * 10))
        });
    (hwm, cpu)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn run(a: ExchangeBench) -> Result<ExitCode, CliError> {
    let engine = EngineKind::ALL
        .into_iter()
        .find(|e| e.as_str() == a.engine)
        .ok_or_else(|| failed("--engine", format!("`{}`: sled or redb", a.engine)))?;
    if a.partners == 0 || a.batch == 0 {
        return Err(failed(
            "bench exchange",
            "--partners and --batch must be at least 1",
        ));
    }
    let dir = std::env::temp_dir().join(format!("homeward-bench-exchange-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io(dir.display(), e))?;
    let result = measure(&a, engine, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure(a: &ExchangeBench, engine: EngineKind, dir: &Path) -> Result<ExitCode, CliError> {
    // the gateway and its partners
    let port = free_port()?;
    let hub_endpoint = format!("https://127.0.0.1:{port}");
    let hub_dir = dir.join("hub");
    let hub_entry = identity(&hub_dir.join("keys"), HUB, &hub_endpoint)?;
    let mut partners = Vec::new();
    let mut registered = Vec::new();
    for p in 0..a.partners {
        let id = format!("partner{p}.bench");
        let pdir = dir.join(&id);
        let mut entry = identity(&pdir.join("keys"), &id, "https://127.0.0.1:9")?;
        entry.role = PartnerRole::LawEnforcement;
        registered.push(entry);
        let ident =
            GatewayIdentity::load_dir(&id, &pdir.join("keys")).map_err(|e| failed("keys", e))?;
        partners.push((format!("TX{p:03}0000"), ident));
    }
    let data = hub_dir.join("data");
    let registry_text = toml::to_string(&PartnersFile {
        partners: registered,
    })
    .map_err(|e| failed("config", e))?;
    let config = hub_dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[gateway]\nid = \"{HUB}\"\n[listen]\npartners = \"127.0.0.1:{port}\"\n\
             [identity]\ndir = \"keys\"\n[store]\nengine = \"{}\"\npath = \"{}\"\n\
             [federation]\nexpire_interval_ms = 0\n{registry_text}",
            engine.as_str(),
            data.display()
        ),
    )
    .map_err(|e| CliError::io(config.display(), e))?;
    let exe = std::env::current_exe().map_err(|e| CliError::io("current executable", e))?;
    let mut child = Command::new(exe)
        .args(["serve", "--config"])
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CliError::io("homeward serve", e))?;
    let pid = child.id();
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| failed("homeward serve", "no stderr"))?;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let started = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_secs(60).saturating_sub(started.elapsed())) {
            Ok(l) if l.contains("serving partners on") => break,
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                return Err(failed("homeward serve", "did not start within 60 s"));
            }
        }
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("tokio runtime", e))?;
    let (_, cpu_before) = proc_figures(pid);
    let wall = Instant::now();
    let pushes = rt.block_on(push_for(a, &hub_entry, partners));
    let wall = wall.elapsed();
    let (peak_mib, cpu_after) = proc_figures(pid);
    let gateway_cpu = match (cpu_before, cpu_after) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b)),
        _ => None,
    };
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    let pushes = pushes?;

    // figures
    let ok: Vec<&Push> = pushes.iter().filter(|p| p.accepted.is_some()).collect();
    let records: usize = ok.iter().filter_map(|p| p.accepted).sum();
    let errors = pushes.len() - ok.len();
    let mut lat: Vec<f64> = ok
        .iter()
        .map(|p| p.latency.as_secs_f64() * 1000.0)
        .collect();
    lat.sort_by(f64::total_cmp);
    let secs = wall.as_secs_f64();
    println!(
        "bench exchange: {} partners, {} records an exchange, {} s, {} store (partners: one tokio runtime, a worker per core)",
        a.partners,
        a.batch,
        a.seconds,
        engine.as_str()
    );
    println!("exchanges with a receipt   {:>10}", ok.len());
    println!(
        "exchanges/s                {:>10.1}",
        ok.len() as f64 / secs
    );
    println!("records/s                  {:>10.0}", records as f64 / secs);
    println!(
        "latency p50 / p99 / max    {:>7.0} / {:.0} / {:.0} ms",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );
    println!("errors                     {:>10}", errors);
    for p in pushes.iter().filter(|p| p.error.is_some()).take(5) {
        println!("  {}: {}", p.exchange_id, p.error.as_deref().unwrap_or(""));
    }
    if let Some(m) = peak_mib {
        println!("gateway peak memory        {:>7.0} MiB (VmHWM)", m);
    }
    if let Some(c) = gateway_cpu {
        println!(
            "gateway CPU                {:>7.1} s ({:.0}% of one core)",
            c.as_secs_f64(),
            100.0 * c.as_secs_f64() / secs
        );
    }

    // every exchange with a receipt is in the store and the evidence log; none without one is
    let store = Arc::new(Store::open(&data, engine).map_err(|e| failed("store", e))?);
    let log = EvidenceLog::open(Arc::new(crate::federation::backend::StoreBackend::new(
        store.clone(),
    )))
    .map_err(|e| failed("evidence log", e))?;
    let received: std::collections::HashSet<String> = log
        .all()
        .map_err(|e| failed("evidence log", e))?
        .into_iter()
        .filter(|e| e.kind == EntryKind::PushReceived)
        .map(|e| e.exchange_id)
        .collect();
    let (mut missing_records, mut missing_evidence, mut unacked_present) = (0usize, 0usize, 0usize);
    for p in &pushes {
        let present = p
            .ids
            .iter()
            .filter(|id| matches!(store.get(id), Ok(Some(_))))
            .count();
        if p.accepted.is_some() {
            missing_records += p.ids.len() - present;
            if !received.contains(&p.exchange_id) {
                missing_evidence += 1;
            }
        } else if present > 0 || received.contains(&p.exchange_id) {
            unacked_present += 1;
        }
    }
    let stored = store.stats().map_err(|e| failed("store", e))?.records;
    println!(
        "check: {stored} records stored ({records} acknowledged); acknowledged records missing {missing_records}, acknowledged exchanges not in the evidence log {missing_evidence}, exchanges without a receipt found in the store or log {unacked_present}"
    );
    let good = missing_records == 0
        && missing_evidence == 0
        && unacked_present == 0
        && stored == records as u64;
    println!("check: {}", if good { "ok" } else { "FAILED" });
    Ok(if good {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn push_for(
    a: &ExchangeBench,
    hub: &PartnerConfig,
    partners: Vec<(String, GatewayIdentity)>,
) -> Result<Vec<Push>, CliError> {
    let registry = PartnerRegistry::from_config(std::slice::from_ref(hub), Path::new("."))
        .map_err(|e| failed("registry", format!("{e:?}")))?;
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for (source, ident) in partners {
        let log = EvidenceLog::open(Arc::new(MemoryEvidenceStorage::new()))
            .map_err(|e| failed("evidence log", e))?;
        let client = ExchangeClient::new(
            Arc::new(ident),
            SharedRegistry::new(registry.clone()),
            Arc::new(log),
            Arc::new(SystemClock),
        );
        let n = a.batch;
        let base = typical_records(&source, n);
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            let mut b = 0usize;
            while Instant::now() < deadline {
                let mut ids = Vec::with_capacity(n);
                let items: Vec<PayloadItem> = base
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut r = r.clone();
                        r.id = RecordId::new(&source, format!("B{b:06}N{i:05}"));
                        ids.push(r.id.clone());
                        PayloadItem::Record(Box::new(r))
                    })
                    .collect();
                b += 1;
                let xid = match homeward_exchange::clock::new_exchange_id() {
                    Ok(x) => x,
                    Err(e) => return Err(failed("exchange id", e)),
                };
                let payload = match encode_canonical(&items) {
                    Ok(p) => Bytes::from(p),
                    Err(e) => return Err(failed("payload", e)),
                };
                let t = Instant::now();
                let r = client
                    .push_payload(HUB, CANONICAL_FORMAT, payload, Some(n), Some(xid.clone()))
                    .await;
                let latency = t.elapsed();
                out.push(match r {
                    Ok(p) => Push {
                        exchange_id: xid,
                        ids,
                        latency,
                        accepted: Some(p.receipt.body.accepted()),
                        error: None,
                    },
                    Err(e) => Push {
                        exchange_id: xid,
                        ids,
                        latency,
                        accepted: None,
                        error: Some(e.to_string()),
                    },
                });
            }
            Ok(out)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| failed("partner task", e))??);
    }
    Ok(all)
}
