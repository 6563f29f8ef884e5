//! The poster as data: [`Poster::from_record`].
//!
//! Everything is localised into strings here, so a renderer (the PDF of [`crate::render_pdf`],
//! the console's HTML) only lays it out. See the crate documentation for what goes on a poster
//! and what never does.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use homeward_schemas::translit;
use homeward_schemas::units::{cm_to_inches, kg_to_pounds};
use homeward_schemas::{
    Kind, Mark, MarkKind, Name, NameRole, PartialDate, Place, Range, Record, Side, Status, TextKind,
};

use crate::PosterError;
use crate::labels::{self, Labels};

/// A piece of text in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Localized {
    /// BCP 47 language (`und` when the record did not say).
    pub lang: String,
    pub text: String,
    /// Written right to left (Arabic, Hebrew, Persian, Urdu...).
    pub rtl: bool,
}

/// A name as printed: in its own script, with its Latin form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PosterName {
    /// The name written out in its own script.
    pub text: String,
    /// ISO 15924 script of `text` (`Latn`, `Cyrl`, `Arab`...).
    pub script: String,
    /// The language the record gives for the name, if any.
    pub lang: Option<String>,
    /// The Latin form, for a name not in Latin script (the partner's or computed).
    pub latin: Option<String>,
    /// `text` is written right to left.
    pub rtl: bool,
    pub role: NameRole,
}

/// The primary photograph, by reference: the gateway never fetches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoRef {
    pub url: String,
    pub sha256: Option<String>,
    pub media_type: Option<String>,
}

/// One line of the description list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    /// Stable key: `date_of_birth`, `age_now`, `age_at_disappearance`, `sex`, `height`,
    /// `weight`, `eyes`, `hair`, `marks`, `missing_since`, `last_seen`.
    pub key: String,
    /// The label in each poster language, in poster-language order.
    pub labels: Vec<Localized>,
    /// The value. Numbers and ISO dates are language-neutral; sex, eye and hair values are in
    /// the first poster language followed by English in parentheses when they differ
    /// (`карие (brown)`). Several items (marks) are separated by `\n`.
    pub value: String,
    /// The value in English only (equal to `value` where `value` is language-neutral): what a
    /// renderer prints when it cannot show the first poster language.
    pub value_en: String,
}

/// Who to call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Contact {
    pub agency_name: Option<String>,
    pub ori: Option<String>,
    pub phone: Option<String>,
    pub case_number: Option<String>,
    pub nic: Option<String>,
}

/// The banner of a poster whose case is no longer active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Banner {
    pub status: Status,
    /// The date of the status change as the source gave it (ISO, possibly partial).
    pub date: Option<String>,
    /// The banner in every poster language.
    pub texts: Vec<Localized>,
}

/// Labels of the poster's sections, in every poster language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SectionLabels {
    pub name: Vec<Localized>,
    pub aliases: Vec<Localized>,
    pub description: Vec<Localized>,
    pub case_number: Vec<Localized>,
    pub nic: Vec<Localized>,
}

/// A printable missing-person poster: plain data, localised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Poster {
    /// `source/native_id`.
    pub record_id: String,
    /// The day the poster was made (ages are computed for it).
    pub generated: NaiveDate,
    /// The languages the poster is written in: the record's own first, English last.
    pub languages: Vec<String>,
    /// Languages the record carries for which there is no label table (the poster uses English).
    pub untranslated: Vec<String>,
    /// Under 18 at disappearance (or a juvenile entry of unknown age): "MISSING CHILD".
    pub child: bool,
    pub heading: Vec<Localized>,
    pub names: Vec<PosterName>,
    pub photo: Option<PhotoRef>,
    pub facts: Vec<Fact>,
    /// Public free texts only (see the crate documentation).
    pub description: Vec<Localized>,
    pub contact: Contact,
    /// "If you have information, contact" in every poster language; "... contact the police"
    /// when the record names no agency or phone.
    pub contact_labels: Vec<Localized>,
    pub labels: SectionLabels,
    /// Present when the case is not active: the poster must not be mistaken for a live one.
    pub status: Option<Banner>,
    /// ISO 3166-1 country of the case (where last seen, else the agency's): picks the paper.
    pub country: Option<String>,
}

