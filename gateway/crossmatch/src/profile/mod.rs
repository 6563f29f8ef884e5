//! The compact, precomputed view of a record that blocking and scoring work on.
//!
//! Built once per record version ([`Profile::build`]); nothing downstream re-parses a record.
//! Dates are days since 1970-01-01 (`i32`); partial dates become intervals. Heights are
//! centimetres, weights kilograms, as intervals. Names become [`NameForm`]s of normalised
//! tokens; marks, dental charts and fingerprint classes become small signatures.

#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDate};
use homeward_schemas::{
    Dental, EyeColor, HairColor, Kind, Mark, MarkKind, PartialDate, Place, Race, Record, RecordId,
    Sex, Side, Status, Tooth,
};

use crate::names::{NameForm, hash_str, latin_tokens};

/// Days in a mean year.
pub const YEAR_DAYS: f32 = 365.25;

/// Days since 1970-01-01.
pub type Day = i32;

/// A closed interval of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySpan {
    pub lo: Day,
    pub hi: Day,
}

impl DaySpan {
    /// The days a (possibly partial) date may stand for.
    pub fn of(d: PartialDate) -> Self {
        Self {
            lo: day(d.earliest()),
            hi: day(d.latest()),
        }
    }

    pub fn mid(&self) -> Day {
        self.lo + (self.hi - self.lo) / 2
    }

    /// Signed distance from `self` to `other` in days: positive when `other` is later,
    /// negative when earlier, 0 when they overlap.
    pub fn gap_to(&self, other: &DaySpan) -> i32 {
        if other.lo > self.hi {
            other.lo - self.hi
        } else if other.hi < self.lo {
            other.hi - self.lo
        } else {
            0
        }
    }
}

/// Days since 1970-01-01 of a calendar date.
pub fn day(d: NaiveDate) -> Day {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    i32::try_from((d - epoch).num_days()).unwrap_or(0)
}

/// The calendar date of a day number.
pub fn date_of(d: Day) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch + chrono::Duration::days(i64::from(d))
}

/// A closed interval of reals (years, centimetres, kilograms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub lo: f32,
    pub hi: f32,
}

impl Span {
    pub fn new(a: f32, b: f32) -> Self {
        Self {
            lo: a.min(b),
            hi: a.max(b),
        }
    }

    pub fn mid(&self) -> f32 {
        (self.lo + self.hi) / 2.0
    }

    pub fn width(&self) -> f32 {
        self.hi - self.lo
    }

    /// Distance between the intervals (0 when they overlap).
    pub fn gap(&self, o: &Span) -> f32 {
        if o.lo > self.hi {
            o.lo - self.hi
        } else if o.hi < self.lo {
            self.lo - o.hi
        } else {
            0.0
        }
    }

    pub fn hull(&self, o: &Span) -> Span {
        Span {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
        }
    }
}

/// A date of birth as given: year, and month and day when known (0 = unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dob {
    pub year: i16,
    pub month: u8,
    pub day: u8,
}

impl Dob {
    fn of(d: PartialDate) -> Option<Self> {
        let e = d.earliest();
        let l = d.latest();
        let year = i16::try_from(e.year()).ok()?;
        let month = if e.month() == l.month() {
            u8::try_from(e.month()).ok()?
        } else {
            0
        };
        let dd = if e == l {
            u8::try_from(e.day()).ok()?
        } else {
            0
        };
        Some(Self {
            year,
            month,
            day: dd,
        })
    }

    /// Decimal year of the date (the middle of what is known).
    pub fn decimal(&self) -> f32 {
        let y = f32::from(self.year);
        match (self.month, self.day) {
            (0, _) => y + 0.5,
            (m, 0) => y + (f32::from(m) - 0.5) / 12.0,
            (m, d) => y + (f32::from(m) - 1.0) / 12.0 + f32::from(d) / YEAR_DAYS,
        }
    }

    /// Written out as the source gave it.
    pub fn display(&self) -> String {
        match (self.month, self.day) {
            (0, _) => format!("{:04}", self.year),
            (m, 0) => format!("{:04}-{m:02}", self.year),
            (m, d) => format!("{:04}-{m:02}-{d:02}", self.year),
        }
    }
}

