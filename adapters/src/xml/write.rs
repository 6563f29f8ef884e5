//! Canonical records and transactions → clearinghouse XML.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use homeward_schemas::{
    Action, Kind, Mark, Name, NameRole, PartialDate, Place, Range, Record, RecordId, Side, Status,
    StatusReason, TextKind, Transaction, translit,
};

use super::read::{is_country_code, is_state_code, sender_may_send_unclaimed};
use super::{CH_NS, ISO_NS, J_NS, NAME, NC_NS, STRUCTURES_NS};
use crate::format::{WriteContext, WriteError, Writer};
use crate::item::Loss;
use crate::xmlcore::{XmlOut, decimal};

/// Writes one `ch:ClearinghouseExchange` document.
#[derive(Debug)]
pub struct XmlWriter {
    ctx: WriteContext,
}

impl XmlWriter {
    pub fn new(ctx: WriteContext) -> Self {
        Self { ctx }
    }
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An NCIC-style mark place: `L ARM`, `NAVL`.
pub(crate) fn mark_place(m: &Mark) -> String {
    match m.side {
        Some(Side::Left) => format!("L {}", m.part),
        Some(Side::Right) => format!("R {}", m.part),
        None => m.part.clone(),
    }
}

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

    fn not_held(&mut self, set: bool, field: &str, why: &str) {
        if set {
            self.add(field, format!("not written: {why}"));
        }
    }
}

fn report_element(kind: Kind) -> &'static str {
    match kind {
        Kind::Missing => "ch:MissingPersonReport",
        Kind::Unidentified => "ch:UnidentifiedPersonReport",
        Kind::Unclaimed => "ch:UnclaimedPersonReport",
    }
}

/// The header elements every report starts with.
struct Header<'a> {
    case_id: &'a str,
    action: &'a str,
    org_name: Option<&'a str>,
    ori: Option<&'a str>,
    report_time: Option<&'a DateTime<Utc>>,
    nic: Option<&'a str>,
}

fn header(o: &mut XmlOut, h: &Header<'_>) {
    o.open("ch:CaseIdentification")
        .leaf("nc:IdentificationID", h.case_id)
        .close("ch:CaseIdentification");
    o.leaf("ch:ReportAction", h.action);
    if h.org_name.is_some() || h.ori.is_some() {
        o.open("ch:ReportingAgency")
            .opt_leaf("nc:OrganizationName", h.org_name)
            .opt_leaf("ch:AgencyORI", h.ori)
            .close("ch:ReportingAgency");
    }
    if let Some(t) = h.report_time {
        o.leaf("ch:ReportDateTime", &time(t));
    }
    if let Some(nic) = h.nic {
        o.open("j:PersonNCICIdentification")
            .leaf("nc:IdentificationID", nic)
            .close("j:PersonNCICIdentification");
    }
}

fn date_type(o: &mut XmlOut, element: &str, d: &PartialDate) {
    let inner = match (d.month(), d.day()) {
        (Some(_), Some(_)) => "nc:Date",
        (Some(_), None) => "nc:YearMonthDate",
        _ => "nc:YearDate",
    };
    o.open(element).leaf(inner, &d.to_string()).close(element);
}

/// The country as `iso_3166:CountryAlpha2Code` takes it (two capital letters), or `None` with
/// a `Loss` when it is not one; a lower-case code is written in capitals, with a `Loss`.
fn country_code(p: &Place, field: &str, l: &mut Losses<'_>) -> Option<String> {
    let c = p.country.as_deref()?;
    if is_country_code(c) {
        return Some(c.to_string());
    }
    let upper = c.trim().to_ascii_uppercase();
    if is_country_code(&upper) {
        l.add(
            format!("{field}.country"),
            format!("`{c}` written as `{upper}` (ISO 3166-1 alpha-2)"),
        );
        Some(upper)
    } else {
        l.add(
            format!("{field}.country"),
            format!("not written: `{c}` is not an ISO 3166-1 alpha-2 code"),
        );
        None
    }
}

