//! The admin API's crossmatch routes: the stored matches (candidates with scores, parts and
//! reasons), one pair in detail, investigators' decisions, agencies' read marks, and the
//! consumer's state. Shapes in `docs/crossmatch.md`, "Admin API".
//!
//! Record ids are given as people give them: a native id or NIC that one record has, or
//! `source/native_id` (in query strings, percent-encode `/` as `%2F` or leave it: both work).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use homeward_crossmatch::{PairKey, Verdict};
use serde::{Deserialize, Serialize};

use super::server::{ApiError, AuditNote, Caller};
use crate::jobs::blocking;
use crate::matching::api::{self, DecisionRequest, ListRequest};
use crate::matching::{CONSUMER, Matching, MatchingError};
use crate::operations::Operations;

type Ops = State<Arc<Operations>>;

fn matching_error(e: MatchingError) -> ApiError {
    match e {
        MatchingError::NotFound(_) => ApiError::not_found(e.to_string()),
        MatchingError::Ambiguous { .. } => {
            ApiError::new(StatusCode::CONFLICT, "ambiguous", e.to_string())
        }
        MatchingError::NotAPair(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_pair",
            e.to_string(),
        ),
        MatchingError::Invalid(_) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string())
        }
        MatchingError::Store(_) | MatchingError::Thread(_) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store", e.to_string())
        }
    }
}

async fn call<T: Send + 'static>(
    ops: &Operations,
    f: impl FnOnce(&homeward_store::Store) -> Result<T, MatchingError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = ops.store.clone();
    blocking(move || f(&store))
        .await
        .map_err(ApiError::internal)?
        .map_err(matching_error)
}

fn body<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the body is not the JSON expected: {e}"),
        )
    })
}

