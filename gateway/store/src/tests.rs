//! Store tests, each run on both engines.

use chrono::Utc;
use homeward_adapters::{Item, Limits, ReadItem};
use homeward_schemas::{Action, Kind, NoteStatus, RecordId, Status};

use crate::testkit::*;
use crate::*;

fn each_engine(f: impl Fn(EngineKind)) {
    for k in EngineKind::ALL {
        f(k);
    }
}

fn file(name: &str) -> InputContext {
    InputContext::file(name, "test")
}

fn outcomes(s: &Store, items: &[ReadItem], input: &InputContext) -> Vec<Outcome> {
    s.apply_batch(items, input)
        .unwrap()
        .outcomes
        .into_iter()
        .map(|o| o.outcome)
        .collect()
}

fn id(s: &str, n: &str) -> RecordId {
    RecordId::new(s, n)
}

#[test]
fn a_new_record_is_stored_with_version_history_and_feed() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let r = missing("AZ1", "M1", "DOE", "JANE");
        let item = entry(&r, 7);
        let res = s
            .apply_batch(std::slice::from_ref(&item), &file("a.ncic"))
            .unwrap();
        assert_eq!(
            res.outcomes[0].outcome,
            Outcome::New {
                record: id("AZ1", "M1"),
                version: 1
            }
        );
        assert_eq!(res.outcomes[0].digest, item.digest());
        assert_eq!(res.last_seq, 1);
        let got = s.get(&id("AZ1", "M1")).unwrap().unwrap();
        assert_eq!(got.version, 1);
        assert!(got.received_at.is_some());
        assert_eq!(got.names, r.names);
        let h = s.history(&id("AZ1", "M1")).unwrap();
        assert_eq!(h.len(), 1);
        let input = h[0].input.as_ref().unwrap();
        assert_eq!(input.origin, Origin::File("a.ncic".into()));
        assert_eq!(input.position.line, Some(7));
        assert_eq!(input.digest, item.digest());
        assert_eq!(h[0].content_digest, content_digest(&got));
        assert_eq!(h[0].record.as_ref(), Some(&got));
        let feed = s.changes_after(0, 10).unwrap();
        assert_eq!(feed.len(), 1);
        assert_eq!(feed[0].record, id("AZ1", "M1"));
        assert_eq!(feed[0].change, ChangeKind::Created);
    });
}

#[test]
fn the_same_input_twice_changes_nothing() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let items = vec![
            entry(&missing("AZ1", "M1", "DOE", "JANE"), 1),
            entry(&missing("AZ1", "M2", "ROE", "ANN"), 2),
            tx_item(&tx("AZ1", "M1", Action::Locate), 3),
            tx_item(&tx("AZ1", "M9", Action::Locate), 4), // unknown: quarantined
            ReadItem::rejected("test", None, "garbled", line(5), b"???".to_vec()),
        ];
        let first = outcomes(&s, &items, &file("f"));
        assert_eq!(
            first.iter().map(Outcome::label).collect::<Vec<_>>(),
            ["new", "new", "changed", "rejected", "rejected"]
        );
        let seq = s.last_seq().unwrap();
        let q = s.quarantine_list().unwrap().len();
        let second = outcomes(&s, &items, &file("f"));
        assert_eq!(
            second.iter().map(Outcome::label).collect::<Vec<_>>(),
            [
                "unchanged",
                "unchanged",
                "unchanged",
                "rejected",
                "rejected"
            ]
        );
        assert!(matches!(
            &second[0],
            Outcome::Unchanged {
                reason: UnchangedReason::DuplicateInput { .. },
                ..
            }
        ));
        assert!(matches!(
            &second[3],
            Outcome::Rejected { repeated: true, .. }
        ));
        assert_eq!(s.last_seq().unwrap(), seq, "no change recorded");
        assert_eq!(
            s.quarantine_list().unwrap().len(),
            q,
            "no second quarantine copy"
        );
        assert_eq!(s.get(&id("AZ1", "M1")).unwrap().unwrap().version, 2);
        // the same exchange received twice
        let ex = InputContext::exchange("ex-1", "test");
        let third = outcomes(&s, &items[..2], &ex);
        assert!(third.iter().all(|o| o.label() == "unchanged"));
    });
}