/// The region as `iso_3166:StateCode` takes it (ISO 3166-2, `US-TX`), or `None` with a `Loss`.
/// A bare subdivision code (`TX`, as PFIF and `gmcn:last_seen region` feeds give it) is
/// written with its country in front (`US-TX`) when the place has a country, with a `Loss`:
/// the reader refuses a report whose state code does not have the ISO 3166-2 shape, so a
/// region written as it is would make the whole report unreadable.
fn state_code(p: &Place, country: Option<&str>, field: &str, l: &mut Losses<'_>) -> Option<String> {
    let r = p.region.as_deref()?;
    if is_state_code(r) {
        return Some(r.to_string());
    }
    let upper = r.trim().to_ascii_uppercase();
    let full = match country {
        Some(c) if !upper.contains('-') => format!("{c}-{upper}"),
        _ => upper,
    };
    if is_state_code(&full) {
        l.add(
            format!("{field}.region"),
            format!("`{r}` written as the ISO 3166-2 code `{full}`"),
        );
        Some(full)
    } else {
        l.add(
            format!("{field}.region"),
            format!("not written: `{r}` is not an ISO 3166-2 subdivision code"),
        );
        None
    }
}

fn location(o: &mut XmlOut, element: &str, p: &Place, field: &str, l: &mut Losses<'_>) {
    o.open(element);
    let country = country_code(p, field, l);
    let region = state_code(p, country.as_deref(), field, l);
    if p.city.is_some() || region.is_some() || country.is_some() || p.postal_code.is_some() {
        o.open("nc:Address")
            .opt_leaf("nc:AddressCityName", p.city.as_deref());
        if let Some(r) = &region {
            o.open("nc:AddressState")
                .leaf("iso_3166:StateCode", r)
                .close("nc:AddressState");
        }
        if let Some(c) = &country {
            o.open("nc:AddressCountry")
                .leaf("iso_3166:CountryAlpha2Code", c)
                .close("nc:AddressCountry");
        }
        o.opt_leaf("nc:AddressPostalCode", p.postal_code.as_deref())
            .close("nc:Address");
    }
    match (p.lat, p.lon) {
        (Some(lat), Some(lon)) => {
            o.open("nc:Location2DGeospatialCoordinate")
                .open("nc:GeographicCoordinateLatitude")
                .leaf("nc:LatitudeDegreeValue", &decimal(lat))
                .close("nc:GeographicCoordinateLatitude")
                .open("nc:GeographicCoordinateLongitude")
                .leaf("nc:LongitudeDegreeValue", &decimal(lon))
                .close("nc:GeographicCoordinateLongitude")
                .close("nc:Location2DGeospatialCoordinate");
        }
        (None, None) => {}
        _ => l.add(
            format!("{field}.lat/lon"),
            "not written: NIEM needs both latitude and longitude",
        ),
    }
    o.opt_leaf("nc:LocationName", p.name.as_deref());
    o.close(element);
    l.not_held(
        p.street.is_some(),
        &format!("{field}.street"),
        "no street slot",
    );
    l.not_held(
        p.neighborhood.is_some(),
        &format!("{field}.neighborhood"),
        "no neighbourhood slot",
    );
}

fn name_parts(o: &mut XmlOut, n: &Name) {
    let lang = n.lang.as_deref();
    o.open("nc:PersonName");
    for (el, v) in [
        ("nc:PersonGivenName", &n.given),
        ("nc:PersonMiddleName", &n.middle),
        ("nc:PersonSurName", &n.family),
        ("nc:PersonNameSuffixText", &n.suffix),
        ("nc:PersonFullName", &n.full),
    ] {
        if let Some(v) = v {
            o.open_attrs(el, &[("xml:lang", lang)], false)
                .text(v)
                .close(el);
        }
    }
    o.close("nc:PersonName");
}

/// Writes the names; returns what could not be held.
fn names(o: &mut XmlOut, r: &Record, l: &mut Losses<'_>) {
    for (i, n) in r.names.iter().enumerate() {
        name_parts(o, n);
        if n.role != NameRole::Primary {
            l.add(
                format!("names[{i}].role"),
                "written as another nc:PersonName: XML has no alias or alternate-name role",
            );
        }
        let shown = n.display();
        if let Some(s) = &n.script
            && !shown.trim().is_empty()
            && s != translit::detect_script(&shown)
        {
            l.add(
                format!("names[{i}].script"),
                "not written: XML has no script slot",
            );
        }
        if let Some(lat) = &n.latin
            && !lat.computed
        {
            let latin = Name {
                role: NameRole::Primary,
                full: lat.full.clone(),
                given: lat.given.clone(),
                family: lat.family.clone(),
                ..Name::default()
            };
            name_parts(o, &latin);
            l.add(
                format!("names[{i}].latin"),
                "written as a separate nc:PersonName: XML does not link it to the original script",
            );
        }
    }
}