/// Decimal year of a day number.
pub fn decimal_year(d: Day) -> f32 {
    1970.0 + d as f32 / YEAR_DAYS
}

/// A scar, mark or tattoo as a signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MarkSig {
    pub kind: MarkKind,
    /// 0 unknown, 1 left, 2 right.
    pub side: u8,
    /// Hash of the normalised body part.
    pub part: u64,
    /// Hash of the normalised text (0 when none).
    pub text: u64,
    /// `TAT L ARM ROSE`, for explanations.
    pub label: Box<str>,
    full: u64,
    sided: u64,
    place: u64,
}

impl MarkSig {
    fn of(m: &Mark) -> Option<Self> {
        let part = crate::names::latin_tokens(&m.part).join(" ");
        if part.is_empty() {
            return None;
        }
        let text = m
            .text
            .as_deref()
            .map(|t| latin_tokens(t).join(" "))
            .filter(|t| !t.is_empty());
        let side = match m.side {
            None => 0,
            Some(Side::Left) => 1,
            Some(Side::Right) => 2,
        };
        let mut label = m.kind.ncic().to_string();
        if let Some(s) = m.side {
            label.push(' ');
            label.push_str(s.ncic());
        }
        label.push(' ');
        label.push_str(&part);
        if let Some(t) = &text {
            label.push(' ');
            label.push_str(t);
        }
        let part_h = hash_str(&part);
        let text_h = text.as_deref().map(hash_str).unwrap_or(0);
        Some(Self {
            kind: m.kind,
            side,
            part: part_h,
            text: text_h,
            label: label.into_boxed_str(),
            full: hash_str(&format!("{}|{side}|{part_h}|{text_h}", m.kind.as_str())),
            sided: hash_str(&format!("{}|{side}|{part_h}|0", m.kind.as_str())),
            place: hash_str(&format!("{}|{part_h}", m.kind.as_str())),
        })
    }

    /// The key of kind, side, part and text: what makes a mark distinctive.
    pub fn full_key(&self) -> u64 {
        self.full
    }

    /// The key of kind, side and part, without the text (equal to [`MarkSig::full_key`] when
    /// there is no text): a tattoo described on one report and not the other.
    pub fn sided_key(&self) -> u64 {
        self.sided
    }

    /// The key of kind and part only.
    pub fn place_key(&self) -> u64 {
        self.place
    }
}

/// Tooth codes in a dental signature.
pub mod tooth {
    /// No information.
    pub const NO_INFO: u8 = 0;
    /// Present, not restored.
    pub const VIRGIN: u8 = 1;
    /// Extracted or missing.
    pub const MISSING: u8 = 2;
    /// Restored: this bit, plus the surfaces `M O D F L C R` as bits 0–6... of the low bits.
    pub const RESTORED: u8 = 0x80;
}

fn tooth_code(t: &Tooth) -> u8 {
    match t {
        Tooth::Virgin => tooth::VIRGIN,
        Tooth::Missing => tooth::MISSING,
        Tooth::NoInfo => tooth::NO_INFO,
        Tooth::Restored(s) => {
            let mut bits = tooth::RESTORED;
            for b in s.bytes() {
                if let Some(p) = b"MODFLCR".iter().position(|x| *x == b) {
                    bits |= 1 << p;
                }
            }
            bits
        }
    }
}

/// A geographic point, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geo {
    pub lat: f32,
    pub lon: f32,
}