#[test]
fn identical_content_in_other_bytes_is_unchanged_and_changes_are_versions() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let r = missing("AZ1", "M1", "DOE", "JANE");
        outcomes(&s, &[entry(&r, 1)], &file("a"));
        let mut again = ReadItem::entry(r.clone(), line(9), b"other bytes, same record".to_vec());
        again.warnings.push("w".into());
        let o = s.apply_one(&again, &file("b")).unwrap();
        assert_eq!(
            o.outcome,
            Outcome::Unchanged {
                record: Some(id("AZ1", "M1")),
                reason: UnchangedReason::SameContent
            }
        );
        assert_eq!(o.warnings, ["w"]);
        let mut heavier = r.clone();
        heavier.weight_kg = Some(homeward_schemas::Range::exact(61.0));
        let o = s.apply_one(&entry(&heavier, 3), &file("c")).unwrap();
        assert_eq!(o.outcome.version(), Some(2));
        let h = s.history(&id("AZ1", "M1")).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].changed, ["weight_kg"]);
        assert_eq!(h[1].change, ChangeKind::Updated);
        assert_eq!(
            h[1].input.as_ref().unwrap().origin,
            Origin::File("c".into())
        );
        assert_eq!(
            h[0].record.as_ref().unwrap().weight_kg,
            r.weight_kg,
            "the old version is kept whole"
        );
    });
}

#[test]
fn stale_input_changes_nothing() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let mut r = missing("XML", "C1", "DOE", "JANE");
        r.source_updated_at = Some(t("2026-03-01T00:00:00Z"));
        outcomes(&s, &[entry(&r, 1)], &file("a"));
        let mut old = r.clone();
        old.source_updated_at = Some(t("2026-01-01T00:00:00Z"));
        old.weight_kg = None;
        let o = outcomes(&s, &[entry(&old, 1)], &file("b"));
        assert!(matches!(o[0], Outcome::Stale { .. }));
        assert!(
            s.get(&id("XML", "C1"))
                .unwrap()
                .unwrap()
                .weight_kg
                .is_some()
        );
    });
}

#[test]
fn transactions_apply_in_input_order_within_a_batch() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let items = vec![
            entry(&missing("AZ1", "M1", "DOE", "JANE"), 1),
            tx_item(&tx("TX9", "M1", Action::Locate), 2), // another agency, by NIC
            tx_item(&tx("AZ1", "M1", clear()), 3),
            tx_item(&tx("AZ1", "M1", Action::Locate), 4), // after the clear: refused
        ];
        let o = outcomes(&s, &items, &file("f"));
        assert_eq!(
            o.iter().map(Outcome::label).collect::<Vec<_>>(),
            ["new", "changed", "changed", "rejected"]
        );
        let r = s.get(&id("AZ1", "M1")).unwrap().unwrap();
        assert_eq!(r.status, Status::Cleared);
        assert_eq!(r.version, 3);
        let statuses: Vec<Status> = r.status_history.iter().map(|e| e.status).collect();
        assert_eq!(statuses, [Status::Located, Status::Cleared]);
        assert_eq!(r.status_history[0].by.as_deref(), Some("TX9"));
        let h = s.history(&r.id).unwrap();
        assert_eq!(h[1].action.as_deref(), Some("locate"));
        assert_eq!(h[1].input.as_ref().unwrap().position.line, Some(2));
        let q = s.quarantine_list().unwrap();
        assert_eq!(q.len(), 1);
        assert!(q[0].reason.contains("already cleared"), "{}", q[0].reason);
        assert_eq!(q[0].stage, Stage::Apply);
        let feed: Vec<ChangeKind> = s
            .changes_after(0, 100)
            .unwrap()
            .into_iter()
            .map(|c| c.change)
            .collect();
        assert_eq!(
            feed,
            [
                ChangeKind::Created,
                ChangeKind::Status {
                    from: Status::Active,
                    to: Status::Located
                },
                ChangeKind::Status {
                    from: Status::Located,
                    to: Status::Cleared
                }
            ]
        );
    });
}