fn measure(o: &mut XmlOut, element: &str, v: &Range, unit: &str, field: &str, l: &mut Losses<'_>) {
    if !v.is_exact() {
        l.add(
            field,
            format!("range {}..{} written as its midpoint", v.min, v.max),
        );
    }
    o.open(element)
        .leaf("nc:MeasureDecimalValue", &decimal(v.mid()))
        .leaf("nc:MeasureUnitText", unit)
        .close(element);
}

fn feature(o: &mut XmlOut, m: &Mark) {
    o.open("nc:PersonPhysicalFeature")
        .leaf("nc:PhysicalFeatureCategoryText", m.kind.ncic())
        .opt_leaf("nc:PhysicalFeatureDescriptionText", m.text.as_deref());
    if !m.part.is_empty() || m.side.is_some() {
        o.leaf("nc:PhysicalFeatureLocationText", &mark_place(m));
    }
    o.close("nc:PersonPhysicalFeature");
}

/// `j:PersonSexCode`, `j:PersonRaceCode` (the `ch:UnidentifiedPerson` order).
fn sex_race(o: &mut XmlOut, r: &Record) {
    if let Some(s) = r.sex {
        o.leaf("j:PersonSexCode", s.niem());
    }
    if let Some(x) = r.race {
        o.leaf("j:PersonRaceCode", x.niem());
    }
}

fn eye_hair(o: &mut XmlOut, r: &Record) {
    if let Some(e) = r.eye {
        o.leaf("j:PersonEyeColorCode", e.niem());
    }
    if let Some(h) = r.hair {
        o.leaf("j:PersonHairColorCode", h.niem());
    }
}

