//! Lifecycle rules: what an entry or a transaction does to a stored record. Pure functions
//! on records; the write path (`apply.rs`) stores what they return.
//!
//! The rules (also in ARCHITECTURE.md, "Store"):
//!
//! - **Newest wins** for content. An entry or a modify whose `source_updated_at` is older than
//!   the stored record's is *stale* and changes nothing. Items without a time apply in input
//!   order. Lifecycle transactions (cancel, locate, clear) are events with their own dates: they
//!   apply in input order whatever their time (a clear dated before the extract that carried the
//!   entry still closes the case); notes and expiry are exempt too.
//! - **Transitions.** `active` → `located` (locate, missing records only), `cleared` (clear of
//!   a missing record), `identified` (clear of an unidentified or unclaimed record),
//!   `cancelled` (cancel); `located` → `cleared`/`identified`/`cancelled` (the entering agency
//!   closes a case another agency located). The same transition twice changes nothing. Any
//!   other transition on a closed record (`cleared`, `cancelled`, `identified`) is refused and
//!   quarantined. Any status → `expired` (expiry); an expired record takes nothing more.
//! - **Modify** applies to any record that has not expired, whatever its status (a correction
//!   to a closed case is still a correction); it never moves the status.
//! - **Re-entry** of a closed record updates its description and keeps it closed (with a
//!   warning): a closing is an agency's act, and an entry re-sent in a later extract is no
//!   evidence that the case reopened (a re-opened case is a new entry, with a new id). Only
//!   PFIF notes move a case back (below).
//! - **Notes** (PFIF) are kept as a set (by `note_record_id`). The newest note by
//!   `source_date` among `believed_alive` with `author_made_contact=true` (→ located) and
//!   `believed_missing` (→ active) decides, but notes only move a record between `active` and a
//!   `located` that a note made: they never undo an agency's locate, clear, cancel or
//!   identification. `believed_dead` is kept and does not close the case.
//! - **Expiry** removes personal data with [`Record::strip_personal_data`], keeps the
//!   placeholder, and lists the removed fields (names only) in the version history.

use chrono::{DateTime, Utc};
use homeward_schemas::{
    Action, Kind, Name, NameRole, Note, NoteStatus, PartialDate, Record, Status, StatusEvent,
    StatusReason, TargetRef, Transaction, translit,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::model::{ChangeKind, UnchangedReason};

/// Why the store refuses an item (it goes to quarantine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub field: Option<String>,
    pub reason: String,
}

impl Refusal {
    pub(crate) fn new(field: Option<&str>, reason: impl Into<String>) -> Self {
        Self {
            field: field.map(str::to_string),
            reason: reason.into(),
        }
    }
}

/// What applying an item to a stored record does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Effect {
    Changed {
        record: Box<Record>,
        change: ChangeKind,
        changed: FieldsChanged,
        warnings: Vec<String>,
    },
    Unchanged(UnchangedReason),
    Stale {
        stored: DateTime<Utc>,
        incoming: DateTime<Utc>,
    },
    Refused(Refusal),
}

/// Which top-level fields a change changed (a version's `changed`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldsChanged {
    /// These: an expiry names the fields whose personal data it removed.
    Fields(Vec<String>),
    /// Those whose values differ between the stored record and the new one
    /// ([`changed_fields`]): the write path finds them from the two encodings it makes
    /// anyway, rather than encoding both records once more here.
    Diff,
}

