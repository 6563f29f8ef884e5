//! The exchange's traits on the store, without sockets.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use homeward_adapters::{Position, ReadItem};
use homeward_exchange::backend::{
    BackendError, ChangesFrom, ExchangeBackend, InboundBatch, Outcome, RecordedError,
};
use homeward_exchange::envelope::{ReplayGuard, ReplayKey};
use homeward_exchange::evidence::{
    EntryDraft, EntryKind, EntryOutcome, EvidenceLog, EvidenceStorage, verify_log,
};
use homeward_exchange::fixtures::synthetic_records;
use homeward_exchange::payload::PayloadItem;
use homeward_schemas::{Action, Record, RecordId, Status, TargetRef, Transaction};
use homeward_store::{EngineKind, InputContext, Origin, Store};

use super::StoreBackend;

fn setup() -> (tempfile::TempDir, Arc<Store>, Arc<StoreBackend>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), EngineKind::Sled).unwrap());
    let backend = Arc::new(StoreBackend::new(store.clone()));
    (dir, store, backend)
}

fn entry(r: &Record, i: u64) -> ReadItem {
    let raw = serde_json::to_vec(&serde_json::json!({ "record": r })).unwrap();
    ReadItem::entry(
        r.clone(),
        Position {
            index: Some(i),
            ..Position::default()
        },
        raw,
    )
}

fn clear(r: &Record) -> Transaction {
    Transaction {
        target: TargetRef {
            kind: Some(r.kind),
            source: r.id.source.clone(),
            native_id: r.id.native_id.clone(),
            ..TargetRef::default()
        },
        action: Action::Clear {
            identified_as: None,
            identified_name: None,
        },
        date: Some("2026-04-01".parse().unwrap()),
        reason: None,
        source_updated_at: None,
        by: None,
        extra: Vec::new(),
    }
}

fn batch<'a>(exchange: &'a str, items: Vec<ReadItem>) -> InboundBatch<'a> {
    InboundBatch {
        partner: "state.example",
        exchange_id: exchange,
        format: "canonical",
        items,
    }
}

fn refused_draft(partner: &str) -> EntryDraft {
    EntryDraft::new(
        EntryKind::PushRefused,
        partner,
        EntryOutcome::new(403, "policy_violation", "test"),
    )
}

#[test]
fn an_exchange_goes_through_the_import_path() {
    let (_d, store, backend) = setup();
    let records = synthetic_records("TX0101300", 3);
    let mut items: Vec<ReadItem> = records
        .iter()
        .enumerate()
        .map(|(i, r)| entry(r, i as u64))
        .collect();
    items.push(ReadItem::transaction(
        clear(&records[0]),
        Position::default(),
        Vec::new(),
    ));
    items.push(ReadItem::rejected(
        "canonical",
        Some("record"),
        "not a record",
        Position::default(),
        b"{\"nope\":1}".to_vec(),
    ));
    let out = backend.apply(batch("x1", items.clone())).unwrap();
    assert_eq!(&out[..4], &vec![Outcome::Accepted; 4][..]);
    assert!(matches!(&out[4], Outcome::Rejected(r) if r.contains("not a record")));
    // stored as an import from the exchange, with its history and feed
    let r0 = store.get(&records[0].id).unwrap().unwrap();
    assert_eq!(r0.status, Status::Cleared);
    let h = store.history(&records[0].id).unwrap();
    assert_eq!(
        h[0].input.as_ref().unwrap().origin,
        Origin::Exchange("state.example/x1".into())
    );
    assert_eq!(store.last_seq().unwrap(), 4);
    assert_eq!(store.quarantine_list().unwrap().len(), 1);
    // received from the partner: not offered back to it
    let ids: Vec<RecordId> = records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        backend.received_from("state.example", &ids).unwrap(),
        vec![true; 3]
    );
    assert_eq!(backend.received_from("intl", &ids).unwrap(), vec![false; 3]);

    // the same exchange again (a retry): unchanged, nothing new stored
    let again = backend.apply(batch("x1", items)).unwrap();
    assert_eq!(&again[..4], &vec![Outcome::Unchanged; 4][..]);
    assert!(matches!(&again[4], Outcome::Rejected(_)));
    assert_eq!(store.last_seq().unwrap(), 4);
    assert_eq!(store.quarantine_list().unwrap().len(), 1);
}

#[test]
fn records_and_their_evidence_entry_commit_together() {
    let (_d, store, backend) = setup();
    let log = EvidenceLog::open(backend.clone()).unwrap();
    log.append(refused_draft("peer:a"), Utc::now()).unwrap();
    let records = synthetic_records("TX0101300", 2);
    let items: Vec<ReadItem> = records.iter().map(|r| entry(r, 0)).collect();

    // the seal fails (say, signing the receipt): nothing applied, nothing logged
    let r = backend.apply_recorded(batch("x1", items.clone()), &log, Utc::now(), &mut |_| {
        Err(BackendError::permanent("no key"))
    });
    assert!(matches!(r, Err(RecordedError::Backend(e)) if !e.retriable));
    assert!(store.get(&records[0].id).unwrap().is_none());
    assert_eq!(store.last_seq().unwrap(), 0);
    assert_eq!(log.len(), 1);
    assert_eq!(EvidenceStorage::len(&*backend).unwrap(), 1);

    // it succeeds: the records and the entry, in one commit, the chain continuing
    let mut seen = Vec::new();
    let (outcomes, entry) = backend
        .apply_recorded(batch("x1", items), &log, Utc::now(), &mut |o| {
            seen = o.to_vec();
            Ok(refused_draft("state.example"))
        })
        .unwrap();
    assert_eq!(outcomes, vec![Outcome::Accepted; 2]);
    assert_eq!(seen, outcomes);
    assert_eq!(entry.seq, 1);
    assert_eq!(log.len(), 2);
    assert_eq!(store.evidence_len().unwrap(), 2);
    assert_eq!(store.last_seq().unwrap(), 2);
    log.append(refused_draft("peer:b"), Utc::now()).unwrap();
    assert_eq!(verify_log(&*backend, None).unwrap().entries, 3);
}

