//! Canonical records and transactions → PFIF 1.4 Atom feed with `gmcn:case`.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use homeward_schemas::{
    Action, Kind, Name, NameRole, Note, NoteStatus, Photo, Range, Record, RecordId, Sex, Status,
    StatusReason, TextKind, Transaction, translit,
};

use super::read::status_from_notes;
use super::{ATOM_NS, GMCN_NS, NAME, PFIF_NS, entry_date, record_domain};
use crate::format::{WriteContext, WriteError, Writer};
use crate::item::Loss;
use crate::xml::mark_place;
use crate::xmlcore::{XmlOut, decimal};

/// The extra key that keeps the `xml:lang` of the Latin `gmcn:name` (when not `und`).
const LATIN_LANG_KEY: &str = "gmcn:name[@script='Latn']/@xml:lang";

/// Writes one Atom feed of PFIF 1.4 persons with the `gmcn:case` extension.
#[derive(Debug)]
pub struct PfifWriter {
    ctx: WriteContext,
    min_entry_date: Option<DateTime<Utc>>,
}

impl PfifWriter {
    pub fn new(ctx: WriteContext) -> Self {
        Self {
            ctx,
            min_entry_date: None,
        }
    }

    /// Incremental export: only records whose [`entry_date`](super::entry_date) is at or
    /// after `cursor` are written (others are skipped without a loss); the feed's self link
    /// names the cursor.
    pub fn with_min_entry_date(mut self, cursor: Option<DateTime<Utc>>) -> Self {
        self.min_entry_date = cursor;
        self
    }
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

struct Losses {
    id: RecordId,
    list: Vec<Loss>,
}

impl Losses {
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

/// A person_record_id for `r`: its native id when it already has the `domain/local` shape,
/// else `source/native_id`.
fn person_record_id(id: &RecordId) -> String {
    match id.native_id.split_once('/') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => id.native_id.clone(),
        _ => format!("{}/{}", id.source, id.native_id),
    }
}

fn leaf(o: &mut XmlOut, name: &str, v: Option<&str>) {
    if let Some(v) = v {
        o.leaf(name, v);
    }
}

fn note_xml(o: &mut XmlOut, n: &Note, person: Option<&str>) {
    o.open("pfif:note");
    o.leaf("pfif:note_record_id", &n.note_record_id);
    leaf(o, "pfif:person_record_id", person);
    leaf(
        o,
        "pfif:linked_person_record_id",
        n.linked_person_record_id.as_deref(),
    );
    if let Some(t) = &n.entry_date {
        o.leaf("pfif:entry_date", &time(t));
    }
    o.leaf("pfif:author_name", n.author_name.as_deref().unwrap_or(""));
    leaf(o, "pfif:author_email", n.author_email.as_deref());
    leaf(o, "pfif:author_phone", n.author_phone.as_deref());
    if let Some(t) = &n.source_date {
        o.leaf("pfif:source_date", &time(t));
    }
    if let Some(b) = n.author_made_contact {
        o.leaf("pfif:author_made_contact", if b { "true" } else { "false" });
    }
    if let Some(s) = n.status {
        o.leaf("pfif:status", s.as_str());
    }
    leaf(
        o,
        "pfif:email_of_found_person",
        n.email_of_found_person.as_deref(),
    );
    leaf(
        o,
        "pfif:phone_of_found_person",
        n.phone_of_found_person.as_deref(),
    );
    leaf(
        o,
        "pfif:last_known_location",
        n.last_known_location.as_deref(),
    );
    o.leaf("pfif:text", n.text.as_deref().unwrap_or(""));
    leaf(o, "pfif:photo_url", n.photo_url.as_deref());
    o.close("pfif:note");
}

fn entry_open(o: &mut XmlOut, prid: &str, title: &str, author: &str, updated: &DateTime<Utc>) {
    o.open("entry")
        .leaf("id", &format!("pfif:{prid}"))
        .leaf("title", title)
        .open("author")
        .leaf("name", author)
        .close("author")
        .leaf("updated", &time(updated));
}

/// Integers for `gmcn:height_cm` / `gmcn:weight_kg`.
fn whole(v: &Range, field: &str, l: &mut Losses) -> String {
    if !v.is_exact() {
        l.add(
            field,
            format!("range {}..{} written as its midpoint", v.min, v.max),
        );
    }
    let m = v.mid();
    if m.fract() != 0.0 {
        l.add(
            field,
            format!("{} rounded to a whole number", (m * 100.0).round() / 100.0),
        );
    }
    format!("{}", m.round() as i64)
}

/// Whether a further primary name is written as a `gmcn:name` (it has parts or a language)
/// rather than as a line of `full_name`.
fn is_structured(n: &Name) -> bool {
    n.given.is_some() || n.family.is_some() || n.lang.is_some()
}

/// The lines of `pfif:full_name`: the first primary name, its partner-given Latin full form,
/// then further primary names that have only a full text.
fn full_name_lines(r: &Record) -> Vec<String> {
    let mut lines = Vec::new();
    let mut primaries = r.names.iter().filter(|n| n.role == NameRole::Primary);
    if let Some(n) = primaries.next() {
        lines.push(n.display());
        if let Some(lat) = n.latin.as_ref().filter(|x| !x.computed)
            && let Some(f) = &lat.full
        {
            lines.push(f.clone());
        }
    }
    lines.extend(primaries.filter(|n| !is_structured(n)).map(Name::display));
    lines
}

/// Whether `r` has a name for `pfif:full_name`: the reader refuses a person whose `full_name`
/// holds nothing but white space (PFIF requires one), and reads its first line as the primary
/// name, so that line must not be blank either.
fn has_full_name(r: &Record) -> bool {
    full_name_lines(r)
        .first()
        .is_some_and(|l| !l.trim().is_empty())
}

/// A note as the reader takes it back, or `None` (with a `Loss`) when it cannot be written:
/// `note_record_id` must have the `domain/local` shape; a missing `source_date` (which PFIF
/// requires, and without which the reader refuses the whole entry) is written as
/// `source_date` (`fallback` says what that is), with a `Loss`; a `linked_person_record_id` not of the `domain/local` shape
/// is left out, with a `Loss`.
fn writable_note<'n>(
    n: &'n Note,
    field: &str,
    source_date: DateTime<Utc>,
    fallback: &str,
    l: &mut Losses,
) -> Option<std::borrow::Cow<'n, Note>> {
    let is_record_id = |s: &str| matches!(s.trim().split_once('/'), Some((a, b)) if !a.is_empty() && !b.is_empty());
    if !is_record_id(&n.note_record_id) {
        l.add(
            field,
            format!(
                "not written: note_record_id `{}` is not of the form domain/local-id",
                n.note_record_id
            ),
        );
        return None;
    }
    let mut out = std::borrow::Cow::Borrowed(n);
    if n.source_date.is_none() {
        l.add(
            format!("{field}.source_date"),
            format!("not set: written as {fallback} (PFIF requires one)"),
        );
        out.to_mut().source_date = Some(source_date);
    }
    if let Some(linked) = &n.linked_person_record_id
        && !is_record_id(linked)
    {
        l.add(
            format!("{field}.linked_person_record_id"),
            format!("not written: `{linked}` is not of the form domain/local-id"),
        );
        out.to_mut().linked_person_record_id = None;
    }
    Some(out)
}

