//! The partner API: axum on hyper, served over tokio-rustls with mutual TLS.
//!
//! | endpoint | what |
//! |---|---|
//! | `POST /v1/exchanges` | a signed push envelope → verify, check policy, apply and commit through the [`ExchangeBackend`], answer a signed receipt (200) |
//! | `GET /v1/changes?cursor=&limit=` | a signed envelope (purpose `changes`) of the changes after `cursor` the policy lets the caller see, with the next cursor |
//! | `GET /v1/pfif/person?min_entry_date=` | a PFIF 1.4 Atom feed of the records the policy lets the caller see, changed since `min_entry_date` |
//! | `GET /v1/evidence/proof?exchange_id=` | the caller's evidence entries for an exchange with Merkle inclusion proofs and a signed tree head (JSON) |
//!
//! Every connection is accepted only after a TLS handshake in which the client presented a
//! certificate registered for a partner ([`crate::tls`]); that partner's id is attached to
//! each request. Refusals — TLS ones included — are written to the evidence log. Errors are
//! JSON ([`ErrorBody`]): 4xx when re-sending cannot help, 5xx when it may.
//!
//! Start one with [`start`]:
//!
//! ```no_run
//! # async fn run(service: homeward_exchange::server::ExchangeService) -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8443").await?;
//! let server = homeward_exchange::server::start(std::sync::Arc::new(service), listener)?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod error;
mod handlers;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use chrono::TimeDelta;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

pub use error::{ApiError, ErrorBody};
pub use handlers::{ChangesQuery, EvidenceProof, PfifQuery, ProofQuery, ProvenEntry};

use crate::backend::ExchangeBackend;
use crate::clock::Clock;
use crate::envelope::{ReplayGuard, VerifyPolicy};
use crate::evidence::{EntryDraft, EntryKind, EntryOutcome, EvidenceLog};
use crate::keys::GatewayIdentity;
use crate::partners::SharedRegistry;
use crate::tls::{PeerIdentity, PeerRejected};

/// Limits of the partner API.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Largest request body (default 64 MiB; a 10,000-record push is about 20 MiB).
    pub max_body_bytes: usize,
    /// Longest a request may take, body included (default 60 s); then 503.
    pub request_timeout: Duration,
    /// Longest a TLS handshake may take (default 10 s).
    pub handshake_timeout: Duration,
    /// Longest the request headers may take to arrive (default 10 s).
    pub header_read_timeout: Duration,
    /// Freshness window for envelopes, either way (default 5 minutes).
    pub max_clock_skew: TimeDelta,
    /// Most changes per page / feed (default 1,000).
    pub page_limit: usize,
    /// How long shutdown waits for requests in flight (default 30 s).
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_clock_skew: TimeDelta::minutes(5),
            page_limit: 1000,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Everything the partner API needs.
pub struct ExchangeService {
    pub identity: Arc<GatewayIdentity>,
    pub registry: SharedRegistry,
    pub backend: Arc<dyn ExchangeBackend>,
    pub replay: Arc<dyn ReplayGuard>,
    pub evidence: Arc<EvidenceLog>,
    /// Formats for payloads in a wire format, and the PFIF writer.
    pub formats: homeward_adapters::Registry,
    pub limits: ServerLimits,
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ExchangeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeService")
            .field("identity", &self.identity)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ExchangeService {
    pub(crate) fn verify_policy(&self) -> VerifyPolicy {
        VerifyPolicy {
            me: self.identity.id.clone(),
            max_skew: self.limits.max_clock_skew,
        }
    }
}

/// The routes, for serving or for driving in tests with `tower::ServiceExt::oneshot` (a
/// [`PeerIdentity`] extension then stands for the TLS client certificate).
pub fn router(service: Arc<ExchangeService>) -> Router {
    Router::new()
        .route("/v1/exchanges", post(handlers::push))
        .route("/v1/changes", get(handlers::changes))
        .route("/v1/pfif/person", get(handlers::pfif))
        .route("/v1/evidence/proof", get(handlers::proof))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .with_state(service)
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
}

/// A running server.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets requests in flight finish (up to the grace period), returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Serves the partner API on `listener` until [`RunningServer::shutdown`].
pub fn start(
    service: Arc<ExchangeService>,
    listener: TcpListener,
) -> Result<RunningServer, ServeError> {
    let tls = crate::tls::server_config(&service.identity, service.registry.clone())?;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let local_addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let app = router(service.clone());
    let task = tokio::spawn(async move {
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        loop {
            tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, addr)) => {
                        let conn = serve_connection(
                            service.clone(),
                            acceptor.clone(),
                            app.clone(),
                            tcp,
                            addr,
                            graceful.watcher(),
                        );
                        tokio::spawn(conn);
                    }
                    Err(e) => {
                        // out of file descriptors and the like: wait a little, go on
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        drop(listener);
        let grace = service.limits.shutdown_grace;
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("shutdown grace period over with requests still in flight");
        }
    });
    Ok(RunningServer {
        local_addr,
        stop,
        task,
    })
}

