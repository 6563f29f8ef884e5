//! Records: search by name (in any script: `Иванова` finds `IVANOVA` and the other way
//! round), id, agency and status; one record with its history and lifecycle, where each
//! version came from (file and line, or exchange) and to which partners it was sent.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use serde_json::Value;

use super::super::html::{at, badge, facts, get, link, text, time};
use super::super::{Ctx, visit};
use super::matches::attribute_value;
use super::{Remote, here, remote};

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    status: String,
}

const KINDS: &[&str] = &["missing", "unidentified", "unclaimed"];
const STATUSES: &[&str] = &[
    "active",
    "located",
    "cleared",
    "cancelled",
    "identified",
    "expired",
];

/// `GET /console/records?q=&kind=&source=&status=`.
pub async fn search(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<SearchQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let searched =
        !(q.q.is_empty() && q.kind.is_empty() && q.source.is_empty() && q.status.is_empty());
    let reply = if searched {
        Some(
            c.get(
                &v,
                &link(
                    "/v1/records",
                    &[
                        ("q", &q.q),
                        ("kind", &q.kind),
                        ("source", &q.source),
                        ("status", &q.status),
                        ("limit", "200"),
                    ],
                ),
            )
            .await,
        )
    } else {
        None
    };
    if let Some(rep) = &reply
        && !rep.ok()
    {
        return c.failed(&v, "records", "The search failed", rep);
    }
    let rows = reply
        .as_ref()
        .and_then(|r| r.body.as_array().cloned())
        .unwrap_or_default();
    let body = html! {
        form method="get" action="/console/records" class="filters" role="search" {
            label { "Name or id " input type="search" name="q" value=(q.q) placeholder="a name in any script, a NIC, a case id"; }
            label { "Kind"
                select name="kind" {
                    option value="" selected[q.kind.is_empty()] { "any" }
                    @for k in KINDS { option value=(k) selected[q.kind == *k] { (k) } }
                }
            }
            label { "Agency (source) " input type="text" name="source" value=(q.source); }
            label { "Status"
                select name="status" {
                    option value="" selected[q.status.is_empty()] { "any" }
                    @for s in STATUSES { option value=(s) selected[q.status == *s] { (s) } }
                }
            }
            button type="submit" { "Search" }
        }
        @if searched {
            p { (rows.len()) " record(s)" @if rows.len() >= 200 { " (the first 200)" } "." }
            table {
                thead { tr {
                    th scope="col" { "Record" } th scope="col" { "Name" } th scope="col" { "Kind" }
                    th scope="col" { "Status" } th scope="col" { "Agency" } th scope="col" class="num" { "Version" }
                } }
                tbody {
                    @if rows.is_empty() { tr { td colspan="6" class="muted" { "No record matches." } } }
                    @for row in &rows {
                        @let id = at(row, "id");
                        tr {
                            td { a href=(link("/console/records/show", &[("id", &id)])) { (id) } }
                            td { (at(row, "name")) }
                            td { (at(row, "kind")) }
                            td { (badge(&at(row, "status"))) }
                            td { (at(row, "agency.name")) " " (at(row, "agency.ori")) }
                            td class="num" { (at(row, "version")) }
                        }
                    }
                }
            }
        } @else {
            p class="muted" { "Search by a name in any script or its Latin form, a NIC or case id, or filter by kind, agency and status." }
        }
    };
    c.page(&v, "records", "Records", body)
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    id: String,
}

