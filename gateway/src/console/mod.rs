//! The web console: server-rendered pages on the admin listener (`/console/`), for
//! administrators, investigators and viewers who should not need a terminal.
//!
//! **It works from the admin API.** Every page gets its data, and every form makes its change,
//! by calling the admin API in-process (the same router, guard, role table and audit log as
//! `curl` and `homeward status`), as the signed-in user: the console cannot show or do
//! anything the API would not, and an action in the console is audited exactly like the same
//! call with a token. The console itself only signs people in, renders HTML and checks the
//! CSRF token of each form.
//!
//! Sign-in: accounts in `[console] users_file` (Argon2id hashes, [`accounts`]); sessions in
//! memory with a random 256-bit token in an `HttpOnly; Secure; SameSite=Strict` cookie, an
//! idle timeout and a maximum age ([`session`]); every form carries the session's CSRF token,
//! and a form posted from another origin is refused. Failed sign-ins are throttled per name
//! and per address, and every sign-in, refused or not, is in the audit log.
//!
//! Pages (`pages/`): dashboard, adapters and jobs (edit with the checker's messages next to
//! the fields, next runs previewed, history and rollback), quarantine (filter, raw input with
//! the rejected field highlighted, reprocess), match review (candidates side by side,
//! attribute by attribute; confirm or exclude), records (search in any script, history,
//! provenance) and posters (HTML with a print stylesheet, and a PDF).

pub mod accounts;
pub mod config;
mod html;
mod pages;
pub mod session;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use homeward_store::{AuditDraft, AuditOutcome};
use maud::Markup;
use serde_json::Value;
use tower::ServiceExt;

use self::accounts::Accounts;
use self::config::ConsoleConfig;
use self::session::{Session, Sessions};
use crate::admin::roles::Role;
use crate::admin::server::{CORRELATION_HEADER, ConsoleIdentity};
use crate::config::Config;
use crate::jobs::blocking;
use crate::operations::Operations;

/// The session cookie.
pub const SESSION_COOKIE: &str = "homeward_session";
/// The sign-in form's cookie (double-submit token against login CSRF).
const LOGIN_COOKIE: &str = "homeward_login";
/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// The console's state.
pub struct Console {
    pub ops: Arc<Operations>,
    /// The admin API (guarded), called in-process.
    api: Router,
    pub sessions: Sessions,
    accounts: RwLock<Loaded>,
    settings: RwLock<ConsoleConfig>,
    base_dir: PathBuf,
    fonts: std::sync::OnceLock<homeward_poster::FontBook>,
}

struct Loaded {
    accounts: Accounts,
    path: PathBuf,
    modified: Option<SystemTime>,
    error: Option<String>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").finish_non_exhaustive()
    }
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn load_accounts(path: PathBuf) -> Loaded {
    let modified = modified(&path);
    match Accounts::load(&path) {
        Ok(accounts) => Loaded {
            accounts,
            path,
            modified,
            error: None,
        },
        Err(e) => {
            tracing::error!("console accounts: {e}");
            Loaded {
                accounts: Accounts::default(),
                path,
                modified,
                error: Some(e.to_string()),
            }
        }
    }
}

impl Console {
    /// The console of `config`, when it has `[console]`.
    pub fn new(ops: Arc<Operations>, api: Router, config: &Config) -> Option<Arc<Self>> {
        let settings = config.console.clone()?;
        let loaded = load_accounts(config.resolve(&settings.users_file));
        let sessions = Sessions::new(
            Duration::from_secs(settings.session_idle_minutes.max(1) * 60),
            Duration::from_secs(settings.session_max_hours.max(1) * 3600),
        );
        Some(Arc::new(Self {
            ops,
            api,
            sessions,
            accounts: RwLock::new(loaded),
            settings: RwLock::new(settings),
            base_dir: config.base_dir().to_path_buf(),
            fonts: std::sync::OnceLock::new(),
        }))
    }

    /// After a reload: the accounts file is read again and sessions follow it.
    pub fn reloaded(&self, config: &Config) {
        let Some(settings) = config.console.clone() else {
            return;
        };
        let loaded = load_accounts(config.resolve(&settings.users_file));
        self.sessions.refresh(&loaded.accounts);
        if let Ok(mut a) = self.accounts.write() {
            *a = loaded;
        }
        if let Ok(mut s) = self.settings.write() {
            *s = settings;
        }
    }

