//! In-process gateways on loopback, with the in-memory store, for tests and benchmarks.
//!
//! Each [`TestGateway`] has a generated identity, a real mTLS server on `127.0.0.1` with an
//! ephemeral port, a client, and in-memory backend, replay guard and evidence log.

use std::path::Path;
use std::sync::Arc;

use chrono::TimeDelta;

use crate::client::ExchangeClient;
use crate::clock::OffsetClock;
use crate::evidence::{EvidenceLog, TrustedKeys, verify_log};
use crate::keys::GatewayIdentity;
use crate::memory::{MemoryBackend, MemoryEvidenceStorage, MemoryReplayGuard};
use crate::partners::{PartnerConfig, PartnerRegistry, SharedRegistry};
use crate::policy::PartnerRole;
use crate::server::{ExchangeService, RunningServer, ServerLimits, start};

/// Why a test gateway could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error(transparent)]
    Serve(#[from] crate::server::ServeError),
    #[error(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("registry: {0:?}")]
    Registry(Vec<crate::partners::ValidationError>),
}

/// A gateway running in this process.
pub struct TestGateway {
    pub identity: Arc<GatewayIdentity>,
    pub registry: SharedRegistry,
    pub backend: Arc<MemoryBackend>,
    pub replay: Arc<MemoryReplayGuard>,
    pub evidence_storage: Arc<MemoryEvidenceStorage>,
    pub evidence: Arc<EvidenceLog>,
    /// The gateway's clock (shift it to simulate skew).
    pub clock: Arc<OffsetClock>,
    pub client: ExchangeClient,
    pub service: Arc<ExchangeService>,
    server: Option<RunningServer>,
    endpoint: String,
}

impl std::fmt::Debug for TestGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestGateway")
            .field("id", &self.identity.id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl TestGateway {
    /// Generates an identity and starts serving on `127.0.0.1` (an ephemeral port), with an
    /// empty registry.
    pub async fn start(id: &str) -> Result<Self, HarnessError> {
        Self::start_with(GatewayIdentity::generate(id, 30)?, ServerLimits::default()).await
    }

    pub async fn start_with(
        identity: GatewayIdentity,
        limits: ServerLimits,
    ) -> Result<Self, HarnessError> {
        let identity = Arc::new(identity);
        let registry = SharedRegistry::default();
        let backend = Arc::new(MemoryBackend::new());
        let replay = Arc::new(MemoryReplayGuard::new());
        let evidence_storage = Arc::new(MemoryEvidenceStorage::new());
        let evidence = Arc::new(EvidenceLog::open(evidence_storage.clone())?);
        let clock = Arc::new(OffsetClock::new(TimeDelta::zero()));
        let service = Arc::new(ExchangeService {
            identity: identity.clone(),
            registry: registry.clone(),
            backend: backend.clone(),
            replay: replay.clone(),
            evidence: evidence.clone(),
            formats: homeward_adapters::Registry::builtin(),
            limits,
            clock: clock.clone(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let server = start(service.clone(), listener)?;
        let endpoint = format!("https://{}", server.local_addr());
        let client = ExchangeClient::new(
            identity.clone(),
            registry.clone(),
            evidence.clone(),
            clock.clone(),
        );
        Ok(Self {
            identity,
            registry,
            backend,
            replay,
            evidence_storage,
            evidence,
            clock,
            client,
            service,
            server: Some(server),
            endpoint,
        })
    }

    pub fn id(&self) -> &str {
        &self.identity.id
    }

    /// `https://127.0.0.1:port`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How other gateways register this one (its key and pinned certificate), sharing
    /// nothing until edited.
    pub fn as_partner(&self, role: PartnerRole) -> PartnerConfig {
        PartnerConfig::pinned(
            &self.identity.id,
            &self.endpoint,
            role,
            &self.identity.signing.public(),
            self.identity.tls.fingerprint(),
        )
    }

    /// Replaces the registry.
    pub fn set_partners(&self, partners: &[PartnerConfig]) -> Result<(), HarnessError> {
        let reg = PartnerRegistry::from_config(partners, Path::new("."))
            .map_err(HarnessError::Registry)?;
        self.registry.replace(reg);
        Ok(())
    }

    /// Verifies this gateway's evidence log against its registry and own key.
    pub fn verify_evidence(
        &self,
    ) -> Result<crate::evidence::LogSummary, crate::evidence::LogFault> {
        let trust = TrustedKeys::from_registry(
            &self.registry.current(),
            &self.identity.id,
            &[self.identity.signing.public()],
        );
        verify_log(self.evidence_storage.as_ref(), Some(&trust))
    }

    /// Waits (up to 5 s) until the evidence log has at least `n` entries; returns its length.
    pub async fn wait_for_evidence(&self, n: u64) -> u64 {
        for _ in 0..500 {
            if self.evidence.len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.evidence.len()
    }

    /// A client of this gateway with other settings (retries, timeouts).
    pub fn client_with(&self, settings: crate::client::ClientSettings) -> ExchangeClient {
        let mut c = ExchangeClient::new(
            self.identity.clone(),
            self.registry.clone(),
            self.evidence.clone(),
            self.clock.clone(),
        );
        c.settings = settings;
        c
    }

    /// The request limits of this gateway's client (for [`crate::client::send`]).
    pub fn client_limits(&self) -> crate::client::RequestLimits {
        let s = &self.client.settings;
        crate::client::RequestLimits {
            connect_timeout: s.connect_timeout,
            request_timeout: s.request_timeout,
            max_response_bytes: s.max_response_bytes,
        }
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }
}
