//! The crossmatch engine: an index of profiles that accepts records as they come and go, and
//! answers candidates for one record (incremental) or for all (a full run).
//!
//! ```text
//! upsert(record) ─► Profile ─► counts (name, mark, race frequencies)
//!                           ├─► blocking keys (names × years, dates of birth, event day,
//!                           │                  marks, teeth, fingerprints, identifiers)
//!                           └─► geo grid (one-degree cells, by year of birth)
//! candidates(id) / run() ─► lookups ─► scoring (score::score) ─► threshold / top K
//!                                                          └─► clusters (same person)
//! ```
//!
//! Only open records (status `active`) are indexed: a record that is located, cleared,
//! cancelled, identified or expired is removed from the index when its new version arrives,
//! so it is never proposed. Decisions (confirmed or excluded pairs) are held here too.

mod cluster;
mod geo;
mod keys;
#[cfg(test)]
mod tests;
mod time;

use homeward_schemas::{Kind, Record, RecordId};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::decision::{Decision, Decisions, PairKey, Verdict};
use crate::profile::{Profile, Span};
use crate::score::{self, Attribute, Counts, Parts, Relation, Total};
pub use cluster::Link;

/// A ranked candidate inside the engine: (missing slot, score, confirmed).
type Scored = (u32, f32, bool);

/// One row of an identification list inside the engine.
struct Ranked {
    slot: u32,
    score: f32,
    /// The record of the same remains the score came from, if not the listed one.
    via: Option<u32>,
    /// Other reports of the same missing person, scored lower, folded into this row.
    also: Vec<u32>,
}
pub use geo::Reach;

/// What the engine is tuned with. The defaults are the documented ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// How many possible identifications to keep per unidentified or unclaimed record.
    pub top_k: usize,
    /// Same-person links below this score (bits) are not made.
    pub same_person_threshold: f32,
    /// For a new missing record: identifications at or above this score are reported.
    pub notify_threshold: f32,
    /// How far the geographic lookup of identification candidates reads.
    pub reach_enough: usize,
    pub reach_min_km: f32,
    pub reach_max_km: f32,
    /// Years added on each side of a birth interval when reading the geo grid.
    pub birth_slack_years: f32,
    /// How many identification candidates found by place or by marks and teeth are scored
    /// in full per record (the best by a cheap first estimate); name and date matches
    /// always are.
    pub full_scores: usize,
    /// A blocking key shared by more records than this is not used to find candidates (it
    /// says too little; the other keys still find the pair).
    pub max_bucket: usize,
    /// How many identification candidates are read by time (the missing records whose last
    /// contact is nearest before the date found, anywhere), besides those read by place.
    #[serde(default = "default_time_reads")]
    pub time_reads: usize,
}

fn default_time_reads() -> usize {
    Config::default().time_reads
}

impl Default for Config {
    fn default() -> Self {
        Self {
            top_k: 20,
            same_person_threshold: 14.0,
            notify_threshold: 12.0,
            reach_enough: 300,
            reach_min_km: 150.0,
            reach_max_km: 2500.0,
            birth_slack_years: 5.0,
            full_scores: 60,
            max_bucket: 100,
            time_reads: 200,
        }
    }
}

impl Config {
    fn reach(&self) -> Reach {
        Reach {
            enough: self.reach_enough,
            min_km: self.reach_min_km,
            max_km: self.reach_max_km,
        }
    }
}

/// A proposed pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub relation: Relation,
    /// Same person: the first record; identification: the missing record.
    pub left: RecordId,
    /// Same person: the second record; identification: the unidentified or unclaimed record.
    pub right: RecordId,
    /// Bits of evidence; higher is better; comparable within a relation.
    pub score: f32,
    /// Identification: rank among the right record's candidates (1 is best). Same person:
    /// the number of the cluster (from 1) in a full run, 0 for an incremental answer.
    pub rank: u32,
    /// An investigator's decision on the pair, if any (only confirmed pairs appear: excluded
    /// ones are never proposed).
    pub decision: Option<Verdict>,
    /// Identification scored on another record of the same remains or body (a same-person
    /// link of the right record), whose evidence is stronger; the score and reasons are that
    /// pair's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<RecordId>,
    /// Identification: other reports of the same missing person (same-person links), folded
    /// into this row because they scored lower.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<RecordId>,
}

/// The result of a full crossmatch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matches {
    /// Same-person links, grouped by cluster (clusters in order), strongest first in each.
    pub same_person: Vec<Candidate>,
    /// Clusters of two or more records; their closure is what `same_person` links.
    pub clusters: Vec<Vec<RecordId>>,
    /// For each unidentified or unclaimed record with candidates: its top K, best first.
    pub identifications: Vec<Candidate>,
    /// What the run did.
    pub stats: RunStats,
}

/// Counters of a run, for benchmarks and the console.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStats {
    pub records: usize,
    pub same_person_pairs_scored: u64,
    pub identification_pairs_scored: u64,
    /// Identification candidates estimated cheaply (the full scores are a subset).
    pub identification_pairs_estimated: u64,
    pub records_to_identify: usize,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The record is new and open: indexed.
    Added,
    /// A new version of an indexed record: re-indexed.
    Updated,
    /// The record is closed (or was removed): taken out of the index.
    Removed,
    /// A closed record that was not indexed: nothing to do.
    Ignored,
}