impl Poster {
    /// The poster of a missing-person record, as of `today`.
    pub fn from_record(record: &Record, today: NaiveDate) -> Result<Poster, PosterError> {
        let record_id = record.id.to_string();
        if record.kind != Kind::Missing {
            return Err(PosterError::NotMissing {
                record: record_id,
                kind: record.kind,
            });
        }
        let past_expiry = record.expiry_date.is_some_and(|e| e.date_naive() <= today);
        if record.status == Status::Expired || past_expiry {
            return Err(PosterError::Expired { record: record_id });
        }

        let (languages, untranslated) = poster_languages(record);
        let tables: Vec<&'static Labels> = languages
            .iter()
            .filter_map(|l| labels::for_lang(l))
            .collect();
        let localize = |pick: &dyn Fn(&Labels) -> &str| -> Vec<Localized> {
            tables
                .iter()
                .map(|t| Localized {
                    lang: t.lang.to_string(),
                    text: pick(t).to_string(),
                    rtl: t.rtl,
                })
                .collect()
        };
        let first = tables.first().copied().unwrap_or(labels::english());

        let birth = birth_range(record);
        let last_contact = record.last_contact.map(|d| (d.earliest(), d.latest()));
        let age_then = match (birth, last_contact) {
            (Some(b), Some(d)) => Some(age_between(b, d)),
            _ => record
                .age
                .filter(|a| a.as_of.is_none() && a.min <= a.max)
                .map(|a| (i64::from(a.min), i64::from(a.max))),
        };
        let age_now = birth.map(|b| age_between(b, (today, today)));
        let child = is_child(record, age_then);

        let heading = tables
            .iter()
            .map(|t| Localized {
                lang: t.lang.to_string(),
                text: t.heading(child, record.sex).to_string(),
                rtl: t.rtl,
            })
            .collect();

        let mut facts = Vec::new();
        let mut fact = |key: &str, pick: &dyn Fn(&Labels) -> &str, value: String, en: String| {
            facts.push(Fact {
                key: key.to_string(),
                labels: localize(pick),
                value,
                value_en: en,
            });
        };
        if let Some(dob) = date_of_birth(record) {
            fact("date_of_birth", &|l| l.date_of_birth, dob.clone(), dob);
        }
        if let Some(a) = age_now {
            fact("age_now", &|l| l.age_now, age_text(a), age_text(a));
        }
        if let Some(a) = age_then {
            let t = age_text(a);
            fact(
                "age_at_disappearance",
                &|l| l.age_at_disappearance,
                t.clone(),
                t,
            );
        }
        let en = labels::english();
        if let Some(s) = record.sex {
            let (v, e) = coded(first.sex_value(s), en.sex_value(s));
            fact("sex", &|l| l.sex, v, e);
        }
        if let Some(h) = record.height_cm {
            let t = height_text(h);
            fact("height", &|l| l.height, t.clone(), t);
        }
        if let Some(w) = record.weight_kg {
            let t = weight_text(w);
            fact("weight", &|l| l.weight, t.clone(), t);
        }
        if let Some(c) = record.eye {
            let (v, e) = coded(first.eye_value(c), en.eye_value(c));
            fact("eyes", &|l| l.eyes, v, e);
        }
        if let Some(c) = record.hair {
            let (v, e) = coded(first.hair_value(c), en.hair_value(c));
            fact("hair", &|l| l.hair, v, e);
        }
        if !record.marks.is_empty() {
            let t = record
                .marks
                .iter()
                .map(mark_text)
                .collect::<Vec<_>>()
                .join("\n");
            fact("marks", &|l| l.marks, t.clone(), t);
        }
        if let Some(d) = record.last_contact {
            let t = d.to_string();
            fact("missing_since", &|l| l.missing_since, t.clone(), t);
        }
        if let Some(p) = record.last_seen.as_ref().and_then(place_text) {
            fact("last_seen", &|l| l.last_seen, p.clone(), p);
        }

        let status = banner(record, &tables);
        let contact = contact(record);

        Ok(Poster {
            record_id,
            generated: today,
            languages,
            untranslated,
            child,
            heading,
            names: poster_names(record),
            photo: record
                .photos
                .iter()
                .find(|p| p.primary)
                .or_else(|| record.photos.first())
                .map(|p| PhotoRef {
                    url: p.url.clone(),
                    sha256: p.sha256.clone(),
                    media_type: p.media_type.clone(),
                }),
            facts,
            description: public_texts(record),
            contact_labels: if contact.agency_name.is_none()
                && contact.ori.is_none()
                && contact.phone.is_none()
            {
                localize(&|l| l.contact_police)
            } else {
                localize(&|l| l.contact)
            },
            contact,
            labels: SectionLabels {
                name: localize(&|l| l.name),
                aliases: localize(&|l| l.aliases),
                description: localize(&|l| l.description),
                case_number: localize(&|l| l.case_number),
                nic: localize(&|l| l.nic),
            },
            status,
            country: case_country(record),
        })
    }
}

