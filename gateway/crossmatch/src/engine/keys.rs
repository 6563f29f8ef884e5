//! Blocking keys: what a profile files itself under, and what it looks up to find candidates.
//!
//! Every key is tagged with the kind of the record that files it, so a lookup names the kind
//! it wants. Keys are symmetric: if A's lookups reach B, B's reach A (a key that tolerates a
//! day or a year is filed exact and looked up with the neighbours).

use homeward_schemas::Kind;

use crate::names::{Tok, hash_str};
use crate::profile::{MarkSig, Profile, tooth};

const NAME_PAIR: u8 = 1;
const TOKEN_YEAR: u8 = 2;
const DOB: u8 = 4;
const MONTH_DAY_AREA: u8 = 5;
const EVENT_DAY: u8 = 6;
const MARK: u8 = 8;
const TOOTH: u8 = 9;
const FINGERPRINT: u8 = 10;
const IDENTIFIER: u8 = 11;
const MARK_BAND: u8 = 12;

/// Years of birth one band of [`mark_band_probes`] spans.
const BAND_YEARS: f32 = 4.0;
/// Years a record to identify widens its birth interval by in band keys (as the geo lookup
/// does: estimates of age miss by a few years).
pub const BAND_SLACK_YEARS: f32 = 5.0;

fn kind_bits(k: Kind) -> u64 {
    match k {
        Kind::Missing => 1,
        Kind::Unidentified => 2,
        Kind::Unclaimed => 3,
    }
}

/// A key: the kind (8 bits) and the key family (8 bits) in the top bits, a 48-bit hash of
/// the parts below.
fn key(kind: Kind, family: u8, parts: &[u64]) -> u64 {
    let mut h: u64 = 0x2545_F491_4F6C_DD1D;
    for p in parts {
        h = (h.rotate_left(23) ^ p).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    h ^= h >> 29;
    kind_bits(kind) << 56 | u64::from(family) << 48 | (h & 0xFFFF_FFFF_FFFF)
}

/// What the keys are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Filing the profile.
    File,
    /// Looking up candidates.
    Probe,
}

/// What a key is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Names, dates, places, fingerprints, identifiers: a shared key makes a candidate.
    Plain,
    /// A mark: a candidate if rare enough.
    Mark,
    /// A tooth: a candidate with several.
    Tooth,
    /// A mark within a sex and birth band: read by [`mark_band_probes`] only.
    Banded,
}

pub fn family(k: u64) -> Family {
    match ((k >> 48) & 0xFF) as u8 {
        MARK => Family::Mark,
        TOOTH => Family::Tooth,
        MARK_BAND => Family::Banded,
        _ => Family::Plain,
    }
}

/// The most records a key may be shared by and still be used to find candidates: a mark
/// shared by many (a pierced ear, an appendix scar) says little on its own.
pub fn bucket_cap(k: u64, default: usize) -> usize {
    match ((k >> 48) & 0xFF) as u8 {
        MARK => default.min(60),
        TOOTH => default.min(300),
        _ => default,
    }
}

fn region_key(p: &Profile) -> Option<u64> {
    p.place
        .region
        .as_deref()
        .map(hash_str)
        .or_else(|| p.place.country.map(|c| u64::from(u16::from_be_bytes(c))))
}

/// Name and date keys: the records of `kind` that may be the same person as `p`.
pub fn name_keys(p: &Profile, kind: Kind, use_: Use, out: &mut Vec<u64>) {
    let years: Vec<i16> = {
        let mut y: Vec<i16> = p.dobs.iter().map(|d| d.year).collect();
        if y.is_empty()
            && let Some(b) = p.birth.filter(|b| b.width() <= 3.0)
        {
            y.push(b.mid().floor() as i16);
        }
        y.sort_unstable();
        y.dedup();
        y
    };
    let spread = |y: i16| -> std::ops::RangeInclusive<i16> {
        match use_ {
            Use::File => y..=y,
            Use::Probe => y - 1..=y + 1,
        }
    };
    let initial = |t: &Tok| u64::from(t.norm.as_bytes().first().copied().unwrap_or(0));
    let area = region_key(p).unwrap_or(0);
    for f in &p.names {
        let givens: Vec<&Tok> = f
            .given
            .iter()
            .chain(f.middle.iter())
            .filter(|t| !t.is_initial())
            .collect();
        let families: Vec<&Tok> = f.family.iter().filter(|t| !t.is_initial()).collect();
        for fam in &families {
            for g in &givens {
                // given x family, in either order (names swapped), in one region or country
                let (x, y) = (g.block_key(), fam.block_key());
                out.push(key(kind, NAME_PAIR, &[x.min(y), x.max(y), area]));
                // one part with the year of birth and the other's initial: a typo or an
                // unknown nickname in the other part
                for &yr in &years {
                    for yy in spread(yr) {
                        out.push(key(
                            kind,
                            TOKEN_YEAR,
                            &[fam.block_key(), yy as u64, initial(g)],
                        ));
                        out.push(key(
                            kind,
                            TOKEN_YEAR,
                            &[g.block_key(), yy as u64, initial(fam)],
                        ));
                    }
                }
            }
        }
    }
    for d in &p.dobs {
        if d.month == 0 || d.day == 0 {
            continue;
        }
        let (y, m, dd) = (d.year as u64, u64::from(d.month), u64::from(d.day));
        out.push(key(kind, DOB, &[y, m, dd]));
        if use_ == Use::Probe && d.day <= 12 && d.day != d.month {
            out.push(key(kind, DOB, &[y, dd, m]));
        }
        if area != 0 {
            // a year off, with the names too far apart for the other keys
            out.push(key(kind, MONTH_DAY_AREA, &[m, dd, area]));
        }
    }
}

