//! Helpers for the store's tests: records, items, and a tiny line format.

use std::io::{BufRead, Write};

use chrono::{DateTime, TimeZone, Utc};
use homeward_adapters::{
    Format, Loss, Position, ReadContext, ReadItem, Reader, WriteContext, WriteError, Writer,
};
use homeward_schemas::{
    Action, Kind, Name, Note, NoteStatus, Record, Sex, TargetRef, Transaction, units::Range,
};

use crate::{EngineKind, Store};

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc.timestamp_opt(0, 0).unwrap())
}

/// A missing-person record from `source` with NIC `nic` named `given family`.
pub fn missing(source: &str, nic: &str, family: &str, given: &str) -> Record {
    let mut r = Record::new(Kind::Missing, source, nic);
    r.nic = Some(nic.to_string());
    r.format = Some("ncic".into());
    r.case_number = Some(format!("OCA-{nic}"));
    r.names.push(Name {
        family: Some(family.into()),
        given: Some(given.into()),
        ..Name::default()
    });
    r.sex = Some(Sex::Female);
    r.weight_kg = Some(Range::exact(50.0));
    r
}

pub fn unidentified(source: &str, nic: &str) -> Record {
    let mut r = Record::new(Kind::Unidentified, source, nic);
    r.nic = Some(nic.to_string());
    r.case_number = Some(format!("ME-{nic}"));
    r.sex = Some(Sex::Male);
    r
}

pub fn line(n: u64) -> Position {
    Position {
        line: Some(n),
        ..Position::default()
    }
}

/// An entry item whose raw bytes are the record's JSON (so different content, different
/// digest).
pub fn entry(r: &Record, at: u64) -> ReadItem {
    let raw = serde_json::to_vec(r).unwrap();
    ReadItem::entry(r.clone(), line(at), raw)
}

pub fn tx(source: &str, native: &str, action: Action) -> Transaction {
    Transaction {
        target: TargetRef {
            kind: None,
            source: source.into(),
            native_id: native.into(),
            name: None,
            case_number: None,
        },
        action,
        date: None,
        reason: None,
        source_updated_at: None,
        by: None,
        extra: Vec::new(),
    }
}

pub fn tx_item(t: &Transaction, at: u64) -> ReadItem {
    let raw = serde_json::to_vec(t).unwrap();
    ReadItem::transaction(t.clone(), line(at), raw)
}

pub fn clear() -> Action {
    Action::Clear {
        identified_as: None,
        identified_name: None,
    }
}

pub fn note(id: &str, status: NoteStatus, contact: bool, date: &str) -> Note {
    Note {
        note_record_id: id.into(),
        status: Some(status),
        author_made_contact: Some(contact),
        source_date: Some(t(date)),
        author_name: Some("desk".into()),
        ..Note::default()
    }
}

/// A store of `kind` in a fresh temporary directory.
pub fn store(kind: EngineKind) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path(), kind).unwrap();
    (dir, s)
}

/// Format `test`: one item per line. `E|source|native|family|given` is a missing-person
/// entry; `C|source|native` a clear; anything else is rejected, unless it starts with `FIX:`
/// and the format is built with `fixed = true` (then the rest of the line is read again).
pub struct TestFormat {
    pub fixed: bool,
}

impl Format for TestFormat {
    fn name(&self) -> &str {
        "test"
    }
    fn description(&self) -> &str {
        "test lines"
    }
    fn detect(&self, head: &[u8]) -> bool {
        head.starts_with(b"E|")
    }
    fn reader(&self) -> Box<dyn Reader> {
        Box::new(TestReader { fixed: self.fixed })
    }
    fn writer(&self, _ctx: &WriteContext) -> Box<dyn Writer> {
        Box::new(TestWriter)
    }
}

struct TestReader {
    fixed: bool,
}

impl TestReader {
    fn item(&self, text: &str, n: u64, ctx: &ReadContext) -> ReadItem {
        let raw = text.as_bytes().to_vec();
        if self.fixed
            && let Some(rest) = text.strip_prefix("FIX:")
        {
            let mut it = self.item(rest, n, ctx);
            it.raw = raw;
            return it;
        }
        let f: Vec<&str> = text.split('|').collect();
        let source = |s: &str| ctx.source.clone().unwrap_or_else(|| s.to_string());
        match f.as_slice() {
            ["E", s, id, fam, giv] => {
                ReadItem::entry(missing(&source(s), id, fam, giv), line(n), raw)
            }
            ["C", s, id] => ReadItem::transaction(tx(&source(s), id, clear()), line(n), raw),
            _ => ReadItem::rejected("test", Some("kind"), "not a test line", line(n), raw),
        }
    }
}

impl Reader for TestReader {
    fn read<'a>(
        &self,
        input: Box<dyn BufRead + Send + 'a>,
        ctx: ReadContext,
    ) -> Box<dyn Iterator<Item = ReadItem> + Send + 'a> {
        let items: Vec<ReadItem> = input
            .lines()
            .map_while(Result::ok)
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| self.item(&l, i as u64 + 1, &ctx))
            .collect();
        Box::new(items.into_iter())
    }
}

struct TestWriter;

impl Writer for TestWriter {
    fn begin(&mut self, _out: &mut dyn Write) -> Result<(), WriteError> {
        Ok(())
    }
    fn record(&mut self, out: &mut dyn Write, r: &Record) -> Result<Vec<Loss>, WriteError> {
        writeln!(out, "E|{}|{}", r.id.source, r.id.native_id)?;
        Ok(Vec::new())
    }
    fn transaction(
        &mut self,
        _out: &mut dyn Write,
        _t: &Transaction,
    ) -> Result<Vec<Loss>, WriteError> {
        Ok(Vec::new())
    }
    fn finish(&mut self, _out: &mut dyn Write) -> Result<(), WriteError> {
        Ok(())
    }
}

pub fn registry(fixed: bool) -> homeward_adapters::Registry {
    let mut r = homeward_adapters::Registry::builtin();
    r.add(std::sync::Arc::new(TestFormat { fixed }));
    r
}
