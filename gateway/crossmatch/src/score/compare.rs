//! The comparisons of each attribute, with their weights (bits) and words.
//!
//! The numbers are log-likelihood ratios estimated from how reports of one person differ
//! (typos, estimates, drift) against how unrelated records agree by chance; each function
//! documents its curve. `docs/crossmatch.md` lists them all.

use homeward_schemas::{EyeColor, HairColor, Kind, Race};
use rustc_hash::FxHashMap;

use super::{Attribute, Sink};
use crate::names::{NameForm, Tok, TokenMatch, compare_tokens};
use crate::profile::{Dob, Profile, Span, YEAR_DAYS, decimal_year, tooth};

// === Frequencies ===

/// How common names, marks and races are among the records compared, so that agreeing on a
/// rare value weighs more than on a common one. Kept up to date as records come and go.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    profiles: u32,
    named: u32,
    tokens: FxHashMap<u64, u32>,
    marks_full: FxHashMap<u64, u32>,
    marks_place: FxHashMap<u64, u32>,
    raced: u32,
    races: [u32; 8],
    dental: u32,
}

fn race_index(r: Race) -> usize {
    Race::ALL.iter().position(|x| *x == r).unwrap_or(7)
}

impl Counts {
    /// Counts a profile in.
    pub fn add(&mut self, p: &Profile) {
        self.update(p, true);
    }

    /// The counts of two sets of profiles together.
    pub fn merge(mut self, other: Counts) -> Counts {
        fn add_map(into: &mut FxHashMap<u64, u32>, from: FxHashMap<u64, u32>) {
            for (k, n) in from {
                *into.entry(k).or_default() += n;
            }
        }
        self.profiles += other.profiles;
        self.named += other.named;
        self.raced += other.raced;
        self.dental += other.dental;
        for (a, b) in self.races.iter_mut().zip(other.races) {
            *a += b;
        }
        add_map(&mut self.tokens, other.tokens);
        add_map(&mut self.marks_full, other.marks_full);
        add_map(&mut self.marks_place, other.marks_place);
        self
    }

    /// Counts a profile out (it must have been counted in).
    pub fn remove(&mut self, p: &Profile) {
        self.update(p, false);
    }

    fn update(&mut self, p: &Profile, add: bool) {
        fn bump(n: &mut u32, add: bool) {
            if add {
                *n += 1;
            } else {
                *n = n.saturating_sub(1);
            }
        }
        fn bump_key(m: &mut FxHashMap<u64, u32>, k: u64, add: bool) {
            if add {
                *m.entry(k).or_default() += 1;
            } else if let Some(n) = m.get_mut(&k) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    m.remove(&k);
                }
            }
        }
        bump(&mut self.profiles, add);
        if !p.names.is_empty() {
            bump(&mut self.named, add);
            let mut keys: Vec<u64> = p
                .names
                .iter()
                .flat_map(|f| f.tokens())
                .map(Tok::freq_key)
                .collect();
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                bump_key(&mut self.tokens, k, add);
            }
        }
        let mut full: Vec<u64> = p.marks.iter().map(|m| m.full_key()).collect();
        let mut place: Vec<u64> = p.marks.iter().map(|m| m.place_key()).collect();
        full.sort_unstable();
        full.dedup();
        place.sort_unstable();
        place.dedup();
        for k in full {
            bump_key(&mut self.marks_full, k, add);
        }
        for k in place {
            bump_key(&mut self.marks_place, k, add);
        }
        if let Some(r) = p.race {
            bump(&mut self.raced, add);
            bump(&mut self.races[race_index(r)], add);
        }
        if p.dental.is_some() {
            bump(&mut self.dental, add);
        }
    }

    /// Share of named records carrying a token (by its frequency key), at least 1 in
    /// `max(named, 200)`.
    pub fn token_share(&self, key: u64) -> f32 {
        let n = self.tokens.get(&key).copied().unwrap_or(0).max(1);
        n as f32 / self.named.max(200) as f32
    }

    fn mark_share(&self, full: bool, key: u64) -> f32 {
        let m = if full {
            &self.marks_full
        } else {
            &self.marks_place
        };
        let n = m.get(&key).copied().unwrap_or(0).max(1);
        n as f32 / self.profiles.max(200) as f32
    }

    fn race_share(&self, r: Race) -> f32 {
        if self.raced < 50 {
            // too few to tell: assume a majority race is common, others not
            return if r == Race::White { 0.6 } else { 0.15 };
        }
        (self.races[race_index(r)].max(1)) as f32 / self.raced as f32
    }

    pub fn profiles(&self) -> u32 {
        self.profiles
    }

    /// How many records carry a dental chart.
    pub fn dental_charts(&self) -> u32 {
        self.dental
    }
}

// === Names ===

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Family,
    Given,
    Middle,
}

impl Role {
    fn word(self) -> &'static str {
        match self {
            Role::Family => "family",
            Role::Given => "given",
            Role::Middle => "middle",
        }
    }
}

