//! The admin listener: routes, the token check, correlation ids and the audit of every call.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use homeward_store::{AuditDraft, AuditOutcome};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::roles::{self, Role};
use super::{matches, routes};
use crate::jobs::blocking;
use crate::operations::Operations;

/// The header a caller may set to tie its request to the audit log and logs; answered back.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// Who called, and the request's correlation id (set by the guard for handlers).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name, or the console account's.
    pub name: String,
    pub correlation_id: String,
    /// What the caller may do (a token is an administrator).
    pub role: Role,
    /// The agency (source) of a console account, when it has one.
    pub agency: Option<String>,
    /// Signed in to the web console (else: an admin token).
    pub console: bool,
}

/// A web-console user calling the API in-process (`crate::console`): set as a request
/// extension by the console, which has checked the session and its CSRF token. It cannot come
/// from the network (extensions are not headers), so the guard takes it as authentication.
#[derive(Debug, Clone)]
pub struct ConsoleIdentity {
    pub name: String,
    pub role: Role,
    pub agency: Option<String>,
}

/// What a handler adds to its audit entry (a response extension).
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    pub target: Option<String>,
    pub detail: String,
}

/// An error answer: `{"error": code, "message": ..., "correlation_id": ...}` (the id is added
/// by the guard).
#[derive(Debug, Clone, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            error: error.to_string(),
            message: message.into(),
            problems: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let note = AuditNote {
            target: None,
            detail: format!("{}: {}", self.error, self.message),
        };
        let mut resp = (status, axum::Json(self)).into_response();
        resp.extensions_mut().insert(note);
        resp
    }
}

/// The admin listener's router on `ops`: the admin API, and the web console when the
/// configuration has `[console]` (`crate::console`).
pub fn router(ops: Arc<Operations>) -> Router {
    crate::console::mount(ops.clone(), api_router(ops))
}

/// The admin API alone (every route behind the guard).
pub fn api_router(ops: Arc<Operations>) -> Router {
    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/metrics", get(routes::metrics))
        .route("/v1/status", get(routes::status))
        .route("/v1/jobs", get(routes::jobs))
        .route("/v1/jobs/{id}", get(routes::job))
        .route("/v1/jobs/{id}/run", post(routes::run_job))
        .route("/v1/quarantine", get(routes::quarantine_list))
        .route(
            "/v1/quarantine/reprocess",
            post(routes::quarantine_reprocess_all),
        )
        .route("/v1/quarantine/{id}", get(routes::quarantine_show))
        .route(
            "/v1/quarantine/{id}/reprocess",
            post(routes::quarantine_reprocess),
        )
        .route("/v1/matches", get(matches::list))
        .route("/v1/matches/pair", get(matches::pair))
        .route("/v1/matches/status", get(matches::status))
        .route("/v1/matches/confirm", post(matches::confirm))
        .route("/v1/matches/exclude", post(matches::exclude))
        .route("/v1/matches/undo", post(matches::undo))
        .route("/v1/matches/read", post(matches::read))
        .route("/v1/partners", get(routes::partners))
        .route("/v1/records", get(routes::records))
        .route("/v1/records/show", get(routes::record_show))
        .route("/v1/records/history", get(routes::record_history))
        .route("/v1/records/sharing", get(routes::record_sharing))
        .route("/v1/reload", post(routes::reload))
        .route("/v1/config/check", post(routes::config_check))
        .route("/v1/cron/preview", get(super::config_edit::cron_preview))
        .route(
            "/v1/config/jobs",
            get(super::config_edit::jobs_list).post(super::config_edit::job_create),
        )
        .route(
            "/v1/config/jobs/{id}",
            get(super::config_edit::job_show)
                .put(super::config_edit::job_replace)
                .delete(super::config_edit::job_delete),
        )
        .route(
            "/v1/config/layouts/{name}",
            put(super::config_edit::layout_replace),
        )
        .route("/v1/config/history", get(super::config_edit::history))
        .route(
            "/v1/config/history/{n}",
            get(super::config_edit::history_version),
        )
        .route(
            "/v1/config/rollback/{n}",
            post(super::config_edit::rollback),
        )
        .route("/v1/audit", get(routes::audit))
        .fallback(routes::fallback)
        .layer(middleware::from_fn_with_state(ops.clone(), guard))
        .with_state(ops)
}

fn correlation_id(req: &Request) -> String {
    if let Some(v) = req
        .headers()
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        && !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return v.to_string();
    }
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

/// Why a call carried no valid token (never the token itself).
fn refusal(req: &Request, ops: &Operations) -> Result<String, &'static str> {
    let Some(v) = req.headers().get(header::AUTHORIZATION) else {
        return Err("no Authorization header");
    };
    let Some(token) = v.to_str().ok().and_then(|s| s.strip_prefix("Bearer ")) else {
        return Err("Authorization is not `Bearer TOKEN`");
    };
    ops.check_token(token.trim()).ok_or("wrong token")
}