#[test]
fn the_change_feed_serves_each_record_once_as_it_stands() {
    let (_d, store, backend) = setup();
    let records = synthetic_records("TX0101300", 4);
    let items: Vec<ReadItem> = records
        .iter()
        .enumerate()
        .map(|(i, r)| entry(r, i as u64))
        .collect();
    store
        .apply_batch(&items, &InputContext::file("a", "canonical"))
        .unwrap();
    let t = ReadItem::transaction(clear(&records[1]), Position::default(), Vec::new());
    store
        .apply_batch(&[t], &InputContext::file("b", "canonical"))
        .unwrap();

    // five changes; record 1 twice: served once, as cleared, at its last change
    let all = backend.changes(&ChangesFrom::Cursor(None), 100).unwrap();
    assert_eq!(all.next_cursor, "5");
    let ids: Vec<String> = all
        .changes
        .iter()
        .map(|c| match &c.item {
            PayloadItem::Record(r) => r.id.native_id.clone(),
            PayloadItem::Transaction(_) => "tx".into(),
        })
        .collect();
    let n = |i: usize| records[i].id.native_id.clone();
    assert_eq!(ids, vec![n(0), n(2), n(3), n(1)]);
    assert!(matches!(&all.changes[3].item, PayloadItem::Record(r) if r.status == Status::Cleared));

    // paging: the cursor is the feed position, even when a page serves fewer records
    let p1 = backend
        .changes(&ChangesFrom::Cursor(Some("1".into())), 1)
        .unwrap();
    assert_eq!(p1.next_cursor, "2");
    assert!(p1.changes.is_empty(), "record 1 changed again later");
    let end = backend
        .changes(&ChangesFrom::Cursor(Some("5".into())), 10)
        .unwrap();
    assert!(end.changes.is_empty());
    assert_eq!(end.next_cursor, "5");
    assert!(
        backend
            .changes(&ChangesFrom::Cursor(Some("x".into())), 10)
            .is_err()
    );

    // by time (PFIF min_entry_date)
    let later = backend
        .changes(
            &ChangesFrom::EntryDate(Utc::now() - TimeDelta::hours(1)),
            100,
        )
        .unwrap();
    assert_eq!(later.changes.len(), 4);
    let none = backend
        .changes(
            &ChangesFrom::EntryDate(Utc::now() + TimeDelta::hours(1)),
            100,
        )
        .unwrap();
    assert!(none.changes.is_empty());
}

#[test]
fn a_pfif_page_never_splits_a_second() {
    let (_d, store, backend) = setup();
    // one batch: every change in the same second (or two, at a second's edge)
    let records = synthetic_records("TX0101300", 12);
    let items: Vec<ReadItem> = records
        .iter()
        .enumerate()
        .map(|(i, r)| entry(r, i as u64))
        .collect();
    store
        .apply_batch(&items, &InputContext::file("a", "canonical"))
        .unwrap();
    let at = store.changes_after(0, 1).unwrap()[0].at;
    let from = |t| ChangesFrom::EntryDate(t);
    // a limit of 3 still serves the whole second: a pull from that second moves on
    let page = backend.changes(&from(at - TimeDelta::hours(1)), 3).unwrap();
    let second = |c: &homeward_exchange::backend::Change| c.changed_at.timestamp();
    let last = second(page.changes.last().unwrap());
    let all = backend
        .changes(&from(at - TimeDelta::hours(1)), 1000)
        .unwrap();
    let in_last_second = all.changes.iter().filter(|c| second(c) == last).count();
    assert_eq!(
        page.changes.iter().filter(|c| second(c) == last).count(),
        in_last_second
    );
    assert!(page.changes.len() >= 3);
    // from the second itself (inclusive): all of it again
    let again = backend.changes(&from(at), 1).unwrap();
    assert!(again.changes.len() >= in_last_second.min(12));
}

#[test]
fn sharing_marks_and_replay_keys_are_kept() {
    let (_d, store, backend) = setup();
    let records = synthetic_records("TX0101300", 2);
    let items: Vec<ReadItem> = records.iter().map(|r| entry(r, 0)).collect();
    store
        .apply_batch(&items, &InputContext::file("a", "canonical"))
        .unwrap();
    let ids: Vec<RecordId> = records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        backend.shared_with("hub", &ids).unwrap(),
        vec![false, false]
    );
    backend.mark_shared("hub", &ids[..1]).unwrap();
    assert_eq!(backend.shared_with("hub", &ids).unwrap(), vec![true, false]);
    let mark = store
        .shared_marks("hub", &ids[..1])
        .unwrap()
        .remove(0)
        .unwrap();
    assert_eq!((mark.version, mark.status), (1, Status::Active));

    let key = ReplayKey {
        sender: "state.example".into(),
        exchange_id: "x1".into(),
        nonce: [7; 16],
    };
    let now = Utc::now();
    assert!(backend.check_and_record(&key, now).unwrap());
    assert!(!backend.check_and_record(&key, now).unwrap());
    assert_eq!(backend.prune(now + TimeDelta::seconds(1)).unwrap(), 1);
    assert!(backend.check_and_record(&key, now).unwrap());
}
