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
    /// A walk in time from one end of `[lo, hi]`: from `hi` down when `latest_first`, else
    /// from `lo` up. Every record on the near side of `edge` (a day `>= edge` walking down,
    /// `<= edge` walking up) is read; past it, the walk reads on while it has read at most
    /// `reads` records, and a day is read whole or not at all (the day of the `reads + 1`-th
    /// record is left out with every record on it). `f` gets `(id, day, summary)` of those
    /// whose birth falls in the range (or is unknown), latest (earliest) first.
    ///
    /// The lists are merged with a heap, so a walk costs its reads, not a search of the
    /// whole window per list.
    pub fn walk(
        &self,
        (lo, hi): (i32, i32),
        edge: i32,
        latest_first: bool,
        reads: usize,
        mut f: impl FnMut(u32, i32, &Summary),
    ) {
        if lo > hi {
            return;
        }
        // the heap orders by a key that grows in the walk's direction's reverse, so the
        // max-heap pops the next day of the walk
        let key = |day: i32| if latest_first { day } else { -day };
        // per list: the window's bounds and the cursor (the next index to read)
        let mut cursors: Vec<(&[Entry], usize)> = Vec::with_capacity(self.lists.len());
        let mut heap = std::collections::BinaryHeap::with_capacity(self.lists.len());
        for l in &self.lists {
            let start = l.partition_point(|e| e.day < lo);
            let end = l.partition_point(|e| e.day <= hi);
            if start >= end {
                continue;
            }
            let window = &l[start..end];
            let first = if latest_first { window.len() - 1 } else { 0 };
            heap.push((key(window[first].day), cursors.len()));
            cursors.push((window, first));
        }
        let beyond = |day: i32| if latest_first { day < edge } else { day > edge };
        let mut read: Vec<&Entry> = Vec::with_capacity(reads + 1);
        // the list read next is at the top; its next entry replaces it there (one sift down,
        // not a pop and a push). The heap's entries are unique (the list's number breaks a
        // tie of days), so the order read is the same however the heap is arranged.
        while let Some(mut top) = heap.peek_mut() {
            let i = top.1;
            let Some(&(window, at)) = cursors.get(i) else {
                break;
            };
            let e = &window[at];
            read.push(e);
            if read.len() > reads && beyond(e.day) {
                // the budget is spent past the edge: leave this record's day out
                let cut = e.day;
                while read.last().is_some_and(|x| x.day == cut && beyond(x.day)) {
                    read.pop();
                }
                break;
            }
            let next = if latest_first {
                at.checked_sub(1)
            } else {
                Some(at + 1).filter(|&n| n < window.len())
            };
            match next {
                Some(n) => {
                    cursors[i].1 = n;
                    *top = (key(window[n].day), i);
                }
                None => {
                    std::collections::binary_heap::PeekMut::pop(top);
                }
            }
        }
        for e in read {
            if e.birth.is_nan() || (e.birth >= self.lo && e.birth <= self.hi) {
                f(e.id, e.day, &e.summary);
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// How many entries have a day in `[from, to]` (before the exact birth check).
    fn count(lists: &Lists<'_>, from: i32, to: i32) -> usize {
        lists
            .lists
            .iter()
            .map(|l| l.partition_point(|e| e.day <= to) - l.partition_point(|e| e.day < from))
            .sum()
    }

    /// The ids of the records with a day in `[from, to]` whose birth falls in the range (or
    /// is unknown).
    fn visit(lists: &Lists<'_>, from: i32, to: i32) -> Vec<u32> {
        let mut out = Vec::new();
        for l in &lists.lists {
            let start = l.partition_point(|e| e.day < from);
            for e in l[start..].iter().take_while(|e| e.day <= to) {
                if e.birth.is_nan() || (e.birth >= lists.lo && e.birth <= lists.hi) {
                    out.push(e.id);
                }
            }
        }
        out
    }

    /// The walk as it was first written: a binary search on the gap, counting every list's
    /// window at each step, then one read of the window found.
    fn by_search(
        lists: &Lists<'_>,
        (lo, hi): (i32, i32),
        edge: i32,
        latest_first: bool,
        reads: usize,
    ) -> Vec<u32> {
        let count = |g: i32| {
            if latest_first {
                count(lists, edge - g, hi)
            } else {
                count(lists, lo, edge + g)
            }
        };
        let max = if latest_first { edge - lo } else { hi - edge };
        let mut g = max;
        if count(g) > reads {
            if count(0) > reads {
                g = 0;
            } else {
                let (mut a, mut b) = (0, g);
                while b - a > 1 {
                    let mid = a + (b - a) / 2;
                    if count(mid) <= reads {
                        a = mid;
                    } else {
                        b = mid;
                    }
                }
                g = a;
            }
        }
        let (from, to) = if latest_first {
            (edge - g, hi)
        } else {
            (lo, edge + g)
        };
        let mut out = visit(lists, from, to);
        out.sort_unstable();
        out
    }

    fn index(days: &[(u8, i32, f32)]) -> Vec<Vec<Entry>> {
        let mut lists: Vec<Vec<Entry>> = vec![Vec::new(); 4];
        for (id, &(list, day, birth)) in days.iter().enumerate() {
            lists[usize::from(list % 4)].push(Entry {
                day,
                birth,
                id: id as u32,
                summary: Summary::blank(),
            });
        }
        for l in &mut lists {
            l.sort_unstable_by(|a, b| a.day.cmp(&b.day).then(a.id.cmp(&b.id)));
        }
        lists
    }

    #[test]
    fn a_walk_reads_whole_days_within_its_budget() {
        // days 10, 9, 9, 8, 7 below the edge 11: a budget of 2 reads day 10 only (the second
        // and third records share day 9, which would go over)
        let lists = index(&[
            (0, 12, f32::NAN),
            (1, 10, f32::NAN),
            (2, 9, f32::NAN),
            (0, 9, f32::NAN),
            (1, 8, f32::NAN),
            (3, 7, f32::NAN),
        ]);
        let l = Lists {
            lists: lists.iter().map(Vec::as_slice).collect(),
            lo: f32::NEG_INFINITY,
            hi: f32::INFINITY,
        };
        let mut got = Vec::new();
        l.walk((0, 20), 11, true, 2, |id, _, _| got.push(id));
        assert_eq!(got, vec![0, 1]);
        // everything on the near side of the edge is read, whatever the budget
        let mut got = Vec::new();
        l.walk((0, 20), 9, true, 1, |id, _, _| got.push(id));
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 2, 3]);
        // walking up from the start
        let mut got = Vec::new();
        l.walk((0, 20), 7, false, 2, |id, _, _| got.push(id));
        assert_eq!(got, vec![5, 4]);
    }

    proptest! {
        #[test]
        fn a_walk_reads_what_the_binary_search_read(
            days in proptest::collection::vec(
                (0u8..4, -40i32..40, prop_oneof![Just(f32::NAN), 1990f32..2010f32]),
                0..120,
            ),
            lo in -50i32..0,
            hi in 0i32..50,
            edge in -50i32..50,
            latest_first: bool,
            reads in 0usize..40,
        ) {
            let lists = index(&days);
            let l = Lists {
                lists: lists.iter().map(Vec::as_slice).collect(),
                lo: 1995.0,
                hi: 2005.0,
            };
            let edge = edge.clamp(lo, hi);
            let mut got = Vec::new();
            l.walk((lo, hi), edge, latest_first, reads, |id, _, _| got.push(id));
            got.sort_unstable();
            prop_assert_eq!(got, by_search(&l, (lo, hi), edge, latest_first, reads));
        }
    }
}
