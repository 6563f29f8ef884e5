//! The admin API's handlers. Every answer is JSON except `/metrics` (Prometheus text).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use homeward_schemas::translit::match_key;
use homeward_schemas::{Record, RecordId};
use homeward_store::{Lookup, Origin, QuarantineItem, Reprocessed, Stats};
use serde::{Deserialize, Serialize};

use super::server::{ApiError, AuditNote, Caller};
use crate::jobs::blocking;
use crate::jobs::push::parse_quarantine_origin;
use crate::jobs::runtime::JobView;
use crate::operations::Operations;

type Ops = State<Arc<Operations>>;
type ApiResult<T> = Result<T, ApiError>;

fn noted(body: impl IntoResponse, target: Option<String>, detail: impl Into<String>) -> Response {
    let mut resp = body.into_response();
    resp.extensions_mut().insert(AuditNote {
        target,
        detail: detail.into(),
    });
    resp
}

async fn store_call<T: Send + 'static>(
    ops: &Operations,
    f: impl FnOnce(&homeward_store::Store) -> Result<T, homeward_store::StoreError> + Send + 'static,
) -> ApiResult<T> {
    let store = ops.store.clone();
    blocking(move || f(&store))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store", e.to_string()))
}

// === health and metrics ===

#[derive(Serialize)]
struct Health {
    status: &'static str,
    gateway: String,
    uptime_seconds: u64,
    last_change: Option<u64>,
}

