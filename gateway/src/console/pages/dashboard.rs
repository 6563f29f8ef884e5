//! The dashboard (partners, jobs, quarantine, the user's agency's new match notices) and the
//! audit log (administrators).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::super::html::{at, badge, get, link, text, time};
use super::super::{Ctx, visit};
use super::{Remote, here, remote};

/// The jobs table (dashboard and jobs page).
pub fn jobs_table(jobs: &[Value], with_links: bool) -> Markup {
    html! {
        table {
            caption { "Jobs" }
            thead { tr {
                th scope="col" { "Job" } th scope="col" { "Transport" } th scope="col" { "Schedule" }
                th scope="col" { "Last run" } th scope="col" { "Outcome" } th scope="col" { "Next run" }
            } }
            tbody {
                @if jobs.is_empty() {
                    tr { td colspan="6" class="muted" { "No jobs are configured." } }
                }
                @for j in jobs {
                    @let id = at(j, "id");
                    @let outcome = get(j, "last_outcome");
                    tr {
                        td {
                            @if with_links { a href=(format!("/console/jobs/{}", id)) { (id) } } @else { (id) }
                            br; span class="muted" { (at(j, "description")) }
                        }
                        td { (at(j, "transport")) }
                        td { code { (at(j, "schedule")) } " " span class="muted" { (at(j, "time_zone")) } }
                        td { (time(&at(j, "last_finished"))) }
                        td {
                            @if get(j, "running").as_bool() == Some(true) { (badge("running")) " " }
                            @if outcome.is_null() { span class="muted" { "not run yet" } }
                            @else {
                                (badge(if get(outcome, "ok").as_bool() == Some(true) { "ok" } else { "failed" }))
                                " " (at(outcome, "summary"))
                            }
                        }
                        td { (time(&at(j, "next_run"))) }
                    }
                }
            }
        }
    }
}

/// The partners table.
pub fn partners_table(partners: &[Value]) -> Markup {
    html! {
        table {
            caption { "Partners" }
            thead { tr {
                th scope="col" { "Partner" } th scope="col" { "Last exchange" } th scope="col" { "Last success" }
                th scope="col" class="num" { "Exchanges" } th scope="col" class="num" { "Failures" }
                th scope="col" class="num" { "Refusals" } th scope="col" { "Last refusal" }
            } }
            tbody {
                @if partners.is_empty() {
                    tr { td colspan="7" class="muted" { "No partners are registered." } }
                }
                @for p in partners {
                    @let last = get(p, "last_exchange");
                    tr {
                        td { (at(p, "id")) }
                        td {
                            @if last.is_null() { span class="muted" { "none yet" } } @else {
                                (time(&at(last, "at"))) " "
                                (badge(if get(last, "ok").as_bool() == Some(true) { "ok" } else { "failed" }))
                                " " (at(last, "direction")) br;
                                span class="muted" { (at(last, "detail")) }
                            }
                        }
                        td { (time(&at(p, "last_success"))) }
                        td class="num" { (at(p, "exchanges")) }
                        td class="num" { (at(p, "failures")) }
                        td class="num" { (at(p, "refusals")) }
                        td { (at(p, "last_refusal")) }
                    }
                }
            }
        }
    }
}

