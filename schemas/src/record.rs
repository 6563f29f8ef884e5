//! The canonical record: one shape every format maps into and out of.
//!
//! Field by field documentation lives on the types (and so in the generated JSON Schema,
//! `schemas/json/record.schema.json`). Conventions:
//!
//! - absent (`null` / missing key) means *the source said nothing*; a code's `unknown` value
//!   means *the source said it is unknown* (NCIC `XXX`, `U`). Writers keep that difference.
//! - heights in centimetres, weights in kilograms, as ranges (`min == max` for a single value).
//! - dates are [`PartialDate`]s (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`); instants are UTC RFC 3339.
//! - anything a source sent for which the record has no slot goes to `extra`, verbatim, so a
//!   round trip through the same format reproduces it.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codes::*;
use crate::date::PartialDate;
use crate::translit;
use crate::units::Range;

/// Version of the canonical schema. Bump on any change that an older reader would misread;
/// readers accept records of this version or older.
pub const SCHEMA_VERSION: u32 = 1;

fn schema_version() -> u32 {
    SCHEMA_VERSION
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Identity of a record: which source sent it and what the source calls it.
///
/// Records are keyed by `(source, native_id)`. `native_id` is exactly as the source wrote it
/// (NCIC `NIC`, XML case identification, PFIF `person_record_id`) and is what every output names.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema,
)]
pub struct RecordId {
    /// The agency or partner the record came from (NCIC ORI, XML sender, PFIF originating
    /// domain, or the name given at import).
    pub source: String,
    /// The source's own identifier for the record.
    pub native_id: String,
}

impl RecordId {
    pub fn new(source: impl Into<String>, native_id: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            native_id: native_id.into(),
        }
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.source, self.native_id)
    }
}

/// The agency holding the case.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Agency {
    /// NCIC originating agency identifier (9 characters, state first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ori: Option<String>,
    /// Human-readable name (XML `nc:OrganizationName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Agency code used abroad (`gmcn:agency code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// ISO 3166-1 alpha-2 country of the agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Whether a name is the person's name or another name they are known by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameRole {
    /// The name the case is filed under (and its forms in other scripts).
    #[default]
    Primary,
    /// NCIC `AKA`: another name the person used.
    Alias,
    /// PFIF `alternate_names`: nicknames and other spellings.
    Alternate,
}

/// The Latin form of a name written in another script.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct LatinName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// True when computed by Homeward; false when the partner sent it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub computed: bool,
}

/// One name of a person, in one script.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Name {
    #[serde(default)]
    pub role: NameRole,
    /// The name as one string, when the source wrote it so (PFIF `full_name` line,
    /// `nc:PersonFullName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// `JR`, `III`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// Language (BCP 47, as in `xml:lang`), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// ISO 15924 script (`Latn`, `Cyrl`, `Arab`, ...); detected from the text when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// Latin transliteration; for a name not in Latin script, set by the reader (the partner's
    /// own, or computed) so that every name has a Latin form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latin: Option<LatinName>,
}