impl PfifWriter {
    fn placeholder(
        &self,
        o: &mut XmlOut,
        prid: &str,
        expiry: &DateTime<Utc>,
        source_date: Option<&DateTime<Utc>>,
        entry: Option<&str>,
        l: &mut Losses,
    ) {
        // PFIF requires both dates: one the record lacks is written as the time of writing,
        // and reported (it reads back as a date the record did not have).
        if source_date.is_none() {
            l.add(
                "source_updated_at",
                "not set: source_date written as the time of writing",
            );
        }
        if entry.is_none() {
            l.add(
                "entry_date",
                "not set: entry_date written as the time of writing",
            );
        }
        let sd = source_date.copied().unwrap_or(self.ctx.now);
        entry_open(o, prid, prid, &self.ctx.sender, &sd);
        o.open("pfif:person").leaf("pfif:person_record_id", prid);
        o.leaf(
            "pfif:entry_date",
            entry
                .map_or_else(|| time(&self.ctx.now), str::to_string)
                .as_str(),
        );
        o.leaf("pfif:expiry_date", &time(expiry))
            .leaf("pfif:source_date", &time(&sd))
            .raw("<pfif:full_name/>")
            .close("pfif:person")
            .close("entry")
            .raw("\n");
    }

    /// Writes `r` as an entry; `false` (with a `Loss`) when it has no name for `full_name`
    /// and nothing is written.
    fn person(&self, o: &mut XmlOut, r: &Record, l: &mut Losses) -> bool {
        if !has_full_name(r) {
            l.leave_out(
                "names",
                "not written: PFIF requires a full_name and the record has no primary name",
            );
            return false;
        }
        let prid = person_record_id(&r.id);
        if prid != r.id.native_id {
            l.add(
                "id.native_id",
                format!("written as person_record_id `{prid}` (PFIF ids are domain/local-id)"),
            );
        }
        if record_domain(&prid) != Some(r.id.source.as_str()) {
            l.add(
                "id.source",
                "not written: receivers file the record under the person_record_id's domain",
            );
        }
        let source_date = r.source_updated_at.unwrap_or(self.ctx.now);
        let primaries: Vec<(usize, &Name)> = r
            .names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.role == NameRole::Primary)
            .collect();
        let first = primaries.first().map(|(_, n)| *n);
        let title = first.map(Name::display).unwrap_or_default();
        let author = r
            .provenance
            .author_name
            .clone()
            .unwrap_or_else(|| self.ctx.sender.clone());
        entry_open(o, &prid, &title, &author, &source_date);

