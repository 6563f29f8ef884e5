//! Records and transactions → NCIC messages, reporting what NCIC cannot hold.

use std::io::Write;

use homeward_schemas::translit;
use homeward_schemas::{
    Action, Condition, EntryCategory, Ethnicity, Kind, Name, NameRole, PartialDate, Place, Race,
    Record, RecordId, Sex, Status, StatusEvent, TargetRef, Transaction, YearRange, units,
};

use super::fields::{self, Mke};
use super::{HEADER, NAME};
use crate::format::{WriteError, Writer};
use crate::item::Loss;

/// ORI written when a record carries none (its source is not an ORI either).
pub const PLACEHOLDER_ORI: &str = "ZZ0000000";

/// Writes NCIC message files (one message per line, `\n`).
#[derive(Debug, Default)]
pub struct NcicWriter;

/// One message being built.
struct Line {
    text: String,
}

impl Line {
    fn new(mke: Mke, ori: &str) -> Self {
        let mut text = String::with_capacity(256);
        text.push_str(HEADER);
        text.push('.');
        text.push_str(mke.code());
        text.push('.');
        text.push_str(ori);
        Self { text }
    }

    fn field(&mut self, mfc: &str, value: &str) {
        self.text.push('.');
        self.text.push_str(mfc);
        self.text.push('/');
        self.text.push_str(value);
    }
}

/// Collects the losses of one record.
struct Losses<'a> {
    id: &'a RecordId,
    list: Vec<Loss>,
}

impl Losses<'_> {
    fn add(&mut self, field: impl Into<String>, detail: impl Into<String>) {
        self.list.push(Loss {
            record: self.id.clone(),
            field: field.into(),
            detail: detail.into(),
            left_out: false,
        });
    }

    /// The whole record or transaction is not written; `field` and `detail` say why.
    fn leave_out(&mut self, field: impl Into<String>, detail: impl Into<String>) {
        self.list.push(Loss {
            record: self.id.clone(),
            field: field.into(),
            detail: detail.into(),
            left_out: true,
        });
    }
}

/// A value NCIC can carry in free text: periods become spaces (reported).
fn text_value(s: &str, field: &str, losses: &mut Losses<'_>) -> String {
    let (clean, changed) = fields::clean_text(s);
    if changed {
        losses.add(field, "period or line break replaced by a space");
    }
    clean
}

/// A name in the NAM form: Latin, upper case, only NCIC's characters, at most 30 long.
fn nam_value(n: &Name, field: &str, losses: &mut Losses<'_>) -> Option<String> {
    let latin_parts = |o: &Option<String>, l: Option<&Option<String>>| -> Option<String> {
        match l.and_then(|x| x.clone()) {
            Some(v) => Some(v),
            None => o.clone(),
        }
    };
    let latin = n.latin.as_ref();
    let mut parts = Name {
        family: latin_parts(&n.family, latin.map(|l| &l.family)),
        given: latin_parts(&n.given, latin.map(|l| &l.given)),
        middle: n.middle.clone(),
        suffix: n.suffix.clone(),
        ..Name::default()
    };
    if parts.family.is_none() {
        // Only a full name: its last word is taken as the family name.
        let full = latin
            .and_then(|l| l.full.clone())
            .or_else(|| n.full.clone())?;
        let mut words: Vec<&str> = full.split_whitespace().collect();
        let family = words.pop()?.to_string();
        parts.family = Some(family);
        parts.given = words.first().map(|w| (*w).to_string());
        parts.middle = (words.len() > 1).then(|| words[1..].join(" "));
        losses.add(
            field,
            format!(
                "full name `{full}` written as LAST, FIRST taking its last word as the last name"
            ),
        );
    }
    let raw = fields::format_name_parts(&parts)?;
    let mut cleaned: String = translit::to_latin(&raw)
        .to_uppercase()
        .chars()
        .filter(|c| c.is_ascii_uppercase() || matches!(c, ' ' | '-' | '\'' | ','))
        .collect();
    cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.chars().count() > 30 {
        cleaned = cleaned
            .chars()
            .take(30)
            .collect::<String>()
            .trim_end()
            .to_string();
        losses.add(
            field,
            format!("name longer than 30 characters, cut to `{cleaned}`"),
        );
    }
    if !translit::is_latin(&n.display()) {
        losses.add(
            field,
            format!(
                "name `{}` written in Latin transliteration as `{cleaned}`",
                n.display()
            ),
        );
    } else if cleaned != raw.to_uppercase() {
        losses.add(
            field,
            format!(
                "name `{}` written as `{cleaned}` (NCIC holds A-Z, space, hyphen, apostrophe)",
                n.display()
            ),
        );
    }
    fields::parse_name(&cleaned, NameRole::Primary).ok()?;
    Some(cleaned)
}

