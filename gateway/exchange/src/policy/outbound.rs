//! Outbound policy: what a partner gets of a record.

use homeward_schemas::{Action, Place, Record, Status, TargetRef, Transaction};

use super::{FieldGroup, SharePolicy, age, in_jurisdictions};

/// Why a record is not sent to a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withheld {
    Kind(String),
    Status(String),
    Jurisdiction(String),
    NotAChild(String),
}

impl std::fmt::Display for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Withheld::Kind(k) => write!(f, "kind {k} is not shared with this partner"),
            Withheld::Status(s) => write!(f, "status {s} is not shared with this partner"),
            Withheld::Jurisdiction(j) => {
                write!(f, "jurisdiction {j} is outside what this partner gets")
            }
            Withheld::NotAChild(why) => write!(f, "children only: {why}"),
        }
    }
}

/// What the policy does with one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Send this (withheld fields removed).
    Share(Box<Record>),
    /// Outside the policy, but the partner had the record: send its lifecycle only.
    LifecycleOnly(Box<Record>),
    /// Do not send.
    Withhold(Withheld),
}

impl Decision {
    /// The record to send, if any.
    pub fn into_record(self) -> Option<Record> {
        match self {
            Decision::Share(r) | Decision::LifecycleOnly(r) => Some(*r),
            Decision::Withhold(_) => None,
        }
    }
}

/// The country and region a record is located in: its place (last seen, found, death), else
/// the agency's country. Upper case.
pub fn record_jurisdiction(record: &Record) -> (Option<String>, Option<String>) {
    let place = record.place();
    let region = place
        .and_then(|p| p.region.as_deref())
        .map(str::to_ascii_uppercase);
    let country = place
        .and_then(Place::country_code)
        .or(record.agency.country.as_deref())
        .map(str::to_ascii_uppercase);
    (country, region)
}

impl SharePolicy {
    /// Applies the policy to `record`; `previously_shared`: the partner was sent it before.
    pub fn decide(&self, record: &Record, previously_shared: bool) -> Decision {
        match self.refusal(record) {
            None => {
                let mut r = record.clone();
                withhold(&mut r, &self.withhold);
                Decision::Share(Box::new(r))
            }
            Some(_) if previously_shared => {
                let mut r = record.clone();
                r.strip_personal_data();
                Decision::LifecycleOnly(Box::new(r))
            }
            Some(why) => Decision::Withhold(why),
        }
    }

    /// What to send `partner` of `record` as it now stands: the record (withheld fields
    /// removed) when the policy shares it; and, for a record the partner had
    /// (`shared_before`) whose status is no longer active, the transaction that moves it there
    /// ([`lifecycle_transaction`]) unless `status_sent` says the partner was sent this status
    /// already. A record outside the policy that the partner had goes as that transaction
    /// only: a stripped record sent as an entry would replace what the partner holds.
    pub fn outbound(
        &self,
        record: &Record,
        shared_before: bool,
        status_sent: Option<Status>,
    ) -> Vec<crate::payload::PayloadItem> {
        use crate::payload::PayloadItem;
        let lifecycle = || {
            if !shared_before || status_sent == Some(record.status) {
                return None;
            }
            lifecycle_transaction(record).map(|t| PayloadItem::Transaction(Box::new(t)))
        };
        match self.decide(record, shared_before) {
            Decision::Share(r) => {
                let mut out = vec![PayloadItem::Record(r)];
                out.extend(lifecycle());
                out
            }
            Decision::LifecycleOnly(_) => lifecycle().into_iter().collect(),
            Decision::Withhold(_) => Vec::new(),
        }
    }

    /// Why `record` falls outside the policy (rules 1–4), if it does.
    pub fn refusal(&self, record: &Record) -> Option<Withheld> {
        if !self.kinds.contains(&record.kind) {
            return Some(Withheld::Kind(record.kind.to_string()));
        }
        if !self.statuses.contains(&record.status) {
            return Some(Withheld::Status(record.status.to_string()));
        }
        if !in_jurisdictions(record, &self.jurisdictions) {
            let (c, r) = record_jurisdiction(record);
            return Some(Withheld::Jurisdiction(
                r.or(c).unwrap_or_else(|| "unknown".into()),
            ));
        }
        if self.children_only && !age::is_child(record) {
            let why = match age::max_age_at_last_contact(record) {
                Some(a) => format!("may have been {a} at last contact"),
                None => "age at last contact unknown".into(),
            };
            return Some(Withheld::NotAChild(why));
        }
        None
    }
}

