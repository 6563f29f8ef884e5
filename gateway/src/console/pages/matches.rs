//! Match review: the notices of the user's agency; for an unidentified or unclaimed record,
//! its ranked candidates; a pair side by side, attribute by attribute (agreeing, disagreeing,
//! unknown — in words, not colour alone), with the score's parts and reasons; confirm or
//! exclude with a comment (an exclusion is remembered and the pair never proposed again).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::html::{at, badge, csrf, facts, get, link, text, time};
use super::super::{Console, Ctx, Visit, posted, visit};
use super::dashboard::matches_table;
use super::{Remote, here, remote};
use crate::admin::roles::Role;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    all: Option<String>,
}

/// `GET /console/matches?agency=&unread=true&all=true`.
pub async fn list(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<ListQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let agency = q
        .agency
        .clone()
        .or_else(|| v.session.agency.clone())
        .unwrap_or_default();
    let unread = q.unread.as_deref() == Some("true");
    let all = q.all.as_deref() == Some("true");
    let reply = c
        .get(
            &v,
            &link(
                "/v1/matches",
                &[
                    ("agency", &agency),
                    ("unread", if unread { "true" } else { "" }),
                    ("all", if all { "true" } else { "" }),
                    ("limit", "300"),
                ],
            ),
        )
        .await;
    if !reply.ok() {
        return c.failed(&v, "matches", "The matches could not be read", &reply);
    }
    let rows = get(&reply.body, "matches")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let body = html! {
        p { "Candidates the crossmatch proposed: possible identifications of unidentified and unclaimed persons "
            "(ranked for each, best first) and reports of the same person from different agencies. "
            "Open a record's candidates to compare them attribute by attribute and decide." }
        form method="get" action="/console/matches" class="filters" role="search" {
            label { "Agency (source)" input type="text" name="agency" value=(agency); }
            label { input type="checkbox" name="unread" value="true" checked[unread]; " unread notices only" }
            label { input type="checkbox" name="all" value="true" checked[all]; " also withdrawn and excluded" }
            button type="submit" { "Show" }
        }
        p { (at(&reply.body, "total")) " match(es)" @if rows.len() < get(&reply.body, "total").as_u64().unwrap_or(0) as usize { ", the first " (rows.len()) " shown" } "." }
        @if !agency.is_empty() && unread && !rows.is_empty() {
            form method="post" action="/console/matches/decide" class="actions" {
                (csrf(&v.session.csrf))
                input type="hidden" name="verdict" value="read";
                input type="hidden" name="agency" value=(agency);
                button type="submit" class="secondary" { "Mark all of " (agency) "'s notices read" }
            }
        }
        (matches_table(&rows, "Matches"))
    };
    c.page(&v, "matches", "Match review", body)
}

/// The attributes compared, in the order of the table, with the record fields that show them.
const ATTRIBUTES: &[(&str, &str)] = &[
    ("name", "Names"),
    ("dob", "Date of birth"),
    ("age", "Age"),
    ("sex", "Sex"),
    ("race", "Race"),
    ("height", "Height"),
    ("weight", "Weight"),
    ("eyes", "Eyes"),
    ("hair", "Hair"),
    ("marks", "Scars, marks, tattoos"),
    ("dental", "Dental"),
    ("fingerprints", "Fingerprints"),
    ("identifier", "Identifiers"),
    ("place", "Places"),
    ("date", "Dates"),
];

fn range(v: &Value, unit: &str, digits: usize) -> String {
    if v.is_null() {
        return String::new();
    }
    let (a, b) = (
        get(v, "min").as_f64().unwrap_or(0.0),
        get(v, "max").as_f64().unwrap_or(0.0),
    );
    if (a - b).abs() < 1e-9 {
        format!("{a:.digits$} {unit}")
    } else {
        format!("{a:.digits$}–{b:.digits$} {unit}")
    }
}