/// The body of a report (after the header), per kind.
fn body(o: &mut XmlOut, r: &Record, l: &mut Losses<'_>) {
    match r.kind {
        Kind::Missing => {
            o.open("j:MissingPerson").open("nc:RoleOfPerson");
            for d in &r.birth_dates {
                date_type(o, "nc:PersonBirthDate", d);
            }
            for t in r.texts.iter().filter(|t| t.kind == TextKind::Description) {
                o.open_attrs(
                    "nc:PersonDescriptionText",
                    &[("xml:lang", t.lang.as_deref())],
                    false,
                )
                .text(&t.text)
                .close("nc:PersonDescriptionText");
            }
            for p in &r.photos {
                o.open("nc:PersonDigitalImage")
                    .leaf("nc:BinaryURI", &p.url)
                    .close("nc:PersonDigitalImage");
            }
            eye_hair(o, r);
            if let Some(h) = &r.height_cm {
                measure(o, "nc:PersonHeightMeasure", h, "centimeter", "height_cm", l);
            }
            names(o, r, l);
            for m in &r.marks {
                feature(o, m);
            }
            if let Some(x) = r.race {
                o.leaf("j:PersonRaceCode", x.niem());
            }
            if let Some(s) = r.sex {
                o.leaf("j:PersonSexCode", s.niem());
            }
            if let Some(w) = &r.weight_kg {
                measure(o, "nc:PersonWeightMeasure", w, "kilogram", "weight_kg", l);
            }
            o.close("nc:RoleOfPerson");
            for t in r.texts.iter().filter(|t| t.kind == TextKind::Circumstances) {
                o.open_attrs(
                    "j:MissingPersonCircumstanceText",
                    &[("xml:lang", t.lang.as_deref())],
                    false,
                )
                .text(&t.text)
                .close("j:MissingPersonCircumstanceText");
            }
            if let Some(d) = &r.last_contact {
                date_type(o, "j:MissingPersonLastSeenDate", d);
            }
            if let Some(p) = &r.last_seen {
                location(o, "j:MissingPersonLastSeenLocation", p, "last_seen", l);
            }
            o.close("j:MissingPerson");
        }
        Kind::Unidentified => {
            o.open("ch:UnidentifiedPerson");
            sex_race(o, r);
            eye_hair(o, r);
            for m in &r.marks {
                feature(o, m);
            }
            o.close("ch:UnidentifiedPerson");
            if let Some(a) = &r.age {
                o.open("ch:EstimatedAgeRange")
                    .leaf("ch:MinimumYears", &a.min.to_string())
                    .leaf("ch:MaximumYears", &a.max.to_string())
                    .close("ch:EstimatedAgeRange");
                l.not_held(
                    a.as_of.is_some(),
                    "age.as_of",
                    "no slot for the age's reference date",
                );
            }
            if let Some(h) = &r.height_cm {
                o.open("ch:EstimatedHeightRange")
                    .leaf("ch:MinimumCentimeters", &decimal(h.min))
                    .leaf("ch:MaximumCentimeters", &decimal(h.max))
                    .close("ch:EstimatedHeightRange");
            }
            if let Some(w) = &r.weight_kg {
                if w.is_exact() {
                    o.leaf("ch:EstimatedWeightKilograms", &decimal(w.min));
                } else {
                    o.open("ch:EstimatedWeightRange")
                        .leaf("ch:MinimumKilograms", &decimal(w.min))
                        .leaf("ch:MaximumKilograms", &decimal(w.max))
                        .close("ch:EstimatedWeightRange");
                }
            }
            if let Some(d) = &r.found_date {
                o.leaf("ch:DateFound", &d.to_string());
            }
            if let Some(d) = &r.estimated_death {
                o.leaf("ch:EstimatedDeathDate", &d.to_string());
            }
            if let Some(p) = &r.found_place {
                location(o, "ch:FoundLocation", p, "found_place", l);
            }
            if let Some(c) = r.condition {
                o.leaf("ch:Condition", c.as_str());
            }
            o.opt_leaf("ch:BodyPartsStatus", r.body_parts.as_deref());
            if let Some(d) = &r.dental {
                o.leaf("ch:DentalCharacteristics", &d.code());
            }
            if let Some(b) = r.dna_available {
                o.leaf(
                    "ch:DNASampleAvailableIndicator",
                    if b { "true" } else { "false" },
                );
            }
            if let Some(b) = r.fingerprints_available {
                o.leaf(
                    "ch:FingerprintsAvailableIndicator",
                    if b { "true" } else { "false" },
                );
            }
        }
        Kind::Unclaimed => {
            o.open("ch:DeceasedPerson");
            names(o, r, l);
            for d in &r.birth_dates {
                date_type(o, "nc:PersonBirthDate", d);
            }
            sex_race(o, r);
            o.close("ch:DeceasedPerson");
            if let Some(d) = &r.death_date {
                o.leaf("ch:DateOfDeath", &d.to_string());
            }
            if let Some(p) = &r.death_place {
                location(o, "ch:DeathLocation", p, "death_place", l);
            }
        }
    }
}