/// The ORI to write for `r`.
fn ori_of(id: &RecordId, ori: Option<&str>, losses: &mut Losses<'_>) -> String {
    if let Some(o) = ori.filter(|o| fields::is_ori(o)) {
        return o.to_string();
    }
    if fields::is_ori(&id.source) {
        return id.source.clone();
    }
    losses.add(
        "agency.ori",
        format!("no ORI: written as the placeholder {PLACEHOLDER_ORI}"),
    );
    PLACEHOLDER_ORI.to_string()
}

fn date_value(d: &PartialDate, field: &str, losses: &mut Losses<'_>) -> Option<String> {
    let v = d.to_compact();
    if v.is_none() {
        losses.add(
            field,
            format!("partial date {d} not written (NCIC needs CCYYMMDD)"),
        );
    }
    v
}

fn place_value(p: &Place, field: &str, losses: &mut Losses<'_>) -> Option<String> {
    for (name, v) in [
        ("name", &p.name),
        ("street", &p.street),
        ("neighborhood", &p.neighborhood),
        ("postal_code", &p.postal_code),
    ] {
        if let Some(v) = v {
            losses.add(
                format!("{field}.{name}"),
                format!("`{v}` not written (NCIC LOC holds city and state/country)"),
            );
        }
    }
    match fields::format_location(p) {
        Ok((s, city_changed)) => {
            if city_changed {
                losses.add(
                    format!("{field}.city"),
                    "period, comma or @ in the city replaced by a space",
                );
            }
            if let Some(r) = &p.region
                && !r.starts_with("US-")
            {
                losses.add(
                    format!("{field}.region"),
                    format!("`{r}` written as its country only"),
                );
            }
            if let (Some(lat), Some(lon)) = (p.lat, p.lon)
                && !fields::coordinates_exact(lat, lon)
            {
                losses.add(
                    format!("{field}.lat/lon"),
                    format!("{lat},{lon} rounded to whole seconds of arc"),
                );
            }
            if p.lat.is_none()
                && let Some(c) = p
                    .country
                    .as_deref()
                    .filter(|c| p.region.is_none() && homeward_schemas::geo::is_us_state(c))
            {
                losses.add(
                    format!("{field}.country"),
                    format!("country {c} without coordinates reads back as the US state {c}"),
                );
            }
            Some(s)
        }
        Err(why) => {
            losses.add(field, format!("not written: {why}"));
            None
        }
    }
}

/// Age estimate as estimated birth years, for an unidentified record.
fn birth_years_from_age(r: &Record) -> Option<YearRange> {
    let age = r.age?;
    let year = age
        .as_of
        .map(|d| d.format("%Y").to_string())
        .or_else(|| r.found_date.map(|d| d.year_value().to_string()))?
        .parse::<i32>()
        .ok()?;
    Some(YearRange {
        min: year - i32::from(age.max) - 1,
        max: year - i32::from(age.min),
    })
}

