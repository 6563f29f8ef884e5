//! Adapters and jobs: every job with its last and next run; a job's settings edited with the
//! configuration checker's messages next to the fields and its next five runs previewed in
//! its time zone; the configuration's history and rollback.
//!
//! A save goes through the admin API (`PUT /v1/config/jobs/{id}`): the whole new file is
//! checked as `homeward config check` checks it, written with the previous version kept, and
//! reloaded without a restart. A layout's columns (a job reading fixed-width files) are edited
//! the same way (`PUT /v1/config/layouts/{name}`).

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::super::html::{at, badge, csrf, get, link, text, time};
use super::super::{ApiReply, Console, Ctx, Form, Visit, posted, visit};
use super::dashboard::jobs_table;
use super::{Remote, here, remote};
use crate::admin::roles::Role;

fn path_segment(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `GET /console/jobs`.
pub async fn list(State(c): Ctx, headers: HeaderMap, r: Remote, uri: Uri) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let jobs = c.get(&v, "/v1/jobs").await;
    if !jobs.ok() {
        return c.failed(&v, "jobs", "The jobs could not be read", &jobs);
    }
    let list = jobs.body.as_array().cloned().unwrap_or_default();
    let body = html! {
        p { "Each job moves records through an adapter (format) and a transport on its schedule. "
            "Select a job to see or change its settings." }
        (jobs_table(&list, true))
        @if v.may(Role::Administrator) {
            p { a href="/console/config/history" { "Configuration history and rollback" } }
        }
    };
    c.page(&v, "jobs", "Adapters and jobs", body)
}

#[derive(Debug, Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    time_zone: String,
}

/// `GET /console/jobs/preview?schedule=&time_zone=`: the next five runs (JSON, for the page's
/// script), from the admin API.
pub async fn preview(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<PreviewQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(_) => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"ok": false, "message": "signed out"})),
            )
                .into_response();
        }
    };
    let reply = cron_preview(&c, &v, &q.schedule, &q.time_zone).await;
    (reply.status, Json(reply.body)).into_response()
}

async fn cron_preview(c: &Console, v: &Visit, schedule: &str, zone: &str) -> ApiReply {
    c.get(
        v,
        &link(
            "/v1/cron/preview",
            &[("schedule", schedule), ("time_zone", zone), ("count", "5")],
        ),
    )
    .await
}

/// The fields of the job form, in order: (field, label, hint).
const FIELDS: &[(&str, &str, &str)] = &[
    (
        "transport",
        "Transport",
        "file_drop, https_pull or https_push",
    ),
    (
        "format",
        "Adapter (format)",
        "ncic, xml, pfif, auto (file drop in), or a layout's name",
    ),
    (
        "dir",
        "Drop directory",
        "file_drop: holds inbox/, done/, failed/, outbox/",
    ),
    (
        "direction",
        "Direction",
        "file_drop: in (import the inbox) or out (write changes)",
    ),
    ("source", "File records under source", "optional"),
    (
        "partner",
        "Partner",
        "https_pull and https_push: a registered partner's id",
    ),
    ("feed", "Feed", "https_pull: changes or pfif"),
    (
        "batch_size",
        "Batch size",
        "items per page, push or file (default 500)",
    ),
    (
        "schedule",
        "Schedule",
        "cron with seconds: sec min hour day month weekday [year], or `on change`",
    ),
    (
        "time_zone",
        "Time zone",
        "IANA name, e.g. America/Chicago (default UTC)",
    ),
    (
        "retry.max_attempts",
        "Retries: attempts",
        "per item, before it goes to quarantine",
    ),
    ("retry.initial_delay_ms", "Retries: first delay (ms)", ""),
    ("retry.max_delay_ms", "Retries: longest delay (ms)", ""),
    (
        "retry.multiplier",
        "Retries: multiplier",
        "each delay is the last times this",
    ),
    (
        "retry.jitter",
        "Retries: jitter",
        "0 to 1: share of each delay randomised",
    ),
];

/// A field's value in the job's JSON as form text.
fn field_text(job: &Value, field: &str) -> String {
    text(get(job, field))
}