#[test]
fn an_update_before_its_record_is_quarantined_then_reprocessed() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let registry = registry(false);
        // out of order: the clear comes before the entry, in the same file
        let items = vec![
            tx_item(&tx("AZ1", "M1", clear()), 1),
            entry(&missing("AZ1", "M1", "DOE", "JANE"), 2),
        ];
        let o = outcomes(&s, &items, &file("late.test"));
        let Outcome::Rejected {
            quarantine,
            reason,
            field,
            ..
        } = &o[0]
        else {
            panic!("{:?}", o[0])
        };
        assert!(reason.contains("no stored record is AZ1/M1"), "{reason}");
        assert_eq!(field.as_deref(), Some("target"));
        let q = s.quarantine_get(*quarantine).unwrap().unwrap();
        assert_eq!(q.raw, items[0].raw);
        assert_eq!(q.position.line, Some(1));
        assert_eq!(q.origin, Origin::File("late.test".into()));
        assert_eq!(q.format, "test");
        assert_eq!(q.target.as_deref(), Some("AZ1/M1"));
        // importing the file again changes nothing: the clear stays in quarantine
        let again = outcomes(&s, &items, &file("late.test"));
        assert!(matches!(again[0], Outcome::Rejected { repeated: true, .. }));
        assert_eq!(
            s.get(&id("AZ1", "M1")).unwrap().unwrap().status,
            Status::Active
        );

        // the raw bytes are JSON, which format `test` cannot read: stays, attempt recorded
        let r = s
            .reprocess(*quarantine, &registry, Limits::default())
            .unwrap();
        assert!(matches!(r, Reprocessed::StillRefused { .. }), "{r:?}");
        let q = s.quarantine_get(*quarantine).unwrap().unwrap();
        assert_eq!(q.attempts.len(), 1);
        assert_eq!(
            s.get(&id("AZ1", "M1")).unwrap().unwrap().status,
            Status::Active
        );
    });
}

#[test]
fn reprocess_reads_raw_bytes_again_with_todays_format() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let read = |text: &str, reg: &homeward_adapters::Registry| -> Vec<ReadItem> {
            let f = reg.get("test").unwrap();
            f.reader()
                .read(
                    Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
                    homeward_adapters::ReadContext::new("in.test"),
                )
                .collect()
        };
        let old = registry(false);
        let items = read("C|AZ1|M1\nFIX:E|AZ1|M2|ROE|ANN\nE|AZ1|M1|DOE|JANE\n", &old);
        let o = outcomes(&s, &items, &file("in.test"));
        assert_eq!(
            o.iter().map(Outcome::label).collect::<Vec<_>>(),
            ["rejected", "rejected", "new"]
        );
        let list = s.quarantine_list().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].stage, Stage::Read);
        assert_eq!(list[1].raw, b"FIX:E|AZ1|M2|ROE|ANN");
        assert_eq!(list[1].field.as_deref(), Some("kind"));

        // today's reader reads the fixed line; the clear's record now exists
        let fixed = registry(true);
        let results = s.reprocess_all(&fixed, Limits::default()).unwrap();
        assert_eq!(results.len(), 2);
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Reprocessed::Resolved { .. })),
            "{results:?}"
        );
        assert!(s.quarantine_list().unwrap().is_empty());
        let m1 = s.get(&id("AZ1", "M1")).unwrap().unwrap();
        assert_eq!(m1.status, Status::Cleared);
        let m2 = s.get(&id("AZ1", "M2")).unwrap().unwrap();
        assert_eq!(m2.version, 1);
        // linked both ways
        let done = s.quarantine_resolved(list[1].id).unwrap().unwrap();
        assert_eq!(done.records, vec![(id("AZ1", "M2"), 1)]);
        let h = s.history(&m1.id).unwrap();
        let last = h.last().unwrap().input.as_ref().unwrap();
        assert_eq!(last.quarantine, Some(list[0].id));
        assert_eq!(last.position.line, Some(1));
        // and the file imported again still changes nothing
        let again = outcomes(&s, &items, &file("in.test"));
        assert!(again.iter().all(|o| o.label() == "unchanged"), "{again:?}");
        assert!(s.quarantine_list().unwrap().is_empty());
        assert!(s.reprocess(list[0].id, &fixed, Limits::default()).is_err());
    });
}

#[test]
fn a_locate_from_another_agency_finds_the_record_by_nic_and_checks_the_name() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let mut m = missing("AZ1", "M1", "DOE", "JANE");
        m.id.native_id = "AZ-CASE-1".into(); // native id differs from the NIC
        outcomes(&s, &[entry(&m, 1)], &file("a"));
        let mut wrong = tx("TX9", "M1", Action::Locate);
        wrong.target.name = Some("SMITH, JANE".into());
        let mut right = tx("TX9", "M1", Action::Locate);
        right.target.name = Some("DOE, JANE".into());
        let o = outcomes(&s, &[tx_item(&wrong, 1), tx_item(&right, 2)], &file("b"));
        let Outcome::Rejected { field, .. } = &o[0] else {
            panic!("{:?}", o[0])
        };
        assert_eq!(field.as_deref(), Some("name"));
        assert_eq!(o[1].record(), Some(&id("AZ1", "AZ-CASE-1")));
        assert_eq!(
            s.get(&id("AZ1", "AZ-CASE-1")).unwrap().unwrap().status,
            Status::Located
        );
        // two records share the NIC (two sources): a locate by NIC alone is ambiguous
        let mut dup = missing("NM2", "M1", "DOE", "JANE");
        dup.id.native_id = "NM-1".into();
        outcomes(&s, &[entry(&dup, 1)], &file("c"));
        let o = outcomes(
            &s,
            &[tx_item(&tx("CO3", "M1", Action::Cancel), 1)],
            &file("d"),
        );
        let Outcome::Rejected { reason, .. } = &o[0] else {
            panic!("{:?}", o[0])
        };
        assert!(reason.contains("2 stored records"), "{reason}");
        // ... but not when it names its source
        let o = outcomes(
            &s,
            &[tx_item(&tx("NM2", "NM-1", Action::Cancel), 1)],
            &file("e"),
        );
        assert_eq!(o[0].label(), "changed");
    });
}

