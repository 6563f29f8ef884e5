//! The admin API's configuration editor (for the web console): the `[[jobs]]` of the
//! configuration file shown and edited, every text written kept as a version in the store
//! (history and rollback), and previews of cron schedules.
//!
//! An edit (`PUT`/`POST`/`DELETE /v1/config/jobs...`, `POST /v1/config/rollback/{n}`) holds the
//! configuration lock ([`Operations::lock_config`]: one edit at a time, no reload in between)
//! and goes:
//!
//! 1. the file is read; `base_digest` (the SHA-256 of the text the editor started from) must be
//!    its digest, else 409 `conflict` — someone else changed it;
//! 2. the new text is made by editing the job's table in place ([`crate::config::edit`]: the
//!    rest of the file stays byte for byte, comments included);
//! 3. the whole new text is checked as `homeward config check` does (the file's directory as
//!    base, the file system looked at): any error is 422 `invalid` with the problems, each with
//!    the job `field` it is about, and nothing is written;
//! 4. the text on disk is recorded as a version (unless it is the latest one already), the new
//!    text is written atomically (a temporary file in the same directory, fsync, rename; the
//!    file's mode, and owner where allowed, kept) and recorded as a version (who, when,
//!    comment);
//! 5. the configuration is reloaded; if the reload is refused, the previous text is put back
//!    (atomically, and recorded as a version) and the answer is the reload's 409/422.
//!
//! Problems are answered as `{"severity", "field", "in_job", "path", "message", "fix", "line",
//! "column", "file"}`: `path` is the checker's (`jobs[2].schedule`), `field` the key relative to
//! the edited job (`schedule`, `retry.max_attempts`; `""` for the job as a whole) or `null` for
//! a problem elsewhere in the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use homeward_ops::Trigger;
use homeward_store::{ConfigVersion, ConfigVersionDraft, config_digest};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::server::{ApiError, AuditNote, Caller};
use crate::config::check::{CheckContext, Problem, Report, Severity, check_text};
use crate::config::edit::{self, EditError, Edited, JobTable};
use crate::jobs::blocking;
use crate::jobs::config::{JobConfig, parse_schedule};
use crate::operations::Operations;

type Ops = State<Arc<Operations>>;

/// The most run times a preview lists.
pub const MAX_PREVIEW: usize = 20;
/// Run times a preview lists by default, and a job shows.
pub const DEFAULT_PREVIEW: usize = 5;

// === errors ===

/// Why the configuration file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl WriteError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn into_api(self) -> ApiError {
        let WriteError::Io { source, .. } = &self;
        let denied = matches!(
            source.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        );
        if denied {
            ApiError::new(
                StatusCode::CONFLICT,
                "not_writable",
                format!(
                    "the configuration file cannot be written: {self}; the gateway's user needs write access to the file's directory (with systemd: ReadWritePaths= for it), or edit the file by hand"
                ),
            )
        } else {
            ApiError::internal(format!("writing the configuration file: {self}"))
        }
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store",
        format!("the configuration history: {e}"),
    )
}

fn no_config_file() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "no_config_file",
        "this gateway was started without a configuration file: there is nothing to edit",
    )
}

/// One problem of a form field (before any checking: a value TOML cannot hold).
fn field_problem(field: &str, message: String) -> Value {
    json!({
        "severity": Severity::Error,
        "field": field,
        "in_job": true,
        "path": "",
        "message": message,
        "fix": Value::Null,
        "line": Value::Null,
        "column": Value::Null,
        "file": Value::Null,
    })
}

fn edit_error(e: EditError) -> ApiError {
    let message = e.to_string();
    match e {
        EditError::NoSuchJob(_) | EditError::NoSuchLayout(_) => ApiError::not_found(message),
        EditError::Exists(_) => ApiError::new(StatusCode::CONFLICT, "exists", message),
        EditError::IdChange { .. } => {
            let mut a = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "id_change", &message);
            a.problems = Some(json!([field_problem("id", message)]));
            a
        }
        EditError::MissingId => {
            let mut a = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &message);
            a.problems = Some(json!([field_problem("id", message)]));
            a
        }
        EditError::Value { field, why } => {
            let mut a = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &message);
            a.problems = Some(json!([field_problem(&field, why)]));
            a
        }
        EditError::Parse(_)
        | EditError::NotRoundTrip
        | EditError::JobsNotTables
        | EditError::LayoutsNotTables
        | EditError::Duplicate(_) => ApiError::new(StatusCode::CONFLICT, "not_editable", message),
    }
}

