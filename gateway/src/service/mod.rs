//! The running gateway (`homeward serve`): the store, this gateway's identity and partner
//! registry, the partner API with mutual TLS, the pushers and pullers of `[federation]`, and
//! the crossmatch consumer of `[crossmatch]`.
//!
//! ```no_run
//! # async fn run(config: homeward_gateway::config::Config) -> Result<(), Box<dyn std::error::Error>> {
//! use homeward_gateway::service::Gateway;
//! let data_dir = config.data_dir(None);
//! let mut running = Gateway::start(&config, &data_dir).await?;
//! // more background work that stops with the gateway (the job scheduler, the admin API):
//! running.spawn("jobs", |mut stop| async move {
//!     stop.stopped().await;
//! });
//! homeward_gateway::service::signals::terminated().await;
//! running.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! **Composition point.** [`Gateway::start`] returns a [`Running`] gateway. Other parts of the
//! service plug in through it: [`Running::federation`] (the store, the exchange client, the
//! registry, the evidence log, and `push_once` / `pull_changes_once` / `pull_pfif_once` for
//! jobs that sync on their own schedules), [`Running::matching`] (the crossmatch consumer,
//! `gateway/src/matching/`, started here), [`Running::spawn`] (tasks that receive a
//! [`Stop`] signal and are awaited at shutdown), [`Running::notify_changed`] (wakes the
//! pushers after a local import), [`Running::reload_partners`] (a new registry, live), and
//! [`Running::sync_status`].
//!
//! **Shutdown** ([`Running::shutdown`]): the partner API stops accepting and lets requests in
//! flight finish (an exchange being applied commits or not as a whole; its receipt is answered
//! only after the commit); pushers and pullers stop at their next wait and finish the exchange
//! they are in, up to `[exchange] shutdown_grace_secs`; after that a task is cancelled, which
//! is safe because every store write is one atomic batch and nothing is acknowledged before
//! it is durable.

pub mod config;
pub mod defaults;
pub mod signals;
mod tasks;
pub mod watchdog;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use homeward_exchange::clock::{Clock, SystemClock};
use homeward_exchange::keys::{GatewayIdentity, PublicKey};
use homeward_exchange::partners::{PartnerRegistry, SharedRegistry};
use homeward_exchange::server::{ExchangeService, RunningServer};
use homeward_store::Store;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::federation::{Federation, SyncError, SyncStatus};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the configuration has no {0} section (needed to serve)")]
    Missing(&'static str),
    #[error("{0}")]
    Config(String),
    #[error("loading this gateway's keys from {dir}: {source}")]
    Keys {
        dir: std::path::PathBuf,
        #[source]
        source: homeward_exchange::keys::KeyError,
    },
    #[error("[[partners]]: {0}")]
    Partners(String),
    #[error("opening the store in {dir}: {source}")]
    Store {
        dir: std::path::PathBuf,
        #[source]
        source: homeward_store::StoreError,
    },
    #[error(transparent)]
    Federation(#[from] SyncError),
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("starting the partner API: {0}")]
    Serve(#[from] homeward_exchange::server::ServeError),
    #[error("worker failed: {0}")]
    Worker(String),
}

/// A stop signal for background tasks (cheap to clone).
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Whether the gateway is stopping.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until the gateway stops.
    pub async fn stopped(&mut self) {
        let _ = self.0.wait_for(|s| *s).await;
    }
}

/// Loads this gateway's identity: `[gateway] id` and the keys in `[identity] dir`, with the
/// previous public keys.
pub fn load_identity(config: &Config) -> Result<GatewayIdentity, ServiceError> {
    let g = config
        .gateway
        .as_ref()
        .ok_or(ServiceError::Missing("[gateway]"))?;
    let dir = config.identity_dir();
    let mut identity =
        GatewayIdentity::load_dir(&g.id, &dir).map_err(|source| ServiceError::Keys {
            dir: dir.clone(),
            source,
        })?;
    identity.previous_public = previous_keys(config)?;
    Ok(identity)
}