/// Weight of one token comparison. Agreement is `log2(0.9 / share)` (capped), reduced for
/// looser kinds of agreement; disagreement is a fixed penalty (how often reports of one
/// person disagree on that part, against how often two people do).
fn token_weight(m: TokenMatch, a: &Tok, b: &Tok, role: Role, counts: &Counts) -> f32 {
    let share = counts
        .token_share(a.freq_key())
        .max(counts.token_share(b.freq_key()));
    let cap = match role {
        Role::Family => 14.0,
        Role::Given => 11.0,
        Role::Middle => 5.0,
    };
    let agree = (0.9 / share).log2().clamp(1.0, cap);
    let w = match m {
        TokenMatch::Exact => agree,
        TokenMatch::Nickname => agree - 1.0,
        TokenMatch::Edit1 => agree - 2.5,
        TokenMatch::Edit2 => agree - 4.5,
        TokenMatch::Skeleton => agree - 4.0,
        // what the script wrote agrees; the vowels are the reader's guess
        TokenMatch::Consonants if a.cons_len.min(b.cons_len) >= 3 => agree - 2.5,
        TokenMatch::Consonants => agree - 3.5,
        TokenMatch::Prefix => agree - 4.0,
        TokenMatch::Initial => {
            return match role {
                Role::Family => 0.0,
                Role::Given => 1.0,
                Role::Middle => 0.5,
            };
        }
        TokenMatch::None => {
            return match role {
                Role::Family => -6.5,
                Role::Given => -5.0,
                Role::Middle => -1.0,
            };
        }
    };
    w.max(0.5)
}

#[derive(Clone, Copy)]
struct TokPair<'a> {
    role: Role,
    a: &'a Tok,
    b: &'a Tok,
    m: TokenMatch,
    w: f32,
}

fn best_pair<'a>(xs: &'a [Tok], ys: &'a [Tok], role: Role, c: &Counts) -> Option<TokPair<'a>> {
    let mut best: Option<TokPair<'a>> = None;
    for a in xs {
        for b in ys {
            let m = compare_tokens(a, b);
            let w = token_weight(m, a, b, role, c);
            if best.is_none_or(|p| w > p.w) {
                best = Some(TokPair { role, a, b, m, w });
            }
        }
    }
    best
}

#[derive(Clone, Copy)]
struct NameEval<'a> {
    w: f32,
    swapped: bool,
    parts: [Option<TokPair<'a>>; 3],
    /// A given name matched the other's middle name.
    by_middle: bool,
}

type Parts3<'a> = (&'a [Tok], &'a [Tok], &'a [Tok]);

fn align<'a>(a: Parts3<'a>, b: Parts3<'a>, c: &Counts) -> NameEval<'a> {
    let (ag, am, af) = a;
    let (bg, bm, bf) = b;
    let family = best_pair(af, bf, Role::Family, c);
    let given = best_pair(ag, bg, Role::Given, c);
    // someone known by a middle name: given against the other's middle (only worth a look
    // when the given names do not already agree)
    let settled = given.is_some_and(|g| g.m >= TokenMatch::Nickname);
    let alt = if settled || (bm.is_empty() && am.is_empty()) {
        None
    } else {
        [
            best_pair(ag, bm, Role::Given, c),
            best_pair(am, bg, Role::Given, c),
        ]
        .into_iter()
        .flatten()
        .filter(|p| p.m >= TokenMatch::Edit1)
        .max_by(|x, y| x.w.total_cmp(&y.w))
        .map(|mut p| {
            p.w -= 1.5;
            p
        })
    };
    let (given, by_middle) = match (given, alt) {
        (Some(g), Some(x)) if x.w > g.w => (Some(x), true),
        (None, Some(x)) => (Some(x), true),
        (g, _) => (g, false),
    };
    let middle = if by_middle {
        None
    } else {
        best_pair(am, bm, Role::Middle, c)
    };
    let w = [family, given, middle]
        .iter()
        .flatten()
        .map(|p| p.w)
        .sum::<f32>();
    NameEval {
        w,
        swapped: false,
        parts: [family, given, middle],
        by_middle,
    }
}

fn best_names<'a>(a: &'a [NameForm], b: &'a [NameForm], c: &Counts) -> Option<NameEval<'a>> {
    let mut best: Option<NameEval<'a>> = None;
    for fa in a {
        for fb in b {
            let straight = align(
                (&fa.given, &fa.middle, &fa.family),
                (&fb.given, &fb.middle, &fb.family),
                c,
            );
            // the names swapped can only do better when the straight reading disagrees
            let agreed = |p: Option<TokPair<'_>>| p.is_some_and(|p| p.m >= TokenMatch::Nickname);
            let swapped = if agreed(straight.parts[0]) && agreed(straight.parts[1]) {
                None
            } else {
                let mut e = align(
                    (&fa.family, &fa.middle, &fa.given),
                    (&fb.given, &fb.middle, &fb.family),
                    c,
                );
                e.w -= 1.0;
                e.swapped = true;
                Some(e)
            };
            for e in std::iter::once(straight).chain(swapped) {
                if e.parts.iter().any(Option::is_some) && best.is_none_or(|b| e.w > b.w) {
                    best = Some(e);
                }
            }
        }
    }
    best
}

fn names<S: Sink>(a: &Profile, b: &Profile, c: &Counts, sink: &mut S) {
    let Some(e) = best_names(&a.names, &b.names, c) else {
        return;
    };
    sink.add(Attribute::Name, e.w, || {
        let mut words: Vec<String> = e
            .parts
            .iter()
            .flatten()
            .map(|p| {
                // roles as the first record has them (swapped: the second wrote them the
                // other way round)
                let role = match (e.swapped, p.role) {
                    (true, Role::Family) => "given",
                    (true, Role::Given) => "family",
                    (false, Role::Given) if e.by_middle => "given/middle",
                    (_, r) => r.word(),
                };
                if p.m == TokenMatch::Exact {
                    format!("{role} {} agrees", p.a.text)
                } else {
                    format!("{role} {} vs {}: {}", p.a.text, p.b.text, p.m.word())
                }
            })
            .collect();
        if e.swapped {
            words.push("given and family names swapped".into());
        }
        words.join(", ")
    });
}

// === Dates of birth and ages ===

