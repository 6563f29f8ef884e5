//! Sharing policy: what this gateway sends a partner (push and pull alike) and what it accepts
//! from one.
//!
//! **Outbound** ([`SharePolicy`]), applied to each canonical [`Record`] in this order:
//! 1. the record's `kind` must be listed in `kinds` (empty list: nothing is shared);
//! 2. its `status` must be listed in `statuses` (default `["active"]`);
//! 3. when `jurisdictions` is not empty, the record's jurisdiction must match one of them
//!    (see [`record_jurisdiction`]; a country `US` matches every region of it, a region
//!    `US-TX` only itself; a record with no known place is not shared);
//! 4. when `children_only`, the person must be known to have been under 18 at last contact
//!    (see [`age::is_child`]);
//! 5. the `withhold` field groups are removed, field by field ([`FieldGroup`]).
//!
//! A record that fails 1–4 but *was shared with the partner before* is sent as its lifecycle
//! only, so a locate, clear, cancel, identification or expiry reaches every partner that had
//! the record: [`SharePolicy::outbound`] sends it as the transaction that moves the partner's
//! copy to the record's status ([`lifecycle_transaction`]), never as a stripped record (which
//! would replace the partner's copy). [`SharePolicy::decide`] still gives the stripped record
//! ([`Record::strip_personal_data`]) for callers that want the lifecycle as a record.
//!
//! **Inbound** ([`AcceptPolicy`]): each item a partner sends must be of a kind the partner may
//! send (by default from its [`PartnerRole`]: only medical examiners send unclaimed records; a
//! hub may relay theirs), from a source it may speak for (`sources` prefixes) and, when
//! `jurisdictions` is set, in one of them. One item outside the policy refuses the whole
//! exchange (HTTP 403), so nothing of it is applied.

pub mod age;
mod inbound;
mod outbound;

#[cfg(test)]
mod tests;

use std::fmt;

use homeward_schemas::{Kind, Record, Status};
use serde::{Deserialize, Serialize};

pub use inbound::Violation;
pub use outbound::{Decision, Withheld, lifecycle_transaction, record_jurisdiction, withhold};

/// What a partner is, which decides what it may send by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerRole {
    /// A police agency or state clearinghouse: missing and unidentified records.
    #[default]
    LawEnforcement,
    /// A medical examiner or coroner: unidentified and unclaimed records.
    MedicalExaminer,
    /// A national hub: relays every kind, unclaimed ones included.
    Hub,
    /// A partner abroad (PFIF feeds): missing records.
    International,
}

impl PartnerRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerRole::LawEnforcement => "law_enforcement",
            PartnerRole::MedicalExaminer => "medical_examiner",
            PartnerRole::Hub => "hub",
            PartnerRole::International => "international",
        }
    }

    /// The kinds a partner of this role may send unless `accept.kinds` says otherwise.
    pub fn default_accepted_kinds(self) -> Vec<Kind> {
        match self {
            PartnerRole::LawEnforcement => vec![Kind::Missing, Kind::Unidentified],
            PartnerRole::MedicalExaminer => vec![Kind::Unidentified, Kind::Unclaimed],
            PartnerRole::Hub => vec![Kind::Missing, Kind::Unidentified, Kind::Unclaimed],
            PartnerRole::International => vec![Kind::Missing],
        }
    }

    /// Whether a partner of this role may ever send unclaimed records.
    pub fn may_send_unclaimed(self) -> bool {
        matches!(self, PartnerRole::MedicalExaminer | PartnerRole::Hub)
    }
}

impl fmt::Display for PartnerRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A country (ISO 3166-1 alpha-2, `US`) or a region (ISO 3166-2, `US-TX`), upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct Jurisdiction(String);