impl Name {
    /// The name written out: `full`, or the parts in order `given middle family suffix`.
    pub fn display(&self) -> String {
        if let Some(f) = &self.full {
            return f.clone();
        }
        [&self.given, &self.middle, &self.family, &self.suffix]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The Latin form written out (the given/computed transliteration, or the name itself when
    /// it is Latin already).
    pub fn display_latin(&self) -> String {
        if let Some(l) = &self.latin {
            if let Some(f) = &l.full {
                return f.clone();
            }
            let parts: Vec<&str> = [&l.given, &l.family]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            if !parts.is_empty() {
                return parts.join(" ");
            }
        }
        let d = self.display();
        if translit::is_latin(&d) {
            d
        } else {
            translit::to_latin(&d)
        }
    }

    /// Fills `script` (detected) and, for a non-Latin name without one, a computed `latin`.
    pub fn complete(&mut self) {
        let text = self.display();
        if self.script.is_none() && !text.trim().is_empty() {
            self.script = Some(translit::detect_script(&text).to_string());
        }
        if self.latin.is_none() && !translit::is_latin(&text) {
            let conv = |o: &Option<String>| o.as_deref().map(translit::to_latin);
            self.latin = Some(LatinName {
                full: Some(translit::to_latin(&text)),
                given: conv(&self.given),
                family: conv(&self.family),
                computed: true,
            });
        }
    }
}

/// A scar, mark, tattoo, piercing or artificial part.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Mark {
    pub kind: MarkKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// Body part, as the NCIC SMT part code (`ARM`, `EAR`, `CHK`, `NAVL`, ...), upper case.
    pub part: String,
    /// What it looks like or says (`ROSE`, `NAME MARIA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One tooth of the Universal numbering (1–32).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Tooth {
    /// `V`: present, no restoration.
    Virgin,
    /// `X`: extracted or missing.
    Missing,
    /// `/`: no information.
    NoInfo,
    /// Restored surfaces from `M O D F L`, with `C` crown and `R` root canal, as written.
    Restored(String),
}

impl Tooth {
    pub fn code(&self) -> &str {
        match self {
            Tooth::Virgin => "V",
            Tooth::Missing => "X",
            Tooth::NoInfo => "/",
            Tooth::Restored(s) => s,
        }
    }

    /// Parses one NCIC tooth code; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "V" => Some(Tooth::Virgin),
            "X" => Some(Tooth::Missing),
            "/" => Some(Tooth::NoInfo),
            _ if !s.is_empty()
                && s.len() <= 7
                && s.bytes().all(|b| b"MODFLCR".contains(&b))
                && {
                    // each letter at most once
                    let mut seen = 0u8;
                    s.bytes().all(|b| {
                        let bit = 1u8 << b"MODFLCR".iter().position(|x| *x == b).unwrap_or(7);
                        let fresh = seen & bit == 0;
                        seen |= bit;
                        fresh
                    })
                } =>
            {
                Some(Tooth::Restored(s.to_string()))
            }
            _ => None,
        }
    }
}

/// Dental characteristics (NCIC `DCH`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dental {
    /// `ALL`: every tooth present and unrestored.
    AllVirgin,
    /// `UNK`: nothing known.
    Unknown,
    /// 32 teeth in Universal order (index 0 is tooth 1).
    Chart(Vec<Tooth>),
}

/// Why a dental text is not a dental chart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DentalError {
    #[error("dental chart has {0} entries, expected 32")]
    Count(usize),
    #[error("tooth {tooth}: `{code}` is not V, X, / or restored surfaces from MODFL with C/R")]
    Tooth { tooth: usize, code: String },
}

impl Dental {
    /// Parses `ALL`, `UNK` or 32 comma-separated tooth codes.
    pub fn parse(s: &str) -> Result<Self, DentalError> {
        match s {
            "ALL" => return Ok(Dental::AllVirgin),
            "UNK" => return Ok(Dental::Unknown),
            _ => {}
        }
        let parts: Vec<&str> = s.split(',').collect();
        if parts.len() != 32 {
            return Err(DentalError::Count(parts.len()));
        }
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Tooth::parse(p.trim()).ok_or_else(|| DentalError::Tooth {
                    tooth: i + 1,
                    code: (*p).to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Dental::Chart)
    }

    /// The NCIC text.
    pub fn code(&self) -> String {
        match self {
            Dental::AllVirgin => "ALL".to_string(),
            Dental::Unknown => "UNK".to_string(),
            Dental::Chart(t) => t.iter().map(Tooth::code).collect::<Vec<_>>().join(","),
        }
    }

    /// Tooth `n` (1–32) as known.
    pub fn tooth(&self, n: usize) -> Option<Tooth> {
        match self {
            Dental::AllVirgin => Some(Tooth::Virgin),
            Dental::Unknown => None,
            Dental::Chart(t) => t.get(n.checked_sub(1)?).cloned(),
        }
    }
}

impl Serialize for Dental {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for Dental {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Dental::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Dental {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Dental".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "NCIC dental characteristics: ALL (all virgin), UNK, or 32 comma-separated tooth codes in Universal order (V, X, /, or restored surfaces from MODFL with C crown and R root canal).",
            "pattern": "^(ALL|UNK|([VX/]|[MODFLCR]{1,7})(,([VX/]|[MODFLCR]{1,7})){31})$"
        })
    }
}