#[test]
fn a_nic_change_moves_the_index() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let mut m = missing("XML", "C1", "DOE", "JANE");
        m.nic = Some("M100".into());
        outcomes(&s, &[entry(&m, 1)], &file("a"));
        m.nic = Some("M200".into());
        outcomes(&s, &[entry(&m, 2)], &file("b"));
        assert!(matches!(s.find("M200").unwrap(), Lookup::Found(_)));
        assert_eq!(s.find("M100").unwrap(), Lookup::NotFound);
        let o = outcomes(
            &s,
            &[tx_item(&tx("OTHER", "M100", Action::Locate), 1)],
            &file("c"),
        );
        assert!(o[0].is_rejected());
    });
}

#[test]
fn modify_partial_and_on_a_closed_record() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let m = missing("AZ1", "M1", "DOE", "JANE");
        outcomes(
            &s,
            &[entry(&m, 1), tx_item(&tx("AZ1", "M1", clear()), 2)],
            &file("a"),
        );
        let mut patch = homeward_schemas::Record::new(Kind::Missing, "AZ1", "M1");
        patch.weight_kg = Some(homeward_schemas::Range::exact(72.5));
        let mut x = tx(
            "AZ1",
            "M1",
            Action::Modify {
                patch: Box::new(patch),
                full: false,
            },
        );
        x.target.name = Some("DOE, JANE".into());
        let o = outcomes(&s, &[tx_item(&x, 3)], &file("a"));
        assert_eq!(o[0].label(), "changed");
        let r = s.get(&m.id).unwrap().unwrap();
        assert_eq!(r.status, Status::Cleared);
        assert_eq!(r.weight_kg, Some(homeward_schemas::Range::exact(72.5)));
        assert_eq!(r.names, m.names);
        assert_eq!(s.history(&m.id).unwrap()[2].changed, ["weight_kg"]);
    });
}

#[test]
fn expiry_removes_personal_data_from_every_version() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let m = missing(
            "gmcn.example.org",
            "gmcn.example.org/p.1",
            "IVANOVA",
            "ANNA",
        );
        let mut m2 = m.clone();
        m2.weight_kg = Some(homeward_schemas::Range::exact(52.0));
        let exp = tx(
            "gmcn.example.org",
            "gmcn.example.org/p.1",
            Action::Expire {
                expiry_date: t("2026-05-01T00:00:00Z"),
            },
        );
        let o = outcomes(
            &s,
            &[entry(&m, 1), entry(&m2, 2), tx_item(&exp, 3)],
            &file("f"),
        );
        assert_eq!(o[2].label(), "changed");
        let r = s.get(&m.id).unwrap().unwrap();
        assert_eq!(r.status, Status::Expired);
        assert!(r.names.is_empty());
        let h = s.history(&m.id).unwrap();
        assert_eq!(h.len(), 3);
        assert!(
            h[..2]
                .iter()
                .all(|v| v.record.is_none() && v.purged_at.is_some())
        );
        assert_eq!(h[2].change, ChangeKind::Expired);
        assert!(h[2].changed.contains(&"names".to_string()));
        let text = serde_json::to_string(&h).unwrap();
        assert!(!text.contains("IVANOVA"), "history still holds the name");
        // the record re-sent (other bytes) changes nothing
        let mut m3 = m.clone();
        m3.weight_kg = Some(homeward_schemas::Range::exact(53.0));
        let o = outcomes(&s, &[entry(&m3, 9)], &file("g"));
        assert_eq!(
            o[0],
            Outcome::Unchanged {
                record: Some(m.id.clone()),
                reason: UnchangedReason::Expired
            }
        );
        assert!(s.get(&m.id).unwrap().unwrap().names.is_empty());
    });
}