fn place(p: &Value) -> String {
    ["name", "city", "county", "region", "country"]
        .iter()
        .map(|k| at(p, k))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn name_line(n: &Value) -> String {
    let full = at(n, "full");
    let own = if full.is_empty() {
        ["given", "middle", "family", "suffix"]
            .iter()
            .map(|k| at(n, k))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        full
    };
    let latin = get(n, "latin");
    let latin_text = {
        let f = at(latin, "full");
        if f.is_empty() {
            [at(latin, "given"), at(latin, "family")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            f
        }
    };
    let role = at(n, "role");
    let mut s = own;
    if !latin_text.is_empty() && latin_text != s {
        s.push_str(&format!(" ({latin_text})"));
    }
    if !role.is_empty() && role != "primary" {
        s.push_str(&format!(" [{role}]"));
    }
    s
}

/// What a record says about an attribute, in words.
pub fn attribute_value(r: &Value, attribute: &str) -> String {
    let list = |key: &str, f: &dyn Fn(&Value) -> String| -> String {
        get(r, key)
            .as_array()
            .into_iter()
            .flatten()
            .map(f)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    };
    match attribute {
        "name" => list("names", &name_line),
        "dob" => {
            let dobs = list("birth_dates", &text);
            if dobs.is_empty() {
                let y = get(r, "birth_year");
                if y.is_null() {
                    String::new()
                } else {
                    format!("born {}–{}", at(y, "min"), at(y, "max"))
                }
            } else {
                dobs
            }
        }
        "age" => {
            let a = get(r, "age");
            if a.is_null() {
                String::new()
            } else {
                let as_of = at(a, "as_of");
                format!(
                    "{}–{} years{}",
                    at(a, "min"),
                    at(a, "max"),
                    if as_of.is_empty() {
                        String::new()
                    } else {
                        format!(" (as of {as_of})")
                    }
                )
            }
        }
        "sex" | "race" => at(r, attribute),
        "height" => range(get(r, "height_cm"), "cm", 0),
        "weight" => range(get(r, "weight_kg"), "kg", 0),
        "eyes" => at(r, "eye"),
        "hair" => at(r, "hair"),
        "marks" => list("marks", &|m| {
            [at(m, "kind"), at(m, "side"), at(m, "part"), at(m, "text")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        }),
        "dental" => {
            let d = get(r, "dental");
            match d {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }
        }
        "fingerprints" => {
            let class = at(r, "fingerprint_class");
            let avail = get(r, "fingerprints_available").as_bool();
            match (class.is_empty(), avail) {
                (false, _) => format!("class {class}"),
                (true, Some(true)) => "available".into(),
                (true, Some(false)) => "not available".into(),
                _ => String::new(),
            }
        }
        "identifier" => {
            let mut ids = vec![];
            if !at(r, "nic").is_empty() {
                ids.push(format!("NIC {}", at(r, "nic")));
            }
            ids.push(list("identifiers", &|i| {
                format!("{} {}", at(i, "kind"), at(i, "value"))
            }));
            ids.retain(|s| !s.is_empty());
            ids.join("; ")
        }
        "place" => {
            let mut out = vec![];
            for (k, label) in [
                ("last_seen", "last seen"),
                ("found_place", "found"),
                ("death_place", "died"),
            ] {
                let p = place(get(r, k));
                if !p.is_empty() {
                    out.push(format!("{label}: {p}"));
                }
            }
            out.join("; ")
        }
        "date" => {
            let mut out = vec![];
            for (k, label) in [
                ("last_contact", "last contact"),
                ("found_date", "found"),
                ("estimated_death", "estimated death"),
                ("death_date", "died"),
            ] {
                let d = at(r, k);
                if !d.is_empty() {
                    out.push(format!("{label} {d}"));
                }
            }
            out.join("; ")
        }
        _ => String::new(),
    }
}

/// A record's one-line identity: id, kind, status, agency.
fn who(r: &Value) -> String {
    format!(
        "{}/{} · {} · {}",
        at(r, "id.source"),
        at(r, "id.native_id"),
        at(r, "kind"),
        at(r, "status")
    )
}

/// The pair side by side, attribute by attribute, with the score's parts.
fn side_by_side(d: &Value) -> Markup {
    let left = get(d, "left");
    let right = get(d, "right");
    let parts = get(d, "parts").as_array().cloned().unwrap_or_default();
    let listed: Vec<&str> = ATTRIBUTES.iter().map(|(a, _)| *a).collect();
    let extra: Vec<Value> = parts
        .iter()
        .filter(|p| !listed.contains(&at(p, "attribute").as_str()))
        .cloned()
        .collect();
    let lid = format!("{}/{}", at(left, "id.source"), at(left, "id.native_id"));
    let rid = format!("{}/{}", at(right, "id.source"), at(right, "id.native_id"));
    html! {
        table class="side" {
            caption { "Attribute by attribute. Weights are bits of evidence: positive supports the match, negative speaks against it." }
            thead { tr {
                th scope="col" { "Attribute" }
                th scope="col" { a href=(link("/console/records/show", &[("id", &lid)])) { (who(left)) } }
                th scope="col" { a href=(link("/console/records/show", &[("id", &rid)])) { (who(right)) } }
                th scope="col" { "Comparison" }
                th scope="col" class="num" { "Weight" }
            } }
            tbody {
                @for (attr, label) in ATTRIBUTES {
                    @let mine: Vec<&Value> = parts.iter().filter(|p| at(p, "attribute") == *attr).collect();
                    @let weight: f64 = mine.iter().map(|p| get(p, "weight").as_f64().unwrap_or(0.0)).sum();
                    @let lv = attribute_value(left, attr);
                    @let rv = attribute_value(right, attr);
                    @let (class, word) = if mine.is_empty() { ("unknown", "not compared") } else if weight > 0.05 { ("agree", "agrees") } else if weight < -0.05 { ("disagree", "disagrees") } else { ("unknown", "neutral") };
                    @if !(lv.is_empty() && rv.is_empty() && mine.is_empty()) {
                        tr class=(class) {
                            th scope="row" { (label) }
                            td { @if lv.is_empty() { span class="muted" { "unknown" } } @else { (lv) } }
                            td { @if rv.is_empty() { span class="muted" { "unknown" } } @else { (rv) } }
                            td class="verdict" {
                                (word)
                                @for p in &mine { br; span class="muted" { (at(p, "detail")) } }
                            }
                            td class="num score" { @if !mine.is_empty() { (format!("{weight:+.1}")) } }
                        }
                    }
                }
                @for p in &extra {
                    tr class=(if get(p, "weight").as_f64().unwrap_or(0.0) >= 0.0 { "agree" } else { "disagree" }) {
                        th scope="row" { (at(p, "attribute")) }
                        td colspan="2" { (at(p, "detail")) }
                        td class="verdict" { (if get(p, "weight").as_f64().unwrap_or(0.0) >= 0.0 { "supports" } else { "speaks against" }) }
                        td class="num score" { (format!("{:+.1}", get(p, "weight").as_f64().unwrap_or(0.0))) }
                    }
                }
            }
            tfoot { tr {
                th scope="row" colspan="4" { "Score" }
                td class="num score" { (get(d, "score").as_f64().map(|s| format!("{s:.1}")).unwrap_or_else(|| "—".into())) }
            } }
        }
    }
}

/// The decision forms of a pair (investigators and administrators; others see why not).
fn decision_forms(v: &Visit, d: &Value) -> Markup {
    let left = get(d, "left");
    let right = get(d, "right");
    let lid = format!("{}/{}", at(left, "id.source"), at(left, "id.native_id"));
    let rid = format!("{}/{}", at(right, "id.source"), at(right, "id.native_id"));
    let decision = get(d, "stored.decision");
    html! {
        h2 { "Decision" }
        @if decision.is_null() { p { "No decision yet." } }
        @else {
            p {
                (badge(&at(decision, "verdict").to_lowercase())) " by " (at(decision, "by")) " " (time(&at(decision, "at")))
                @if !at(decision, "note").is_empty() { ": " q { (at(decision, "note")) } }
            }
        }
        form method="post" action="/console/matches/decide" class="stack" {
            (csrf(&v.session.csrf))
            input type="hidden" name="left" value=(lid);
            input type="hidden" name="right" value=(rid);
            label for="comment" { "Comment " span class="hint" { "what you checked, for the record" } }
            textarea id="comment" name="comment" rows="2" {}
            div class="actions" {
                button type="submit" name="verdict" value="confirm" { "Confirm: same person" }
                button type="submit" name="verdict" value="exclude" class="danger" { "Exclude: not the same person" }
                @if !decision.is_null() {
                    button type="submit" name="verdict" value="undo" class="secondary" { "Withdraw the decision" }
                }
                @if !v.may(Role::Investigator) { span class="muted" { "Deciding needs the investigator role." } }
            }
        }
    }
}

async fn pair_detail(c: &Console, v: &Visit, left: &str, right: &str) -> super::super::ApiReply {
    c.get(
        v,
        &link("/v1/matches/pair", &[("left", left), ("right", right)]),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct PairQuery {
    left: String,
    right: String,
}

/// `GET /console/matches/pair?left=&right=`.
pub async fn pair(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<PairQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let reply = pair_detail(&c, &v, &q.left, &q.right).await;
    if !reply.ok() {
        return c.failed(&v, "matches", "The pair could not be read", &reply);
    }
    let d = &reply.body;
    let body = html! {
        (pair_summary(d))
        (side_by_side(d))
        (decision_forms(&v, d))
    };
    c.page(&v, "matches", "Compare two records", body)
}

fn pair_summary(d: &Value) -> Markup {
    let stored = get(d, "stored");
    html! {
        (facts(&[
            ("Relation", at(d, "pair.relation").replace('_', " ")),
            ("Score", get(d, "score").as_f64().map(|s| format!("{s:.1}")).unwrap_or_default()),
            ("State", at(stored, "match.state")),
            ("Proposed", at(stored, "match.proposed_at")),
            ("Reasons", at(stored, "match.reasons")),
            ("Not proposed now", at(d, "not_proposed")),
            ("Changed since scored", if get(d, "changed_since").as_bool() == Some(true) { "yes: a record has a newer version".into() } else { String::new() }),
        ]))
    }
}

#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    id: String,
    #[serde(default)]
    candidate: Option<String>,
}

/// `GET /console/matches/review?id=RECORD[&candidate=ID]`: an unidentified or unclaimed
/// record's candidates, ranked, and the chosen one (the first by default) side by side.
pub async fn review(
    State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
    Query(q): Query<ReviewQuery>,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let record = c.get(&v, &link("/v1/records/show", &[("id", &q.id)])).await;
    if !record.ok() {
        return c.failed(&v, "matches", "The record could not be read", &record);
    }
    let rec = &record.body;
    let rid = format!("{}/{}", at(rec, "id.source"), at(rec, "id.native_id"));
    let reply = c
        .get(
            &v,
            &link(
                "/v1/matches",
                &[("record", &rid), ("all", "true"), ("limit", "100")],
            ),
        )
        .await;
    if !reply.ok() {
        return c.failed(&v, "matches", "The candidates could not be read", &reply);
    }
    let candidates: Vec<Value> = get(&reply.body, "matches")
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            at(m, "match.pair.relation") == "possible_identification"
                && format!(
                    "{}/{}",
                    at(m, "match.pair.right.source"),
                    at(m, "match.pair.right.native_id")
                ) == rid
        })
        .cloned()
        .collect();
    let chosen = q.candidate.clone().or_else(|| {
        candidates
            .iter()
            .find(|m| at(m, "match.state") == "proposed")
            .or(candidates.first())
            .map(|m| {
                format!(
                    "{}/{}",
                    at(m, "match.pair.left.source"),
                    at(m, "match.pair.left.native_id")
                )
            })
    });
    let detail = match &chosen {
        Some(l) => Some(pair_detail(&c, &v, l, &rid).await),
        None => None,
    };
    let body = html! {
        (facts(&[
            ("Record", who(rec)),
            ("Agency", [at(rec, "agency.name"), at(rec, "agency.ori")].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")),
            ("Found", attribute_value(rec, "place")),
            ("Dates", attribute_value(rec, "date")),
        ]))
        table {
            caption { "Missing persons who could be this person, best first" }
            thead { tr {
                th scope="col" class="num" { "Rank" } th scope="col" { "Missing person" } th scope="col" class="num" { "Score" }
                th scope="col" { "State" } th scope="col" { "Reasons" }
            } }
            tbody {
                @if candidates.is_empty() { tr { td colspan="5" class="muted" { "No candidate is stored for this record." } } }
                @for m in &candidates {
                    @let l = format!("{}/{}", at(m, "match.pair.left.source"), at(m, "match.pair.left.native_id"));
                    @let is_chosen = chosen.as_deref() == Some(l.as_str());
                    tr {
                        td class="num" { @let rank = at(m, "rank"); @if rank == "0" { "—" } @else { (rank) } }
                        td {
                            @if is_chosen { strong { (l) } " (shown below)" }
                            @else { a href=(link("/console/matches/review", &[("id", &rid), ("candidate", &l)])) { (l) } }
                        }
                        td class="num score" { (format!("{:.1}", get(m, "match.score").as_f64().unwrap_or(0.0))) }
                        td { (badge(&{
                            let d = at(m, "decision.verdict");
                            if d.is_empty() { at(m, "match.state") } else { d.to_lowercase() }
                        })) }
                        td class="muted" { (at(m, "match.reasons")) }
                    }
                }
            }
        }
        @if let Some(d) = &detail {
            @if d.ok() {
                h2 { "Side by side: " (chosen.clone().unwrap_or_default()) }
                (pair_summary(&d.body))
                (side_by_side(&d.body))
                (decision_forms(&v, &d.body))
            } @else {
                p class="flash bad" role="alert" { (d.message()) }
            }
        }
    };
    c.page(&v, "matches", &format!("Candidates for {rid}"), body)
}

/// `POST /console/matches/decide`: `verdict` confirm | exclude | undo (with `left`, `right`,
/// `comment`), or `read` (with `agency`).
pub async fn decide(State(c): Ctx, headers: HeaderMap, r: Remote, body: Bytes) -> Response {
    let (v, form) = match posted(&c, &headers, remote(&r), "/console/matches/decide", &body) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let verdict = form.get("verdict").unwrap_or("");
    if verdict == "read" {
        let agency = form.text("agency").unwrap_or_default();
        let reply = c
            .api(
                &v,
                Method::POST,
                "/v1/matches/read",
                Some(json!({"agency": agency})),
            )
            .await;
        let text = if reply.ok() {
            format!(
                "{} notice(s) of {agency} marked read.",
                at(&reply.body, "marked")
            )
        } else {
            format!("Not marked read: {}", reply.message())
        };
        return c.done(
            &v,
            reply.ok(),
            text,
            &link("/console/matches", &[("agency", &agency)]),
        );
    }
    let left = form.text("left").unwrap_or_default();
    let right = form.text("right").unwrap_or_default();
    let comment = form.text("comment");
    let route = match verdict {
        "confirm" => "/v1/matches/confirm",
        "exclude" => "/v1/matches/exclude",
        "undo" => "/v1/matches/undo",
        _ => {
            return c.done(
                &v,
                false,
                "Choose confirm, exclude or withdraw.",
                "/console/matches",
            );
        }
    };
    let reply = c
        .api(
            &v,
            Method::POST,
            route,
            Some(json!({"left": left, "right": right, "comment": comment})),
        )
        .await;
    let word = match verdict {
        "confirm" => "confirmed as the same person",
        "exclude" => "excluded: it will not be proposed again",
        _ => "undecided again",
    };
    let text = if reply.ok() {
        format!("{left} and {right}: {word}.")
    } else {
        format!("{left} and {right}: not recorded: {}", reply.message())
    };
    c.done(
        &v,
        reply.ok(),
        text,
        &link(
            "/console/matches/pair",
            &[("left", &left), ("right", &right)],
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_read_a_record() {
        let r = json!({
            "names": [{"given": "Анна", "family": "Иванова", "latin": {"given": "Anna", "family": "Ivanova"}}],
            "height_cm": {"min": 170.0, "max": 175.0},
            "weight_kg": {"min": 60.0, "max": 60.0},
            "marks": [{"kind": "tattoo", "side": "left", "part": "arm", "text": "ROSE"}],
            "found_place": {"city": "El Paso", "region": "US-TX", "country": "US"},
            "found_date": "2025-08-17",
        });
        assert_eq!(attribute_value(&r, "name"), "Анна Иванова (Anna Ivanova)");
        assert_eq!(attribute_value(&r, "height"), "170–175 cm");
        assert_eq!(attribute_value(&r, "weight"), "60 kg");
        assert_eq!(attribute_value(&r, "marks"), "tattoo left arm ROSE");
        assert_eq!(attribute_value(&r, "place"), "found: El Paso, US-TX, US");
        assert_eq!(attribute_value(&r, "date"), "found 2025-08-17");
        assert_eq!(attribute_value(&r, "dental"), "");
    }
}