/// The answer of a failed change, with its audit note naming what it was about.
fn refused(e: ApiError, target: &str) -> Response {
    let detail = format!("{}: {}", e.error, e.message);
    let mut resp = e.into_response();
    resp.extensions_mut().insert(AuditNote {
        target: Some(target.to_string()),
        detail,
    });
    resp
}

fn noted(body: impl IntoResponse, target: &str, detail: String) -> Response {
    let mut resp = body.into_response();
    resp.extensions_mut().insert(AuditNote {
        target: Some(target.to_string()),
        detail,
    });
    resp
}

fn body<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| bad_request(format!("the body is not the JSON expected: {e}")))
}

// === cron preview ===

#[derive(Debug, Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    schedule: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    count: Option<String>,
}

fn upcoming(t: &Trigger, n: usize) -> Vec<String> {
    t.upcoming(Utc::now(), n)
        .iter()
        .map(|d| d.to_rfc3339())
        .collect()
}

/// A job's schedule in its time zone, read as the checker reads it: the next `count` runs
/// (local times of the zone, RFC 3339), or the checker's message and fix.
fn preview(schedule: &str, time_zone: Option<&str>, count: usize) -> Value {
    match parse_schedule(schedule, time_zone) {
        Ok(Trigger::OnChange) => json!({"ok": true, "on_change": true, "next": []}),
        Ok(t) => json!({
            "ok": true,
            "on_change": false,
            "time_zone": time_zone.unwrap_or("UTC"),
            "next": upcoming(&t, count),
        }),
        Err(p) => json!({"ok": false, "field": p.field, "message": p.message, "fix": p.fix}),
    }
}

/// `GET /v1/cron/preview?schedule=S&time_zone=TZ&count=N`: 200 with `{"ok": true, "next":
/// [...]}` (`"on_change": true` and no times for `on change`) or `{"ok": false, "field",
/// "message", "fix"}`. An empty `time_zone` is none (UTC); `count` is 1 to 20 (5).
pub async fn cron_preview(Query(q): Query<PreviewQuery>) -> Result<Json<Value>, ApiError> {
    let count = match q.count.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_PREVIEW,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PREVIEW).contains(n))
            .ok_or_else(|| bad_request(format!("count must be 1 to {MAX_PREVIEW}")))?,
    };
    let Some(schedule) = q.schedule else {
        return Err(bad_request(
            "give the schedule: ?schedule=0+*/5+*+*+*+*&time_zone=America/Chicago",
        ));
    };
    let tz = q.time_zone.as_deref().filter(|t| !t.trim().is_empty());
    Ok(Json(preview(&schedule, tz, count)))
}

// === reading ===

struct FileNow {
    path: PathBuf,
    text: String,
    digest: String,
}

async fn read_file(path: &Path) -> Result<FileNow, ApiError> {
    let p = path.to_path_buf();
    let text = blocking(move || std::fs::read_to_string(&p))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| {
            ApiError::internal(format!(
                "the configuration file {} cannot be read: {e}",
                path.display()
            ))
        })?;
    Ok(FileNow {
        path: path.to_path_buf(),
        digest: config_digest(&text),
        text,
    })
}

async fn read_config(ops: &Operations) -> Result<FileNow, ApiError> {
    let path = ops.config_path().ok_or_else(no_config_file)?.to_path_buf();
    read_file(&path).await
}

async fn store_call<T: Send + 'static>(
    ops: &Operations,
    f: impl FnOnce(&homeward_store::Store) -> Result<T, homeward_store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = ops.store.clone();
    blocking(move || f(&store))
        .await
        .map_err(ApiError::internal)?
        .map_err(store_error)
}