#[test]
fn expire_due_expires_what_has_passed() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let mut a = missing("P", "P/1", "A", "A");
        a.expiry_date = Some(Utc::now() + chrono::Duration::days(1));
        let mut b = missing("P", "P/2", "B", "B");
        b.expiry_date = Some(Utc::now() + chrono::Duration::days(30));
        outcomes(&s, &[entry(&a, 1), entry(&b, 2)], &file("f"));
        let expired = s
            .expire_due(Utc::now() + chrono::Duration::days(2))
            .unwrap();
        assert_eq!(expired, vec![a.id.clone()]);
        assert_eq!(s.get(&a.id).unwrap().unwrap().status, Status::Expired);
        assert_eq!(s.get(&b.id).unwrap().unwrap().status, Status::Active);
        let h = s.history(&a.id).unwrap();
        assert!(matches!(
            &h[1].input.as_ref().unwrap().origin,
            Origin::Internal(_)
        ));
    });
}

#[test]
fn notes_as_transactions_and_nested() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let mut m = missing(
            "gmcn.example.org",
            "gmcn.example.org/p.1",
            "IVANOVA",
            "ANNA",
        );
        m.notes.push(note(
            "n1",
            NoteStatus::BelievedMissing,
            false,
            "2026-01-01T00:00:00Z",
        ));
        let located = tx(
            &m.id.source,
            &m.id.native_id,
            Action::Note {
                note: Box::new(note(
                    "n2",
                    NoteStatus::BelievedAlive,
                    true,
                    "2026-02-01T00:00:00Z",
                )),
            },
        );
        let o = outcomes(&s, &[entry(&m, 1), tx_item(&located, 2)], &file("f"));
        assert_eq!(o[1].label(), "changed");
        let r = s.get(&m.id).unwrap().unwrap();
        assert_eq!(r.status, Status::Located);
        assert_eq!(r.notes.len(), 2);
        // the person re-sent with its first note only keeps both notes, still located
        let o = outcomes(&s, &[entry(&m, 3)], &file("g"));
        assert_eq!(o[0].label(), "unchanged");
        assert_eq!(s.get(&m.id).unwrap().unwrap().status, Status::Located);
    });
}

#[test]
fn a_failed_batch_stores_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Flaky {
        inner: Box<dyn Engine>,
        fail: Arc<AtomicBool>,
    }
    impl Engine for Flaky {
        fn kind(&self) -> EngineKind {
            self.inner.kind()
        }
        fn snapshot(&self) -> Result<Box<dyn Snapshot>, EngineError> {
            self.inner.snapshot()
        }
        fn apply(&self, batch: WriteBatch) -> Result<(), EngineError> {
            if self.fail.load(Ordering::SeqCst) {
                return Err(EngineError::Io {
                    path: "flaky".into(),
                    source: std::io::Error::other("disk full"),
                });
            }
            self.inner.apply(batch)
        }
        fn sync(&self) -> Result<(), EngineError> {
            self.inner.sync()
        }
    }
    each_engine(|k| {
        let dir = tempfile::tempdir().unwrap();
        let fail = Arc::new(AtomicBool::new(false));
        let engine = Flaky {
            inner: k.open(&dir.path().join(k.file_name())).unwrap(),
            fail: fail.clone(),
        };
        let s = Store::with_engine(Box::new(engine)).unwrap();
        let items = vec![
            entry(&missing("AZ1", "M1", "DOE", "JANE"), 1),
            tx_item(&tx("AZ1", "M9", clear()), 2),
        ];
        fail.store(true, Ordering::SeqCst);
        assert!(s.apply_batch(&items, &file("f")).is_err());
        assert_eq!(s.get(&id("AZ1", "M1")).unwrap(), None);
        assert!(s.quarantine_list().unwrap().is_empty());
        assert_eq!(s.last_seq().unwrap(), 0);
        fail.store(false, Ordering::SeqCst);
        let o = outcomes(&s, &items, &file("f"));
        assert_eq!(
            o[0].label(),
            "new",
            "a retry is not mistaken for a duplicate"
        );
        assert_eq!(o[1].label(), "rejected");
    });
}