/// The index of open records and the decisions on pairs.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    config: Config,
    slots: Vec<Option<Profile>>,
    summaries: Vec<crate::profile::Summary>,
    free: Vec<u32>,
    ids: FxHashMap<RecordId, u32>,
    counts: Counts,
    keys: FxHashMap<u64, Vec<u32>>,
    geo_missing: geo::GeoIndex,
    geo_found: geo::GeoIndex,
    time_missing: time::TimeIndex,
    time_found: time::TimeIndex,
    decisions: Decisions,
}

impl Engine {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// An engine holding `records` (profiles built in parallel). Closed records are skipped.
    pub fn with_records(config: Config, records: &[Record]) -> Self {
        let profiles: Vec<Profile> = records
            .par_iter()
            .filter(|r| r.is_open())
            .map(Profile::build)
            .collect();
        Self::with_profiles(config, profiles)
    }

    /// An engine holding `records`, consuming them (each is dropped once its profile is
    /// built, so the records and the index are not both held whole).
    pub fn from_records(config: Config, records: Vec<Record>) -> Self {
        let profiles: Vec<Profile> = records
            .into_par_iter()
            .filter(|r| r.is_open())
            .map(|r| Profile::build(&r))
            .collect();
        Self::with_profiles(config, profiles)
    }