/// Problems keyed by job field (`schedule`, `retry.max_attempts`); ones of no field under "".
type FieldProblems = BTreeMap<String, Vec<(String, String)>>;

fn problems_by_field(reply: &ApiReply) -> FieldProblems {
    let mut out = FieldProblems::new();
    for p in get(&reply.body, "problems")
        .as_array()
        .into_iter()
        .flatten()
    {
        let field = at(p, "field");
        out.entry(field)
            .or_default()
            .push((at(p, "message"), at(p, "fix")));
    }
    out
}

fn id_of(f: &str) -> String {
    f.replace('.', "_")
}

struct EditForm<'a> {
    id: &'a str,
    values: BTreeMap<String, String>,
    enabled: bool,
    digest: String,
    problems: FieldProblems,
    next: Markup,
    may_edit: bool,
    csrf: &'a str,
}

fn edit_form(f: &EditForm<'_>) -> Markup {
    let general: Vec<&(String, String)> = f.problems.get("").into_iter().flatten().collect();
    html! {
        @if !f.problems.is_empty() {
            div class="flash bad" role="alert" id="form-errors" {
                "The job was not saved: the configuration would not pass "
                code { "homeward config check" } ". Each problem is shown next to its field."
                @for (m, fix) in &general {
                    p { (m) @if !fix.is_empty() { " — " (fix) } }
                }
            }
        }
        form method="post" action=(format!("/console/jobs/{}", path_segment(f.id))) class="stack" novalidate {
            (csrf(f.csrf))
            input type="hidden" name="base_digest" value=(f.digest);
            @for (field, label, hint) in FIELDS {
                @let fid = id_of(field);
                @let errs = f.problems.get(*field);
                @let described = if errs.is_some() { format!("{fid}-hint {fid}-error") } else { format!("{fid}-hint") };
                label for=(fid) { (label) " " span class="hint" id=(format!("{fid}-hint")) { (hint) } }
                input type="text" id=(fid) name=(field) value=(f.values.get(*field).cloned().unwrap_or_default())
                    aria-describedby=(described) aria-invalid=[errs.map(|_| "true")] disabled[!f.may_edit];
                @if *field == "schedule" {
                    p class="field-error" id="schedule-preview-error" aria-live="polite" {}
                }
                @if let Some(errs) = errs {
                    div class="field-error" id=(format!("{fid}-error")) {
                        @for (m, fix) in errs {
                            p { (m) @if !fix.is_empty() { span class="fix" { "Fix: " (fix) } } }
                        }
                    }
                }
                @if *field == "time_zone" {
                    h3 id="next-runs-label" { "Next five runs" }
                    (f.next)
                }
            }
            label { input type="checkbox" name="enabled" value="true" checked[f.enabled] disabled[!f.may_edit]; " Enabled (a disabled job is checked but not run)" }
            label for="comment" { "Comment for the history " span class="hint" { "optional: why the change" } }
            input type="text" id="comment" name="comment" disabled[!f.may_edit];
            div class="actions" {
                @if f.may_edit {
                    button type="submit" { "Check and save" }
                } @else {
                    p class="muted" { "Changing a job needs the administrator role." }
                }
                a class="button secondary" href="/console/jobs" { "Back to the jobs" }
            }
        }
    }
}

fn next_runs(p: &ApiReply) -> Markup {
    if !p.ok() {
        return html! { ul id="next-runs" class="next-runs" aria-labelledby="next-runs-label" { li { (p.message()) } } };
    }
    let ok = get(&p.body, "ok").as_bool() == Some(true);
    html! {
        ul id="next-runs" class="next-runs" aria-labelledby="next-runs-label" aria-live="polite" {
            @if !ok { li class="field-error" { (at(&p.body, "message")) } }
            @if get(&p.body, "on_change").as_bool() == Some(true) { li { "Runs when the store changes." } }
            @for t in get(&p.body, "next").as_array().into_iter().flatten() {
                li { (text(t)) }
            }
        }
    }
}