async fn log_tls_refusal(
    service: &ExchangeService,
    addr: SocketAddr,
    code: &str,
    detail: String,
    partner: String,
) {
    tracing::warn!(%addr, code, "TLS refused: {detail}");
    let draft = EntryDraft::new(
        EntryKind::TlsRefused,
        &partner,
        EntryOutcome::new(0, code, format!("{detail} (from {addr})")),
    );
    let _ = service.log(draft).await;
}

fn classify_tls_error(e: &std::io::Error, addr: SocketAddr) -> (String, String, String) {
    if let Some(r) = PeerRejected::from_io_error(e) {
        let code = match &r {
            PeerRejected::Unregistered { .. } | PeerRejected::NotThisPartner { .. } => {
                "tls_unregistered"
            }
            PeerRejected::Expired { .. } => "tls_expired",
            PeerRejected::NotYetValid { .. } => "tls_not_yet_valid",
            PeerRejected::Invalid { .. } => "tls_invalid_certificate",
        };
        let partner = match &r {
            PeerRejected::Unregistered { fingerprint } => {
                format!("unregistered:{}", hex::encode(fingerprint))
            }
            PeerRejected::NotThisPartner { partner, .. }
            | PeerRejected::Expired { partner, .. }
            | PeerRejected::NotYetValid { partner, .. }
            | PeerRejected::Invalid { partner, .. } => partner.clone(),
        };
        return (code.into(), r.to_string(), partner);
    }
    let no_cert = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .is_some_and(|r| matches!(r, rustls::Error::NoCertificatesPresented));
    if no_cert {
        return (
            "tls_no_certificate".into(),
            "client presented no certificate".into(),
            format!("peer:{addr}"),
        );
    }
    ("tls_error".into(), e.to_string(), format!("peer:{addr}"))
}

async fn serve_connection(
    service: Arc<ExchangeService>,
    acceptor: tokio_rustls::TlsAcceptor,
    app: Router,
    tcp: TcpStream,
    addr: SocketAddr,
    graceful: hyper_util::server::graceful::Watcher,
) {
    let _ = tcp.set_nodelay(true);
    let tls =
        match tokio::time::timeout(service.limits.handshake_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                let (code, detail, partner) = classify_tls_error(&e, addr);
                log_tls_refusal(&service, addr, &code, detail, partner).await;
                return;
            }
            Err(_) => {
                log_tls_refusal(
                    &service,
                    addr,
                    "tls_timeout",
                    "TLS handshake did not finish in time".into(),
                    format!("peer:{addr}"),
                )
                .await;
                return;
            }
        };
    let peer: PeerIdentity = {
        let (_, conn) = tls.get_ref();
        match crate::tls::peer_identity(conn, &service.registry.current()) {
            Ok(p) => p,
            Err(e) => {
                log_tls_refusal(
                    &service,
                    addr,
                    "tls_unregistered",
                    e.to_string(),
                    format!("peer:{addr}"),
                )
                .await;
                return;
            }
        }
    };
    tracing::debug!(%addr, partner = %peer.partner, "partner connected");
    let timeout = service.limits.request_timeout;
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(peer.clone());
        let app = app.clone();
        async move {
            let req = req.map(axum::body::Body::new);
            match tokio::time::timeout(timeout, app.oneshot(req)).await {
                Ok(resp) => resp,
                Err(_) => Ok(axum::response::IntoResponse::into_response(ApiError::new(
                    503,
                    "timeout",
                    format!("request took longer than {} s", timeout.as_secs()),
                ))),
            }
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(service.limits.header_read_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(tls), svc)
        .into_owned();
    if let Err(e) = graceful.watch(conn).await {
        tracing::debug!(%addr, error = %e, "connection ended with an error");
    }
}
