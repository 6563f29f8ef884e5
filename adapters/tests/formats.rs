//! Round trips, cross-format conversions and validation by tools the project did not write
//! (xmllint with our XSD, the NIEM 5.2 release schemas and the PFIF 1.4 RELAX NG schema).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a test failure

mod common;

use std::path::PathBuf;

use common::*;
use homeward_adapters::testdata::{files_with_suffix, world_small};
use homeward_adapters::{Item, pfif};
use homeward_schemas::*;

fn sample_files(atom: bool) -> Vec<PathBuf> {
    files_with_suffix(&world_small().join("wire"), ".xml")
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".atom.xml") == atom)
        .collect()
}

/// Reads a document into its items in order (rejections fail the test).
fn items(format: &str, bytes: &[u8]) -> Vec<Item> {
    read(format, bytes, None)
        .into_iter()
        .map(|i| match i.item {
            Item::Rejected(r) => panic!("rejected at {}: {}", i.position, r.reason),
            other => other,
        })
        .collect()
}

fn split(items: &[Item]) -> (Vec<Record>, Vec<Transaction>) {
    let mut r = Vec::new();
    let mut t = Vec::new();
    for i in items {
        match i {
            Item::Entry(e) => r.push((**e).clone()),
            Item::Transaction(x) => t.push((**x).clone()),
            Item::Rejected(_) => {}
        }
    }
    (norm(r), t)
}

fn write_items(
    format: &str,
    sender: &str,
    items: &[Item],
) -> (Vec<u8>, Vec<homeward_adapters::Loss>) {
    let outs: Vec<Out<'_>> = items
        .iter()
        .filter_map(|i| match i {
            Item::Entry(r) => Some(Out::R(r)),
            Item::Transaction(t) => Some(Out::T(t)),
            Item::Rejected(_) => None,
        })
        .collect();
    write(format, sender, &outs)
}

#[test]
fn xml_samples_round_trip_and_validate() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut docs = Vec::new();
    let mut mps = Vec::new();
    let mut n = 0;
    for path in sample_files(false) {
        let bytes = std::fs::read(&path).expect("read");
        let first = items("xml", &bytes);
        let (r1, t1) = split(&first);
        let sender = r1
            .first()
            .map(|r| r.id.source.clone())
            .or_else(|| t1.first().map(|t| t.target.source.clone()))
            .expect("a report");
        let (out, losses) = write_items("xml", &sender, &first);
        assert!(losses.is_empty(), "{}: {losses:?}", path.display());
        let second = items("xml", &out);
        let (r2, t2) = split(&second);
        assert_eq!(
            r1,
            r2,
            "{}: records differ after a round trip",
            path.display()
        );
        assert_eq!(
            t1,
            t2,
            "{}: transactions differ after a round trip",
            path.display()
        );
        n += r1.len() + t1.len();
        let doc = String::from_utf8(out).expect("utf-8");
        mps.extend(missing_persons(&doc));
        docs.push(doc);
    }
    assert!(n > 200, "only {n} items");
    let files = save(dir.path(), "xml", &docs);
    xmllint(&["--schema", &ch_xsd().to_string_lossy()], &files);
    let files = save(dir.path(), "mp", &mps);
    xmllint(&["--schema", &jxdm_xsd().to_string_lossy()], &files);
}

#[test]
fn pfif_samples_round_trip_and_validate() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut docs = Vec::new();
    for path in sample_files(true) {
        let bytes = std::fs::read(&path).expect("read");
        let first = items("pfif", &bytes);
        let (r1, t1) = split(&first);
        let (out, losses) = write_items("pfif", "homeward-test", &first);
        assert!(losses.is_empty(), "{}: {losses:?}", path.display());
        let second = items("pfif", &out);
        let (r2, t2) = split(&second);
        assert_eq!(
            r1,
            r2,
            "{}: records differ after a round trip",
            path.display()
        );
        assert_eq!(t1, t2);
        // the multilingual names survive with their Latin forms as the partner wrote them
        for r in &r2 {
            let n = &r.names[0];
            if !translit::is_latin(&n.display()) {
                let l = n.latin.as_ref().expect("latin");
                assert!(
                    !l.computed && l.full.is_some() && l.given.is_some(),
                    "{}",
                    r.id
                );
            }
        }
        docs.push(unwrap_atom(&String::from_utf8(out).expect("utf-8")));
    }
    let files = save(dir.path(), "pfif", &docs);
    xmllint(&["--relaxng", &pfif_rng().to_string_lossy()], &files);
}