/// Fields of `r` the report of its kind has no slot for.
fn record_losses(r: &Record, l: &mut Losses<'_>) {
    let k = r.kind;
    let m = k == Kind::Missing;
    let u = k == Kind::Unidentified;
    let c = k == Kind::Unclaimed;
    let kind = k.as_str();
    let why = format!("no slot in a {kind} report");
    l.not_held(r.agency.code.is_some(), "agency.code", "no slot");
    l.not_held(r.agency.country.is_some(), "agency.country", "no slot");
    l.not_held(
        r.case_number.is_some(),
        "case_number",
        "no slot (the case identification is the native id)",
    );
    l.not_held(r.entry_category.is_some(), "entry_category", "no slot");
    l.not_held(r.missing_type.is_some(), "missing_type", "no slot");
    l.not_held(r.circumstance.is_some(), "circumstance", "no slot");
    l.not_held(r.case_category.is_some(), "case_category", "no slot");
    l.not_held(!u && r.condition.is_some(), "condition", &why);
    l.not_held(u && !r.names.is_empty(), "names", &why);
    l.not_held(r.ethnicity.is_some(), "ethnicity", "no slot");
    l.not_held(u && !r.birth_dates.is_empty(), "birth_dates", &why);
    l.not_held(r.birth_year.is_some(), "birth_year", "no slot");
    l.not_held(!u && r.age.is_some(), "age", &why);
    l.not_held(r.place_of_birth.is_some(), "place_of_birth", "no slot");
    l.not_held(r.citizenship.is_some(), "citizenship", "no slot");
    l.not_held(c && r.height_cm.is_some(), "height_cm", &why);
    l.not_held(c && r.weight_kg.is_some(), "weight_kg", &why);
    l.not_held(c && r.eye.is_some(), "eye", &why);
    l.not_held(c && r.hair.is_some(), "hair", &why);
    l.not_held(r.skin.is_some(), "skin", "no slot");
    l.not_held(c && !r.marks.is_empty(), "marks", &why);
    l.not_held(!u && r.dental.is_some(), "dental", &why);
    l.not_held(r.dental_xrays.is_some(), "dental_xrays", "no slot");
    l.not_held(!u && r.body_parts.is_some(), "body_parts", &why);
    l.not_held(r.blood_type.is_some(), "blood_type", "no slot");
    l.not_held(r.circumcision.is_some(), "circumcision", "no slot");
    l.not_held(
        r.fingerprint_class.is_some(),
        "fingerprint_class",
        "no slot",
    );
    l.not_held(
        !u && r.fingerprints_available.is_some(),
        "fingerprints_available",
        &why,
    );
    l.not_held(!u && r.dna_available.is_some(), "dna_available", &why);
    l.not_held(!r.jewellery.is_empty(), "jewellery", "no slot");
    l.not_held(!r.identifiers.is_empty(), "identifiers", "no slot");
    l.not_held(r.caution.is_some(), "caution", "no slot");
    l.not_held(!m && !r.photos.is_empty(), "photos", &why);
    for (i, p) in r.photos.iter().enumerate().filter(|_| m) {
        l.not_held(
            p.sha256.is_some(),
            &format!("photos[{i}].sha256"),
            "no digest slot",
        );
        l.not_held(
            p.media_type.is_some(),
            &format!("photos[{i}].media_type"),
            "no media type slot",
        );
        l.not_held(
            p.taken.is_some(),
            &format!("photos[{i}].taken"),
            "no date slot",
        );
        if p.primary != (i == 0) {
            l.add(
                format!("photos[{i}].primary"),
                "XML marks only the first image as the identifying one",
            );
        }
    }
    for (i, t) in r.texts.iter().enumerate() {
        let held = m && t.kind != TextKind::Remarks;
        l.not_held(
            !held,
            &format!("texts[{i}]"),
            &format!("no slot for {:?} text in a {kind} report", t.kind),
        );
    }
    l.not_held(!m && r.last_contact.is_some(), "last_contact", &why);
    l.not_held(!u && r.found_date.is_some(), "found_date", &why);
    l.not_held(!u && r.estimated_death.is_some(), "estimated_death", &why);
    l.not_held(!c && r.death_date.is_some(), "death_date", &why);
    l.not_held(!m && r.last_seen.is_some(), "last_seen", &why);
    l.not_held(!u && r.found_place.is_some(), "found_place", &why);
    l.not_held(!c && r.death_place.is_some(), "death_place", &why);
    l.not_held(r.home.is_some(), "home", "no residence slot");
    l.not_held(!r.notes.is_empty(), "notes", "no slot for PFIF notes");
    l.not_held(!r.linked_records.is_empty(), "linked_records", "no slot");
    l.not_held(r.identified_as.is_some(), "identified_as", "no slot");
    l.not_held(r.expiry_date.is_some(), "expiry_date", "no slot");
    l.not_held(
        !r.provenance.is_empty(),
        "provenance",
        "no slot for PFIF provenance",
    );
    for (i, e) in r.extra.iter().enumerate() {
        l.not_held(
            e.format != NAME,
            &format!("extra[{i}]"),
            &format!("field `{}` of format {}", e.key, e.format),
        );
    }
}

fn additional(o: &mut XmlOut, extras: &[homeward_schemas::Extra]) {
    for e in extras.iter().filter(|e| e.format == NAME) {
        o.open_attrs(
            "ch:AdditionalField",
            &[("name", Some(e.key.as_str()))],
            false,
        )
        .text(&e.value)
        .close("ch:AdditionalField");
    }
}

impl XmlWriter {
    /// Whether a report of `kind` cannot go under this document's sender: the reader takes
    /// unclaimed-person reports only from a medical examiner or coroner
    /// ([`sender_may_send_unclaimed`]), so one written under another sender would come back as
    /// a rejection. Such a report is left out, with a `Loss`.
    fn unclaimed_refused(&self, kind: Kind, l: &mut Losses<'_>) -> bool {
        if kind != Kind::Unclaimed || sender_may_send_unclaimed(&self.ctx.sender) {
            return false;
        }
        l.leave_out(
            "kind",
            format!(
                "not written: clearinghouse XML takes unclaimed-person reports only from a medical examiner or coroner, and the document's sender `{}` is neither (write with a sender such as `XX-ME`)",
                self.ctx.sender
            ),
        );
        true
    }

