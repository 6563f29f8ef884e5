//! Clearinghouse XML → canonical records and transactions.

use std::io::BufRead;

use chrono::{DateTime, Utc};
use homeward_schemas::{
    Action, AgeRange, Condition, Dental, Extra, EyeColor, HairColor, Kind, Mark, MarkKind, Name,
    NameRole, PartialDate, Photo, Place, Race, Range, Record, Sex, Side, StatusReason, TargetRef,
    Text, TextKind, Transaction, is_body_parts_status,
    units::{inches_to_cm, pounds_to_kg},
};

use super::{CH_NS, ISO_NS, J_NS, NAME, NC_NS, ReportError};
use crate::format::{ReadContext, Reader};
use crate::item::{Position, ReadItem};
use crate::xmlcore::{Child, ChildStream, Chunk, DocumentError, ItemCounter, Node, parse_decimal};

/// Reads `ch:ClearinghouseExchange` documents, one report at a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct XmlReader;

impl Reader for XmlReader {
    fn read<'a>(
        &self,
        input: Box<dyn BufRead + Send + 'a>,
        ctx: ReadContext,
    ) -> Box<dyn Iterator<Item = ReadItem> + Send + 'a> {
        Box::new(Reports {
            stream: ChildStream::new(input, ctx.limits),
            ctx,
            sender: None,
            items: ItemCounter::new(NAME, "report"),
        })
    }
}

struct Reports<R: BufRead> {
    stream: ChildStream<R>,
    ctx: ReadContext,
    sender: Option<String>,
    items: ItemCounter,
}

impl<R: BufRead> Iterator for Reports<R> {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        if self.items.done() {
            return None;
        }
        loop {
            let Some(chunk) = self.stream.next_chunk() else {
                self.items.finish();
                return None;
            };
            match chunk {
                Chunk::Root(root, position) => {
                    if !root.is(CH_NS, "ClearinghouseExchange") {
                        let error = DocumentError::WrongRoot {
                            found: format!(
                                "{} (namespace {})",
                                root.qname,
                                root.ns.as_deref().unwrap_or("none")
                            ),
                            expected: format!("ch:ClearinghouseExchange in {CH_NS}"),
                        };
                        let chunk = self.stream.abort(error, position);
                        return self.document_failure(chunk);
                    }
                }
                Chunk::Child(child) => {
                    if child.node.is(CH_NS, "ExchangeHeader") && child.error.is_some() {
                        // A header that cannot be read names no sender: the reports after it
                        // are filed under the configured source or refused, never under a
                        // sender read from a header with parts left out.
                        self.sender = None;
                        let index = self.items.next_index();
                        return Some(self.report(child, index));
                    }
                    if child.node.is(CH_NS, "ExchangeHeader") {
                        self.sender = child
                            .node
                            .child(CH_NS, "SenderIdentification")
                            .map(|s| s.trimmed().to_string())
                            .filter(|s| !s.is_empty());
                        continue;
                    }
                    let index = self.items.next_index();
                    return Some(self.report(child, index));
                }
                other => {
                    return self.items.reject(other, &self.ctx.origin, |limit| {
                        ReportError::Oversize { limit }.to_string()
                    });
                }
            }
        }
    }
}

impl<R: BufRead> Reports<R> {
    fn document_failure(&mut self, chunk: Chunk) -> Option<ReadItem> {
        let item = self
            .items
            .reject(chunk, &self.ctx.origin, |_| String::new());
        self.items.finish();
        item
    }

    fn report(&self, child: Child, index: u64) -> ReadItem {
        let position = Position {
            index: Some(index),
            ..child.position
        };
        if let Some((field, reason)) = child.error {
            return ReadItem::rejected(NAME, Some(&field), reason, position, child.raw);
        }
        let mut warnings = Vec::new();
        match parse_report(
            &child.node,
            &self.ctx,
            self.sender.as_deref(),
            &mut warnings,
        ) {
            Ok(Parsed::Entry(r)) => {
                let mut item = ReadItem::entry(*r, position, child.raw);
                item.warnings = warnings;
                item
            }
            Ok(Parsed::Transaction(t)) => {
                let mut item = ReadItem::transaction(*t, position, child.raw);
                item.warnings = warnings;
                item
            }
            Err(e) => ReadItem::rejected(NAME, e.field(), e.to_string(), position, child.raw),
        }
    }
}

