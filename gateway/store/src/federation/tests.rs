//! The federation tables, on both engines.

use chrono::{TimeDelta, Utc};
use homeward_schemas::{RecordId, Status};

use crate::testkit::*;
use crate::*;

fn each_engine(f: impl Fn(EngineKind)) {
    for k in EngineKind::ALL {
        f(k);
    }
}

fn exchange(id: &str) -> InputContext {
    InputContext::exchange(id, "canonical")
}

#[test]
fn evidence_appends_in_order_and_survives_reopening() {
    each_engine(|k| {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path(), k).unwrap();
            assert_eq!(s.evidence_len().unwrap(), 0);
            s.evidence_append(0, b"first\0entry").unwrap();
            s.evidence_append(1, &[0xff, 0x00, 0x10]).unwrap();
            // only the current length may be appended
            assert!(s.evidence_append(1, b"again").is_err());
            assert!(s.evidence_append(5, b"gap").is_err());
            assert_eq!(s.evidence_len().unwrap(), 2);
        }
        let s = Store::open(dir.path(), k).unwrap();
        assert_eq!(s.evidence_len().unwrap(), 2);
        assert_eq!(
            s.evidence_read(0, 10).unwrap(),
            vec![b"first\0entry".to_vec(), vec![0xff, 0x00, 0x10]]
        );
        assert_eq!(s.evidence_read(1, 1).unwrap(), vec![vec![0xff, 0x00, 0x10]]);
        assert!(s.evidence_read(2, 1).unwrap().is_empty());
        assert!(s.check().unwrap().is_ok());
    });
}

#[test]
fn an_exchange_and_its_evidence_commit_together_or_not_at_all() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let r = missing("TX1", "M1", "DOE", "JANE");
        let items = vec![entry(&r, 1)];

        // `then` fails: neither the record, nor its digest, nor the evidence is stored
        let failed: Result<BatchResult, StoreError> =
            s.apply_batch_with(&items, &exchange("x1"), |res, w| {
                assert!(res.outcomes[0].outcome.is_accepted());
                w.append_evidence(0, b"entry 0")?;
                w.mark_received("hub", &r.id, "x1")?;
                Err(StoreError::Invalid("signing failed".into()))
            });
        assert!(failed.is_err());
        assert!(s.get(&r.id).unwrap().is_none());
        assert_eq!(s.evidence_len().unwrap(), 0);
        assert_eq!(s.last_seq().unwrap(), 0);
        assert_eq!(
            s.received_from("hub", std::slice::from_ref(&r.id)).unwrap(),
            vec![false]
        );

        // it succeeds: all of it is there
        let res = s
            .apply_batch_with(&items, &exchange("x1"), |res, w| {
                for o in &res.outcomes {
                    if let Some(id) = o.outcome.record() {
                        w.mark_received("hub", id, "x1")?;
                    }
                }
                w.append_evidence(w.evidence_len()?, b"entry 0")
            })
            .unwrap();
        assert!(res.outcomes[0].outcome.is_accepted());
        assert_eq!(s.get(&r.id).unwrap().unwrap().version, 1);
        assert_eq!(s.evidence_read(0, 5).unwrap(), vec![b"entry 0".to_vec()]);
        assert_eq!(
            s.received_from("hub", std::slice::from_ref(&r.id)).unwrap(),
            vec![true]
        );
        assert_eq!(
            s.received_from("other", std::slice::from_ref(&r.id))
                .unwrap(),
            vec![false]
        );

        // the same items again: unchanged, as for any input
        let again = s
            .apply_batch_with(&items, &exchange("x2"), |_, w| {
                w.append_evidence(1, b"entry 1")
            })
            .unwrap();
        assert!(matches!(
            again.outcomes[0].outcome,
            Outcome::Unchanged { .. }
        ));
        assert_eq!(s.evidence_len().unwrap(), 2);
    });
}

#[test]
fn replay_keys_are_recorded_once_and_pruned_by_time() {
    each_engine(|k| {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        {
            let s = Store::open(dir.path(), k).unwrap();
            assert!(
                s.replay_check_and_record(b"old", now - TimeDelta::hours(1))
                    .unwrap()
            );
            assert!(s.replay_check_and_record(b"new", now).unwrap());
            assert!(!s.replay_check_and_record(b"new", now).unwrap());
            assert_eq!(s.replay_len().unwrap(), 2);
        }
        // remembered across a restart
        let s = Store::open(dir.path(), k).unwrap();
        assert!(!s.replay_check_and_record(b"old", now).unwrap());
        assert_eq!(s.replay_prune(now - TimeDelta::minutes(10)).unwrap(), 1);
        assert_eq!(s.replay_prune(now - TimeDelta::minutes(10)).unwrap(), 0);
        assert_eq!(s.replay_len().unwrap(), 1);
        assert!(!s.replay_check_and_record(b"new", now).unwrap());
        // a pruned key is new again (its envelope would fail the freshness check anyway)
        assert!(s.replay_check_and_record(b"old", now).unwrap());
    });
}