/// Writes `r` (closed by a locate), reads it back and applies its transactions.
fn via(format: &str, sender: &str, r: &Record) -> (Record, Vec<homeward_adapters::Loss>, String) {
    let (out, losses) = write(format, sender, &[Out::R(r)]);
    let (mut recs, txs) = accepted(read(format, &out, None));
    for t in &txs {
        apply(&mut recs, t);
    }
    assert_eq!(recs.len(), 1, "{format}: {recs:?}");
    let mut back = norm(recs).remove(0);
    back.received_at = None;
    (back, losses, String::from_utf8(out).expect("utf-8"))
}

fn fields(losses: &[homeward_adapters::Loss]) -> Vec<String> {
    losses.iter().map(|l| l.field.clone()).collect()
}

fn located(mut r: Record) -> Record {
    r.status = Status::Located;
    r.status_history.push(StatusEvent {
        status: Status::Located,
        date: Some("2026-04-20".parse().expect("date")),
        applied_at: None,
        reason: Some(StatusReason::Located),
        by: Some("TX0101300".into()),
        note_record_id: None,
    });
    r
}

#[test]
fn xml_records_with_every_field_round_trip_and_report_losses() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut docs = Vec::new();
    let mut mps = Vec::new();
    for kind in Kind::ALL {
        let mut full = located(full_record(*kind, "TX-ME", "TX-ME-0001"));
        full.complete_names();
        let (a, losses, doc1) = via("xml", "TX-ME", &full);
        let f = fields(&losses);
        for lost in [
            "skin",
            "blood_type",
            "jewellery",
            "identifiers",
            "notes",
            "provenance",
            "extra[2]",
            "names[0].latin",
            "names[1].role",
        ] {
            if lost.starts_with("names") && *kind == Kind::Unidentified {
                continue;
            }
            assert!(
                f.iter().any(|x| x == lost),
                "{kind}: {lost} not reported lost: {f:?}"
            );
        }
        for held in ["sex", "race", "id.source", "status", "extra[0]"] {
            assert!(
                !f.iter().any(|x| x == held),
                "{kind}: {held} reported lost: {f:?}"
            );
        }
        // what XML holds came through
        assert_eq!(a.sex, full.sex);
        assert_eq!(a.race, full.race);
        assert_eq!(a.status, Status::Located);
        assert_eq!(a.status_history[0].date, full.status_history[0].date);
        assert_eq!(a.status_history[0].reason, Some(StatusReason::Located));
        assert_eq!(a.agency.ori, full.agency.ori);
        assert_eq!(a.nic, full.nic);
        assert_eq!(a.extra, vec![full.extra[0].clone()]);
        match kind {
            Kind::Missing => {
                assert_eq!(a.height_cm, full.height_cm);
                assert_eq!(a.marks, full.marks);
                assert_eq!(a.last_seen, full.last_seen);
                assert_eq!(a.birth_dates, full.birth_dates);
                assert_eq!(a.photos.len(), 2);
                assert_eq!(a.texts.len(), 3);
                assert_eq!(a.names[0].given, full.names[0].given);
                assert_eq!(a.names[0].lang.as_deref(), Some("ru"));
            }
            Kind::Unidentified => {
                assert_eq!(a.dental, full.dental);
                assert_eq!(a.found_place, full.found_place);
                assert_eq!(a.age.map(|x| (x.min, x.max)), Some((14, 16)));
                assert_eq!(a.condition, full.condition);
            }
            Kind::Unclaimed => {
                assert_eq!(a.death_date, full.death_date);
                assert_eq!(a.death_place, full.death_place);
            }
        }
        // and a second round trip changes nothing
        let (b, losses2, doc2) = via("xml", "TX-ME", &a);
        assert_eq!(a, b, "{kind}");
        assert!(
            losses2
                .iter()
                .all(|l| l.field.starts_with("names[") && l.field.ends_with(".role")),
            "{kind}: {losses2:?}"
        );
        for d in [doc1, doc2] {
            mps.extend(missing_persons(&d));
            docs.push(d);
        }
    }
    xmllint(
        &["--schema", &ch_xsd().to_string_lossy()],
        &save(dir.path(), "full", &docs),
    );
    xmllint(
        &["--schema", &jxdm_xsd().to_string_lossy()],
        &save(dir.path(), "mp", &mps),
    );
}

