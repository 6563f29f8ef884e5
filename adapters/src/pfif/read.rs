//! PFIF 1.4 (Atom or plain) → canonical records and transactions.

use std::io::BufRead;

use chrono::{DateTime, Utc};
use homeward_schemas::{
    Action, AgeRange, CaseCategory, Extra, EyeColor, HairColor, Kind, LatinName, Mark, MarkKind,
    Name, NameRole, Note, NoteStatus, PartialDate, Photo, Place, Range, Record, Sex, Status,
    StatusEvent, TargetRef, Text, TextKind, Transaction, translit,
};

use super::{ATOM_NS, EntryError, GMCN_NS, NAME, PFIF_NS, record_domain};
use crate::format::{ReadContext, Reader};
use crate::item::{Position, ReadItem};
use crate::xml::parse_mark_place;
use crate::xmlcore::{Child, ChildStream, Chunk, DocumentError, ItemCounter, Node, parse_decimal};

/// Reads PFIF 1.4 Atom feeds and `pfif:pfif` documents, one entry at a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct PfifReader;

impl Reader for PfifReader {
    fn read<'a>(
        &self,
        input: Box<dyn BufRead + Send + 'a>,
        ctx: ReadContext,
    ) -> Box<dyn Iterator<Item = ReadItem> + Send + 'a> {
        Box::new(Entries {
            stream: ChildStream::new(input, ctx.limits),
            ctx,
            atom: false,
            items: ItemCounter::new(NAME, "entry"),
        })
    }
}

struct Entries<R: BufRead> {
    stream: ChildStream<R>,
    ctx: ReadContext,
    atom: bool,
    items: ItemCounter,
}

impl<R: BufRead> Iterator for Entries<R> {
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
                    if root.is(ATOM_NS, "feed") {
                        self.atom = true;
                    } else if !root.is(PFIF_NS, "pfif") {
                        let error = DocumentError::WrongRoot {
                            found: format!(
                                "{} (namespace {})",
                                root.qname,
                                root.ns.as_deref().unwrap_or("none")
                            ),
                            expected: format!("an Atom feed ({ATOM_NS}) or pfif:pfif ({PFIF_NS})"),
                        };
                        let chunk = self.stream.abort(error, position);
                        return self.document_failure(chunk);
                    }
                }
                Chunk::Child(child) => {
                    let n = &child.node;
                    let is_item = if self.atom {
                        n.is(ATOM_NS, "entry")
                    } else {
                        n.is(PFIF_NS, "person") || n.is(PFIF_NS, "note")
                    };
                    let feed_header = self.atom && n.ns.as_deref() == Some(ATOM_NS);
                    if !is_item && feed_header {
                        continue; // id, title, updated, link, author of the feed
                    }
                    let index = self.items.next_index();
                    return Some(self.entry(child, index));
                }
                other => {
                    return self.items.reject(other, &self.ctx.origin, |limit| {
                        EntryError::Oversize { limit }.to_string()
                    });
                }
            }
        }
    }
}

impl<R: BufRead> Entries<R> {
    fn document_failure(&mut self, chunk: Chunk) -> Option<ReadItem> {
        let item = self
            .items
            .reject(chunk, &self.ctx.origin, |_| String::new());
        self.items.finish();
        item
    }