/// NCIC body-parts status: 14 characters of `R N F D S`, or `ALL` `ALF` `ALD` `SKL`.
pub fn is_body_parts_status(s: &str) -> bool {
    matches!(s, "ALL" | "ALF" | "ALD" | "SKL")
        || (s.len() == 14 && s.bytes().all(|b| b"RNFDS".contains(&b)))
}

/// An item of jewellery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Jewellery {
    /// NCIC 2-letter type code (`RI` ring, `WA` watch, `NE` necklace, `BR` bracelet,
    /// `ER` earring, ...).
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// An identifying number other than the case numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OtherIdentifier {
    pub kind: IdentifierKind,
    pub value: String,
}

/// A photograph of the person.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Photo {
    pub url: String,
    /// Lower-case hex SHA-256 of the image bytes, when the partner sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// MIME type (`image/jpeg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken: Option<PartialDate>,
    /// The identifying photo (PFIF `photo_url`); others are further photos.
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary: bool,
}

/// What a piece of free text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    /// NCIC `MIS` remarks.
    Remarks,
    /// XML `j:MissingPersonCircumstanceText`.
    Circumstances,
    /// PFIF `description`, `gmcn:description`.
    #[default]
    Description,
}

/// Free text in one language.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Text {
    #[serde(default)]
    pub kind: TextKind,
    /// Language (BCP 47), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    pub text: String,
}

/// A place.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Place {
    /// The place as the source named it when it is not a city (PFIF `last_known_location`
    /// text, `gmcn:last_seen` text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighborhood: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// ISO 3166-2 subdivision (`US-TX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country (`US`, `MX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// WGS 84 decimal degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

impl Place {
    pub fn is_empty(&self) -> bool {
        *self == Place::default()
    }

    /// The country, from `country` or the prefix of `region`.
    pub fn country_code(&self) -> Option<&str> {
        self.country
            .as_deref()
            .or_else(|| self.region.as_deref().and_then(|r| r.split('-').next()))
    }
}

/// An estimated age in years.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgeRange {
    pub min: u16,
    pub max: u16,
    /// The date the age refers to (PFIF: the source date; remains: the date found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
}

/// A range of birth years (NCIC `EYB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct YearRange {
    pub min: i32,
    pub max: i32,
}

/// A PFIF note (or a status note from another format), kept whole.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Note {
    pub note_record_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_person_record_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_made_contact: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NoteStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_of_found_person: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_of_found_person: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_known_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_url: Option<String>,
}

/// One step of the case's lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusEvent {
    pub status: Status,
    /// Date of recovery, clear, cancel or identification as the source gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
    /// When the gateway applied it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<StatusReason>,
    /// Who made the change (an ORI, agency or note author).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The PFIF note that carried it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_record_id: Option<String>,
}

/// PFIF provenance of a record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// PFIF `entry_date` as the sending repository set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_urls: Option<String>,
}

impl Provenance {
    pub fn is_empty(&self) -> bool {
        *self == Provenance::default()
    }
}

/// A field the canonical record has no slot for, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Extra {
    /// The format it came from (`ncic`, `xml`, `pfif`, `layout:<name>`).
    pub format: String,
    /// Its name there (an NCIC MFC, an XML element path, a PFIF element).
    pub key: String,
    pub value: String,
}

