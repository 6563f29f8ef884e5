//! Quality figures of a crossmatch against a world's truth (`truth.csv`:
//! `native_id,pid,kind,format,status`).
//!
//! - **Same person**: pairwise precision, recall and F1 of the predicted clusters (the
//!   closure of the same-person rows) against the truth clusters (open records of one `pid`
//!   and one kind).
//! - **Identification**: over the open unidentified and unclaimed records whose person has
//!   an open missing record, the share whose first true missing record is ranked 1st, in the
//!   top 10 and in the top 20 of its candidates.
//! - **Closed records proposed**: rows naming a record whose truth status is not `active`.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::output::Row;
use crate::score::Relation;

/// One line of `truth.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthRow {
    pub pid: String,
    pub kind: String,
    pub format: String,
    pub status: String,
}

impl TruthRow {
    pub fn is_open(&self) -> bool {
        self.status == "active"
    }
}

/// A world's truth, by native id.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    pub rows: HashMap<String, TruthRow>,
}

/// Why a truth file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TruthError {
    #[error("truth line {line}: {reason}")]
    Malformed { line: usize, reason: String },
}

impl Truth {
    /// Reads `truth.csv` text.
    pub fn parse(text: &str) -> Result<Self, TruthError> {
        let mut lines = text.lines().enumerate();
        let header = lines.next().map(|(_, l)| l.trim()).unwrap_or_default();
        if header != "native_id,pid,kind,format,status" {
            return Err(TruthError::Malformed {
                line: 1,
                reason: "header is not `native_id,pid,kind,format,status`".into(),
            });
        }
        let mut rows = HashMap::new();
        for (i, l) in lines {
            let l = l.trim_end();
            if l.is_empty() {
                continue;
            }
            // the native id may hold commas only if quoted; ids here never do
            let f: Vec<&str> = l.rsplitn(5, ',').collect();
            let [status, format, kind, pid, id] = f[..] else {
                return Err(TruthError::Malformed {
                    line: i + 1,
                    reason: format!("{} fields, expected 5", f.len()),
                });
            };
            rows.insert(
                id.trim_matches('"').to_string(),
                TruthRow {
                    pid: pid.to_string(),
                    kind: kind.to_string(),
                    format: format.to_string(),
                    status: status.to_string(),
                },
            );
        }
        Ok(Self { rows })
    }
}

/// Pairwise precision and recall.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pairwise {
    pub true_positives: u64,
    pub predicted: u64,
    pub actual: u64,
}

impl Pairwise {
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.predicted as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.actual == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.actual as f64
        }
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Identification ranks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranks {
    /// Records to identify whose person was reported missing (open records).
    pub eligible: u64,
    pub top1: u64,
    pub top10: u64,
    pub top20: u64,
    /// Listed at any rank.
    pub listed: u64,
    /// The eligible records whose true record was not in the top 20 (for study).
    pub misses: Vec<String>,
}

impl Ranks {
    fn rate(&self, n: u64) -> f64 {
        if self.eligible == 0 {
            1.0
        } else {
            n as f64 / self.eligible as f64
        }
    }

    pub fn top1_rate(&self) -> f64 {
        self.rate(self.top1)
    }

    pub fn top10_rate(&self) -> f64 {
        self.rate(self.top10)
    }

    pub fn top20_rate(&self) -> f64 {
        self.rate(self.top20)
    }
}

/// The figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub same_person: Pairwise,
    pub identification: Ranks,
    /// Rows naming a record the truth says is closed.
    pub closed_proposed: u64,
    /// Rows naming a record the truth does not know.
    pub unknown_records: u64,
    pub rows: u64,
}

impl Report {
    /// Whether every issue-5 target is met: F1 ≥ 0.97; top-1 ≥ 65 %, top-10 ≥ 88 %,
    /// top-20 ≥ 92 %; no closed record proposed.
    pub fn meets_targets(&self) -> bool {
        self.same_person.f1() >= 0.97
            && self.identification.top1_rate() >= 0.65
            && self.identification.top10_rate() >= 0.88
            && self.identification.top20_rate() >= 0.92
            && self.closed_proposed == 0
    }