fn dob_pair_weight(x: &Dob, y: &Dob) -> (f32, &'static str) {
    let full = |d: &Dob| d.month != 0 && d.day != 0;
    let dy = (i32::from(x.year) - i32::from(y.year)).abs();
    if full(x) && full(y) {
        let md_same = x.month == y.month && x.day == y.day;
        let swapped = x.month == y.day && x.day == y.month;
        return match (dy, md_same, swapped) {
            (0, true, _) => (13.0, "agrees"),
            (0, false, true) => (9.0, "day and month swapped"),
            (1, true, _) => (8.0, "one year apart"),
            (0, false, false) if x.month == y.month => (3.0, "day differs"),
            (0, false, false) if x.day == y.day => (2.0, "month differs"),
            (_, true, _) => (2.5, "year differs"),
            (0, _, _) => (-4.0, "same year only"),
            (1, _, _) => (-6.0, "differs"),
            _ => (-8.0, "differs"),
        };
    }
    // partial dates: compare what both have
    match dy {
        0 if x.month != 0 && x.month == y.month => (5.0, "year and month agree"),
        0 => (2.0, "year agrees"),
        1 => (0.0, "one year apart"),
        _ => (-7.0, "differs"),
    }
}

fn dob<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) -> bool {
    let mut best: Option<(f32, &'static str, Dob, Dob)> = None;
    for x in &a.dobs {
        for y in &b.dobs {
            let (w, why) = dob_pair_weight(x, y);
            if best.is_none_or(|b| w > b.0) {
                best = Some((w, why, *x, *y));
            }
        }
    }
    match best {
        Some((w, why, x, y)) => {
            sink.add(Attribute::Dob, w, || {
                if x == y {
                    format!("{} {why}", x.display())
                } else {
                    format!("{} vs {}: {why}", x.display(), y.display())
                }
            });
            true
        }
        None => false,
    }
}

/// Birth intervals of two reports of one person (no full dates on one side).
fn birth_overlap<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    if let (Some(x), Some(y)) = (a.birth, b.birth) {
        let g = x.gap(&y);
        let w = if g <= 0.0 {
            1.0
        } else if g <= 2.0 {
            -0.5 * g
        } else {
            -1.0 - 1.5 * (g - 2.0)
        }
        .max(-8.0);
        sink.add(Attribute::Age, w, || {
            if g <= 0.0 {
                format!("birth {} and {} overlap", years(&x), years(&y))
            } else {
                format!("birth {} vs {}: {g:.0} y apart", years(&x), years(&y))
            }
        });
    }
}

fn years(s: &Span) -> String {
    let (lo, hi) = (s.lo.floor() as i32, (s.hi - 0.01).floor() as i32);
    if lo == hi {
        format!("{lo}")
    } else {
        format!("{lo}-{hi}")
    }
}

/// The missing person's birth against the age estimated from remains (as a birth interval).
/// Inside the estimate: `log2(0.9 × 60 / (width + 1))`, so a narrow estimate counts more;
/// outside by `g` years: that minus `1.2 g + 0.25 g²` (estimates are sometimes a few years
/// off; the Gumbs case was).
pub(crate) fn age_estimate_weight(born: Span, est: Span) -> f32 {
    let g = born.gap(&est);
    let inside = (0.9 * 60.0 / (est.width() + 1.0)).log2().clamp(0.5, 4.0);
    if g <= 0.0 {
        inside
    } else {
        (inside - 1.2 * g - 0.25 * g * g).max(-14.0)
    }
}

fn age_estimate<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    let (Some(born), Some(est)) = (a.birth, b.birth) else {
        return;
    };
    // unclaimed bodies carry a date of birth: compare it as a date
    if !a.dobs.is_empty() && !b.dobs.is_empty() {
        return;
    }
    let g = born.gap(&est);
    let w = age_estimate_weight(born, est);
    sink.add(Attribute::Age, w, || {
        let age = b
            .event
            .map(|e| decimal_year(e.mid()) - born.mid())
            .map(|x| format!(", {x:.0} y old at the date found"))
            .unwrap_or_default();
        if g <= 0.0 {
            format!(
                "born {}{age}, within the estimate (birth {})",
                years(&born),
                years(&est)
            )
        } else {
            format!(
                "born {}{age}, {g:.1} y outside the estimate (birth {})",
                years(&born),
                years(&est)
            )
        }
    });
}

// === Sex, race ===

fn sex<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    if let (Some(x), Some(_)) = (a.sex, b.sex) {
        // they differ only when excluded before
        sink.add(Attribute::Sex, 0.95, || format!("{} agrees", x.as_str()));
    }
}

pub(crate) fn race_weight(x: Race, y: Race, c: &Counts, mismatch: f32) -> f32 {
    let hispanic_white = matches!(
        (x, y),
        (Race::HispanicLatino, Race::White) | (Race::White, Race::HispanicLatino)
    );
    if x == y {
        (0.9 / c.race_share(x)).log2().clamp(0.3, 3.5)
    } else if hispanic_white {
        -1.0
    } else {
        mismatch
    }
}

fn race<S: Sink>(a: &Profile, b: &Profile, c: &Counts, mismatch: f32, sink: &mut S) {
    let (Some(x), Some(y)) = (a.race, b.race) else {
        return;
    };
    let w = race_weight(x, y, c, mismatch);
    sink.add(Attribute::Race, w, || {
        if x == y {
            format!("{} agrees", x.as_str())
        } else {
            format!("{} vs {}", x.as_str(), y.as_str())
        }
    });
}

// === Body ===

fn cm(s: &Span) -> String {
    if s.width() < 0.5 {
        format!("{:.0} cm", s.mid())
    } else {
        format!("{:.0}-{:.0} cm", s.lo, s.hi)
    }
}

