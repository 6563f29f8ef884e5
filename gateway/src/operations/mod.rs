//! The operations layer of a running gateway: the jobs, the admin API's state, the audit log,
//! metrics, partner activity, and reloading the configuration without a restart.
//!
//! The service (`homeward serve`) starts it on its store with [`Operations::start`], serves
//! the admin API with [`crate::admin::start`] when `[admin]` is configured, and calls
//! [`Operations::shutdown`] when it stops. Tests and the demo start it the same way.
//!
//! **Reload** ([`Operations::reload`], `POST /v1/reload`): the configuration file is read and
//! checked as `homeward config check` does; a file with any error is refused whole (the
//! problems are answered) and the running configuration stays. Settings that need a restart
//! (the store, the admin listener) refuse the reload too, saying so. Otherwise the formats
//! (layouts), the admin tokens, the jobs and — through the reload hooks — the partner registry
//! are replaced; jobs in progress finish first. Edits of the file through the admin API
//! (`admin/config_edit.rs`) hold the same lock ([`Operations::lock_config`]) from reading the
//! file to the reload that applies them, so edits go one at a time and never race a reload.

pub mod link;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use homeward_adapters::Registry;
use homeward_ops::{Clock, SystemClock};
use homeward_store::{Stats, Store};
use serde::Serialize;

use crate::admin::auth::{TokenFileError, Tokens};
use crate::admin::metrics::Metrics;
use crate::admin::partners::{PartnerActivity, PartnerStatus};
use crate::config::Config;
use crate::config::check::{Problem, check_file};
use crate::jobs::runtime::{JobView, Jobs, JobsError};
use crate::jobs::{JobEnv, PartnerLink, blocking};
use crate::service::Running;

pub use link::FederationLink;

/// A function run with the new configuration after a successful reload (e.g. replacing the
/// partner registry the partner API server uses).
pub type ReloadHook = Box<dyn Fn(&Config) + Send + Sync>;

/// How to start the operations layer.
pub struct Options {
    /// The configuration file (for reloads); `None`: reload is refused.
    pub config_path: Option<PathBuf>,
    /// How pull and push jobs reach partners.
    pub link: Option<Arc<dyn PartnerLink>>,
    /// This gateway's id (written as the sender of outgoing files).
    pub gateway_id: String,
    /// The clock the scheduler runs on.
    pub clock: Arc<dyn Clock>,
    /// Run after each successful reload.
    pub reload_hooks: Vec<ReloadHook>,
    /// Called when the store's change feed moves (e.g. `Running::notify_changed`).
    pub on_change: Option<Arc<dyn Fn() + Send + Sync>>,
    /// The crossmatch consumer, woken after a decision made through the admin API.
    pub matching: Option<Arc<crate::matching::Handle>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            config_path: None,
            link: None,
            gateway_id: "homeward".into(),
            clock: Arc::new(SystemClock),
            reload_hooks: Vec::new(),
            on_change: None,
            matching: None,
        }
    }
}

/// Why the operations layer could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Jobs(#[from] JobsError),
    #[error("admin tokens: {0}")]
    Tokens(#[from] TokenFileError),
}

/// What a reload changed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReloadReport {
    pub jobs_added: Vec<String>,
    pub jobs_removed: Vec<String>,
    pub jobs_changed: Vec<String>,
    pub layouts: usize,
    pub partners: usize,
    pub tokens: usize,
    /// Warnings of the new configuration.
    pub warnings: Vec<String>,
}

/// Why a reload was refused (the running configuration stays).
#[derive(Debug, Clone, Serialize)]
pub struct ReloadRefused {
    pub reason: String,
    /// Every problem of the file, when it has errors.
    pub problems: Vec<Problem>,
}

/// Held while the configuration file is being edited or reloaded
/// ([`Operations::lock_config`]).
pub struct ConfigLock<'a> {
    _guard: tokio::sync::MutexGuard<'a, ()>,
}