    /// An engine holding `profiles` (keys computed in parallel).
    pub fn with_profiles(config: Config, profiles: Vec<Profile>) -> Self {
        let mut e = Self::new(config);
        let mut profiles: Vec<Profile> =
            profiles.into_par_iter().filter(Profile::is_open).collect();
        // one profile per record: the last of several wins; the map of ids to slots on the
        // way (one pass when, as usual, no record comes twice)
        let mut ids: FxHashMap<RecordId, u32> = FxHashMap::default();
        ids.reserve(profiles.len());
        let mut twice = false;
        for (i, p) in profiles.iter().enumerate() {
            twice |= ids.insert(p.id.clone(), i as u32).is_some();
        }
        if twice {
            let keep: FxHashSet<u32> = ids.values().copied().collect();
            let mut i = 0u32;
            profiles.retain(|_| {
                i += 1;
                keep.contains(&(i - 1))
            });
            ids.clear();
            for (i, p) in profiles.iter().enumerate() {
                ids.insert(p.id.clone(), i as u32);
            }
        }
        // keys, summaries and frequencies in parallel; the key map (filled on one thread)
        // alongside the other indexes
        let mut pairs: Vec<(u64, u32)> = profiles
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, p)| keys::file_keys(p).into_iter().map(move |k| (k, i as u32)))
            .collect();
        pairs.par_sort_unstable();
        let key_map = || {
            let mut map: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
            map.reserve(pairs.len() / 2);
            let mut i = 0;
            while i < pairs.len() {
                let k = pairs[i].0;
                let mut j = i;
                while j < pairs.len() && pairs[j].0 == k {
                    j += 1;
                }
                map.insert(k, pairs[i..j].iter().map(|x| x.1).collect());
                i = j;
            }
            map
        };
        let others = || {
            let counts = profiles
                .par_iter()
                .fold(Counts::default, |mut c, p| {
                    c.add(p);
                    c
                })
                .reduce(Counts::default, Counts::merge);
            let summaries: Vec<crate::profile::Summary> =
                profiles.par_iter().map(Profile::summary).collect();
            let with_slots = || profiles.par_iter().enumerate().map(|(i, p)| (i as u32, p));
            let geo_missing = geo::GeoIndex::bulk(with_slots().filter(|(_, p)| p.is_missing()));
            let geo_found = geo::GeoIndex::bulk(with_slots().filter(|(_, p)| !p.is_missing()));
            let slots = || profiles.iter().enumerate().map(|(i, p)| (i as u32, p));
            let (tm, tf) = rayon::join(
                || time::TimeIndex::bulk(slots().filter(|(_, p)| p.is_missing())),
                || time::TimeIndex::bulk(slots().filter(|(_, p)| !p.is_missing())),
            );
            (counts, summaries, geo_missing, geo_found, tm, tf)
        };
        let (key_map, (counts, summaries, geo_missing, geo_found, tm, tf)) =
            rayon::join(key_map, others);
        drop(pairs);
        e.keys = key_map;
        e.counts = counts;
        e.summaries = summaries;
        e.geo_missing = geo_missing;
        e.geo_found = geo_found;
        e.time_missing = tm;
        e.time_found = tf;
        e.ids = ids;
        e.slots = profiles.into_iter().map(Some).collect();
        e
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Adds or replaces a record (by its source and native id).
    pub fn upsert(&mut self, record: &Record) -> Change {
        if !record.is_open() {
            return if self.remove(&record.id) {
                Change::Removed
            } else {
                Change::Ignored
            };
        }
        self.upsert_profile(Profile::build(record))
    }

    /// Adds or replaces a profile.
    pub fn upsert_profile(&mut self, p: Profile) -> Change {
        if !p.is_open() {
            return if self.remove(&p.id) {
                Change::Removed
            } else {
                Change::Ignored
            };
        }
        let existed = self.remove(&p.id);
        let k = keys::file_keys(&p);
        self.insert(p, k);
        if existed {
            Change::Updated
        } else {
            Change::Added
        }
    }

    /// Files a profile not indexed yet under its keys.
    fn insert(&mut self, p: Profile, file_keys: Vec<u64>) {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.summaries.push(p.summary());
                (self.slots.len() - 1) as u32
            }
        };
        self.summaries[slot as usize] = p.summary();
        self.counts.add(&p);
        // each key's slots stay sorted (a lookup may read only those after a slot)
        for k in file_keys {
            let v = self.keys.entry(k).or_default();
            let at = v.partition_point(|x| *x < slot);
            v.insert(at, slot);
        }
        if p.is_missing() {
            self.geo_missing.insert(slot, &p);
            self.time_missing.insert(slot, &p);
        } else {
            self.geo_found.insert(slot, &p);
            self.time_found.insert(slot, &p);
        }
        self.ids.insert(p.id.clone(), slot);
        self.slots[slot as usize] = Some(p);
    }

    /// Takes a record out of the index; `false` if it was not in it.
    pub fn remove(&mut self, id: &RecordId) -> bool {
        let Some(slot) = self.ids.remove(id) else {
            return false;
        };
        let Some(p) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return false;
        };
        self.counts.remove(&p);
        for k in keys::file_keys(&p) {
            if let Some(v) = self.keys.get_mut(&k) {
                v.retain(|x| *x != slot);
                if v.is_empty() {
                    self.keys.remove(&k);
                }
            }
        }
        if p.is_missing() {
            self.geo_missing.remove(slot, &p);
            self.time_missing.remove(slot, &p);
        } else {
            self.geo_found.remove(slot, &p);
            self.time_found.remove(slot, &p);
        }
        self.free.push(slot);
        true
    }

    /// How many records are indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The profile of an indexed record.
    pub fn profile(&self, id: &RecordId) -> Option<&Profile> {
        self.ids.get(id).and_then(|s| self.slot(*s))
    }

    fn slot(&self, s: u32) -> Option<&Profile> {
        self.slots.get(s as usize).and_then(Option::as_ref)
    }

    /// The frequency tables scoring uses.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    pub fn decisions(&self) -> &Decisions {
        &self.decisions
    }

    /// Records an investigator's decision (a later one on the same pair replaces it).
    pub fn decide(&mut self, d: Decision) {
        self.decisions.record(d);
    }

    /// Withdraws the decision on a pair.
    pub fn withdraw(&mut self, pair: &PairKey) -> Option<Decision> {
        self.decisions.withdraw(pair)
    }

    // === lookups ===

    /// Records of `kind` sharing a blocking key with `p`: those sharing a name, date, place,
    /// fingerprint or identifier key into `plain`; those sharing marks or teeth, with the
    /// evidence (bits) those suggest, into `evidence` (sorted by slot, summed). With `after`,
    /// only the records in slots after it.
    fn lookup(
        &self,
        p: &Profile,
        kind: Kind,
        teeth: bool,
        after: Option<u32>,
        plain: &mut Vec<u32>,
        evidence: &mut Vec<(u32, f32)>,
    ) {
        let profiles = self.counts.profiles().max(200) as f32;
        let start = evidence.len();
        for k in keys::probe_keys(p, kind) {
            let Some(v) = self.keys.get(&k) else { continue };
            if v.len() > keys::bucket_cap(k, self.config.max_bucket) {
                continue;
            }
            let n = v.len() as f32;
            // a key's slots are sorted
            let v = match after {
                Some(o) => &v[v.partition_point(|x| *x <= o)..],
                None => v.as_slice(),
            };
            match keys::family(k) {
                keys::Family::Plain => plain.extend_from_slice(v),
                keys::Family::Mark => {
                    let w = (0.8 * profiles / n).log2().clamp(0.0, 13.0);
                    evidence.extend(v.iter().map(|s| (*s, w)));
                }
                keys::Family::Tooth if teeth => {
                    // a restoration few charts share says more than a common extraction
                    let charts = self.counts.dental_charts().max(50) as f32;
                    let w = (0.8 * charts / n).log2().clamp(0.0, 6.0);
                    evidence.extend(v.iter().map(|s| (*s, w)));
                }
                keys::Family::Tooth | keys::Family::Banded => {}
            }
        }
        let mut merged: Vec<(u32, f32)> = evidence.split_off(start);
        merged.sort_unstable_by_key(|x| x.0);
        let mut i = 0;
        while i < merged.len() {
            let (s, mut w) = merged[i];
            let mut j = i + 1;
            while j < merged.len() && merged[j].0 == s {
                w += merged[j].1;
                j += 1;
            }
            evidence.push((s, w));
            i = j;
        }
    }

    /// Records of `kind` sharing with `p` a mark too common for its plain key, within a
    /// compatible sex and birth band, with the evidence (bits) the mark's rarity suggests,
    /// appended to `evidence` (not merged).
    fn banded_marks(&self, p: &Profile, kind: Kind, evidence: &mut Vec<(u32, f32)>) {
        if p.marks.is_empty() {
            return;
        }
        let profiles = self.counts.profiles().max(200) as f32;
        for (banded, plain) in keys::mark_band_probes(p, kind) {
            let n = self.keys.get(&plain).map_or(0, Vec::len);
            if n <= keys::bucket_cap(plain, self.config.max_bucket) {
                continue; // the plain key found them
            }
            let Some(v) = self.keys.get(&banded) else {
                continue;
            };
            if v.len() > self.config.max_bucket {
                continue;
            }
            let w = (0.8 * profiles / n as f32).log2().clamp(0.0, 13.0);
            evidence.extend(v.iter().map(|s| (*s, w)));
        }
    }

    /// Missing records that may be the person `b` describes: every name- or date-key match
    /// and every strong mark or teeth match, scored in full; and the best `full_scores` by a
    /// cheap estimate of the others: those near in place (the geo walk), those whose last
    /// contact came shortly before `b` was found, wherever (the time walk, when they may
    /// still beat the ones read by place), and those sharing weaker marks or teeth.
    fn identification_pool(&self, b: &Profile, out: &mut Vec<u32>) -> u64 {
        let pre = score::Prescorer::new(b, &self.counts);
        POOL.with(|cell| {
            let mut pool = cell.borrow_mut();
            pool.begin(self.slots.len());
            // records near in place, estimated as they are read
            self.geo_missing.near(
                b,
                b.birth,
                self.config.birth_slack_years,
                self.config.reach(),
                |s, summary| pool.offer(s, pre.score(summary)),
            );
            let mut plain = Vec::new();
            let mut evidence = Vec::new();
            self.lookup(b, Kind::Missing, true, None, &mut plain, &mut evidence);
            let mut banded = Vec::new();
            self.banded_marks(b, Kind::Missing, &mut banded);
            if !banded.is_empty() {
                banded.append(&mut evidence);
                evidence = merge_evidence(banded);
            }
            // strong shared evidence (a rare mark, several teeth) is always scored in full;
            // weaker evidence adds to the estimate
            for (s, w) in evidence {
                if w >= 8.0 {
                    plain.push(s);
                } else if w >= 4.0
                    && let Some(sm) = self.summaries.get(s as usize)
                {
                    pool.offer(s, w + pre.score(sm));
                }
            }
            let keep = self.config.full_scores;
            // records last seen shortly before `b` was found, far or near: those whose date
            // could still lift them into the best `keep` (their place at best as good as at
            // the geo walk's edge, birth, height and race at best agreeing), the latest
            // `time_reads` of them
            if let Some(found) = pre.event().filter(|_| self.config.time_reads > 0) {
                let bar = pool.kth_best(keep);
                let rest = pre.bound_without_place_and_date()
                    + score::identification_km_weight(self.config.reach_min_km);
                let lists = self
                    .time_missing
                    .lists(b, b.birth, self.config.birth_slack_years);
                let to = found.hi + 30;
                if let Some(g) = worth_reach(|g| score::found_gap_weight(g) + rest >= bar) {
                    lists.walk(
                        (found.lo - g, to),
                        found.lo,
                        true,
                        self.config.time_reads,
                        |s, _, sm| pool.offer(s, pre.score(sm)),
                    );
                }
            }
            let estimated = pool.len() as u64;
            pool.best_into(keep, out);
            out.extend(plain);
            out.sort_unstable();
            out.dedup();
            estimated
        })
    }

    /// Unidentified and unclaimed records that missing record `a` may be.
    fn reverse_pool(&self, a: &Profile, out: &mut Vec<u32>) {
        // remains' birth estimates are wide: read wider around a known birth
        let birth = a.birth.map(|b| Span::new(b.lo - 8.0, b.hi + 8.0));
        self.geo_found.near(
            a,
            birth,
            self.config.birth_slack_years,
            self.config.reach(),
            |s, _| out.push(s),
        );
        // remains found in the months after the last contact (or days before), anywhere:
        // the `time_reads` soonest
        if let Some(seen) = a.event.filter(|_| self.config.time_reads > 0) {
            let lists = self
                .time_found
                .lists(a, birth, self.config.birth_slack_years);
            let from = seen.lo - 30;
            lists.walk(
                (from, seen.hi.saturating_add(TIME_REACH_MAX)),
                seen.hi,
                false,
                self.config.time_reads,
                |s, _, _| out.push(s),
            );
        }
        let mut evidence = Vec::new();
        self.lookup(a, Kind::Unidentified, true, None, out, &mut evidence);
        self.lookup(a, Kind::Unclaimed, true, None, out, &mut evidence);
        self.banded_marks(a, Kind::Unidentified, &mut evidence);
        self.banded_marks(a, Kind::Unclaimed, &mut evidence);
        let evidence = merge_evidence(evidence);
        out.extend(evidence.into_iter().filter(|e| e.1 >= 4.0).map(|e| e.0));
        out.sort_unstable();
        out.dedup();
    }

    fn verdict(&self, relation: Relation, a: &Profile, b: &Profile) -> Option<Verdict> {
        if self.decisions.is_empty() {
            return None;
        }
        self.decisions.verdict(relation, &a.id, &b.id)
    }

    /// Same-person links of `a` (a profile, indexed at `own` or not indexed) at or above the
    /// threshold, or confirmed.
    fn same_person_links(
        &self,
        a: &Profile,
        own: Option<u32>,
        only_after: bool,
    ) -> (Vec<Link>, u64) {
        let mut pool = Vec::new();
        let mut evidence = Vec::new();
        let after = own.filter(|_| only_after);
        self.lookup(a, a.kind, false, after, &mut pool, &mut evidence);
        // marks or teeth alone make a same-person candidate only when very rare
        pool.extend(evidence.into_iter().filter(|e| e.1 >= 10.0).map(|e| e.0));
        pool.sort_unstable();
        pool.dedup();
        let mut scored = 0u64;
        let mut links = Vec::new();
        for s in pool {
            // (with `only_after`, the lookup read only the slots after `own`)
            if Some(s) == own {
                continue;
            }
            let Some(b) = self.slot(s) else { continue };
            if score::check(a, b, Relation::SamePerson).is_err() {
                continue;
            }
            let verdict = self.verdict(Relation::SamePerson, a, b);
            if verdict == Some(Verdict::Excluded) {
                continue;
            }
            scored += 1;
            let Some(total) = score::total(a, b, Relation::SamePerson, &self.counts) else {
                continue;
            };
            let confirmed = verdict == Some(Verdict::Confirmed);
            if total >= self.config.same_person_threshold || confirmed {
                links.push(Link {
                    a: own.unwrap_or(u32::MAX),
                    b: s,
                    score: total,
                    confirmed,
                });
            }
        }
        (links, scored)
    }

    /// The top K missing records for `b`, best first, as (slot, score, confirmed).
    fn rank_for(&self, b: &Profile) -> (Vec<(u32, f32, bool)>, u64, u64) {
        let mut pool = Vec::new();
        let estimated = self.identification_pool(b, &mut pool);
        let mut scored = 0u64;
        let mut ranked: Vec<(u32, f32, bool)> = Vec::with_capacity(pool.len());
        for s in pool {
            let Some(a) = self.slot(s) else { continue };
            let verdict = self.verdict(Relation::PossibleIdentification, a, b);
            if verdict == Some(Verdict::Excluded) {
                continue;
            }
            scored += 1;
            let mut t = Total::default();
            if score::score(a, b, Relation::PossibleIdentification, &self.counts, &mut t).is_ok() {
                ranked.push((s, t.0, verdict == Some(Verdict::Confirmed)));
            }
        }
        let cmp = |x: &(u32, f32, bool), y: &(u32, f32, bool)| {
            y.2.cmp(&x.2)
                .then(y.1.total_cmp(&x.1))
                .then_with(|| self.id_of(x.0).cmp(&self.id_of(y.0)))
        };
        // more than K: reports of one person are collapsed into one row afterwards
        let k = self.config.top_k.saturating_mul(3);
        if ranked.len() > k && k > 0 {
            ranked.select_nth_unstable_by(k - 1, cmp);
            ranked.truncate(k);
        }
        // a total order (slots, hence ids, are unique in the list): unstable sorts the same
        ranked.sort_unstable_by(cmp);
        (ranked, scored, estimated)
    }

    fn id_of(&self, s: u32) -> Option<&RecordId> {
        self.slot(s).map(|p| &p.id)
    }

    fn candidate(
        &self,
        relation: Relation,
        a: &Profile,
        b: &Profile,
        score: f32,
        rank: u32,
    ) -> Candidate {
        Candidate {
            relation,
            left: a.id.clone(),
            right: b.id.clone(),
            score,
            rank,
            decision: self.verdict(relation, a, b),
            via: None,
            also: Vec::new(),
        }
    }

    /// Merges the ranked lists of records of one remains (or body): each missing record keeps
    /// its best score over the members, noting the member it came from when not `own`. Then
    /// the reports of one missing person (`person` gives the same number to records of one
    /// same-person cluster) share one row, the best, listing the others; the best K rows.
    fn merge_ranked(
        &self,
        own: u32,
        lists: &[(u32, &[Scored])],
        person: &dyn Fn(u32) -> Option<u32>,
    ) -> Vec<Ranked> {
        let v: Vec<(u32, f32, bool, Option<u32>)> = if let [(member, list)] = lists {
            // one record's list (the usual case): each missing record once, and already in
            // this order (`rank_for` sorts it so)
            let via = (*member != own).then_some(*member);
            list.iter().map(|&(a, s, c)| (a, s, c, via)).collect()
        } else {
            let mut best: FxHashMap<u32, (f32, bool, Option<u32>)> = FxHashMap::default();
            for (member, list) in lists {
                for &(a, score, confirmed) in *list {
                    let via = (*member != own).then_some(*member);
                    let e = best.entry(a).or_insert((score, confirmed, via));
                    if score > e.0 || (score == e.0 && via.is_none()) {
                        *e = (score, confirmed || e.1, via);
                    }
                }
            }
            let mut v: Vec<(u32, f32, bool, Option<u32>)> = best
                .into_iter()
                .map(|(a, (s, c, via))| (a, s, c, via))
                .collect();
            v.sort_by(|x, y| {
                y.2.cmp(&x.2)
                    .then(y.1.total_cmp(&x.1))
                    .then_with(|| self.id_of(x.0).cmp(&self.id_of(y.0)))
            });
            v
        };
        let mut out: Vec<Ranked> = Vec::new();
        let mut row_of: FxHashMap<u32, usize> = FxHashMap::default();
        for (a, score, confirmed, via) in v {
            match person(a).and_then(|g| row_of.get(&g).copied()) {
                // another report of a person already listed
                Some(row) if !confirmed => out[row].also.push(a),
                _ => {
                    if let Some(g) = person(a) {
                        row_of.insert(g, out.len());
                    }
                    out.push(Ranked {
                        slot: a,
                        score,
                        via,
                        also: Vec::new(),
                    });
                }
            }
        }
        out.truncate(self.config.top_k);
        out
    }

    /// Groups of linked reports among a few missing records (pairwise same-person scores at
    /// or above the threshold), for collapsing a list when no full run gave the clusters.
    fn groups_among(&self, slots: &[u32]) -> FxHashMap<u32, u32> {
        let mut group: FxHashMap<u32, u32> = slots.iter().map(|s| (*s, *s)).collect();
        for (i, &x) in slots.iter().enumerate() {
            for &y in &slots[i + 1..] {
                let (Some(a), Some(b)) = (self.slot(x), self.slot(y)) else {
                    continue;
                };
                if self.verdict(Relation::SamePerson, a, b) == Some(Verdict::Excluded) {
                    continue;
                }
                let linked = self.verdict(Relation::SamePerson, a, b) == Some(Verdict::Confirmed)
                    || score::total(a, b, Relation::SamePerson, &self.counts)
                        .is_some_and(|t| t >= self.config.same_person_threshold);
                if linked {
                    let (gx, gy) = (group[&x], group[&y]);
                    if gx != gy {
                        for g in group.values_mut() {
                            if *g == gy {
                                *g = gx;
                            }
                        }
                    }
                }
            }
        }
        group
    }

    fn ranked_candidate(&self, r: &Ranked, b: &Profile, i: usize) -> Option<Candidate> {
        let a = self.slot(r.slot)?;
        let mut c = self.candidate(
            Relation::PossibleIdentification,
            a,
            b,
            r.score,
            i as u32 + 1,
        );
        c.via = r.via.and_then(|v| self.id_of(v).cloned());
        c.also = r
            .also
            .iter()
            .filter_map(|s| self.id_of(*s).cloned())
            .collect();
        Some(c)
    }

    // === incremental ===

    /// The candidates of an indexed record: its same-person links, and its possible
    /// identifications (for an unidentified or unclaimed record, its top K missing records;
    /// for a missing record, the unidentified and unclaimed records it scores at least
    /// `notify_threshold` against, best first, at most K). Empty when the record is not
    /// indexed (unknown or closed).
    pub fn candidates(&self, id: &RecordId) -> Vec<Candidate> {
        match self.ids.get(id) {
            Some(&s) => match self.slot(s) {
                Some(p) => self.candidates_of(p, Some(s)),
                None => Vec::new(),
            },
            None => Vec::new(),
        }
    }

    /// What a record would match if it were indexed (it is not added).
    pub fn candidates_for(&self, record: &Record) -> Vec<Candidate> {
        if !record.is_open() {
            return Vec::new();
        }
        let p = Profile::build(record);
        let own = self.ids.get(&p.id).copied();
        self.candidates_of(&p, own)
    }

    fn candidates_of(&self, p: &Profile, own: Option<u32>) -> Vec<Candidate> {
        let mut out = Vec::new();
        let (mut links, _) = self.same_person_links(p, own, false);
        links.sort_by(|x, y| {
            y.confirmed
                .cmp(&x.confirmed)
                .then(y.score.total_cmp(&x.score))
        });
        for l in links {
            if let Some(b) = self.slot(l.b) {
                let (left, right) = if p.id <= b.id { (p, b) } else { (b, p) };
                out.push(self.candidate(Relation::SamePerson, left, right, l.score, 0));
            }
        }
        if p.is_to_identify() {
            let (ranked, _, _) = self.rank_for(p);
            // the records linked to this one as the same remains lend their evidence
            let linked: Vec<(u32, Vec<Scored>)> = out
                .iter()
                .filter(|c| c.relation == Relation::SamePerson)
                .filter_map(|c| {
                    let other = if c.left == p.id { &c.right } else { &c.left };
                    let s = *self.ids.get(other)?;
                    let (r, _, _) = self.rank_for(self.slot(s)?);
                    Some((s, r))
                })
                .collect();
            let me = own.unwrap_or(u32::MAX);
            let mut lists: Vec<(u32, &[Scored])> = vec![(me, &ranked)];
            lists.extend(linked.iter().map(|(s, r)| (*s, r.as_slice())));
            // which of the best candidates are reports of one person (the best K + 10: rows
            // further down cannot reach the list)
            let mut top: Vec<(u32, f32)> = lists
                .iter()
                .flat_map(|(_, l)| l.iter().map(|x| (x.0, x.1)))
                .collect();
            top.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let mut slots: Vec<u32> = top.iter().map(|x| x.0).collect();
            let mut seen = FxHashSet::default();
            slots.retain(|s| seen.insert(*s));
            slots.truncate(self.config.top_k + 10);
            let group = self.groups_among(&slots);
            let person = |s: u32| group.get(&s).copied();
            for (i, r) in self
                .merge_ranked(me, &lists, &person)
                .into_iter()
                .enumerate()
            {
                out.extend(self.ranked_candidate(&r, p, i));
            }
        } else if p.is_missing() {
            let mut pool = Vec::new();
            self.reverse_pool(p, &mut pool);
            let mut found: Vec<(u32, f32)> = Vec::new();
            for s in pool {
                if Some(s) == own {
                    continue;
                }
                let Some(b) = self.slot(s) else { continue };
                let verdict = self.verdict(Relation::PossibleIdentification, p, b);
                if verdict == Some(Verdict::Excluded) {
                    continue;
                }
                if let Some(t) = score::total(p, b, Relation::PossibleIdentification, &self.counts)
                    && (t >= self.config.notify_threshold || verdict == Some(Verdict::Confirmed))
                {
                    found.push((s, t));
                }
            }
            found.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            found.truncate(self.config.top_k);
            for (i, (s, t)) in found.into_iter().enumerate() {
                if let Some(b) = self.slot(s) {
                    out.push(self.candidate(
                        Relation::PossibleIdentification,
                        p,
                        b,
                        t,
                        i as u32 + 1,
                    ));
                }
            }
        }
        out
    }

    // === full run ===

    /// The full crossmatch of every indexed record: same-person clusters and the top K
    /// possible identifications of every unidentified and unclaimed record. Runs on all
    /// cores (rayon).
    pub fn run(&self) -> Matches {
        let open: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|s| self.slot(*s).is_some())
            .collect();

        // same person
        let per: Vec<(Vec<Link>, u64)> = open
            .par_iter()
            .map(|&s| match self.slot(s) {
                Some(p) => {
                    let (mut links, n) = self.same_person_links(p, Some(s), true);
                    for l in &mut links {
                        l.a = s;
                    }
                    (links, n)
                }
                None => (Vec::new(), 0),
            })
            .collect();
        let mut stats = RunStats {
            records: open.len(),
            ..RunStats::default()
        };
        let mut links: Vec<Link> = Vec::new();
        for (l, n) in per {
            stats.same_person_pairs_scored += n;
            links.extend(l);
        }
        // confirmed pairs the keys did not bring together
        let mut cannot: FxHashSet<(u32, u32)> = FxHashSet::default();
        for d in self.decisions.iter() {
            if d.pair.relation != Relation::SamePerson {
                continue;
            }
            let (Some(&x), Some(&y)) = (self.ids.get(&d.pair.left), self.ids.get(&d.pair.right))
            else {
                continue;
            };
            let (x, y) = (x.min(y), x.max(y));
            match d.verdict {
                Verdict::Excluded => {
                    cannot.insert((x, y));
                }
                Verdict::Confirmed => {
                    if !links.iter().any(|l| (l.a.min(l.b), l.a.max(l.b)) == (x, y)) {
                        let score = match (self.slot(x), self.slot(y)) {
                            (Some(a), Some(b)) => {
                                score::total(a, b, Relation::SamePerson, &self.counts)
                            }
                            _ => None,
                        };
                        if let Some(score) = score {
                            links.push(Link {
                                a: x,
                                b: y,
                                score,
                                confirmed: true,
                            });
                        }
                    }
                }
            }
        }
        let source = |s: u32| self.slot(s).map(|p| p.source).unwrap_or(0);
        let (clusters, kept) = cluster::cluster(&links, source, &cannot);
        // the cluster of each slot (from 1; 0 when in none), read for every row below
        let mut cluster_of: Vec<u32> = vec![0; self.slots.len()];
        for (i, c) in clusters.iter().enumerate() {
            for s in c {
                if let Some(x) = cluster_of.get_mut(*s as usize) {
                    *x = i as u32 + 1;
                }
            }
        }
        let number = |s: u32| cluster_of.get(s as usize).copied().filter(|c| *c != 0);
        let mut same: Vec<(u32, Link)> = kept
            .into_iter()
            .map(|l| (number(l.a).unwrap_or(0), l))
            .collect();
        same.sort_by(|(ca, x), (cb, y)| ca.cmp(cb).then(y.score.total_cmp(&x.score)));
        let mut out = Matches {
            stats,
            ..Matches::default()
        };
        out.same_person.reserve_exact(same.len());
        for (c, l) in same {
            if let (Some(a), Some(b)) = (self.slot(l.a), self.slot(l.b)) {
                let (left, right) = if a.id <= b.id { (a, b) } else { (b, a) };
                out.same_person
                    .push(self.candidate(Relation::SamePerson, left, right, l.score, c));
            }
        }
        out.clusters = clusters
            .iter()
            .map(|c| c.iter().filter_map(|s| self.id_of(*s).cloned()).collect())
            .collect();

        // possible identifications
        let targets: Vec<u32> = open
            .iter()
            .copied()
            .filter(|s| self.slot(*s).is_some_and(Profile::is_to_identify))
            .collect();
        out.stats.records_to_identify = targets.len();
        type Ranked = (u32, Vec<(u32, f32, bool)>, u64, u64);
        let ranked: Vec<Ranked> = targets
            .par_iter()
            .filter_map(|&s| {
                let b = self.slot(s)?;
                let (r, n, e) = self.rank_for(b);
                Some((s, r, n, e))
            })
            .collect();
        let mut list_of: Vec<Option<&[Scored]>> = vec![None; self.slots.len()];
        for (s, r, _, _) in &ranked {
            if let Some(x) = list_of.get_mut(*s as usize) {
                *x = Some(r.as_slice());
            }
        }
        let list = |s: u32| list_of.get(s as usize).copied().flatten();
        for (_, _, n, e) in &ranked {
            out.stats.identification_pairs_scored += n;
            out.stats.identification_pairs_estimated += e;
        }
        // rows built in parallel, a chunk at a time (so the result is not held twice), into
        // a list sized once: at most `top_k` rows a record, nor more than its cluster's lists
        // hold (growing it by doubling would hold the old and the new list at once)
        let bound: usize = ranked
            .iter()
            .map(|(s, r, _, _)| {
                let held = match number(*s) {
                    Some(c) => clusters[c as usize - 1]
                        .iter()
                        .filter_map(|m| list(*m).map(<[Scored]>::len))
                        .sum(),
                    None => r.len(),
                };
                held.min(self.config.top_k)
            })
            .sum();
        out.identifications.reserve_exact(bound);
        for chunk in ranked.chunks(2048) {
            let rows: Vec<Vec<Candidate>> = chunk
                .par_iter()
                .map(|(s, r, _, _)| {
                    let Some(b) = self.slot(*s) else {
                        return Vec::new();
                    };
                    // the records of one remains (or body) lend each other their evidence
                    let members: Vec<(u32, &[Scored])> = match number(*s) {
                        Some(c) => clusters[c as usize - 1]
                            .iter()
                            .filter_map(|m| list(*m).map(|l| (*m, l)))
                            .collect(),
                        None => vec![(*s, r.as_slice())],
                    };
                    let person = |a: u32| number(a);
                    self.merge_ranked(*s, &members, &person)
                        .into_iter()
                        .enumerate()
                        .filter_map(|(i, r)| self.ranked_candidate(&r, b, i))
                        .collect()
                })
                .collect();
            for r in rows {
                out.identifications.extend(r);
            }
        }
        out
    }

    /// The parts of a candidate's score, with reasons; `None` when a record is no longer
    /// indexed or the pair became impossible.
    pub fn explain(&self, c: &Candidate) -> Option<Parts> {
        let a = self.profile(&c.left)?;
        let right = self.profile(&c.right)?;
        let b = match &c.via {
            Some(v) => self.profile(v)?,
            None => right,
        };
        let mut parts = score::explain(a, b, c.relation, &self.counts)?;
        if let Some(v) = &c.via {
            parts.0.push(score::ScorePart {
                attribute: Attribute::Link,
                weight: 0.0,
                detail: format!(
                    "scored on {} ({}), the same {} by a same-person link",
                    v.native_id,
                    v.source,
                    if right.kind == Kind::Unclaimed {
                        "body"
                    } else {
                        "remains"
                    }
                ),
            });
        }
        if !c.also.is_empty() {
            let names: Vec<String> = c
                .also
                .iter()
                .map(|r| format!("{} ({})", r.native_id, r.source))
                .collect();
            parts.0.push(score::ScorePart {
                attribute: Attribute::Link,
                weight: 0.0,
                detail: format!("also reported as {} (same person)", names.join(", ")),
            });
        }
        if let Some(v) = self.verdict(c.relation, a, b) {
            let d = self
                .decisions
                .get(&PairKey::new(c.relation, a.id.clone(), b.id.clone()));
            let by = d
                .and_then(|d| d.by.as_deref())
                .map(|b| format!(" by {b}"))
                .unwrap_or_default();
            parts.0.push(score::ScorePart {
                attribute: Attribute::Decision,
                weight: 0.0,
                detail: match v {
                    Verdict::Confirmed => format!("confirmed{by}"),
                    Verdict::Excluded => format!("excluded{by}"),
                },
            });
        }
        Some(parts)
    }
}

