//! Quarantine: refused input, filtered; one item's raw bytes with the rejected field
//! highlighted and the reason; reprocessing one, several or all.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use homeward_store::QuarantineItem;
use maud::html;
use serde::Deserialize;
use serde_json::Value;

use super::super::html::{at, badge, csrf, facts, get, highlighted, link, text, time};
use super::super::{Ctx, posted, visit};
use super::{Remote, here, remote};
use crate::admin::roles::Role;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// Words that must all appear in the origin, source, format, field or reason.
    #[serde(default)]
    q: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    resolved: Option<String>,
}

fn matches(item: &Value, f: &Filter) -> bool {
    if !f.format.is_empty() && at(item, "format") != f.format {
        return false;
    }
    if !f.stage.is_empty() && at(item, "stage") != f.stage {
        return false;
    }
    let hay = [
        "origin", "source", "format", "field", "reason", "target", "position",
    ]
    .iter()
    .map(|k| at(item, k))
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase();
    f.q.to_lowercase()
        .split_whitespace()
        .all(|w| hay.contains(w))
}

/// `GET /console/quarantine?q=&format=&stage=&resolved=`.
pub async fn list(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(f): Query<Filter>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let resolved = f.resolved.as_deref() == Some("true");
    let reply = c
        .get(
            &v,
            &link(
                "/v1/quarantine",
                &[
                    ("limit", "10000"),
                    ("resolved", if resolved { "true" } else { "" }),
                ],
            ),
        )
        .await;
    if !reply.ok() {
        return c.failed(&v, "quarantine", "The quarantine could not be read", &reply);
    }
    let all = reply.body.as_array().cloned().unwrap_or_default();
    let mut formats: Vec<String> = all.iter().map(|i| at(i, "format")).collect();
    formats.sort();
    formats.dedup();
    let shown: Vec<&Value> = all.iter().rev().filter(|i| matches(i, &f)).collect();
    let may = v.may(Role::Administrator);
    let body = html! {
        p { "Input the gateway refused, kept whole with where it came from and why. "
            "Nothing here is ever removed automatically; reprocessing reads an item again with today's adapters "
            "and configuration, and removes it from quarantine when it goes through." }
        form method="get" action="/console/quarantine" class="filters" role="search" {
            label { "Contains" input type="search" name="q" value=(f.q); }
            label { "Format"
                select name="format" {
                    option value="" selected[f.format.is_empty()] { "any" }
                    @for fmt in &formats { option value=(fmt) selected[*fmt == f.format] { (fmt) } }
                }
            }
            label { "Stage"
                select name="stage" {
                    option value="" selected[f.stage.is_empty()] { "any" }
                    option value="read" selected[f.stage == "read"] { "read (the adapter refused it)" }
                    option value="apply" selected[f.stage == "apply"] { "apply (the store refused it)" }
                }
            }
            label { "Show"
                select name="resolved" {
                    option value="" selected[!resolved] { "open items" }
                    option value="true" selected[resolved] { "resolved items" }
                }
            }
            button type="submit" { "Filter" }
        }
        p { (shown.len()) " of " (all.len()) " " (if resolved { "resolved" } else { "open" }) " item(s)." }
        form method="post" action="/console/quarantine/reprocess" {
            (csrf(&v.session.csrf))
            table {
                thead { tr {
                    @if !resolved { th scope="col" { input type="checkbox" data-select-all="id" aria-label="Select every item shown"; } }
                    th scope="col" class="num" { "#" } th scope="col" { "Quarantined" } th scope="col" { "From" }
                    th scope="col" { "Format" } th scope="col" { "Where" } th scope="col" { "Field" } th scope="col" { "Reason" }
                    th scope="col" class="num" { "Attempts" }
                } }
                tbody {
                    @if shown.is_empty() { tr { td colspan="9" class="muted" { "Nothing matches." } } }
                    @for i in &shown {
                        @let id = at(i, "id");
                        tr {
                            @if !resolved { td { input type="checkbox" name="id" value=(id) aria-label=(format!("Select item {id}")); } }
                            td class="num" { a href=(format!("/console/quarantine/{id}")) { (id) } }
                            td { (time(&at(i, "at"))) }
                            td { (at(i, "origin")) @if !at(i, "source").is_empty() { br; span class="muted" { "source " (at(i, "source")) } } }
                            td { (at(i, "format")) " " (badge(&at(i, "stage"))) }
                            td { (at(i, "position")) }
                            td { code { (at(i, "field")) } }
                            td { (at(i, "reason")) }
                            td class="num" { (at(i, "attempts")) }
                        }
                    }
                }
            }
            @if !resolved {
                div class="actions" {
                    button type="submit" name="what" value="selected" { "Reprocess selected" }
                    button type="submit" name="what" value="all" class="secondary" { "Reprocess every open item" }
                    @if !may { span class="muted" { "Reprocessing needs the administrator role." } }
                }
            }
        }
    };
    c.page(&v, "quarantine", "Quarantine", body)
}