fn kg(s: &Span) -> String {
    if s.width() < 0.5 {
        format!("{:.0} kg", s.mid())
    } else {
        format!("{:.0}-{:.0} kg", s.lo, s.hi)
    }
}

/// Heights reported for one person: within 2 cm is +1.5 (units and rounding), then falling
/// by about half a bit a centimetre.
fn height_reports<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    let (Some(x), Some(y)) = (a.height, b.height) else {
        return;
    };
    // a child grows between two reports of different dates
    let d = x.gap(&y);
    let growing = a.age_at_event().is_some_and(|age| age < 17.0);
    let slack = if growing { 4.0 } else { 2.0 };
    let e = (d - slack).max(0.0);
    let w = (1.5 - 0.45 * e - 0.02 * e * e).max(-6.0);
    sink.add(Attribute::Height, w, || format!("{} vs {}", cm(&x), cm(&y)));
}

/// Height on file against the remains' estimate. Children keep growing after they go
/// missing: up to 6 cm a year until 18 is allowed above the reported height.
pub(crate) fn height_estimate_weight(
    h: Span,
    est: Span,
    age: Option<f32>,
    gap: Option<f32>,
) -> (f32, f32) {
    let mut h_ext = h;
    if let Some((grow, _)) = growth_allowance(age, gap) {
        h_ext.hi += grow;
    }
    // a reported height is itself a few centimetres uncertain
    let d = (h_ext.gap(&est) - 2.0).max(0.0);
    let inside = (1.6 - est.width() / 20.0).max(0.5);
    let w = if d <= 0.0 {
        inside
    } else {
        (inside - 0.4 * d - 0.03 * d * d).max(-12.0)
    };
    (w, d)
}

/// How many centimetres a child may have grown above the height on file by the time the
/// remains were found: 6 cm a year until 18 (see [`height_estimate_weight`]).
fn growth_allowance(age: Option<f32>, gap: Option<f32>) -> Option<(f32, f32)> {
    match (age, gap) {
        (Some(age), Some(gap)) if age < 18.0 && gap > 0.0 => Some((6.0 * gap.min(18.0 - age), gap)),
        _ => None,
    }
}

fn height_estimate<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    let (Some(h), Some(est)) = (a.height, b.height) else {
        return;
    };
    let (age, gap) = (a.age_at_event(), event_gap_years(a, b));
    let (w, d) = height_estimate_weight(h, est, age, gap);
    sink.add(Attribute::Height, w, || {
        // the growth allowed for, when it was: an investigator sees why a child's height on
        // file can fit a taller estimate
        let grown = growth_allowance(age, gap)
            .filter(|(cm, _)| *cm >= 1.0)
            .map(|(cm, years)| {
                let later = if years < 2.0 {
                    format!("{:.0} months", (years * 12.0).round().max(1.0))
                } else {
                    format!("{years:.0} years")
                };
                format!(
                    " (missing at {:.0}, found {later} later: up to {:.0} cm more allowed for growth)",
                    age.unwrap_or_default(),
                    cm.round()
                )
            })
            .unwrap_or_default();
        if d <= 0.0 {
            format!("{} fits the estimate {}{grown}", cm(&h), cm(&est))
        } else {
            format!(
                "{} is {d:.0} cm outside the estimate {}{grown}",
                cm(&h),
                cm(&est)
            )
        }
    });
}

fn weights<S: Sink>(a: &Profile, b: &Profile, remains: bool, sink: &mut S) {
    let (Some(x), Some(y)) = (a.weight, b.weight) else {
        return;
    };
    if x.mid() <= 0.0 || y.mid() <= 0.0 {
        return;
    }
    let child = a.age_at_event().is_some_and(|age| age < 17.0)
        && event_gap_years(a, b).is_some_and(|g| g > 1.0);
    if child {
        return;
    }
    let r = y.mid() / x.mid();
    let (w, why) = if remains {
        // remains weigh less than the living person did
        if (0.6..=1.15).contains(&r) {
            (0.3, "consistent")
        } else {
            (-1.5, "differs")
        }
    } else {
        let l = r.ln().abs();
        if l <= 0.12 {
            (0.5, "within 12%")
        } else if l <= 0.25 {
            (0.0, "within 25%")
        } else {
            (-1.5, "differs")
        }
    };
    sink.add(Attribute::Weight, w, || {
        format!("{} vs {}: {why}", kg(&x), kg(&y))
    });
}

fn eye_family(e: EyeColor) -> u8 {
    match e {
        EyeColor::Brown | EyeColor::Black | EyeColor::Hazel | EyeColor::Maroon => 1,
        EyeColor::Blue | EyeColor::Gray => 2,
        EyeColor::Green | EyeColor::Multicolored => 3,
        EyeColor::Pink | EyeColor::Unknown => 4,
    }
}

fn eyes_close(x: EyeColor, y: EyeColor) -> bool {
    eye_family(x) == eye_family(y)
        || matches!(
            (x, y),
            (EyeColor::Hazel, EyeColor::Green) | (EyeColor::Green, EyeColor::Hazel)
        )
        || x == EyeColor::Multicolored
        || y == EyeColor::Multicolored
}

fn eyes<S: Sink>(a: &Profile, b: &Profile, mismatch: f32, sink: &mut S) {
    let (Some(x), Some(y)) = (a.eye, b.eye) else {
        return;
    };
    let (w, why) = if x == y {
        (if x == EyeColor::Brown { 0.6 } else { 1.4 }, "agree")
    } else if eyes_close(x, y) {
        (0.0, "close")
    } else {
        (mismatch, "differ")
    };
    sink.add(Attribute::Eyes, w, || {
        if x == y {
            format!("{} {why}", x.as_str())
        } else {
            format!("{} vs {}: {why}", x.as_str(), y.as_str())
        }
    });
}