    fn source_loss(&self, id: &RecordId, source: &str, l: &mut Losses<'_>) {
        let _ = id;
        if source != self.ctx.sender {
            l.add(
                "id.source",
                format!(
                    "not written: the document's sender is `{}`; receivers file the record under it",
                    self.ctx.sender
                ),
            );
        }
    }

    fn entry(&self, o: &mut XmlOut, r: &Record, action: &str, l: &mut Losses<'_>) {
        let el = report_element(r.kind);
        o.open(el);
        header(
            o,
            &Header {
                case_id: &r.id.native_id,
                action,
                org_name: r.agency.name.as_deref(),
                ori: r.agency.ori.as_deref(),
                report_time: r.source_updated_at.as_ref(),
                nic: r.nic.as_deref(),
            },
        );
        body(o, r, l);
        additional(o, &r.extra);
        o.close(el);
        o.raw("\n");
    }

    fn status_report(&self, o: &mut XmlOut, t: &Transaction, l: &mut Losses<'_>) -> bool {
        let action = match &t.action {
            Action::Cancel => "cancel",
            Action::Locate => "locate",
            Action::Clear {
                identified_as,
                identified_name,
            } => {
                l.not_held(
                    identified_as.is_some(),
                    "identified_as",
                    "no slot in a clear report",
                );
                l.not_held(
                    identified_name.is_some(),
                    "identified_name",
                    "no slot in a clear report",
                );
                "clear"
            }
            Action::Modify { patch, full } => {
                if !full {
                    l.leave_out(
                        "action",
                        "not written: a partial modify has no XML form (a modify report carries the whole record)",
                    );
                    return false;
                }
                record_losses(patch, l);
                self.entry(o, patch, "modify", l);
                return true;
            }
            Action::Note { .. } => {
                l.leave_out("action", "not written: XML has no notes");
                return false;
            }
            Action::Expire { .. } => {
                l.leave_out("action", "not written: XML has no expiry");
                return false;
            }
        };
        let kind = t.target.kind.unwrap_or(Kind::Missing);
        l.not_held(t.target.name.is_some(), "target.name", "no slot");
        l.not_held(
            t.target.case_number.is_some(),
            "target.case_number",
            "no slot",
        );
        let find = |k: &str| {
            t.extra
                .iter()
                .find(|e| e.format == NAME && e.key == k)
                .map(|e| e.value.as_str())
        };
        let org_key = "ch:ReportingAgency/nc:OrganizationName";
        let nic_key = "j:PersonNCICIdentification/nc:IdentificationID";
        let el = report_element(kind);
        o.open(el);
        header(
            o,
            &Header {
                case_id: &t.target.native_id,
                action,
                org_name: find(org_key),
                ori: t.by.as_deref(),
                report_time: t.source_updated_at.as_ref(),
                nic: find(nic_key),
            },
        );
        if let Some(d) = &t.date {
            o.leaf("ch:ActionDate", &d.to_string());
        }
        if let Some(r) = t.reason {
            o.leaf("ch:ActionReasonText", r.ncic());
        }
        let rest: Vec<_> = t
            .extra
            .iter()
            .filter(|e| e.key != org_key && e.key != nic_key)
            .cloned()
            .collect();
        for (i, e) in rest.iter().enumerate() {
            l.not_held(
                e.format != NAME,
                &format!("extra[{i}]"),
                &format!("field `{}` of format {}", e.key, e.format),
            );
        }
        additional(o, &rest);
        o.close(el);
        o.raw("\n");
        true
    }
}