        // --- pfif:person ---
        o.open("pfif:person").leaf("pfif:person_record_id", &prid);
        // PFIF requires an entry_date: one the record lacks is written as the time of writing
        // and reported, as it reads back as a date the record did not have (found by fuzzing).
        if entry_date(r).is_none() {
            l.add(
                "provenance.entry_date",
                "not set: entry_date written as the time of writing",
            );
        }
        let ed = entry_date(r).unwrap_or(self.ctx.now);
        o.leaf("pfif:entry_date", &time(&ed));
        if let Some(e) = &r.expiry_date {
            o.leaf("pfif:expiry_date", &time(e));
        }
        let p = &r.provenance;
        leaf(o, "pfif:author_name", p.author_name.as_deref());
        leaf(o, "pfif:author_email", p.author_email.as_deref());
        leaf(o, "pfif:author_phone", p.author_phone.as_deref());
        leaf(o, "pfif:source_name", p.source_name.as_deref());
        o.leaf("pfif:source_date", &time(&source_date));
        leaf(o, "pfif:source_url", p.source_url.as_deref());

        // Names: the first primary name and its partner-given Latin form on full_name lines,
        // further primary names either as lines (full text only) or as gmcn:name.
        let full_lines = full_name_lines(r);
        let mut gmcn_names: Vec<&Name> = Vec::new();
        if let Some(n) = first
            && (n.middle.is_some() || n.suffix.is_some())
        {
            l.add("names[0].middle/suffix", "kept only inside full_name");
        }
        for (i, n) in primaries.iter().skip(1) {
            if is_structured(n) {
                gmcn_names.push(n);
            } else {
                if n.latin.as_ref().is_some_and(|x| !x.computed) {
                    l.add(
                        format!("names[{i}].latin"),
                        "not written: only the first name's Latin form has a slot",
                    );
                }
            }
            if n.middle.is_some() || n.suffix.is_some() {
                l.add(format!("names[{i}].middle/suffix"), "not written: no slot");
            }
        }
        o.leaf("pfif:full_name", &full_lines.join("\n"));
        if let Some(n) = first {
            leaf(o, "pfif:given_name", n.given.as_deref());
            leaf(o, "pfif:family_name", n.family.as_deref());
        }
        let alternates: Vec<String> = r
            .names
            .iter()
            .filter(|n| n.role != NameRole::Primary)
            .map(Name::display)
            .collect();
        for (i, n) in r.names.iter().enumerate() {
            if n.role == NameRole::Alias {
                l.add(
                    format!("names[{i}].role"),
                    "alias written as an alternate name",
                );
            }
            if n.role != NameRole::Primary && (n.lang.is_some() || n.given.is_some()) {
                l.add(
                    format!("names[{i}]"),
                    "alternate name kept as one line of text",
                );
            }
        }
        if !alternates.is_empty() {
            o.leaf("pfif:alternate_names", &alternates.join("\n"));
        }
        let descriptions: Vec<_> = r.texts.iter().collect();
        let plain = descriptions
            .iter()
            .position(|t| t.kind == TextKind::Description && t.lang.is_none());
        if let Some(i) = plain {
            o.leaf("pfif:description", &descriptions[i].text);
        }
        match r.sex {
            Some(Sex::Female) => {
                o.leaf("pfif:sex", "female");
            }
            Some(Sex::Male) => {
                o.leaf("pfif:sex", "male");
            }
            Some(Sex::Other) => {
                o.leaf("pfif:sex", "other");
            }
            Some(Sex::Unknown) => l.add("sex", "not written: PFIF omits an unknown sex"),
            None => {}
        }
        if let Some(d) = r.birth_dates.first() {
            o.leaf("pfif:date_of_birth", &d.to_string());
        }
        l.not_held(
            r.birth_dates.len() > 1,
            "birth_dates[1..]",
            "PFIF holds one date of birth",
        );
        if let Some(a) = &r.age {
            if a.min == a.max {
                o.leaf("pfif:age", &a.min.to_string());
            } else {
                o.leaf("pfif:age", &format!("{}-{}", a.min, a.max));
            }
            if a.as_of.is_some() && a.as_of != Some(source_date.date_naive()) {
                l.add("age.as_of", "PFIF ages are as of source_date");
            }
        }
        if let Some(h) = &r.home {
            leaf(o, "pfif:home_street", h.street.as_deref());
            leaf(o, "pfif:home_neighborhood", h.neighborhood.as_deref());
            leaf(o, "pfif:home_city", h.city.as_deref());
            leaf(o, "pfif:home_state", h.region.as_deref());
            leaf(o, "pfif:home_postal_code", h.postal_code.as_deref());
            leaf(o, "pfif:home_country", h.country.as_deref());
            l.not_held(h.name.is_some(), "home.name", "no slot");
            l.not_held(
                h.lat.is_some() || h.lon.is_some(),
                "home.lat/lon",
                "no slot",
            );
        }
        let primary_photo = r.photos.iter().position(|p| p.primary);
        if let Some(i) = primary_photo {
            o.leaf("pfif:photo_url", &r.photos[i].url);
        }
        leaf(o, "pfif:profile_urls", p.profile_urls.as_deref());
        for (i, n) in r.notes.iter().enumerate() {
            if let Some(n) = writable_note(
                n,
                &format!("notes[{i}]"),
                source_date,
                "the person's source_date",
                l,
            ) {
                note_xml(o, &n, None);
            }
        }
        self.status_note(o, r, &prid, l);
        o.close("pfif:person");