fn hair_close(x: HairColor, y: HairColor, aged: bool) -> bool {
    use HairColor::*;
    let pair = |p: HairColor, q: HairColor| (x == p && y == q) || (x == q && y == p);
    x == Bald
        || y == Bald
        || pair(Blond, Sandy)
        || pair(Sandy, Brown)
        || pair(Blond, Brown)
        || pair(Red, Brown)
        || pair(Red, Orange)
        || pair(Red, Sandy)
        || pair(Black, Brown)
        || pair(Gray, White)
        || (aged && matches!(y, Gray | White))
        // dyed colours say little
        || matches!(x, Blue | Green | Purple | Pink)
        || matches!(y, Blue | Green | Purple | Pink)
}

fn hair<S: Sink>(a: &Profile, b: &Profile, aged: bool, mismatch: f32, sink: &mut S) {
    let (Some(x), Some(y)) = (a.hair, b.hair) else {
        return;
    };
    let (w, why) = if x == y {
        (
            if matches!(x, HairColor::Brown | HairColor::Black) {
                0.5
            } else {
                1.2
            },
            "agrees",
        )
    } else if hair_close(x, y, aged) {
        (0.0, "close")
    } else {
        (mismatch, "differs")
    };
    sink.add(Attribute::Hair, w, || {
        if x == y {
            format!("{} {why}", x.as_str())
        } else {
            format!("{} vs {}: {why}", x.as_str(), y.as_str())
        }
    });
}

/// Marks: each mark of `b` against the best of `a`. The same kind, side, part and text is
/// worth `log2(0.8 / share)` (3–13 bits: a named tattoo is rare, a pierced ear is not); the
/// same kind and part without the text, less. Unmatched marks cost a little: remains lose
/// marks to decomposition, reports forget them.
fn marks<S: Sink>(
    a: &Profile,
    b: &Profile,
    c: &Counts,
    unmatched_a: f32,
    unmatched_b: f32,
    sink: &mut S,
) {
    if a.marks.is_empty() && b.marks.is_empty() {
        return;
    }
    // which marks of `a` were matched, and the outcome of each mark of `b` (bit sets)
    let mut used: u16 = 0;
    let mut total = 0.0f32;
    let (mut agreed, mut partial, mut only_b) = (0u64, 0u64, 0u64);
    for (j, mb) in b.marks.iter().enumerate().take(64) {
        let mut best: Option<(f32, usize, bool)> = None;
        for (i, ma) in a.marks.iter().enumerate().take(16) {
            if used & (1 << i) != 0 || ma.kind != mb.kind || ma.part != mb.part {
                continue;
            }
            let side_ok = ma.side == mb.side || ma.side == 0 || mb.side == 0;
            let text_same = ma.text == mb.text;
            let (w, full) = if side_ok && text_same && ma.side == mb.side {
                (
                    (0.8 / c.mark_share(true, mb.full_key()))
                        .log2()
                        .clamp(3.0, 13.0),
                    true,
                )
            } else if side_ok && (text_same || ma.text == 0 || mb.text == 0) {
                (
                    (0.7 / c.mark_share(false, mb.place_key()))
                        .log2()
                        .clamp(2.0, 8.0)
                        - 1.0,
                    false,
                )
            } else {
                // texts differ, or sides: the same kind of mark at the same place, described
                // otherwise
                (0.5, false)
            };
            if best.is_none_or(|b| w > b.0) {
                best = Some((w, i, full));
            }
        }
        match best {
            Some((w, i, full)) => {
                used |= 1 << i;
                total += w;
                if full {
                    agreed |= 1 << j;
                } else {
                    partial |= 1 << j;
                }
            }
            None => only_b |= 1 << j,
        }
    }
    let a_marks = a.marks.len().min(16);
    let only_a = (0..a_marks).filter(|i| used & (1 << i) == 0).count();
    total += (only_b.count_ones() as f32 * unmatched_b).max(-3.0);
    total += (only_a as f32 * unmatched_a).max(-2.0);
    let of_b = |set: u64| -> Vec<usize> {
        (0..b.marks.len().min(64))
            .filter(|j| set & (1 << j) != 0)
            .collect()
    };
    let agreed = || of_b(agreed);
    let partial = || of_b(partial);
    let only_b = || of_b(only_b);
    let only_a = || -> Vec<usize> { (0..a_marks).filter(|i| used & (1 << i) == 0).collect() };
    sink.add(Attribute::Marks, total, || {
        let label = |m: &crate::profile::MarkSig| m.label.to_string();
        let mut words = Vec::new();
        let (agreed, partial, only_a, only_b) = (agreed(), partial(), only_a(), only_b());
        if !agreed.is_empty() {
            let l: Vec<String> = agreed.iter().map(|j| label(&b.marks[*j])).collect();
            words.push(format!("{} on both", l.join(", ")));
        }
        if !partial.is_empty() {
            let l: Vec<String> = partial.iter().map(|j| label(&b.marks[*j])).collect();
            words.push(format!("{} at the same place", l.join(", ")));
        }
        let (na, nb) = match b.kind {
            Kind::Missing => ("first", "second"),
            _ => ("missing report", "remains"),
        };
        if !only_a.is_empty() {
            let l: Vec<String> = only_a.iter().map(|i| label(&a.marks[*i])).collect();
            words.push(format!("{} on the {na} only", l.join(", ")));
        }
        if !only_b.is_empty() {
            let l: Vec<String> = only_b.iter().map(|j| label(&b.marks[*j])).collect();
            words.push(format!("{} on the {nb} only", l.join(", ")));
        }
        words.join("; ")
    });
}