    /// The accounts, read again first when their file changed (`homeward console user add`
    /// takes effect at the next sign-in, without a reload).
    fn accounts(&self) -> Accounts {
        let stale = self
            .accounts
            .read()
            .map(|a| modified(&a.path) != a.modified)
            .unwrap_or(false);
        if stale && let Ok(mut a) = self.accounts.write() {
            let fresh = load_accounts(a.path.clone());
            self.sessions.refresh(&fresh.accounts);
            *a = fresh;
        }
        self.accounts
            .read()
            .map(|a| a.accounts.clone())
            .unwrap_or_default()
    }

    fn accounts_error(&self) -> Option<String> {
        self.accounts.read().ok().and_then(|a| a.error.clone())
    }

    fn settings(&self) -> ConsoleConfig {
        self.settings
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The fonts for PDF posters (system fonts and `[console] font_dirs`), found once.
    fn fonts(&self) -> &homeward_poster::FontBook {
        self.fonts.get_or_init(|| {
            let dirs: Vec<PathBuf> = self
                .settings()
                .font_dirs
                .iter()
                .map(|d| {
                    if d.is_absolute() {
                        d.clone()
                    } else {
                        self.base_dir.join(d)
                    }
                })
                .collect();
            if dirs.is_empty() {
                return homeward_poster::FontBook::system();
            }
            let mut all: Vec<PathBuf> = ["/usr/share/fonts", "/usr/local/share/fonts"]
                .iter()
                .map(PathBuf::from)
                .filter(|d| d.is_dir())
                .collect();
            all.extend(dirs);
            homeward_poster::FontBook::from_dirs(&all).unwrap_or_else(|e| {
                tracing::warn!("poster fonts: {e}; using the system's fonts only");
                homeward_poster::FontBook::system()
            })
        })
    }

    fn cookie_attrs(&self) -> &'static str {
        if self.settings().secure_cookies {
            "HttpOnly; Secure; SameSite=Strict"
        } else {
            "HttpOnly; SameSite=Strict"
        }
    }

    /// Writes an audit entry for what the console does itself (sign-in, sign-out).
    async fn audit(&self, draft: AuditDraft) {
        let store = self.ops.store.clone();
        match blocking(move || store.audit_append(draft)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!("console: audit entry not written: {e}"),
            Err(e) => tracing::error!("console: audit entry not written: {e}"),
        }
    }
}

/// The console's routes, on `console` (merged into the admin listener's router).
pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/") }))
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(pages::dashboard::show))
        .route("/console/assets/console.css", get(pages::assets::css))
        .route("/console/assets/console.js", get(pages::assets::js))
        .route(
            "/console/login",
            get(pages::login::form).post(pages::login::submit),
        )
        .route("/console/logout", post(pages::login::logout))
        .route("/console/jobs", get(pages::jobs::list))
        .route("/console/jobs/preview", get(pages::jobs::preview))
        .route(
            "/console/jobs/{id}",
            get(pages::jobs::edit).post(pages::jobs::save),
        )
        .route("/console/jobs/{id}/run", post(pages::jobs::run))
        .route("/console/config/history", get(pages::jobs::history))
        .route(
            "/console/config/history/{n}",
            get(pages::jobs::version).post(pages::jobs::rollback),
        )
        .route("/console/quarantine", get(pages::quarantine::list))
        .route(
            "/console/quarantine/reprocess",
            post(pages::quarantine::reprocess),
        )
        .route("/console/quarantine/{id}", get(pages::quarantine::show))
        .route("/console/matches", get(pages::matches::list))
        .route("/console/matches/review", get(pages::matches::review))
        .route("/console/matches/pair", get(pages::matches::pair))
        .route("/console/matches/decide", post(pages::matches::decide))
        .route("/console/records", get(pages::records::search))
        .route("/console/records/show", get(pages::records::show))
        .route("/console/records/poster", get(pages::poster::html))
        .route("/console/records/poster.pdf", get(pages::poster::pdf))
        .route("/console/audit", get(pages::dashboard::audit))
        .route("/console/{*rest}", get(pages::not_found))
        .with_state(console)
}