#[test]
fn pfif_records_with_every_field_round_trip_and_report_losses() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = "gmcn-mx.example.org";
    let mut full = located(full_record(
        Kind::Missing,
        src,
        "gmcn-mx.example.org/person.7",
    ));
    full.age = Some(AgeRange {
        min: 14,
        max: 16,
        as_of: Some(t("2026-04-30T12:00:00Z").date_naive()),
    });
    full.complete_names();
    let (a, losses, doc1) = via("pfif", "homeward", &full);
    let f = fields(&losses);
    for lost in [
        "race",
        "dental",
        "agency.ori",
        "nic",
        "extra[0]",
        "last_seen.postal_code",
        "birth_dates[1..]",
    ] {
        assert!(
            f.iter().any(|x| x == lost),
            "{lost} not reported lost: {f:?}"
        );
    }
    for held in [
        "sex",
        "id.source",
        "id.native_id",
        "notes",
        "photos[1].primary",
        "linked_records[0]",
    ] {
        assert!(!f.iter().any(|x| x == held), "{held} reported lost: {f:?}");
    }
    assert_eq!(a.names[0].latin, full.names[0].latin);
    assert_eq!(a.names[0].given, full.names[0].given);
    assert_eq!(a.photos, full.photos);
    assert_eq!(a.marks, full.marks);
    assert_eq!(a.provenance, full.provenance);
    assert_eq!(a.expiry_date, full.expiry_date);
    assert_eq!(a.linked_records, full.linked_records);
    assert_eq!(a.home, full.home);
    assert_eq!(a.age, full.age);
    assert_eq!(a.agency.code, full.agency.code);
    assert_eq!(
        a.status,
        Status::Located,
        "status note written for a located record"
    );
    assert_eq!(a.extra, vec![full.extra[1].clone()]);
    let (b, _, doc2) = via("pfif", "homeward", &a);
    assert_eq!(a, b);
    let docs = vec![unwrap_atom(&doc1), unwrap_atom(&doc2)];
    xmllint(
        &["--relaxng", &pfif_rng().to_string_lossy()],
        &save(dir.path(), "full", &docs),
    );
}