/// The number of the version the file now holds: the latest, when its text is the file's.
async fn file_version(ops: &Operations, digest: &str) -> Result<(Option<u64>, u64), ApiError> {
    let latest = store_call(ops, |s| s.config_latest_version()).await?;
    let n = latest.as_ref().map_or(0, |v| v.n);
    Ok((latest.filter(|v| v.digest == digest).map(|v| v.n), n))
}

#[derive(Deserialize)]
struct OneJob {
    jobs: Vec<JobConfig>,
}

/// A job as the editor shows it: as written (`fields`, for editing), as the gateway reads it
/// (`config`, defaults filled in), and its next runs.
fn job_json(t: &JobTable, with_toml: bool) -> Value {
    let mut v = json!({
        "id": t.id,
        "index": t.index,
        "fields": t.fields,
    });
    match toml::from_str::<OneJob>(&t.toml) {
        Ok(mut one) if one.jobs.len() == 1 => {
            let c = one.jobs.remove(0);
            match parse_schedule(&c.schedule, c.time_zone.as_deref()) {
                Ok(trigger) => {
                    v["on_change"] = json!(matches!(trigger, Trigger::OnChange));
                    v["next"] = json!(upcoming(&trigger, DEFAULT_PREVIEW));
                }
                Err(p) => {
                    v["next"] = json!([]);
                    v["schedule_problem"] =
                        json!({"field": p.field, "message": p.message, "fix": p.fix});
                }
            }
            v["config"] = serde_json::to_value(&c).unwrap_or(Value::Null);
        }
        Ok(_) => v["config"] = Value::Null,
        Err(e) => {
            v["config"] = Value::Null;
            v["next"] = json!([]);
            v["error"] = json!(e.message());
        }
    }
    if with_toml {
        v["toml"] = json!(t.toml);
    }
    v
}

/// `GET /v1/config/jobs`: every `[[jobs]]` of the file, with the file's digest and version.
pub async fn jobs_list(State(ops): Ops) -> Result<Json<Value>, ApiError> {
    let file = read_config(&ops).await?;
    let jobs = edit::jobs(&file.text).map_err(edit_error)?;
    let (version, latest) = file_version(&ops, &file.digest).await?;
    Ok(Json(json!({
        "path": file.path,
        "digest": file.digest,
        "version": version,
        "latest_version": latest,
        "jobs": jobs.iter().map(|j| job_json(j, false)).collect::<Vec<_>>(),
    })))
}