/// The running operations layer.
pub struct Operations {
    pub store: Arc<Store>,
    pub metrics: Arc<Metrics>,
    pub partners: Arc<PartnerActivity>,
    config: RwLock<Arc<Config>>,
    registry: RwLock<Arc<Registry>>,
    tokens: RwLock<Tokens>,
    jobs: Jobs,
    link: Option<Arc<dyn PartnerLink>>,
    on_change: Option<Arc<dyn Fn() + Send + Sync>>,
    matching: Option<Arc<crate::matching::Handle>>,
    config_path: Option<PathBuf>,
    gateway_id: String,
    hooks: Vec<ReloadHook>,
    /// Hooks added after the start ([`Operations::on_reload`]: the web console).
    late_hooks: Mutex<Vec<ReloadHook>>,
    reload_lock: tokio::sync::Mutex<()>,
    started_at: DateTime<Utc>,
    started: Instant,
    stats_cache: Mutex<Option<(Instant, Stats)>>,
}

impl std::fmt::Debug for Operations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operations")
            .field("gateway_id", &self.gateway_id)
            .field("config_path", &self.config_path)
            .finish_non_exhaustive()
    }
}

/// How long store counts are reused between status and metrics calls.
const STATS_TTL: Duration = Duration::from_secs(15);

impl Operations {
    /// Starts the jobs of `config` on `store`, and loads the admin tokens if `[admin]` is
    /// configured.
    pub async fn start(
        config: Config,
        store: Arc<Store>,
        opts: Options,
    ) -> Result<Arc<Self>, OpsError> {
        let tokens = match &config.admin {
            Some(a) => Tokens::load(&config.resolve(&a.token_file))?,
            None => Tokens::default(),
        };
        let registry = Arc::new(config.registry());
        let metrics = Arc::new(Metrics::new());
        let partners = Arc::new(PartnerActivity::new());
        let env = JobEnv {
            store: store.clone(),
            registry: registry.clone(),
            limits: config.limits.limits(),
            batch_items: config.store.batch_size,
            link: opts.link.clone(),
            metrics: metrics.clone(),
            partners: partners.clone(),
            sender: opts.gateway_id.clone(),
            on_change: opts.on_change.clone(),
        };
        let jobs = Jobs::start(&config, env, opts.clock.clone()).await?;
        metrics.set(
            "homeward_build_info",
            "Homeward version.",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1.0,
        );
        Ok(Arc::new(Self {
            store,
            metrics,
            partners,
            config: RwLock::new(Arc::new(config)),
            registry: RwLock::new(registry),
            tokens: RwLock::new(tokens),
            jobs,
            link: opts.link,
            on_change: opts.on_change,
            matching: opts.matching,
            config_path: opts.config_path,
            gateway_id: opts.gateway_id,
            hooks: opts.reload_hooks,
            late_hooks: Mutex::new(Vec::new()),
            reload_lock: tokio::sync::Mutex::new(()),
            started_at: Utc::now(),
            started: Instant::now(),
            stats_cache: Mutex::new(None),
        }))
    }

