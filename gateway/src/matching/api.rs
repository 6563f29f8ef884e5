//! Plain functions on the store for the commands (`homeward matches`) and the admin API:
//! list match notifications, record or withdraw investigators' decisions, mark notices
//! seen. They need only the store; a running consumer picks decisions up from the store's
//! decision log on its next look ([`super::Handle::notify`] makes that at once).
//!
//! Record ids are given as in the candidates CSV (a native id or NIC that one record has), or
//! as `source/native_id`.
//!
//! **Confirming an identification does not close the unidentified record.** A record belongs
//! to the agency that sent it, and an identification is closed by that agency (an NCIC CU
//! clear with the identifying NIC, a clearinghouse clear), which then reaches every gateway
//! through the normal exchange. A confirmation is the investigator's finding: it is stored
//! with who and when, shown in `homeward matches` and the admin API, listed first in the
//! record's candidates, and kept in every full run. Until the agency closes the case, both
//! records stay open and are still matched; once it does, the records leave the index and
//! their other matches are withdrawn.

use chrono::Utc;
use homeward_crossmatch::{Decision, PairKey, Relation, Verdict};
use homeward_schemas::{Kind, Record, RecordId};
use homeward_store::{Lookup, NoticeFilter, NoticeView, Store};

use super::MatchingError;

/// The stored record a user-given id names.
pub fn resolve(store: &Store, text: &str) -> Result<Record, MatchingError> {
    match store.find(text)? {
        Lookup::Found(r) => Ok(*r),
        Lookup::NotFound => Err(MatchingError::NotFound(text.to_string())),
        Lookup::Ambiguous(ids) => Err(MatchingError::Ambiguous {
            id: text.to_string(),
            candidates: ids.iter().map(|i| i.to_string()).collect(),
        }),
    }
}

/// The pair two records make: the same person (two records of one kind) or a possible
/// identification (a missing record and an unidentified or unclaimed one, in either order).
pub fn pair_of(a: &Record, b: &Record) -> Result<PairKey, MatchingError> {
    if a.id == b.id {
        return Err(MatchingError::NotAPair(format!(
            "{} is one record, not a pair",
            a.id
        )));
    }
    let relation = |x: Kind, y: Kind| match (x, y) {
        _ if x == y => Some(Relation::SamePerson),
        (Kind::Missing, _) | (_, Kind::Missing) => Some(Relation::PossibleIdentification),
        _ => None,
    };
    match relation(a.kind, b.kind) {
        Some(Relation::PossibleIdentification) if a.kind != Kind::Missing => Ok(PairKey::new(
            Relation::PossibleIdentification,
            b.id.clone(),
            a.id.clone(),
        )),
        Some(rel) => Ok(PairKey::new(rel, a.id.clone(), b.id.clone())),
        None => Err(MatchingError::NotAPair(format!(
            "{} is {} and {} is {}: only records of one kind (the same person) or a missing \
             record and an unidentified or unclaimed one (an identification) make a pair",
            a.id, a.kind, b.id, b.kind
        ))),
    }
}

/// The pair named by two user-given ids.
pub fn resolve_pair(store: &Store, left: &str, right: &str) -> Result<PairKey, MatchingError> {
    let a = resolve(store, left)?;
    let b = resolve(store, right)?;
    pair_of(&a, &b)
}

/// What an investigator decides about a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    /// The two records, as in the candidates CSV (either order).
    pub left: String,
    pub right: String,
    pub verdict: Verdict,
    /// Who decides (required: a decision without a name cannot be followed up).
    pub by: String,
    pub comment: Option<String>,
}

/// Records a decision (durable when this returns): confirmed pairs are always listed, and
/// excluded ones never proposed again, after a restart and in full runs too. A later decision
/// on the same pair replaces this one; the decision log keeps both. Returns the decision
/// and its decision-log number.
pub fn decide(store: &Store, req: &DecisionRequest) -> Result<(Decision, u64), MatchingError> {
    let by = req.by.trim();
    if by.is_empty() {
        return Err(MatchingError::Invalid(
            "a decision needs the name of who made it".into(),
        ));
    }
    let pair = resolve_pair(store, &req.left, &req.right)?;
    let decision = Decision {
        pair,
        verdict: req.verdict,
        by: Some(by.to_string()),
        at: Some(Utc::now()),
        note: req
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string),
    };
    let seq = store.record_decision(&decision)?;
    Ok((decision, seq))
}

/// Withdraws the decision on the pair two ids name (it is undecided again). Returns the
/// decision withdrawn, `None` when there was none.
pub fn undecide(
    store: &Store,
    left: &str,
    right: &str,
    by: &str,
) -> Result<Option<Decision>, MatchingError> {
    let pair = resolve_pair(store, left, right)?;
    let by = Some(by.trim()).filter(|b| !b.is_empty());
    Ok(store.withdraw_decision(&pair, by)?.map(|(d, _)| d))
}

/// Notices with their matches and the decisions in force (`filter`: one agency, unseen
/// only, withdrawn and excluded too). Best first within an agency: confirmed, then by
/// score.
pub fn list(store: &Store, filter: &NoticeFilter) -> Result<Vec<NoticeView>, MatchingError> {
    let mut v = store.notices(filter)?;
    v.sort_by(|a, b| {
        a.notice
            .agency
            .cmp(&b.notice.agency)
            .then_with(|| confirmed(b).cmp(&confirmed(a)))
            .then_with(|| b.entry.score.total_cmp(&a.entry.score))
            .then_with(|| a.entry.pair.cmp(&b.entry.pair))
    });
    Ok(v)
}

fn confirmed(v: &NoticeView) -> bool {
    v.decision
        .as_ref()
        .is_some_and(|d| d.verdict == Verdict::Confirmed)
}

/// Marks `agency`'s notices seen: those of `pairs`, or all when `None`. Returns how many
/// changed.
pub fn mark_seen(
    store: &Store,
    agency: &str,
    pairs: Option<&[PairKey]>,
    by: Option<&str>,
) -> Result<usize, MatchingError> {
    Ok(store.mark_seen(agency, pairs, by)?)
}

/// Every match naming one record (given as in the CSV), with the decisions in force.
pub fn matches_of(
    store: &Store,
    record: &str,
) -> Result<Vec<(homeward_store::MatchEntry, Option<Decision>)>, MatchingError> {
    let r = resolve(store, record)?;
    Ok(store.matches_of(&r.id)?)
}

/// The id of a record as shown to people: `native_id (source)`.
pub fn show_id(id: &RecordId) -> String {
    format!("{} ({})", id.native_id, id.source)
}
