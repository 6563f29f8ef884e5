//! `homeward demo`: three gateways on loopback, fed a generated world, syncing on their
//! schedules for a short while; then what moved, what was refused, and the hub's best
//! identification candidates with their reasons.
//!
//! - **state.demo**, a state agency: the world's NCIC extracts land in its drop folder (with a
//!   broken extract and a locate for a case it never had); its file-drop job imports them
//!   every two seconds and its push job sends what changed to the hub, on change.
//! - **hub.demo**, the national hub: clearinghouse and medical examiner XML in its own drop
//!   folder; it takes the state's pushes and pulls the partner's PFIF feed every two seconds.
//!   It starts a few seconds late, so the state's first pushes find it down and go through
//!   once it is up; a gateway it does not know tries to push to it and is refused.
//! - **intl.demo**, a partner abroad: the world's PFIF feeds in its drop folder, served to the
//!   hub as a PFIF feed.
//!
//! Everything runs in this process, on loopback, with real keys, mutual TLS, stores, jobs and
//! admin APIs — the same code as `homeward serve`.

mod nodes;
mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use homeward_adapters::Registry;
use homeward_crossmatch::{Config as MatchConfig, Engine, Relation};
use homeward_exchange::client::ExchangeClient;
use homeward_exchange::evidence::EvidenceLog;
use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::memory::MemoryEvidenceStorage;
use homeward_exchange::partners::{PartnerRegistry, SharedRegistry};
use homeward_exchange::payload::PayloadItem;
use homeward_schemas::{Kind, Record, Status};

use crate::config::Config;
use crate::operations::{Attached, attach};
use crate::service::{Gateway, Running};
pub use nodes::DEMO_TOKEN;
use nodes::{Node, Nodes};

/// How to run the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Where to put the world and the gateways (default: a temporary directory, removed).
    pub dir: Option<PathBuf>,
    /// People in the generated world.
    pub persons: usize,
    pub seed: u64,
    /// The longest the gateways sync before the report (they stop earlier once quiet).
    pub max_seconds: u64,
    /// How long the hub is down at the start.
    pub hub_delay: Duration,
    /// Identification candidates shown.
    pub top: usize,
    /// After the report, keep the three gateways (and their web consoles) running until
    /// SIGTERM or Ctrl-C.
    pub serve: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            dir: None,
            persons: 200,
            seed: 7,
            max_seconds: 40,
            hub_delay: Duration::from_secs(3),
            top: 5,
            serve: false,
        }
    }
}

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
    #[error("starting {id}: {message}")]
    Start { id: String, message: String },
}

impl DemoError {
    fn io(what: impl std::fmt::Display, source: std::io::Error) -> Self {
        DemoError::Io {
            what: what.to_string(),
            source,
        }
    }
}

/// A gateway of the demo, running.
pub struct Live {
    pub node: Node,
    pub running: Running,
    pub attached: Attached,
}

impl Live {
    async fn start(node: &Node) -> Result<Self, DemoError> {
        let err = |message: String| DemoError::Start {
            id: node.id.to_string(),
            message,
        };
        let config = Config::load(&node.config_path()).map_err(|e| err(e.to_string()))?;
        let mut running = Gateway::start(&config, &config.data_dir(None))
            .await
            .map_err(|e| err(e.to_string()))?;
        let attached = attach(&mut running, &config, Some(node.config_path()))
            .await
            .map_err(|e| err(e.to_string()))?;
        Ok(Self {
            node: node.clone(),
            running,
            attached,
        })
    }
}

/// What the demo found, for the report (and its test).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub seconds: f64,
    /// Records per gateway, by kind.
    pub records: BTreeMap<String, BTreeMap<String, u64>>,
    /// Identification candidates shown, with whether the world's truth agrees.
    pub candidates: Vec<(String, bool)>,
    pub refusals: usize,
}