    pub fn gateway_id(&self) -> &str {
        &self.gateway_id
    }

    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// The configuration now running.
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The formats now configured.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry
            .read()
            .map(|r| r.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The name of the admin token `presented`, if it is one.
    pub fn check_token(&self, presented: &str) -> Option<String> {
        let t = self.tokens.read().ok()?;
        t.check(presented).map(str::to_string)
    }

    pub fn link(&self) -> Option<Arc<dyn PartnerLink>> {
        self.link.clone()
    }

    /// The crossmatch consumer, when this gateway runs one.
    pub fn matching(&self) -> Option<&Arc<crate::matching::Handle>> {
        self.matching.as_ref()
    }

    pub fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// Every job with its status.
    pub fn job_views(&self) -> Vec<JobView> {
        self.jobs.views()
    }

    /// Every configured partner with its activity.
    pub fn partner_statuses(&self) -> Vec<PartnerStatus> {
        let ids: Vec<String> = self
            .config()
            .partners
            .iter()
            .map(|p| p.id.clone())
            .collect();
        self.partners.statuses(&ids)
    }

    /// Store counts, reused for a few seconds (a full count reads every record).
    pub async fn stats(&self) -> Result<Stats, String> {
        if let Ok(c) = self.stats_cache.lock()
            && let Some((at, s)) = c.as_ref()
            && at.elapsed() < STATS_TTL
        {
            return Ok(s.clone());
        }
        let store = self.store.clone();
        let s = blocking(move || store.stats())
            .await?
            .map_err(|e| e.to_string())?;
        if let Ok(mut c) = self.stats_cache.lock() {
            *c = Some((Instant::now(), s.clone()));
        }
        Ok(s)
    }

    /// Forgets cached counts (after a change made through the admin API).
    pub fn invalidate_stats(&self) {
        if let Ok(mut c) = self.stats_cache.lock() {
            *c = None;
        }
    }

    fn env(&self, config: &Config, registry: Arc<Registry>) -> JobEnv {
        JobEnv {
            store: self.store.clone(),
            registry,
            limits: config.limits.limits(),
            batch_items: config.store.batch_size,
            link: self.link.clone(),
            metrics: self.metrics.clone(),
            partners: self.partners.clone(),
            sender: self.gateway_id.clone(),
            on_change: self.on_change.clone(),
        }
    }

    /// Runs `hook` with the new configuration after every successful reload from now on.
    pub fn on_reload(&self, hook: ReloadHook) {
        if let Ok(mut late) = self.late_hooks.lock() {
            late.push(hook);
        }
    }

    /// The configuration file this gateway reloads from (`None`: started without one).
    pub fn config_path(&self) -> Option<&Path> {
        self.config_path.as_deref()
    }

    /// Takes the configuration lock: while it is held, no reload runs and no other edit of the
    /// configuration file (through the admin API) starts. An edit holds it from reading the
    /// file to the end of the reload that applies it ([`Operations::reload_locked`]).
    pub async fn lock_config(&self) -> ConfigLock<'_> {
        ConfigLock {
            _guard: self.reload_lock.lock().await,
        }
    }

    /// Reads the configuration file again and applies it (see the module doc).
    pub async fn reload(&self) -> Result<ReloadReport, ReloadRefused> {
        let lock = self.lock_config().await;
        self.reload_locked(&lock).await
    }