#[test]
fn standalone_transactions_round_trip() {
    let target = TargetRef {
        kind: Some(Kind::Missing),
        source: "TX-CLEARINGHOUSE".into(),
        native_id: "TX-CLEARINGHOUSE-1".into(),
        name: None,
        case_number: None,
    };
    let tx = |action: Action| Transaction {
        target: target.clone(),
        action,
        date: Some("2026-04-01".parse().expect("date")),
        reason: Some(StatusReason::NotMissing),
        source_updated_at: Some(t("2026-04-01T08:00:00Z")),
        by: Some("TX0101300".into()),
        extra: vec![],
    };
    let mut patch = full_record(Kind::Missing, "TX-CLEARINGHOUSE", "TX-CLEARINGHOUSE-1");
    patch.complete_names();
    let list = vec![
        tx(Action::Cancel),
        tx(Action::Locate),
        tx(Action::Clear {
            identified_as: None,
            identified_name: None,
        }),
    ];
    let outs: Vec<Out<'_>> = list.iter().map(Out::T).collect();
    let (out, losses) = write("xml", "TX-CLEARINGHOUSE", &outs);
    assert!(losses.is_empty(), "{losses:?}");
    let (_, back) = accepted(read("xml", &out, None));
    assert_eq!(back, list);
    // a full modify carries the record; partial modifies, notes and expiries have no XML form
    let modify = Transaction {
        action: Action::Modify {
            patch: Box::new(patch.clone()),
            full: true,
        },
        ..tx(Action::Cancel)
    };
    let partial = Transaction {
        action: Action::Modify {
            patch: Box::new(patch.clone()),
            full: false,
        },
        ..tx(Action::Cancel)
    };
    let (out, losses) = write(
        "xml",
        "TX-CLEARINGHOUSE",
        &[Out::T(&modify), Out::T(&partial)],
    );
    assert!(losses.iter().any(|l| l.detail.contains("partial modify")));
    let (_, back) = accepted(read("xml", &out, None));
    assert_eq!(back.len(), 1);
    let Action::Modify {
        patch: p,
        full: true,
    } = &back[0].action
    else {
        panic!("{back:?}")
    };
    assert_eq!(p.last_seen, patch.last_seen);

    // PFIF: notes, expiry placeholders and locates
    let pt = TargetRef {
        source: "gmcn-ru.example.org".into(),
        native_id: "gmcn-ru.example.org/person.1".into(),
        ..target.clone()
    };
    let note = Note {
        note_record_id: "gmcn-ru.example.org/person.1.n2".into(),
        author_name: Some("desk".into()),
        source_date: Some(t("2026-05-01T00:00:00Z")),
        status: Some(NoteStatus::BelievedDead),
        text: Some("Information received.".into()),
        ..Note::default()
    };
    let ptx = vec![
        Transaction {
            target: pt.clone(),
            action: Action::Note {
                note: Box::new(note.clone()),
            },
            date: None,
            reason: None,
            source_updated_at: note.source_date,
            by: Some("desk".into()),
            extra: vec![],
        },
        Transaction {
            target: pt.clone(),
            action: Action::Expire {
                expiry_date: t("2026-04-30T00:00:00Z"),
            },
            date: None,
            reason: None,
            source_updated_at: Some(t("2026-04-30T00:00:00Z")),
            by: None,
            extra: vec![Extra {
                format: "pfif".into(),
                key: "pfif:entry_date".into(),
                value: "2026-05-01T00:00:00Z".into(),
            }],
        },
    ];
    let outs: Vec<Out<'_>> = ptx.iter().map(Out::T).collect();
    let (out, losses) = write("pfif", "homeward", &outs);
    assert!(losses.is_empty(), "{losses:?}");
    let (_, back) = accepted(read("pfif", &out, None));
    assert_eq!(back, ptx);
    let dir = tempfile::tempdir().expect("tmp");
    let doc = unwrap_atom(&String::from_utf8(out).expect("utf-8"));
    xmllint(
        &["--relaxng", &pfif_rng().to_string_lossy()],
        &save(dir.path(), "tx", &[doc]),
    );
}