/// Runs the demo, writing the report to `out`.
pub async fn run(
    opts: DemoOptions,
    out: &mut (dyn std::io::Write + Send),
) -> Result<Outcome, DemoError> {
    let t0 = Instant::now();
    let temp;
    let base: PathBuf = match &opts.dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| DemoError::io(d.display(), e))?;
            // absolute, so the configurations written there work from any directory
            std::fs::canonicalize(d).map_err(|e| DemoError::io(d.display(), e))?
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("homeward-demo-")
                .tempdir()
                .map_err(|e| DemoError::io("a temporary directory", e))?;
            temp.path().to_path_buf()
        }
    };
    let say = |out: &mut (dyn std::io::Write + Send), s: String| {
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    };
    say(
        out,
        format!(
            "Homeward demo: three gateways on loopback, in {}\n",
            base.display()
        ),
    );

    // 1. A world.
    let world = homeward_generate::generate(&homeward_generate::Config {
        persons: opts.persons,
        seed: opts.seed,
    });
    let world_dir = base.join("world");
    let written = homeward_generate::write(&world, &world_dir, &Registry::builtin())
        .map_err(|e| DemoError::Setup(format!("writing the world: {e}")))?;
    say(
        out,
        format!(
            "1. generated a world of {} people: {} files, {} records, {} transactions (seed {})",
            opts.persons, written.files, written.records, written.transactions, opts.seed
        ),
    );

    // 2. Three gateways with keys, partner registries and jobs.
    let nodes = Nodes::create(&base)?;
    let mut to = (0usize, 0usize, 0usize);
    for f in &world.files {
        let from = world_dir.join("wire").join(&f.file);
        let (inbox, n) = match f.format {
            "ncic" => (nodes.state.inbox(), &mut to.0),
            "pfif" => (nodes.intl.inbox(), &mut to.2),
            _ => (nodes.hub.inbox(), &mut to.1),
        };
        std::fs::copy(&from, inbox.join(&f.file)).map_err(|e| DemoError::io(from.display(), e))?;
        *n += 1;
    }
    // Web-console accounts on every gateway; the hub's investigator reads the notices of the
    // first medical examiner whose reports it takes.
    let examiner = world
        .files
        .iter()
        .find(|f| f.format == "xml" && f.sender.ends_with("-ME"))
        .map(|f| f.sender.clone());
    let mut consoles = Vec::new();
    for n in [&nodes.state, &nodes.hub, &nodes.intl] {
        let agency = (n.id == nodes.hub.id)
            .then_some(examiner.as_deref())
            .flatten();
        consoles.push((n.clone(), n.write_console_accounts(agency)?));
    }
    // An update that reaches the hub before the report it updates: refused and quarantined,
    // it goes through when reprocessed after the report has arrived.
    if let Some((file, update)) = early_update(&world) {
        let path = nodes.hub.inbox().join(file);
        std::fs::write(&path, update).map_err(|e| DemoError::io(path.display(), e))?;
    }
    // Two files the state should not take: a broken extract and a locate for a case it never had.
    let broken = nodes.state.inbox().join("ZZ-broken-extract.ncic");
    std::fs::write(&broken, "THIS IS NOT AN NCIC MESSAGE\nNEITHER IS THIS\n")
        .map_err(|e| DemoError::io(broken.display(), e))?;
    let stray = nodes.state.inbox().join("ZZ-locates.ncic");
    std::fs::write(
        &stray,
        "1N01HEADER.LM.TX0000000.NIC/M999999999.NAM/NOBODY, KNOWN.DOR/20260101\n",
    )
    .map_err(|e| DemoError::io(stray.display(), e))?;
    for n in [&nodes.state, &nodes.hub, &nodes.intl] {
        say(out, format!("   {:<11} {}", n.id, n.about));
    }
    say(
        out,
        format!(
            "   drop folders: {} NCIC extracts (+2 bad ones) at the state, {} XML files at the hub, {} PFIF feeds abroad",
            to.0, to.1, to.2
        ),
    );

    // 3. Start: the state and the partner abroad now, the hub a little later.
    let state = Live::start(&nodes.state).await?;
    let intl = Live::start(&nodes.intl).await?;
    say(
        out,
        format!(
            "2. started {} and {}; {} is down for {} s (the state's pushes wait and retry)",
            nodes.state.id,
            nodes.intl.id,
            nodes.hub.id,
            opts.hub_delay.as_secs()
        ),
    );
    tokio::time::sleep(opts.hub_delay).await;
    let hub = Live::start(&nodes.hub).await?;
    say(
        out,
        format!(
            "3. started {} (partner API on {}, admin API on {})",
            nodes.hub.id,
            hub.running.partner_addr(),
            hub.attached
                .admin_addr
                .map(|a| a.to_string())
                .unwrap_or_default()
        ),
    );
    // A gateway nobody registered tries to push to the hub.
    let stranger = stranger_push(&nodes.hub).await;
    say(
        out,
        format!("4. an unregistered gateway tried to push to the hub: {stranger}"),
    );

    // 4. Let them sync until quiet (or the time is up).
    let deadline = Instant::now() + Duration::from_secs(opts.max_seconds.max(5));
    let mut last_hub_seq = 0;
    let mut quiet_since = Instant::now();
    let mut emptied: Option<chrono::DateTime<chrono::Utc>> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let hub_seq = hub.running.store().last_seq().unwrap_or(0);
        if hub_seq != last_hub_seq {
            last_hub_seq = hub_seq;
            quiet_since = Instant::now();
        }
        let empty = inboxes_empty(&[&nodes.state, &nodes.hub, &nodes.intl]);
        if !empty {
            emptied = None;
        } else if emptied.is_none() {
            emptied = Some(chrono::Utc::now());
        }
        let settled = emptied.is_some_and(|t| pulled_since(&hub, t))
            && pushed_all(&state)
            && quiet_since.elapsed() > Duration::from_secs(2);
        if settled || Instant::now() > deadline {
            break;
        }
    }
    say(
        out,
        format!(
            "5. synced for {:.1} s; stopping the gateways\n",
            t0.elapsed().as_secs_f64()
        ),
    );

    // 5. The report.
    let truth: BTreeMap<String, u32> = world
        .truth
        .iter()
        .map(|t| (t.native_id.clone(), t.pid))
        .collect();
    let _ = &intl;
    let lives = [&state, &hub, &intl];
    let mut outcome = report::moved(out, &lives);
    outcome.refusals = report::refused(out, &lives);
    outcome.candidates = candidates(out, &hub, &truth, opts.top).await;
    say(out, "\nWEB CONSOLES".to_string());
    for (node, accounts) in &consoles {
        let live = lives.iter().find(|l| l.node.id == node.id);
        let addr = live
            .and_then(|l| l.attached.admin_addr)
            .map(|a| a.to_string())
            .unwrap_or_else(|| format!("127.0.0.1:{}", node.admin_port));
        let names: Vec<&str> = accounts.iter().map(|(n, _)| n.as_str()).collect();
        say(
            out,
            format!(
                "{:<11} http://{addr}/console/  users {} (passwords in {})",
                node.id,
                names.join(", "),
                node.passwords_file().display()
            ),
        );
    }
    if opts.serve {
        say(
            out,
            "\nThe gateways keep running with their consoles (serving until SIGTERM or Ctrl-C); \
             `homeward serve --config DIR/hub.demo/homeward.toml` serves one again later."
                .to_string(),
        );
        crate::service::signals::terminated().await;
    }
    for live in [state, hub, intl] {
        live.running.shutdown().await;
    }
    outcome.seconds = t0.elapsed().as_secs_f64();
    say(
        out,
        format!(
            "\nDone in {:.1} s. The gateways' directories (configurations, keys, stores, drop folders) were in {}{}.",
            outcome.seconds,
            base.display(),
            if opts.dir.is_some() { "" } else { " (removed)" }
        ),
    );
    Ok(outcome)
}