        // --- gmcn:case ---
        o.open("gmcn:case");
        if let Some(n) = first {
            if let Some(lat) = n.latin.as_ref().filter(|x| !x.computed)
                && (lat.given.is_some() || lat.family.is_some())
            {
                let lang = r
                    .extra
                    .iter()
                    .find(|e| e.format == NAME && e.key == LATIN_LANG_KEY)
                    .map_or("und", |e| e.value.as_str());
                o.open_attrs(
                    "gmcn:name",
                    &[
                        ("xml:lang", Some(lang)),
                        ("script", Some("Latn")),
                        ("given", lat.given.as_deref()),
                        ("family", lat.family.as_deref()),
                    ],
                    true,
                );
            }
            if let Some(s) = &n.script {
                let shown = n.display();
                if !shown.trim().is_empty() && s != translit::detect_script(&shown) {
                    l.add(
                        "names[0].script",
                        "not written: the first name's script is not held",
                    );
                }
            }
            l.not_held(
                n.lang.is_some(),
                "names[0].lang",
                "the first name's language has no slot",
            );
        }
        for n in &gmcn_names {
            // A further Latin name written with `script="Latn"` would be read back as the first
            // name's Latin form (found by fuzzing); its script is left out where reading
            // recomputes the same one.
            let shown = n.display();
            let script = n.script.as_deref().filter(|s| {
                !(*s == "Latn"
                    && !shown.trim().is_empty()
                    && translit::detect_script(&shown) == "Latn")
            });
            o.open_attrs(
                "gmcn:name",
                &[
                    ("xml:lang", n.lang.as_deref()),
                    ("script", script),
                    ("given", n.given.as_deref()),
                    ("family", n.family.as_deref()),
                ],
                false,
            );
            if let Some(f) = &n.full {
                o.text(f);
            }
            o.close("gmcn:name");
        }
        for (i, t) in descriptions.iter().enumerate() {
            if Some(i) == plain {
                continue;
            }
            if t.kind != TextKind::Description {
                l.add(
                    format!("texts[{i}].kind"),
                    format!("{:?} text written as a description", t.kind),
                );
            }
            o.open_attrs(
                "gmcn:description",
                &[("xml:lang", t.lang.as_deref())],
                false,
            )
            .text(&t.text)
            .close("gmcn:description");
        }
        if let Some(d) = &r.last_contact {
            o.leaf("gmcn:missing_since", &d.to_string());
        }
        if let Some(p) = &r.last_seen {
            let name = p.name.as_deref().or(p.city.as_deref());
            if p.name.is_none() && p.city.is_some() {
                l.add("last_seen.city", "written as the place's name");
            } else {
                l.not_held(
                    p.city.is_some(),
                    "last_seen.city",
                    "no slot beside the place name",
                );
            }
            l.not_held(p.street.is_some(), "last_seen.street", "no slot");
            l.not_held(
                p.neighborhood.is_some(),
                "last_seen.neighborhood",
                "no slot",
            );
            l.not_held(p.postal_code.is_some(), "last_seen.postal_code", "no slot");
            let lat = p.lat.map(decimal);
            let lon = p.lon.map(decimal);
            o.open_attrs(
                "gmcn:last_seen",
                &[
                    ("lat", lat.as_deref()),
                    ("lon", lon.as_deref()),
                    ("country", p.country.as_deref()),
                    ("region", p.region.as_deref()),
                ],
                false,
            );
            if let Some(n) = name {
                o.text(n);
            }
            o.close("gmcn:last_seen");
        }
        if let Some(h) = &r.height_cm {
            let v = whole(h, "height_cm", l);
            o.leaf("gmcn:height_cm", &v);
        }
        if let Some(w) = &r.weight_kg {
            let v = whole(w, "weight_kg", l);
            o.leaf("gmcn:weight_kg", &v);
        }
        if let Some(e) = r.eye {
            o.leaf("gmcn:eyes", e.ncic());
        }
        if let Some(h) = r.hair {
            o.leaf("gmcn:hair", h.ncic());
        }
        for m in &r.marks {
            let place = mark_place(m);
            o.open_attrs(
                "gmcn:mark",
                &[
                    ("kind", Some(m.kind.ncic())),
                    ("place", Some(place.as_str())),
                ],
                false,
            );
            if let Some(t) = &m.text {
                o.text(t);
            }
            o.close("gmcn:mark");
        }
        if let Some(c) = r.case_category {
            o.leaf("gmcn:category", c.as_str());
        }
        for (i, ph) in r.photos.iter().enumerate() {
            let is_primary = Some(i) == primary_photo;
            if ph.primary && !is_primary {
                l.add(
                    format!("photos[{i}].primary"),
                    "only one identifying photo: written as a further photo",
                );
            }
            let has_meta = ph.sha256.is_some() || ph.media_type.is_some() || ph.taken.is_some();
            if !is_primary || has_meta {
                photo(o, ph);
            }
        }
        if r.agency.code.is_some() || r.agency.country.is_some() {
            o.open_attrs(
                "gmcn:agency",
                &[
                    ("code", r.agency.code.as_deref()),
                    ("country", r.agency.country.as_deref()),
                ],
                true,
            );
        }
        for (i, e) in r.extra.iter().enumerate() {
            if e.format != NAME {
                l.add(
                    format!("extra[{i}]"),
                    format!("not written: field `{}` of format {}", e.key, e.format),
                );
            } else if e.key != LATIN_LANG_KEY {
                o.open_attrs("gmcn:extra", &[("key", Some(e.key.as_str()))], false)
                    .text(&e.value)
                    .close("gmcn:extra");
            }
        }
        o.close("gmcn:case").close("entry").raw("\n");
        record_losses(r, l);
        true
    }

    /// For a located record whose notes do not already say so, a note that does.
    fn status_note(&self, o: &mut XmlOut, r: &Record, prid: &str, l: &mut Losses) {
        let from_notes = status_from_notes(&r.notes).map_or(Status::Active, |(_, s)| s);
        if r.status == from_notes {
            return;
        }
        match r.status {
            Status::Located | Status::Cleared => {
                if r.status == Status::Cleared {
                    l.add("status", "cleared written as a believed_alive note with contact (reads back as located)");
                }
                let ev = r.status_history.iter().rev().find(|e| e.status == r.status);
                let when = ev
                    .and_then(|e| e.date)
                    .and_then(|d| d.to_naive())
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|d| d.and_utc())
                    .or(r.source_updated_at)
                    .unwrap_or(self.ctx.now);
                let reason = ev.and_then(|e| e.reason).unwrap_or(StatusReason::Located);
                let note = Note {
                    note_record_id: format!("{prid}.status"),
                    author_name: ev
                        .and_then(|e| e.by.clone())
                        .or(Some(self.ctx.sender.clone())),
                    source_date: Some(when),
                    author_made_contact: Some(true),
                    status: Some(NoteStatus::BelievedAlive),
                    text: Some(format!("Case closed: {}.", reason.ncic())),
                    ..Note::default()
                };
                note_xml(o, &note, None);
            }
            Status::Active => l.add(
                "status",
                "active, but the newest note says located: written as is",
            ),
            other => l.add(
                "status",
                format!("not written: PFIF notes cannot say {other}"),
            ),
        }
    }

    fn write_transaction(&self, o: &mut XmlOut, t: &Transaction, l: &mut Losses) -> bool {
        let id = RecordId::new(t.target.source.clone(), t.target.native_id.clone());
        let prid = person_record_id(&id);
        l.not_held(t.target.name.is_some(), "target.name", "no slot");
        l.not_held(
            t.target.case_number.is_some(),
            "target.case_number",
            "no slot",
        );
        let closing_note = |status_reason: Option<StatusReason>| Note {
            note_record_id: format!(
                "{prid}.{}",
                t.source_updated_at.unwrap_or(self.ctx.now).timestamp()
            ),
            author_name: t.by.clone().or(Some(self.ctx.sender.clone())),
            source_date: Some(t.source_updated_at.unwrap_or(self.ctx.now)),
            author_made_contact: Some(true),
            status: Some(NoteStatus::BelievedAlive),
            text: Some(format!(
                "Case closed: {}.",
                status_reason.unwrap_or(StatusReason::Located).ncic()
            )),
            ..Note::default()
        };
        let note = match &t.action {
            Action::Note { note } => {
                let when = t.source_updated_at.unwrap_or(self.ctx.now);
                match writable_note(
                    note,
                    "note",
                    when,
                    "the transaction's source_updated_at, else the time of writing",
                    l,
                ) {
                    Some(n) => n.into_owned(),
                    None => return false,
                }
            }
            Action::Locate => closing_note(t.reason),
            Action::Clear {
                identified_as,
                identified_name,
            } => {
                l.add(
                    "action",
                    "clear written as a believed_alive note with contact (reads back as located)",
                );
                l.not_held(identified_as.is_some(), "identified_as", "no slot");
                l.not_held(identified_name.is_some(), "identified_name", "no slot");
                closing_note(t.reason)
            }
            Action::Cancel => {
                l.leave_out("action", "not written: PFIF has no cancel");
                return false;
            }
            Action::Expire { expiry_date } => {
                let entry = t
                    .extra
                    .iter()
                    .find(|e| e.format == NAME && e.key == "pfif:entry_date")
                    .map(|e| e.value.as_str());
                self.placeholder(
                    o,
                    &prid,
                    expiry_date,
                    t.source_updated_at.as_ref(),
                    entry,
                    l,
                );
                return true;
            }
            Action::Modify { patch, full } => {
                if !full {
                    l.leave_out("action", "not written: a partial modify has no PFIF form (a person carries the whole record)");
                    return false;
                }
                return self.person(o, patch, l);
            }
        };
        let updated = note.source_date.unwrap_or(self.ctx.now);
        entry_open(
            o,
            &note.note_record_id,
            &format!("note on {prid}"),
            &self.ctx.sender,
            &updated,
        );
        note_xml(o, &note, Some(&prid));
        o.close("entry").raw("\n");
        true
    }
}