/// Keys of the case's date and place: reports of one event.
pub fn event_keys(p: &Profile, kind: Kind, use_: Use, out: &mut Vec<u64>) {
    let Some(e) = p.event else { return };
    if e.hi - e.lo > 0 {
        return; // a partial date says too little to block on
    }
    let area = region_key(p).unwrap_or(0);
    let days: &[i32] = match use_ {
        Use::File => &[0],
        Use::Probe => &[-1, 0, 1],
    };
    for d in days {
        out.push(key(kind, EVENT_DAY, &[(e.lo + d) as u64, area]));
    }
}

/// Keys of strong evidence: marks, teeth, fingerprints, identifiers.
pub fn evidence_keys(p: &Profile, kind: Kind, out: &mut Vec<u64>) {
    for m in &p.marks {
        out.push(key(kind, MARK, &[m.full_key()]));
        if m.text != 0 {
            out.push(key(kind, MARK, &[m.sided_key()]));
        }
    }
    if let Some(d) = p.dental.as_deref() {
        for (i, t) in d.iter().enumerate() {
            let wisdom = matches!(i, 0 | 15 | 16 | 31);
            if *t == tooth::NO_INFO || *t == tooth::VIRGIN || (wisdom && *t == tooth::MISSING) {
                continue;
            }
            out.push(key(kind, TOOTH, &[i as u64, u64::from(*t)]));
        }
    }
    if let Some(f) = p.fingerprint.as_deref() {
        out.push(key(
            kind,
            FINGERPRINT,
            &[hash_str(&String::from_utf8_lossy(f))],
        ));
    }
    for i in &p.identifiers {
        out.push(key(kind, IDENTIFIER, &[*i]));
    }
}

/// The birth bands and sexes a profile's mark keys are filed and looked up under: its birth
/// interval (a record to identify: widened by [`BAND_SLACK_YEARS`]), the sex stated (a
/// lookup: also unknown, or every sex when its own is unknown).
fn bands(p: &Profile, use_: Use) -> Option<(std::ops::RangeInclusive<i32>, &'static [u64])> {
    let b = p.birth?;
    let slack = if p.is_missing() {
        0.0
    } else {
        BAND_SLACK_YEARS
    };
    let lo = ((b.lo - slack) / BAND_YEARS).floor() as i32;
    let hi = ((b.hi + slack) / BAND_YEARS).floor() as i32;
    let sexes: &'static [u64] = match (p.sex, use_) {
        (Some(homeward_schemas::Sex::Male), Use::File) => &[1],
        (Some(homeward_schemas::Sex::Female), Use::File) => &[2],
        (_, Use::File) => &[0],
        (Some(homeward_schemas::Sex::Male), Use::Probe) => &[1, 0],
        (Some(homeward_schemas::Sex::Female), Use::Probe) => &[2, 0],
        (_, Use::Probe) => &[0, 1, 2],
    };
    Some((lo..=hi.min(lo + 12), sexes))
}

fn mark_band_keys(p: &Profile, kind: Kind, m: &MarkSig, use_: Use, mut f: impl FnMut(u64, u64)) {
    let Some((range, sexes)) = bands(p, use_) else {
        return;
    };
    let mut sigs = vec![m.full_key()];
    if m.text != 0 {
        sigs.push(m.sided_key());
    }
    for sig in sigs {
        let plain = key(kind, MARK, &[sig]);
        for band in range.clone() {
            for sex in sexes {
                f(key(kind, MARK_BAND, &[sig, *sex, band as u64]), plain);
            }
        }
    }
}

/// What `p` looks up to find records of `kind` sharing a mark among those of a compatible
/// sex and birth: `(banded key, the mark's plain key)`. Used for marks too common for their
/// plain key to find candidates anywhere (a scar on the abdomen): within one sex and a few
/// years of birth they are few again.
pub fn mark_band_probes(p: &Profile, kind: Kind) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for m in &p.marks {
        mark_band_keys(p, kind, m, Use::Probe, |k, plain| out.push((k, plain)));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Everything `p` is filed under.
pub fn file_keys(p: &Profile) -> Vec<u64> {
    let mut out = Vec::new();
    name_keys(p, p.kind, Use::File, &mut out);
    event_keys(p, p.kind, Use::File, &mut out);
    evidence_keys(p, p.kind, &mut out);
    for m in &p.marks {
        mark_band_keys(p, p.kind, m, Use::File, |k, _| out.push(k));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// What `p` looks up to find records of `kind` that may be the same person.
pub fn probe_keys(p: &Profile, kind: Kind) -> Vec<u64> {
    let mut out = Vec::new();
    if !p.names.is_empty() {
        name_keys(p, kind, Use::Probe, &mut out);
    }
    if p.kind == kind {
        // the same event reported twice
        event_keys(p, kind, Use::Probe, &mut out);
    }
    evidence_keys(p, kind, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}