/// The transaction that brings a copy of `record` to its current status: a locate, a clear
/// (with the identification of an identified record), a cancel or an expiry, dated and
/// attributed as the record's last event of that status. `None` for an active record (only
/// its content can change, and a PFIF note reopening a case travels as the record).
pub fn lifecycle_transaction(record: &Record) -> Option<Transaction> {
    let action = match record.status {
        Status::Active => return None,
        Status::Located => Action::Locate,
        Status::Cleared => Action::Clear {
            identified_as: None,
            identified_name: None,
        },
        Status::Identified => Action::Clear {
            identified_as: record.identified_as.clone(),
            identified_name: None,
        },
        Status::Cancelled => Action::Cancel,
        Status::Expired => Action::Expire {
            expiry_date: record
                .expiry_date
                .or_else(|| {
                    record
                        .status_history
                        .iter()
                        .rev()
                        .find(|e| e.status == Status::Expired)
                        .and_then(|e| e.applied_at)
                })
                .unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
        },
    };
    let event = record
        .status_history
        .iter()
        .rev()
        .find(|e| e.status == record.status);
    Some(Transaction {
        target: TargetRef {
            kind: Some(record.kind),
            source: record.id.source.clone(),
            native_id: record.id.native_id.clone(),
            name: None,
            case_number: None,
        },
        action,
        date: event.and_then(|e| e.date),
        reason: event.and_then(|e| e.reason),
        source_updated_at: None,
        by: event.and_then(|e| e.by.clone()),
        extra: Vec::new(),
    })
}

fn clear_place(p: &mut Place) {
    p.street = None;
    p.postal_code = None;
    p.lat = None;
    p.lon = None;
}

/// Removes the fields of `groups` from `record`.
pub fn withhold(record: &mut Record, groups: &[FieldGroup]) {
    for g in groups {
        match g {
            FieldGroup::Names => record.names.clear(),
            FieldGroup::BirthDates => {
                record.birth_dates.clear();
                record.birth_year = None;
            }
            FieldGroup::Age => record.age = None,
            FieldGroup::Marks => record.marks.clear(),
            FieldGroup::Dental => {
                record.dental = None;
                record.dental_xrays = None;
            }
            FieldGroup::Dna => record.dna_available = None,
            FieldGroup::Fingerprints => {
                record.fingerprint_class = None;
                record.fingerprints_available = None;
            }
            FieldGroup::BloodType => record.blood_type = None,
            FieldGroup::BodyParts => record.body_parts = None,
            FieldGroup::Circumcision => record.circumcision = None,
            FieldGroup::Jewellery => record.jewellery.clear(),
            FieldGroup::Identifiers => record.identifiers.clear(),
            FieldGroup::CaseNumbers => {
                record.case_number = None;
                record.nic = None;
            }
            FieldGroup::Caution => record.caution = None,
            FieldGroup::Photos => {
                record.photos.clear();
                for n in &mut record.notes {
                    n.photo_url = None;
                }
            }
            FieldGroup::FreeText => {
                record.texts.clear();
                for m in &mut record.marks {
                    m.text = None;
                }
                for j in &mut record.jewellery {
                    j.text = None;
                }
                for n in &mut record.notes {
                    n.text = None;
                }
            }
            FieldGroup::Notes => record.notes.clear(),
            FieldGroup::Contact => {
                record.provenance.author_email = None;
                record.provenance.author_phone = None;
                for n in &mut record.notes {
                    n.author_email = None;
                    n.author_phone = None;
                    n.email_of_found_person = None;
                    n.phone_of_found_person = None;
                }
            }
            FieldGroup::Home => record.home = None,
            FieldGroup::ExactLocation => {
                for p in [
                    &mut record.last_seen,
                    &mut record.found_place,
                    &mut record.death_place,
                    &mut record.home,
                ]
                .into_iter()
                .flatten()
                {
                    clear_place(p);
                }
                for n in &mut record.notes {
                    n.last_known_location = None;
                }
            }
            FieldGroup::PlaceOfBirth => record.place_of_birth = None,
            FieldGroup::Citizenship => record.citizenship = None,
            FieldGroup::Extra => record.extra.clear(),
        }
    }
}