/// The console's state in handlers.
pub type Ctx = State<Arc<Console>>;

/// One request of a signed-in user.
pub struct Visit {
    pub token: String,
    pub session: Session,
    pub remote: Option<SocketAddr>,
    /// Ties this page's API calls together in the audit log.
    pub correlation_id: String,
}

impl Visit {
    pub fn role(&self) -> Role {
        self.session.role
    }

    pub fn may(&self, role: Role) -> bool {
        self.session.role >= role
    }
}

/// The value of cookie `name`.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn new_correlation_id() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    format!("console-{}", hex::encode(b))
}

/// The signed-in user of this request, or a redirect to the sign-in page (coming back to
/// `path` after).
// The rejection is the answer itself, as axum handlers return it.
#[allow(clippy::result_large_err)]
pub fn visit(
    console: &Console,
    headers: &HeaderMap,
    remote: Option<SocketAddr>,
    path_and_query: &str,
) -> Result<Visit, Response> {
    let to_login = || {
        let next = if path_and_query.starts_with("/console/") {
            path_and_query
        } else {
            "/console/"
        };
        Redirect::to(&html::link("/console/login", &[("next", next)])).into_response()
    };
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Err(to_login());
    };
    let Some(session) = console.sessions.get(&token) else {
        return Err(to_login());
    };
    Ok(Visit {
        token,
        session,
        remote,
        correlation_id: new_correlation_id(),
    })
}

/// The origin a form may come from: the `Host` the browser asked for, or one of
/// `[console] allowed_origins`.
fn origin_allowed(console: &Console, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // no Origin: not a cross-site browser form (SameSite=Strict covers older browsers)
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ours = [format!("http://{host}"), format!("https://{host}")];
    ours.iter().any(|o| o == origin)
        || console
            .settings()
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/') == origin)
}

/// A posted form: `key=value` pairs in order (keys may repeat).
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        Self {
            pairs: form_urlencoded::parse(body).into_owned().collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value, trimmed; `None` when absent or blank.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A form post of a signed-in user, its CSRF token and origin checked.
#[allow(clippy::result_large_err)]
pub fn posted(
    console: &Console,
    headers: &HeaderMap,
    remote: Option<SocketAddr>,
    path: &str,
    body: &Bytes,
) -> Result<(Visit, Form), Response> {
    let v = visit(console, headers, remote, path)?;
    if body.len() > MAX_FORM_BYTES {
        return Err(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The form is larger than the console accepts.",
        ));
    }
    let form = Form::parse(body);
    let token_ok = form
        .get("_csrf")
        .is_some_and(|t| session::same(t, &v.session.csrf));
    if !token_ok || !origin_allowed(console, headers) {
        let why = if token_ok {
            "the form came from another origin"
        } else {
            "the form's CSRF token is missing or wrong"
        };
        tracing::warn!(user = %v.session.user, %path, "console form refused: {why}");
        let draft = AuditDraft {
            correlation_id: v.correlation_id.clone(),
            actor: v.session.user.clone(),
            action: format!("POST {path}"),
            target: None,
            outcome: AuditOutcome::Refused,
            status: 403,
            detail: format!("console: {why}"),
            remote: remote.map(|r| r.to_string()),
        };
        let c = console.ops.store.clone();
        std::thread::spawn(move || {
            let _ = c.audit_append(draft);
        });
        return Err(refusal(
            StatusCode::FORBIDDEN,
            "This form cannot be accepted (it is stale or came from another site). Reload the page and try again.",
        ));
    }
    Ok((v, form))
}

fn refusal(status: StatusCode, text: &str) -> Response {
    let body = html::bare(
        "Refused",
        maud::html! { p role="alert" { (text) } p { a href="/console/" { "Back to the console" } } },
    );
    with_headers((status, maud_html(body)).into_response())
}

fn maud_html(m: Markup) -> ([(header::HeaderName, &'static str); 1], String) {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        m.into_string(),
    )
}

/// The security headers of every console answer.
pub fn with_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // `same-origin`, not `no-referrer`: browsers send `Origin: null` with a form posted under
    // `no-referrer`, and the origin check would refuse every form; other sites still get no
    // referrer (no record ids or searched names leave the console in URLs).
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if !h.contains_key(header::CACHE_CONTROL) {
        // pages carry personal data: never cached
        set(h, header::CACHE_CONTROL, "no-store");
    }
    resp
}