enum Parsed {
    Entry(Box<Record>),
    Transaction(Box<Transaction>),
}

/// Whether a sender identification names a medical examiner or coroner: it ends in `-ME`,
/// `-MEC`, `-OCME` or `-CORONER`, or contains `MEDICAL EXAMINER`, `MEDICAL-EXAMINER` or
/// `CORONER` (case-insensitive).
pub fn sender_may_send_unclaimed(sender: &str) -> bool {
    let s = sender.trim().to_ascii_uppercase();
    ["-ME", "-MEC", "-OCME", "-CORONER"]
        .iter()
        .any(|suf| s.ends_with(suf))
        || s.contains("MEDICAL EXAMINER")
        || s.contains("MEDICAL-EXAMINER")
        || s.contains("MEDICAL_EXAMINER")
        || s.contains("CORONER")
}

fn parse_report(
    node: &Node,
    ctx: &ReadContext,
    sender: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<Parsed, ReportError> {
    let kind = match (node.ns.as_deref(), node.local.as_str()) {
        (Some(CH_NS), "MissingPersonReport") => Kind::Missing,
        (Some(CH_NS), "UnidentifiedPersonReport") => Kind::Unidentified,
        (Some(CH_NS), "UnclaimedPersonReport") => Kind::Unclaimed,
        _ => return Err(ReportError::UnknownElement(node.qname.clone())),
    };
    let source = ctx
        .source
        .as_deref()
        .or(sender)
        .ok_or(ReportError::NoSender)?
        .to_string();
    if kind == Kind::Unclaimed {
        let allowed = match ctx.may_send_unclaimed {
            Some(b) => b,
            None => sender.is_some_and(sender_may_send_unclaimed),
        };
        if !allowed {
            return Err(ReportError::UnclaimedNotAllowed {
                sender: sender.unwrap_or(&source).to_string(),
            });
        }
    }
    let case_id = node
        .child(CH_NS, "CaseIdentification")
        .and_then(|c| c.child(NC_NS, "IdentificationID"))
        .map(|n| n.trimmed().to_string())
        .filter(|s| !s.is_empty())
        .ok_or(ReportError::MissingCaseId)?;
    let action = node
        .child(CH_NS, "ReportAction")
        .map(|n| n.trimmed().to_string())
        .unwrap_or_else(|| "enter".to_string());

    let mut rec = Record::new(kind, source.clone(), case_id.clone());
    rec.format = Some(NAME.to_string());
    let mut action_date = None;
    let mut action_reason = None;
    let mut body = false;
    let mut p = Parser {
        extras: Vec::new(),
        warnings,
    };
    for c in &node.children {
        match (c.ns.as_deref(), c.local.as_str()) {
            (Some(CH_NS), "CaseIdentification" | "ReportAction") => {}
            (Some(CH_NS), "ReportingAgency") => {
                for a in &c.children {
                    match (a.ns.as_deref(), a.local.as_str()) {
                        (Some(NC_NS), "OrganizationName") => {
                            rec.agency.name = non_empty(a.trimmed())
                        }
                        (Some(CH_NS), "AgencyORI") => rec.agency.ori = non_empty(a.trimmed()),
                        _ => p.extra("ch:ReportingAgency", a),
                    }
                }
            }
            (Some(CH_NS), "ReportDateTime") => {
                rec.source_updated_at = Some(date_time(c)?);
            }
            (Some(J_NS), "PersonNCICIdentification") => {
                rec.nic = c
                    .child(NC_NS, "IdentificationID")
                    .and_then(|n| non_empty(n.trimmed()));
            }
            (Some(CH_NS), "ActionDate") => action_date = Some(partial_date(c)?),
            (Some(CH_NS), "ActionReasonText") => {
                action_reason = Some(StatusReason::from_ncic(c.trimmed()).ok_or_else(|| {
                    ReportError::UnknownCode {
                        field: c.qname.clone(),
                        code: c.trimmed().to_string(),
                    }
                })?)
            }
            (Some(CH_NS), "AdditionalField") => {
                let key = c.attr(None, "name").unwrap_or_default().to_string();
                if key.is_empty() {
                    return Err(ReportError::Missing {
                        field: "ch:AdditionalField/@name".into(),
                    });
                }
                p.extras.push(Extra {
                    format: NAME.to_string(),
                    key,
                    value: c.text.clone(),
                });
            }
            // Missing person
            (Some(J_NS), "MissingPerson") if kind == Kind::Missing => {
                body = true;
                p.missing_person(c, &mut rec)?;
            }
            // Unidentified person
            (Some(CH_NS), "UnidentifiedPerson") if kind == Kind::Unidentified => {
                body = true;
                p.person(c, "ch:UnidentifiedPerson", &mut rec)?;
            }
            (Some(CH_NS), "EstimatedAgeRange") if kind == Kind::Unidentified => {
                body = true;
                let min = c.child(CH_NS, "MinimumYears").map(years).transpose()?;
                let max = c.child(CH_NS, "MaximumYears").map(years).transpose()?;
                rec.age = age_range(c, min, max)?;
            }
            (Some(CH_NS), "EstimatedHeightRange") if kind == Kind::Unidentified => {
                body = true;
                let min = c
                    .child(CH_NS, "MinimumCentimeters")
                    .map(measure_number)
                    .transpose()?;
                let max = c
                    .child(CH_NS, "MaximumCentimeters")
                    .map(measure_number)
                    .transpose()?;
                rec.height_cm = range(c, min, max)?;
            }
            (Some(CH_NS), "EstimatedWeightKilograms") if kind == Kind::Unidentified => {
                body = true;
                rec.weight_kg = Some(Range::exact(measure_number(c)?));
            }
            (Some(CH_NS), "EstimatedWeightRange") if kind == Kind::Unidentified => {
                body = true;
                let min = c
                    .child(CH_NS, "MinimumKilograms")
                    .map(measure_number)
                    .transpose()?;
                let max = c
                    .child(CH_NS, "MaximumKilograms")
                    .map(measure_number)
                    .transpose()?;
                rec.weight_kg = range(c, min, max)?;
            }
            (Some(CH_NS), "DateFound") if kind == Kind::Unidentified => {
                body = true;
                rec.found_date = Some(partial_date(c)?);
            }
            (Some(CH_NS), "EstimatedDeathDate") if kind == Kind::Unidentified => {
                body = true;
                rec.estimated_death = Some(partial_date(c)?);
            }
            (Some(CH_NS), "FoundLocation") if kind == Kind::Unidentified => {
                body = true;
                rec.found_place = Some(p.location(c)?);
            }
            (Some(CH_NS), "Condition") if kind == Kind::Unidentified => {
                body = true;
                rec.condition = Some(Condition::from_name(c.trimmed()).ok_or_else(|| unknown(c))?);
            }
            (Some(CH_NS), "BodyPartsStatus") if kind == Kind::Unidentified => {
                body = true;
                let v = c.trimmed();
                if !is_body_parts_status(v) {
                    return Err(unknown(c));
                }
                rec.body_parts = Some(v.to_string());
            }
            (Some(CH_NS), "DentalCharacteristics") if kind == Kind::Unidentified => {
                body = true;
                rec.dental =
                    Some(
                        Dental::parse(c.trimmed()).map_err(|e| ReportError::Malformed {
                            field: c.qname.clone(),
                            reason: e.to_string(),
                        })?,
                    );
            }
            (Some(CH_NS), "DNASampleAvailableIndicator") if kind == Kind::Unidentified => {
                body = true;
                rec.dna_available = Some(boolean(c)?);
            }
            (Some(CH_NS), "FingerprintsAvailableIndicator") if kind == Kind::Unidentified => {
                body = true;
                rec.fingerprints_available = Some(boolean(c)?);
            }
            // Unclaimed person
            (Some(CH_NS), "DeceasedPerson") if kind == Kind::Unclaimed => {
                body = true;
                p.person(c, "ch:DeceasedPerson", &mut rec)?;
            }
            (Some(CH_NS), "DateOfDeath") if kind == Kind::Unclaimed => {
                body = true;
                rec.death_date = Some(partial_date(c)?);
            }
            (Some(CH_NS), "DeathLocation") if kind == Kind::Unclaimed => {
                body = true;
                rec.death_place = Some(p.location(c)?);
            }
            _ => p.extra("", c),
        }
    }
    let extras = std::mem::take(&mut p.extras);

    let target = || TargetRef {
        kind: Some(kind),
        source: source.clone(),
        native_id: case_id.clone(),
        name: None,
        case_number: None,
    };
    let closing = |action: Action, p: &mut Parser<'_>| -> Parsed {
        if body {
            p.warnings.push(format!(
                "report body ignored: a {} report changes only the status",
                action.name()
            ));
        }
        let mut t_extra = extras.clone();
        if let Some(n) = &rec.agency.name {
            t_extra.push(Extra {
                format: NAME.to_string(),
                key: "ch:ReportingAgency/nc:OrganizationName".into(),
                value: n.clone(),
            });
        }
        if let Some(nic) = &rec.nic {
            t_extra.push(Extra {
                format: NAME.to_string(),
                key: "j:PersonNCICIdentification/nc:IdentificationID".into(),
                value: nic.clone(),
            });
        }
        Parsed::Transaction(Box::new(Transaction {
            target: target(),
            action,
            date: action_date,
            reason: action_reason,
            source_updated_at: rec.source_updated_at,
            by: rec.agency.ori.clone(),
            extra: t_extra,
        }))
    };
    match action.as_str() {
        "enter" | "modify" => {
            if kind == Kind::Missing && !node.children.iter().any(|c| c.is(J_NS, "MissingPerson")) {
                return Err(ReportError::Missing {
                    field: "j:MissingPerson/nc:RoleOfPerson".into(),
                });
            }
            if kind != Kind::Unidentified && rec.names.is_empty() {
                return Err(ReportError::Missing {
                    field: if kind == Kind::Missing {
                        "j:MissingPerson/nc:RoleOfPerson/nc:PersonName".into()
                    } else {
                        "ch:DeceasedPerson/nc:PersonName".into()
                    },
                });
            }
            if action_date.is_some() || action_reason.is_some() {
                p.warnings.push(format!(
                    "ch:ActionDate/ch:ActionReasonText ignored on a `{action}` report"
                ));
            }
            rec.extra = extras;
            rec.complete_names();
            if action == "enter" {
                Ok(Parsed::Entry(Box::new(rec)))
            } else {
                let t = Transaction {
                    target: target(),
                    action: Action::Modify {
                        patch: Box::new(rec.clone()),
                        full: true,
                    },
                    date: None,
                    reason: None,
                    source_updated_at: rec.source_updated_at,
                    by: rec.agency.ori.clone(),
                    extra: Vec::new(),
                };
                Ok(Parsed::Transaction(Box::new(t)))
            }
        }
        "cancel" => Ok(closing(Action::Cancel, &mut p)),
        "locate" => Ok(closing(Action::Locate, &mut p)),
        "clear" => Ok(closing(
            Action::Clear {
                identified_as: None,
                identified_name: None,
            },
            &mut p,
        )),
        other => Err(ReportError::BadAction(other.to_string())),
    }
}