fn values_of(job: &Value) -> BTreeMap<String, String> {
    FIELDS
        .iter()
        .map(|(f, _, _)| (f.to_string(), field_text(job, f)))
        .collect()
}

/// The layout a job reads, when its format is a configured layout.
fn layout_section(layout: Option<(&Value, bool)>, job_format: &str, f: &EditForm<'_>) -> Markup {
    let Some((l, editable)) = layout else {
        return html! {};
    };
    let may = f.may_edit && editable;
    let col_problems = |i: usize| -> Vec<(String, String)> {
        let key = format!("columns[{i}]");
        f.problems
            .iter()
            .filter(|(k, _)| *k == &key || k.starts_with(&format!("{key}.")))
            .flat_map(|(k, v)| {
                v.iter().map(move |(m, fix)| {
                    (
                        format!("{}: {m}", k.trim_start_matches("columns")),
                        fix.clone(),
                    )
                })
            })
            .collect()
    };
    let columns = get(l, "columns").as_array().cloned().unwrap_or_default();
    html! {
        h2 { "Layout " code { (job_format) } ": columns of the fixed-width file" }
        p { (at(l, "description")) }
        @if !editable {
            p class="muted" { "This layout is read from a layout file (" code { "layout_files" } "): change it in that file." }
        }
        form method="post" action=(format!("/console/jobs/{}", path_segment(f.id))) class="stack" {
            (csrf(f.csrf))
            input type="hidden" name="base_digest" value=(f.digest);
            input type="hidden" name="layout" value=(job_format);
            table {
                caption { "One row a column; clear a row's name to remove it, fill the empty row to add one." }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Start" } th scope="col" { "Length" }
                    th scope="col" { "Canonical field" } th scope="col" { "Codes (file=value, ...)" }
                    th scope="col" { "Date format" } th scope="col" { "Unit" } th scope="col" { "Required" }
                } }
                tbody {
                    @for (i, col) in columns.iter().chain(std::iter::once(&Value::Null)).enumerate() {
                        @let codes = get(col, "codes").as_object().map(|m| m.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join(", ")).unwrap_or_default();
                        @let errs = col_problems(i);
                        tr {
                            td { input type="text" name=(format!("col{i}.name")) value=(at(col, "name")) aria-label=(format!("column {} name", i + 1)) disabled[!may]; }
                            td { input type="text" name=(format!("col{i}.start")) value=(at(col, "start")) aria-label=(format!("column {} start", i + 1)) disabled[!may]; }
                            td { input type="text" name=(format!("col{i}.length")) value=(at(col, "length")) aria-label=(format!("column {} length", i + 1)) disabled[!may]; }
                            td { input type="text" name=(format!("col{i}.field")) value=(at(col, "field")) aria-label=(format!("column {} canonical field", i + 1)) disabled[!may]; }
                            td { input type="text" name=(format!("col{i}.codes")) value=(codes) aria-label=(format!("column {} codes", i + 1)) disabled[!may]; }
                            td { input type="text" name=(format!("col{i}.date_format")) value=(at(col, "date_format")) aria-label=(format!("column {} date format", i + 1)) disabled[!may]; }
                            td { input type="text" name=(format!("col{i}.unit")) value=(at(col, "unit")) aria-label=(format!("column {} unit", i + 1)) disabled[!may]; }
                            td { input type="checkbox" name=(format!("col{i}.required")) value="true" checked[get(col, "required").as_bool() == Some(true)] aria-label=(format!("column {} required", i + 1)) disabled[!may]; }
                        }
                        @if !errs.is_empty() {
                            tr { td colspan="8" class="field-error" role="alert" {
                                @for (m, fix) in &errs { p { "Column " (i + 1) (m) @if !fix.is_empty() { span class="fix" { "Fix: " (fix) } } } }
                            } }
                        }
                    }
                }
            }
            @if may {
                div class="actions" { button type="submit" { "Check and save the layout" } }
            }
        }
    }
}