/// Checks the token, sets the correlation id, and audits the call (refused ones included).
async fn guard(State(ops): State<Arc<Operations>>, mut req: Request, next: Next) -> Response {
    let cid = correlation_id(&req);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let remote = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string());
    let action = format!("{method} {path}");
    if path == "/healthz" {
        return with_cid(next.run(req).await, &cid);
    }
    let console = req.extensions().get::<ConsoleIdentity>().cloned();
    let identity = match console {
        Some(c) => Ok((c.name, c.role, c.agency, true)),
        None => refusal(&req, &ops).map(|name| (name, Role::Administrator, None, false)),
    };
    let (actor, role, agency, via_console) = match identity {
        Ok(who) => who,
        Err(why) => {
            tracing::warn!(correlation_id = %cid, %action, remote = ?remote, "admin call refused: {why}");
            ops.metrics.inc(
                "homeward_admin_refused_total",
                "Admin API calls refused for a missing or wrong token.",
                &[],
                1.0,
            );
            let resp = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                format!(
                    "{why}: send `Authorization: Bearer TOKEN` with a token of the admin token file"
                ),
            )
            .into_response();
            let mut resp = audit(
                &ops,
                AuditDraft {
                    correlation_id: cid.clone(),
                    actor: "-".into(),
                    action,
                    target: None,
                    outcome: AuditOutcome::Refused,
                    status: 401,
                    detail: why.to_string(),
                    remote,
                },
                resp,
            )
            .await;
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"homeward-admin\""),
            );
            return with_cid(resp, &cid);
        }
    };
    let needed = roles::required(&method, &route);
    if role < needed {
        tracing::warn!(correlation_id = %cid, actor = %actor, %action, "admin call refused: {role} may not");
        ops.metrics.inc(
            "homeward_admin_forbidden_total",
            "Admin API calls refused because the caller's role may not make them.",
            &[("route", &route)],
            1.0,
        );
        let why = format!("{actor} is a {role}; {action} needs the {needed} role");
        let resp = ApiError::new(StatusCode::FORBIDDEN, "forbidden", why.clone()).into_response();
        let resp = audit(
            &ops,
            AuditDraft {
                correlation_id: cid.clone(),
                actor,
                action,
                target: None,
                outcome: AuditOutcome::Refused,
                status: 403,
                detail: why,
                remote,
            },
            resp,
        )
        .await;
        return with_cid(resp, &cid);
    }
    req.extensions_mut().insert(Caller {
        name: actor.clone(),
        correlation_id: cid.clone(),
        role,
        agency,
        console: via_console,
    });
    let resp = next.run(req).await;
    let status = resp.status();
    ops.metrics.inc(
        "homeward_admin_requests_total",
        "Admin API calls, by route and status.",
        &[("route", &route), ("status", status.as_str())],
        1.0,
    );
    tracing::info!(correlation_id = %cid, actor = %actor, %action, status = status.as_u16(), "admin call");
    // Scrapes of /metrics are not audited when they succeed (every 15 s would bury the log).
    if path == "/metrics" && status.is_success() {
        return with_cid(resp, &cid);
    }
    let note = resp
        .extensions()
        .get::<AuditNote>()
        .cloned()
        .unwrap_or_default();
    let outcome = if status.is_success() {
        AuditOutcome::Ok
    } else if status.is_client_error() {
        AuditOutcome::Refused
    } else {
        AuditOutcome::Failed
    };
    let resp = audit(
        &ops,
        AuditDraft {
            correlation_id: cid.clone(),
            actor,
            action,
            target: note.target,
            outcome,
            status: status.as_u16(),
            detail: note.detail,
            remote,
        },
        resp,
    )
    .await;
    with_cid(resp, &cid)
}

/// Writes the audit entry; if it cannot be written, the answer says so (500).
async fn audit(ops: &Arc<Operations>, draft: AuditDraft, resp: Response) -> Response {
    let store = ops.store.clone();
    let cid = draft.correlation_id.clone();
    match blocking(move || store.audit_append(draft)).await {
        Ok(Ok(_)) => resp,
        Ok(Err(e)) => audit_failed(&cid, &e.to_string(), resp.status()),
        Err(e) => audit_failed(&cid, &e, resp.status()),
    }
}

fn audit_failed(cid: &str, why: &str, was: StatusCode) -> Response {
    tracing::error!(correlation_id = %cid, "the audit log could not be written: {why}");
    ApiError::internal(format!(
        "the call was answered {was} but its audit entry could not be written: {why}"
    ))
    .into_response()
}

fn with_cid(mut resp: Response, cid: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cid) {
        resp.headers_mut().insert(CORRELATION_HEADER, v);
    }
    resp
}

/// A running admin listener.
pub struct RunningAdmin {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), std::io::Error>>,
}

impl RunningAdmin {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting calls and lets calls in flight finish.
    pub async fn shutdown(mut self) -> Result<(), std::io::Error> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?
    }
}

/// Serves the admin API on `listener`.
pub fn start(ops: Arc<Operations>, listener: TcpListener) -> Result<RunningAdmin, std::io::Error> {
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(ops).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "admin API listening");
    Ok(RunningAdmin {
        addr,
        stop: Some(stop),
        task,
    })
}

/// Binds the `[admin] listen` address of the running configuration and serves on it.
pub async fn bind(ops: Arc<Operations>) -> Result<Option<RunningAdmin>, std::io::Error> {
    let Some(admin) = ops.config().admin.clone() else {
        return Ok(None);
    };
    let addr = admin
        .addr()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("[admin] listen {addr} is not a loopback address"),
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    start(ops, listener).map(Some)
}