struct Parser<'w> {
    extras: Vec<Extra>,
    warnings: &'w mut Vec<String>,
}

impl Parser<'_> {
    /// Keeps an element without a slot (each leaf by its path) and says so.
    fn extra(&mut self, parent: &str, n: &Node) {
        let path = if parent.is_empty() {
            n.qname.clone()
        } else {
            format!("{parent}/{}", n.qname)
        };
        if n.children.is_empty() {
            self.warnings
                .push(format!("{path}: element without a slot kept verbatim"));
            self.extras.push(Extra {
                format: NAME.to_string(),
                key: path,
                value: n.text.clone(),
            });
        } else {
            for c in &n.children {
                self.extra(&path, c);
            }
        }
    }

    fn missing_person(&mut self, mp: &Node, rec: &mut Record) -> Result<(), ReportError> {
        let mut role = false;
        for c in &mp.children {
            match (c.ns.as_deref(), c.local.as_str()) {
                (Some(NC_NS), "RoleOfPerson") => {
                    role = true;
                    self.person(c, "j:MissingPerson/nc:RoleOfPerson", rec)?;
                }
                (Some(J_NS), "MissingPersonCircumstanceText") => rec.texts.push(Text {
                    kind: TextKind::Circumstances,
                    lang: c.lang().map(str::to_string),
                    text: c.text.clone(),
                }),
                (Some(J_NS), "MissingPersonLastSeenDate") => {
                    rec.last_contact = Some(date_type(c)?);
                }
                (Some(J_NS), "MissingPersonLastSeenLocation") => {
                    rec.last_seen = Some(self.location(c)?);
                }
                _ => self.extra("j:MissingPerson", c),
            }
        }
        if !role {
            return Err(ReportError::Missing {
                field: "j:MissingPerson/nc:RoleOfPerson".into(),
            });
        }
        Ok(())
    }

    /// An `nc:LocationType`.
    fn location(&mut self, n: &Node) -> Result<Place, ReportError> {
        let mut place = Place::default();
        for c in &n.children {
            match (c.ns.as_deref(), c.local.as_str()) {
                (Some(NC_NS), "Address") => {
                    for a in &c.children {
                        match (a.ns.as_deref(), a.local.as_str()) {
                            (Some(NC_NS), "AddressCityName") => place.city = non_empty(a.trimmed()),
                            (Some(NC_NS), "AddressPostalCode") => {
                                place.postal_code = non_empty(a.trimmed())
                            }
                            (Some(NC_NS), "AddressState") => {
                                if let Some(code) = a.child(ISO_NS, "StateCode") {
                                    if !is_state_code(code.trimmed()) {
                                        return Err(unknown(code));
                                    }
                                    place.region = Some(code.trimmed().to_string());
                                }
                            }
                            (Some(NC_NS), "AddressCountry") => {
                                if let Some(code) = a.child(ISO_NS, "CountryAlpha2Code") {
                                    if !is_country_code(code.trimmed()) {
                                        return Err(unknown(code));
                                    }
                                    place.country = Some(code.trimmed().to_string());
                                }
                            }
                            _ => self.extra(&format!("{}/{}", n.qname, c.qname), a),
                        }
                    }
                }
                (Some(NC_NS), "LocationName") => place.name = non_empty(c.trimmed()),
                (Some(NC_NS), "Location2DGeospatialCoordinate") => {
                    let deg =
                        |outer: &str, inner: &str, lim: f64| -> Result<Option<f64>, ReportError> {
                            let Some(v) = c.child(NC_NS, outer).and_then(|o| o.child(NC_NS, inner))
                            else {
                                return Ok(None);
                            };
                            let x = parse_decimal(v.trimmed()).ok_or_else(|| {
                                ReportError::BadNumber {
                                    field: format!("nc:{outer}/nc:{inner}"),
                                    value: v.trimmed().to_string(),
                                }
                            })?;
                            if x.abs() > lim {
                                return Err(ReportError::OutOfRange {
                                    field: format!("nc:{outer}/nc:{inner}"),
                                    value: v.trimmed().to_string(),
                                });
                            }
                            Ok(Some(x))
                        };
                    place.lat = deg("GeographicCoordinateLatitude", "LatitudeDegreeValue", 90.0)?;
                    place.lon = deg(
                        "GeographicCoordinateLongitude",
                        "LongitudeDegreeValue",
                        180.0,
                    )?;
                }
                _ => self.extra(&n.qname, c),
            }
        }
        Ok(place)
    }

    /// The person content shared by `nc:RoleOfPerson`, `ch:UnidentifiedPerson` and
    /// `ch:DeceasedPerson`.
    fn person(&mut self, p: &Node, path: &str, rec: &mut Record) -> Result<(), ReportError> {
        for c in &p.children {
            match (c.ns.as_deref(), c.local.as_str()) {
                (Some(NC_NS), "PersonBirthDate") => rec.birth_dates.push(date_type(c)?),
                (Some(NC_NS), "PersonDescriptionText") => rec.texts.push(Text {
                    kind: TextKind::Description,
                    lang: c.lang().map(str::to_string),
                    text: c.text.clone(),
                }),
                (Some(NC_NS), "PersonDigitalImage") => {
                    let url = c
                        .child(NC_NS, "BinaryURI")
                        .map(|u| u.trimmed().to_string())
                        .filter(|u| !u.is_empty())
                        .ok_or_else(|| ReportError::Missing {
                            field: "nc:PersonDigitalImage/nc:BinaryURI".into(),
                        })?;
                    let primary = rec.photos.is_empty();
                    rec.photos.push(Photo {
                        url,
                        primary,
                        ..Photo::default()
                    });
                }
                (Some(J_NS), "PersonEyeColorCode") => {
                    rec.eye = Some(EyeColor::from_niem(c.trimmed()).ok_or_else(|| unknown(c))?)
                }
                (Some(J_NS), "PersonHairColorCode") => {
                    rec.hair = Some(HairColor::from_niem(c.trimmed()).ok_or_else(|| unknown(c))?)
                }
                (Some(J_NS), "PersonRaceCode") => {
                    rec.race = Some(Race::from_niem(c.trimmed()).ok_or_else(|| unknown(c))?)
                }
                (Some(J_NS), "PersonSexCode") => {
                    rec.sex = Some(Sex::from_niem(c.trimmed()).ok_or_else(|| unknown(c))?)
                }
                (Some(NC_NS), "PersonHeightMeasure") => {
                    let v = measure(
                        c,
                        &[("centimeter", 1.0), ("inch", 0.0)],
                        "centimeter or inch",
                    )?;
                    rec.height_cm = Some(Range::exact(v));
                }
                (Some(NC_NS), "PersonWeightMeasure") => {
                    let v = measure(c, &[("kilogram", 1.0), ("pound", 0.0)], "kilogram or pound")?;
                    rec.weight_kg = Some(Range::exact(v));
                }
                (Some(NC_NS), "PersonName") => rec.names.push(person_name(c)),
                (Some(NC_NS), "PersonPhysicalFeature") => rec.marks.push(feature(c)?),
                _ => self.extra(path, c),
            }
        }
        Ok(())
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn unknown(n: &Node) -> ReportError {
    ReportError::UnknownCode {
        field: n.qname.clone(),
        code: n.trimmed().to_string(),
    }
}

fn date_time(n: &Node) -> Result<DateTime<Utc>, ReportError> {
    DateTime::parse_from_rfc3339(n.trimmed())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| ReportError::BadDateTime {
            field: n.qname.clone(),
            value: n.trimmed().to_string(),
        })
}