    /// [`Operations::reload`] by the holder of the configuration lock.
    pub async fn reload_locked(
        &self,
        _lock: &ConfigLock<'_>,
    ) -> Result<ReloadReport, ReloadRefused> {
        let refused = |reason: String, problems: Vec<Problem>| {
            self.metrics.inc(
                "homeward_config_reloads_total",
                "Configuration reloads, by outcome.",
                &[("outcome", "refused")],
                1.0,
            );
            ReloadRefused { reason, problems }
        };
        let Some(path) = self.config_path.clone() else {
            return Err(refused(
                "this gateway was started without a configuration file".into(),
                Vec::new(),
            ));
        };
        let checked = blocking(move || check_file(&path))
            .await
            .map_err(|e| refused(e, Vec::new()))?;
        let report = checked.report;
        let Some(new) = report.config else {
            let n = report.errors();
            return Err(refused(
                format!("the configuration has {n} error(s); the running configuration stays"),
                report.problems,
            ));
        };
        let old = self.config();
        let mut restart = Vec::new();
        if new.store != old.store {
            restart.push("[store]".to_string());
        }
        if new.crossmatch != old.crossmatch {
            restart.push("[crossmatch]".to_string());
        }
        let listen = |c: &Config| c.admin.as_ref().map(|a| a.listen.clone());
        if listen(&new) != listen(&old) {
            restart.push("[admin] listen".to_string());
        }
        if new.console.is_some() != old.console.is_some() {
            restart.push("[console] (added or removed)".to_string());
        }
        if !restart.is_empty() {
            return Err(refused(
                format!(
                    "{} changed: that needs a restart (`systemctl restart homeward`); nothing was reloaded",
                    restart.join(", ")
                ),
                Vec::new(),
            ));
        }
        let tokens = match &new.admin {
            Some(a) => Tokens::load(&new.resolve(&a.token_file))
                .map_err(|e| refused(e.to_string(), Vec::new()))?,
            None => Tokens::default(),
        };
        let registry = Arc::new(new.registry());
        let mut out = ReloadReport {
            layouts: new.all_layouts().count(),
            partners: new.partners.len(),
            tokens: tokens.names().len(),
            warnings: report.problems.iter().map(|p| p.to_string()).collect(),
            ..ReloadReport::default()
        };
        for j in &new.jobs {
            match old.jobs.iter().find(|o| o.id == j.id) {
                None => out.jobs_added.push(j.id.clone()),
                Some(o) if o != j => out.jobs_changed.push(j.id.clone()),
                Some(_) => {}
            }
        }
        out.jobs_removed = old
            .jobs
            .iter()
            .filter(|o| !new.jobs.iter().any(|j| j.id == o.id))
            .map(|o| o.id.clone())
            .collect();
        self.jobs
            .reload(&new, self.env(&new, registry.clone()))
            .await
            .map_err(|e| refused(e.to_string(), Vec::new()))?;
        for hook in &self.hooks {
            hook(&new);
        }
        if let Ok(late) = self.late_hooks.lock() {
            for hook in late.iter() {
                hook(&new);
            }
        }
        if let Ok(mut t) = self.tokens.write() {
            *t = tokens;
        }
        if let Ok(mut r) = self.registry.write() {
            *r = registry;
        }
        if let Ok(mut c) = self.config.write() {
            *c = Arc::new(new);
        }
        self.metrics.inc(
            "homeward_config_reloads_total",
            "Configuration reloads, by outcome.",
            &[("outcome", "ok")],
            1.0,
        );
        tracing::info!(
            added = ?out.jobs_added,
            removed = ?out.jobs_removed,
            changed = ?out.jobs_changed,
            "configuration reloaded"
        );
        Ok(out)
    }

    /// Stops the jobs (runs in progress finish their current item).
    pub async fn shutdown(&self) {
        self.jobs.shutdown().await;
    }
}

/// The operations layer attached to a running gateway.
pub struct Attached {
    pub ops: Arc<Operations>,
    /// Where the admin API listens (`None` without `[admin]`).
    pub admin_addr: Option<std::net::SocketAddr>,
}