async fn render_edit(
    c: &Console,
    v: &Visit,
    id: &str,
    submitted: Option<(BTreeMap<String, String>, bool)>,
    problems: FieldProblems,
    status: StatusCode,
) -> Response {
    let may_edit = v.may(Role::Administrator);
    // the configuration is the administrators' to read: others see the job as it runs
    let reply = if may_edit {
        c.get(v, &format!("/v1/config/jobs/{}", path_segment(id)))
            .await
    } else {
        ApiReply {
            status: StatusCode::FORBIDDEN,
            body: Value::Null,
            text: String::new(),
        }
    };
    // Without the administrator role the configuration is not readable: show the running job.
    let (job, digest, toml_text, layout) = if reply.ok() {
        // the job as written in the file (what a save sends back, changed)
        let job = get(&reply.body, "fields").clone();
        let layout = get(&reply.body, "layout").clone();
        let editable = get(&reply.body, "layout_editable").as_bool() == Some(true);
        (
            job,
            at(&reply.body, "digest"),
            at(&reply.body, "toml"),
            (!layout.is_null()).then_some((layout, editable)),
        )
    } else if reply.status == StatusCode::FORBIDDEN || reply.status == StatusCode::CONFLICT {
        let running = c.get(v, &format!("/v1/jobs/{}", path_segment(id))).await;
        if !running.ok() {
            return c.failed(v, "jobs", &format!("Job {id}"), &running);
        }
        let job = {
            let cfg = get(&running.body, "config");
            if cfg.is_null() {
                get(&running.body, "job").clone()
            } else {
                cfg.clone()
            }
        };
        (job, String::new(), String::new(), None)
    } else {
        return c.failed(v, "jobs", &format!("Job {id}"), &reply);
    };
    let (values, enabled) = submitted.unwrap_or_else(|| {
        (
            values_of(&job),
            get(&job, "enabled").as_bool().unwrap_or(true),
        )
    });
    let schedule = values.get("schedule").cloned().unwrap_or_default();
    let zone = values.get("time_zone").cloned().unwrap_or_default();
    let preview = cron_preview(c, v, &schedule, &zone).await;
    let form = EditForm {
        id,
        values,
        enabled,
        digest,
        problems,
        next: next_runs(&preview),
        may_edit: may_edit && reply.ok(),
        csrf: &v.session.csrf,
    };
    let format = at(&job, "format");
    let body = html! {
        @if !reply.ok() && reply.status == StatusCode::CONFLICT {
            p class="flash bad" role="status" { (reply.message()) }
        }
        (edit_form(&form))
        (layout_section(layout.as_ref().map(|(l, e)| (l, *e)), &format, &form))
        @if !toml_text.is_empty() {
            details {
                summary { "As written in the configuration file" }
                pre class="raw" { (toml_text) }
            }
        }
        @if v.may(Role::Administrator) {
            form method="post" action=(format!("/console/jobs/{}/run", path_segment(id))) class="actions" {
                (csrf(&v.session.csrf))
                button type="submit" class="secondary" { "Run now" }
                a href="/console/config/history" { "Configuration history and rollback" }
            }
        }
    };
    let mut resp = c.page(v, "jobs", &format!("Job {id}"), body);
    *resp.status_mut() = status;
    resp
}

/// `GET /console/jobs/{id}`.
pub async fn edit(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    render_edit(&c, &v, &id, None, FieldProblems::new(), StatusCode::OK).await
}

/// The JSON value of a form field: a number when it reads as one, else the text (so the
/// checker names a wrong value at its key).
fn typed(field: &str, value: &str) -> Value {
    let numeric = matches!(
        field,
        "batch_size"
            | "retry.max_attempts"
            | "retry.initial_delay_ms"
            | "retry.max_delay_ms"
            | "retry.multiplier"
            | "retry.jitter"
            | "start"
            | "length"
    );
    if numeric {
        if let Ok(i) = value.parse::<i64>() {
            return json!(i);
        }
        if let Ok(f) = value.parse::<f64>() {
            return json!(f);
        }
    }
    json!(value)
}