fn photo(o: &mut XmlOut, p: &Photo) {
    let taken = p.taken.map(|d| d.to_string());
    o.open_attrs(
        "gmcn:photo",
        &[
            ("href", Some(p.url.as_str())),
            ("sha256", p.sha256.as_deref()),
            ("type", p.media_type.as_deref()),
            ("taken", taken.as_deref()),
        ],
        true,
    );
}

/// Fields PFIF and `gmcn:case` have no slot for.
fn record_losses(r: &Record, l: &mut Losses) {
    l.not_held(
        r.kind != Kind::Missing,
        "kind",
        "PFIF holds missing persons; reads back as missing",
    );
    l.not_held(r.agency.name.is_some(), "agency.name", "no slot");
    l.not_held(r.agency.ori.is_some(), "agency.ori", "no slot");
    l.not_held(r.case_number.is_some(), "case_number", "no slot");
    l.not_held(r.nic.is_some(), "nic", "no slot");
    l.not_held(r.entry_category.is_some(), "entry_category", "no slot");
    l.not_held(r.condition.is_some(), "condition", "no slot");
    l.not_held(r.missing_type.is_some(), "missing_type", "no slot");
    l.not_held(r.circumstance.is_some(), "circumstance", "no slot");
    l.not_held(r.race.is_some(), "race", "no slot");
    l.not_held(r.ethnicity.is_some(), "ethnicity", "no slot");
    l.not_held(r.birth_year.is_some(), "birth_year", "no slot");
    l.not_held(r.place_of_birth.is_some(), "place_of_birth", "no slot");
    l.not_held(r.citizenship.is_some(), "citizenship", "no slot");
    l.not_held(r.skin.is_some(), "skin", "no slot");
    l.not_held(r.dental.is_some(), "dental", "no slot");
    l.not_held(r.dental_xrays.is_some(), "dental_xrays", "no slot");
    l.not_held(r.body_parts.is_some(), "body_parts", "no slot");
    l.not_held(r.blood_type.is_some(), "blood_type", "no slot");
    l.not_held(r.circumcision.is_some(), "circumcision", "no slot");
    l.not_held(
        r.fingerprint_class.is_some(),
        "fingerprint_class",
        "no slot",
    );
    l.not_held(
        r.fingerprints_available.is_some(),
        "fingerprints_available",
        "no slot",
    );
    l.not_held(r.dna_available.is_some(), "dna_available", "no slot");
    l.not_held(!r.jewellery.is_empty(), "jewellery", "no slot");
    l.not_held(!r.identifiers.is_empty(), "identifiers", "no slot");
    l.not_held(r.caution.is_some(), "caution", "no slot");
    l.not_held(r.found_date.is_some(), "found_date", "no slot");
    l.not_held(r.estimated_death.is_some(), "estimated_death", "no slot");
    l.not_held(r.death_date.is_some(), "death_date", "no slot");
    l.not_held(r.found_place.is_some(), "found_place", "no slot");
    l.not_held(r.death_place.is_some(), "death_place", "no slot");
    l.not_held(r.identified_as.is_some(), "identified_as", "no slot");
    for (i, link) in r.linked_records.iter().enumerate() {
        let in_note = r
            .notes
            .iter()
            .any(|n| n.linked_person_record_id.as_deref() == Some(link.as_str()));
        l.not_held(
            !in_note,
            &format!("linked_records[{i}]"),
            "PFIF links records only through notes",
        );
    }
}