/// The longest gap (days) a read by time may go: 40 years.
const TIME_REACH_MAX: i32 = 40 * 366;

/// The longest gap, up to [`TIME_REACH_MAX`] and to a week, for which `worth` holds (it
/// holds for short gaps first, then not: the weight of a date falls with the gap). `None`
/// when not even the same day is worth reading. How many records a read takes within it is
/// the walk's budget ([`time::Lists::walk`]).
fn worth_reach(worth: impl Fn(i32) -> bool) -> Option<i32> {
    if !worth(0) {
        return None;
    }
    // binary search on the falling weight
    let (mut lo, mut hi) = (0, TIME_REACH_MAX);
    if worth(TIME_REACH_MAX) {
        return Some(TIME_REACH_MAX);
    }
    while hi - lo > 7 {
        let mid = lo + (hi - lo) / 2;
        if worth(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// `(slot, bits)` pairs summed per slot, in slot order.
fn merge_evidence(mut v: Vec<(u32, f32)>) -> Vec<(u32, f32)> {
    v.sort_unstable_by_key(|x| x.0);
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(v.len());
    for (s, w) in v {
        match out.last_mut() {
            Some(last) if last.0 == s => last.1 += w,
            _ => out.push((s, w)),
        }
    }
    out
}

/// The candidates estimated for one record, each once with its best estimate (the geo walk,
/// the time walk and shared evidence may all offer it). Kept per thread and reused: `at`
/// maps a slot to its place in `est` while `stamp` says it was offered in this round.
#[derive(Default)]
struct Pool {
    round: u32,
    stamp: Vec<u32>,
    at: Vec<u32>,
    est: Vec<(u32, f32)>,
    scratch: Vec<f32>,
}

impl Pool {
    fn begin(&mut self, slots: usize) {
        if self.stamp.len() < slots {
            self.stamp.resize(slots, 0);
            self.at.resize(slots, 0);
        }
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            self.stamp.iter_mut().for_each(|x| *x = 0);
            self.round = 1;
        }
        self.est.clear();
    }

    fn offer(&mut self, slot: u32, w: f32) {
        let i = slot as usize;
        if i >= self.stamp.len() {
            return;
        }
        if self.stamp[i] == self.round {
            let e = &mut self.est[self.at[i] as usize];
            e.1 = e.1.max(w);
        } else {
            self.stamp[i] = self.round;
            self.at[i] = self.est.len() as u32;
            self.est.push((slot, w));
        }
    }

    fn len(&self) -> usize {
        self.est.len()
    }

    /// The `k`-th best estimate so far (minus infinity when fewer).
    fn kth_best(&mut self, k: usize) -> f32 {
        if k == 0 || self.est.len() < k {
            return f32::NEG_INFINITY;
        }
        self.scratch.clear();
        self.scratch.extend(self.est.iter().map(|e| e.1));
        let (_, kth, _) = self
            .scratch
            .select_nth_unstable_by(k - 1, |x, y| y.total_cmp(x));
        *kth
    }

    /// Appends the best `k` by estimate (all when `k` is 0) to `out`.
    fn best_into(&mut self, k: usize, out: &mut Vec<u32>) {
        if self.est.len() > k && k > 0 {
            self.est
                .select_nth_unstable_by(k - 1, |x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            self.est.truncate(k);
        }
        out.extend(self.est.iter().map(|e| e.0));
    }
}

thread_local! {
    static POOL: std::cell::RefCell<Pool> = std::cell::RefCell::new(Pool::default());
}