/// The job's fields as the API takes them (nested `retry`), from the form.
fn fields_of(form: &Form) -> (Value, BTreeMap<String, String>, bool) {
    let mut fields = Map::new();
    let mut retry = Map::new();
    let mut values = BTreeMap::new();
    for (field, _, _) in FIELDS {
        let raw = form.get(field).unwrap_or("").trim().to_string();
        values.insert(field.to_string(), raw.clone());
        if raw.is_empty() {
            continue;
        }
        match field.strip_prefix("retry.") {
            Some(k) => {
                retry.insert(k.to_string(), typed(field, &raw));
            }
            None => {
                fields.insert(field.to_string(), typed(field, &raw));
            }
        }
    }
    if !retry.is_empty() {
        fields.insert("retry".into(), Value::Object(retry));
    }
    let enabled = form.get("enabled") == Some("true");
    // enabled is the default: written only when the job is disabled
    if !enabled {
        fields.insert("enabled".into(), json!(false));
    }
    (Value::Object(fields), values, enabled)
}

/// The layout's columns from the form (`col{i}.name` ...); rows without a name are dropped.
fn columns_of(form: &Form) -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..500 {
        let key = |k: &str| format!("col{i}.{k}");
        let Some(name) = form.get(&key("name")) else {
            break;
        };
        if name.trim().is_empty() {
            continue;
        }
        let mut col = Map::new();
        col.insert("name".into(), json!(name.trim()));
        for k in ["start", "length", "field", "date_format", "unit"] {
            if let Some(val) = form.text(&key(k)) {
                col.insert(k.into(), typed(k, &val));
            }
        }
        if let Some(codes) = form.text(&key("codes")) {
            let mut m = Map::new();
            for pair in codes.split(',') {
                if let Some((a, b)) = pair.split_once('=') {
                    m.insert(a.trim().to_string(), json!(b.trim()));
                }
            }
            col.insert("codes".into(), Value::Object(m));
        }
        if form.get(&key("required")) == Some("true") {
            col.insert("required".into(), json!(true));
        }
        out.push(Value::Object(col));
    }
    out
}

/// `POST /console/jobs/{id}`: checks and saves the job (or its layout's columns).
pub async fn save(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let path = format!("/console/jobs/{}", path_segment(&id));
    let (v, form) = match posted(&c, &headers, remote(&r), &path, &body) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let base = form.get("base_digest").unwrap_or("").to_string();
    let comment = form.text("comment");
    if let Some(layout) = form.text("layout") {
        let columns = columns_of(&form);
        let reply = c
            .api(
                &v,
                Method::PUT,
                &format!("/v1/config/layouts/{}", path_segment(&layout)),
                Some(json!({"columns": columns, "base_digest": base, "comment": comment})),
            )
            .await;
        if reply.ok() {
            return c.done(
                &v,
                true,
                format!(
                    "Layout {layout} saved as configuration version {} and reloaded.",
                    at(&reply.body, "version")
                ),
                &path,
            );
        }
        if reply.status == StatusCode::UNPROCESSABLE_ENTITY {
            let problems = problems_by_field(&reply);
            return render_edit(&c, &v, &id, None, problems, reply.status).await;
        }
        return c.done(
            &v,
            false,
            format!("Layout {layout} not saved: {}", reply.message()),
            &path,
        );
    }
    let (fields, values, enabled) = fields_of(&form);
    let reply = c
        .api(
            &v,
            Method::PUT,
            &format!("/v1/config/jobs/{}", path_segment(&id)),
            Some(json!({"fields": fields, "base_digest": base, "comment": comment})),
        )
        .await;
    if reply.ok() {
        return c.done(
            &v,
            true,
            format!(
                "Job {id} saved as configuration version {} and reloaded without a restart.",
                at(&reply.body, "version")
            ),
            &path,
        );
    }
    if reply.status == StatusCode::UNPROCESSABLE_ENTITY && !get(&reply.body, "problems").is_null() {
        let problems = problems_by_field(&reply);
        return render_edit(&c, &v, &id, Some((values, enabled)), problems, reply.status).await;
    }
    let mut problems = FieldProblems::new();
    problems
        .entry(String::new())
        .or_default()
        .push((reply.message(), String::new()));
    render_edit(&c, &v, &id, Some((values, enabled)), problems, reply.status).await
}