/// An answer of the admin API, called in-process.
#[derive(Debug, Clone)]
pub struct ApiReply {
    pub status: StatusCode,
    pub body: Value,
    /// The body as text, when it was not JSON.
    pub text: String,
}

impl ApiReply {
    pub fn ok(&self) -> bool {
        self.status.is_success()
    }

    /// The API's error message (`message`), or the status.
    pub fn message(&self) -> String {
        match self.body.get("message").and_then(Value::as_str) {
            Some(m) => m.to_string(),
            None if !self.text.is_empty() => self.text.clone(),
            None => self.status.to_string(),
        }
    }
}

impl Console {
    /// Calls the admin API as the visit's user: `uri` is the path and query (`/v1/jobs`).
    pub async fn api(&self, v: &Visit, method: Method, uri: &str, body: Option<Value>) -> ApiReply {
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(CORRELATION_HEADER, v.correlation_id.as_str())
            .body(Body::from(bytes));
        let mut req = match req {
            Ok(r) => r,
            Err(e) => {
                return ApiReply {
                    status: StatusCode::BAD_REQUEST,
                    body: Value::Null,
                    text: format!("bad request to {uri}: {e}"),
                };
            }
        };
        req.extensions_mut().insert(ConsoleIdentity {
            name: v.session.user.clone(),
            role: v.session.role,
            agency: v.session.agency.clone(),
        });
        if let Some(r) = v.remote {
            req.extensions_mut().insert(ConnectInfo(r));
        }
        let resp = match self.api.clone().oneshot(req).await {
            Ok(r) => r,
            Err(e) => match e {},
        };
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 256 * 1024 * 1024)
            .await
            .unwrap_or_default();
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(body) => ApiReply {
                status,
                body,
                text: String::new(),
            },
            Err(_) => ApiReply {
                status,
                body: Value::Null,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            },
        }
    }

    /// A GET of the admin API.
    pub async fn get(&self, v: &Visit, uri: &str) -> ApiReply {
        self.api(v, Method::GET, uri, None).await
    }

    /// A whole page for the visit, with its flash message.
    pub fn page(&self, v: &Visit, section: &str, title: &str, body: Markup) -> Response {
        let flash = self.sessions.take_flash(&v.token);
        let gateway = self.ops.gateway_id().to_string();
        let frame = html::Frame {
            user: &v.session.user,
            role: v.session.role,
            agency: v.session.agency.as_deref(),
            csrf: &v.session.csrf,
            gateway: &gateway,
            flash,
            section,
        };
        with_headers(maud_html(html::page(&frame, title, body)).into_response())
    }

    /// A page saying what went wrong with an API call (its status kept).
    pub fn failed(&self, v: &Visit, section: &str, what: &str, r: &ApiReply) -> Response {
        let body = maud::html! {
            p role="alert" class="flash bad" { (what) ": " (r.message()) }
            p { a href="/console/" { "Back to the dashboard" } }
        };
        let mut resp = self.page(v, section, what, body);
        *resp.status_mut() = if r.status.is_success() {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            r.status
        };
        resp
    }

    /// Redirects after a form, with a message for the next page.
    pub fn done(&self, v: &Visit, ok: bool, text: impl Into<String>, to: &str) -> Response {
        self.sessions.flash(&v.token, ok, text);
        with_headers(Redirect::to(to).into_response())
    }
}

/// Wraps the admin router with the console when the configuration has `[console]`; the
/// console is told of reloads through `ops`.
pub fn mount(ops: Arc<Operations>, api: Router) -> Router {
    let config = ops.config();
    match Console::new(ops.clone(), api.clone(), &config) {
        Some(console) => {
            let c = console.clone();
            ops.on_reload(Box::new(move |cfg: &Config| c.reloaded(cfg)));
            if let Some(e) = console.accounts_error() {
                tracing::error!("console: nobody can sign in until this is fixed: {e}");
            }
            tracing::info!("web console on the admin listener at /console/");
            api.merge(router(console))
        }
        None => api,
    }
}