/// Why the operations layer could not be attached.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(transparent)]
    Ops(#[from] OpsError),
    #[error("admin API: {0}")]
    Admin(#[source] std::io::Error),
}

/// Attaches the operations layer to a running gateway (what `homeward serve` does): jobs whose
/// pulls and pushes go through the gateway's federation layer, the admin API on `[admin]
/// listen`, reloads that also replace the partner registry, SIGHUP as a reload, and local
/// changes waking the gateway's pushers. Everything stops with the gateway
/// (`Running::shutdown`).
pub async fn attach(
    running: &mut Running,
    config: &Config,
    config_path: Option<PathBuf>,
) -> Result<Attached, AttachError> {
    let federation = running.federation().clone();
    let registry = federation.registry.clone();
    let changed = running.changed();
    let opts = Options {
        config_path,
        link: Some(Arc::new(FederationLink {
            federation: federation.clone(),
        })),
        gateway_id: federation.identity.id.clone(),
        clock: Arc::new(SystemClock),
        reload_hooks: vec![Box::new(
            move |c: &Config| match crate::service::load_registry(c) {
                Ok(r) => registry.replace(r),
                Err(e) => tracing::error!("partner registry not reloaded: {e}"),
            },
        )],
        on_change: Some(Arc::new(move || changed.notify_waiters())),
        matching: running.matching().cloned(),
    };
    let ops = Operations::start(config.clone(), running.store().clone(), opts).await?;
    let admin = crate::admin::bind(ops.clone())
        .await
        .map_err(AttachError::Admin)?;
    let admin_addr = admin.as_ref().map(|a| a.local_addr());
    let ops2 = ops.clone();
    running.spawn("operations", move |mut stop| async move {
        stop.stopped().await;
        if let Some(a) = admin {
            let _ = a.shutdown().await;
        }
        ops2.shutdown().await;
    });
    let ops3 = ops.clone();
    running.spawn("reload-on-sighup", move |mut stop| async move {
        reload_on_sighup(ops3, &mut stop).await;
    });
    let (ops4, fed) = (ops.clone(), federation.clone());
    running.spawn("partner-activity", move |mut stop| async move {
        tail_inbound_evidence(ops4, fed, &mut stop).await;
    });
    Ok(Attached { ops, admin_addr })
}

/// Feeds what partners did to this gateway (pushes received or refused, pages and feeds
/// served, TLS refusals) from the evidence log into the partner activity the admin API and
/// `status` show; what this gateway does to partners is recorded by the jobs.
async fn tail_inbound_evidence(
    ops: Arc<Operations>,
    federation: Arc<crate::federation::Federation>,
    stop: &mut crate::service::Stop,
) {
    use crate::admin::partners::{Direction, Exchange};
    use homeward_exchange::evidence::EntryKind;
    let mut next = federation.evidence.len();
    loop {
        tokio::select! {
            _ = stop.stopped() => return,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        let fed = federation.clone();
        let from = next;
        let Ok(Ok(entries)) = blocking(move || fed.evidence.entries(from, 1000)).await else {
            continue;
        };
        for e in entries {
            next = e.seq + 1;
            let (ok, refused) = match e.kind {
                EntryKind::PushReceived | EntryKind::PageServed | EntryKind::FeedServed => {
                    (true, false)
                }
                EntryKind::PushRefused | EntryKind::TlsRefused => (false, true),
                _ => continue,
            };
            ops.partners.record(
                &e.partner,
                Exchange {
                    at: e.time,
                    direction: Direction::Inbound,
                    ok,
                    records: 0,
                    detail: format!(
                        "{} (evidence #{}): {} {}",
                        e.kind, e.seq, e.outcome.code, e.outcome.detail
                    ),
                },
                u64::from(refused),
                refused.then(|| format!("{}: {} {}", e.kind, e.outcome.code, e.outcome.detail)),
            );
            if refused {
                ops.metrics.inc(
                    "homeward_inbound_refused_total",
                    "Pushes and TLS handshakes from partners (or strangers) refused.",
                    &[("kind", e.kind.as_str())],
                    1.0,
                );
            }
        }
    }
}

/// Reloads the configuration on every SIGHUP until the gateway stops.
async fn reload_on_sighup(ops: Arc<Operations>, stop: &mut crate::service::Stop) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot watch SIGHUP: reload through the admin API only");
            stop.stopped().await;
            return;
        };
        loop {
            tokio::select! {
                _ = stop.stopped() => return,
                got = hup.recv() => {
                    if got.is_none() {
                        stop.stopped().await;
                        return;
                    }
                    match ops.reload().await {
                        Ok(r) => tracing::info!(added = ?r.jobs_added, removed = ?r.jobs_removed, changed = ?r.jobs_changed, "SIGHUP: configuration reloaded"),
                        Err(e) => {
                            tracing::error!("SIGHUP: reload refused: {}", e.reason);
                            for p in &e.problems {
                                tracing::error!("{p}");
                            }
                        }
                    }
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ops;
        stop.stopped().await;
    }
}