// === languages ===

/// A BCP 47 tag reduced to what selects a label table: the primary subtag in lower case, and
/// `zh-Hant` for traditional Chinese (which the Simplified table does not serve). `None` for an
/// empty or undetermined tag.
pub(crate) fn normalize_lang(tag: &str) -> Option<String> {
    let mut parts = tag.trim().split(['-', '_']);
    let primary = parts.next()?.to_ascii_lowercase();
    if primary.is_empty() || primary == "und" || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    if primary == "zh"
        && parts.any(|p| matches!(p.to_ascii_lowercase().as_str(), "hant" | "tw" | "hk" | "mo"))
    {
        return Some("zh-Hant".to_string());
    }
    Some(primary)
}

/// The script a language with a label table is written in.
fn script_of_lang(lang: &str) -> Option<&'static str> {
    match lang {
        "en" | "es" | "fr" | "pt" | "de" => Some("Latn"),
        "ru" | "uk" => Some("Cyrl"),
        "ar" => Some("Arab"),
        "hi" => Some("Deva"),
        "zh" => Some("Hani"),
        _ => None,
    }
}

/// The language a name's script implies when nothing better is known.
fn lang_of_script(script: &str) -> Option<&'static str> {
    match script {
        "Cyrl" => Some("ru"),
        "Arab" => Some("ar"),
        "Deva" => Some("hi"),
        "Hani" => Some("zh"),
        "Hebr" => Some("he"),
        "Grek" => Some("el"),
        "Armn" => Some("hy"),
        "Geor" => Some("ka"),
        "Thai" => Some("th"),
        "Hang" => Some("ko"),
        "Hira" | "Kana" => Some("ja"),
        "Beng" => Some("bn"),
        _ => None,
    }
}

fn is_public(kind: TextKind) -> bool {
    match kind {
        TextKind::Description | TextKind::Circumstances => true,
        TextKind::Remarks => false,
    }
}

fn name_script(n: &Name) -> String {
    n.script
        .clone()
        .unwrap_or_else(|| translit::detect_script(&n.display()).to_string())
}

/// (poster languages, untranslated languages).
fn poster_languages(record: &Record) -> (Vec<String>, Vec<String>) {
    let mut stated: Vec<String> = Vec::new();
    let stated_langs = record.names.iter().filter_map(|n| n.lang.as_deref()).chain(
        record
            .texts
            .iter()
            .filter(|t| is_public(t.kind))
            .filter_map(|t| t.lang.as_deref()),
    );
    for l in stated_langs.filter_map(normalize_lang) {
        if !stated.contains(&l) {
            stated.push(l);
        }
    }
    // A name without a language implies one through its script, unless a stated language
    // of the record is written in that script (a Cyrillic name in a record that says `uk`
    // elsewhere is not taken for Russian).
    let mut all = stated.clone();
    for n in record.names.iter().filter(|n| n.lang.is_none()) {
        let script = name_script(n);
        let covered = stated
            .iter()
            .any(|l| script_of_lang(l) == Some(script.as_str()));
        if covered {
            continue;
        }
        if let Some(l) = lang_of_script(&script)
            && !all.iter().any(|x| x == l)
        {
            all.push(l.to_string());
        }
    }
    let mut languages = Vec::new();
    let mut untranslated = Vec::new();
    for l in all {
        if l == "en" {
            continue;
        }
        if labels::for_lang(&l).is_some() {
            languages.push(l);
        } else {
            untranslated.push(l);
        }
    }
    languages.push("en".to_string());
    (languages, untranslated)
}