/// A list of match notices (dashboard, matches page).
pub fn matches_table(rows: &[Value], caption: &str) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { "Relation" } th scope="col" { "Missing / left" } th scope="col" { "Unidentified, unclaimed / right" }
                th scope="col" class="num" { "Score" } th scope="col" class="num" { "Rank" } th scope="col" { "Decision" }
                th scope="col" { "Reasons" }
            } }
            tbody {
                @if rows.is_empty() {
                    tr { td colspan="7" class="muted" { "Nothing to show." } }
                }
                @for m in rows {
                    @let left = format!("{}/{}", at(m, "match.pair.left.source"), at(m, "match.pair.left.native_id"));
                    @let right = format!("{}/{}", at(m, "match.pair.right.source"), at(m, "match.pair.right.native_id"));
                    @let relation = at(m, "match.pair.relation");
                    tr {
                        td { (relation.replace('_', " ")) }
                        td { a href=(link("/console/records/show", &[("id", &left)])) { (left) } }
                        td {
                            a href=(link("/console/records/show", &[("id", &right)])) { (right) }
                        }
                        td class="num score" { (format!("{:.1}", get(m, "match.score").as_f64().unwrap_or(0.0))) }
                        td class="num" { (at(m, "rank")) }
                        td { (badge(&{
                            let v = at(m, "decision.verdict");
                            if v.is_empty() { at(m, "match.state") } else { v.to_lowercase() }
                        })) }
                        td {
                            a href=(link("/console/matches/pair", &[("left", &left), ("right", &right)])) { "Compare" }
                            " · "
                            @if relation == "possible_identification" {
                                a href=(link("/console/matches/review", &[("id", &right)])) { "All candidates" }
                                " · "
                            }
                            span class="muted" { (at(m, "match.reasons")) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/`.
pub async fn show(State(c): Ctx, headers: HeaderMap, r: Remote, uri: Uri) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let status = c.get(&v, "/v1/status").await;
    if !status.ok() {
        return c.failed(
            &v,
            "dashboard",
            "The gateway's status could not be read",
            &status,
        );
    }
    let s = &status.body;
    let agency = v.session.agency.clone();
    let notices = match &agency {
        Some(a) => Some(
            c.get(
                &v,
                &link(
                    "/v1/matches",
                    &[("agency", a), ("unread", "true"), ("limit", "10")],
                ),
            )
            .await,
        ),
        None => None,
    };
    let jobs = get(s, "jobs").as_array().cloned().unwrap_or_default();
    let partners = get(s, "partners").as_array().cloned().unwrap_or_default();
    let recent = get(s, "quarantine.recent")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let body = html! {
        div class="cards" {
            div class="card" {
                div class="muted" { "Records" }
                div class="big" { (at(s, "store.records")) }
                div { (text(get(s, "store.by_kind")).replace(['{', '}', '"'], "").replace(',', ", ")) }
            }
            div class="card" {
                div class="muted" { "Quarantine (open)" }
                div class="big" { (at(s, "quarantine.open")) }
                div { a href="/console/quarantine" { "Review quarantine" } }
            }
            div class="card" {
                div class="muted" { "New match notices" @if let Some(a) = &agency { " for " (a) } }
                @match &notices {
                    Some(n) if n.ok() => {
                        div class="big" { (at(&n.body, "total")) }
                        div { a href=(link("/console/matches", &[("unread", "true")])) { "Review them" } }
                    }
                    Some(n) => { div role="alert" { (n.message()) } }
                    None => {
                        div class="big" { "—" }
                        div { "Your account names no agency; " a href="/console/matches" { "all matches" } "." }
                    }
                }
            }
            div class="card" {
                div class="muted" { "Gateway" }
                div { strong { (at(s, "gateway")) } " " (at(s, "version")) }
                div { "up since " (time(&at(s, "started_at"))) }
            }
        }
        @if let Some(n) = &notices && n.ok() {
            (matches_table(get(&n.body, "matches").as_array().map(Vec::as_slice).unwrap_or(&[]),
                &format!("Unread match notices for {} (the first 10)", agency.as_deref().unwrap_or(""))))
            @if get(&n.body, "total").as_u64().unwrap_or(0) > 10 {
                p { a href=(link("/console/matches", &[("unread", "true")])) { "All " (at(&n.body, "total")) " unread notices" } }
            }
        }
        (partners_table(&partners))
        (jobs_table(&jobs, true))
        h2 { "Latest quarantined input" }
        @if recent.is_empty() { p class="muted" { "Nothing is in quarantine." } }
        @else {
            ul {
                @for q in &recent {
                    li {
                        a href=(format!("/console/quarantine/{}", at(q, "id"))) { "#" (at(q, "id")) }
                        " " (at(q, "origin")) " " (at(q, "position")) ": " (at(q, "reason"))
                    }
                }
            }
        }
    };
    c.page(&v, "dashboard", "Dashboard", body)
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    after: Option<u64>,
}

/// `GET /console/audit` (administrators; the API refuses others).
pub async fn audit(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<AuditQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let after = q.after.map(|a| a.to_string()).unwrap_or_default();
    let reply = c
        .get(
            &v,
            &link("/v1/audit", &[("after", &after), ("limit", "200")]),
        )
        .await;
    if !reply.ok() {
        return c.failed(&v, "audit", "The audit log could not be read", &reply);
    }
    let entries: Vec<Value> = match &reply.body {
        Value::Array(a) => a.clone(),
        other => get(other, "entries")
            .as_array()
            .cloned()
            .unwrap_or_default(),
    };
    let last = entries.last().map(|e| at(e, "seq")).unwrap_or_default();
    let body = html! {
        p { "Every admin API call and console action, refused ones included, oldest first." }
        table {
            thead { tr {
                th scope="col" class="num" { "#" } th scope="col" { "When" } th scope="col" { "Who" }
                th scope="col" { "Action" } th scope="col" { "Target" } th scope="col" { "Outcome" } th scope="col" { "Detail" }
            } }
            tbody {
                @for e in &entries {
                    tr {
                        td class="num" { (at(e, "seq")) }
                        td { (time(&at(e, "at"))) }
                        td { (at(e, "actor")) }
                        td { code { (at(e, "action")) } }
                        td { (at(e, "target")) }
                        td { (badge(&at(e, "outcome"))) " " (at(e, "status")) }
                        td { (at(e, "detail")) }
                    }
                }
            }
        }
        @if entries.len() >= 200 {
            p { a href=(link("/console/audit", &[("after", &last)])) { "Later entries" } }
        }
    };
    c.page(&v, "audit", "Audit log", body)
}