/// The descriptive fields of `r`, in the spec's table order.
fn descriptive_fields(r: &Record, line: &mut Line, losses: &mut Losses<'_>) {
    let unidentified = r.kind == Kind::Unidentified;
    // Names: the first primary name is NAM, aliases are AKA.
    let mut wrote_nam = false;
    for (i, n) in r.names.iter().enumerate() {
        let field = format!("names[{i}]");
        match n.role {
            NameRole::Primary if !wrote_nam => {
                if let Some(v) = nam_value(n, &field, losses) {
                    line.field("NAM", &v);
                    wrote_nam = true;
                }
            }
            NameRole::Primary => {
                losses.add(
                    field,
                    format!(
                        "further name `{}` not written (NCIC holds one NAM)",
                        n.display()
                    ),
                );
            }
            NameRole::Alias | NameRole::Alternate => {
                if let Some(v) = nam_value(n, &field, losses) {
                    line.field("AKA", &v);
                } else {
                    losses.add(field, format!("alias `{}` not written", n.display()));
                }
            }
        }
        if n.lang.is_some() {
            losses.add(
                format!("names[{i}].lang"),
                "language of the name not written",
            );
        }
    }
    if let Some(s) = r.sex {
        if s == Sex::Other {
            losses.add("sex", "sex `other` written as U (NCIC has no code for it)");
            line.field("SEX", "U");
        } else {
            line.field("SEX", s.ncic());
        }
    }
    let mut ethnicity = r.ethnicity;
    if let Some(race) = r.race {
        if race == Race::HispanicLatino {
            losses.add("race", "race hispanic_latino written as RAC/U with ETN/H");
            line.field("RAC", "U");
            ethnicity = ethnicity.or(Some(Ethnicity::Hispanic));
        } else {
            line.field("RAC", race.ncic());
        }
    }
    if let Some(e) = ethnicity {
        line.field("ETN", e.ncic());
    }
    if let Some(p) = &r.place_of_birth {
        line.field("POB", p);
    }
    for (i, d) in r.birth_dates.iter().enumerate() {
        if let Some(v) = date_value(d, &format!("birth_dates[{i}]"), losses) {
            line.field("DOB", &v);
        }
    }
    match (&r.birth_year, r.age) {
        (Some(y), _) => line.field("EYB", &fields::format_birth_years(y)),
        (None, Some(_)) => match birth_years_from_age(r) {
            Some(y) => {
                losses.add(
                    "age",
                    format!(
                        "age written as estimated birth years {}",
                        fields::format_birth_years(&y)
                    ),
                );
                line.field("EYB", &fields::format_birth_years(&y));
            }
            None => losses.add("age", "age not written (no date to count it from)"),
        },
        _ => {}
    }
    if let Some(h) = r.height_cm {
        let h = if !unidentified && !h.is_exact() {
            losses.add(
                "height_cm",
                "range written as its middle (ranges only in unidentified records)",
            );
            homeward_schemas::Range::exact(h.mid())
        } else {
            h
        };
        match fields::format_height(&h) {
            Some(v) => {
                if !units::is_whole_inches(h.min) || !units::is_whole_inches(h.max) {
                    losses.add(
                        "height_cm",
                        format!("{}-{} cm rounded to whole inches ({v})", h.min, h.max),
                    );
                }
                line.field("HGT", &v);
            }
            None => losses.add("height_cm", "height beyond what NCIC can hold"),
        }
    }
    if let Some(w) = r.weight_kg {
        let w = if !unidentified && !w.is_exact() {
            losses.add(
                "weight_kg",
                "range written as its middle (ranges only in unidentified records)",
            );
            homeward_schemas::Range::exact(w.mid())
        } else {
            w
        };
        match fields::format_weight(&w) {
            Some(v) => {
                if !units::is_whole_pounds(w.min) || !units::is_whole_pounds(w.max) {
                    losses.add(
                        "weight_kg",
                        format!("{}-{} kg rounded to whole pounds ({v})", w.min, w.max),
                    );
                }
                line.field("WGT", &v);
            }
            None => losses.add("weight_kg", "weight beyond what NCIC can hold"),
        }
    }
    if let Some(e) = r.eye {
        line.field("EYE", e.ncic());
    }
    if let Some(h) = r.hair {
        line.field("HAI", h.ncic());
    }
    if let Some(s) = r.skin {
        line.field("SKN", s.ncic());
    }
    for (i, m) in r.marks.iter().enumerate() {
        let field = format!("marks[{i}]");
        let mut v = m.kind.ncic().to_string();
        if let Some(side) = m.side {
            v.push(' ');
            v.push_str(side.ncic());
        }
        let part = m.part.trim().to_string();
        if part.is_empty() || part.contains(' ') {
            losses.add(
                &field,
                format!("body part `{}` is not one NCIC part code", m.part),
            );
        }
        v.push(' ');
        v.push_str(&part.replace(' ', "-"));
        if let Some(t) = &m.text {
            v.push(' ');
            v.push_str(&text_value(t, &field, losses));
        }
        line.field("SMT", &v);
    }
    if let Some(f) = &r.fingerprint_class {
        line.field("FPC", f);
    }
    for id in &r.identifiers {
        if id.kind == homeward_schemas::IdentifierKind::SocialSecurity {
            line.field("SOC", &id.value);
        } else {
            line.field("MNU", &format!("{}-{}", id.kind.ncic(), id.value));
        }
    }
    if let Some(c) = &r.citizenship {
        line.field("CTZ", c);
    }
    if let Some(m) = r.missing_type {
        line.field("MNP", m.ncic());
    }
    if let Some(c) = r.circumstance {
        line.field("MPC", c.ncic());
    }
    if let Some(v) = r
        .last_contact
        .and_then(|d| date_value(&d, "last_contact", losses))
    {
        line.field("DLC", &v);
    }
    if let Some(v) = r
        .found_date
        .and_then(|d| date_value(&d, "found_date", losses))
    {
        line.field("DBF", &v);
    }
    if let Some(v) = r
        .estimated_death
        .and_then(|d| date_value(&d, "estimated_death", losses))
    {
        line.field("EDD", &v);
    }
    if let Some(b) = &r.body_parts {
        line.field("BPS", b);
    }
    if let Some(b) = r.blood_type {
        line.field("BLT", b.ncic());
    }
    if let Some(c) = r.circumcision {
        line.field("CRC", c.ncic());
    }
    for (i, j) in r.jewellery.iter().enumerate() {
        match &j.text {
            Some(t) => {
                let t = text_value(t, &format!("jewellery[{i}]"), losses);
                line.field("JWT", &format!("{} {t}", j.kind));
            }
            None => line.field("JWT", &j.kind),
        }
    }
    if let Some(d) = &r.dental {
        line.field("DCH", &d.code());
    }
    if let Some(x) = r.dental_xrays {
        line.field("DXR", if x { "Y" } else { "N" });
    }
    if let Some(c) = &r.caution {
        line.field("CMC", c);
    }
    let (place, place_field) = if unidentified {
        (&r.found_place, "found_place")
    } else {
        (&r.last_seen, "last_seen")
    };
    if let Some(v) = place
        .as_ref()
        .and_then(|p| place_value(p, place_field, losses))
    {
        line.field("LOC", &v);
    }
    // One MIS: the first text; the others are reported.
    for (i, t) in r.texts.iter().enumerate() {
        let field = format!("texts[{i}]");
        if i > 0 {
            losses.add(field, "further free text not written (NCIC holds one MIS)");
            continue;
        }
        let mut v = text_value(&t.text, &field, losses);
        if v.chars().count() > 500 {
            v = v.chars().take(500).collect();
            losses.add(&field, "remarks cut to 500 characters");
        }
        if t.lang.is_some() {
            losses.add(format!("{field}.lang"), "language of the text not written");
        }
        line.field("MIS", &v);
    }
    for (i, x) in r.extra.iter().enumerate() {
        if x.format == NAME {
            line.field(&x.key, &x.value);
        } else {
            losses.add(
                format!("extra[{i}]"),
                format!("{} field `{}` has no NCIC slot", x.format, x.key),
            );
        }
    }
    // What NCIC has no slot for at all.
    let unheld: [(&str, bool); 15] = [
        ("case_category", r.case_category.is_some()),
        ("fingerprints_available", r.fingerprints_available.is_some()),
        ("dna_available", r.dna_available.is_some()),
        ("photos", !r.photos.is_empty()),
        ("home", r.home.is_some()),
        ("notes", !r.notes.is_empty()),
        ("linked_records", !r.linked_records.is_empty()),
        ("expiry_date", r.expiry_date.is_some()),
        ("provenance", !r.provenance.is_empty()),
        ("agency.name", r.agency.name.is_some()),
        ("agency.code", r.agency.code.is_some()),
        ("agency.country", r.agency.country.is_some()),
        ("death_date", r.death_date.is_some()),
        ("death_place", r.death_place.is_some()),
        (
            if unidentified {
                "last_seen"
            } else {
                "found_place"
            },
            if unidentified {
                r.last_seen.is_some()
            } else {
                r.found_place.is_some()
            },
        ),
    ];
    for (field, present) in unheld {
        if present {
            losses.add(field, "not written: NCIC has no slot for it");
        }
    }
    if r.birth_year.is_some() && r.age.is_some() {
        losses.add("age", "age not written (estimated birth years are)");
    }
}