impl Writer for PfifWriter {
    fn begin(&mut self, out: &mut dyn Write) -> Result<(), WriteError> {
        let mut o = XmlOut::new();
        o.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        o.raw(&format!(
            "<feed xmlns=\"{ATOM_NS}\" xmlns:pfif=\"{PFIF_NS}\" xmlns:gmcn=\"{GMCN_NS}\">"
        ));
        let url = self
            .ctx
            .feed_url
            .clone()
            .unwrap_or_else(|| format!("urn:homeward:feed:{}", self.ctx.sender));
        o.leaf("id", &url).leaf("title", &self.ctx.sender);
        o.leaf("updated", &time(&self.ctx.now));
        let href = match &self.min_entry_date {
            Some(c) => format!("{url}?min_entry_date={}", time(c)),
            None => url,
        };
        o.open_attrs(
            "link",
            &[("rel", Some("self")), ("href", Some(href.as_str()))],
            true,
        );
        o.raw("\n");
        out.write_all(o.buf.as_bytes())?;
        Ok(())
    }

    fn record(&mut self, out: &mut dyn Write, r: &Record) -> Result<Vec<Loss>, WriteError> {
        if let (Some(c), Some(d)) = (self.min_entry_date, entry_date(r))
            && d < c
        {
            return Ok(Vec::new());
        }
        let mut l = Losses {
            id: r.id.clone(),
            list: Vec::new(),
        };
        let mut o = XmlOut::new();
        let expired =
            r.status == Status::Expired || r.expiry_date.is_some_and(|e| e <= self.ctx.now);
        if expired {
            let expiry = r.expiry_date.unwrap_or(self.ctx.now);
            let ed = entry_date(r).map(|d| time(&d));
            self.placeholder(
                &mut o,
                &person_record_id(&r.id),
                &expiry,
                r.source_updated_at.as_ref(),
                ed.as_deref(),
                &mut l,
            );
        } else {
            self.person(&mut o, r, &mut l);
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
        let mut l = Losses {
            id: RecordId::new(t.target.source.clone(), t.target.native_id.clone()),
            list: Vec::new(),
        };
        let mut o = XmlOut::new();
        if self.write_transaction(&mut o, t, &mut l) {
            if o.removed_chars {
                l.add("text", "characters XML 1.0 cannot carry were removed");
            }
            out.write_all(o.buf.as_bytes())?;
        }
        Ok(l.list)
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<(), WriteError> {
        out.write_all(b"</feed>\n")?;
        Ok(())
    }
}