/// `GET /v1/config/jobs/{id}`: one job, with the TOML text of its table.
pub async fn job_show(
    State(ops): Ops,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let file = read_config(&ops).await?;
    let jobs = edit::jobs(&file.text).map_err(edit_error)?;
    let job = jobs
        .iter()
        .find(|j| j.id.as_deref() == Some(id.as_str()))
        .ok_or_else(|| ApiError::not_found(format!("no job `{id}` in the configuration file")))?;
    let (version, _) = file_version(&ops, &file.digest).await?;
    let mut v = job_json(job, true);
    v["digest"] = json!(file.digest);
    v["version"] = json!(version);
    // the fixed-width layout it reads, when it is one of this file's [[layouts]] (editable
    // here), or of a layout file (shown, edited in that file)
    if let Some(format) = job.fields.get("format").and_then(Value::as_str) {
        let here = edit::layouts(&file.text)
            .ok()
            .and_then(|ls| ls.into_iter().find(|l| l.name.as_deref() == Some(format)));
        if let Some(l) = here {
            v["layout"] = l.fields;
            v["layout_editable"] = json!(true);
        } else if let Some(spec) = ops.config().all_layouts().find(|l| l.name == format) {
            v["layout"] = serde_json::to_value(spec).unwrap_or(Value::Null);
            v["layout_editable"] = json!(false);
        }
    }
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutBody {
    columns: Vec<Map<String, Value>>,
    base_digest: String,
    #[serde(default)]
    comment: Option<String>,
}

/// `PUT /v1/config/layouts/{name}` with `{"columns": [...], "base_digest": "...", "comment"?:
/// "..."}`: the columns of a `[[layouts]]` table of the file replaced, through the same check,
/// history and reload as a job's change (problems name `columns[3].start`).
pub async fn layout_replace(
    State(ops): Ops,
    UrlPath(name): UrlPath<String>,
    Extension(caller): Extension<Caller>,
    text: String,
) -> Response {
    let target = format!("configuration layout {name}");
    let run = async {
        let b: LayoutBody = body(&text)?;
        let change = Change {
            target: target.clone(),
            what: format!("replace the columns of layout {name}"),
            base_digest: Some(b.base_digest),
            comment: comment_or(b.comment, format!("layout {name} columns changed")),
            extra: Map::from_iter([("layout".to_string(), json!(name))]),
        };
        let columns = b.columns;
        apply(&ops, &caller, change, |t| {
            edit::replace_layout_columns(t, &name, &columns).map_err(edit_error)
        })
        .await
    };
    run.await.unwrap_or_else(|e| refused(e, &target))
}

// === changing ===

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    #[serde(default)]
    fields: Option<Map<String, Value>>,
    #[serde(default)]
    base_digest: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DeleteQuery {
    #[serde(default)]
    base_digest: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

/// Where a problem is in the edited job: `(in the job, field)`.
fn field_of(
    p: &Problem,
    text: &str,
    section: &str,
    index: Option<usize>,
) -> (bool, Option<String>) {
    let Some(i) = index else {
        return (false, None);
    };
    let at_pos = || match (p.line, p.column) {
        (Some(l), Some(c)) => edit::field_at_in(text, section, i, l, c),
        _ => None,
    };
    let job = format!("{section}[{i}]");
    if let Some(rest) = p.path.strip_prefix(&job)
        && (rest.is_empty() || rest.starts_with('.'))
    {
        let rest = rest.trim_start_matches('.');
        if !rest.is_empty() {
            return (true, Some(rest.to_string()));
        }
        return (true, Some(at_pos().unwrap_or_default()));
    }
    if p.path.is_empty()
        && let Some(f) = at_pos()
    {
        return (true, Some(f));
    }
    (false, None)
}

fn problems_json(problems: &[Problem], text: &str, section: &str, index: Option<usize>) -> Value {
    Value::Array(
        problems
            .iter()
            .map(|p| {
                let (in_job, field) = field_of(p, text, section, index);
                json!({
                    "severity": p.severity,
                    "field": field,
                    "in_job": in_job,
                    "path": p.path,
                    "message": p.message,
                    "fix": p.fix,
                    "line": p.line,
                    "column": p.column,
                    "file": p.file,
                })
            })
            .collect(),
    )
}

/// A temporary file beside `target`, unique to this call.
fn temp_beside(target: &Path) -> PathBuf {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "homeward.toml".into());
    let mut r = [0u8; 6];
    let _ = getrandom::fill(&mut r);
    dir.join(format!(
        ".{name}.edit-{}-{}.tmp",
        std::process::id(),
        hex::encode(r)
    ))
}

/// Writes `text` as the configuration file at `path`, whole or not at all: a temporary file in
/// the same directory (the file's mode, and its owner and group where this user may set
/// them), synced, renamed onto the file, the directory synced. A symbolic link is followed:
/// the file it names is replaced.
pub fn write_config_file(path: &Path, text: &str) -> Result<(), WriteError> {
    let target = std::fs::canonicalize(path).map_err(WriteError::io(path))?;
    let meta = std::fs::metadata(&target).map_err(WriteError::io(&target))?;
    let tmp = temp_beside(&target);
    let written = (|| -> Result<(), WriteError> {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(WriteError::io(&tmp))?;
        f.write_all(text.as_bytes()).map_err(WriteError::io(&tmp))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid())).is_err()
                && std::os::unix::fs::fchown(&f, None, Some(meta.gid())).is_err()
            {
                tracing::warn!(
                    "{}: the edited file keeps its mode but not its group",
                    target.display()
                );
            }
        }
        f.set_permissions(meta.permissions())
            .map_err(WriteError::io(&tmp))?;
        f.sync_all().map_err(WriteError::io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &target).map_err(WriteError::io(&target))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(WriteError::io(dir))
}