/// The canonical record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Record {
    /// Version of this schema the record was written with.
    #[serde(default = "schema_version")]
    pub schema_version: u32,
    pub kind: Kind,
    pub id: RecordId,
    /// The format the record arrived in (`ncic`, `xml`, `pfif`, `layout:<name>`, `canonical`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default)]
    pub agency: Agency,
    /// The agency's case number (NCIC `OCA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    /// NCIC number (`M` or `U` then 9 digits), when the case is in NCIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic: Option<String>,
    /// When this gateway first stored the record (set by the store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
    /// When the source last changed the record (XML `ch:ReportDateTime`, PFIF `source_date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_updated_at: Option<DateTime<Utc>>,
    /// The store's version counter for this record (0 until stored).
    #[serde(default)]
    pub version: u64,
    #[serde(default = "active")]
    pub status: Status,
    /// Missing persons: the NCIC entry category (MKE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_category: Option<EntryCategory>,
    /// Unidentified persons: deceased, living or catastrophe victim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// NCIC `MNP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_type: Option<MissingType>,
    /// NCIC `MPC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circumstance: Option<Circumstance>,
    /// `gmcn:category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_category: Option<CaseCategory>,

    /// Names, primary first; several when the source wrote the name in several scripts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<Race>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<Ethnicity>,
    /// Dates of birth on file (NCIC allows several), possibly partial.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub birth_dates: Vec<PartialDate>,
    /// Estimated year of birth (NCIC `EYB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<YearRange>,
    /// Age or estimated age range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<AgeRange>,
    /// NCIC `POB`: state or country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_birth: Option<String>,
    /// NCIC `CTZ`: ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizenship: Option<String>,
    /// Height in centimetres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_cm: Option<Range>,
    /// Weight in kilograms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eye: Option<EyeColor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hair: Option<HairColor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skin: Option<SkinTone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dental: Option<Dental>,
    /// NCIC `DXR`: dental X-rays available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dental_xrays: Option<bool>,
    /// NCIC `BPS` (see [`is_body_parts_status`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_parts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blood_type: Option<BloodType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circumcision: Option<Circumcision>,
    /// NCIC `FPC`: 20 characters, ten two-character codes, right thumb first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprints_available: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dna_available: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jewellery: Vec<Jewellery>,
    /// Other identifying numbers (NCIC `MNU`, `SOC`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<OtherIdentifier>,
    /// NCIC `CMC`: caution or medical condition code (2 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caution: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
    /// Free text: remarks, circumstances, descriptions, in their languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<Text>,

    /// Missing: date of last contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_contact: Option<PartialDate>,
    /// Unidentified: date found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_date: Option<PartialDate>,
    /// Unidentified: estimated date of death.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_death: Option<PartialDate>,
    /// Unclaimed: date of death.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death_date: Option<PartialDate>,
    /// Missing: where last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Place>,
    /// Unidentified: where found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_place: Option<Place>,
    /// Unclaimed: where the person died.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death_place: Option<Place>,
    /// Residence (PFIF `home_*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<Place>,

    /// Lifecycle steps applied to the record, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_history: Vec<StatusEvent>,
    /// PFIF notes, kept whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Records this one may duplicate (PFIF `linked_person_record_id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked_records: Vec<String>,
    /// For an identified unidentified/unclaimed record: the native id of the missing record
    /// (NCIC `IDN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identified_as: Option<String>,
    /// PFIF `expiry_date`: after it the record is no longer served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
    /// Fields without a slot, verbatim, so the same format writes them back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<Extra>,
}

fn active() -> Status {
    Status::Active
}