impl Geo {
    /// Great-circle distance in kilometres.
    pub fn km(&self, o: &Geo) -> f32 {
        let (p1, p2) = (self.lat.to_radians(), o.lat.to_radians());
        let dp = p2 - p1;
        let dl = (o.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().min(1.0).asin()
    }
}

impl Geo {
    /// Distance in kilometres by the equirectangular approximation: within a fraction of a
    /// percent of [`Geo::km`] up to a thousand kilometres, and cheap.
    pub fn km_fast(&self, o: &Geo) -> f32 {
        let mut dlon = (o.lon - self.lon).abs();
        if dlon > 180.0 {
            dlon = 360.0 - dlon;
        }
        let x = dlon.to_radians() * ((self.lat + o.lat) / 2.0).to_radians().cos();
        let y = (o.lat - self.lat).to_radians();
        6371.0 * (x * x + y * y).sqrt()
    }
}

/// What prescoring needs of a record, packed (32 bytes), so a candidate can be estimated
/// without reading its profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    lat: f32,
    lon: f32,
    event: i32,
    birth_lo: f32,
    birth_hi: f32,
    height_lo: f32,
    height_hi: f32,
    age: f32,
    /// Index in `Race::ALL`, 255 when unknown.
    race: u8,
}

impl Summary {
    /// A summary that knows nothing (for tests of the indexes).
    #[cfg(test)]
    pub(crate) fn blank() -> Self {
        let nan = f32::NAN;
        Self {
            lat: nan,
            lon: nan,
            event: i32::MIN,
            birth_lo: nan,
            birth_hi: nan,
            height_lo: nan,
            height_hi: nan,
            age: nan,
            race: 255,
        }
    }

    fn of(p: &Profile) -> Self {
        let nan = f32::NAN;
        Self {
            lat: p.place.geo.map(|g| g.lat).unwrap_or(nan),
            lon: p.place.geo.map(|g| g.lon).unwrap_or(nan),
            event: p.event.map(|e| e.mid()).unwrap_or(i32::MIN),
            birth_lo: p.birth.map(|b| b.lo).unwrap_or(nan),
            birth_hi: p.birth.map(|b| b.hi).unwrap_or(nan),
            height_lo: p.height.map(|h| h.lo).unwrap_or(nan),
            height_hi: p.height.map(|h| h.hi).unwrap_or(nan),
            age: p.age_at_event().unwrap_or(nan),
            race: p
                .race
                .and_then(|r| Race::ALL.iter().position(|x| *x == r))
                .map(|i| i as u8)
                .unwrap_or(255),
        }
    }

    pub fn geo(&self) -> Option<Geo> {
        (!self.lat.is_nan()).then_some(Geo {
            lat: self.lat,
            lon: self.lon,
        })
    }

    pub fn event(&self) -> Option<DaySpan> {
        (self.event != i32::MIN).then_some(DaySpan {
            lo: self.event,
            hi: self.event,
        })
    }

    pub fn birth(&self) -> Option<Span> {
        (!self.birth_lo.is_nan()).then_some(Span {
            lo: self.birth_lo,
            hi: self.birth_hi,
        })
    }

    pub fn height(&self) -> Option<Span> {
        (!self.height_lo.is_nan()).then_some(Span {
            lo: self.height_lo,
            hi: self.height_hi,
        })
    }

    pub fn age(&self) -> Option<f32> {
        (!self.age.is_nan()).then_some(self.age)
    }

    pub fn race(&self) -> Option<Race> {
        Race::ALL.get(usize::from(self.race)).copied()
    }

    /// The race's index in `Race::ALL`.
    pub fn race_index(&self) -> Option<usize> {
        (usize::from(self.race) < Race::ALL.len()).then_some(usize::from(self.race))
    }
}

/// Where the case is located.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Where {
    pub geo: Option<Geo>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<[u8; 2]>,
    /// ISO 3166-2 subdivision, upper case (`US-TX`).
    pub region: Option<Box<str>>,
}