/// `GET /console/records/show?id=`.
pub async fn show(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<ShowQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let rec = c.get(&v, &link("/v1/records/show", &[("id", &q.id)])).await;
    if !rec.ok() {
        return c.failed(&v, "records", &format!("Record {}", q.id), &rec);
    }
    let r = &rec.body;
    let id = format!("{}/{}", at(r, "id.source"), at(r, "id.native_id"));
    let history = c
        .get(&v, &link("/v1/records/history", &[("id", &id)]))
        .await;
    let sharing = c
        .get(&v, &link("/v1/records/sharing", &[("id", &id)]))
        .await;
    let matches = c
        .get(
            &v,
            &link("/v1/matches", &[("record", &id), ("limit", "20")]),
        )
        .await;
    let versions = history.body.as_array().cloned().unwrap_or_default();
    let kind = at(r, "kind");
    let texts: Vec<Value> = get(r, "texts").as_array().cloned().unwrap_or_default();
    let status_history: Vec<Value> = get(r, "status_history")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let body = html! {
        div class="actions" {
            @if kind == "missing" {
                a class="button" href=(link("/console/records/poster", &[("id", &id)])) { "Poster" }
            } @else {
                a class="button" href=(link("/console/matches/review", &[("id", &id)])) { "Review candidates" }
            }
        }
        (facts(&[
            ("Kind", format!("{kind} {}", at(r, "condition"))),
            ("Status", at(r, "status")),
            ("Agency", [at(r, "agency.name"), at(r, "agency.ori"), at(r, "agency.country")].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")),
            ("Case number", at(r, "case_number")),
            ("NIC", at(r, "nic")),
            ("Names", attribute_value(r, "name")),
            ("Date of birth", attribute_value(r, "dob")),
            ("Age", attribute_value(r, "age")),
            ("Sex", at(r, "sex")),
            ("Race", at(r, "race")),
            ("Height", attribute_value(r, "height")),
            ("Weight", attribute_value(r, "weight")),
            ("Eyes", at(r, "eye")),
            ("Hair", at(r, "hair")),
            ("Scars, marks, tattoos", attribute_value(r, "marks")),
            ("Dental", attribute_value(r, "dental")),
            ("Places", attribute_value(r, "place")),
            ("Dates", attribute_value(r, "date")),
            ("Received", at(r, "received_at")),
            ("Version", at(r, "version")),
        ]))
        @if !texts.is_empty() {
            h2 { "Free text" }
            @for t in &texts {
                p lang=[get(t, "lang").as_str()] { span class="muted" { (at(t, "kind")) ": " } (at(t, "text")) }
            }
        }
        h2 { "Lifecycle" }
        @if status_history.is_empty() { p { "Active since it was entered." } }
        @else {
            ol {
                @for e in &status_history {
                    li { (badge(&at(e, "status"))) " " (at(e, "at")) " " (at(e, "reason")) " " (at(e, "by")) " " span class="muted" { (text(get(e, "note"))) } }
                }
            }
        }
        h2 { "History: every version and where it came from" }
        @if !history.ok() { p role="alert" { (history.message()) } }
        table {
            thead { tr {
                th scope="col" class="num" { "Version" } th scope="col" { "Stored" } th scope="col" { "Change" }
                th scope="col" { "Fields changed" } th scope="col" { "From" }
            } }
            tbody {
                @for ver in &versions {
                    tr {
                        td class="num" { (at(ver, "version")) }
                        td { (time(&at(ver, "at"))) }
                        td { (at(ver, "change")) " " (at(ver, "action")) }
                        td { (get(ver, "changed").as_array().map(|a| a.iter().map(text).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                        td {
                            @let input = get(ver, "input");
                            @if input.is_null() { span class="muted" { "made in the gateway" } }
                            @else {
                                (origin_text(get(input, "origin"))) " (" (at(input, "format")) ")"
                                @let pos = position_text(get(input, "position"));
                                @if !pos.is_empty() { ", " (pos) }
                                @if !at(input, "quarantine").is_empty() {
                                    ", reprocessed from "
                                    a href=(format!("/console/quarantine/{}", at(input, "quarantine"))) { "quarantine #" (at(input, "quarantine")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Partners" }
        @if !sharing.ok() { p role="alert" { (sharing.message()) } }
        @let rows = get(&sharing.body, "partners").as_array().cloned().unwrap_or_default();
        @if rows.is_empty() && sharing.ok() { p class="muted" { "No partner is registered on this gateway." } }
        @else {
            table {
                thead { tr { th scope="col" { "Partner" } th scope="col" { "Sent to it" } th scope="col" { "Came from it" } } }
                tbody {
                    @for p in &rows {
                        tr {
                            td { (at(p, "partner")) }
                            td {
                                @let sent = get(p, "sent");
                                @if sent.is_null() { span class="muted" { "never" } }
                                @else { "version " (at(sent, "version")) " (" (at(sent, "status")) ") " (time(&at(sent, "at"))) }
                            }
                            td { (if get(p, "received").as_bool() == Some(true) { "yes" } else { "no" }) }
                        }
                    }
                }
            }
        }
        h2 { "Matches" }
        @let ms = get(&matches.body, "matches").as_array().cloned().unwrap_or_default();
        @if ms.is_empty() { p class="muted" { "No candidate is stored for this record." } }
        @else { (super::dashboard::matches_table(&ms, "Candidates naming this record")) }
    };
    c.page(&v, "records", &format!("Record {id}"), body)
}

fn origin_text(o: &Value) -> String {
    match o {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} {}", text(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => text(other),
    }
}

fn position_text(p: &Value) -> String {
    let mut out = vec![];
    for (k, label) in [("line", "line"), ("column", "column"), ("index", "item")] {
        let s = at(p, k);
        if !s.is_empty() {
            out.push(format!("{label} {s}"));
        }
    }
    if out.is_empty() {
        let b = at(p, "byte_offset");
        if !b.is_empty() {
            out.push(format!("byte {b}"));
        }
    }
    out.join(", ")
}
