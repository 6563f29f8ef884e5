//! Records by the day of their case (last contact, date found), in lists by sex and band of
//! birth years, each sorted by day, so that a lookup reads the records of a compatible sex
//! and age whose case came shortly before a date, wherever they are: the remains found far
//! from where the person was last seen, weeks later, that a walk outwards from the place
//! reaches only after hundreds of nearer records.

use rustc_hash::FxHashMap;

use super::geo::sex_code;
use crate::profile::{Profile, Span, Summary};

/// Years of birth one list spans.
const BAND_YEARS: f32 = 4.0;
/// The band of records without a birth (read by every lookup).
const NO_BIRTH: i16 = i16::MIN;

/// One record in a list.
#[derive(Debug, Clone, Copy)]
struct Entry {
    day: i32,
    /// Middle of the birth interval (decimal year); NaN when unknown.
    birth: f32,
    id: u32,
    summary: Summary,
}

fn band(birth: f32) -> i16 {
    if birth.is_nan() {
        NO_BIRTH
    } else {
        (birth / BAND_YEARS).floor().clamp(-30000.0, 30000.0) as i16
    }
}

fn entry(id: u32, p: &Profile) -> Option<((u8, i16), Entry)> {
    let e = p.event?;
    let birth = p.birth_mid().unwrap_or(f32::NAN);
    Some((
        (sex_code(p), band(birth)),
        Entry {
            day: e.mid(),
            birth,
            id,
            summary: p.summary(),
        },
    ))
}

/// Records with a case date, by sex (unknown, male, female) and band of birth.
#[derive(Debug, Default, Clone)]
pub struct TimeIndex {
    lists: FxHashMap<(u8, i16), Vec<Entry>>,
}

/// The lists one lookup reads, with the birth range it accepts.
pub struct Lists<'a> {
    lists: Vec<&'a [Entry]>,
    lo: f32,
    hi: f32,
}

impl<'a> Lists<'a> {
    /// How many entries have a day in `[from, to]` (before the exact birth check).
    pub fn count(&self, from: i32, to: i32) -> usize {
        self.lists
            .iter()
            .map(|l| l.partition_point(|e| e.day <= to) - l.partition_point(|e| e.day < from))
            .sum()
    }

    /// Visits the records with a day in `[from, to]` whose birth falls in the range (or is
    /// unknown), as `(id, day, summary)`.
    pub fn visit(&self, from: i32, to: i32, mut f: impl FnMut(u32, i32, &Summary)) {
        for l in &self.lists {
            let start = l.partition_point(|e| e.day < from);
            for e in &l[start..] {
                if e.day > to {
                    break;
                }
                if e.birth.is_nan() || (e.birth >= self.lo && e.birth <= self.hi) {
                    f(e.id, e.day, &e.summary);
                }
            }
        }
    }
}

impl TimeIndex {
    /// An index of many records at once.
    pub fn bulk<'a>(records: impl Iterator<Item = (u32, &'a Profile)>) -> Self {
        let mut t = TimeIndex::default();
        for (id, p) in records {
            if let Some((k, e)) = entry(id, p) {
                t.lists.entry(k).or_default().push(e);
            }
        }
        for l in t.lists.values_mut() {
            l.sort_unstable_by(|a, b| a.day.cmp(&b.day).then(a.id.cmp(&b.id)));
        }
        t
    }

    pub fn insert(&mut self, id: u32, p: &Profile) {
        if let Some((k, e)) = entry(id, p) {
            let l = self.lists.entry(k).or_default();
            let at = l.partition_point(|x| (x.day, x.id) < (e.day, e.id));
            l.insert(at, e);
        }
    }

    pub fn remove(&mut self, id: u32, p: &Profile) {
        if let Some((k, e)) = entry(id, p)
            && let Some(l) = self.lists.get_mut(&k)
        {
            let at = l.partition_point(|x| (x.day, x.id) < (e.day, e.id));
            if l.get(at).is_some_and(|x| x.id == id) {
                l.remove(at);
            } else {
                l.retain(|x| x.id != id);
            }
            if l.is_empty() {
                self.lists.remove(&k);
            }
        }
    }

    /// The lists of records whose sex does not conflict with `p`'s and whose birth may fall
    /// in `birth` widened by `slack` years (every birth when `birth` is unknown).
    pub fn lists(&self, p: &Profile, birth: Option<Span>, slack: f32) -> Lists<'_> {
        let sex = sex_code(p);
        let sexes: &[u8] = match sex {
            0 => &[0, 1, 2],
            1 => &[0, 1],
            _ => &[0, 2],
        };
        let mut lists = Vec::new();
        let (lo, hi) = match birth {
            Some(b) => (b.lo - slack, b.hi + slack),
            None => (f32::NEG_INFINITY, f32::INFINITY),
        };
        match birth {
            Some(_) => {
                for &s in sexes {
                    for b in band(lo)..=band(hi) {
                        if let Some(l) = self.lists.get(&(s, b)) {
                            lists.push(l.as_slice());
                        }
                    }
                    if let Some(l) = self.lists.get(&(s, NO_BIRTH)) {
                        lists.push(l.as_slice());
                    }
                }
            }
            None => {
                let mut keys: Vec<&(u8, i16)> = self
                    .lists
                    .keys()
                    .filter(|(s, _)| sexes.contains(s))
                    .collect();
                keys.sort_unstable();
                lists.extend(
                    keys.into_iter()
                        .filter_map(|k| self.lists.get(k))
                        .map(Vec::as_slice),
                );
            }
        }
        Lists { lists, lo, hi }
    }
}