/// `POST /console/jobs/{id}/run`.
pub async fn run(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let path = format!("/console/jobs/{}", path_segment(&id));
    let (v, _) = match posted(&c, &headers, remote(&r), &format!("{path}/run"), &body) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let reply = c
        .api(
            &v,
            Method::POST,
            &format!("/v1/jobs/{}/run", path_segment(&id)),
            None,
        )
        .await;
    let text = if reply.ok() {
        format!("Job {id} is queued to run now; its outcome shows below once it has run.")
    } else {
        format!("Job {id} was not run: {}", reply.message())
    };
    c.done(&v, reply.ok(), text, &path)
}

/// `GET /console/config/history`.
pub async fn history(State(c): Ctx, headers: HeaderMap, r: Remote, uri: Uri) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let reply = c.get(&v, "/v1/config/history").await;
    if !reply.ok() {
        return c.failed(
            &v,
            "jobs",
            "The configuration history could not be read",
            &reply,
        );
    }
    let versions: Vec<Value> = match &reply.body {
        Value::Array(a) => a.clone(),
        other => get(other, "versions")
            .as_array()
            .cloned()
            .unwrap_or_default(),
    };
    let current = c.get(&v, "/v1/config/jobs").await;
    let digest = at(&current.body, "digest");
    let body = html! {
        p { "Every saved configuration, newest first. Rolling back writes that version again as a new one (checked first), and reloads." }
        table {
            thead { tr {
                th scope="col" class="num" { "Version" } th scope="col" { "Saved" } th scope="col" { "By" }
                th scope="col" { "Comment" } th scope="col" { "" }
            } }
            tbody {
                @for (i, h) in versions.iter().enumerate() {
                    @let n = at(h, "n");
                    tr {
                        td class="num" { a href=(format!("/console/config/history/{n}")) { (n) } }
                        td { (time(&at(h, "at"))) }
                        td { (at(h, "by")) }
                        td { (at(h, "comment")) }
                        td {
                            @if i == 0 && at(h, "digest") == digest { (badge("current")) }
                            @else {
                                form method="post" action=(format!("/console/config/history/{n}")) class="inline" {
                                    (csrf(&v.session.csrf))
                                    input type="hidden" name="base_digest" value=(digest);
                                    button type="submit" class="secondary" { "Roll back to version " (n) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    c.page(&v, "jobs", "Configuration history", body)
}

/// `GET /console/config/history/{n}`.
pub async fn version(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Path(n): Path<u64>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let reply = c.get(&v, &format!("/v1/config/history/{n}")).await;
    if !reply.ok() {
        return c.failed(&v, "jobs", &format!("Configuration version {n}"), &reply);
    }
    let h = &reply.body;
    let body = html! {
        p { "Saved " (time(&at(h, "at"))) " by " (at(h, "by")) ". " (at(h, "comment")) }
        pre class="raw" { (at(h, "text")) }
        p { a href="/console/config/history" { "Back to the history" } }
    };
    c.page(&v, "jobs", &format!("Configuration version {n}"), body)
}

/// `POST /console/config/history/{n}`: rolls back to version `n`.
pub async fn rollback(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    Path(n): Path<u64>,
    body: Bytes,
) -> Response {
    let (v, form) = match posted(
        &c,
        &headers,
        remote(&r),
        &format!("/console/config/history/{n}"),
        &body,
    ) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let base = form.get("base_digest").unwrap_or("").to_string();
    let reply = c
        .api(
            &v,
            Method::POST,
            &format!("/v1/config/rollback/{n}"),
            Some(json!({"base_digest": base, "comment": format!("rollback to version {n}")})),
        )
        .await;
    let text = if reply.ok() {
        format!(
            "Rolled back to version {n}: saved as version {} and reloaded.",
            at(&reply.body, "version")
        )
    } else {
        format!("Not rolled back to version {n}: {}", reply.message())
    };
    c.done(&v, reply.ok(), text, "/console/config/history")
}