#[test]
fn change_feed_cursors_persist_and_only_move_forward_on_ack() {
    each_engine(|k| {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path(), k).unwrap();
            let items: Vec<ReadItem> = (1..=5)
                .map(|i| entry(&missing("AZ1", &format!("M{i}"), "DOE", "JANE"), i))
                .collect();
            outcomes(&s, &items, &file("f"));
            let c = s.consumer("crossmatch").unwrap();
            let b = c.next_batch(3).unwrap();
            assert_eq!(b.iter().map(|c| c.seq).collect::<Vec<_>>(), [1, 2, 3]);
            assert_eq!(
                c.next_batch(3).unwrap()[0].seq,
                1,
                "same batch until acknowledged"
            );
            c.ack(3).unwrap();
            c.ack(2).unwrap(); // backwards: no-op
            assert!(c.ack(99).is_err());
            assert!(s.consumer("").is_err());
        }
        let s = Store::open(dir.path(), k).unwrap();
        let c = s.consumer("crossmatch").unwrap();
        assert_eq!(c.position().unwrap(), 3);
        let rest = c.next_batch(10).unwrap();
        assert_eq!(rest.iter().map(|c| c.seq).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(s.cursors().unwrap(), vec![("crossmatch".to_string(), 3)]);
        s.set_cursor("crossmatch", 0).unwrap();
        assert_eq!(c.next_batch(10).unwrap().len(), 5, "replay from the start");
        assert!(s.set_cursor("crossmatch", 6).is_err());
        assert_eq!(s.cursor("exchange").unwrap(), 0);
    });
}

#[test]
fn dump_and_load_move_a_store_between_engines() {
    let (_d1, sled) = store(EngineKind::Sled);
    let items = vec![
        entry(&missing("AZ1", "M1", "DOE", "JANE"), 1),
        tx_item(&tx("AZ1", "M1", Action::Locate), 2),
        tx_item(&tx("AZ1", "M9", Action::Locate), 3),
        entry(
            &missing(
                "gmcn.example.org",
                "gmcn.example.org/p.1",
                "ИВАНОВА",
                "АННА",
            ),
            4,
        ),
    ];
    outcomes(&sled, &items, &file("f"));
    sled.consumer("crossmatch").unwrap().ack(2).unwrap();
    let mut dump = Vec::new();
    let n = sled.dump(&mut dump).unwrap();
    assert!(n > 10);

    let (_d2, redb) = store(EngineKind::Redb);
    assert_eq!(redb.load(&mut dump.as_slice()).unwrap(), n);
    for s in [&sled, &redb] {
        assert_eq!(
            s.get(&id("AZ1", "M1")).unwrap().unwrap().status,
            Status::Located
        );
        assert_eq!(s.history(&id("AZ1", "M1")).unwrap().len(), 2);
        assert_eq!(s.quarantine_list().unwrap().len(), 1);
        assert_eq!(s.cursor("crossmatch").unwrap(), 2);
        assert_eq!(s.last_seq().unwrap(), 3);
    }
    // the loaded store keeps working, idempotency included
    let again = outcomes(&redb, &items, &file("f"));
    assert!(again.iter().all(|o| !o.is_accepted()));
    let mut redump = Vec::new();
    redb.dump(&mut redump).unwrap();
    let body = |d: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(d)
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    assert_eq!(body(&dump), body(&redump));

    // a loaded store refuses a second load; a truncated dump is refused
    assert!(redb.load(&mut dump.as_slice()).is_err());
    let (_d3, other) = store(EngineKind::Redb);
    let text = String::from_utf8(dump.clone()).unwrap();
    let cut: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    assert!(other.load(&mut cut.as_bytes()).is_err());

    // copy_to does the same directly
    let (_d4, copy) = store(EngineKind::Redb);
    assert_eq!(sled.copy_to(&copy).unwrap(), n);
}

#[test]
fn an_interrupted_load_leaves_a_store_that_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path(), EngineKind::Redb).unwrap();
        let cut = "{\"homeward_store_dump\":1,\"store_format\":1,\"engine\":\"sled\",\"exported_at\":\"2026-01-01T00:00:00Z\"}\n{\"k\":\"meta/seq\",\"v\":1}\n";
        assert!(s.load(&mut cut.as_bytes()).is_err());
    }
    assert!(Store::open(dir.path(), EngineKind::Redb).is_err());
}

#[test]
fn find_by_full_id_native_id_or_nic() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let p = missing("gmcn.example.org", "gmcn.example.org/p.1", "A", "B");
        let mut x = missing("XML", "CASE-1", "C", "D");
        x.nic = Some("M55".into());
        let y = missing("NM2", "CASE-1", "E", "F");
        outcomes(&s, &[entry(&p, 1), entry(&x, 2), entry(&y, 3)], &file("f"));
        let found = |q: &str| match s.find(q).unwrap() {
            Lookup::Found(r) => Some(r.id),
            _ => None,
        };
        assert_eq!(
            found("gmcn.example.org/gmcn.example.org/p.1"),
            Some(p.id.clone())
        );
        assert_eq!(found("gmcn.example.org/p.1"), Some(p.id.clone()));
        assert_eq!(found("M55"), Some(x.id.clone()));
        assert_eq!(found("XML/CASE-1"), Some(x.id.clone()));
        assert!(matches!(s.find("CASE-1").unwrap(), Lookup::Ambiguous(v) if v.len() == 2));
        assert_eq!(s.find("nothing").unwrap(), Lookup::NotFound);
    });
}