/// A `ch:` date: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, a calendar date.
fn partial_date(n: &Node) -> Result<PartialDate, ReportError> {
    n.trimmed()
        .parse::<PartialDate>()
        .map_err(|_| ReportError::BadDate {
            field: n.qname.clone(),
            value: n.trimmed().to_string(),
        })
}

/// An `nc:DateType`: one of `nc:Date`, `nc:YearMonthDate`, `nc:YearDate`, each of its shape.
fn date_type(n: &Node) -> Result<PartialDate, ReportError> {
    for c in &n.children {
        let parts = match (c.ns.as_deref(), c.local.as_str()) {
            (Some(NC_NS), "Date") => 3,
            (Some(NC_NS), "YearMonthDate") => 2,
            (Some(NC_NS), "YearDate") => 1,
            _ => continue,
        };
        let v = c.trimmed();
        let bad = || ReportError::BadDate {
            field: format!("{}/{}", n.qname, c.qname),
            value: v.to_string(),
        };
        let d = v.parse::<PartialDate>().map_err(|_| bad())?;
        if v.split('-').count() != parts {
            return Err(bad());
        }
        return Ok(d);
    }
    Err(ReportError::Missing {
        field: format!("{}/nc:Date", n.qname),
    })
}

fn boolean(n: &Node) -> Result<bool, ReportError> {
    match n.trimmed() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ReportError::Malformed {
            field: n.qname.clone(),
            reason: format!("`{}` is not true or false", n.trimmed()),
        }),
    }
}