/// A modify report for the first missing person of the world's first clearinghouse XML file,
/// adding a public description, as its sender would write it (file name, document).
fn early_update(world: &homeward_generate::World) -> Option<(String, Vec<u8>)> {
    use homeward_adapters::WriteContext;
    use homeward_schemas::{Action, TargetRef, Text, TextKind, Transaction};
    let file = world
        .files
        .iter()
        .find(|f| f.format == "xml" && f.entries.iter().any(|r| r.kind == Kind::Missing))?;
    let record = file.entries.iter().find(|r| r.kind == Kind::Missing)?;
    let mut patch = record.clone();
    patch.texts.push(Text {
        kind: TextKind::Circumstances,
        lang: Some("en".into()),
        text: "Update from the family: last seen wearing a red jacket and a blue backpack.".into(),
    });
    let t = Transaction {
        target: TargetRef {
            kind: Some(record.kind),
            source: record.id.source.clone(),
            native_id: record.id.native_id.clone(),
            ..TargetRef::default()
        },
        action: Action::Modify {
            patch: Box::new(patch),
            full: true,
        },
        date: None,
        reason: None,
        source_updated_at: Some(chrono::Utc::now()),
        by: None,
        extra: Vec::new(),
    };
    let registry = Registry::builtin();
    let format = registry.get("xml")?;
    let mut w = format.writer(&WriteContext::new(&file.sender));
    let mut out = Vec::new();
    w.begin(&mut out).ok()?;
    w.transaction(&mut out, &t).ok()?;
    w.finish(&mut out).ok()?;
    Some(("AA-early-update.xml".to_string(), out))
}

