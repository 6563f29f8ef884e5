//! Posters of missing persons: an HTML page made for printing (its print stylesheet hides the
//! console around it) and the same poster as a PDF, both from one model
//! ([`homeward_poster::Poster`]) in the languages the record carries.
//!
//! The record is read through the admin API like every console page. A poster of a case that
//! is no longer active carries a banner saying so in every language.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use homeward_poster::{Localized, Paper, Poster, PosterError};
use homeward_schemas::Record;
use maud::{Markup, html};
use serde::Deserialize;

use super::super::html::link;
use super::super::{ApiReply, Console, Ctx, Visit, visit, with_headers};
use super::{Remote, here, remote};

#[derive(Debug, Deserialize)]
pub struct PosterQuery {
    id: String,
    #[serde(default)]
    paper: Option<String>,
}

fn one(l: &Localized) -> Markup {
    html! {
        span lang=(l.lang) dir=(if l.rtl { "rtl" } else { "auto" }) { (l.text) }
    }
}

/// Labels in every language, separated by " / ".
fn all(ls: &[Localized]) -> Markup {
    html! {
        @for (i, l) in ls.iter().enumerate() {
            @if i > 0 { " / " }
            (one(l))
        }
    }
}

fn poster_markup(p: &Poster, id: &str) -> Markup {
    let primary = p.names.first();
    let alt = primary
        .map(|n| {
            format!(
                "Photo of {}",
                n.latin.clone().unwrap_or_else(|| n.text.clone())
            )
        })
        .unwrap_or_else(|| "Photo".into());
    html! {
        div class="actions no-print" {
            button type="button" data-print hidden { "Print" }
            a class="button" href=(link("/console/records/poster.pdf", &[("id", id)])) download { "Download PDF" }
            a class="button secondary" href=(link("/console/records/show", &[("id", id)])) { "Back to the record" }
            span class="muted" { "Languages: " (p.languages.join(", "))
                @if !p.untranslated.is_empty() { " (no labels yet for " (p.untranslated.join(", ")) ": shown in English)" } }
        }
        article class="poster" aria-label="Poster" {
            @if let Some(b) = &p.status {
                div class="banner" role="note" {
                    @for t in &b.texts { div { (one(t)) } }
                }
            }
            h2 class="heading" { @for h in &p.heading { (one(h)) } }
            div class="grid" {
                div class="photo" {
                    @match &p.photo {
                        Some(ph) if ph.url.starts_with("https://") => {
                            img src=(ph.url) alt=(alt) referrerpolicy="no-referrer";
                        }
                        Some(ph) => { "Photo: " (ph.url) }
                        None => { "No photo" }
                    }
                }
                div {
                    div class="names" {
                        @for (i, n) in p.names.iter().enumerate() {
                            @if i == 0 {
                                p class="primary" lang=[n.lang.as_deref()] dir=(if n.rtl { "rtl" } else { "auto" }) { (n.text) }
                                @if let Some(l) = &n.latin { @if *l != n.text { p class="latin" lang="en" { (l) } } }
                            } @else {
                                p class="alias" {
                                    span class="muted" { (all(&p.labels.aliases)) ": " }
                                    span lang=[n.lang.as_deref()] dir=(if n.rtl { "rtl" } else { "auto" }) { (n.text) }
                                    @if let Some(l) = &n.latin { @if *l != n.text { " (" (l) ")" } }
                                }
                            }
                        }
                    }
                    dl class="facts" {
                        @for f in &p.facts {
                            dt { (all(&f.labels)) }
                            dd {
                                @for (i, line) in f.value.lines().enumerate() {
                                    @if i > 0 { br; }
                                    (line)
                                }
                            }
                        }
                    }
                }
            }
            @if !p.description.is_empty() {
                h3 { (all(&p.labels.description)) }
                @for d in &p.description {
                    p lang=(d.lang) dir=(if d.rtl { "rtl" } else { "auto" }) { (d.text) }
                }
            }
            div class="contact" {
                p { strong { (all(&p.contact_labels)) } }
                p {
                    @if let Some(a) = &p.contact.agency_name { strong { (a) } " " }
                    @if let Some(o) = &p.contact.ori { "(" (o) ") " }
                    @if let Some(ph) = &p.contact.phone { " · " (ph) }
                }
                p {
                    @if let Some(cn) = &p.contact.case_number { (all(&p.labels.case_number)) ": " (cn) " " }
                    @if let Some(n) = &p.contact.nic { " · " (all(&p.labels.nic)) ": " (n) }
                }
            }
            footer { span class="muted" { (p.record_id) " · " (p.generated.to_string()) " · Homeward" } }
        }
    }
}