fn measure_number(n: &Node) -> Result<f64, ReportError> {
    let v = parse_decimal(n.trimmed()).ok_or_else(|| ReportError::BadNumber {
        field: n.qname.clone(),
        value: n.trimmed().to_string(),
    })?;
    if v < 0.0 {
        return Err(ReportError::OutOfRange {
            field: n.qname.clone(),
            value: n.trimmed().to_string(),
        });
    }
    Ok(v)
}

fn years(n: &Node) -> Result<u16, ReportError> {
    n.trimmed()
        .parse::<u16>()
        .ok()
        .filter(|y| *y <= 150)
        .ok_or_else(|| ReportError::BadNumber {
            field: n.qname.clone(),
            value: n.trimmed().to_string(),
        })
}

fn age_range(
    n: &Node,
    min: Option<u16>,
    max: Option<u16>,
) -> Result<Option<AgeRange>, ReportError> {
    let (min, max) = match (min, max) {
        (None, None) => return Ok(None),
        (Some(a), None) => (a, a),
        (None, Some(b)) => (b, b),
        (Some(a), Some(b)) => (a, b),
    };
    if min > max {
        return Err(ReportError::OutOfRange {
            field: n.qname.clone(),
            value: format!("{min}..{max}"),
        });
    }
    Ok(Some(AgeRange {
        min,
        max,
        as_of: None,
    }))
}