/// SHA-256 (lower-case hex) of a record's content: its canonical JSON with the store-kept
/// `version` and `received_at` left out. Two records with the same content digest say the
/// same thing.
pub fn content_digest(record: &Record) -> String {
    let mut r = record.clone();
    r.version = 0;
    r.received_at = None;
    let bytes = serde_json::to_vec(&r).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// Whether `new` says what `old` says, the store's `version` aside (compared in place: no
/// copies).
fn same_content(old: &Record, new: &mut Record) -> bool {
    let version = std::mem::replace(&mut new.version, old.version);
    let same = *old == *new;
    new.version = version;
    same
}

fn to_map(r: &Record) -> Map<String, Value> {
    match serde_json::to_value(r) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The top-level fields whose values differ between `old` and `new` (the store's `version`
/// aside): first those of `new` that differ or that `old` lacks, then those only `old` has,
/// each in key order. The write path finds them from the records' encodings
/// ([`crate::json::changed_fields`]); this is the same on records.
#[cfg(test)]
pub(crate) fn changed_fields(old: &Record, new: &Record) -> Vec<String> {
    let (a, b) = (
        serde_json::to_vec(old).unwrap_or_default(),
        serde_json::to_vec(new).unwrap_or_default(),
    );
    match (crate::json::Fields::of(&a), crate::json::Fields::of(&b)) {
        (Some(a), Some(b)) => crate::json::changed_fields(&a, &b),
        _ => None,
    }
    .unwrap_or_else(|| changed_fields_by_value(old, new))
}

/// [`changed_fields`] by comparing the records as JSON values (where the encodings cannot be
/// compared field by field).
pub(crate) fn changed_fields_by_value(old: &Record, new: &Record) -> Vec<String> {
    let (a, b) = (to_map(old), to_map(new));
    let mut out: Vec<String> = Vec::new();
    for (k, v) in &b {
        if k != "version" && a.get(k) != Some(v) {
            out.push(k.clone());
        }
    }
    for k in a.keys() {
        if k != "version" && !b.contains_key(k) {
            out.push(k.clone());
        }
    }
    out
}

fn max_time(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Whether a status closes the case (expired aside).
pub(crate) fn is_closed(s: Status) -> bool {
    matches!(
        s,
        Status::Located | Status::Cleared | Status::Cancelled | Status::Identified
    )
}

fn stale(stored: Option<DateTime<Utc>>, incoming: Option<DateTime<Utc>>) -> Option<Effect> {
    match (stored, incoming) {
        (Some(s), Some(i)) if i < s => Some(Effect::Stale {
            stored: s,
            incoming: i,
        }),
        _ => None,
    }
}

fn changed(old: &Record, mut new: Record, warnings: Vec<String>) -> Effect {
    if same_content(old, &mut new) {
        return Effect::Unchanged(UnchangedReason::SameContent);
    }
    let change = if new.status != old.status {
        ChangeKind::Status {
            from: old.status,
            to: new.status,
        }
    } else {
        ChangeKind::Updated
    };
    Effect::Changed {
        changed: FieldsChanged::Diff,
        record: Box::new(new),
        change,
        warnings,
    }
}

// === new records ===

/// Prepares a record stored for the first time: the note rule, and the removal of personal
/// data when it arrives already expired.
pub(crate) fn prepare_new(r: &mut Record, now: DateTime<Utc>) {
    apply_note_rule(r, now);
    if r.status == Status::Expired || r.expiry_date.is_some_and(|d| d <= now) {
        let date = r.expiry_date.unwrap_or(now);
        let _ = expire(r, date, now, None);
    }
}

// === entries on a stored record ===

/// An entry (the record as the source now states it) for a record already stored.
pub(crate) fn reenter(old: &Record, incoming: &Record, now: DateTime<Utc>) -> Effect {
    if old.status == Status::Expired {
        return Effect::Unchanged(UnchangedReason::Expired);
    }
    if let Some(e) = stale(old.source_updated_at, incoming.source_updated_at) {
        return e;
    }
    let mut warnings = Vec::new();
    let mut new = replace_content(old, incoming);

    // Status: an entry that states a closing status for an active record brings it along; a
    // closed record stays closed (see the module doc).
    if incoming.status != Status::Active && incoming.status != old.status {
        if old.status == Status::Active && incoming.status != Status::Expired {
            new.status = incoming.status;
        } else if incoming.status != Status::Expired {
            warnings.push(format!(
                "entry states status {} but the record is {}; status kept",
                incoming.status, old.status
            ));
        }
    } else if incoming.status == Status::Active && is_closed(old.status) {
        warnings.push(format!(
            "record is {}: the entry updates its description but does not reopen it",
            old.status
        ));
    }
    apply_note_rule(&mut new, now);
    if incoming.status == Status::Expired || incoming.expiry_date.is_some_and(|d| d <= now) {
        let date = incoming.expiry_date.unwrap_or(now);
        let removed = expire(&mut new, date, now, Some(incoming.id.source.clone()));
        return Effect::Changed {
            record: Box::new(new),
            change: ChangeKind::Expired,
            changed: FieldsChanged::Fields(removed),
            warnings,
        };
    }
    changed(old, new, warnings)
}

/// `incoming`'s content on `old`'s identity: what the store keeps of its own (first received,
/// version, status and its history, notes, the identification a clear made) stays.
fn replace_content(old: &Record, incoming: &Record) -> Record {
    let mut new = incoming.clone();
    new.id = old.id.clone();
    new.kind = old.kind;
    new.received_at = old.received_at;
    new.version = old.version;
    new.status = old.status;
    new.status_history = old.status_history.clone();
    for e in &incoming.status_history {
        if !new.status_history.contains(e) {
            new.status_history.push(e.clone());
        }
    }
    new.notes = merge_notes(&old.notes, &incoming.notes);
    if new.identified_as.is_none() {
        new.identified_as = old.identified_as.clone();
    }
    new.source_updated_at = max_time(old.source_updated_at, incoming.source_updated_at);
    new
}

fn merge_notes(old: &[Note], incoming: &[Note]) -> Vec<Note> {
    let mut out = old.to_vec();
    for n in incoming {
        if !out.iter().any(|o| o.note_record_id == n.note_record_id) {
            out.push(n.clone());
        }
    }
    out
}

// === notes ===

/// Applies the note rule (module doc); returns whether the status moved.
pub(crate) fn apply_note_rule(r: &mut Record, now: DateTime<Utc>) -> bool {
    let deciding = r
        .notes
        .iter()
        .enumerate()
        .filter(|(_, n)| match n.status {
            Some(NoteStatus::BelievedMissing) => true,
            Some(NoteStatus::BelievedAlive) => n.author_made_contact == Some(true),
            _ => false,
        })
        .max_by_key(|(i, n)| (n.source_date, *i))
        .map(|(_, n)| n.clone());
    let Some(note) = deciding else {
        return false;
    };
    let target = if note.status == Some(NoteStatus::BelievedMissing) {
        Status::Active
    } else {
        Status::Located
    };
    let by_note = r
        .status_history
        .last()
        .is_some_and(|e| e.note_record_id.is_some());
    let moves = match (r.status, target) {
        (Status::Active, Status::Located) => true,
        (Status::Located, Status::Active) => by_note,
        _ => false,
    };
    if !moves {
        return false;
    }
    r.status = target;
    r.status_history.push(StatusEvent {
        status: target,
        date: note
            .source_date
            .map(|d| PartialDate::from_naive(d.date_naive())),
        applied_at: Some(now),
        reason: (target == Status::Located).then_some(StatusReason::Located),
        by: note.author_name.clone(),
        note_record_id: Some(note.note_record_id.clone()),
    });
    true
}

// === expiry ===

/// Marks `r` expired and removes its personal data; returns the fields removed or emptied.
pub(crate) fn expire(
    r: &mut Record,
    expiry_date: DateTime<Utc>,
    now: DateTime<Utc>,
    by: Option<String>,
) -> Vec<String> {
    let before = r.clone();
    r.expiry_date = Some(expiry_date);
    r.status = Status::Expired;
    r.status_history.push(StatusEvent {
        status: Status::Expired,
        date: Some(PartialDate::from_naive(expiry_date.date_naive())),
        applied_at: Some(now),
        reason: None,
        by,
        note_record_id: None,
    });
    r.strip_personal_data();
    let (a, b) = (to_map(&before), to_map(r));
    a.iter()
        .filter(|(k, v)| {
            !matches!(
                k.as_str(),
                "status" | "status_history" | "expiry_date" | "version"
            ) && b.get(k.as_str()) != Some(v)
        })
        .map(|(k, _)| k.clone())
        .collect()
}

// === transactions ===

/// Checks the confirmations a transaction gives (kind, name, case number) against the record.
pub(crate) fn confirm_target(r: &Record, t: &TargetRef) -> Result<(), Refusal> {
    if let Some(k) = t.kind
        && k != r.kind
    {
        return Err(Refusal::new(
            Some("kind"),
            format!(
                "the transaction is for a {k} record but {} is a {} record",
                r.id, r.kind
            ),
        ));
    }
    if let Some(name) = t.name.as_deref().filter(|n| !n.trim().is_empty())
        && !name_matches(r, name)
    {
        let on_file: Vec<String> = r.names.iter().map(Name::display).collect();
        return Err(Refusal::new(
            Some("name"),
            format!(
                "name `{name}` does not match {} (on file: {})",
                r.id,
                if on_file.is_empty() {
                    "no name".to_string()
                } else {
                    on_file.join("; ")
                }
            ),
        ));
    }
    if let Some(oca) = t.case_number.as_deref().filter(|c| !c.trim().is_empty()) {
        let ok = r
            .case_number
            .as_deref()
            .is_some_and(|c| case_key(c) == case_key(oca));
        if !ok {
            return Err(Refusal::new(
                Some("case_number"),
                format!(
                    "case number `{oca}` does not match {} (on file: {})",
                    r.id,
                    r.case_number.as_deref().unwrap_or("none")
                ),
            ));
        }
    }
    Ok(())
}

fn tokens(s: &str) -> Vec<String> {
    let mut t: Vec<String> = translit::match_key(s)
        .split(' ')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect();
    t.sort();
    t
}

/// A confirming name matches a record's name when, compared as normalized words
/// ([`translit::match_key`], any order), it holds the whole family name and its other words
/// are all among the name's (so `SMITH, JOHN` confirms `John James Smith`).
fn name_matches(r: &Record, given: &str) -> bool {
    let want = tokens(given);
    if want.is_empty() {
        return false;
    }
    r.names.iter().any(|n| {
        [n.display(), n.display_latin()].iter().any(|text| {
            let have = tokens(text);
            let family = n.family.as_deref().map(tokens).unwrap_or_default();
            let all_in = want.iter().all(|w| have.contains(w));
            let family_in = family.iter().all(|f| want.contains(f));
            all_in && family_in && (want.len() >= 2 || want == have)
        })
    })
}

/// Case numbers compare by their letters and digits, upper case.
fn case_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Fields a partial modify never touches: identity, and what the store and the lifecycle own.
const NOT_PATCHED: &[&str] = &[
    "schema_version",
    "kind",
    "id",
    "format",
    "version",
    "received_at",
    "status",
    "status_history",
    "notes",
];

/// Objects patched field by field rather than replaced whole.
const MERGED_OBJECTS: &[&str] = &["agency", "provenance"];

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// A partial modify: every top-level field present in the patch (not null, not empty)
/// replaces the record's; `agency` and `provenance` are patched field by field; `extra`
/// fields replace the record's of the same format and key and add the others.
pub(crate) fn patch_partial(old: &Record, patch: &Record) -> Result<Record, Refusal> {
    let mut base = to_map(old);
    for (k, v) in to_map(patch) {
        if NOT_PATCHED.contains(&k.as_str()) || is_empty_value(&v) {
            continue;
        }
        if k == "extra" {
            let mut extra = old.extra.clone();
            for e in &patch.extra {
                extra.retain(|x| !(x.format == e.format && x.key == e.key));
            }
            extra.extend(patch.extra.iter().cloned());
            if let Ok(v) = serde_json::to_value(extra) {
                base.insert(k, v);
            }
            continue;
        }
        match (MERGED_OBJECTS.contains(&k.as_str()), v) {
            (true, Value::Object(sub)) => {
                let entry = base
                    .entry(k.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                if let Value::Object(target) = entry {
                    for (sk, sv) in sub {
                        if !is_empty_value(&sv) {
                            target.insert(sk, sv);
                        }
                    }
                }
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
    serde_json::from_value(Value::Object(base))
        .map_err(|e| Refusal::new(None, format!("the modify does not fit the record: {e}")))
}

fn event(t: &Transaction, status: Status, now: DateTime<Utc>) -> StatusEvent {
    StatusEvent {
        status,
        date: t.date,
        applied_at: Some(now),
        reason: t.reason,
        by: t.by.clone().or_else(|| Some(t.target.source.clone())),
        note_record_id: None,
    }
}

/// Applies a transaction to the record it names (already resolved and confirmed).
pub(crate) fn apply_transaction(old: &Record, t: &Transaction, now: DateTime<Utc>) -> Effect {
    if old.status == Status::Expired {
        return Effect::Unchanged(UnchangedReason::Expired);
    }
    // Newest wins for content: only a modify can be stale (module doc).
    let incoming_time = match &t.action {
        Action::Modify { patch, .. } => max_time(t.source_updated_at, patch.source_updated_at),
        _ => t.source_updated_at,
    };
    if matches!(t.action, Action::Modify { .. })
        && let Some(e) = stale(old.source_updated_at, incoming_time)
    {
        return e;
    }
    match &t.action {
        Action::Modify { patch, full } => {
            let mut new = if *full {
                replace_content(old, patch)
            } else {
                match patch_partial(old, patch) {
                    Ok(r) => r,
                    Err(refusal) => return Effect::Refused(refusal),
                }
            };
            new.source_updated_at = max_time(old.source_updated_at, incoming_time);
            apply_note_rule(&mut new, now);
            changed(old, new, Vec::new())
        }
        Action::Cancel => close(old, t, Status::Cancelled, now),
        Action::Locate => {
            if old.kind != Kind::Missing {
                return Effect::Refused(Refusal::new(
                    None,
                    format!(
                        "a locate applies to missing-person records; {} is a {} record (close it with a clear)",
                        old.id, old.kind
                    ),
                ));
            }
            close(old, t, Status::Located, now)
        }
        Action::Clear {
            identified_as,
            identified_name,
        } => {
            let to = if old.kind == Kind::Missing {
                Status::Cleared
            } else {
                Status::Identified
            };
            let mut effect = close(old, t, to, now);
            if let Effect::Changed {
                record, warnings, ..
            } = &mut effect
            {
                if to == Status::Identified {
                    if identified_as.is_some() {
                        record.identified_as = identified_as.clone();
                    }
                    if let Some(n) = identified_name {
                        let mut n = (**n).clone();
                        n.role = NameRole::Primary;
                        n.complete();
                        if !record.names.contains(&n) {
                            record.names.push(n);
                        }
                    }
                } else if identified_as.is_some() || identified_name.is_some() {
                    warnings.push(
                        "identification given on the clear of a missing-person record is not kept"
                            .into(),
                    );
                }
                // `changed` stays `Diff`: found against the record as it now is
            }
            effect
        }
        Action::Note { note } => {
            if old
                .notes
                .iter()
                .any(|n| n.note_record_id == note.note_record_id)
            {
                return Effect::Unchanged(UnchangedReason::SameContent);
            }
            let mut new = old.clone();
            new.notes.push((**note).clone());
            apply_note_rule(&mut new, now);
            changed(old, new, Vec::new())
        }
        Action::Expire { expiry_date } => {
            let mut new = old.clone();
            let by = t.by.clone().or_else(|| Some(t.target.source.clone()));
            let removed = expire(&mut new, *expiry_date, now, by);
            new.source_updated_at = max_time(old.source_updated_at, t.source_updated_at);
            Effect::Changed {
                record: Box::new(new),
                change: ChangeKind::Expired,
                changed: FieldsChanged::Fields(removed),
                warnings: Vec::new(),
            }
        }
    }
}

/// A closing transition (cancel, locate, clear) to `to`.
fn close(old: &Record, t: &Transaction, to: Status, now: DateTime<Utc>) -> Effect {
    if old.status == to {
        return Effect::Unchanged(UnchangedReason::AlreadyStatus { status: to });
    }
    let allowed = match old.status {
        Status::Active => true,
        Status::Located => to != Status::Located,
        _ => false,
    };
    if !allowed {
        let applies = if to == Status::Located {
            "active records"
        } else {
            "active or located records"
        };
        return Effect::Refused(Refusal::new(
            None,
            format!(
                "{} is already {}; a {} applies to {applies}",
                old.id,
                old.status,
                t.action.name()
            ),
        ));
    }
    let mut new = old.clone();
    new.status = to;
    new.status_history.push(event(t, to, now));
    new.source_updated_at = max_time(old.source_updated_at, t.source_updated_at);
    changed(old, new, Vec::new())
}

#[cfg(test)]
mod tests;