/// The transaction that closed `r` (its status is not active), from its last status event.
pub(crate) fn closing_transaction(r: &Record) -> Option<Transaction> {
    let ev = r.status_history.iter().rev().find(|e| e.status == r.status);
    let action = match r.status {
        Status::Active | Status::Expired => return None,
        Status::Located => Action::Locate,
        Status::Cancelled => Action::Cancel,
        Status::Cleared | Status::Identified => Action::Clear {
            identified_as: None,
            identified_name: None,
        },
    };
    let reason = ev
        .and_then(|e| e.reason)
        .or((r.status == Status::Identified).then_some(StatusReason::Identified));
    Some(Transaction {
        target: homeward_schemas::TargetRef {
            kind: Some(r.kind),
            source: r.id.source.clone(),
            native_id: r.id.native_id.clone(),
            name: None,
            case_number: None,
        },
        action,
        date: ev.and_then(|e| e.date),
        reason,
        source_updated_at: r.source_updated_at,
        by: ev.and_then(|e| e.by.clone()),
        extra: Vec::new(),
    })
}

impl Writer for XmlWriter {
    fn begin(&mut self, out: &mut dyn Write) -> Result<(), WriteError> {
        let mut o = XmlOut::new();
        o.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        o.raw(&format!(
            "<ch:ClearinghouseExchange xmlns:ch=\"{CH_NS}\" xmlns:nc=\"{NC_NS}\" xmlns:j=\"{J_NS}\" xmlns:iso_3166=\"{ISO_NS}\" xmlns:structures=\"{STRUCTURES_NS}\">\n"
        ));
        o.open("ch:ExchangeHeader")
            .leaf("ch:SenderIdentification", &self.ctx.sender)
            .leaf("ch:ExchangeDateTime", &time(&self.ctx.now))
            .close("ch:ExchangeHeader")
            .raw("\n");
        out.write_all(o.buf.as_bytes())?;
        Ok(())
    }

    fn record(&mut self, out: &mut dyn Write, r: &Record) -> Result<Vec<Loss>, WriteError> {
        let mut l = Losses {
            id: &r.id,
            list: Vec::new(),
        };
        if r.status == Status::Expired {
            l.leave_out(
                "status",
                "not written: XML has no expiry placeholder; an expired record is not served",
            );
            return Ok(l.list);
        }
        if r.kind != Kind::Unidentified && r.names.is_empty() {
            l.leave_out(
                "names",
                "not written: a missing or unclaimed report needs a name",
            );
            return Ok(l.list);
        }
        if self.unclaimed_refused(r.kind, &mut l) {
            return Ok(l.list);
        }
        self.source_loss(&r.id, &r.id.source, &mut l);
        record_losses(r, &mut l);
        let mut o = XmlOut::new();
        self.entry(&mut o, r, "enter", &mut l);
        if let Some(t) = closing_transaction(r) {
            let events = r
                .status_history
                .iter()
                .filter(|e| e.status != Status::Active)
                .count();
            if events > 1 {
                l.add(
                    "status_history",
                    "only the event that set the current status is written",
                );
            }
            if r.status == Status::Identified {
                l.add(
                    "status",
                    "identified written as a clear with reason IDENTIFIED",
                );
            }
            if let Some(ev) = r.status_history.iter().rev().find(|e| e.status == r.status) {
                l.not_held(
                    ev.note_record_id.is_some(),
                    "status_history.note_record_id",
                    "no slot",
                );
            }
            self.status_report(&mut o, &t, &mut l);
        }
        if o.removed_chars {
            l.add("text", "characters XML 1.0 cannot carry were removed");
        }
        out.write_all(o.buf.as_bytes())?;
        Ok(l.list)
    }

    fn transaction(
        &mut self,
        out: &mut dyn Write,
        t: &Transaction,
    ) -> Result<Vec<Loss>, WriteError> {
        let id = RecordId::new(t.target.source.clone(), t.target.native_id.clone());
        let mut l = Losses {
            id: &id,
            list: Vec::new(),
        };
        let kind = match &t.action {
            Action::Modify { patch, .. } => patch.kind,
            _ => t.target.kind.unwrap_or(Kind::Missing),
        };
        if self.unclaimed_refused(kind, &mut l) {
            return Ok(l.list);
        }
        self.source_loss(&id, &t.target.source, &mut l);
        let mut o = XmlOut::new();
        if self.status_report(&mut o, t, &mut l) {
            if o.removed_chars {
                l.add("text", "characters XML 1.0 cannot carry were removed");
            }
            out.write_all(o.buf.as_bytes())?;
        }
        Ok(l.list)
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<(), WriteError> {
        out.write_all(b"</ch:ClearinghouseExchange>\n")?;
        Ok(())
    }
}