fn inboxes_empty(nodes: &[&Node]) -> bool {
    nodes.iter().all(|n| {
        ["drop/inbox", "drop/processing"]
            .iter()
            .all(|d| std::fs::read_dir(n.root.join(d)).is_ok_and(|mut r| r.next().is_none()))
    })
}

/// The state's push cursor is at the end of its change feed.
fn pushed_all(state: &Live) -> bool {
    let store = state.running.store();
    let consumer = crate::federation::push::consumer_name("hub.demo");
    matches!((store.cursor(&consumer), store.last_seq()), (Ok(c), Ok(l)) if c == l && l > 0)
}

/// The hub pulled the partner's feed successfully after `t` (when every file was imported).
fn pulled_since(hub: &Live, t: chrono::DateTime<chrono::Utc>) -> bool {
    hub.attached
        .ops
        .job_views()
        .into_iter()
        .find(|j| j.id == "intl-pull")
        .filter(|j| j.last_outcome.as_ref().is_some_and(|o| o.ok))
        .and_then(|j| j.last_started)
        .is_some_and(|p| p > t)
}

/// A push to the hub from a gateway it has never heard of: refused in the TLS handshake.
async fn stranger_push(hub: &Node) -> String {
    let Ok(identity) = GatewayIdentity::generate("stranger.demo", 1) else {
        return "could not make its keys".into();
    };
    let Ok(registry) = PartnerRegistry::from_config(
        &[hub.as_partner(homeward_exchange::policy::PartnerRole::Hub)],
        Path::new("."),
    ) else {
        return "could not register the hub".into();
    };
    let Ok(evidence) = EvidenceLog::open(Arc::new(MemoryEvidenceStorage::new())) else {
        return "no evidence log".into();
    };
    let mut client = ExchangeClient::new(
        Arc::new(identity),
        SharedRegistry::new(registry),
        Arc::new(evidence),
        Arc::new(homeward_exchange::clock::SystemClock),
    );
    client.settings.retry.max_attempts = 1;
    let mut r = Record::new(Kind::Missing, "XX0000000", "M000000001");
    r.status = Status::Active;
    match client
        .push(hub.id, &[PayloadItem::Record(Box::new(r))])
        .await
    {
        Ok(_) => "accepted (it should not have been!)".into(),
        Err(e) => format!("refused ({e})"),
    }
}

/// The hub's best identification candidates, with reasons, checked against the truth.
async fn candidates(
    out: &mut (dyn std::io::Write + Send),
    hub: &Live,
    truth: &BTreeMap<String, u32>,
    top: usize,
) -> Vec<(String, bool)> {
    let store = hub.running.store().clone();
    let records: Vec<Record> = tokio::task::spawn_blocking(move || {
        store
            .records()
            .map(|it| it.filter_map(|r| r.ok()).collect())
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    let n_records = records.len();
    let (engine, matches) = tokio::task::spawn_blocking(move || {
        let engine = Engine::from_records(MatchConfig::default(), records);
        let m = engine.run();
        (engine, m)
    })
    .await
    .unwrap_or_else(|_| (Engine::new(MatchConfig::default()), Default::default()));
    let mut ids: Vec<_> = matches
        .identifications
        .iter()
        .filter(|c| c.relation == Relation::PossibleIdentification && c.rank == 1)
        .cloned()
        .collect();
    ids.sort_by(|a, b| b.score.total_cmp(&a.score));
    report::candidates(out, &engine, &ids, truth, top, n_records, &matches)
}