/// Where the rejected field is in the raw text: from the column to the end of the NCIC field
/// (`.`), or the first place the field's name appears (`<nc:PersonHeight`, `HGT/`).
fn field_span(raw: &str, item: &QuarantineItem) -> Option<(usize, usize)> {
    if let Some(col) = item.position.column {
        let start = usize::try_from(col).ok()?.checked_sub(1)?;
        if start < raw.len() && raw.is_char_boundary(start) {
            let rest = &raw[start..];
            let len = rest
                .find(['.', '\n', '\r'])
                .map(|e| if e == 0 { 1 } else { e })
                .unwrap_or(rest.len());
            return Some((start, start + len));
        }
    }
    let field = item.field.as_deref()?;
    // a transaction whose record is not held: the id it names
    if field == "target"
        && let Some(t) = &item.target
    {
        let native = t.rsplit('/').next().unwrap_or(t);
        if !native.is_empty()
            && let Some(a) = raw.find(native)
        {
            return Some((a, a + native.len()));
        }
    }
    for needle in [
        format!("<{field}"),
        format!("{field}/"),
        format!("\"{field}\""),
    ] {
        if let Some(a) = raw.find(&needle) {
            let rest = &raw[a..];
            let end = if needle.starts_with('<') {
                // the whole element when it closes soon after
                let close = format!("</{field}>");
                rest.find(&close)
                    .map(|e| e + close.len())
                    .filter(|e| *e < 2000)
                    .or_else(|| rest.find('>').map(|e| e + 1))
                    .unwrap_or(needle.len())
            } else {
                rest.find(['.', '\n']).unwrap_or(rest.len())
            };
            return Some((a, a + end.max(1)));
        }
    }
    None
}