#[test]
fn sharing_marks_and_the_pusher_cursor_move_together() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let a = missing("TX1", "M1", "DOE", "JANE");
        let b = missing("TX1", "M2", "ROE", "RICHARD");
        s.apply_batch(
            &[entry(&a, 1), entry(&b, 2)],
            &InputContext::file("f", "test"),
        )
        .unwrap();
        let ids = vec![a.id.clone(), b.id.clone(), RecordId::new("X", "nope")];
        assert_eq!(s.shared_marks("hub", &ids).unwrap(), vec![None, None, None]);

        s.federation_write(|w| -> Result<(), StoreError> {
            w.mark_shared("hub", &a.id, 1, Status::Active)?;
            w.ack_consumer("push:hub", 2)
        })
        .unwrap();
        let marks = s.shared_marks("hub", &ids).unwrap();
        assert_eq!(
            marks[0].as_ref().map(|m| (m.version, m.status)),
            Some((1, Status::Active))
        );
        assert!(marks[1].is_none());
        assert_eq!(s.cursor("push:hub").unwrap(), 2);
        assert_eq!(s.shared_with("hub").unwrap().len(), 1);
        assert!(s.shared_with("intl").unwrap().is_empty());

        // a failed write moves neither
        let failed = s.federation_write(|w| -> Result<(), StoreError> {
            w.mark_shared("hub", &b.id, 1, Status::Active)?;
            w.ack_consumer("push:hub", 99)
        });
        assert!(failed.is_err());
        assert!(s.shared_marks("hub", &ids).unwrap()[1].is_none());
        assert_eq!(s.cursor("push:hub").unwrap(), 2);
    });
}

#[test]
fn pull_cursors_are_kept_per_partner_and_feed() {
    each_engine(|k| {
        let (_d, s) = store(k);
        assert_eq!(s.remote_cursor("intl", "changes").unwrap(), None);
        s.set_remote_cursor("intl", "changes", "42").unwrap();
        s.set_remote_cursor("intl", "pfif", "2026-05-01T00:00:00Z")
            .unwrap();
        assert_eq!(
            s.remote_cursor("intl", "changes").unwrap().as_deref(),
            Some("42")
        );
        assert_eq!(s.remote_cursors().unwrap().len(), 2);
        assert!(s.set_remote_cursor("bad\0id", "changes", "1").is_err());
    });
}

#[test]
fn the_first_change_at_a_time_is_found() {
    each_engine(|k| {
        let (_d, s) = store(k);
        let before = Utc::now() - TimeDelta::seconds(1);
        assert_eq!(s.first_change_at_or_after(before).unwrap(), 1);
        for i in 0..5u64 {
            let r = missing("TX1", &format!("M{i}"), "DOE", "JANE");
            s.apply_batch(&[entry(&r, i)], &InputContext::file("f", "test"))
                .unwrap();
        }
        let third = s.changes_after(2, 1).unwrap()[0].at;
        let first = s.first_change_at_or_after(third).unwrap();
        assert!(first <= 3);
        assert!(
            s.changes_after(first - 1, 10)
                .unwrap()
                .iter()
                .all(|c| c.at >= third)
        );
        assert_eq!(s.first_change_at_or_after(before).unwrap(), 1);
        assert_eq!(
            s.first_change_at_or_after(Utc::now() + TimeDelta::hours(1))
                .unwrap(),
            6
        );
    });
}

#[test]
fn federation_tables_survive_a_dump_and_load() {
    let (_d, s) = store(EngineKind::Sled);
    s.evidence_append(0, &[0, 1, 2, 255]).unwrap();
    s.replay_check_and_record(b"k", Utc::now()).unwrap();
    s.set_remote_cursor("intl", "changes", "7").unwrap();
    let mut dump = Vec::new();
    s.dump(&mut dump).unwrap();
    let (_d2, t) = store(EngineKind::Redb);
    t.load(&mut std::io::Cursor::new(dump)).unwrap();
    assert_eq!(t.evidence_read(0, 5).unwrap(), vec![vec![0, 1, 2, 255]]);
    assert_eq!(t.evidence_len().unwrap(), 1);
    assert!(!t.replay_check_and_record(b"k", Utc::now()).unwrap());
    assert_eq!(
        t.remote_cursor("intl", "changes").unwrap().as_deref(),
        Some("7")
    );
}
