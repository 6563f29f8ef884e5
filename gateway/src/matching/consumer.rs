//! One batch of the crossmatch consumer: decisions picked up, records upserted, candidates
//! computed and stored as matches with the cursor.

use std::collections::{HashMap, HashSet};

use homeward_crossmatch::{Candidate, Engine, PairKey, Parts, Relation};
use homeward_schemas::{Record, RecordId};
use homeward_store::{DecisionChange, MatchState, Proposal, Proposed};

use super::{CONSUMER, CatchUp, Matching, MatchingError};

/// Decision-log entries read at once.
const DECISIONS_PER_STEP: usize = 1000;

/// Applies the decisions made since the last look to the engine. Returns the records of the
/// decided pairs, to be computed again.
pub(super) fn sync_decisions(
    m: &mut Matching,
    out: &mut CatchUp,
) -> Result<Vec<RecordId>, MatchingError> {
    let events = m
        .store
        .decisions_after(m.decision_seq, DECISIONS_PER_STEP)?;
    let mut ids = Vec::new();
    for e in events {
        match &e.what {
            DecisionChange::Decided { decision } => m.engine.decide(decision.clone()),
            DecisionChange::Withdrawn { pair, .. } => {
                m.engine.withdraw(pair);
            }
        }
        let pair = e.what.pair();
        ids.push(pair.left.clone());
        ids.push(pair.right.clone());
        m.decision_seq = e.seq;
        out.decisions += 1;
    }
    Ok(ids)
}

/// What one record's processing asks the store to do.
enum Work {
    /// The record left the index: withdraw its matches.
    Closed(RecordId, String),
    /// The record's candidates, and whether its earlier matches must be checked.
    Open {
        id: RecordId,
        proposals: Vec<Proposal>,
        recheck: bool,
    },
}

/// Processes `ids` (the latest version of each, once) and stores the results, with the
/// cursor at `ack` when given, in one durable batch.
pub(super) fn process(
    m: &mut Matching,
    ids: Vec<RecordId>,
    ack: Option<u64>,
    out: &mut CatchUp,
) -> Result<(), MatchingError> {
    // each record once, in the order of its last mention
    let mut seen = HashSet::new();
    let mut order: Vec<RecordId> = ids
        .into_iter()
        .rev()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    order.reverse();

    // first bring the index up to date, then compute: every record of the batch sees the
    // others
    let mut work = Vec::with_capacity(order.len());
    let mut open: Vec<(RecordId, bool)> = Vec::new();
    for id in order {
        out.records += 1;
        match m.store.get(&id)? {
            None => {
                m.versions.remove(&id);
                if m.engine.remove(&id) {
                    out.closed += 1;
                }
                work.push(Work::Closed(id, "record removed from the store".into()));
            }
            Some(r) if !r.is_open() => {
                m.versions.remove(&id);
                if m.engine.remove(&id) {
                    out.closed += 1;
                }
                let why = format!("{} ({}) is now {}", id.native_id, id.source, r.status);
                work.push(Work::Closed(id, why));
            }
            Some(r) => {
                // the version indexed already (the bulk build at start) is not indexed again
                if m.versions.get(&id) != Some(&r.version) {
                    m.engine.upsert(&r);
                    m.versions.insert(id.clone(), r.version);
                }
                open.push((id, recheck(&r)));
            }
        }
    }
    for (id, recheck) in open {
        let proposals = m
            .engine
            .candidates(&id)
            .iter()
            .map(|c| proposal(&m.engine, &m.versions, c))
            .collect();
        work.push(Work::Open {
            id,
            proposals,
            recheck,
        });
    }

    let engine = &m.engine;
    let decisions = m.decision_seq;
    let done = m.store.matches_write(|w| {
        let mut n = CatchUp::default();
        for item in &work {
            match item {
                Work::Closed(id, why) => n.withdrawn += w.withdraw_record(id, why)? as u64,
                Work::Open {
                    id,
                    proposals,
                    recheck,
                } => {
                    let mut proposed = HashSet::new();
                    for p in proposals {
                        proposed.insert(p.pair.clone());
                        match w.propose(p.clone())? {
                            Proposed::New => n.new += 1,
                            Proposed::Again | Proposed::Improved => n.renotified += 1,
                            Proposed::Updated => n.updated += 1,
                            Proposed::Unchanged => {}
                        }
                    }
                    if !*recheck {
                        continue;
                    }
                    // earlier matches the new version makes impossible are withdrawn
                    for pair in w.pairs_of(id)? {
                        if proposed.contains(&pair) {
                            continue;
                        }
                        let Some(entry) = w.entry(&pair)? else {
                            continue;
                        };
                        if entry.state == MatchState::Proposed
                            && !still_possible(engine, &pair, entry.via.as_ref())
                        {
                            let why = format!(
                                "no longer possible after a new version of {} ({})",
                                id.native_id, id.source
                            );
                            if w.withdraw(&pair, &why)? {
                                n.withdrawn += 1;
                            }
                        }
                    }
                }
            }
        }
        if let Some(seq) = ack {
            w.ack(CONSUMER, seq)?;
        }
        w.decisions_applied(decisions)?;
        Ok(n)
    })?;
    out.new += done.new;
    out.renotified += done.renotified;
    out.updated += done.updated;
    out.withdrawn += done.withdrawn;
    Ok(())
}

/// Whether a record's earlier matches must be checked again (it had a version before).
fn recheck(r: &Record) -> bool {
    r.version > 1
}

/// A candidate as stored: with its parts, its reasons in words and the records' versions.
fn proposal(engine: &Engine, versions: &HashMap<RecordId, u64>, c: &Candidate) -> Proposal {
    let parts = engine.explain(c).map(|p| p.0).unwrap_or_default();
    Proposal {
        pair: PairKey::new(c.relation, c.left.clone(), c.right.clone()),
        score: c.score,
        rank: c.rank,
        reasons: Parts(parts.clone()).reasons(),
        parts,
        left_version: versions.get(&c.left).copied().unwrap_or(0),
        right_version: versions.get(&c.right).copied().unwrap_or(0),
        via: c.via.clone(),
        also: c.also.clone(),
    }
}

/// Whether a pair can still be proposed: both records indexed and the pair not impossible
/// (directly, or through the linked record it was scored on). Decisions are not looked at:
/// an excluded pair keeps its match, hidden by the decision.
fn still_possible(engine: &Engine, pair: &PairKey, via: Option<&RecordId>) -> bool {
    let candidate = |via: Option<RecordId>| Candidate {
        relation: pair.relation,
        left: pair.left.clone(),
        right: pair.right.clone(),
        score: 0.0,
        rank: 0,
        decision: None,
        via,
        also: Vec::new(),
    };
    let direct = engine.explain(&candidate(None)).is_some();
    direct
        || (pair.relation == Relation::PossibleIdentification
            && via.is_some_and(|v| engine.explain(&candidate(Some(v.clone()))).is_some()))
}