/// The NIC and OCA to identify `r` by.
fn identity(r: &Record, losses: &mut Losses<'_>) -> (Option<String>, Option<String>) {
    let prefix = if r.kind == Kind::Unidentified {
        'U'
    } else {
        'M'
    };
    let nic = r
        .nic
        .clone()
        .or_else(|| fields::is_nic(&r.id.native_id).then(|| r.id.native_id.clone()))
        .filter(|n| n.starts_with(prefix));
    let oca = r
        .case_number
        .clone()
        .filter(|c| fields::is_oca(c))
        .or_else(|| {
            if nic.is_none() && fields::is_oca(&r.id.native_id) {
                return Some(r.id.native_id.clone());
            }
            // Derive a case number from the native id: NCIC has no slot for it otherwise.
            let derived: String =
                r.id.native_id
                    .to_uppercase()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
            let start = derived.len().saturating_sub(20);
            let derived = derived[start..].trim_start_matches('-').to_string();
            if fields::is_oca(&derived) {
                losses.add(
                    "case_number",
                    format!(
                        "no NCIC case number: written OCA/{derived} from the native id `{}`",
                        r.id.native_id
                    ),
                );
                Some(derived)
            } else {
                None
            }
        });
    if let Some(c) = &r.case_number
        && !fields::is_oca(c)
    {
        losses.add("case_number", format!("`{c}` is not an NCIC case number"));
    }
    if nic.is_none() && !(r.case_number.is_none() && fields::is_oca(&r.id.native_id)) {
        losses.add(
            "id.native_id",
            format!(
                "native id `{}` is not an NCIC number; the record is identified by OCA",
                r.id.native_id
            ),
        );
    }
    (nic, oca)
}