#[test]
fn stats_count_kinds_statuses_sources_and_quarantine() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let items = vec![
            entry(&missing("AZ1", "M1", "A", "B"), 1),
            entry(&missing("AZ1", "M2", "A", "B"), 2),
            entry(&unidentified("NM2", "U1"), 3),
            tx_item(&tx("AZ1", "M1", clear()), 4),
            ReadItem::rejected("test", None, "bad", line(5), b"x".to_vec()),
        ];
        outcomes(&s, &items, &file("f"));
        let st = s.stats().unwrap();
        assert_eq!(st.records, 3);
        assert_eq!(st.by_kind["missing"], 2);
        assert_eq!(st.by_kind["unidentified"], 1);
        assert_eq!(st.by_status["cleared"], 1);
        assert_eq!(st.by_status["active"], 2);
        assert_eq!(st.by_source["AZ1"], 2);
        assert_eq!(st.quarantine.open, 1);
        assert_eq!(st.quarantine.by_stage["read"], 1);
        assert_eq!(st.last_change, 4);
        assert_eq!(st.engine, k);
        assert_eq!(
            serde_json::to_value(&st).unwrap()["records"],
            serde_json::json!(3)
        );
    });
}

#[test]
fn bad_ids_are_refused_not_stored() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let nul = missing("AZ\u{0}1", "M1", "A", "B");
        let empty = missing("AZ1", "", "A", "B");
        let o = outcomes(&s, &[entry(&nul, 1), entry(&empty, 2)], &file("f"));
        assert!(o.iter().all(Outcome::is_rejected));
        assert_eq!(s.stats().unwrap().records, 0);
    });
}

#[test]
fn items_without_raw_bytes_are_quarantined_as_canonical_json_and_reprocessable() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let clear_first = ReadItem::transaction(tx("AZ1", "M1", clear()), line(1), Vec::new());
        let o = outcomes(&s, &[clear_first], &InputContext::exchange("ex-9", "xml"));
        let Outcome::Rejected { quarantine, .. } = o[0] else {
            panic!()
        };
        let q = s.quarantine_get(quarantine).unwrap().unwrap();
        assert_eq!(q.format, CANONICAL_FORMAT);
        assert_eq!(q.origin, Origin::Exchange("ex-9".into()));
        outcomes(&s, &[entry(&missing("AZ1", "M1", "A", "B"), 1)], &file("f"));
        let r = s
            .reprocess(quarantine, &registry(false), Limits::default())
            .unwrap();
        assert!(matches!(r, Reprocessed::Resolved { .. }), "{r:?}");
        assert_eq!(
            s.get(&id("AZ1", "M1")).unwrap().unwrap().status,
            Status::Cleared
        );
        let _ = Item::Rejected; // the variant quarantine is named after
    });
}

#[test]
fn a_data_dir_of_one_engine_is_not_opened_as_the_other() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path(), EngineKind::Redb).unwrap());
    match Store::open(dir.path(), EngineKind::Sled) {
        Err(StoreError::EngineMismatch { found, .. }) => assert_eq!(found, EngineKind::Redb),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("opened a redb data dir as sled"),
    }
}

#[test]
fn check_finds_a_sound_store_sound() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let mut m = missing("AZ1", "M1", "DOE", "JANE");
        m.id.native_id = "CASE-1".into();
        let items = vec![
            entry(&m, 1),
            tx_item(&tx("TX9", "M1", Action::Locate), 2),
            tx_item(&tx("AZ1", "M9", Action::Locate), 3),
            entry(&missing("AZ1", "M2", "ROE", "ANN"), 4),
        ];
        outcomes(&s, &items, &file("f"));
        let rep = s.check().unwrap();
        assert!(rep.is_ok(), "{:?}", rep.problems);
        assert_eq!(
            (rep.records, rep.versions, rep.changes, rep.quarantine),
            (2, 3, 3, 1)
        );
        // a damaged store is reported: remove a version behind the store's back
        let mut b = WriteBatch::new();
        b.delete(crate::keys::ver(&m.id, 1));
        s.engine().apply(b).unwrap();
        let rep = s.check().unwrap();
        assert!(!rep.is_ok());
        assert!(
            rep.problems.iter().any(|p| p.contains("history holds")),
            "{:?}",
            rep.problems
        );
    });
}