async fn write_file(path: &Path, text: &str) -> Result<(), ApiError> {
    let (p, t) = (path.to_path_buf(), text.to_string());
    blocking(move || write_config_file(&p, &t))
        .await
        .map_err(ApiError::internal)?
        .map_err(WriteError::into_api)
}

async fn check(path: &Path, text: &str) -> Result<Report, ApiError> {
    let base_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (p, t) = (path.to_path_buf(), text.to_string());
    blocking(move || {
        check_text(
            &t,
            Some(&p),
            &CheckContext {
                base_dir,
                filesystem: true,
            },
        )
    })
    .await
    .map_err(ApiError::internal)
}

/// What a change is, for its answer and audit entry.
struct Change {
    /// `configuration job tx-inbox`, `configuration`.
    target: String,
    /// `replace job tx-inbox`, `rollback to version 3`.
    what: String,
    base_digest: Option<String>,
    comment: String,
    /// Added to the success answer (`"job": "tx-inbox"`, `"rolled_back_to": 3`).
    extra: Map<String, Value>,
}

/// The edit path (see the module doc): `make` turns the file's text into the new one.
async fn apply(
    ops: &Arc<Operations>,
    caller: &Caller,
    change: Change,
    make: impl FnOnce(&str) -> Result<Edited, ApiError>,
) -> Result<Response, ApiError> {
    let path = ops.config_path().ok_or_else(no_config_file)?.to_path_buf();
    let lock = ops.lock_config().await;
    let file = read_file(&path).await?;
    if let Some(base) = &change.base_digest
        && !base.trim().eq_ignore_ascii_case(&file.digest)
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "the configuration file changed since it was read (its digest is now {}): read it again and redo the change; nothing was written",
                file.digest
            ),
        ));
    }
    let edited = make(&file.text)?;
    if edited.text == file.text {
        let (version, _) = file_version(ops, &file.digest).await?;
        return Ok(noted(
            Json(json!({
                "ok": true,
                "unchanged": true,
                "version": version,
                "digest": file.digest,
                "changed": [],
            })),
            &change.target,
            format!("{}: no change", change.what),
        ));
    }
    let report = check(&path, &edited.text).await?;
    if !report.is_ok() {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!(
                "the configuration would have {} error(s); nothing was written",
                report.errors()
            ),
        );
        e.problems = Some(problems_json(
            &report.problems,
            &edited.text,
            edited.section,
            edited.index,
        ));
        let first = report
            .problems
            .iter()
            .find(|p| p.severity == Severity::Error)
            .map(|p| format!("; first: {}: {}", p.path, p.message))
            .unwrap_or_default();
        e.message.push_str(&first);
        return Err(e);
    }
    let before = ConfigVersionDraft {
        by: "-".into(),
        comment: format!("as found on disk before {}: {}", caller.name, change.what),
        text: file.text.clone(),
    };
    let (previous, _) = store_call(ops, move |s| s.config_version_record(before)).await?;
    write_file(&path, &edited.text).await?;
    let draft = ConfigVersionDraft {
        by: caller.name.clone(),
        comment: change.comment.clone(),
        text: edited.text.clone(),
    };
    let version = match store_call(ops, move |s| s.config_version_append(draft)).await {
        Ok(v) => v,
        Err(e) => {
            // Not recorded: not kept either.
            return Err(match write_file(&path, &file.text).await {
                Ok(()) => e,
                Err(w) => ApiError::internal(format!(
                    "{}; and the previous text could not be put back: {}; the file holds an unrecorded, unapplied text",
                    e.message, w.message
                )),
            });
        }
    };
    match ops.reload_locked(&lock).await {
        Ok(reload) => {
            let detail = format!(
                "{}{}; version {}; reload: jobs +{} -{} ~{}",
                change.what,
                if edited.changed.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", edited.changed.join(", "))
                },
                version.n,
                reload.jobs_added.len(),
                reload.jobs_removed.len(),
                reload.jobs_changed.len()
            );
            let mut answer = json!({
                "ok": true,
                "version": version.n,
                "previous_version": previous.n,
                "digest": version.digest,
                "changed": edited.changed,
                "reload": reload,
            });
            if let Value::Object(m) = &mut answer {
                m.extend(change.extra);
            }
            Ok(noted(Json(answer), &change.target, detail))
        }
        Err(r) => {
            let status = if r.problems.is_empty() {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            if let Err(w) = write_file(&path, &file.text).await {
                return Err(ApiError::internal(format!(
                    "the reload was refused ({}) and the previous text could not be put back: {}; the file holds version {}, which is not running: roll back to version {}",
                    r.reason, w.message, version.n, previous.n
                )));
            }
            let restored = ConfigVersionDraft {
                by: caller.name.clone(),
                comment: format!(
                    "put back: the reload refused version {}: {}",
                    version.n, r.reason
                ),
                text: file.text.clone(),
            };
            let restored = store_call(ops, move |s| s.config_version_append(restored))
                .await
                .map(|v| v.n)
                .ok();
            let mut e = ApiError::new(
                status,
                "reload_refused",
                format!(
                    "{}; the previous configuration file was put back{}",
                    r.reason,
                    restored
                        .map(|n| format!(" (version {n})"))
                        .unwrap_or_default()
                ),
            );
            e.problems = Some(problems_json(
                &r.problems,
                &edited.text,
                edited.section,
                edited.index,
            ));
            Err(e)
        }
    }
}