impl Record {
    /// An empty record of `kind` from `source` named `native_id`.
    pub fn new(kind: Kind, source: impl Into<String>, native_id: impl Into<String>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            kind,
            id: RecordId::new(source, native_id),
            format: None,
            agency: Agency::default(),
            case_number: None,
            nic: None,
            received_at: None,
            source_updated_at: None,
            version: 0,
            status: Status::Active,
            entry_category: None,
            condition: None,
            missing_type: None,
            circumstance: None,
            case_category: None,
            names: Vec::new(),
            sex: None,
            race: None,
            ethnicity: None,
            birth_dates: Vec::new(),
            birth_year: None,
            age: None,
            place_of_birth: None,
            citizenship: None,
            height_cm: None,
            weight_kg: None,
            eye: None,
            hair: None,
            skin: None,
            marks: Vec::new(),
            dental: None,
            dental_xrays: None,
            body_parts: None,
            blood_type: None,
            circumcision: None,
            fingerprint_class: None,
            fingerprints_available: None,
            dna_available: None,
            jewellery: Vec::new(),
            identifiers: Vec::new(),
            caution: None,
            photos: Vec::new(),
            texts: Vec::new(),
            last_contact: None,
            found_date: None,
            estimated_death: None,
            death_date: None,
            last_seen: None,
            found_place: None,
            death_place: None,
            home: None,
            status_history: Vec::new(),
            notes: Vec::new(),
            linked_records: Vec::new(),
            identified_as: None,
            expiry_date: None,
            provenance: Provenance::default(),
            extra: Vec::new(),
        }
    }

    /// The primary name, if any.
    pub fn primary_name(&self) -> Option<&Name> {
        self.names
            .iter()
            .find(|n| n.role == NameRole::Primary)
            .or_else(|| self.names.first())
    }

    /// The place that locates the case: last seen, found, or place of death.
    pub fn place(&self) -> Option<&Place> {
        self.last_seen
            .as_ref()
            .or(self.found_place.as_ref())
            .or(self.death_place.as_ref())
    }

    /// The date that locates the case in time: last contact, found, or death.
    pub fn event_date(&self) -> Option<PartialDate> {
        self.last_contact
            .or(self.found_date)
            .or(self.death_date)
            .or(self.estimated_death)
    }

    /// Whether the case is still open (may be proposed in crossmatch, served to partners).
    pub fn is_open(&self) -> bool {
        self.status == Status::Active
    }

    /// Completes every name (script detected, Latin transliteration computed where absent).
    pub fn complete_names(&mut self) {
        for n in &mut self.names {
            n.complete();
        }
    }

    /// Removes personal data, keeping identity, status, dates of the record's life and the
    /// expiry. Used for PFIF expiry and deletion requests.
    pub fn strip_personal_data(&mut self) {
        let keep = Record {
            kind: self.kind,
            id: self.id.clone(),
            format: self.format.clone(),
            agency: self.agency.clone(),
            received_at: self.received_at,
            source_updated_at: self.source_updated_at,
            version: self.version,
            status: self.status,
            status_history: self.status_history.clone(),
            expiry_date: self.expiry_date,
            provenance: Provenance {
                entry_date: self.provenance.entry_date,
                ..Provenance::default()
            },
            ..Record::new(self.kind, "", "")
        };
        *self = keep;
    }
}

/// A change a source makes to a record it sent before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Transaction {
    /// The record it changes.
    pub target: TargetRef,
    pub action: Action,
    /// Date of recovery, clear or cancel as the source gave it (NCIC `DOR`/`DCL`, XML
    /// `ch:ActionDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
    /// NCIC `RPS` / XML `ch:ActionReasonText`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<StatusReason>,
    /// When the source made the change, if stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_updated_at: Option<DateTime<Utc>>,
    /// Who made the change (the ORI of a locating agency, the XML sender).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Transaction fields without a slot, verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<Extra>,
}

/// How a transaction names the record it changes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct TargetRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// The source of the record (may differ from the transaction's sender: an NCIC locate is
    /// sent by the agency that found the person). The store resolves NIC-named targets across
    /// sources.
    pub source: String,
    pub native_id: String,
    /// NCIC `NAM` given to confirm the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// NCIC `OCA` given to confirm the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
}

