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

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use homeward_crossmatch::{Candidate, Decision, PairKey, Relation, ScorePart, Verdict};
use homeward_schemas::{Kind, Record, RecordId};
use homeward_store::{Lookup, MatchFilter, MatchState, MatchView, Store};
use serde::Serialize;

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

/// What to list ([`list`]): ids as people give them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRequest {
    /// One agency's matches (a record source: ORI, XML sender, PFIF domain).
    pub agency: Option<String>,
    /// One record's matches (a native id or NIC, or `source/native_id`).
    pub record: Option<String>,
    /// Only matches with an unread notice (the agency's, with `agency`).
    pub unread: bool,
    /// Also withdrawn matches (a record closed) and excluded pairs.
    pub all: bool,
}

/// A listed match: its rank now, the match, the decision and the notices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed {
    /// Identification: the place in the unidentified or unclaimed record's list of proposed
    /// candidates now (confirmed first, then by score; 1 is best); 0 for same-person pairs,
    /// withdrawn and excluded ones.
    pub rank: u32,
    #[serde(flatten)]
    pub view: MatchView,
}

fn confirmed(v: &MatchView) -> bool {
    v.decision
        .as_ref()
        .is_some_and(|d| d.verdict == Verdict::Confirmed)
}

fn listed_now(v: &MatchView) -> bool {
    v.entry.state == MatchState::Proposed && !v.is_excluded()
}

/// Best first: confirmed, then by score, then by pair.
fn best_first(a: &MatchView, b: &MatchView) -> std::cmp::Ordering {
    confirmed(b)
        .cmp(&confirmed(a))
        .then_with(|| b.entry.score.total_cmp(&a.entry.score))
        .then_with(|| a.entry.pair.cmp(&b.entry.pair))
}

/// The matches `req` selects, ranked: possible identifications grouped by the unidentified
/// or unclaimed record (in id order), each group best first with its rank now; then
/// same-person pairs, strongest first. With `record`, that record's matches best first.
pub fn list(store: &Store, req: &ListRequest) -> Result<Vec<Listed>, MatchingError> {
    let record = match &req.record {
        Some(text) => Some(resolve(store, text)?.id),
        None => None,
    };
    let views = store.match_views(&MatchFilter {
        agency: req.agency.clone(),
        record: record.clone(),
        unread: req.unread,
        all: req.all,
    })?;
    // each unidentified/unclaimed record's list now, for the ranks
    let mut ranks: HashMap<PairKey, u32> = HashMap::new();
    let subjects: BTreeSet<RecordId> = views
        .iter()
        .filter(|v| v.entry.pair.relation == Relation::PossibleIdentification)
        .map(|v| v.entry.pair.right.clone())
        .collect();
    for subject in subjects {
        let mut list: Vec<MatchView> = store
            .match_views(&MatchFilter {
                record: Some(subject.clone()),
                ..MatchFilter::default()
            })?
            .into_iter()
            .filter(|v| {
                v.entry.pair.relation == Relation::PossibleIdentification
                    && v.entry.pair.right == subject
                    && listed_now(v)
            })
            .collect();
        list.sort_by(best_first);
        for (i, v) in list.into_iter().enumerate() {
            ranks.insert(v.entry.pair, i as u32 + 1);
        }
    }
    let mut out: Vec<Listed> = views
        .into_iter()
        .map(|view| Listed {
            rank: ranks.get(&view.entry.pair).copied().unwrap_or(0),
            view,
        })
        .collect();
    let relation_order = |l: &Listed| match l.view.entry.pair.relation {
        Relation::PossibleIdentification => 0,
        Relation::SamePerson => 1,
    };
    out.sort_by(|a, b| {
        let by_relation = relation_order(a).cmp(&relation_order(b));
        if record.is_some() {
            return by_relation.then_with(|| best_first(&a.view, &b.view));
        }
        let subject = |l: &Listed| match l.view.entry.pair.relation {
            Relation::PossibleIdentification => Some(l.view.entry.pair.right.clone()),
            Relation::SamePerson => None,
        };
        // ranked rows first in each group, then the withdrawn and excluded
        let unranked = |l: &Listed| (l.rank == 0, l.rank);
        by_relation
            .then_with(|| subject(a).cmp(&subject(b)))
            .then_with(|| unranked(a).cmp(&unranked(b)))
            .then_with(|| best_first(&a.view, &b.view))
    });
    Ok(out)
}

/// A pair in detail ([`show`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairDetail {
    pub pair: PairKey,
    /// The stored match, its decision and notices; `None` when the pair was never proposed.
    #[serde(rename = "stored")]
    pub view: Option<MatchView>,
    /// The score and its parts as stored (computed at the versions named in the match), or
    /// computed now when the pair was never proposed (see `computed_now`).
    pub score: Option<f32>,
    pub parts: Vec<ScorePart>,
    /// The parts were computed now, against every stored record (not stored).
    pub computed_now: bool,
    /// Why the pair cannot be proposed now, when it cannot (a record closed, an impossible
    /// combination).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_proposed: Option<String>,
    /// A record changed since the match was computed (its version now is newer).
    pub changed_since: bool,
    pub left: Record,
    pub right: Record,
}

/// A pair's match with both records and the score's parts, attribute by attribute. When
/// the pair was never proposed and `compute` is set, it is scored now against every stored
/// record (the engine is built from the store: seconds on a large store).
pub fn show(
    store: &Store,
    left: &str,
    right: &str,
    compute: bool,
) -> Result<PairDetail, MatchingError> {
    let a = resolve(store, left)?;
    let b = resolve(store, right)?;
    let pair = pair_of(&a, &b)?;
    let (l, r) = if pair.left == a.id { (a, b) } else { (b, a) };
    let view = store.match_view(&pair)?;
    let closed = [&l, &r]
        .into_iter()
        .find(|x| !x.is_open())
        .map(|x| format!("{} is {}", show_id(&x.id), x.status));
    let mut d = PairDetail {
        pair: pair.clone(),
        score: None,
        parts: Vec::new(),
        computed_now: false,
        not_proposed: closed.clone(),
        changed_since: false,
        view: None,
        left: l,
        right: r,
    };
    if let Some(v) = view {
        d.score = Some(v.entry.score);
        d.parts = v.entry.parts.clone();
        d.changed_since =
            d.left.version > v.entry.left_version || d.right.version > v.entry.right_version;
        d.view = Some(v);
        return Ok(d);
    }
    if compute && closed.is_none() {
        let engine = super::build_engine(store, homeward_crossmatch::Config::default())?;
        let c = Candidate {
            relation: pair.relation,
            left: pair.left.clone(),
            right: pair.right.clone(),
            score: 0.0,
            rank: 0,
            decision: None,
            via: None,
            also: Vec::new(),
        };
        match engine.explain(&c) {
            Some(parts) => {
                d.score = Some(parts.total());
                d.parts = parts.0;
                d.computed_now = true;
            }
            None => {
                d.not_proposed = Some(
                    "an impossible combination (see the exclusions in docs/crossmatch.md)".into(),
                );
            }
        }
    }
    Ok(d)
}

/// Marks `agency`'s notices read: those of `pairs`, or all when `None`. Returns how many
/// changed.
pub fn mark_read(
    store: &Store,
    agency: &str,
    pairs: Option<&[PairKey]>,
    by: Option<&str>,
) -> Result<usize, MatchingError> {
    Ok(store.mark_read(agency, pairs, by)?)
}

/// The id of a record as shown to people: `native_id (source)`.
pub fn show_id(id: &RecordId) -> String {
    format!("{} ({})", id.native_id, id.source)
}