fn job_target(id: &str) -> String {
    format!("configuration job {id}")
}

fn job_extra(id: &str) -> Map<String, Value> {
    Map::from_iter([("job".to_string(), json!(id))])
}

fn comment_or(c: Option<String>, default: String) -> String {
    c.map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or(default)
}

/// `PUT /v1/config/jobs/{id}` with `{"fields": {...}, "base_digest": "...", "comment": "..."}`:
/// the job's fields replaced (see the module doc).
pub async fn job_replace(
    State(ops): Ops,
    UrlPath(id): UrlPath<String>,
    Extension(caller): Extension<Caller>,
    text: String,
) -> Response {
    let target = job_target(&id);
    let run = async {
        let b: EditBody = body(&text)?;
        let fields = b
            .fields
            .ok_or_else(|| bad_request("give the job's fields: {\"fields\": {...}}"))?;
        let base = b.base_digest.ok_or_else(|| {
            bad_request("give base_digest: the digest of the file the change was made on")
        })?;
        let change = Change {
            target: target.clone(),
            what: format!("replace job {id}"),
            base_digest: Some(base),
            comment: comment_or(b.comment, format!("job {id} changed")),
            extra: job_extra(&id),
        };
        apply(&ops, &caller, change, |t| {
            edit::replace_job(t, &id, &fields).map_err(edit_error)
        })
        .await
    };
    run.await.unwrap_or_else(|e| refused(e, &target))
}

/// `POST /v1/config/jobs` with `{"fields": {"id": ..., ...}, "base_digest"?: ..., "comment"?:
/// ...}`: a new job after the last one; 409 `exists` when its id is taken.
pub async fn job_create(
    State(ops): Ops,
    Extension(caller): Extension<Caller>,
    text: String,
) -> Response {
    let mut target = "configuration job (new)".to_string();
    let run = async {
        let b: EditBody = body(&text)?;
        let fields = b
            .fields
            .ok_or_else(|| bad_request("give the job's fields: {\"fields\": {\"id\": ...}}"))?;
        let id = fields
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !id.is_empty() {
            target = job_target(&id);
        }
        let change = Change {
            target: target.clone(),
            what: format!("add job {id}"),
            base_digest: b.base_digest,
            comment: comment_or(b.comment, format!("job {id} added")),
            extra: job_extra(&id),
        };
        apply(&ops, &caller, change, |t| {
            edit::add_job(t, &fields).map_err(edit_error)
        })
        .await
    };
    let out = run.await;
    out.unwrap_or_else(|e| refused(e, &target))
}