fn noted(resp: impl IntoResponse, target: String, detail: String) -> Response {
    let mut resp = resp.into_response();
    resp.extensions_mut().insert(AuditNote {
        target: Some(target),
        detail,
    });
    resp
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    record: Option<String>,
    #[serde(default)]
    unread: bool,
    #[serde(default)]
    all: bool,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /v1/matches?agency=&record=&unread=true&all=true&offset=&limit=`: the stored
/// matches, ranked as `homeward matches` lists them; `total` before the page is cut.
pub async fn list(State(ops): Ops, Query(q): Query<ListQuery>) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let offset = q.offset.unwrap_or(0);
    let req = ListRequest {
        agency: q.agency,
        record: q.record,
        unread: q.unread,
        all: q.all,
    };
    let rows = call(&ops, move |s| api::list(s, &req)).await?;
    let total = rows.len();
    let page: Vec<_> = rows.into_iter().skip(offset).take(limit).collect();
    Ok(Json(serde_json::json!({
        "total": total,
        "offset": offset,
        "matches": page,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct PairQuery {
    left: String,
    right: String,
    /// Score a pair never proposed now, against every stored record (seconds on a large
    /// store).
    #[serde(default)]
    compute: bool,
}

/// `GET /v1/matches/pair?left=&right=[&compute=true]`: both records whole, the stored match
/// with its decision and notices, and the score's parts attribute by attribute.
pub async fn pair(State(ops): Ops, Query(q): Query<PairQuery>) -> Result<Response, ApiError> {
    let d = call(&ops, move |s| api::show(s, &q.left, &q.right, q.compute)).await?;
    let target = format!("pair {} ~ {}", d.pair.left, d.pair.right);
    Ok(noted(Json(d), target, "show".into()))
}

#[derive(Debug, Deserialize)]
struct DecisionBody {
    left: String,
    right: String,
    /// Who decides (the investigator); the admin token's name when absent.
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

/// Who a decision is recorded under: a console user is who signed in (the body cannot say
/// otherwise); a token may name the investigator it acts for, else its own name.
fn decider(caller: &Caller, by: Option<String>) -> String {
    match by {
        Some(b) if !caller.console && !b.trim().is_empty() => b,
        _ => caller.name.clone(),
    }
}

#[derive(Serialize)]
struct Decided {
    decision: homeward_crossmatch::Decision,
    /// The decision log's number of this decision.
    seq: u64,
}

async fn decide(
    ops: Arc<Operations>,
    caller: Caller,
    text: String,
    verdict: Verdict,
) -> Result<Response, ApiError> {
    let b: DecisionBody = body(&text)?;
    let req = DecisionRequest {
        left: b.left,
        right: b.right,
        verdict,
        by: decider(&caller, b.by),
        comment: b.comment,
    };
    let (decision, seq) = call(&ops, move |s| api::decide(s, &req)).await?;
    if let Some(m) = ops.matching() {
        m.notify();
    }
    let word = match verdict {
        Verdict::Confirmed => "confirmed",
        Verdict::Excluded => "excluded",
    };
    let target = format!(
        "pair {} {} ~ {}",
        decision.pair.relation.as_str(),
        decision.pair.left,
        decision.pair.right
    );
    let detail = format!(
        "{word} by {}{}",
        decision.by.as_deref().unwrap_or("-"),
        decision
            .note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default()
    );
    Ok(noted(Json(Decided { decision, seq }), target, detail))
}

/// `POST /v1/matches/confirm` `{"left", "right", "by"?, "comment"?}`.
pub async fn confirm(
    State(ops): Ops,
    axum::Extension(caller): axum::Extension<Caller>,
    text: String,
) -> Result<Response, ApiError> {
    decide(ops, caller, text, Verdict::Confirmed).await
}

/// `POST /v1/matches/exclude` `{"left", "right", "by"?, "comment"?}`: never proposed again.
pub async fn exclude(
    State(ops): Ops,
    axum::Extension(caller): axum::Extension<Caller>,
    text: String,
) -> Result<Response, ApiError> {
    decide(ops, caller, text, Verdict::Excluded).await
}

/// `POST /v1/matches/undo` `{"left", "right", "by"?}`: the pair is undecided again.
pub async fn undo(
    State(ops): Ops,
    axum::Extension(caller): axum::Extension<Caller>,
    text: String,
) -> Result<Response, ApiError> {
    let b: DecisionBody = body(&text)?;
    let by = decider(&caller, b.by);
    let (left, right) = (b.left.clone(), b.right.clone());
    let who = by.clone();
    let was = call(&ops, move |s| api::undecide(s, &left, &right, &who)).await?;
    if let Some(m) = ops.matching() {
        m.notify();
    }
    let target = format!("pair {} ~ {}", b.left, b.right);
    let detail = match &was {
        Some(d) => format!("decision withdrawn by {by} (was {:?})", d.verdict),
        None => "no decision on the pair".into(),
    };
    Ok(noted(
        Json(serde_json::json!({"withdrawn": was})),
        target,
        detail,
    ))
}

#[derive(Debug, Deserialize)]
struct PairRef {
    left: String,
    right: String,
}

#[derive(Debug, Deserialize)]
struct ReadBody {
    agency: String,
    /// The pairs to mark; every unread notice of the agency when absent.
    #[serde(default)]
    pairs: Option<Vec<PairRef>>,
    #[serde(default)]
    by: Option<String>,
}

/// `POST /v1/matches/read` `{"agency", "pairs"?: [{"left", "right"}], "by"?}`: marks the
/// agency's notices read; `{"marked": n}`.
pub async fn read(
    State(ops): Ops,
    axum::Extension(caller): axum::Extension<Caller>,
    text: String,
) -> Result<Response, ApiError> {
    let b: ReadBody = body(&text)?;
    let by = decider(&caller, b.by);
    let agency = b.agency.clone();
    let who = by.clone();
    let marked = call(&ops, move |s| {
        let pairs: Option<Vec<PairKey>> = match b.pairs {
            Some(ps) => Some(
                ps.iter()
                    .map(|p| api::resolve_pair(s, &p.left, &p.right))
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        api::mark_read(s, &b.agency, pairs.as_deref(), Some(&who))
    })
    .await?;
    Ok(noted(
        Json(serde_json::json!({"marked": marked})),
        format!("notices of {agency}"),
        format!("{marked} marked read by {by}"),
    ))
}

/// `GET /v1/matches/status`: the consumer (running or not, records indexed, its cursor and
/// the change feed's end, decisions applied, the last error).
pub async fn status(State(ops): Ops) -> Result<Response, ApiError> {
    let running = ops.matching().map(|m| m.status());
    let counters = call(&ops, |s| {
        Ok((
            s.cursor(CONSUMER)?,
            s.last_seq()?,
            s.decisions_applied()?,
            s.decision_seq()?,
            Matching::behind(s)?,
        ))
    })
    .await?;
    let (cursor, last_seq, applied, decisions, behind) = counters;
    Ok(Json(serde_json::json!({
        "running": running.is_some(),
        "ready": running.as_ref().is_some_and(|r| r.ready),
        "indexed": running.as_ref().map(|r| r.indexed),
        "cursor": cursor,
        "last_seq": last_seq,
        "decisions_applied": applied,
        "decision_seq": decisions,
        "behind": behind,
        "totals": running.as_ref().map(|r| r.totals),
        "last_error": running.and_then(|r| r.last_error),
    }))
    .into_response())
}
