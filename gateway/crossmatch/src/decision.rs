//! Investigators' decisions on candidates: confirmed or excluded pairs.
//!
//! A decision names the pair by the records' identities (source and native id), so it
//! survives new versions of either record and can be stored as it is (serde, one JSON object
//! per decision). An excluded pair is never proposed again; a confirmed pair is always kept
//! (and, for the same person, always clustered).

use chrono::{DateTime, Utc};
use homeward_schemas::RecordId;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::score::Relation;

/// Confirmed or excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Confirmed,
    Excluded,
}

/// The pair a decision is about. For a same-person pair the two records are put in order
/// (smaller first), so either order names the same pair; for an identification `left` is
/// the missing record and `right` the unidentified or unclaimed one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PairKey {
    pub relation: Relation,
    pub left: RecordId,
    pub right: RecordId,
}

impl PairKey {
    pub fn new(relation: Relation, left: RecordId, right: RecordId) -> Self {
        match relation {
            Relation::SamePerson if right < left => Self {
                relation,
                left: right,
                right: left,
            },
            _ => Self {
                relation,
                left,
                right,
            },
        }
    }
}

/// One decision, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub pair: PairKey,
    pub verdict: Verdict,
    /// Who decided (user or agency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The decisions in force: the latest one per pair.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decisions {
    by_pair: FxHashMap<PairKey, Decision>,
}

impl Decisions {
    /// Records a decision; a later one on the same pair replaces the earlier.
    pub fn record(&mut self, d: Decision) {
        self.by_pair.insert(d.pair.clone(), d);
    }

    /// Withdraws the decision on a pair; returns it.
    pub fn withdraw(&mut self, pair: &PairKey) -> Option<Decision> {
        self.by_pair.remove(pair)
    }

    pub fn get(&self, pair: &PairKey) -> Option<&Decision> {
        self.by_pair.get(pair)
    }

    /// The verdict on a pair, if any.
    pub fn verdict(
        &self,
        relation: Relation,
        left: &RecordId,
        right: &RecordId,
    ) -> Option<Verdict> {
        if self.by_pair.is_empty() {
            return None;
        }
        self.by_pair
            .get(&PairKey::new(relation, left.clone(), right.clone()))
            .map(|d| d.verdict)
    }

    pub fn is_excluded(&self, relation: Relation, left: &RecordId, right: &RecordId) -> bool {
        self.verdict(relation, left, right) == Some(Verdict::Excluded)
    }

    /// Every decision, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = &Decision> {
        let mut v: Vec<&Decision> = self.by_pair.values().collect();
        v.sort_by(|a, b| a.pair.cmp(&b.pair));
        v.into_iter()
    }

    pub fn len(&self) -> usize {
        self.by_pair.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_pair.is_empty()
    }
}

impl FromIterator<Decision> for Decisions {
    fn from_iter<T: IntoIterator<Item = Decision>>(iter: T) -> Self {
        let mut d = Decisions::default();
        for x in iter {
            d.record(x);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_person_pairs_are_unordered_and_json_round_trips() {
        let a = RecordId::new("TX0101300", "M000000001");
        let b = RecordId::new("TX-CLEARINGHOUSE", "TX-CLEARINGHOUSE-0000001");
        let mut d = Decisions::default();
        d.record(Decision {
            pair: PairKey::new(Relation::SamePerson, a.clone(), b.clone()),
            verdict: Verdict::Excluded,
            by: Some("analyst".into()),
            at: None,
            note: None,
        });
        assert!(d.is_excluded(Relation::SamePerson, &b, &a));
        assert!(d.is_excluded(Relation::SamePerson, &a, &b));
        assert!(!d.is_excluded(Relation::PossibleIdentification, &a, &b));
        let json = serde_json::to_string(d.iter().next().unwrap()).unwrap();
        let back: Decision = serde_json::from_str(&json).unwrap();
        assert_eq!(back.verdict, Verdict::Excluded);
        assert!(json.contains("\"relation\":\"same_person\""));
        d.record(Decision {
            verdict: Verdict::Confirmed,
            ..back
        });
        assert_eq!(d.len(), 1);
        assert_eq!(
            d.verdict(Relation::SamePerson, &a, &b),
            Some(Verdict::Confirmed)
        );
    }
}