/// `DELETE /v1/config/jobs/{id}?base_digest=...[&comment=...]`.
pub async fn job_delete(
    State(ops): Ops,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<DeleteQuery>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let target = job_target(&id);
    let run = async {
        let base = q.base_digest.ok_or_else(|| {
            bad_request("give ?base_digest=: the digest of the file the change was made on")
        })?;
        let change = Change {
            target: target.clone(),
            what: format!("delete job {id}"),
            base_digest: Some(base),
            comment: comment_or(q.comment, format!("job {id} deleted")),
            extra: job_extra(&id),
        };
        apply(&ops, &caller, change, |t| {
            edit::remove_job(t, &id).map_err(edit_error)
        })
        .await
    };
    run.await.unwrap_or_else(|e| refused(e, &target))
}

// === history ===

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    before: Option<u64>,
}

fn version_json(v: &ConfigVersion, with_text: bool) -> Value {
    let mut out = json!({
        "n": v.n,
        "at": v.at,
        "by": v.by,
        "comment": v.comment,
        "digest": v.digest,
        "bytes": v.bytes,
    });
    if with_text {
        out["text"] = json!(v.text);
    }
    out
}

/// `GET /v1/config/history[?limit=100&before=N]`: versions, newest first, without their text;
/// with the file's digest now and the version it holds.
pub async fn history(
    State(ops): Ops,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let before = q.before;
    let versions = store_call(&ops, move |s| s.config_versions(before, limit)).await?;
    let (digest, version) = match ops.config_path() {
        Some(p) => match read_file(p).await {
            Ok(f) => {
                let (v, _) = file_version(&ops, &f.digest).await?;
                (Some(f.digest), v)
            }
            // the history is still worth showing
            Err(_) => (None, None),
        },
        None => (None, None),
    };
    Ok(Json(json!({
        "versions": versions.iter().map(|v| version_json(v, false)).collect::<Vec<_>>(),
        "digest": digest,
        "version": version,
    })))
}

/// `GET /v1/config/history/{n}`: one version with its text.
pub async fn history_version(
    State(ops): Ops,
    UrlPath(n): UrlPath<u64>,
) -> Result<Json<Value>, ApiError> {
    store_call(&ops, move |s| s.config_version(n))
        .await?
        .map(|v| Json(version_json(&v, true)))
        .ok_or_else(|| ApiError::not_found(format!("no configuration version {n}")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    #[serde(default)]
    base_digest: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

/// `POST /v1/config/rollback/{n}` with `{"base_digest": ..., "comment"?: ...}`: version `n`'s
/// text written as a new version, checked and reloaded like an edit.
pub async fn rollback(
    State(ops): Ops,
    UrlPath(n): UrlPath<u64>,
    Extension(caller): Extension<Caller>,
    text: String,
) -> Response {
    let target = "configuration".to_string();
    let run = async {
        let b: RollbackBody = body(if text.trim().is_empty() { "{}" } else { &text })?;
        let base = b.base_digest.ok_or_else(|| {
            bad_request("give base_digest: the digest of the file the rollback replaces")
        })?;
        let old = store_call(&ops, move |s| s.config_version(n))
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no configuration version {n}")))?;
        let change = Change {
            target: target.clone(),
            what: format!("rollback to version {n}"),
            base_digest: Some(base),
            comment: comment_or(b.comment, format!("rollback to version {n}")),
            extra: Map::from_iter([("rolled_back_to".to_string(), json!(n))]),
        };
        let resp = apply(&ops, &caller, change, move |_| {
            Ok(Edited {
                section: "jobs",
                text: old.text,
                index: None,
                changed: Vec::new(),
            })
        })
        .await?;
        Ok::<_, ApiError>(resp)
    };
    run.await.unwrap_or_else(|e| refused(e, &target))
}