    fn entry(&self, child: Child, index: u64) -> ReadItem {
        let position = Position {
            index: Some(index),
            ..child.position
        };
        if let Some((field, reason)) = child.error {
            return ReadItem::rejected(NAME, Some(&field), reason, position, child.raw);
        }
        let mut warnings = Vec::new();
        let result = if self.atom {
            let n = &child.node;
            let person = n.child(PFIF_NS, "person");
            let note = n.child(PFIF_NS, "note");
            let case = n.child(GMCN_NS, "case");
            for c in &n.children {
                let known = c.ns.as_deref() == Some(ATOM_NS)
                    || c.is(PFIF_NS, "person")
                    || c.is(PFIF_NS, "note")
                    || c.is(GMCN_NS, "case");
                if !known {
                    warnings.push(format!("{}: ignored (not part of a PFIF entry)", c.qname));
                }
            }
            match (person, note) {
                (Some(p), _) => person_item(p, case, &self.ctx, &mut warnings),
                (None, Some(note)) => note_item(note, &self.ctx),
                (None, None) => Err(EntryError::Empty),
            }
        } else if child.node.is(PFIF_NS, "person") {
            person_item(&child.node, None, &self.ctx, &mut warnings)
        } else if child.node.is(PFIF_NS, "note") {
            note_item(&child.node, &self.ctx)
        } else {
            Err(EntryError::UnknownElement(child.node.qname.clone()))
        };
        match result {
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

fn field(n: &Node) -> String {
    format!("pfif:{}", n.local)
}

fn text(n: &Node) -> Option<String> {
    let t = n.trimmed();
    (!t.is_empty()).then(|| t.to_string())
}

fn record_id(n: &Node) -> Result<String, EntryError> {
    let v = n.trimmed();
    match v.split_once('/') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok(v.to_string()),
        _ => Err(EntryError::BadRecordId {
            field: field(n),
            value: v.to_string(),
        }),
    }
}

/// A PFIF time: `yyyy-mm-ddThh:mm:ss(.s+)?Z`, UTC.
pub(crate) fn pfif_time(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let shape = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b.last() == Some(&b'Z');
    if !shape {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn time(n: &Node) -> Result<DateTime<Utc>, EntryError> {
    pfif_time(n.trimmed()).ok_or_else(|| EntryError::BadTime {
        field: field(n),
        value: n.trimmed().to_string(),
    })
}

fn date(n: &Node, name: String) -> Result<PartialDate, EntryError> {
    n.trimmed()
        .parse::<PartialDate>()
        .map_err(|_| EntryError::BadDate {
            field: name,
            value: n.trimmed().to_string(),
        })
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A note, whole.
fn note(n: &Node) -> Result<(Note, Option<String>), EntryError> {
    let mut note = Note::default();
    let mut person = None;
    for c in &n.children {
        if c.ns.as_deref() != Some(PFIF_NS) {
            continue;
        }
        let v = text(c);
        match c.local.as_str() {
            "note_record_id" => note.note_record_id = record_id(c)?,
            "person_record_id" => person = Some(record_id(c)?),
            "linked_person_record_id" => note.linked_person_record_id = Some(record_id(c)?),
            "entry_date" => note.entry_date = Some(time(c)?),
            "author_name" => note.author_name = v,
            "author_email" => note.author_email = v,
            "author_phone" => note.author_phone = v,
            "source_date" => note.source_date = Some(time(c)?),
            "author_made_contact" => {
                note.author_made_contact = match c.trimmed() {
                    "true" => Some(true),
                    "false" => Some(false),
                    "" => None,
                    other => {
                        return Err(EntryError::UnknownCode {
                            field: "pfif:note/pfif:author_made_contact".into(),
                            value: other.to_string(),
                        });
                    }
                }
            }
            "status" => {
                note.status = match c.trimmed() {
                    "" => None,
                    s => Some(
                        NoteStatus::from_name(s).ok_or_else(|| EntryError::UnknownCode {
                            field: "pfif:note/pfif:status".into(),
                            value: s.to_string(),
                        })?,
                    ),
                }
            }
            "email_of_found_person" => note.email_of_found_person = v,
            "phone_of_found_person" => note.phone_of_found_person = v,
            "last_known_location" => note.last_known_location = v,
            "text" => note.text = v,
            "photo_url" => note.photo_url = v,
            _ => {}
        }
    }
    if note.note_record_id.is_empty() {
        return Err(EntryError::Missing {
            field: "pfif:note/pfif:note_record_id".into(),
        });
    }
    if note.source_date.is_none() {
        return Err(EntryError::Missing {
            field: "pfif:note/pfif:source_date".into(),
        });
    }
    Ok((note, person))
}

fn source_for(ctx: &ReadContext, record_id: &str) -> String {
    ctx.source
        .clone()
        .or_else(|| record_domain(record_id).map(str::to_string))
        .unwrap_or_default()
}

/// A note outside any person: a transaction on the person it names.
fn note_item(n: &Node, ctx: &ReadContext) -> Result<Parsed, EntryError> {
    let (note, person) = note(n)?;
    let person = person.ok_or_else(|| EntryError::Missing {
        field: "pfif:note/pfif:person_record_id".into(),
    })?;
    Ok(Parsed::Transaction(Box::new(Transaction {
        target: TargetRef {
            kind: Some(Kind::Missing),
            source: source_for(ctx, &person),
            native_id: person,
            name: None,
            case_number: None,
        },
        source_updated_at: note.source_date,
        by: note.author_name.clone(),
        action: Action::Note {
            note: Box::new(note),
        },
        date: None,
        reason: None,
        extra: Vec::new(),
    })))
}

/// The status the newest note (by source_date; the later one in the document on a tie) gives.
pub(crate) fn status_from_notes(notes: &[Note]) -> Option<(&Note, Status)> {
    let newest = notes
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (n.source_date, *i))
        .map(|(_, n)| n)?;
    let located = newest.status == Some(NoteStatus::BelievedAlive)
        && newest.author_made_contact == Some(true);
    Some((
        newest,
        if located {
            Status::Located
        } else {
            Status::Active
        },
    ))
}

fn decimal_attr(n: &Node, name: &str, lim: f64) -> Result<Option<f64>, EntryError> {
    match n.attr(None, name).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => parse_decimal(v)
            .filter(|x| x.abs() <= lim)
            .map(Some)
            .ok_or_else(|| EntryError::BadValue {
                field: format!("{}/@{name}", n.qname),
                value: v.to_string(),
                reason: "not a coordinate in decimal degrees",
            }),
    }
}

fn attr(n: &Node, name: &str) -> Option<String> {
    n.attr(None, name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn country(v: &str, f: &str) -> Result<String, EntryError> {
    if v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(v.to_string())
    } else {
        Err(EntryError::UnknownCode {
            field: f.to_string(),
            value: v.to_string(),
        })
    }
}

fn measure(n: &Node) -> Result<Range, EntryError> {
    parse_decimal(n.trimmed())
        .filter(|v| *v >= 0.0)
        .map(Range::exact)
        .ok_or_else(|| EntryError::BadValue {
            field: n.qname.clone(),
            value: n.trimmed().to_string(),
            reason: "not a non-negative number",
        })
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn person_item(
    p: &Node,
    case: Option<&Node>,
    ctx: &ReadContext,
    warnings: &mut Vec<String>,
) -> Result<Parsed, EntryError> {
    let id = p
        .child(PFIF_NS, "person_record_id")
        .ok_or_else(|| EntryError::Missing {
            field: "pfif:person_record_id".into(),
        })
        .and_then(record_id)?;
    let mut rec = Record::new(Kind::Missing, source_for(ctx, &id), id.clone());
    rec.format = Some(NAME.to_string());
    let mut primary = Name::default();
    let mut others: Vec<Name> = Vec::new();
    let mut full_lines: Vec<String> = Vec::new();
    let mut has_data = false;
    let mut entry_date_text = None;
    for c in &p.children {
        if c.ns.as_deref() != Some(PFIF_NS) {
            warnings.push(format!("{}: element without a slot kept verbatim", c.qname));
            rec.extra.push(Extra {
                format: NAME.into(),
                key: c.qname.clone(),
                value: c.text.clone(),
            });
            continue;
        }
        let v = text(c);
        if !matches!(
            c.local.as_str(),
            "person_record_id" | "entry_date" | "expiry_date" | "source_date"
        ) && (v.is_some() || !c.children.is_empty())
        {
            has_data = true;
        }
        match c.local.as_str() {
            "person_record_id" => {}
            "entry_date" => {
                rec.provenance.entry_date = Some(time(c)?);
                entry_date_text = Some(c.trimmed().to_string());
            }
            "expiry_date" => rec.expiry_date = Some(time(c)?),
            "author_name" => rec.provenance.author_name = v,
            "author_email" => rec.provenance.author_email = v,
            "author_phone" => rec.provenance.author_phone = v,
            "source_name" => rec.provenance.source_name = v,
            "source_date" => rec.source_updated_at = Some(time(c)?),
            "source_url" => rec.provenance.source_url = v,
            "full_name" => full_lines = lines(&c.text),
            "given_name" => primary.given = v,
            "family_name" => primary.family = v,
            "alternate_names" => {
                for l in lines(&c.text) {
                    rec.names.push(Name {
                        role: NameRole::Alternate,
                        full: Some(l),
                        ..Name::default()
                    });
                }
            }
            "description" => {
                if let Some(t) = v {
                    rec.texts.push(Text {
                        kind: TextKind::Description,
                        lang: None,
                        text: t,
                    });
                }
            }
            "sex" => {
                rec.sex = match c.trimmed() {
                    "" => None,
                    "female" => Some(Sex::Female),
                    "male" => Some(Sex::Male),
                    "other" => Some(Sex::Other),
                    s => {
                        return Err(EntryError::UnknownCode {
                            field: "pfif:sex".into(),
                            value: s.to_string(),
                        });
                    }
                }
            }
            "date_of_birth" => {
                if v.is_some() {
                    rec.birth_dates.push(date(c, field(c))?);
                }
            }
            "age" => {
                if let Some(a) = v {
                    let bad = || EntryError::BadValue {
                        field: "pfif:age".into(),
                        value: a.clone(),
                        reason: "not N or N-M",
                    };
                    let (lo, hi) = match a.split_once('-') {
                        Some((x, y)) => (x, y),
                        None => (a.as_str(), a.as_str()),
                    };
                    let num = |s: &str| {
                        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                            .then(|| s.parse::<u16>().ok())
                            .flatten()
                    };
                    let (min, max) = (num(lo).ok_or_else(bad)?, num(hi).ok_or_else(bad)?);
                    if min > max {
                        return Err(bad());
                    }
                    rec.age = Some(AgeRange {
                        min,
                        max,
                        as_of: None,
                    });
                }
            }
            "home_street" | "home_neighborhood" | "home_city" | "home_state"
            | "home_postal_code" | "home_country" => {
                let home = rec.home.get_or_insert_with(Place::default);
                match c.local.as_str() {
                    "home_street" => home.street = v,
                    "home_neighborhood" => home.neighborhood = v,
                    "home_city" => home.city = v,
                    "home_state" => home.region = v,
                    "home_postal_code" => home.postal_code = v,
                    _ => {
                        home.country = match v {
                            Some(x) => Some(country(&x, "pfif:home_country")?),
                            None => None,
                        }
                    }
                }
            }
            "photo_url" => {
                if let Some(url) = v {
                    rec.photos.insert(
                        0,
                        Photo {
                            url,
                            primary: true,
                            ..Photo::default()
                        },
                    );
                }
            }
            "profile_urls" => rec.provenance.profile_urls = v,
            "note" => {
                let (n, person) = note(c)?;
                if let Some(pid) = person
                    && pid != id
                {
                    warnings.push(format!(
                        "note {} names person {pid} but is nested in {id}; kept with {id}",
                        n.note_record_id
                    ));
                }
                rec.notes.push(n);
            }
            other => {
                warnings.push(format!(
                    "pfif:{other}: element without a slot kept verbatim"
                ));
                rec.extra.push(Extra {
                    format: NAME.into(),
                    key: format!("pfif:{other}"),
                    value: c.text.clone(),
                });
            }
        }
    }
    if rec.home.as_ref().is_some_and(Place::is_empty) {
        rec.home = None;
    }
    let case_has_data = case.is_some_and(|c| !c.children.is_empty());
    // Expiry: a placeholder, or a record whose expiry date has passed.
    if let Some(expiry) = rec.expiry_date {
        let placeholder = !has_data && !case_has_data;
        let passed = expiry <= ctx.received_at;
        if placeholder || passed {
            if passed && !placeholder {
                warnings.push(format!(
                    "expiry_date {expiry} has passed: read as an expiry, personal data not kept"
                ));
            }
            let mut extra = Vec::new();
            if let Some(e) = entry_date_text {
                extra.push(Extra {
                    format: NAME.into(),
                    key: "pfif:entry_date".into(),
                    value: e,
                });
            }
            return Ok(Parsed::Transaction(Box::new(Transaction {
                target: TargetRef {
                    kind: Some(Kind::Missing),
                    source: rec.id.source.clone(),
                    native_id: id,
                    name: None,
                    case_number: None,
                },
                action: Action::Expire {
                    expiry_date: expiry,
                },
                date: None,
                reason: None,
                source_updated_at: rec.source_updated_at,
                by: None,
                extra,
            })));
        }
    }
    let source_date = rec.source_updated_at.ok_or_else(|| EntryError::Missing {
        field: "pfif:source_date".into(),
    })?;
    if full_lines.is_empty() {
        return Err(EntryError::Missing {
            field: "pfif:full_name".into(),
        });
    }
    if let Some(a) = rec.age.as_mut() {
        a.as_of = Some(source_date.date_naive());
    }
    // Names: the first full_name line is the name in its own script; a Latin line after a
    // non-Latin first line is its transliteration; other lines are further names.
    let mut lines_iter = full_lines.into_iter();
    primary.full = lines_iter.next();
    let primary_latin = primary.full.as_deref().is_some_and(translit::is_latin);
    for l in lines_iter {
        let is_latin_form = !primary_latin
            && translit::is_latin(&l)
            && primary.latin.as_ref().is_none_or(|x| x.full.is_none());
        if is_latin_form {
            primary.latin.get_or_insert_with(LatinName::default).full = Some(l);
        } else {
            others.push(Name {
                role: NameRole::Primary,
                full: Some(l),
                ..Name::default()
            });
        }
    }
    if let Some(case) = case {
        gmcn_case(case, &mut rec, &mut primary, &mut others, warnings)?;
    }
    let mut names = vec![primary];
    names.extend(others);
    names.append(&mut rec.names);
    rec.names = names;
    // Linked records come from notes.
    for n in &rec.notes {
        if let Some(l) = &n.linked_person_record_id
            && !rec.linked_records.contains(l)
        {
            rec.linked_records.push(l.clone());
        }
    }
    if let Some((newest, status)) = status_from_notes(&rec.notes)
        && status != Status::Active
    {
        rec.status_history.push(StatusEvent {
            status,
            date: newest
                .source_date
                .map(|d| PartialDate::from_naive(d.date_naive())),
            applied_at: None,
            reason: None,
            by: newest.author_name.clone(),
            note_record_id: Some(newest.note_record_id.clone()),
        });
        rec.status = status;
    }
    rec.complete_names();
    Ok(Parsed::Entry(Box::new(rec)))
}

fn gmcn_case(
    case: &Node,
    rec: &mut Record,
    primary: &mut Name,
    others: &mut Vec<Name>,
    warnings: &mut Vec<String>,
) -> Result<(), EntryError> {
    let mut latin_taken = false;
    for c in &case.children {
        if c.ns.as_deref() != Some(GMCN_NS) {
            warnings.push(format!("{}: element without a slot kept verbatim", c.qname));
            rec.extra.push(Extra {
                format: NAME.into(),
                key: c.qname.clone(),
                value: c.text.clone(),
            });
            continue;
        }
        let f = || format!("gmcn:{}", c.local);
        match c.local.as_str() {
            "name" => {
                let script = attr(c, "script");
                let lang = c.lang().map(str::trim).filter(|s| !s.is_empty());
                let given = attr(c, "given");
                let family = attr(c, "family");
                let full = text(c);
                if given.is_none() && family.is_none() && full.is_none() {
                    // A name with no given, family or text holds no name to keep (and nothing
                    // a writer could write back: found by fuzzing).
                    warnings.push("gmcn:name with no given, family or text: ignored".to_string());
                    continue;
                }
                if script.as_deref() == Some("Latn") && !latin_taken {
                    latin_taken = true;
                    let l = primary.latin.get_or_insert_with(LatinName::default);
                    l.given = given;
                    l.family = family;
                    match (&l.full, full) {
                        (None, f) => l.full = f,
                        (Some(a), Some(b)) if *a != b => {
                            warnings.push(format!(
                                "gmcn:name script=Latn text `{b}` differs from the full_name line `{a}`; kept as another name"
                            ));
                            others.push(Name {
                                full: Some(b),
                                script: Some("Latn".into()),
                                ..Name::default()
                            });
                        }
                        _ => {}
                    }
                    if let Some(lang) = lang.filter(|l| *l != "und") {
                        rec.extra.push(Extra {
                            format: NAME.into(),
                            key: "gmcn:name[@script='Latn']/@xml:lang".into(),
                            value: lang.to_string(),
                        });
                    }
                } else {
                    others.push(Name {
                        role: NameRole::Primary,
                        full,
                        given,
                        family,
                        lang: lang.map(str::to_string),
                        script,
                        ..Name::default()
                    });
                }
            }
            "description" => rec.texts.push(Text {
                kind: TextKind::Description,
                lang: c.lang().map(str::to_string),
                text: c.trimmed().to_string(),
            }),
            "missing_since" => rec.last_contact = Some(date(c, f())?),
            "last_seen" => {
                rec.last_seen = Some(Place {
                    name: text(c),
                    lat: decimal_attr(c, "lat", 90.0)?,
                    lon: decimal_attr(c, "lon", 180.0)?,
                    country: attr(c, "country")
                        .map(|v| country(&v, "gmcn:last_seen/@country"))
                        .transpose()?,
                    region: attr(c, "region"),
                    ..Place::default()
                })
            }
            "height_cm" => rec.height_cm = Some(measure(c)?),
            "weight_kg" => rec.weight_kg = Some(measure(c)?),
            "eyes" => {
                rec.eye = Some(EyeColor::from_ncic(c.trimmed()).ok_or_else(|| {
                    EntryError::UnknownCode {
                        field: f(),
                        value: c.trimmed().to_string(),
                    }
                })?)
            }
            "hair" => {
                rec.hair = Some(HairColor::from_ncic(c.trimmed()).ok_or_else(|| {
                    EntryError::UnknownCode {
                        field: f(),
                        value: c.trimmed().to_string(),
                    }
                })?)
            }
            "mark" => {
                let k = c.attr(None, "kind").unwrap_or_default();
                let kind = MarkKind::from_ncic(k).ok_or_else(|| EntryError::UnknownCode {
                    field: "gmcn:mark/@kind".into(),
                    value: k.to_string(),
                })?;
                let (side, part) = parse_mark_place(c.attr(None, "place").unwrap_or_default());
                rec.marks.push(Mark {
                    kind,
                    side,
                    part,
                    text: text(c),
                });
            }
            "category" => {
                rec.case_category = Some(CaseCategory::from_name(c.trimmed()).ok_or_else(|| {
                    EntryError::UnknownCode {
                        field: f(),
                        value: c.trimmed().to_string(),
                    }
                })?)
            }
            "photo" => {
                let url = attr(c, "href").ok_or_else(|| EntryError::Missing {
                    field: "gmcn:photo/@href".into(),
                })?;
                let sha256 = match attr(c, "sha256") {
                    Some(d) if is_sha256(&d) => Some(d.to_ascii_lowercase()),
                    Some(d) => {
                        return Err(EntryError::BadValue {
                            field: "gmcn:photo/@sha256".into(),
                            value: d,
                            reason: "not 64 hexadecimal digits",
                        });
                    }
                    None => None,
                };
                let taken = c
                    .attr(None, "taken")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|t| {
                        t.parse::<PartialDate>().map_err(|_| EntryError::BadDate {
                            field: "gmcn:photo/@taken".into(),
                            value: t.to_string(),
                        })
                    })
                    .transpose()?;
                let media_type = attr(c, "type");
                // The identifying photo (photo_url) repeated here carries its digest.
                match rec.photos.iter_mut().find(|p| p.primary && p.url == url) {
                    Some(p)
                        if p.sha256.is_none() && p.media_type.is_none() && p.taken.is_none() =>
                    {
                        p.sha256 = sha256;
                        p.media_type = media_type;
                        p.taken = taken;
                    }
                    _ => rec.photos.push(Photo {
                        url,
                        sha256,
                        media_type,
                        taken,
                        primary: false,
                    }),
                }
            }
            "agency" => {
                rec.agency.code = attr(c, "code");
                rec.agency.country = attr(c, "country")
                    .map(|v| country(&v, "gmcn:agency/@country"))
                    .transpose()?;
            }
            "extra" => {
                let key = attr(c, "key").ok_or_else(|| EntryError::Missing {
                    field: "gmcn:extra/@key".into(),
                })?;
                rec.extra.push(Extra {
                    format: NAME.into(),
                    key,
                    value: c.text.clone(),
                });
            }
            other => {
                warnings.push(format!(
                    "gmcn:{other}: element without a slot kept verbatim"
                ));
                rec.extra.push(Extra {
                    format: NAME.into(),
                    key: format!("gmcn:{other}"),
                    value: c.text.clone(),
                });
            }
        }
    }
    Ok(())
}