/// Which required fields a written entry lacks.
fn missing_required(r: &Record, oca: &Option<String>) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if oca.is_none() {
        missing.push("OCA");
    }
    // SEX and RAC are written as U (unknown) when the record does not state them.
    if r.height_cm.is_none() {
        missing.push("HGT");
    }
    match r.kind {
        Kind::Missing => {
            if r.primary_name().is_none() {
                missing.push("NAM");
            }
            if r.last_contact.and_then(|d| d.to_compact()).is_none() {
                missing.push("DLC");
            }
        }
        _ => {
            if r.found_date.and_then(|d| d.to_compact()).is_none()
                && r.estimated_death.and_then(|d| d.to_compact()).is_none()
            {
                missing.push("DBF or EDD");
            }
        }
    }
    missing
}

fn entry_mke(r: &Record) -> Mke {
    match r.kind {
        Kind::Unidentified => match r.condition.unwrap_or(Condition::Deceased) {
            Condition::Deceased => Mke::Eud,
            Condition::Living => Mke::Eul,
            Condition::CatastropheVictim => Mke::Euv,
        },
        _ => match r.entry_category {
            Some(EntryCategory::Disability) => Mke::Emd,
            Some(EntryCategory::Endangered) => Mke::Eme,
            Some(EntryCategory::Involuntary) => Mke::Emi,
            Some(EntryCategory::Juvenile) => Mke::Emj,
            Some(EntryCategory::CatastropheVictim) => Mke::Emv,
            Some(EntryCategory::Other) => Mke::Emo,
            None => {
                // Juvenile when known to be under 21 at last contact (docs/formats/ncic.md).
                let under_21 = match (r.birth_dates.first(), r.last_contact) {
                    (Some(b), Some(l)) => {
                        l.earliest().years_since(b.latest()).is_some_and(|y| y < 21)
                    }
                    _ => r.age.is_some_and(|a| a.max < 21),
                };
                if under_21 { Mke::Emj } else { Mke::Emo }
            }
        },
    }
}