impl Where {
    fn of(p: &Place) -> Self {
        let geo = match (p.lat, p.lon) {
            (Some(lat), Some(lon))
                if lat.is_finite()
                    && lon.is_finite()
                    && (-90.0..=90.0).contains(&lat)
                    && (-180.0..=180.0).contains(&lon) =>
            {
                Some(Geo {
                    lat: lat as f32,
                    lon: lon as f32,
                })
            }
            _ => None,
        };
        let country = p.country_code().and_then(|c| {
            let b = c.trim().as_bytes();
            (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
                .then(|| [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
        });
        let region = p
            .region
            .as_deref()
            .map(|r| r.trim().to_ascii_uppercase())
            .filter(|r| r.len() > 3 && r.contains('-'))
            .map(String::into_boxed_str);
        Self {
            geo,
            country,
            region,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.geo.is_none() && self.country.is_none() && self.region.is_none()
    }

    pub fn country_str(&self) -> String {
        self.country
            .map(|c| String::from_utf8_lossy(&c).into_owned())
            .unwrap_or_default()
    }
}

/// The compact view of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: RecordId,
    pub kind: Kind,
    pub status: Status,
    /// Hash of the source (records of one source are never the same person twice).
    pub source: u64,
    /// Every way the name is written (all scripts, aliases, alternate names).
    pub names: Vec<NameForm>,
    /// `Some` only when stated male or female.
    pub sex: Option<Sex>,
    /// `None` when absent or unknown.
    pub race: Option<Race>,
    pub dobs: Vec<Dob>,
    /// Birth, as decimal years: from the dates of birth, the estimated year of birth, or the
    /// (estimated) age at a reference date.
    pub birth: Option<Span>,
    /// When the case happened: last contact, found, or death.
    pub event: Option<DaySpan>,
    /// Unidentified: the estimated date of death, when given.
    pub death_estimate: Option<DaySpan>,
    pub height: Option<Span>,
    pub weight: Option<Span>,
    /// `None` when absent or unknown.
    pub eye: Option<EyeColor>,
    pub hair: Option<HairColor>,
    pub place: Where,
    pub marks: Vec<MarkSig>,
    /// 32 tooth codes (see [`tooth`]), when a chart was given.
    pub dental: Option<Box<[u8; 32]>>,
    /// NCIC fingerprint classification, 20 characters.
    pub fingerprint: Option<Box<[u8; 20]>>,
    /// An identifier (passport, SSN...) as `kind:value` hashes.
    pub identifiers: Vec<u64>,
}

impl Profile {
    /// Builds the profile of a record.
    pub fn build(r: &Record) -> Self {
        let mut names: Vec<NameForm> = Vec::new();
        let mut push = |f: NameForm| {
            if !f.is_empty() && !names.contains(&f) {
                names.push(f);
            }
        };
        for n in &r.names {
            if n.given.is_some() || n.family.is_some() {
                push(NameForm::from_parts(
                    n.given.as_deref(),
                    n.middle.as_deref(),
                    n.family.as_deref(),
                ));
            } else if let Some(full) = &n.full {
                push(NameForm::from_full(full));
            }
            // a computed Latin form is the transliteration of the name itself, which the
            // tokens above already are (computed now: a form stored by an older version
            // must not add a stale spelling)
            if let Some(l) = n.latin.as_ref().filter(|l| !l.computed) {
                if l.given.is_some() || l.family.is_some() {
                    push(NameForm::from_parts(
                        l.given.as_deref(),
                        None,
                        l.family.as_deref(),
                    ));
                } else if let Some(full) = &l.full {
                    push(NameForm::from_full(full));
                }
            }
            // A full line that differs from the parts (PFIF full_name with both scripts).
            if let (Some(full), true) = (&n.full, n.given.is_some() || n.family.is_some()) {
                let parts: Vec<&str> = [&n.given, &n.middle, &n.family]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                if full
                    .split_whitespace()
                    .ne(parts.iter().flat_map(|p| p.split_whitespace()))
                {
                    push(NameForm::from_full(full));
                }
            }
        }

        let sex = match r.sex {
            Some(Sex::Male) => Some(Sex::Male),
            Some(Sex::Female) => Some(Sex::Female),
            _ => None,
        };
        let race = r.race.filter(|x| *x != Race::Unknown);

        let dobs: Vec<Dob> = r.birth_dates.iter().filter_map(|d| Dob::of(*d)).collect();
        let event = r
            .last_contact
            .or(r.found_date)
            .or(r.death_date)
            .or(r.estimated_death)
            .map(DaySpan::of);
        let death_estimate = r.estimated_death.map(DaySpan::of);

        let mut birth: Option<Span> = None;
        let mut widen = |s: Span| {
            birth = Some(match birth {
                Some(b) => b.hull(&s),
                None => s,
            });
        };
        for d in &r.birth_dates {
            let lo = decimal_year(day(d.earliest()));
            let hi = decimal_year(day(d.latest()));
            widen(Span::new(lo, hi));
        }
        if r.birth_dates.is_empty() {
            if let Some(y) = r.birth_year {
                widen(Span::new(y.min as f32, y.max as f32 + 1.0));
            }
            if let Some(a) = r.age {
                let reference = a
                    .as_of
                    .map(day)
                    .or_else(|| event.map(|e| e.mid()))
                    .or_else(|| r.source_updated_at.map(|t| day(t.date_naive())));
                if let Some(refd) = reference {
                    let at = decimal_year(refd);
                    let s = Span::new(at - f32::from(a.max) - 1.0, at - f32::from(a.min));
                    // the estimated year of birth and the age describe the same thing; keep
                    // the tighter one when both are given
                    birth = Some(match birth {
                        Some(b) if b.width() <= s.width() => b,
                        _ => s,
                    });
                }
            }
        }

        let range = |x: &homeward_schemas::Range| {
            (x.min.is_finite() && x.max.is_finite() && x.max > 0.0)
                .then(|| Span::new(x.min as f32, x.max as f32))
        };
        let height = r.height_cm.as_ref().and_then(range);
        let weight = r.weight_kg.as_ref().and_then(range);
        let eye = r.eye.filter(|e| *e != EyeColor::Unknown);
        let hair = r.hair.filter(|h| *h != HairColor::Unknown);
        let place = r.place().map(Where::of).unwrap_or_default();

        let mut marks: Vec<MarkSig> = r.marks.iter().filter_map(MarkSig::of).collect();
        marks.dedup();

        let dental = match &r.dental {
            Some(Dental::Chart(t)) if t.len() == 32 => {
                let mut a = [0u8; 32];
                for (i, x) in t.iter().enumerate() {
                    a[i] = tooth_code(x);
                }
                a.iter().any(|c| *c != tooth::NO_INFO).then(|| Box::new(a))
            }
            Some(Dental::AllVirgin) => Some(Box::new([tooth::VIRGIN; 32])),
            _ => None,
        };
        let fingerprint = r.fingerprint_class.as_deref().and_then(|f| {
            let b = f.as_bytes();
            (b.len() == 20).then(|| {
                let mut a = [0u8; 20];
                a.copy_from_slice(b);
                Box::new(a)
            })
        });
        let identifiers = r
            .identifiers
            .iter()
            .map(|i| hash_str(&format!("{}:{}", i.kind.as_str(), i.value.trim())))
            .collect();

        Self {
            id: r.id.clone(),
            kind: r.kind,
            status: r.status,
            source: hash_str(&r.id.source),
            names,
            sex,
            race,
            dobs,
            birth,
            event,
            death_estimate,
            height,
            weight,
            eye,
            hair,
            place,
            marks,
            dental,
            fingerprint,
            identifiers,
        }
    }

    /// Whether the record may be proposed: only active cases are.
    pub fn is_open(&self) -> bool {
        self.status == Status::Active
    }

    /// Whether the record is a missing-person report (the left side of identifications).
    pub fn is_missing(&self) -> bool {
        self.kind == Kind::Missing
    }

    /// Whether the record is one to identify (unidentified remains or an unclaimed body).
    pub fn is_to_identify(&self) -> bool {
        matches!(self.kind, Kind::Unidentified | Kind::Unclaimed)
    }

    /// The packed summary prescoring reads.
    pub fn summary(&self) -> Summary {
        Summary::of(self)
    }

    /// The middle of the birth interval, if known (decimal years).
    pub fn birth_mid(&self) -> Option<f32> {
        self.birth.map(|b| b.mid())
    }

    /// Age in years at the case's date, from the birth interval.
    pub fn age_at_event(&self) -> Option<f32> {
        let b = self.birth?;
        let e = self.event?;
        Some(decimal_year(e.mid()) - b.mid())
    }
}