/// What a transaction does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Replace fields. `full`: the patch is the whole record as it now stands (XML modify);
    /// otherwise only the fields present in the patch replace the record's (NCIC MM/MU).
    Modify { patch: Box<Record>, full: bool },
    /// Entered in error or not missing.
    Cancel,
    /// Another agency found the person.
    Locate,
    /// The entering agency closed the case; for unidentified records, optionally identified
    /// as a missing record.
    Clear {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identified_as: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identified_name: Option<Box<Name>>,
    },
    /// A PFIF note added to a record (may change its status).
    Note { note: Box<Note> },
    /// PFIF expiry or a deletion request: personal data removed, placeholder kept.
    Expire { expiry_date: DateTime<Utc> },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Modify { .. } => "modify",
            Action::Cancel => "cancel",
            Action::Locate => "locate",
            Action::Clear { .. } => "clear",
            Action::Note { .. } => "note",
            Action::Expire { .. } => "expire",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dental_parses_and_prints() {
        let s = "V,V,X,MO,V,V,V,V,V,V,V,V,V,V,C,X,/,/,V,V,V,V,V,V,V,V,V,V,MOD,V,V,X";
        let d = Dental::parse(s).unwrap();
        assert_eq!(d.code(), s);
        assert_eq!(d.tooth(4), Some(Tooth::Restored("MO".into())));
        assert_eq!(Dental::parse("ALL").unwrap(), Dental::AllVirgin);
        assert_eq!(Dental::parse("V,V"), Err(DentalError::Count(2)));
        assert!(matches!(
            Dental::parse(&s.replace("MOD", "MZD")),
            Err(DentalError::Tooth { tooth: 29, .. })
        ));
        assert!(Tooth::parse("MM").is_none());
    }

    #[test]
    fn names_complete_with_latin() {
        let mut n = Name {
            given: Some("Евгения".into()),
            family: Some("Захарова".into()),
            ..Name::default()
        };
        n.complete();
        assert_eq!(n.script.as_deref(), Some("Cyrl"));
        let l = n.latin.clone().unwrap();
        assert!(l.computed);
        assert_eq!(l.family.as_deref(), Some("Zakharova"));
        assert_eq!(n.display_latin(), "Evgeniya Zakharova");
        let mut latin = Name {
            given: Some("Lina".into()),
            family: Some("Haddad".into()),
            ..Name::default()
        };
        latin.complete();
        assert_eq!(latin.latin, None);
        assert_eq!(latin.script.as_deref(), Some("Latn"));
    }

    #[test]
    fn json_round_trip_and_defaults() {
        let mut r = Record::new(Kind::Missing, "TX0101300", "M000000123");
        r.sex = Some(Sex::Male);
        r.height_cm = Some(Range::exact(177.8));
        r.dental = Some(Dental::AllVirgin);
        r.birth_dates.push("2011-03-12".parse().unwrap());
        let json = serde_json::to_string(&r).unwrap();
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        let minimal: Record = serde_json::from_str(
            r#"{"kind":"unidentified","id":{"source":"AZ","native_id":"U1"}}"#,
        )
        .unwrap();
        assert_eq!(minimal.status, Status::Active);
        assert_eq!(minimal.schema_version, SCHEMA_VERSION);
    }

    #[test]
    fn stripping_keeps_identity_only() {
        let mut r = Record::new(
            Kind::Missing,
            "gmcn-ru.example.org",
            "gmcn-ru.example.org/p.1",
        );
        r.names.push(Name {
            full: Some("Anna".into()),
            ..Name::default()
        });
        r.sex = Some(Sex::Female);
        r.status = Status::Expired;
        r.strip_personal_data();
        assert!(r.names.is_empty());
        assert_eq!(r.sex, None);
        assert_eq!(r.status, Status::Expired);
        assert_eq!(r.id.native_id, "gmcn-ru.example.org/p.1");
    }
}