#[test]
fn xml_to_pfif_and_back_keeps_what_both_hold() {
    let path = world_small().join("wire/AL-clearinghouse.xml");
    let (xml_records, _) = accepted(read("xml", &std::fs::read(path).expect("read"), None));
    let refs: Vec<Out<'_>> = xml_records.iter().map(Out::R).collect();
    let (feed, losses) = write("pfif", "homeward", &refs);
    // XML fields PFIF lacks are reported, per record
    for r in &xml_records {
        let mine: Vec<&str> = losses
            .iter()
            .filter(|l| l.record == r.id)
            .map(|l| l.field.as_str())
            .collect();
        assert!(mine.contains(&"race"), "{}: {mine:?}", r.id);
        assert!(mine.contains(&"id.native_id"), "{}: {mine:?}", r.id);
    }
    let (pfif_records, _) = accepted(read("pfif", &feed, None));
    assert_eq!(pfif_records.len(), xml_records.len());
    for (x, p) in xml_records.iter().zip(&pfif_records) {
        assert_eq!(
            p.id.native_id,
            format!("{}/{}", x.id.source, x.id.native_id)
        );
        assert_eq!(p.names[0].given, x.names[0].given);
        assert_eq!(p.names[0].family, x.names[0].family);
        assert_eq!(p.sex, x.sex);
        assert_eq!(p.eye, x.eye);
        assert_eq!(p.hair, x.hair);
        assert_eq!(p.birth_dates, x.birth_dates);
        assert_eq!(p.last_contact, x.last_contact);
        assert_eq!(p.marks, x.marks);
        assert_eq!(
            p.height_cm.map(|h| h.min.round()),
            x.height_cm.map(|h| h.min.round())
        );
        let (ps, xs) = (
            p.last_seen.as_ref().expect("seen"),
            x.last_seen.as_ref().expect("seen"),
        );
        assert_eq!(
            (ps.lat, ps.lon, &ps.region, &ps.country),
            (xs.lat, xs.lon, &xs.region, &xs.country)
        );
    }
    // and back to XML: what PFIF held comes through, the rest is reported
    let refs: Vec<Out<'_>> = pfif_records.iter().map(Out::R).collect();
    let (doc, losses) = write("xml", "homeward", &refs);
    assert!(losses.iter().any(|l| l.field == "provenance"));
    let (back, _) = accepted(read("xml", &doc, None));
    for (x, b) in xml_records.iter().zip(&back) {
        assert_eq!(b.names[0].given, x.names[0].given);
        assert_eq!(b.sex, x.sex);
        assert_eq!(b.marks, x.marks);
        assert_eq!(b.last_contact, x.last_contact);
    }
}

#[test]
fn pfif_to_xml_keeps_names_in_both_scripts() {
    let path = world_small().join("wire/gmcn-ru.atom.xml");
    let (recs, _) = accepted(read("pfif", &std::fs::read(path).expect("read"), None));
    let refs: Vec<Out<'_>> = recs.iter().map(Out::R).collect();
    let (doc, losses) = write("xml", "homeward", &refs);
    assert!(losses.iter().any(|l| l.field == "names[0].latin"));
    assert!(losses.iter().any(|l| l.field == "notes"));
    let (back, _) = accepted(read("xml", &doc, None));
    for (p, x) in recs.iter().zip(&back) {
        assert_eq!(x.names[0].given, p.names[0].given, "original script kept");
        let latin = p.names[0].latin.as_ref().expect("latin");
        assert_eq!(
            x.names[1].given, latin.given,
            "partner's Latin form kept as a name"
        );
        assert_eq!(x.eye, p.eye);
        assert_eq!(x.height_cm, p.height_cm);
    }
}

#[test]
fn incremental_export_by_min_entry_date() {
    let mut recs = Vec::new();
    for (i, d) in [
        "2026-05-01T00:00:00Z",
        "2026-05-02T00:00:00Z",
        "2026-05-03T00:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let mut r = Record::new(
            Kind::Missing,
            "h.example.org",
            format!("h.example.org/p.{i}"),
        );
        r.names.push(Name {
            full: Some(format!("Person {i}")),
            ..Name::default()
        });
        r.source_updated_at = Some(t(d));
        r.provenance.entry_date = Some(t(d));
        recs.push(r);
    }
    let cursor = Some(t("2026-05-02T00:00:00Z"));
    let picked = pfif::since(&recs, cursor);
    assert_eq!(
        picked
            .iter()
            .map(|r| r.id.native_id.as_str())
            .collect::<Vec<_>>(),
        ["h.example.org/p.1", "h.example.org/p.2"]
    );
    assert_eq!(
        pfif::next_cursor(picked.iter().copied()),
        Some(t("2026-05-03T00:00:00Z"))
    );
    // the writer option does the same and names the cursor in the feed's self link
    let mut ctx = homeward_adapters::WriteContext::new("h");
    ctx.now = now();
    let mut w = pfif::PfifWriter::new(ctx).with_min_entry_date(cursor);
    let mut out = Vec::new();
    homeward_adapters::write_records(&mut w, &recs, &mut out).expect("write");
    let s = String::from_utf8(out).expect("utf-8");
    assert!(s.contains("min_entry_date=2026-05-02T00:00:00Z"));
    let (back, _) = accepted(read("pfif", s.as_bytes(), None));
    assert_eq!(back.len(), 2);
}

