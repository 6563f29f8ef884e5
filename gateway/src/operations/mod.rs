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
//! are replaced; jobs in progress finish first.

use std::path::PathBuf;
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
}

impl Default for Options {
    fn default() -> Self {
        Self {
            config_path: None,
            link: None,
            gateway_id: "homeward".into(),
            clock: Arc::new(SystemClock),
            reload_hooks: Vec::new(),
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
    config_path: Option<PathBuf>,
    gateway_id: String,
    hooks: Vec<ReloadHook>,
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
            config_path: opts.config_path,
            gateway_id: opts.gateway_id,
            hooks: opts.reload_hooks,
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
        }
    }

    /// Reads the configuration file again and applies it (see the module doc).
    pub async fn reload(&self) -> Result<ReloadReport, ReloadRefused> {
        let _one_at_a_time = self.reload_lock.lock().await;
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
        let listen = |c: &Config| c.admin.as_ref().map(|a| a.listen.clone());
        if listen(&new) != listen(&old) {
            restart.push("[admin] listen".to_string());
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