/// `GET /healthz` (no token): 200 when the store answers, 503 otherwise.
pub async fn healthz(State(ops): Ops) -> Response {
    let store = ops.store.clone();
    let seq = blocking(move || store.last_seq()).await;
    let ok = matches!(seq, Ok(Ok(_)));
    let body = Health {
        status: if ok { "ok" } else { "store_unavailable" },
        gateway: ops.gateway_id().to_string(),
        uptime_seconds: ops.uptime().as_secs(),
        last_change: seq.ok().and_then(|r| r.ok()),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(ops): Ops) -> Response {
    let m = ops.metrics.snapshot();
    m.set(
        "homeward_uptime_seconds",
        "Seconds since the gateway started.",
        &[],
        ops.uptime().as_secs_f64(),
    );
    for j in ops.job_views() {
        let l = [("job", j.id.as_str())];
        m.set(
            "homeward_job_running",
            "Whether a job is running now.",
            &l,
            f64::from(u8::from(j.running)),
        );
        if let Some(t) = j.last_finished {
            m.set(
                "homeward_job_last_run_timestamp_seconds",
                "When each job's last run finished (Unix time).",
                &l,
                t.timestamp() as f64,
            );
        }
        if let Some(o) = &j.last_outcome {
            m.set(
                "homeward_job_last_run_ok",
                "Whether each job's last run succeeded (1) or failed (0).",
                &l,
                f64::from(u8::from(o.ok)),
            );
        }
        if let Some(t) = j.next_run {
            m.set(
                "homeward_job_next_run_timestamp_seconds",
                "When each job runs next (Unix time).",
                &l,
                t.timestamp() as f64,
            );
        }
    }
    for p in ops.partner_statuses() {
        let l = [("partner", p.id.as_str())];
        if let Some(t) = p.last_success {
            m.set(
                "homeward_partner_last_success_timestamp_seconds",
                "When the last successful exchange with each partner ended (Unix time).",
                &l,
                t.timestamp() as f64,
            );
        }
        m.set(
            "homeward_partner_failures",
            "Failed exchanges with each partner since start.",
            &l,
            p.failures as f64,
        );
        m.set(
            "homeward_partner_refusals",
            "Records or pages refused, by either side, since start.",
            &l,
            p.refusals as f64,
        );
    }
    if let Ok(s) = ops.stats().await {
        m.set(
            "homeward_quarantine_open",
            "Items waiting in quarantine.",
            &[],
            s.quarantine.open as f64,
        );
        m.set(
            "homeward_quarantine_resolved",
            "Quarantine items resolved by reprocessing.",
            &[],
            s.quarantine.resolved as f64,
        );
        m.set(
            "homeward_change_feed_last_seq",
            "The change feed's last sequence number.",
            &[],
            s.last_change as f64,
        );
        for (kind, n) in &s.by_kind {
            m.set(
                "homeward_records",
                "Records in the store, by kind.",
                &[("kind", kind)],
                *n as f64,
            );
        }
        for (status, n) in &s.by_status {
            m.set(
                "homeward_records_by_status",
                "Records in the store, by case status.",
                &[("status", status)],
                *n as f64,
            );
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        m.render(),
    )
        .into_response()
}

// === status ===

/// What `homeward status` prints.
#[derive(Debug, Serialize, Deserialize)]
pub struct StatusBody {
    pub gateway: String,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub uptime_seconds: u64,
    pub jobs: Vec<serde_json::Value>,
    pub partners: Vec<serde_json::Value>,
    pub quarantine: serde_json::Value,
    pub store: Option<Stats>,
}

/// `GET /v1/status`: jobs, partners, quarantine and store counts in one answer.
pub async fn status(State(ops): Ops) -> ApiResult<Json<StatusBody>> {
    let stats = ops.stats().await.ok();
    let recent = store_call(&ops, |s| s.quarantine_list()).await?;
    let recent: Vec<serde_json::Value> = recent
        .iter()
        .rev()
        .take(5)
        .map(quarantine_summary)
        .collect();
    Ok(Json(StatusBody {
        gateway: ops.gateway_id().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: ops.started_at(),
        uptime_seconds: ops.uptime().as_secs(),
        jobs: ops
            .job_views()
            .iter()
            .filter_map(|j| serde_json::to_value(j).ok())
            .collect(),
        partners: ops
            .partner_statuses()
            .iter()
            .filter_map(|p| serde_json::to_value(p).ok())
            .collect(),
        quarantine: serde_json::json!({
            "open": stats.as_ref().map(|s| s.quarantine.open),
            "resolved": stats.as_ref().map(|s| s.quarantine.resolved),
            "recent": recent,
        }),
        store: stats,
    }))
}

// === jobs ===

/// `GET /v1/jobs`.
pub async fn jobs(State(ops): Ops) -> Json<Vec<JobView>> {
    Json(ops.job_views())
}

/// `GET /v1/jobs/{id}`: the job, its next five runs and its configuration.
pub async fn job(State(ops): Ops, Path(id): Path<String>) -> ApiResult<Json<serde_json::Value>> {
    let view = ops
        .job_views()
        .into_iter()
        .find(|j| j.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no job `{id}`")))?;
    let config = ops.config();
    let cfg = config.jobs.iter().find(|j| j.id == id);
    let upcoming: Vec<String> = cfg
        .and_then(|c| c.trigger().ok())
        .map(|t| {
            t.upcoming(Utc::now(), 5)
                .iter()
                .map(|d| d.to_rfc3339())
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(serde_json::json!({
        "job": view,
        "upcoming": upcoming,
        "config": cfg,
    })))
}

/// `POST /v1/jobs/{id}/run`: runs the job now (after its run in progress): 202.
pub async fn run_job(
    State(ops): Ops,
    Path(id): Path<String>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Response> {
    if !ops.jobs().run_now(&id) {
        let known = ops.job_views().iter().any(|j| j.id == id);
        return Err(if known {
            ApiError::new(
                StatusCode::CONFLICT,
                "disabled",
                format!("job `{id}` is disabled"),
            )
        } else {
            ApiError::not_found(format!("no job `{id}`"))
        });
    }
    Ok(noted(
        (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({"job": id, "queued": true, "by": caller.name})),
        ),
        Some(format!("job {id}")),
        "run now",
    ))
}

// === quarantine ===

fn quarantine_summary(q: &QuarantineItem) -> serde_json::Value {
    serde_json::json!({
        "id": q.id,
        "at": q.at,
        "origin": q.origin,
        "format": q.format,
        "position": q.position.to_string(),
        "stage": q.stage,
        "field": q.field,
        "reason": q.reason,
        "target": q.target,
        "bytes": q.raw.len(),
        "attempts": q.attempts.len(),
    })
}

#[derive(Deserialize)]
pub struct QuarantineQuery {
    #[serde(default)]
    resolved: bool,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /v1/quarantine[?resolved=true]`: items without their bytes, newest last.
pub async fn quarantine_list(
    State(ops): Ops,
    Query(q): Query<QuarantineQuery>,
) -> ApiResult<Json<Vec<serde_json::Value>>> {
    let limit = q.limit.unwrap_or(500);
    if q.resolved {
        let items = store_call(&ops, |s| s.quarantine_resolved_list()).await?;
        return Ok(Json(
            items
                .iter()
                .rev()
                .take(limit)
                .map(|r| {
                    let mut v = quarantine_summary(&r.item);
                    v["resolved_at"] = serde_json::json!(r.resolved_at);
                    v["records"] = serde_json::json!(r.records);
                    v
                })
                .collect(),
        ));
    }
    let items = store_call(&ops, |s| s.quarantine_list()).await?;
    let skip = items.len().saturating_sub(limit);
    Ok(Json(
        items.iter().skip(skip).map(quarantine_summary).collect(),
    ))
}

/// `GET /v1/quarantine/{id}`: one item whole (raw bytes as text, or `{"hex": ...}`).
pub async fn quarantine_show(State(ops): Ops, Path(id): Path<u64>) -> ApiResult<Response> {
    if let Some(q) = store_call(&ops, move |s| s.quarantine_get(id)).await? {
        return Ok(Json(serde_json::json!({"open": true, "item": q})).into_response());
    }
    match store_call(&ops, move |s| s.quarantine_resolved(id)).await? {
        Some(r) => Ok(Json(serde_json::json!({"open": false, "resolved": r})).into_response()),
        None => Err(ApiError::not_found(format!("no quarantine item #{id}"))),
    }
}

fn reprocessed_json(r: &Reprocessed) -> serde_json::Value {
    match r {
        Reprocessed::Resolved { id, outcomes } => serde_json::json!({
            "id": id,
            "resolved": true,
            "outcomes": outcomes.iter().map(|o| o.outcome.to_string()).collect::<Vec<_>>(),
        }),
        Reprocessed::StillRefused { id, reason } => serde_json::json!({
            "id": id,
            "resolved": false,
            "reason": reason,
        }),
    }
}

/// Reprocesses one item: an outgoing record a partner refused is pushed again; anything
/// else is read again with today's formats and applied.
async fn reprocess_one(ops: &Arc<Operations>, id: u64) -> ApiResult<Reprocessed> {
    let item = store_call(ops, move |s| s.quarantine_get(id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no open quarantine item #{id}")))?;
    if let Origin::Internal(o) = &item.origin
        && let Some((job, partner)) = parse_quarantine_origin(o)
    {
        let Some(link) = ops.link() else {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "no_link",
                "this gateway has no partner link to push the record again",
            ));
        };
        #[derive(Deserialize)]
        struct Wrapped {
            record: Record,
        }
        let w: Wrapped = serde_json::from_slice(&item.raw)
            .map_err(|e| ApiError::internal(format!("item #{id} does not decode: {e}")))?;
        let current_id = w.record.id.clone();
        let current = store_call(ops, move |s| s.get(&current_id))
            .await?
            .unwrap_or(w.record);
        if let Err(e) = link.push_records(partner, vec![current]).await {
            return Ok(Reprocessed::StillRefused {
                id,
                reason: format!("pushed again (job {job}): {e}"),
            });
        }
    }
    let registry = ops.registry();
    let limits = ops.config().limits.limits();
    let r = store_call(ops, move |s| s.reprocess(id, &registry, limits)).await?;
    ops.invalidate_stats();
    Ok(r)
}

/// `POST /v1/quarantine/{id}/reprocess`.
pub async fn quarantine_reprocess(State(ops): Ops, Path(id): Path<u64>) -> ApiResult<Response> {
    let r = reprocess_one(&ops, id).await?;
    let detail = match &r {
        Reprocessed::Resolved { .. } => "resolved".to_string(),
        Reprocessed::StillRefused { reason, .. } => format!("still refused: {reason}"),
    };
    let status = match &r {
        Reprocessed::Resolved { .. } => StatusCode::OK,
        Reprocessed::StillRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok(noted(
        (status, Json(reprocessed_json(&r))),
        Some(format!("quarantine #{id}")),
        detail,
    ))
}

/// `POST /v1/quarantine/reprocess`: every open item, oldest first.
pub async fn quarantine_reprocess_all(State(ops): Ops) -> ApiResult<Response> {
    let ids: Vec<u64> = store_call(&ops, |s| s.quarantine_list())
        .await?
        .iter()
        .map(|q| q.id)
        .collect();
    let mut out = Vec::new();
    let mut resolved = 0;
    for id in &ids {
        let r = reprocess_one(&ops, *id).await?;
        if matches!(r, Reprocessed::Resolved { .. }) {
            resolved += 1;
        }
        out.push(reprocessed_json(&r));
    }
    Ok(noted(
        Json(
            serde_json::json!({"items": out, "resolved": resolved, "still_refused": ids.len() - resolved}),
        ),
        Some("quarantine (all)".into()),
        format!("{resolved} of {} resolved", ids.len()),
    ))
}

// === partners ===

/// `GET /v1/partners`: each configured partner, its last exchange and refusals.
pub async fn partners(State(ops): Ops) -> Json<serde_json::Value> {
    let config = ops.config();
    let statuses = ops.partner_statuses();
    let out: Vec<serde_json::Value> = statuses
        .iter()
        .map(|s| {
            let p = config.partners.iter().find(|p| p.id == s.id);
            serde_json::json!({
                "id": s.id,
                "endpoint": p.map(|p| p.endpoint.clone()),
                "role": p.map(|p| p.role),
                "keys": p.map(|p| p.keys.len()),
                "activity": s,
            })
        })
        .collect();
    Json(serde_json::json!(out))
}

// === records ===

#[derive(Deserialize)]
pub struct RecordsQuery {
    /// A name (any script), a native id, NIC or `source/native_id`.
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

fn record_line(r: &Record) -> serde_json::Value {
    let name = r
        .names
        .first()
        .map(|n| {
            n.full.clone().unwrap_or_else(|| {
                [n.given.as_deref(), n.middle.as_deref(), n.family.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })
        .unwrap_or_default();
    serde_json::json!({
        "id": r.id.to_string(),
        "kind": r.kind,
        "status": r.status,
        "version": r.version,
        "name": name,
        "agency": r.agency,
    })
}

fn name_keys(r: &Record) -> Vec<String> {
    let mut out = Vec::new();
    for n in &r.names {
        let parts = [
            n.full.as_deref(),
            n.given.as_deref(),
            n.middle.as_deref(),
            n.family.as_deref(),
        ];
        let text: Vec<&str> = parts.into_iter().flatten().collect();
        out.push(match_key(&text.join(" ")));
        if let Some(l) = &n.latin {
            out.push(match_key(&serde_json::to_string(l).unwrap_or_default()));
        }
    }
    out
}

/// `GET /v1/records?q=&kind=&source=&status=&limit=`: records matching a name (any script,
/// any word order), an id, and the filters; at most `limit` (100).
pub async fn records(
    State(ops): Ops,
    Query(q): Query<RecordsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = q.limit.unwrap_or(100).min(1000);
    let out = store_call(&ops, move |s| {
        let mut out = Vec::new();
        if let Some(text) = q.q.as_deref()
            && let Lookup::Found(r) = s.find(text)?
        {
            out.push(record_line(&r));
            return Ok(out);
        }
        let words: Vec<String> =
            q.q.as_deref()
                .map(|t| {
                    match_key(t)
                        .split_whitespace()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
        let iter: Box<dyn Iterator<Item = _>> = match &q.source {
            Some(src) => Box::new(s.records_of(src)?),
            None => Box::new(s.records()?),
        };
        for r in iter {
            let r = r?;
            if q.kind.as_deref().is_some_and(|k| r.kind.to_string() != k)
                || q.status
                    .as_deref()
                    .is_some_and(|st| r.status.to_string() != st)
            {
                continue;
            }
            if !words.is_empty() {
                let keys = name_keys(&r);
                let id = r.id.to_string().to_lowercase();
                if !words.iter().all(|w| {
                    keys.iter().any(|k| k.split_whitespace().any(|kw| kw == w))
                        || id.contains(w.as_str())
                }) {
                    continue;
                }
            }
            out.push(record_line(&r));
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    })
    .await?;
    Ok(Json(serde_json::json!(out)))
}

#[derive(Deserialize)]
pub struct RecordQuery {
    id: String,
    #[serde(default)]
    version: Option<u64>,
}

async fn find(ops: &Arc<Operations>, id: String) -> ApiResult<Record> {
    let shown = id.clone();
    match store_call(ops, move |s| s.find(&id)).await? {
        Lookup::Found(r) => Ok(*r),
        Lookup::NotFound => Err(ApiError::not_found(format!("no record `{shown}`"))),
        Lookup::Ambiguous(ids) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "ambiguous",
            format!(
                "`{shown}` names several records: {}; use source/native_id",
                ids.iter()
                    .map(RecordId::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// `GET /v1/records/show?id=ID[&version=N]`.
pub async fn record_show(State(ops): Ops, Query(q): Query<RecordQuery>) -> ApiResult<Response> {
    let r = find(&ops, q.id.clone()).await?;
    let target = Some(format!("record {}", r.id));
    let Some(v) = q.version else {
        return Ok(noted(Json(r), target, "show"));
    };
    let id = r.id.clone();
    let history = store_call(&ops, move |s| s.history(&id)).await?;
    let entry = history
        .into_iter()
        .find(|e| e.version == v)
        .ok_or_else(|| ApiError::not_found(format!("{} has no version {v}", r.id)))?;
    Ok(noted(Json(entry), target, format!("show version {v}")))
}

/// `GET /v1/records/history?id=ID`: every version, with what changed and from which input.
pub async fn record_history(State(ops): Ops, Query(q): Query<RecordQuery>) -> ApiResult<Response> {
    let r = find(&ops, q.id.clone()).await?;
    let id = r.id.clone();
    let history = store_call(&ops, move |s| s.history(&id)).await?;
    Ok(noted(
        Json(history),
        Some(format!("record {}", r.id)),
        "history",
    ))
}

/// `GET /v1/records/sharing?id=ID`: for every configured partner, what was last sent of the
/// record to it (version, status, when) and whether the record came from it.
pub async fn record_sharing(State(ops): Ops, Query(q): Query<RecordQuery>) -> ApiResult<Response> {
    let r = find(&ops, q.id.clone()).await?;
    let partners: Vec<String> = ops.config().partners.iter().map(|p| p.id.clone()).collect();
    let id = r.id.clone();
    let rows = store_call(&ops, move |s| {
        let mut out = Vec::new();
        for p in &partners {
            let sent = s.shared_marks(p, std::slice::from_ref(&id))?;
            let received = s.received_from(p, std::slice::from_ref(&id))?;
            out.push(serde_json::json!({
                "partner": p,
                "sent": sent.into_iter().next().flatten(),
                "received": received.first().copied().unwrap_or(false),
            }));
        }
        Ok(out)
    })
    .await?;
    Ok(noted(
        Json(serde_json::json!({"id": r.id.to_string(), "partners": rows})),
        Some(format!("record {}", r.id)),
        "sharing",
    ))
}

// === reload ===

/// `POST /v1/reload`: 200 with what changed, or 422 with every problem of the file (the
/// running configuration stays), or 409 when a change needs a restart.
pub async fn reload(State(ops): Ops) -> Response {
    match ops.reload().await {
        Ok(report) => {
            let detail = format!(
                "jobs +{} -{} ~{}",
                report.jobs_added.len(),
                report.jobs_removed.len(),
                report.jobs_changed.len()
            );
            noted(Json(report), Some("configuration".into()), detail)
        }
        Err(refused) => {
            let status = if refused.problems.is_empty() {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let mut e = ApiError::new(status, "reload_refused", refused.reason.clone());
            e.problems = serde_json::to_value(&refused.problems).ok();
            let mut resp = e.into_response();
            resp.extensions_mut().insert(AuditNote {
                target: Some("configuration".into()),
                detail: format!(
                    "{}{}",
                    refused.reason,
                    refused
                        .problems
                        .first()
                        .map(|p| format!("; first: {p}"))
                        .unwrap_or_default()
                ),
            });
            resp
        }
    }
}

// === configuration ===

/// `POST /v1/config/check` with a configuration as the body: every problem, as `homeward
/// config check` reports them (paths read from the running configuration's directory). For
/// editors (the web console) that show problems next to the field before saving.
pub async fn config_check(State(ops): Ops, body: String) -> Response {
    let base = ops
        .config()
        .base_dir
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let report = blocking(move || {
        crate::config::check::check_text(
            &body,
            None,
            &crate::config::check::CheckContext {
                base_dir: base,
                filesystem: true,
            },
        )
    })
    .await;
    match report {
        Ok(r) => {
            let errors = r.errors();
            let status = if errors == 0 {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            noted(
                (
                    status,
                    Json(
                        serde_json::json!({"ok": errors == 0, "errors": errors, "problems": r.problems}),
                    ),
                ),
                Some("configuration (check only)".into()),
                format!("{errors} error(s)"),
            )
        }
        Err(e) => ApiError::internal(e).into_response(),
    }
}

// === audit ===

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    after: Option<u64>,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /v1/audit?after=N&limit=M`: entries after N (default: the last M, 100).
pub async fn audit(
    State(ops): Ops,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = q.limit.unwrap_or(100).min(10_000);
    let entries = store_call(&ops, move |s| match q.after {
        Some(a) => s.audit_after(a, limit),
        None => s.audit_tail(limit),
    })
    .await?;
    Ok(Json(serde_json::json!(entries)))
}

/// Any other path.
pub async fn fallback() -> ApiError {
    ApiError::not_found("no such admin endpoint (see ARCHITECTURE.md, Operations)")
}