#[test]
fn expiry_removes_the_person_from_matches_decisions_and_quarantine() {
    use homeward_crossmatch::{Attribute, Decision, PairKey, Relation, ScorePart, Verdict};
    each_engine(|k| {
        let (_d, s) = store(k);
        let src = "gmcn.example.org";
        let native = "gmcn.example.org/p.7";
        let m = missing(src, native, "KOVALENKO", "OKSANA");
        // a clear that arrives before its record: refused, quarantined, naming the record
        let early = tx(src, native, clear());
        let o = outcomes(&s, &[tx_item(&early, 1)], &file("early"));
        assert!(o[0].is_rejected(), "{o:?}");
        let u = unidentified("AZ-ME", "U7");
        outcomes(&s, &[entry(&m, 1), entry(&u, 2)], &file("f"));
        let pair = PairKey::new(Relation::PossibleIdentification, m.id.clone(), u.id.clone());
        s.matches_write(|w| {
            w.propose(Proposal {
                pair: pair.clone(),
                score: 30.0,
                rank: 1,
                reasons: "name: family KOVALENKO agrees (+9.0)".into(),
                parts: vec![ScorePart {
                    attribute: Attribute::Name,
                    weight: 9.0,
                    detail: "family KOVALENKO agrees".into(),
                }],
                left_version: 1,
                right_version: 1,
                via: None,
                also: Vec::new(),
            })
        })
        .unwrap();
        s.record_decision(&Decision {
            pair: pair.clone(),
            verdict: Verdict::Excluded,
            by: Some("ana".into()),
            at: Some(Utc::now()),
            note: Some("KOVALENKO had no tattoo".into()),
        })
        .unwrap();
        let dump = |s: &Store| {
            let mut out = Vec::new();
            s.dump(&mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert!(dump(&s).contains("KOVALENKO"));

        let exp = tx(
            src,
            native,
            Action::Expire {
                expiry_date: t("2026-05-01T00:00:00Z"),
            },
        );
        outcomes(&s, &[tx_item(&exp, 3)], &file("expiry"));
        let text = dump(&s);
        assert!(
            !text.contains("KOVALENKO") && !text.contains("OKSANA"),
            "the store still names the person: {}",
            text.lines()
                .filter(|l| l.contains("KOVALENKO"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        // what is kept: the withdrawn match, the verdict and who, the quarantine item
        let e = s.match_entry(&pair).unwrap().unwrap();
        assert_eq!(e.state, MatchState::Withdrawn);
        assert!(e.parts.is_empty() && e.reasons.is_empty());
        let d = s.decision(&pair).unwrap().unwrap();
        assert_eq!(
            (d.verdict, d.by.as_deref()),
            (Verdict::Excluded, Some("ana"))
        );
        let q = s.quarantine_list().unwrap();
        assert_eq!(q.len(), 1);
        assert!(q[0].raw.is_empty() && q[0].purged_at.is_some());
        // reprocessing the purged item says why it cannot be read
        let r = s
            .reprocess(
                q[0].id,
                &homeward_adapters::Registry::builtin(),
                Limits::default(),
            )
            .unwrap();
        assert!(matches!(r, Reprocessed::StillRefused { .. }), "{r:?}");
        assert!(s.check().unwrap().is_ok());
    });
}

#[test]
fn record_batches_read_what_records_reads_in_order() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let items: Vec<ReadItem> = (0..23)
            .map(|i| entry(&missing("AZ1", &format!("M{i:02}"), "DOE", "JANE"), i + 1))
            .collect();
        s.apply_batch(&items, &file("a.ncic")).unwrap();
        let all: Vec<homeward_schemas::Record> = s.records().unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(all.len(), 23);
        for batch in [1, 5, 23, 4096] {
            let mut got = Vec::new();
            let mut sizes = Vec::new();
            s.record_batches(batch, |b| -> Result<(), StoreError> {
                sizes.push(b.len());
                got.extend(b);
                Ok(())
            })
            .unwrap();
            assert_eq!(got, all, "batch {batch}");
            assert!(sizes.iter().all(|n| *n <= batch && *n > 0), "{sizes:?}");
        }
        // an error of the callback ends the scan
        let mut calls = 0;
        let r = s.record_batches(5, |_| {
            calls += 1;
            Err(StoreError::Invalid("stop".into()))
        });
        assert!(r.is_err());
        assert_eq!(calls, 1);
    });
}