// === names ===

fn is_rtl_script(script: &str) -> bool {
    matches!(script, "Arab" | "Hebr" | "Syrc" | "Thaa" | "Nkoo")
}

fn poster_names(record: &Record) -> Vec<PosterName> {
    let mut ordered: Vec<&Name> = record
        .names
        .iter()
        .filter(|n| n.role == NameRole::Primary)
        .collect();
    if ordered.is_empty()
        && let Some(n) = record.primary_name()
    {
        ordered.push(n);
    }
    for n in &record.names {
        if !ordered.iter().any(|o| std::ptr::eq(*o, n)) {
            ordered.push(n);
        }
    }
    let mut out: Vec<PosterName> = Vec::new();
    for n in ordered {
        let text = n.display().trim().to_string();
        if text.is_empty() {
            continue;
        }
        let script = name_script(n);
        let latin = (!translit::is_latin(&text))
            .then(|| n.display_latin())
            .filter(|l| !l.trim().is_empty());
        // A Latin-script name that only repeats the Latin form of a name already listed.
        let repeats = out.iter().any(|o| {
            o.text.eq_ignore_ascii_case(&text)
                || (latin.is_none()
                    && o.latin
                        .as_deref()
                        .is_some_and(|l| l.eq_ignore_ascii_case(&text)))
        });
        if repeats {
            continue;
        }
        out.push(PosterName {
            rtl: is_rtl_script(&script),
            text,
            script,
            lang: n.lang.clone(),
            latin,
            role: n.role,
        });
    }
    out
}

// === ages ===

fn sub_years(d: NaiveDate, years: u32) -> Option<NaiveDate> {
    d.checked_sub_months(Months::new(years.checked_mul(12)?))
}

/// The earliest and latest day the person can have been born.
fn birth_range(record: &Record) -> Option<(NaiveDate, NaiveDate)> {
    if !record.birth_dates.is_empty() {
        let lo = record.birth_dates.iter().map(PartialDate::earliest).min()?;
        let hi = record.birth_dates.iter().map(PartialDate::latest).max()?;
        return Some((lo, hi));
    }
    if let Some(y) = record.birth_year {
        let lo = NaiveDate::from_ymd_opt(y.min, 1, 1)?;
        let hi = NaiveDate::from_ymd_opt(y.max, 12, 31)?;
        return (lo <= hi).then_some((lo, hi));
    }
    let age = record.age.filter(|a| a.min <= a.max)?;
    // The day the estimate refers to: its own date, else (for a missing person) the last
    // contact.
    let (ref_lo, ref_hi) = match age.as_of {
        Some(d) => (d, d),
        None => {
            let d = record.last_contact?;
            (d.earliest(), d.latest())
        }
    };
    let hi = sub_years(ref_hi, u32::from(age.min))?;
    let lo = sub_years(ref_lo, u32::from(age.max) + 1)?.succ_opt()?;
    Some((lo, hi))
}

/// Completed years from `birth` to `at` (negative before birth).
fn years(birth: NaiveDate, at: NaiveDate) -> i64 {
    let mut y = i64::from(at.year()) - i64::from(birth.year());
    if (at.month(), at.day()) < (birth.month(), birth.day()) {
        y -= 1;
    }
    y
}

/// The range of ages of someone born in `birth` on a day in `at`.
fn age_between(birth: (NaiveDate, NaiveDate), at: (NaiveDate, NaiveDate)) -> (i64, i64) {
    let min = years(birth.1, at.0).max(0);
    let max = years(birth.0, at.1).max(min);
    (min, max)
}

fn age_text((min, max): (i64, i64)) -> String {
    if min == max {
        min.to_string()
    } else {
        format!("{min}–{max}")
    }
}

