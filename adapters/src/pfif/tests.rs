//! Unit tests of the `pfif` format: malformed and hostile feeds, notes, expiry, detection.

use chrono::{DateTime, Utc};
use homeward_schemas::{Action, NoteStatus, Record, Status, Transaction};

use super::*;
use crate::format::{Limits, ReadContext};
use crate::item::{Item, ReadItem};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:pfif="http://zesty.ca/pfif/1.4" xmlns:gmcn="urn:homeward:gmcn:1"><id>https://p.example.org/feeds/person</id><title>p</title><updated>2026-05-01T00:00:00Z</updated>
"#;

fn person(id: &str, inner: &str) -> String {
    format!(
        "<entry><id>pfif:{id}</id><title>A</title><pfif:person><pfif:person_record_id>{id}</pfif:person_record_id><pfif:entry_date>2026-05-01T00:00:00Z</pfif:entry_date><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:full_name>Ana Lima</pfif:full_name>{inner}</pfif:person></entry>\n"
    )
}

fn feed(entries: &[String]) -> String {
    format!("{HEAD}{}</feed>\n", entries.concat())
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-02T00:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

fn read(doc: &str) -> Vec<ReadItem> {
    let mut ctx = ReadContext::new("test");
    ctx.received_at = now();
    PfifReader.read(Box::new(doc.as_bytes()), ctx).collect()
}

fn reason(i: &ReadItem) -> &str {
    match &i.item {
        Item::Rejected(r) => &r.reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn one_bad(bad: String, expect: &str) {
    let items = read(&feed(&[person("p.org/1", ""), bad, person("p.org/2", "")]));
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(reason(&items[1]).contains(expect), "{}", reason(&items[1]));
    assert!(matches!(&items[0].item, Item::Entry(r) if r.id.native_id == "p.org/1"));
    assert!(matches!(&items[2].item, Item::Entry(r) if r.id.native_id == "p.org/2"));
}

#[test]
fn malformed_entries_are_rejected_alone() {
    one_bad(person("no-slash", ""), "not a record id");
    one_bad(
        person("p.org/3", "<pfif:sex>f</pfif:sex>"),
        "pfif:sex: `f` is not in its list",
    );
    one_bad(
        person(
            "p.org/3",
            "<pfif:date_of_birth>2023-02-30</pfif:date_of_birth>",
        ),
        "2023-02-30",
    );
    one_bad(
        person("p.org/3", "<pfif:age>ten</pfif:age>"),
        "not N or N-M",
    );
    one_bad(
        person("p.org/3", "<pfif:home_country>Brazil</pfif:home_country>"),
        "`Brazil`",
    );
    one_bad(
        person("p.org/3", "").replace(
            "2026-05-01T00:00:00Z</pfif:source_date>",
            "2026-05-01 00:00</pfif:source_date>",
        ),
        "not a UTC time",
    );
    one_bad(
        person("p.org/3", "").replace("<pfif:full_name>Ana Lima</pfif:full_name>", ""),
        "pfif:full_name is required",
    );
    one_bad(
        format!(
            "{}<gmcn:case><gmcn:eyes>BROWN</gmcn:eyes></gmcn:case></entry>\n",
            person("p.org/3", "")
                .trim_end()
                .trim_end_matches("</entry>")
        ),
        "gmcn:eyes: `BROWN`",
    );
    one_bad(
        format!(
            "{}<gmcn:case><gmcn:photo href=\"x.jpg\" sha256=\"abc\"/></gmcn:case></entry>\n",
            person("p.org/3", "")
                .trim_end()
                .trim_end_matches("</entry>")
        ),
        "not 64 hexadecimal digits",
    );
    one_bad(
        person(
            "p.org/3",
            "<pfif:note><pfif:note_record_id>p.org/n</pfif:note_record_id><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:status>found</pfif:status></pfif:note>",
        ),
        "pfif:note/pfif:status: `found`",
    );
    one_bad(
        "<entry><id>x</id></entry>\n".into(),
        "no pfif:person or pfif:note",
    );
    one_bad(
        person("p.org/&bad;", ""),
        "entity reference `&bad;` refused",
    );
}

#[test]
fn hostile_documents() {
    let d = format!(
        "<!DOCTYPE feed [<!ENTITY a \"aaaa\">]>{}",
        &feed(&[person("p.org/1", "")])[39..]
    );
    let items = read(&d);
    assert_eq!(items.len(), 1);
    assert!(reason(&items[0]).contains("DOCTYPE"));
    let d = feed(&[person("p.org/1", ""), person("p.org/2", "")]);
    let items = read(&d[..d.len() - 100]);
    assert!(matches!(&items[0].item, Item::Entry(_)));
    assert!(reason(&items[1]).contains("truncated"));
    let items = read("<rss><channel/></rss>");
    assert!(reason(&items[0]).contains("unknown root element rss"));
    let mut ctx = ReadContext::new("t");
    ctx.limits = Limits {
        max_document_bytes: 1500,
        ..Limits::default()
    };
    let big = feed(
        &(0..20)
            .map(|i| person(&format!("p.org/{i}"), ""))
            .collect::<Vec<_>>(),
    );
    let items: Vec<_> = PfifReader.read(Box::new(big.as_bytes()), ctx).collect();
    assert!(reason(items.last().unwrap_or(&items[0])).contains("exceeds the size limit"));
    assert!(items.iter().filter(|i| !i.is_rejected()).count() >= 2);
}

#[test]
fn multilingual_names_notes_status_and_links() {
    let inner = "<pfif:given_name>Евгения</pfif:given_name><pfif:family_name>Захарова</pfif:family_name>\
        <pfif:alternate_names>Zhenya\nJenny</pfif:alternate_names>\
        <pfif:note><pfif:note_record_id>p.org/n1</pfif:note_record_id><pfif:author_name>a</pfif:author_name><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:status>believed_missing</pfif:status><pfif:text>x</pfif:text></pfif:note>\
        <pfif:note><pfif:note_record_id>p.org/n2</pfif:note_record_id><pfif:linked_person_record_id>q.org/9</pfif:linked_person_record_id><pfif:author_name>b</pfif:author_name><pfif:source_date>2026-05-01T10:00:00Z</pfif:source_date><pfif:author_made_contact>true</pfif:author_made_contact><pfif:status>believed_alive</pfif:status><pfif:text>found</pfif:text></pfif:note>";
    let e = person("p.org/1", inner)
        .replace("Ana Lima</pfif:full_name>", "Евгения Захарова\nEvgeniia Zakharova</pfif:full_name>")
        .replace("</pfif:person></entry>", "</pfif:person><gmcn:case><gmcn:name xml:lang=\"und\" script=\"Latn\" given=\"Evgeniia\" family=\"Zakharova\"/><gmcn:name xml:lang=\"uk\" script=\"Cyrl\" given=\"Євгенія\" family=\"Захарова\"/></gmcn:case></entry>");
    let items = read(&feed(&[e]));
    let Item::Entry(r) = &items[0].item else {
        panic!("{items:?}")
    };
    let n = &r.names[0];
    assert_eq!(n.given.as_deref(), Some("Евгения"));
    assert_eq!(n.script.as_deref(), Some("Cyrl"));
    let l = n
        .latin
        .as_ref()
        .map(|l| (l.full.as_deref(), l.given.as_deref(), l.computed));
    assert_eq!(
        l,
        Some((Some("Evgeniia Zakharova"), Some("Evgeniia"), false))
    );
    assert_eq!(r.names[1].lang.as_deref(), Some("uk"));
    assert_eq!(r.names[2].full.as_deref(), Some("Zhenya"));
    assert_eq!(r.notes.len(), 2);
    assert_eq!(
        r.status,
        Status::Located,
        "newest note: believed_alive with contact"
    );
    assert_eq!(
        r.status_history[0].note_record_id.as_deref(),
        Some("p.org/n2")
    );
    assert_eq!(r.linked_records, ["q.org/9"]);
    assert_eq!(r.id.source, "p.org");
}

#[test]
fn believed_dead_keeps_the_case_active() {
    let note = "<pfif:note><pfif:note_record_id>p.org/n1</pfif:note_record_id><pfif:author_name>a</pfif:author_name><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:status>believed_dead</pfif:status><pfif:text>x</pfif:text></pfif:note>";
    let items = read(&feed(&[person("p.org/1", note)]));
    let Item::Entry(r) = &items[0].item else {
        panic!()
    };
    assert_eq!(r.status, Status::Active);
    assert_eq!(r.notes[0].status, Some(NoteStatus::BelievedDead));
}

#[test]
fn expiry_placeholders_and_past_expiry_dates() {
    let placeholder = "<entry><pfif:person><pfif:person_record_id>p.org/1</pfif:person_record_id><pfif:entry_date>2026-05-01T00:00:00Z</pfif:entry_date><pfif:expiry_date>2026-04-01T00:00:00Z</pfif:expiry_date><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:full_name/></pfif:person></entry>".to_string();
    let past = person(
        "p.org/2",
        "<pfif:expiry_date>2026-05-01T12:00:00Z</pfif:expiry_date>",
    );
    let future = person(
        "p.org/3",
        "<pfif:expiry_date>2027-01-01T00:00:00Z</pfif:expiry_date>",
    );
    let items = read(&feed(&[placeholder, past, future]));
    assert!(
        matches!(&items[0].item, Item::Transaction(t) if matches!(t.action, Action::Expire { .. }))
    );
    assert!(
        matches!(&items[1].item, Item::Transaction(t) if matches!(t.action, Action::Expire { .. }))
    );
    assert!(!items[1].warnings.is_empty());
    assert!(matches!(&items[2].item, Item::Entry(r) if r.expiry_date.is_some()));
}

#[test]
fn plain_pfif_documents_and_top_level_notes() {
    let d = "<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\"><pfif:person><pfif:person_record_id>p.org/1</pfif:person_record_id><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:full_name>Ana</pfif:full_name></pfif:person><pfif:note><pfif:note_record_id>p.org/n</pfif:note_record_id><pfif:person_record_id>p.org/1</pfif:person_record_id><pfif:author_name>a</pfif:author_name><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:text>t</pfif:text></pfif:note></pfif:pfif>";
    assert!(PfifFormat.detect(d.as_bytes()));
    let items = read(d);
    assert!(matches!(&items[0].item, Item::Entry(r) if r.id.native_id == "p.org/1"));
    assert!(
        matches!(&items[1].item, Item::Transaction(t) if t.target.native_id == "p.org/1" && matches!(t.action, Action::Note { .. }))
    );
}

#[test]
fn detection() {
    assert!(PfifFormat.detect(feed(&[]).as_bytes()));
    assert!(!PfifFormat.detect(b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title/></feed>"));
    assert!(
        !PfifFormat
            .detect(b"<ch:ClearinghouseExchange xmlns:ch=\"urn:homeward:clearinghouse:1\"/>")
    );
    assert_eq!(
        record_domain("gmcn-mx.example.org/person.1"),
        Some("gmcn-mx.example.org")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    #[test]
    fn never_panics_on_mutated_feeds(cut in 0usize..3000, at in 0usize..3000, byte in proptest::prelude::any::<u8>()) {
        let d = feed(&[person("p.org/1", "<pfif:age>3-5</pfif:age>"), person("p.org/2", "")]);
        let mut b = d.into_bytes();
        let at = at % b.len();
        b[at] = byte;
        b.truncate(cut.min(b.len()));
        let items: Vec<_> = PfifReader.read(Box::new(&b[..]), ReadContext::new("p")).collect();
        proptest::prop_assert!(items.iter().all(|i| i.raw.len() <= b.len()));
        let _ = PfifFormat.detect(&b);
    }

    #[test]
    fn never_panics_on_random_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
        let _ = PfifReader.read(Box::new(&bytes[..]), ReadContext::new("p")).count();
    }
}

#[test]
fn a_placeholder_without_dates_is_written_with_a_reported_loss() {
    // Found by fuzzing: an expiry placeholder with no source_date or entry_date read as an
    // Expire transaction, which the writer wrote with both dates set to the time of writing
    // and no loss reported, so it read back as a different transaction.
    let placeholder = "<entry><pfif:person><pfif:person_record_id>p.org/1</pfif:person_record_id><pfif:expiry_date>2026-04-01T00:00:00Z</pfif:expiry_date></pfif:person></entry>".to_string();
    let items = read(&feed(&[placeholder]));
    let Item::Transaction(t) = &items[0].item else {
        panic!("{items:?}")
    };
    let mut ctx = crate::format::WriteContext::new("p.org");
    ctx.now = now();
    let mut w = PfifWriter::new(ctx);
    let mut out = Vec::new();
    crate::format::Writer::begin(&mut w, &mut out).unwrap();
    let losses = crate::format::Writer::transaction(&mut w, &mut out, t).unwrap();
    let fields: Vec<&str> = losses.iter().map(|l| l.field.as_str()).collect();
    assert_eq!(fields, ["source_updated_at", "entry_date"], "{losses:?}");
}

/// Writes `records` then `transactions` as one feed from `p.org`; returns it and the losses.
fn write_feed(records: &[Record], transactions: &[Transaction]) -> (String, Vec<crate::Loss>) {
    let mut ctx = crate::format::WriteContext::new("p.org");
    ctx.now = now();
    let mut w = PfifWriter::new(ctx);
    let mut out = Vec::new();
    let mut losses = Vec::new();
    crate::format::Writer::begin(&mut w, &mut out).unwrap();
    for r in records {
        losses.extend(crate::format::Writer::record(&mut w, &mut out, r).unwrap());
    }
    for t in transactions {
        losses.extend(crate::format::Writer::transaction(&mut w, &mut out, t).unwrap());
    }
    crate::format::Writer::finish(&mut w, &mut out).unwrap();
    (String::from_utf8(out).unwrap(), losses)
}

fn no_rejection(items: &[ReadItem]) {
    for i in items {
        assert!(!i.is_rejected(), "{}: {}", i.position, reason(i));
    }
}

#[test]
fn a_note_without_source_date_is_written_with_the_persons_and_reads_back() {
    // Reported: the writer wrote a note without source_date when the canonical note had none,
    // and its own reader then rejected the whole entry (PFIF requires a note's source_date).
    let items = read(&feed(&[person("p.org/1", "")]));
    let Item::Entry(r) = &items[0].item else {
        panic!("{items:?}")
    };
    let mut r = (**r).clone();
    r.notes = vec![
        homeward_schemas::Note {
            note_record_id: "p.org/n1".into(),
            text: Some("Seen at the market.".into()),
            ..Default::default()
        },
        homeward_schemas::Note {
            note_record_id: "no-domain".into(),
            source_date: Some(now()),
            ..Default::default()
        },
    ];
    let (doc, losses) = write_feed(&[r.clone()], &[]);
    let back = read(&doc);
    no_rejection(&back);
    let Item::Entry(got) = &back[0].item else {
        panic!("{back:?}")
    };
    // the first note comes back dated as the person; the second cannot be written
    assert_eq!(got.notes.len(), 1, "{:?}", got.notes);
    assert_eq!(got.notes[0].note_record_id, "p.org/n1");
    assert_eq!(got.notes[0].source_date, r.source_updated_at);
    let said: Vec<(&str, &str)> = losses
        .iter()
        .filter(|l| l.field.starts_with("notes"))
        .map(|l| (l.field.as_str(), l.detail.as_str()))
        .collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert_eq!(said[0].0, "notes[0].source_date");
    assert!(said[0].1.contains("the person's source_date"), "{said:?}");
    assert_eq!(said[1].0, "notes[1]");
    assert!(said[1].1.starts_with("not written"), "{said:?}");

    // a note sent on its own (a transaction) without a source_date
    let t = Transaction {
        target: homeward_schemas::TargetRef {
            kind: Some(homeward_schemas::Kind::Missing),
            source: "p.org".into(),
            native_id: "p.org/1".into(),
            name: None,
            case_number: None,
        },
        action: Action::Note {
            note: Box::new(homeward_schemas::Note {
                note_record_id: "p.org/n2".into(),
                text: Some("Called the desk.".into()),
                ..Default::default()
            }),
        },
        date: None,
        reason: None,
        source_updated_at: None,
        by: None,
        extra: Vec::new(),
    };
    let (doc, losses) = write_feed(&[], &[t]);
    let back = read(&doc);
    no_rejection(&back);
    let Item::Transaction(got) = &back[0].item else {
        panic!("{back:?}")
    };
    let Action::Note { note } = &got.action else {
        panic!("{got:?}")
    };
    assert_eq!(note.source_date, Some(now()));
    assert_eq!(losses.len(), 1, "{losses:?}");
    assert_eq!(losses[0].field, "note.source_date");
}

#[test]
fn a_record_without_a_name_is_left_out_with_a_loss() {
    // Exporting the sample world as PFIF wrote its unidentified persons (who have no name)
    // with an empty full_name, which the reader rejects: 93 rejections on re-import.
    let mut r = Record::new(homeward_schemas::Kind::Unidentified, "TX-ME", "TX-ME-1");
    r.source_updated_at = Some(now());
    let named = {
        let items = read(&feed(&[person("p.org/1", "")]));
        let Item::Entry(x) = &items[0].item else {
            panic!("{items:?}")
        };
        (**x).clone()
    };
    let (doc, losses) = write_feed(&[r.clone(), named], &[]);
    let back = read(&doc);
    no_rejection(&back);
    assert_eq!(back.len(), 1, "only the named person is written: {doc}");
    let l: Vec<&crate::Loss> = losses.iter().filter(|l| l.record == r.id).collect();
    assert_eq!(l.len(), 1, "{l:?}");
    assert_eq!(l[0].field, "names");
    assert!(l[0].detail.starts_with("not written"), "{l:?}");
}