/// `GET /console/quarantine/{id}`.
pub async fn show(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Path(id): Path<u64>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let reply = c.get(&v, &format!("/v1/quarantine/{id}")).await;
    if !reply.ok() {
        return c.failed(&v, "quarantine", &format!("Quarantine item #{id}"), &reply);
    }
    let open = get(&reply.body, "open").as_bool() == Some(true);
    let raw_item = if open {
        get(&reply.body, "item").clone()
    } else {
        get(&reply.body, "resolved.item").clone()
    };
    let item: QuarantineItem = match serde_json::from_value(raw_item) {
        Ok(i) => i,
        Err(e) => {
            let bad = super::super::ApiReply {
                status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                body: Value::Null,
                text: format!("the item does not decode: {e}"),
            };
            return c.failed(&v, "quarantine", &format!("Quarantine item #{id}"), &bad);
        }
    };
    let raw = String::from_utf8_lossy(&item.raw).into_owned();
    let span = field_span(&raw, &item);
    let records = get(&reply.body, "resolved.records")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let body = html! {
        @if !open {
            p class="flash ok" role="status" { "Resolved " (time(&at(&reply.body, "resolved.resolved_at"))) "." }
        }
        (facts(&[
            ("Reason", item.reason.clone()),
            ("Field", item.field.clone().unwrap_or_default()),
            ("Where", item.position.to_string()),
            ("From", item.origin.to_string()),
            ("Format", item.format.clone()),
            ("Stage", format!("{:?}", item.stage).to_lowercase()),
            ("Source given", item.source.clone().unwrap_or_default()),
            ("Quarantined", item.at.to_rfc3339()),
            ("Bytes", format!("{} (SHA-256 {})", item.raw.len(), item.digest)),
        ]))
        h2 { "The input as received" }
        @if span.is_some() { p { "The rejected field is highlighted." } }
        (highlighted(&raw, span))
        @if !item.attempts.is_empty() {
            h2 { "Earlier reprocessing attempts" }
            ul { @for a in &item.attempts { li { (time(&a.at.to_rfc3339())) ": " (a.reason) } } }
        }
        @if !records.is_empty() {
            h2 { "Records it made or changed" }
            ul {
                @for rec in &records {
                    @let rid = format!("{}/{}", at(rec, "0.source"), at(rec, "0.native_id"));
                    li { a href=(link("/console/records/show", &[("id", &rid)])) { (rid) } " version " (text(get(rec, "1"))) }
                }
            }
        }
        @if open {
            form method="post" action="/console/quarantine/reprocess" class="actions" {
                (csrf(&v.session.csrf))
                input type="hidden" name="id" value=(id);
                input type="hidden" name="what" value="selected";
                button type="submit" { "Reprocess this item" }
                @if !v.may(Role::Administrator) { span class="muted" { "Reprocessing needs the administrator role." } }
            }
        }
        p { a href="/console/quarantine" { "Back to the quarantine" } }
    };
    c.page(&v, "quarantine", &format!("Quarantine item #{id}"), body)
}

/// `POST /console/quarantine/reprocess` (`what=selected` with `id`s, or `what=all`).
pub async fn reprocess(State(c): Ctx, headers: HeaderMap, r: Remote, body: Bytes) -> Response {
    let (v, form) = match posted(
        &c,
        &headers,
        remote(&r),
        "/console/quarantine/reprocess",
        &body,
    ) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let ids: Vec<u64> = form
        .all("id")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let back = if ids.len() == 1 {
        format!("/console/quarantine/{}", ids[0])
    } else {
        "/console/quarantine".to_string()
    };
    if form.get("what") == Some("all") {
        let reply = c
            .api(&v, Method::POST, "/v1/quarantine/reprocess", None)
            .await;
        let text = if reply.ok() {
            format!(
                "Reprocessed every open item: {} resolved, {} still refused.",
                at(&reply.body, "resolved"),
                at(&reply.body, "still_refused")
            )
        } else {
            format!("Not reprocessed: {}", reply.message())
        };
        return c.done(&v, reply.ok(), text, "/console/quarantine");
    }
    if ids.is_empty() {
        return c.done(
            &v,
            false,
            "Select the items to reprocess first.",
            "/console/quarantine",
        );
    }
    let mut resolved = Vec::new();
    let mut refused = Vec::new();
    for id in &ids {
        let reply = c
            .api(
                &v,
                Method::POST,
                &format!("/v1/quarantine/{id}/reprocess"),
                None,
            )
            .await;
        if reply.ok() {
            let outcomes: Vec<String> = get(&reply.body, "outcomes")
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect();
            resolved.push(format!("#{id} ({})", outcomes.join("; ")));
        } else if reply.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY {
            refused.push(format!("#{id}: {}", at(&reply.body, "reason")));
        } else {
            refused.push(format!("#{id}: {}", reply.message()));
        }
    }
    let mut text = String::new();
    if !resolved.is_empty() {
        text.push_str(&format!(
            "Resolved and removed from quarantine: {}. ",
            resolved.join(", ")
        ));
    }
    if !refused.is_empty() {
        text.push_str(&format!("Still refused: {}.", refused.join("; ")));
    }
    c.done(&v, refused.is_empty(), text, &back)
}
