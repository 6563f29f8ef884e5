//! Federation on the gateway's store: the glue between `homeward-exchange` (protocol, keys,
//! policy, evidence) and `homeward-store`.
//!
//! - [`backend`]: [`StoreBackend`] implements the exchange's `ExchangeBackend`, `ReplayGuard`
//!   and `EvidenceStorage` on the store. A received push goes through the import path
//!   (`InputContext::exchange`) and its records, their received marks and its
//!   `push_received` evidence entry are committed in one atomic batch; the signed receipt is
//!   answered only after that commit.
//! - [`push`]: [`Federation::push_once`] sends a partner, policy-filtered, what changed since
//!   its change-feed cursor (`push:{partner}`): new and changed records it may see, and the
//!   lifecycle (locate, clear, cancel, identification, expiry) of records it had; after the
//!   signed receipt, the sharing marks and the cursor move in one commit.
//! - [`pull`]: [`Federation::pull_changes_once`] (a partner's signed `/v1/changes` pages) and
//!   [`Federation::pull_pfif_once`] (its PFIF feed by `min_entry_date`), applying each page with
//!   its cursor in one commit.
//!
//! [`Federation`] holds what these need; the service (`crate::service`) runs them on intervals,
//! and jobs may call them on their own schedules (one run per partner and direction at a
//! time: each holds a per-partner lock).

pub mod backend;
pub mod pull;
pub mod push;
mod status;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use homeward_adapters::{Limits, Registry};
use homeward_exchange::client::{ClientError, ExchangeClient};
use homeward_exchange::clock::Clock;
use homeward_exchange::evidence::EvidenceLog;
use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::partners::{Partner, SharedRegistry};
use homeward_store::{Store, StoreError};

pub use backend::StoreBackend;
pub use pull::PullReport;
pub use push::PushReport;
pub use status::{SyncStatus, SyncStatuses};

/// Why a push or pull run failed. Nothing it did not finish is acknowledged: the next run
/// starts from the same cursor.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("partner `{0}` is not registered")]
    UnknownPartner(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("applying: {0}")]
    Backend(#[from] homeward_exchange::backend::BackendError),
    #[error("evidence: {0}")]
    Evidence(#[from] homeward_exchange::evidence::EvidenceError),
    #[error("PFIF feed from `{partner}`: {message}")]
    Feed { partner: String, message: String },
    #[error("worker failed: {0}")]
    Worker(String),
}

impl SyncError {
    /// Whether trying again later may help without a configuration change (the partner was
    /// unreachable or unavailable, the store busy) as opposed to a refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Client(e) => !matches!(
                e,
                ClientError::Refused { .. }
                    | ClientError::BadReceipt { .. }
                    | ClientError::BadPage { .. }
                    | ClientError::Policy { .. }
                    | ClientError::UnknownPartner(_)
            ),
            SyncError::Store(_) | SyncError::Worker(_) | SyncError::Evidence(_) => true,
            SyncError::Backend(e) => e.retriable,
            SyncError::UnknownPartner(_) | SyncError::Feed { .. } => false,
        }
    }
}

/// Runs store work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SyncError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SyncError::Worker(e.to_string()))
}

/// Everything federation needs, shared by the partner API, the pushers and pullers, and jobs.
pub struct Federation {
    pub store: Arc<Store>,
    pub backend: Arc<StoreBackend>,
    pub identity: Arc<GatewayIdentity>,
    pub registry: SharedRegistry,
    pub evidence: Arc<EvidenceLog>,
    pub client: Arc<ExchangeClient>,
    /// Formats for wire-format payloads and PFIF feeds.
    pub formats: Registry,
    /// Reader limits for PFIF feeds pulled.
    pub limits: Limits,
    pub clock: Arc<dyn Clock>,
    /// Last run of each pusher and puller.
    pub status: SyncStatuses,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Federation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Federation")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Federation {
    /// Federation over `store`: opens the evidence log kept in it, and a client signing as
    /// `identity`.
    pub fn new(
        store: Arc<Store>,
        identity: Arc<GatewayIdentity>,
        registry: SharedRegistry,
        clock: Arc<dyn Clock>,
        client_settings: homeward_exchange::client::ClientSettings,
        limits: Limits,
    ) -> Result<Self, SyncError> {
        let backend = Arc::new(StoreBackend::new(store.clone()));
        let evidence = Arc::new(EvidenceLog::open(backend.clone())?);
        let mut client = ExchangeClient::new(
            identity.clone(),
            registry.clone(),
            evidence.clone(),
            clock.clone(),
        );
        client.settings = client_settings;
        Ok(Self {
            store,
            backend,
            identity,
            registry,
            evidence,
            client: Arc::new(client),
            formats: Registry::builtin(),
            limits,
            clock,
            status: SyncStatuses::default(),
            locks: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn partner(&self, id: &str) -> Result<Arc<Partner>, SyncError> {
        self.registry
            .current()
            .get(id)
            .cloned()
            .ok_or_else(|| SyncError::UnknownPartner(id.to_string()))
    }

    /// The lock serialising runs named `name` (`push:hub`, `pull:intl:changes`).
    pub(crate) fn lock_for(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default()
            .clone()
    }
}