    /// The figures as a small table.
    pub fn table(&self) -> String {
        let sp = &self.same_person;
        let id = &self.identification;
        let pct = |x: f64| format!("{:.1}%", 100.0 * x);
        let mut s = String::new();
        s.push_str(&format!(
            "same person      precision {:.4}  recall {:.4}  F1 {:.4}  ({} predicted pairs, {} true pairs, {} agree)\n",
            sp.precision(),
            sp.recall(),
            sp.f1(),
            sp.predicted,
            sp.actual,
            sp.true_positives
        ));
        s.push_str(&format!(
            "identification   top-1 {}  top-10 {}  top-20 {}  (of {} records whose person was reported missing; {} listed at all)\n",
            pct(id.top1_rate()),
            pct(id.top10_rate()),
            pct(id.top20_rate()),
            id.eligible,
            id.listed
        ));
        s.push_str(&format!(
            "closed records proposed  {}   unknown records  {}   rows  {}\n",
            self.closed_proposed, self.unknown_records, self.rows
        ));
        s
    }
}

/// Evaluates candidate rows against the truth.
pub fn evaluate(truth: &Truth, rows: &[Row]) -> Report {
    let mut report = Report {
        rows: rows.len() as u64,
        ..Report::default()
    };
    let open = |id: &str| truth.rows.get(id).is_some_and(TruthRow::is_open);

    for r in rows {
        let l = truth.rows.get(&r.left);
        let rt = truth.rows.get(&r.right);
        if l.is_none() || rt.is_none() {
            report.unknown_records += 1;
        }
        if l.is_some_and(|t| !t.is_open()) || rt.is_some_and(|t| !t.is_open()) {
            report.closed_proposed += 1;
        }
    }

    // same person: closure of the predicted links
    let mut parent: HashMap<&str, &str> = HashMap::new();
    fn find<'a>(p: &mut HashMap<&'a str, &'a str>, x: &'a str) -> &'a str {
        let mut r = x;
        while let Some(&q) = p.get(r) {
            if q == r {
                break;
            }
            r = q;
        }
        p.insert(x, r);
        r
    }
    for r in rows.iter().filter(|r| r.relation == Relation::SamePerson) {
        parent.entry(&r.left).or_insert(&r.left);
        parent.entry(&r.right).or_insert(&r.right);
        let (a, b) = (find(&mut parent, &r.left), find(&mut parent, &r.right));
        if a != b {
            parent.insert(a, b);
        }
    }
    let ids: Vec<&str> = parent.keys().copied().collect();
    let mut predicted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for id in ids {
        let root = find(&mut parent, id);
        predicted.entry(root).or_default().push(id);
    }
    let mut actual: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for (id, t) in &truth.rows {
        if t.is_open() {
            actual
                .entry((t.pid.as_str(), t.kind.as_str()))
                .or_default()
                .push(id.as_str());
        }
    }
    let pairs = |n: usize| (n * n.saturating_sub(1) / 2) as u64;
    report.same_person.actual = actual.values().map(|v| pairs(v.len())).sum();
    report.same_person.predicted = predicted.values().map(|v| pairs(v.len())).sum();
    let mut tp = 0u64;
    for members in predicted.values() {
        let mut by_truth: HashMap<(&str, &str), usize> = HashMap::new();
        for m in members {
            if let Some(t) = truth.rows.get(*m).filter(|t| t.is_open()) {
                *by_truth
                    .entry((t.pid.as_str(), t.kind.as_str()))
                    .or_default() += 1;
            }
        }
        tp += by_truth.values().map(|n| pairs(*n)).sum::<u64>();
    }
    report.same_person.true_positives = tp;

    // identification ranks, in row order per right record (rows are written best first)
    let mut lists: HashMap<&str, Vec<(&str, f32)>> = HashMap::new();
    for r in rows
        .iter()
        .filter(|r| r.relation == Relation::PossibleIdentification)
    {
        lists.entry(&r.right).or_default().push((&r.left, r.score));
    }
    let missing_pids: HashSet<&str> = truth
        .rows
        .values()
        .filter(|t| t.is_open() && t.kind == "missing")
        .map(|t| t.pid.as_str())
        .collect();
    let mut eligible: Vec<(&String, &TruthRow)> = truth
        .rows
        .iter()
        .filter(|(_, t)| {
            t.is_open()
                && (t.kind == "unidentified" || t.kind == "unclaimed")
                && missing_pids.contains(t.pid.as_str())
        })
        .collect();
    eligible.sort_by(|a, b| a.0.cmp(b.0));
    let id = &mut report.identification;
    for (rid, t) in eligible {
        id.eligible += 1;
        let mut list = lists.get(rid.as_str()).cloned().unwrap_or_default();
        // stable: equal scores keep their row order
        list.sort_by(|a, b| b.1.total_cmp(&a.1));
        let rank = list.iter().position(|(l, _)| {
            truth
                .rows
                .get(*l)
                .is_some_and(|m| m.pid == t.pid && m.kind == "missing" && open(l))
        });
        match rank {
            Some(k) => {
                id.listed += 1;
                if k < 1 {
                    id.top1 += 1;
                }
                if k < 10 {
                    id.top10 += 1;
                }
                if k < 20 {
                    id.top20 += 1;
                } else {
                    id.misses.push(rid.clone());
                }
            }
            None => id.misses.push(rid.clone()),
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(l: &str, r: &str, rel: Relation, score: f32) -> Row {
        Row {
            left: l.into(),
            right: r.into(),
            relation: rel,
            score,
            left_source: String::new(),
            right_source: String::new(),
            reasons: String::new(),
        }
    }

    const TRUTH: &str = "native_id,pid,kind,format,status
M1,1,missing,ncic,active
X1,1,missing,xml,active
P1,1,missing,pfif,active
M2,2,missing,ncic,active
X2,2,missing,xml,located
U1,1,unidentified,ncic,active
U2,3,unidentified,xml,active
U3,2,unidentified,ncic,active
";

    #[test]
    fn pairwise_scores_use_the_closure_and_open_records() {
        let truth = Truth::parse(TRUTH).unwrap();
        let rows = vec![
            row("M1", "X1", Relation::SamePerson, 30.0),
            row("X1", "P1", Relation::SamePerson, 20.0),
            row("M2", "X2", Relation::SamePerson, 25.0),
        ];
        let r = evaluate(&truth, &rows);
        // predicted: {M1,X1,P1} 3 pairs + {M2,X2} 1 pair; true: {M1,X1,P1} 3 pairs
        assert_eq!(r.same_person.predicted, 4);
        assert_eq!(r.same_person.actual, 3);
        assert_eq!(r.same_person.true_positives, 3);
        assert!((r.same_person.precision() - 0.75).abs() < 1e-9);
        assert_eq!(r.closed_proposed, 1);
    }

    #[test]
    fn identification_ranks_take_the_first_true_record() {
        let truth = Truth::parse(TRUTH).unwrap();
        let mut rows = vec![
            row("M2", "U1", Relation::PossibleIdentification, 30.0),
            row("X1", "U1", Relation::PossibleIdentification, 20.0),
            row("M1", "U1", Relation::PossibleIdentification, 10.0),
        ];
        for i in 0..25 {
            rows.push(row(
                &format!("Z{i}"),
                "U3",
                Relation::PossibleIdentification,
                50.0 - i as f32,
            ));
        }
        rows.push(row("M2", "U3", Relation::PossibleIdentification, 1.0));
        let r = evaluate(&truth, &rows);
        // U1 (rank 2) and U3 (rank 26) are eligible; U2's person was never reported missing
        assert_eq!(r.identification.eligible, 2);
        assert_eq!(r.identification.top1, 0);
        assert_eq!(r.identification.top10, 1);
        assert_eq!(r.identification.top20, 1);
        assert_eq!(r.identification.listed, 2);
        assert_eq!(r.identification.misses, vec!["U3".to_string()]);
        assert_eq!(r.unknown_records, 25);
        assert!(!r.meets_targets());
    }

    #[test]
    fn truth_header_is_checked() {
        assert!(Truth::parse("id,pid\n").is_err());
        assert!(Truth::parse("native_id,pid,kind,format,status\nM1,1,missing\n").is_err());
    }
}