/// The last lifecycle step that brought `r` to its status.
fn closing_event(r: &Record) -> Option<&StatusEvent> {
    r.status_history.iter().rev().find(|e| e.status == r.status)
}

/// The transaction that brings an entry to the status `r` has.
fn closing_transaction(r: &Record) -> Option<Transaction> {
    let ev = closing_event(r);
    let action = match r.status {
        Status::Active => return None,
        Status::Located => Action::Locate,
        Status::Cleared => Action::Clear {
            identified_as: None,
            identified_name: None,
        },
        Status::Identified => Action::Clear {
            identified_as: r.identified_as.clone(),
            identified_name: None,
        },
        Status::Cancelled => Action::Cancel,
        Status::Expired => return None,
    };
    Some(Transaction {
        target: TargetRef {
            kind: Some(r.kind),
            source: r.id.source.clone(),
            native_id: r.id.native_id.clone(),
            name: None,
            case_number: r.case_number.clone(),
        },
        action,
        date: ev.and_then(|e| e.date),
        reason: ev.and_then(|e| e.reason),
        source_updated_at: None,
        by: ev.and_then(|e| e.by.clone()).filter(|b| fields::is_ori(b)),
        extra: Vec::new(),
    })
}

impl NcicWriter {
    /// The lines for one record (its entry, and its closing transaction if closed).
    pub fn record_lines(&self, r: &Record) -> (Vec<String>, Vec<Loss>) {
        let mut losses = Losses {
            id: &r.id,
            list: Vec::new(),
        };
        if r.kind == Kind::Unclaimed {
            losses.leave_out(
                "kind",
                "not written: NCIC has no file for unclaimed persons",
            );
            return (Vec::new(), losses.list);
        }
        if r.status == Status::Expired {
            losses.leave_out(
                "status",
                "not written: an expired record is a placeholder and NCIC has no expiry",
            );
            return (Vec::new(), losses.list);
        }
        // An entry needs SEX and RAC: a record that does not state them is entered as U
        // (unknown), which is what NCIC's code tables say for it.
        let filled;
        let r = if r.sex.is_none() || r.race.is_none() {
            let mut f = r.clone();
            if f.sex.is_none() {
                losses.add(
                    "sex",
                    "not stated: entered as SEX/U (reads back as unknown)",
                );
                f.sex = Some(Sex::Unknown);
            }
            if f.race.is_none() {
                losses.add(
                    "race",
                    "not stated: entered as RAC/U (reads back as unknown)",
                );
                f.race = Some(Race::Unknown);
            }
            filled = f;
            &filled
        } else {
            r
        };
        let ori = ori_of(&r.id, r.agency.ori.as_deref(), &mut losses);
        let (nic, oca) = identity(r, &mut losses);
        let missing = missing_required(r, &oca);
        if !missing.is_empty() {
            losses.leave_out(
                "record",
                format!(
                    "not written: NCIC requires {} in an entry",
                    missing.join(", ")
                ),
            );
            return (Vec::new(), losses.list);
        }
        let mut line = Line::new(entry_mke(r), &ori);
        if let Some(n) = &nic {
            line.field("NIC", n);
        }
        if let Some(o) = &oca {
            line.field("OCA", o);
        }
        descriptive_fields(r, &mut line, &mut losses);
        let mut lines = vec![line.text];
        if let Some(mut t) = closing_transaction(r) {
            // Identify the record as its entry does.
            t.target.native_id = nic.clone().unwrap_or_default();
            t.target.case_number = oca.clone();
            if let Some(n) = r.primary_name() {
                t.target.name = nam_value(
                    n,
                    "names[0]",
                    &mut Losses {
                        id: &r.id,
                        list: Vec::new(),
                    },
                );
            }
            let (l, lost) = transaction_line(&t, &ori, &r.id);
            losses.list.extend(lost);
            lines.extend(l);
        }
        (lines, losses.list)
    }
}