fn range(n: &Node, min: Option<f64>, max: Option<f64>) -> Result<Option<Range>, ReportError> {
    let (min, max) = match (min, max) {
        (None, None) => return Ok(None),
        (Some(a), None) => (a, a),
        (None, Some(b)) => (b, b),
        (Some(a), Some(b)) => (a, b),
    };
    Range::new(min, max)
        .map(Some)
        .ok_or_else(|| ReportError::OutOfRange {
            field: n.qname.clone(),
            value: format!("{min}..{max}"),
        })
}

/// An `nc:LengthMeasureType` / `nc:WeightMeasureType` in metric. `units`: the metric unit
/// (factor 1) and the imperial one.
fn measure(n: &Node, units: &[(&str, f64)], allowed: &'static str) -> Result<f64, ReportError> {
    let value = n
        .child(NC_NS, "MeasureDecimalValue")
        .ok_or_else(|| ReportError::Missing {
            field: format!("{}/nc:MeasureDecimalValue", n.qname),
        })?;
    let v = measure_number(value).map_err(|e| match e {
        ReportError::BadNumber { value, .. } => ReportError::BadNumber {
            field: format!("{}/nc:MeasureDecimalValue", n.qname),
            value,
        },
        other => other,
    })?;
    let unit = n
        .child(NC_NS, "MeasureUnitText")
        .map(|u| u.trimmed().to_string())
        .ok_or_else(|| ReportError::Missing {
            field: format!("{}/nc:MeasureUnitText", n.qname),
        })?;
    let field = format!("{}/nc:MeasureUnitText", n.qname);
    match units.iter().position(|(u, _)| *u == unit) {
        Some(0) => Ok(v),
        Some(_) if allowed.starts_with("centimeter") => Ok(inches_to_cm(v)),
        Some(_) => Ok(pounds_to_kg(v)),
        None => Err(ReportError::BadUnit {
            field,
            unit,
            allowed,
        }),
    }
}