fn is_child(record: &Record, age_then: Option<(i64, i64)>) -> bool {
    use homeward_schemas::{Circumstance, EntryCategory, MissingType};
    let juvenile = record.entry_category == Some(EntryCategory::Juvenile)
        || matches!(
            record.missing_type,
            Some(MissingType::ChildAbduction | MissingType::AmberAlert)
        )
        || record.circumstance == Some(Circumstance::NonCustodialParent)
        || record.case_category.is_some();
    match age_then {
        Some((_, max)) if max < 18 => true,
        Some((min, _)) if min >= 18 => false,
        _ => juvenile,
    }
}

fn date_of_birth(record: &Record) -> Option<String> {
    if !record.birth_dates.is_empty() {
        let mut seen: Vec<String> = Vec::new();
        for d in &record.birth_dates {
            let s = d.to_string();
            if !seen.contains(&s) {
                seen.push(s);
            }
        }
        return Some(seen.join(", "));
    }
    record.birth_year.map(|y| {
        if y.min == y.max {
            format!("{:04}", y.min)
        } else {
            format!("{:04}–{:04}", y.min, y.max)
        }
    })
}

// === measures ===

fn round_u(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v.round() as u64
    } else {
        0
    }
}

fn feet_inches(cm: f64) -> String {
    let total = round_u(cm_to_inches(cm));
    format!("{} ft {} in", total / 12, total % 12)
}

/// `178 cm (5 ft 10 in)`; a range `170–175 cm (5 ft 7 in – 5 ft 9 in)`.
pub(crate) fn height_text(h: Range) -> String {
    let (a, b) = (round_u(h.min), round_u(h.max));
    let metric = if a == b {
        format!("{a} cm")
    } else {
        format!("{a}–{b} cm")
    };
    let (ia, ib) = (feet_inches(h.min), feet_inches(h.max));
    if ia == ib {
        format!("{metric} ({ia})")
    } else {
        format!("{metric} ({ia} – {ib})")
    }
}

/// `70 kg (154 lb)`; a range `60–65 kg (132–143 lb)`.
pub(crate) fn weight_text(w: Range) -> String {
    let (a, b) = (round_u(w.min), round_u(w.max));
    let (la, lb) = (round_u(kg_to_pounds(w.min)), round_u(kg_to_pounds(w.max)));
    let metric = if a == b {
        format!("{a} kg")
    } else {
        format!("{a}–{b} kg")
    };
    if la == lb {
        format!("{metric} ({la} lb)")
    } else {
        format!("{metric} ({la}–{lb} lb)")
    }
}

/// (value in the first poster language with English in parentheses, English alone).
fn coded(first: &str, english: &str) -> (String, String) {
    if first == english {
        (english.to_string(), english.to_string())
    } else {
        (format!("{first} ({english})"), english.to_string())
    }
}

// === marks and places ===

fn mark_kind(k: MarkKind) -> &'static str {
    match k {
        MarkKind::Scar => "Scar",
        MarkKind::Tattoo => "Tattoo",
        MarkKind::Mole => "Mole",
        MarkKind::Piercing => "Piercing",
        MarkKind::ArtificialPart => "Artificial part",
        MarkKind::Birthmark => "Birthmark",
        MarkKind::Discoloration => "Discoloration",
    }
}

/// English for the NCIC SMT body-part codes partners send most; others are printed as sent.
fn body_part(code: &str) -> Option<&'static str> {
    Some(match code {
        "ABDOM" => "abdomen",
        "ANKLE" => "ankle",
        "ARM" | "ARMS" => "arm",
        "BACK" => "back",
        "BUTTK" | "BUTTOCK" => "buttock",
        "CHEST" => "chest",
        "CHIN" => "chin",
        "CHK" => "cheek",
        "EAR" => "ear",
        "ELBOW" => "elbow",
        "EYE" => "eye",
        "FACE" => "face",
        "FHD" => "forehead",
        "FGR" => "finger",
        "FOOT" => "foot",
        "HAND" | "HND" => "hand",
        "HEAD" => "head",
        "HIP" => "hip",
        "KNEE" => "knee",
        "LEG" => "leg",
        "LIP" => "lip",
        "NAVL" => "navel",
        "NECK" => "neck",
        "NOSE" => "nose",
        "SHLD" => "shoulder",
        "THGH" => "thigh",
        "TONG" => "tongue",
        "WRIST" => "wrist",
        _ => return None,
    })
}

