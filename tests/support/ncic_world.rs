//! A generated NCIC world for the crash test and the import benchmark: entries (5 missing to
//! 1 unidentified) with, after every six entries, one transaction on an earlier entry —
//! modify, locate (by another agency), clear, or for unidentified records a clear that
//! identifies. Every record is the target of at most one transaction, so the end state is
//! known exactly. Synthetic data only.

#![allow(dead_code)]

const FIRST: &[&str] = &[
    "MARY", "JOHN", "ANA", "LUIS", "KEISHA", "WEI", "OLGA", "AHMED", "SARAH", "DAVID", "MEI",
    "JOSE", "PRIYA", "IVAN", "FATIMA", "NOAH",
];
const LAST: &[&str] = &[
    "SMITH", "GARCIA", "NGUYEN", "JOHNSON", "OKAFOR", "MUELLER", "IVANOVA", "HASSAN", "LOPEZ",
    "CHEN", "BROWN", "DAVIS", "O'NEIL", "PARK", "SINGH", "WHITE", "MARTIN",
];
const STATES: &[&str] = &["TX", "AZ", "NM", "OK", "LA"];

/// What the generated input does, item by item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    Missing,
    Unidentified,
    Modify,
    Locate,
    Clear,
    Identify,
}

/// A generated input.
pub struct World {
    /// The lines, in file order (no trailing newlines).
    pub lines: Vec<String>,
    /// What each line is.
    pub kinds: Vec<Line>,
}

impl World {
    /// The whole file.
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(self.lines.len() * 220);
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }

    pub fn count(&self, k: Line) -> usize {
        self.kinds.iter().filter(|x| **x == k).count()
    }

    /// Records the input makes.
    pub fn records(&self) -> usize {
        self.count(Line::Missing) + self.count(Line::Unidentified)
    }
}

fn ori(n: usize) -> String {
    format!("{}{:07}", STATES[n % STATES.len()], 1_000_000 + n % 40)
}

fn name(n: usize) -> String {
    format!("{}, {}", LAST[n % LAST.len()], FIRST[(n / 7) % FIRST.len()])
}

/// `reports` lines: entries and transactions.
pub fn generate(reports: usize) -> World {
    let mut lines = Vec::with_capacity(reports);
    let mut kinds = Vec::with_capacity(reports);
    let mut entries = 0usize; // entries written so far; entry n has NIC number n (1-based)
    let mut transactions = 0usize;
    for k in 0..reports {
        if k % 7 == 6 {
            // the t-th transaction names entry 5t+1, which exists (entries outrun it)
            let n = 5 * transactions + 1;
            transactions += 1;
            let unidentified = n.is_multiple_of(6);
            let (line, kind) = if unidentified {
                (
                    format!(
                        "1N01HEADER.CU.{}.NIC/U{n:09}.OCA/ME-{n}.DCL/20260110.RPS/IDENTIFIED",
                        ori(n)
                    ),
                    Line::Identify,
                )
            } else {
                match transactions % 3 {
                    0 => (
                        format!(
                            "1N01HEADER.MM.{}.NIC/M{n:09}.NAM/{}.WGT/2{:02}",
                            ori(n),
                            name(n),
                            n % 100
                        ),
                        Line::Modify,
                    ),
                    1 => (
                        format!(
                            "1N01HEADER.LM.{}.NIC/M{n:09}.NAM/{}.DOR/20260105.RPS/LOCATED",
                            ori(n + 1),
                            name(n)
                        ),
                        Line::Locate,
                    ),
                    _ => (
                        format!(
                            "1N01HEADER.CM.{}.NIC/M{n:09}.NAM/{}.DCL/20260110.RPS/LOCATED",
                            ori(n),
                            name(n)
                        ),
                        Line::Clear,
                    ),
                }
            };
            lines.push(line);
            kinds.push(kind);
            continue;
        }
        entries += 1;
        let n = entries;
        let month = 1 + n % 12;
        let day = 1 + n % 28;
        if n.is_multiple_of(6) {
            lines.push(format!(
                "1N01HEADER.EUD.{}.NIC/U{n:09}.OCA/ME-{n}.SEX/M.RAC/U.HGT/505-510.EYB/1970-1980.WGT/150-170.EYE/XXX.HAI/BRO.DBF/2024{month:02}{day:02}.BPS/ALL.LOC/UNKNOWN, TX @310000N0990000W",
                ori(n)
            ));
            kinds.push(Line::Unidentified);
        } else {
            lines.push(format!(
                "1N01HEADER.EMO.{}.NIC/M{n:09}.OCA/{n}.NAM/{}.SEX/{}.RAC/W.DOB/19{:02}{month:02}{day:02}.HGT/5{:02}.WGT/1{:02}.EYE/BRO.HAI/BLK.MNP/MP.DLC/2025{month:02}{day:02}.LOC/SPRINGFIELD, TX @310000N0990000W.MIS/GENERATED RECORD {n}",
                ori(n),
                name(n),
                if n.is_multiple_of(2) { "F" } else { "M" },
                50 + n % 40,
                n % 12,
                n % 100
            ));
            kinds.push(Line::Missing);
        }
    }
    World { lines, kinds }
}