/// Dental charts, tooth by tooth where both say something: the same restoration is +2.5,
/// the same missing tooth +1.0, the same sound tooth +0.15; later dental work (a sound tooth
/// later restored or extracted) −0.5; what cannot happen (an extracted tooth present again,
/// a restoration gone) −4.
fn dental<S: Sink>(a: &Profile, b: &Profile, later: bool, sink: &mut S) {
    let (Some(x), Some(y)) = (a.dental.as_deref(), b.dental.as_deref()) else {
        return;
    };
    let (mut w, mut same, mut distinctive, mut work, mut conflict, mut both) =
        (0.0f32, 0, 0, 0, 0, 0);
    for (p, q) in x.iter().zip(y.iter()) {
        let (p, q) = (*p, *q);
        if p == tooth::NO_INFO || q == tooth::NO_INFO {
            continue;
        }
        both += 1;
        let restored = |t: u8| t & tooth::RESTORED != 0;
        if p == q {
            same += 1;
            w += match p {
                tooth::VIRGIN => 0.15,
                tooth::MISSING => {
                    distinctive += 1;
                    1.0
                }
                _ => {
                    distinctive += 1;
                    2.5
                }
            };
            continue;
        }
        // what can happen to a tooth between the two charts (a then b, when b is later)
        let forward = (p == tooth::VIRGIN && (q == tooth::MISSING || restored(q)))
            || (restored(p) && (q == tooth::MISSING || (restored(q) && q & p == p)));
        let backward = (q == tooth::VIRGIN && (p == tooth::MISSING || restored(p)))
            || (restored(q) && (p == tooth::MISSING || (restored(p) && p & q == q)));
        if forward || (!later && backward) {
            work += 1;
            w -= 0.5;
        } else if restored(p) && restored(q) {
            // both restored, surfaces recorded differently
            work += 1;
            w -= 1.0;
        } else {
            conflict += 1;
            w -= 4.0;
        }
    }
    if both < 8 {
        return;
    }
    let w = w.clamp(-25.0, 30.0);
    sink.add(Attribute::Dental, w, || {
        let mut s = format!("{same} of {both} teeth agree ({distinctive} restored or missing)");
        if work > 0 {
            s.push_str(&format!(", {work} differ as later dental work would"));
        }
        if conflict > 0 {
            s.push_str(&format!(", {conflict} conflict"));
        }
        s
    });
}

/// NCIC fingerprint classes: ten two-character codes. All ten equal is +20; otherwise +2 a
/// finger agreeing and −5 a finger differing.
fn fingerprints<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    let (Some(x), Some(y)) = (a.fingerprint.as_deref(), b.fingerprint.as_deref()) else {
        return;
    };
    let mut agree = 0;
    let mut differ = 0;
    for i in 0..10 {
        let (p, q) = (&x[2 * i..2 * i + 2], &y[2 * i..2 * i + 2]);
        let unknown = |f: &[u8]| f == b"XX" || f == b"00" || f == b"  ";
        if unknown(p) || unknown(q) {
            continue;
        }
        if p == q {
            agree += 1;
        } else {
            differ += 1;
        }
    }
    if agree + differ < 4 {
        return;
    }
    let w = if differ == 0 && agree == 10 {
        20.0
    } else {
        (2.0 * agree as f32 - 5.0 * differ as f32).clamp(-20.0, 18.0)
    };
    sink.add(Attribute::Fingerprints, w, || {
        format!("classification: {agree} fingers agree, {differ} differ")
    });
}

fn identifiers<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    if a.identifiers.iter().any(|x| b.identifiers.contains(x)) {
        sink.add(Attribute::Identifier, 15.0, || {
            "an identifying number agrees".to_string()
        });
    }
}

// === Place and time ===

fn interpolate(table: &[(f32, f32)], x: f32) -> f32 {
    let mut prev = table[0];
    if x <= prev.0 {
        return prev.1;
    }
    for &(k, v) in &table[1..] {
        if x <= k {
            let t = (x - prev.0) / (k - prev.0);
            return prev.1 + t * (v - prev.1);
        }
        prev = (k, v);
    }
    prev.1
}

/// Distance between the last-seen place of two reports (km → bits).
const SAME_PERSON_KM: &[(f32, f32)] = &[
    (0.0, 5.0),
    (5.0, 4.5),
    (25.0, 3.5),
    (100.0, 1.0),
    (300.0, -2.0),
    (1000.0, -5.0),
    (3000.0, -6.0),
];

/// Distance from the last-seen place to where remains were found (km → bits): most are found
/// within tens of kilometres, some in a neighbouring state, a few across a border.
const IDENTIFICATION_KM: &[(f32, f32)] = &[
    (0.0, 5.5),
    (20.0, 5.0),
    (50.0, 4.2),
    (100.0, 3.3),
    (200.0, 2.2),
    (400.0, 1.0),
    (800.0, 0.0),
    (1500.0, -1.0),
    (4000.0, -1.8),
];

pub(crate) fn identification_km_weight(km: f32) -> f32 {
    interpolate(IDENTIFICATION_KM, km)
}

/// The last index of [`km_table`], as a float.
const KM_TABLE_LAST: f32 = 1000.0;

/// `identification_km_weight` by 5 km, up to 5,000 km.
fn km_table() -> &'static [f32] {
    static T: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        (0..=KM_TABLE_LAST as usize)
            .map(|i| identification_km_weight(i as f32 * 5.0))
            .collect()
    })
}