impl Jurisdiction {
    /// Parses `US`, `us`, `US-TX`, `GB-ENG`; anything else is an error naming the form.
    pub fn parse(s: &str) -> Result<Self, String> {
        let up = s.trim().to_ascii_uppercase();
        let (country, region) = match up.split_once('-') {
            Some((c, r)) => (c, Some(r)),
            None => (up.as_str(), None),
        };
        let country_ok = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
        let region_ok = region.is_none_or(|r| {
            (1..=3).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if country_ok && region_ok {
            Ok(Self(up))
        } else {
            Err(format!(
                "`{s}` is not a jurisdiction: use an ISO 3166-1 alpha-2 country (`US`) or an ISO 3166-2 region (`US-TX`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country part.
    pub fn country(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    pub fn is_region(&self) -> bool {
        self.0.contains('-')
    }

    /// Whether a place in `country` / `region` lies in this jurisdiction.
    pub fn contains(&self, country: Option<&str>, region: Option<&str>) -> bool {
        if self.is_region() {
            region.is_some_and(|r| r.eq_ignore_ascii_case(&self.0))
        } else {
            let c = country.or_else(|| region.and_then(|r| r.split('-').next()));
            c.is_some_and(|c| c.eq_ignore_ascii_case(&self.0))
        }
    }
}

impl From<Jurisdiction> for String {
    fn from(j: Jurisdiction) -> String {
        j.0
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Jurisdiction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Jurisdiction::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A group of canonical fields a policy can withhold. See the table in `docs/federation.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldGroup {
    /// `names`.
    Names,
    /// `birth_dates`, `birth_year`.
    BirthDates,
    /// `age`.
    Age,
    /// `marks` (scars, marks, tattoos).
    Marks,
    /// `dental`, `dental_xrays`.
    Dental,
    /// `dna_available`.
    Dna,
    /// `fingerprint_class`, `fingerprints_available`.
    Fingerprints,
    /// `blood_type`.
    BloodType,
    /// `body_parts`.
    BodyParts,
    /// `circumcision`.
    Circumcision,
    /// `jewellery`.
    Jewellery,
    /// `identifiers` (MNU, SOC...).
    Identifiers,
    /// `case_number`, `nic`.
    CaseNumbers,
    /// `caution`.
    Caution,
    /// `photos`, and `photo_url` of notes.
    Photos,
    /// `texts`, and the text of marks, jewellery and notes.
    FreeText,
    /// `notes` (whole).
    Notes,
    /// E-mail addresses and phone numbers (provenance, notes).
    Contact,
    /// `home`.
    Home,
    /// Street, postal code and coordinates of every place; notes' `last_known_location`.
    ExactLocation,
    /// `place_of_birth`.
    PlaceOfBirth,
    /// `citizenship`.
    Citizenship,
    /// `extra` (format-specific fields kept verbatim).
    Extra,
}

impl FieldGroup {
    /// Every group, in declaration order.
    pub const ALL: &'static [FieldGroup] = &[
        FieldGroup::Names,
        FieldGroup::BirthDates,
        FieldGroup::Age,
        FieldGroup::Marks,
        FieldGroup::Dental,
        FieldGroup::Dna,
        FieldGroup::Fingerprints,
        FieldGroup::BloodType,
        FieldGroup::BodyParts,
        FieldGroup::Circumcision,
        FieldGroup::Jewellery,
        FieldGroup::Identifiers,
        FieldGroup::CaseNumbers,
        FieldGroup::Caution,
        FieldGroup::Photos,
        FieldGroup::FreeText,
        FieldGroup::Notes,
        FieldGroup::Contact,
        FieldGroup::Home,
        FieldGroup::ExactLocation,
        FieldGroup::PlaceOfBirth,
        FieldGroup::Citizenship,
        FieldGroup::Extra,
    ];
}

fn default_statuses() -> Vec<Status> {
    vec![Status::Active]
}

/// What this gateway shares with one partner (`[partners.share]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharePolicy {
    /// Kinds shared. Empty (the default): nothing is shared.
    #[serde(default)]
    pub kinds: Vec<Kind>,
    /// Statuses newly shared (default: `active`). Lifecycle changes of records shared before
    /// are always sent.
    #[serde(default = "default_statuses")]
    pub statuses: Vec<Status>,
    /// Countries or regions shared; empty: any.
    #[serde(default)]
    pub jurisdictions: Vec<Jurisdiction>,
    /// Only persons under 18 at last contact (international child-case partners).
    #[serde(default)]
    pub children_only: bool,
    /// Field groups removed before sending.
    #[serde(default)]
    pub withhold: Vec<FieldGroup>,
}

impl Default for SharePolicy {
    fn default() -> Self {
        Self {
            kinds: Vec::new(),
            statuses: default_statuses(),
            jurisdictions: Vec::new(),
            children_only: false,
            withhold: Vec::new(),
        }
    }
}

/// What this gateway accepts from one partner (`[partners.accept]`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptPolicy {
    /// Kinds the partner may send; absent: its role's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<Kind>>,
    /// Prefixes of the record sources (`id.source`, an ORI or domain) the partner may speak
    /// for; empty: any.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Countries or regions the partner's records must lie in; empty: any.
    #[serde(default)]
    pub jurisdictions: Vec<Jurisdiction>,
}

/// An [`AcceptPolicy`] with the role's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundPolicy {
    pub partner: String,
    pub role: PartnerRole,
    pub kinds: Vec<Kind>,
    pub sources: Vec<String>,
    pub jurisdictions: Vec<Jurisdiction>,
}

impl InboundPolicy {
    pub fn resolve(partner: &str, role: PartnerRole, accept: &AcceptPolicy) -> Self {
        Self {
            partner: partner.to_string(),
            role,
            kinds: accept
                .kinds
                .clone()
                .unwrap_or_else(|| role.default_accepted_kinds()),
            sources: accept.sources.clone(),
            jurisdictions: accept.jurisdictions.clone(),
        }
    }

    /// Whether the partner may send unclaimed-person records (passed to format readers).
    pub fn may_send_unclaimed(&self) -> bool {
        self.kinds.contains(&Kind::Unclaimed)
    }
}

/// Whether `record` is in one of `jurisdictions` (empty: any).
pub fn in_jurisdictions(record: &Record, jurisdictions: &[Jurisdiction]) -> bool {
    if jurisdictions.is_empty() {
        return true;
    }
    let (country, region) = record_jurisdiction(record);
    jurisdictions
        .iter()
        .any(|j| j.contains(country.as_deref(), region.as_deref()))
}