/// The record of `id` and its poster, or the page that says why there is none.
async fn poster_of(c: &Console, v: &Visit, id: &str) -> Result<(Poster, String), Response> {
    let reply = c.get(v, &link("/v1/records/show", &[("id", id)])).await;
    if !reply.ok() {
        return Err(c.failed(v, "records", &format!("Record {id}"), &reply));
    }
    let record: Record = match serde_json::from_value(reply.body) {
        Ok(r) => r,
        Err(e) => {
            let bad = ApiReply {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                body: serde_json::Value::Null,
                text: format!("the record does not decode: {e}"),
            };
            return Err(c.failed(v, "records", &format!("Record {id}"), &bad));
        }
    };
    let rid = record.id.to_string();
    match Poster::from_record(&record, chrono::Utc::now().date_naive()) {
        Ok(p) => Ok((p, rid)),
        Err(e) => {
            let status = match e {
                PosterError::NotMissing { .. } | PosterError::Expired { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let why = ApiReply {
                status,
                body: serde_json::Value::Null,
                text: e.to_string(),
            };
            Err(c.failed(v, "records", "No poster", &why))
        }
    }
}

/// `GET /console/records/poster?id=`.
pub async fn html(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<PosterQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    match poster_of(&c, &v, &q.id).await {
        Ok((p, rid)) => {
            let title = format!("Poster {rid}");
            c.page(&v, "records", &title, poster_markup(&p, &rid))
        }
        Err(resp) => resp,
    }
}

/// `GET /console/records/poster.pdf?id=[&paper=a4|letter]`.
pub async fn pdf(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<PosterQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let (p, rid) = match poster_of(&c, &v, &q.id).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let paper = match q.paper.as_deref() {
        Some("a4") => Paper::A4,
        Some("letter") => Paper::Letter,
        _ => Paper::Auto,
    };
    let c2 = c.clone();
    let rendered =
        crate::jobs::blocking(move || homeward_poster::render_pdf(&p, c2.fonts(), paper)).await;
    match rendered {
        Ok(Ok(pdf)) => {
            if !pdf.missing_scripts.is_empty() {
                tracing::warn!(record = %rid, scripts = ?pdf.missing_scripts, "poster PDF: no font on this server for some scripts; their Latin forms were printed");
            }
            let file = format!(
                "poster-{}.pdf",
                rid.chars()
                    .map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' {
                        ch
                    } else {
                        '_'
                    })
                    .collect::<String>()
            );
            let mut resp = ([(header::CONTENT_TYPE, "application/pdf")], pdf.bytes).into_response();
            if let Ok(h) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, h);
            }
            if !pdf.missing_scripts.is_empty()
                && let Ok(h) = HeaderValue::from_str(&pdf.missing_scripts.join(","))
            {
                resp.headers_mut().insert("x-homeward-missing-scripts", h);
            }
            with_headers(resp)
        }
        Ok(Err(e)) => {
            let why = ApiReply {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                body: serde_json::Value::Null,
                text: e.to_string(),
            };
            c.failed(&v, "records", "The PDF could not be made", &why)
        }
        Err(e) => {
            let why = ApiReply {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                body: serde_json::Value::Null,
                text: e,
            };
            c.failed(&v, "records", "The PDF could not be made", &why)
        }
    }
}