/// `[identity] previous_keys`, parsed.
pub fn previous_keys(config: &Config) -> Result<Vec<PublicKey>, ServiceError> {
    config
        .identity
        .previous_keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            PublicKey::from_base64(k)
                .map_err(|e| ServiceError::Config(format!("[identity] previous_keys[{i}]: {e}")))
        })
        .collect()
}

/// The partner registry of `[[partners]]`, validated (every problem listed).
pub fn load_registry(config: &Config) -> Result<PartnerRegistry, ServiceError> {
    PartnerRegistry::from_config(&config.partners, config.base_dir()).map_err(|errs| {
        ServiceError::Partners(
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// Starts gateways.
#[derive(Debug)]
pub struct Gateway;

impl Gateway {
    /// Opens the store in `data_dir`, loads the identity and the partner registry, starts the
    /// partner API on `[listen] partners` and the pushers and pullers of `[federation]`.
    pub async fn start(config: &Config, data_dir: &Path) -> Result<Running, ServiceError> {
        Self::start_with_clock(config, data_dir, Arc::new(SystemClock)).await
    }

    /// [`Gateway::start`] with another clock (tests of clock skew).
    pub async fn start_with_clock(
        config: &Config,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Running, ServiceError> {
        let listen = config
            .listen
            .as_ref()
            .ok_or(ServiceError::Missing("[listen]"))?
            .partners;
        let identity = Arc::new(load_identity(config)?);
        let registry = SharedRegistry::new(load_registry(config)?);
        let (dir, engine) = (data_dir.to_path_buf(), config.store.engine);
        let store = tokio::task::spawn_blocking(move || Store::open(&dir, engine))
            .await
            .map_err(|e| ServiceError::Worker(e.to_string()))?
            .map_err(|source| ServiceError::Store {
                dir: data_dir.to_path_buf(),
                source,
            })?;
        let store = Arc::new(store);
        let federation = Arc::new(Federation::new(
            store.clone(),
            identity.clone(),
            registry.clone(),
            clock.clone(),
            config.exchange.client_settings(),
            config.limits.limits(),
        )?);
        let limits = config.exchange.server_limits();
        let grace = limits.shutdown_grace;
        let service = Arc::new(ExchangeService {
            identity: identity.clone(),
            registry: registry.clone(),
            backend: federation.backend.clone(),
            replay: federation.backend.clone(),
            evidence: federation.evidence.clone(),
            formats: federation.formats.clone(),
            limits,
            clock,
        });
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServiceError::Listen {
                addr: listen,
                source,
            })?;
        let server = homeward_exchange::server::start(service, listener)?;
        let partner_addr = server.local_addr();
        let (stop_tx, stop_rx) = watch::channel(false);
        let matching = if config.crossmatch.enabled {
            let handle = crate::matching::start(store.clone(), config.crossmatch.settings())
                .map_err(|e| ServiceError::Worker(e.to_string()))?;
            Some(Arc::new(handle))
        } else {
            None
        };
        let (failed_tx, failed_rx) = watch::channel(None);
        let mut running = Running {
            failed: failed_rx,
            federation,
            matching: matching.clone(),
            server: Some(server),
            tasks: Vec::new(),
            stop: stop_tx,
            stop_rx,
            partner_addr,
            changed: Arc::new(Notify::new()),
            grace,
        };
        let (store, dir) = (running.store().clone(), data_dir.to_path_buf());
        running.spawn("store-watchdog", move |stop| async move {
            if let Some(why) = watchdog::watch(store, dir, stop).await {
                tracing::error!("{why}");
                let _ = failed_tx.send(Some(why));
            }
        });
        tasks::start_sync_tasks(&mut running, &config.federation);
        if let Some(m) = matching {
            tasks::start_crossmatch_task(&mut running, m);
        }
        tracing::info!(
            gateway = %identity.id,
            partners = registry.current().len(),
            address = %partner_addr,
            "gateway started"
        );
        Ok(running)
    }
}

/// A running gateway. Stop it with [`Running::shutdown`].
pub struct Running {
    federation: Arc<Federation>,
    matching: Option<Arc<crate::matching::Handle>>,
    server: Option<RunningServer>,
    tasks: Vec<(String, JoinHandle<()>)>,
    stop: watch::Sender<bool>,
    stop_rx: watch::Receiver<bool>,
    partner_addr: SocketAddr,
    changed: Arc<Notify>,
    grace: Duration,
    /// Set by the store watchdog when the store cannot commit ([`Running::failed`]).
    failed: watch::Receiver<Option<String>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("partner_addr", &self.partner_addr)
            .field(
                "tasks",
                &self.tasks.iter().map(|t| &t.0).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Running {
    /// The store, the exchange client, the registry, the evidence log, and the sync runs.
    pub fn federation(&self) -> &Arc<Federation> {
        &self.federation
    }

    /// The gateway's store.
    pub fn store(&self) -> &Arc<Store> {
        &self.federation.store
    }

    /// Resolves when the gateway must stop because its store cannot commit (see
    /// [`watchdog`]), with why; never while the store works.
    pub fn failed(&self) -> impl std::future::Future<Output = String> + Send + 'static {
        let mut rx = self.failed.clone();
        async move {
            loop {
                if let Some(why) = rx.borrow().clone() {
                    return why;
                }
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    }

    /// The crossmatch consumer (`None` with `[crossmatch] enabled = false`): it follows the
    /// store's change feed and records matches and notifications.
    pub fn matching(&self) -> Option<&Arc<crate::matching::Handle>> {
        self.matching.as_ref()
    }

    /// Where the partner API listens (the real port when configured with port 0).
    pub fn partner_addr(&self) -> SocketAddr {
        self.partner_addr
    }

    /// A signal that fires when the gateway stops.
    pub fn stop_signal(&self) -> Stop {
        Stop(self.stop_rx.clone())
    }

    /// Runs a background task that stops with the gateway: `task` gets the [`Stop`] signal
    /// and should return soon after it fires; [`Running::shutdown`] waits for it (up to the
    /// grace period, then cancels it).
    pub fn spawn<F, Fut>(&mut self, name: &str, task: F)
    where
        F: FnOnce(Stop) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handle = tokio::spawn(task(self.stop_signal()));
        self.tasks.push((name.to_string(), handle));
    }

    /// Wakes the pushers now (after a local import, instead of waiting for their poll).
    pub fn notify_changed(&self) {
        self.changed.notify_waiters();
    }

    pub(crate) fn changed(&self) -> Arc<Notify> {
        self.changed.clone()
    }

    /// Replaces the partner registry (configuration reload): new connections, requests and
    /// sync runs see it at once.
    pub fn reload_partners(&self, registry: PartnerRegistry) {
        self.federation.registry.replace(registry);
    }

    /// The last run of every pusher and puller.
    pub fn sync_status(&self) -> Vec<SyncStatus> {
        self.federation.status.all()
    }

    /// Stops: the partner API stops accepting and finishes requests in flight; background
    /// tasks finish what they are doing (up to the grace period, then are cancelled).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        self.changed.notify_waiters();
        let server = self.server.take();
        let tasks = std::mem::take(&mut self.tasks);
        let grace = self.grace;
        let server = async move {
            if let Some(s) = server {
                s.shutdown().await;
            }
        };
        let tasks = async move {
            for (name, mut handle) in tasks {
                match tokio::time::timeout(grace, &mut handle).await {
                    Ok(_) => {}
                    Err(_) => {
                        tracing::warn!(task = %name, "still busy after the grace period: cancelled");
                        handle.abort();
                        let _ = handle.await;
                    }
                }
            }
        };
        tokio::join!(server, tasks);
        tracing::info!(gateway = %self.federation.identity.id, "gateway stopped");
    }
}