fn place<S: Sink>(a: &Profile, b: &Profile, remains: bool, sink: &mut S) {
    let (pa, pb) = (&a.place, &b.place);
    let table = if remains {
        IDENTIFICATION_KM
    } else {
        SAME_PERSON_KM
    };
    if let (Some(x), Some(y)) = (pa.geo, pb.geo) {
        let d = x.km(&y);
        let w = interpolate(table, d);
        sink.add(Attribute::Place, w, || {
            let label = |p: &crate::profile::Where| {
                p.region
                    .as_deref()
                    .map(str::to_string)
                    .unwrap_or_else(|| p.country_str())
            };
            format!("{:.0} km apart ({} / {})", d, label(pa), label(pb))
        });
        return;
    }
    let (w, why) = match (&pa.region, &pb.region, pa.country, pb.country) {
        (Some(x), Some(y), _, _) if x == y => (if remains { 2.0 } else { 1.5 }, "same region"),
        (_, _, Some(x), Some(y)) if x == y => (0.5, "same country"),
        (_, _, Some(_), Some(_)) => (if remains { -1.5 } else { -3.0 }, "countries differ"),
        _ => return,
    };
    sink.add(Attribute::Place, w, || {
        let label = |p: &crate::profile::Where| {
            p.region
                .as_deref()
                .map(str::to_string)
                .unwrap_or_else(|| p.country_str())
        };
        format!("{why} ({} / {})", label(pa), label(pb))
    });
}

/// Years from the missing person's last contact to when the remains were found (negative:
/// found before).
fn event_gap_years(a: &Profile, b: &Profile) -> Option<f32> {
    let (x, y) = (a.event?, b.event?);
    Some(x.gap_to(&y) as f32 / YEAR_DAYS)
}

/// Last-contact dates of two reports: the same day is +7, a day apart +6 (reports from
/// different agencies), then falling; months apart speaks against.
fn dates_reports<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    let (Some(x), Some(y)) = (a.event, b.event) else {
        return;
    };
    let d = x.gap_to(&y).abs();
    let w = match d {
        0 => 5.0,
        1 => 4.0,
        2..=3 => 2.0,
        4..=14 => 1.0,
        15..=90 => -2.0,
        91..=730 => -6.0,
        _ => -9.0,
    };
    let what = match a.kind {
        Kind::Missing => "last contact",
        Kind::Unidentified => "found",
        Kind::Unclaimed => "death",
    };
    // the same day (or the next) at the same spot: one event, reported twice
    let near = match (a.place.geo, b.place.geo) {
        (Some(x), Some(y)) => x.km(&y) <= 10.0,
        _ => false,
    };
    let w = if d <= 1 && near { w + 4.0 } else { w };
    sink.add(Attribute::Date, w, || {
        let (p, q) = (
            crate::profile::date_of(x.mid()),
            crate::profile::date_of(y.mid()),
        );
        let place = if d <= 1 && near {
            ", at the same place"
        } else {
            ""
        };
        if d == 0 {
            format!("{what} {p} agrees{place}")
        } else {
            format!("{what} {p} vs {q}: {d} days apart{place}")
        }
    });
}

/// Time from last contact to the finding: `log2(p_same(t) / p_random(t))` with `p_same` a
/// mixture of a fast (1.2 y) and a slow (8 y) exponential decay and `p_random` uniform over
/// 25 years, clamped to ±4 bits. Found before the last contact: −0.5 within 3 days (a date
/// given by relatives), −2 within a month, −5 within a year, more beyond.
pub(crate) fn found_gap_weight(g: i32) -> f32 {
    if g >= 0 {
        let t = g as f32 / YEAR_DAYS;
        let p = 0.55 / 1.2 * (-t / 1.2).exp() + 0.45 / 8.0 * (-t / 8.0).exp();
        (p * 25.0).log2().clamp(-4.0, 4.0)
    } else {
        match -g {
            0..=3 => 1.0,
            4..=30 => -0.5,
            31..=365 => -4.0,
            n => -5.0 - (n as f32 / YEAR_DAYS).min(7.0),
        }
    }
}

fn dates_found<S: Sink>(a: &Profile, b: &Profile, sink: &mut S) {
    let (Some(x), Some(y)) = (a.event, b.event) else {
        return;
    };
    let g = x.gap_to(&y);
    let verb = if b.kind == Kind::Unclaimed {
        "died"
    } else {
        "found"
    };
    let mut w = found_gap_weight(g);
    // an estimated date of death well before the last contact speaks against
    if let Some(de) = b.death_estimate {
        let before = x.gap_to(&de);
        if before < -60 {
            w -= 2.0;
        }
    }
    sink.add(Attribute::Date, w, || {
        let days = g.abs();
        let span = if days < 60 {
            format!("{days} days")
        } else if days < 730 {
            format!("{:.0} months", days as f32 / 30.44)
        } else {
            format!("{:.1} years", days as f32 / YEAR_DAYS)
        };
        if g >= 0 {
            format!("{verb} {span} after the last contact")
        } else {
            format!("{verb} {span} before the last contact")
        }
    });
}

// === The two relations ===