fn person_name(n: &Node) -> Name {
    let mut name = Name {
        role: NameRole::Primary,
        ..Name::default()
    };
    for c in &n.children {
        let v = non_empty(c.trimmed());
        match (c.ns.as_deref(), c.local.as_str()) {
            (Some(NC_NS), "PersonGivenName") => name.given = v,
            (Some(NC_NS), "PersonMiddleName") => name.middle = v,
            (Some(NC_NS), "PersonSurName") => name.family = v,
            (Some(NC_NS), "PersonNameSuffixText") => name.suffix = v,
            (Some(NC_NS), "PersonFullName") => name.full = v,
            _ => continue,
        }
        if name.lang.is_none() {
            name.lang = c.lang().map(str::to_string);
        }
    }
    name
}

/// Splits an NCIC-style mark place (`L ARM`, `R CHK`, `NAVL`) into side and body part.
pub(crate) fn parse_mark_place(s: &str) -> (Option<Side>, String) {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix("L ") {
        (Some(Side::Left), rest.trim().to_string())
    } else if let Some(rest) = s.strip_prefix("R ") {
        (Some(Side::Right), rest.trim().to_string())
    } else {
        (None, s.to_string())
    }
}

fn feature(n: &Node) -> Result<Mark, ReportError> {
    let cat = n
        .child(NC_NS, "PhysicalFeatureCategoryText")
        .ok_or_else(|| ReportError::Missing {
            field: "nc:PersonPhysicalFeature/nc:PhysicalFeatureCategoryText".into(),
        })?;
    let kind = MarkKind::from_ncic(cat.trimmed()).ok_or_else(|| unknown(cat))?;
    let (side, part) = n
        .child(NC_NS, "PhysicalFeatureLocationText")
        .map(|l| parse_mark_place(l.trimmed()))
        .unwrap_or((None, String::new()));
    Ok(Mark {
        kind,
        side,
        part,
        text: n
            .child(NC_NS, "PhysicalFeatureDescriptionText")
            .and_then(|d| non_empty(d.trimmed())),
    })
}

/// Whether `s` has the ISO 3166-2 shape the reader takes for `iso_3166:StateCode` (`US-TX`).
pub(crate) fn is_state_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 4
        && b.len() <= 6
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2] == b'-'
        && b[3..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Whether `s` has the shape of `iso_3166:CountryAlpha2Code` (two capital letters).
pub(crate) fn is_country_code(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}