/// The message for a transaction (none when NCIC cannot express it).
fn transaction_line(
    t: &Transaction,
    default_ori: &str,
    id: &RecordId,
) -> (Option<String>, Vec<Loss>) {
    let mut losses = Losses {
        id,
        list: Vec::new(),
    };
    let unidentified = t.target.kind == Some(Kind::Unidentified)
        || (t.target.kind.is_none() && t.target.native_id.starts_with('U'));
    let kind = if unidentified {
        Kind::Unidentified
    } else {
        Kind::Missing
    };
    if !fields::is_nic(&t.target.native_id) {
        losses.add(
            "target",
            format!(
                "{} not written: NCIC names records by NIC and `{}` is not one",
                t.action.name(),
                t.target.native_id
            ),
        );
        return (None, losses.list);
    }
    let mke = match (&t.action, unidentified) {
        (Action::Modify { .. }, false) => Mke::Mm,
        (Action::Modify { .. }, true) => Mke::Mu,
        (Action::Cancel, false) => Mke::Xm,
        (Action::Cancel, true) => Mke::Xu,
        (Action::Locate, false) => Mke::Lm,
        (Action::Clear { .. }, false) => Mke::Cm,
        (Action::Clear { .. }, true) => Mke::Cu,
        (a, _) => {
            losses.add(
                "action",
                format!(
                    "{} not written: NCIC has no such message for a {} record",
                    a.name(),
                    kind.as_str()
                ),
            );
            return (None, losses.list);
        }
    };
    let ori =
        t.by.as_deref()
            .filter(|o| fields::is_ori(o))
            .unwrap_or(default_ori);
    let mut line = Line::new(mke, ori);
    line.field("NIC", &t.target.native_id);
    let name = t
        .target
        .name
        .as_deref()
        .filter(|n| fields::parse_name(n, NameRole::Primary).is_ok());
    let oca = t
        .target
        .case_number
        .as_deref()
        .filter(|c| fields::is_oca(c));
    let needs_name = matches!(mke, Mke::Lm);
    let needs_oca = matches!(mke, Mke::Mu | Mke::Xu | Mke::Cu);
    if let Some(n) = name.filter(|_| !matches!(mke, Mke::Cu)) {
        line.field("NAM", n);
    }
    if let Some(o) = oca {
        line.field("OCA", o);
    }
    let identified = name.is_some() || oca.is_some();
    if (needs_name && name.is_none()) || (needs_oca && oca.is_none()) || !identified {
        losses.add(
            "target",
            format!(
                "{} not written: NCIC requires {} to identify the record",
                mke.code(),
                if needs_oca { "OCA" } else { "NAM" }
            ),
        );
        return (None, losses.list);
    }
    let date = |losses: &mut Losses<'_>, code: &str| -> Option<String> {
        match t.date.as_ref().and_then(|d| d.to_compact()) {
            Some(d) => Some(d),
            None => {
                losses.add(
                    "date",
                    format!("{} not written: it needs a full date ({code})", mke.code()),
                );
                None
            }
        }
    };
    match &t.action {
        Action::Modify { patch, .. } => {
            let mut p = (**patch).clone();
            // Identity fields are not changed by a modify.
            p.names.retain(|n| n.role != NameRole::Primary);
            let mut sub = Losses {
                id,
                list: Vec::new(),
            };
            let before = line.text.len();
            descriptive_fields(&p, &mut line, &mut sub);
            losses.list.extend(
                sub.list
                    .into_iter()
                    .filter(|l| !l.detail.starts_with("not written: NCIC has no slot")),
            );
            if line.text.len() == before {
                losses.add(
                    "patch",
                    format!("{} not written: it changes nothing NCIC holds", mke.code()),
                );
                return (None, losses.list);
            }
        }
        Action::Locate => {
            let Some(d) = date(&mut losses, "DOR") else {
                return (None, losses.list);
            };
            line.field("DOR", &d);
            if let Some(r) = t.reason {
                line.field("RPS", r.ncic());
            }
        }
        Action::Clear {
            identified_as,
            identified_name,
        } => {
            let Some(d) = date(&mut losses, "DCL") else {
                return (None, losses.list);
            };
            line.field("DCL", &d);
            match (t.reason, mke) {
                (Some(r), _) => line.field("RPS", r.ncic()),
                (None, Mke::Cm) => {
                    losses.add("reason", "CM not written: it needs a reason (RPS)");
                    return (None, losses.list);
                }
                _ => {}
            }
            if mke == Mke::Cu {
                if let Some(idn) = identified_as {
                    if fields::is_nic(idn) && idn.starts_with('M') {
                        line.field("IDN", idn);
                    } else {
                        losses.add(
                            "identified_as",
                            format!("`{idn}` is not an NCIC number (IDN)"),
                        );
                    }
                }
                if let Some(n) = identified_name
                    && let Some(v) = nam_value(n, "identified_name", &mut losses)
                {
                    line.field("NAM", &v);
                }
            }
        }
        Action::Cancel | Action::Note { .. } | Action::Expire { .. } => {}
    }
    for x in &t.extra {
        if x.format == NAME {
            line.field(&x.key, &x.value);
        } else {
            losses.add(
                "extra",
                format!("{} field `{}` has no NCIC slot", x.format, x.key),
            );
        }
    }
    (Some(line.text), losses.list)
}

impl Writer for NcicWriter {
    fn begin(&mut self, _out: &mut dyn Write) -> Result<(), WriteError> {
        Ok(())
    }

    fn record(&mut self, out: &mut dyn Write, record: &Record) -> Result<Vec<Loss>, WriteError> {
        let (lines, losses) = self.record_lines(record);
        for l in lines {
            out.write_all(l.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(losses)
    }

    fn transaction(
        &mut self,
        out: &mut dyn Write,
        transaction: &Transaction,
    ) -> Result<Vec<Loss>, WriteError> {
        let id = RecordId::new(&transaction.target.source, &transaction.target.native_id);
        let ori = if fields::is_ori(&transaction.target.source) {
            transaction.target.source.clone()
        } else {
            PLACEHOLDER_ORI.to_string()
        };
        let (line, losses) = transaction_line(transaction, &ori, &id);
        if let Some(l) = line {
            out.write_all(l.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(losses)
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<(), WriteError> {
        out.flush()?;
        Ok(())
    }
}