/// Two records of one kind from different sources.
pub(super) fn same_person<S: Sink>(a: &Profile, b: &Profile, c: &Counts, sink: &mut S) {
    names(a, b, c, sink);
    if !dob(a, b, sink) && a.kind != Kind::Unidentified {
        birth_overlap(a, b, sink);
    }
    if a.kind == Kind::Unidentified {
        birth_overlap(a, b, sink);
    }
    sex(a, b, sink);
    let race_mismatch = if a.kind == Kind::Unidentified {
        -1.5
    } else {
        -2.5
    };
    race(a, b, c, race_mismatch, sink);
    if a.kind == Kind::Unidentified {
        // two examinations of the same remains: estimates overlap
        if let (Some(x), Some(y)) = (a.height, b.height) {
            let d = x.gap(&y);
            let w = if d <= 2.0 {
                1.0
            } else {
                (1.0 - 0.4 * (d - 2.0)).max(-5.0)
            };
            sink.add(Attribute::Height, w, || format!("{} vs {}", cm(&x), cm(&y)));
        }
    } else {
        height_reports(a, b, sink);
    }
    weights(a, b, false, sink);
    eyes(a, b, -2.0, sink);
    hair(a, b, false, -1.5, sink);
    marks(a, b, c, -0.7, -0.7, sink);
    dental(a, b, false, sink);
    fingerprints(a, b, sink);
    identifiers(a, b, sink);
    dates_reports(a, b, sink);
    place(a, b, false, sink);
}

/// A missing record `a` against an unidentified or unclaimed record `b`.
pub(super) fn identification<S: Sink>(a: &Profile, b: &Profile, c: &Counts, sink: &mut S) {
    names(a, b, c, sink);
    if !dob(a, b, sink) {
        age_estimate(a, b, sink);
    }
    sex(a, b, sink);
    race(a, b, c, -3.0, sink);
    height_estimate(a, b, sink);
    weights(a, b, true, sink);
    eyes(a, b, -1.5, sink);
    let aged = event_gap_years(a, b).is_some_and(|g| g > 5.0)
        || a.age_at_event().is_some_and(|x| x > 40.0);
    hair(a, b, aged, -1.0, sink);
    marks(a, b, c, -0.3, -1.0, sink);
    dental(a, b, true, sink);
    fingerprints(a, b, sink);
    identifiers(a, b, sink);
    dates_found(a, b, sink);
    place(a, b, true, sink);
}

// === A cheap first estimate ===

/// `found_gap_weight` by the week, for gaps from 0 to 40 years.
fn gap_table() -> &'static [f32] {
    static T: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    T.get_or_init(|| (0..=2090).map(|w| found_gap_weight(w * 7)).collect())
}

/// A cheap estimate of missing records' identification scores against one record `b`, from
/// their summaries alone (place, dates, birth, height, race): used to choose which
/// candidates to score in full. The same curves as the full score, with what depends on `b`
/// alone computed once.
pub(crate) struct Prescorer {
    geo: Option<crate::profile::Geo>,
    cos_lat: f32,
    event: Option<crate::profile::DaySpan>,
    birth: Option<Span>,
    age_inside: f32,
    height: Option<Span>,
    race: [f32; 8],
    /// [`km_table`] and [`gap_table`], looked up once here rather than at every estimate.
    km: &'static [f32],
    gap: &'static [f32],
}

impl Prescorer {
    pub(crate) fn new(b: &Profile, c: &Counts) -> Self {
        let mut race = [0.0f32; 8];
        if let Some(y) = b.race {
            for (i, x) in Race::ALL.iter().enumerate() {
                race[i] = race_weight(*x, y, c, -3.0);
            }
        }
        Self {
            geo: b.place.geo,
            cos_lat: b.place.geo.map(|g| g.lat.to_radians().cos()).unwrap_or(1.0),
            event: b.event,
            birth: b.birth,
            age_inside: b
                .birth
                .map(|est| (0.9 * 60.0 / (est.width() + 1.0)).log2().clamp(0.5, 4.0))
                .unwrap_or(0.0),
            height: b.height,
            race,
            km: km_table(),
            gap: gap_table(),
        }
    }

    /// The most a candidate can gain from birth, height and race: with the place and the
    /// dates, a bound on its estimate.
    pub(crate) fn bound_without_place_and_date(&self) -> f32 {
        let race = self.race.iter().copied().fold(0.0f32, f32::max);
        self.age_inside + 1.6 + race
    }

    /// The day the case of the record prescored against happened (found, died).
    pub(crate) fn event(&self) -> Option<crate::profile::DaySpan> {
        self.event
    }

    pub(crate) fn score(&self, a: &crate::profile::Summary) -> f32 {
        let mut w = 0.0;
        if let (Some(x), Some(y)) = (a.geo(), self.geo) {
            let mut dlon = (x.lon - y.lon).abs();
            if dlon > 180.0 {
                dlon = 360.0 - dlon;
            }
            let dx = dlon * self.cos_lat;
            let dy = x.lat - y.lat;
            let km = 111.19 * (dx * dx + dy * dy).sqrt();
            // (clamped as a float first: a cheaper conversion than a saturating one to usize)
            let t = self.km;
            w += t[(km * 0.2).min(KM_TABLE_LAST) as usize];
        }
        let mut gap_years = None;
        if let (Some(e), Some(f)) = (a.event(), self.event) {
            let g = e.gap_to(&f);
            gap_years = Some(g as f32 / YEAR_DAYS);
            w += if g >= 0 {
                let t = self.gap;
                t[((g / 7) as usize).min(t.len() - 1)]
            } else {
                found_gap_weight(g)
            };
        }
        if let (Some(born), Some(est)) = (a.birth(), self.birth) {
            let g = born.gap(&est);
            w += if g <= 0.0 {
                self.age_inside
            } else {
                (self.age_inside - 1.2 * g - 0.25 * g * g).max(-14.0)
            };
        }
        if let (Some(h), Some(est)) = (a.height(), self.height) {
            w += height_estimate_weight(h, est, a.age(), gap_years).0;
        }
        if let Some(i) = a.race_index() {
            w += self.race[i];
        }
        w
    }
}