/// `Tattoo, left arm: ROSE`.
fn mark_text(m: &Mark) -> String {
    let part = body_part(&m.part)
        .map(str::to_string)
        .unwrap_or_else(|| m.part.clone());
    let side = match m.side {
        Some(Side::Left) => "left ",
        Some(Side::Right) => "right ",
        None => "",
    };
    let mut s = format!("{}, {side}{part}", mark_kind(m.kind));
    if let Some(t) = m.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        s.push_str(": ");
        s.push_str(t);
    }
    s
}

/// `name, city, region, country`; the region without its country prefix (`US-TX` → `TX`).
/// Street and postal code are left out: a poster names a place, not an address.
fn place_text(p: &Place) -> Option<String> {
    let country = p.country_code().map(str::to_string);
    let region = p
        .region
        .as_deref()
        .map(|r| match (&country, r.split_once('-')) {
            (Some(c), Some((rc, rest))) if rc.eq_ignore_ascii_case(c) && !rest.is_empty() => {
                rest.to_string()
            }
            _ => r.to_string(),
        });
    let parts: Vec<String> = [p.name.clone(), p.city.clone(), region, country]
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn case_country(record: &Record) -> Option<String> {
    if let Some(c) = record.last_seen.as_ref().and_then(Place::country_code) {
        return Some(c.to_ascii_uppercase());
    }
    if let Some(c) = &record.agency.country {
        return Some(c.to_ascii_uppercase());
    }
    // An NCIC ORI starts with the state code.
    record
        .agency
        .ori
        .as_deref()
        .and_then(|o| o.get(0..2))
        .filter(|s| homeward_schemas::geo::is_us_state(s))
        .map(|_| "US".to_string())
}

// === texts, contact, status ===

fn public_texts(record: &Record) -> Vec<Localized> {
    record
        .texts
        .iter()
        .filter(|t| is_public(t.kind) && !t.text.trim().is_empty())
        .map(|t| {
            let lang = t
                .lang
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .unwrap_or("und")
                .to_string();
            let rtl = if lang == "und" {
                is_rtl_script(translit::detect_script(&t.text))
            } else {
                labels::is_rtl_lang(&lang)
            };
            Localized {
                lang,
                text: t.text.trim().to_string(),
                rtl,
            }
        })
        .collect()
}

/// A telephone number for the case: one the agency sent (kept in `extra`, since the canonical
/// agency has no phone slot), else the PFIF record author's, which PFIF publishes with the
/// record as its contact.
fn contact(record: &Record) -> Contact {
    let agency_phone = record.extra.iter().find_map(|e| {
        let k = e.key.to_ascii_lowercase();
        let is_phone = k.contains("phone");
        let is_agency = ["agency", "organization", "organisation", "ori", "contact"]
            .iter()
            .any(|w| k.contains(w));
        (is_phone && is_agency && !e.value.trim().is_empty()).then(|| e.value.trim().to_string())
    });
    Contact {
        agency_name: record.agency.name.clone(),
        ori: record.agency.ori.clone(),
        phone: agency_phone.or_else(|| record.provenance.author_phone.clone()),
        case_number: record.case_number.clone(),
        nic: record.nic.clone(),
    }
}

fn banner(record: &Record, tables: &[&'static Labels]) -> Option<Banner> {
    if record.status == Status::Active {
        return None;
    }
    let date = record
        .status_history
        .iter()
        .rev()
        .find(|e| e.status == record.status)
        .and_then(|e| e.date)
        .map(|d| d.to_string());
    let texts = tables
        .iter()
        .filter_map(|t| {
            t.banner_text(record.status, date.as_deref())
                .map(|text| Localized {
                    lang: t.lang.to_string(),
                    text,
                    rtl: t.rtl,
                })
        })
        .collect();
    Some(Banner {
        status: record.status,
        date,
        texts,
    })
}

#[cfg(test)]
mod tests;