#[test]
fn expired_records_are_written_as_placeholders() {
    let mut r = full_record(Kind::Missing, "h.example.org", "h.example.org/p.1");
    r.expiry_date = Some(t("2026-05-01T00:00:00Z")); // before `now`
    let (out, _) = write("pfif", "h", &[Out::R(&r)]);
    let s = String::from_utf8(out.clone()).expect("utf-8");
    assert!(
        !s.contains("Захарова") && !s.contains("Austin"),
        "personal data leaked: {s}"
    );
    let (recs, txs) = accepted(read("pfif", &out, None));
    assert!(recs.is_empty());
    assert!(
        matches!(txs[0].action, Action::Expire { expiry_date } if expiry_date == t("2026-05-01T00:00:00Z"))
    );
    let dir = tempfile::tempdir().expect("tmp");
    xmllint(
        &["--relaxng", &pfif_rng().to_string_lossy()],
        &save(dir.path(), "exp", &[unwrap_atom(&s)]),
    );
}

/// NCIC records (the lead's adapter) through XML and PFIF and back: what both hold comes
/// through, the rest is reported per record.
#[test]
fn ncic_to_xml_and_pfif_and_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut docs = Vec::new();
    let mut checked = 0;
    for path in files_with_suffix(&world_small().join("wire"), ".ncic")
        .into_iter()
        .take(6)
    {
        let (ncic, _) = accepted(read("ncic", &std::fs::read(&path).expect("read"), None));
        for r in &ncic {
            let sender = r.id.source.clone();
            let (doc, losses) = write("xml", &sender, &[Out::R(r)]);
            let mine: Vec<&str> = losses.iter().map(|l| l.field.as_str()).collect();
            let (xs, _) = accepted(read("xml", &doc, None));
            let Some(x) = xs.first() else {
                assert!(
                    mine.contains(&"names"),
                    "{}: not written without a reason",
                    r.id
                );
                continue;
            };
            assert_eq!(x.id, r.id);
            assert_eq!(x.sex, r.sex);
            assert_eq!(x.race, r.race, "{}: {mine:?}", r.id);
            assert_eq!(x.eye, r.eye);
            assert_eq!(x.hair, r.hair);
            assert_eq!(x.nic, r.nic);
            assert_eq!(x.marks, r.marks);
            if r.kind == Kind::Missing {
                assert_eq!(x.birth_dates, r.birth_dates);
                assert_eq!(x.names[0].family, r.names[0].family);
                assert_eq!(x.height_cm.map(|h| h.mid()), r.height_cm.map(|h| h.mid()));
            }
            assert_eq!(
                r.case_number.is_some(),
                mine.contains(&"case_number"),
                "{}",
                r.id
            );
            docs.push(String::from_utf8(doc).expect("utf-8"));
            // and XML back to NCIC keeps the identity and the codes
            let (back, _) = write("ncic", &sender, &[Out::R(x)]);
            let (ns, _) = accepted(read("ncic", &back, None));
            if let Some(n) = ns.first() {
                assert_eq!(n.nic, r.nic);
                assert_eq!(n.sex, r.sex);
                assert_eq!(n.eye, r.eye);
            }
            if r.kind == Kind::Missing {
                let (feed, losses) = write("pfif", "homeward", &[Out::R(r)]);
                assert!(losses.iter().any(|l| l.field == "nic" || l.field == "race"));
                let (ps, _) = accepted(read("pfif", &feed, None));
                assert_eq!(ps[0].sex, r.sex);
                assert_eq!(ps[0].birth_dates.first(), r.birth_dates.first());
                assert_eq!(ps[0].eye, r.eye);
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
    xmllint(
        &["--schema", &ch_xsd().to_string_lossy()],
        &save(dir.path(), "ncic", &docs),
    );
}

/// Every record and transaction of the whole sample world, read with the format each file is
/// detected as: the records as read, the same records as the store holds them once their
/// transactions are applied (what `homeward export` writes), and the transactions.
fn whole_world() -> (Vec<Record>, Vec<Record>, Vec<Transaction>) {
    let registry = homeward_adapters::Registry::builtin();
    let wire = world_small().join("wire");
    let mut files = files_with_suffix(&wire, ".ncic");
    files.extend(files_with_suffix(&wire, ".xml"));
    assert_eq!(files.len(), 80, "world-small has 80 files");
    let mut records = Vec::new();
    let mut transactions = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let format = registry.detect(&bytes[..bytes.len().min(8192)]).unwrap();
        let (r, t) = accepted(read(format.name(), &bytes, None));
        records.extend(r);
        transactions.extend(t);
    }
    let mut stored = records.clone();
    for t in &transactions {
        apply(&mut stored, t);
    }
    (records, stored, transactions)
}

/// What our writer writes, its reader must take back: the whole sample world (as read, as
/// stored with its transactions applied, and its transactions), written in each format under
/// the export's default sender and read back, gives no rejection; and every record either
/// comes back or the writer said it was not written. (Exporting the world as XML and importing
/// the export once rejected 19 reports: unclaimed-person reports under a sender that is not a
/// medical examiner, and `gmcn:last_seen` regions such as `NV` written as state codes; as PFIF,
/// 93 unidentified persons without a name.)
#[test]
fn every_writer_writes_the_whole_world_so_that_its_reader_takes_it_back() {
    let (records, stored, transactions) = whole_world();
    assert_eq!(records.len(), 703);
    // every XML and PFIF document written here is also checked by the outside validators
    let dir = tempfile::tempdir().unwrap();
    let (mut xml_docs, mut pfif_docs, mut persons) = (Vec::new(), Vec::new(), Vec::new());
    for format in ["ncic", "xml", "pfif"] {
        for sender in ["homeward", "TX-ME"] {
            for (what, set) in [("as read", &records), ("as stored", &stored)] {
                let mut outs: Vec<Out<'_>> = set.iter().map(Out::R).collect();
                if what == "as read" {
                    outs.extend(transactions.iter().map(Out::T));
                }
                let (doc, losses) = write(format, sender, &outs);
                let text = String::from_utf8_lossy(&doc).into_owned();
                match format {
                    "xml" => {
                        persons.extend(missing_persons(&text));
                        xml_docs.push(text);
                    }
                    "pfif" => pfif_docs.push(unwrap_atom(&text)),
                    _ => {}
                }
                let back = read(format, &doc, None);
                let rejected: Vec<String> = back
                    .iter()
                    .filter_map(|i| match &i.item {
                        Item::Rejected(r) => Some(format!("{}: {}", i.position, r.reason)),
                        _ => None,
                    })
                    .collect();
                assert!(
                    rejected.is_empty(),
                    "{format} from {sender}, {what}: {} of {} read back rejected:\n{}",
                    rejected.len(),
                    back.len(),
                    rejected.join("\n")
                );
                let came_back: std::collections::BTreeSet<&str> = back
                    .iter()
                    .filter_map(|i| match &i.item {
                        Item::Entry(r) => Some(r.id.native_id.as_str()),
                        Item::Transaction(t) => Some(t.target.native_id.as_str()),
                        Item::Rejected(_) => None,
                    })
                    .collect();
                for r in set {
                    // PFIF writes `source/native_id` when the native id is not domain/local
                    let pfif_id = format!("{}/{}", r.id.source, r.id.native_id);
                    let back_here = came_back.contains(r.id.native_id.as_str())
                        || came_back.contains(pfif_id.as_str());
                    let said = losses
                        .iter()
                        .any(|l| l.record == r.id && l.detail.starts_with("not written"));
                    assert!(
                        back_here || said,
                        "{format} from {sender}, {what}: {} neither read back nor reported",
                        r.id
                    );
                }
            }
        }
    }
    assert_eq!((xml_docs.len(), pfif_docs.len()), (4, 4));
    xmllint(
        &["--schema", &ch_xsd().to_string_lossy()],
        &save(dir.path(), "world-xml", &xml_docs),
    );
    assert!(persons.len() > 1000, "{} j:MissingPerson", persons.len());
    xmllint(
        &["--schema", &jxdm_xsd().to_string_lossy()],
        &save(dir.path(), "world-mp", &persons),
    );
    xmllint(
        &["--relaxng", &pfif_rng().to_string_lossy()],
        &save(dir.path(), "world-pfif", &pfif_docs),
    );
}

/// Every item a reader hands out can be read again alone (reprocessing a quarantined item):
/// `Format::standalone` makes one item's raw bytes into an input that gives that item back —
/// the same record or transaction, under the same source — for every item of the sample
/// world's XML documents and PFIF feeds, and for an item from a plain `pfif:pfif` document.
#[test]
fn every_item_reads_again_alone() {
    let registry = homeward_adapters::Registry::builtin();
    let wire = world_small().join("wire");
    let mut files = files_with_suffix(&wire, ".xml");
    files.retain(|f| !f.to_string_lossy().ends_with(".atom.xml"));
    let feeds = files_with_suffix(&wire, ".atom.xml");
    assert!(!files.is_empty() && !feeds.is_empty());
    let mut checked = 0;
    for (path, name) in files
        .iter()
        .map(|f| (f, "xml"))
        .chain(feeds.iter().map(|f| (f, "pfif")))
    {
        let bytes = std::fs::read(path).unwrap();
        let format = registry.get(name).unwrap();
        for it in read(name, &bytes, None) {
            let source = match &it.item {
                Item::Entry(r) => Some(r.id.source.clone()),
                Item::Transaction(t) => Some(t.target.source.clone()),
                Item::Rejected(_) => None,
            };
            let alone = format.standalone(&it.raw, source.as_deref());
            let again = read(name, &alone, None);
            assert_eq!(
                again.len(),
                1,
                "{}: item at {} read alone gave {} items",
                path.display(),
                it.position,
                again.len()
            );
            assert_eq!(again[0].raw, it.raw, "the item's bytes are the same");
            match (&it.item, &again[0].item) {
                (Item::Entry(a), Item::Entry(b)) => {
                    assert_eq!(
                        norm(vec![(**a).clone()]),
                        norm(vec![(**b).clone()]),
                        "{}",
                        a.id
                    )
                }
                (Item::Transaction(a), Item::Transaction(b)) => assert_eq!(a, b),
                (a, b) => panic!("{}: {a:?} read alone as {b:?}", path.display()),
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked} items");
    // a person of a plain pfif:pfif document
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<pfif:pfif xmlns:pfif=\"{}\"><pfif:person><pfif:person_record_id>example.org/p.1</pfif:person_record_id><pfif:source_date>2026-01-02T03:04:05Z</pfif:source_date><pfif:full_name>Anna Test</pfif:full_name></pfif:person></pfif:pfif>",
        pfif::PFIF_NS
    );
    let items = read("pfif", doc.as_bytes(), None);
    assert_eq!(items.len(), 1);
    let alone = registry
        .get("pfif")
        .unwrap()
        .standalone(&items[0].raw, None);
    let again = read("pfif", &alone, None);
    assert!(
        matches!(&again[0].item, Item::Entry(r) if r.id.native_id == "example.org/p.1"),
        "{again:?}"
    );
}
