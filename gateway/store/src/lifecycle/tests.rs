use homeward_schemas::{Action, Kind, Name, NoteStatus, Status, StatusReason, TargetRef};

use super::*;
use crate::testkit::{clear, missing, note, t, tx, unidentified};

fn now() -> DateTime<Utc> {
    t("2026-06-01T00:00:00Z")
}

fn record_of(e: Effect) -> Record {
    match e {
        Effect::Changed { record, .. } => *record,
        other => panic!("expected a change, got {other:?}"),
    }
}

fn status_after(r: &Record, action: Action) -> Effect {
    apply_transaction(r, &tx(&r.id.source, &r.id.native_id, action), now())
}

fn with_status(mut r: Record, s: Status) -> Record {
    r.status = s;
    r
}

#[test]
fn transition_table() {
    use Status::*;
    let m = missing("AZ1", "M1", "DOE", "JANE");
    // (from, action, expected status or None for refused, Some(same) for unchanged)
    let cases: Vec<(Status, Action, Result<Status, ()>)> = vec![
        (Active, Action::Locate, Ok(Located)),
        (Active, clear(), Ok(Cleared)),
        (Active, Action::Cancel, Ok(Cancelled)),
        (Located, clear(), Ok(Cleared)),
        (Located, Action::Cancel, Ok(Cancelled)),
        (Located, Action::Locate, Ok(Located)),
        (Cleared, clear(), Ok(Cleared)),
        (Cleared, Action::Locate, Err(())),
        (Cleared, Action::Cancel, Err(())),
        (Cancelled, Action::Cancel, Ok(Cancelled)),
        (Cancelled, clear(), Err(())),
        (Cancelled, Action::Locate, Err(())),
    ];
    for (from, action, want) in cases {
        let r = with_status(m.clone(), from);
        let name = action.name();
        let e = status_after(&r, action);
        match (want, e) {
            (Ok(to), Effect::Changed { record, change, .. }) => {
                assert_eq!(record.status, to, "{from} {name}");
                assert_eq!(change, ChangeKind::Status { from, to });
                assert_eq!(record.status_history.last().unwrap().status, to);
            }
            (Ok(to), Effect::Unchanged(UnchangedReason::AlreadyStatus { status })) => {
                assert_eq!((from, status), (to, to), "{from} {name}");
            }
            (Err(()), Effect::Refused(f)) => {
                assert!(f.reason.contains("already"), "{from} {name}: {}", f.reason)
            }
            (w, e) => panic!("{from} {name}: wanted {w:?}, got {e:?}"),
        }
    }
}

#[test]
fn clearing_an_unidentified_record_identifies_it() {
    let u = unidentified("AZ1", "U1");
    let e = status_after(
        &u,
        Action::Clear {
            identified_as: Some("M7".into()),
            identified_name: Some(Box::new(Name {
                family: Some("ROE".into()),
                given: Some("ANN".into()),
                ..Name::default()
            })),
        },
    );
    let r = record_of(e);
    assert_eq!(r.status, Status::Identified);
    assert_eq!(r.identified_as.as_deref(), Some("M7"));
    assert_eq!(r.names[0].family.as_deref(), Some("ROE"));
    // a locate is for missing records only
    assert!(matches!(
        status_after(&u, Action::Locate),
        Effect::Refused(_)
    ));
    // identified twice changes nothing; identified then cancelled is refused
    assert!(matches!(
        status_after(&r, clear()),
        Effect::Unchanged(UnchangedReason::AlreadyStatus { .. })
    ));
    assert!(matches!(
        status_after(&r, Action::Cancel),
        Effect::Refused(_)
    ));
}

#[test]
fn the_event_records_date_reason_and_who() {
    let m = missing("AZ1", "M1", "DOE", "JANE");
    let mut x = tx("TX9", "M1", Action::Locate);
    x.date = Some("2026-05-02".parse().unwrap());
    x.reason = Some(StatusReason::Located);
    let r = record_of(apply_transaction(&m, &x, now()));
    let ev = r.status_history.last().unwrap();
    assert_eq!(ev.by.as_deref(), Some("TX9"));
    assert_eq!(ev.reason, Some(StatusReason::Located));
    assert_eq!(ev.date, x.date);
    assert_eq!(ev.applied_at, Some(now()));
}

#[test]
fn older_content_is_stale_but_lifecycle_events_apply_in_order() {
    let mut m = missing("X", "C1", "DOE", "JANE");
    m.source_updated_at = Some(t("2026-03-01T00:00:00Z"));
    let mut older = m.clone();
    older.source_updated_at = Some(t("2026-02-01T00:00:00Z"));
    older.weight_kg = None;
    assert!(matches!(reenter(&m, &older, now()), Effect::Stale { .. }));
    let mut patch = Record::new(Kind::Missing, "X", "C1");
    patch.weight_kg = Some(homeward_schemas::Range::exact(80.0));
    let mut modify = tx(
        "X",
        "C1",
        Action::Modify {
            patch: Box::new(patch),
            full: false,
        },
    );
    modify.source_updated_at = Some(t("2026-01-01T00:00:00Z"));
    assert!(matches!(
        apply_transaction(&m, &modify, now()),
        Effect::Stale { .. }
    ));
    modify.source_updated_at = Some(t("2026-04-01T00:00:00Z"));
    let r = record_of(apply_transaction(&m, &modify, now()));
    assert_eq!(r.source_updated_at, modify.source_updated_at);
    // a clear dated before the extract that carried the entry still closes the case
    let mut x = tx("X", "C1", clear());
    x.source_updated_at = Some(t("2025-10-06T00:00:00Z"));
    let r = record_of(apply_transaction(&m, &x, now()));
    assert_eq!(r.status, Status::Cleared);
    assert_eq!(
        r.source_updated_at, m.source_updated_at,
        "the newest time stays"
    );
    // without times, input order decides
    let plain = missing("X", "C1", "DOE", "JANE");
    let mut heavier = plain.clone();
    heavier.weight_kg = Some(homeward_schemas::Range::exact(60.0));
    let r = record_of(reenter(&plain, &heavier, now()));
    assert_eq!(r.weight_kg, heavier.weight_kg);
}

#[test]
fn partial_modify_replaces_only_what_the_patch_has() {
    let mut m = missing("AZ1", "M1", "DOE", "JANE");
    m.agency.name = Some("Sheriff".into());
    let mut patch = Record::new(Kind::Missing, "AZ1", "M1");
    patch.weight_kg = Some(homeward_schemas::Range::exact(70.0));
    patch.agency.ori = Some("AZ1".into());
    let e = status_after(
        &m,
        Action::Modify {
            patch: Box::new(patch),
            full: false,
        },
    );
    let Effect::Changed {
        record, changed, ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(record.weight_kg, Some(homeward_schemas::Range::exact(70.0)));
    assert_eq!(record.names, m.names);
    assert_eq!(record.sex, m.sex);
    assert_eq!(record.agency.name.as_deref(), Some("Sheriff"));
    assert_eq!(record.agency.ori.as_deref(), Some("AZ1"));
    // the write path lists the fields that differ between the two
    assert_eq!(changed, FieldsChanged::Diff);
    assert_eq!(
        changed_fields(&m, &record),
        vec!["agency".to_string(), "weight_kg".to_string()]
    );
    // the same modify again changes nothing
    let mut patch2 = Record::new(Kind::Missing, "AZ1", "M1");
    patch2.weight_kg = Some(homeward_schemas::Range::exact(70.0));
    assert_eq!(
        status_after(
            &record,
            Action::Modify {
                patch: Box::new(patch2),
                full: false
            }
        ),
        Effect::Unchanged(UnchangedReason::SameContent)
    );
}

#[test]
fn full_modify_replaces_content_and_keeps_status() {
    let m = with_status(missing("AZ1", "M1", "DOE", "JANE"), Status::Cleared);
    let mut patch = missing("AZ1", "M1", "DOE", "JANET");
    patch.weight_kg = None;
    let r = record_of(status_after(
        &m,
        Action::Modify {
            patch: Box::new(patch),
            full: true,
        },
    ));
    assert_eq!(r.status, Status::Cleared);
    assert_eq!(r.names[0].given.as_deref(), Some("JANET"));
    assert_eq!(r.weight_kg, None);
}

#[test]
fn reentry_of_a_closed_record_updates_it_but_never_reopens_it() {
    let mut m = missing("XML", "C1", "DOE", "JANE");
    m.source_updated_at = Some(t("2026-03-01T00:00:00Z"));
    let mut x = tx("XML", "C1", clear());
    x.source_updated_at = Some(t("2026-04-01T00:00:00Z"));
    x.date = Some("2026-04-01".parse().unwrap());
    let cleared = record_of(apply_transaction(&m, &x, now()));

    for time in [None, Some(t("2026-05-01T00:00:00Z"))] {
        let mut again = missing("XML", "C1", "DOE", "JANE");
        again.weight_kg = Some(homeward_schemas::Range::exact(55.0));
        again.source_updated_at = time;
        let e = reenter(&cleared, &again, now());
        let Effect::Changed {
            record,
            warnings,
            change,
            ..
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!(record.status, Status::Cleared);
        assert_eq!(record.weight_kg, again.weight_kg);
        assert_eq!(change, ChangeKind::Updated);
        assert!(warnings[0].contains("does not reopen"));
    }
    // the same description again changes nothing
    let same = missing("XML", "C1", "DOE", "JANE");
    assert_eq!(
        reenter(&cleared, &same, now()),
        Effect::Unchanged(UnchangedReason::SameContent)
    );
}

#[test]
fn notes_decide_by_newest_and_never_undo_agency_actions() {
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
    prepare_new(&mut m, now());
    assert_eq!(m.status, Status::Active);

    let add = |r: &Record, n| {
        apply_transaction(
            r,
            &tx(
                &r.id.source,
                &r.id.native_id,
                Action::Note { note: Box::new(n) },
            ),
            now(),
        )
    };
    // alive without contact: no change of status (the note is kept)
    let r = record_of(add(
        &m,
        note(
            "n2",
            NoteStatus::BelievedAlive,
            false,
            "2026-02-01T00:00:00Z",
        ),
    ));
    assert_eq!(r.status, Status::Active);
    assert_eq!(r.notes.len(), 2);
    // alive with contact: located
    let r = record_of(add(
        &r,
        note(
            "n3",
            NoteStatus::BelievedAlive,
            true,
            "2026-03-01T00:00:00Z",
        ),
    ));
    assert_eq!(r.status, Status::Located);
    assert_eq!(
        r.status_history.last().unwrap().note_record_id.as_deref(),
        Some("n3")
    );
    // an older believed_missing arriving late does not decide
    let e = add(
        &r,
        note(
            "n0",
            NoteStatus::BelievedMissing,
            false,
            "2025-12-01T00:00:00Z",
        ),
    );
    let late = record_of(e);
    assert_eq!(late.status, Status::Located);
    // a newer one reopens a record a note located
    let r2 = record_of(add(
        &late,
        note(
            "n4",
            NoteStatus::BelievedMissing,
            false,
            "2026-04-01T00:00:00Z",
        ),
    ));
    assert_eq!(r2.status, Status::Active);
    // the same note twice changes nothing
    assert_eq!(
        add(
            &r2,
            note(
                "n4",
                NoteStatus::BelievedMissing,
                false,
                "2026-04-01T00:00:00Z"
            )
        ),
        Effect::Unchanged(UnchangedReason::SameContent)
    );
    // believed_dead does not close
    let r3 = record_of(add(
        &r2,
        note(
            "n5",
            NoteStatus::BelievedDead,
            false,
            "2026-05-01T00:00:00Z",
        ),
    ));
    assert_eq!(r3.status, Status::Active);
    // an agency's locate is not undone by a newer believed_missing note
    let located = record_of(status_after(&r3, Action::Locate));
    let after = record_of(add(
        &located,
        note(
            "n6",
            NoteStatus::BelievedMissing,
            false,
            "2026-07-01T00:00:00Z",
        ),
    ));
    assert_eq!(after.status, Status::Located);
}

#[test]
fn expiry_strips_personal_data_and_names_what_went() {
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
    let e = status_after(
        &m,
        Action::Expire {
            expiry_date: t("2026-05-01T00:00:00Z"),
        },
    );
    let Effect::Changed {
        record,
        change,
        changed,
        ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(change, ChangeKind::Expired);
    assert_eq!(record.status, Status::Expired);
    assert!(record.names.is_empty() && record.sex.is_none() && record.notes.is_empty());
    assert_eq!(record.id, m.id);
    assert_eq!(record.expiry_date, Some(t("2026-05-01T00:00:00Z")));
    let FieldsChanged::Fields(changed) = changed else {
        panic!("an expiry names the fields it removed: {changed:?}")
    };
    for f in ["names", "sex", "weight_kg", "notes", "nic", "case_number"] {
        assert!(changed.contains(&f.to_string()), "{f} not in {changed:?}");
    }
    // nothing applies to an expired record any more
    assert_eq!(
        status_after(&record, Action::Locate),
        Effect::Unchanged(UnchangedReason::Expired)
    );
    assert_eq!(
        reenter(&record, &m, now()),
        Effect::Unchanged(UnchangedReason::Expired)
    );
}

#[test]
fn a_record_arriving_expired_is_stored_as_a_placeholder() {
    let mut m = missing(
        "gmcn.example.org",
        "gmcn.example.org/p.2",
        "IVANOVA",
        "ANNA",
    );
    m.expiry_date = Some(t("2026-01-01T00:00:00Z"));
    prepare_new(&mut m, now());
    assert_eq!(m.status, Status::Expired);
    assert!(m.names.is_empty());
}

#[test]
fn confirmations_compare_normalized() {
    let m = missing("AZ1", "M1", "O'BRIEN", "MARY ANN");
    let target = |name: Option<&str>, oca: Option<&str>| TargetRef {
        kind: Some(Kind::Missing),
        source: "AZ1".into(),
        native_id: "M1".into(),
        name: name.map(str::to_string),
        case_number: oca.map(str::to_string),
    };
    assert!(confirm_target(&m, &target(Some("OBRIEN, MARY ANN"), None)).is_ok());
    assert!(confirm_target(&m, &target(Some("obrien, mary"), None)).is_ok());
    assert!(confirm_target(&m, &target(None, Some("oca-m1"))).is_ok());
    let e = confirm_target(&m, &target(Some("SMITH, MARY"), None)).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("name"));
    let e = confirm_target(&m, &target(Some("MARY"), None)).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("name"));
    let e = confirm_target(&m, &target(None, Some("OCA-M2"))).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("case_number"));
    let mut wrong_kind = target(None, None);
    wrong_kind.kind = Some(Kind::Unidentified);
    assert_eq!(
        confirm_target(&m, &wrong_kind)
            .unwrap_err()
            .field
            .as_deref(),
        Some("kind")
    );
}

#[test]
fn content_digest_ignores_store_fields() {
    let mut a = missing("AZ1", "M1", "DOE", "JANE");
    let d = content_digest(&a);
    a.version = 9;
    a.received_at = Some(now());
    assert_eq!(content_digest(&a), d);
    a.sex = None;
    assert_ne!(content_digest(&a), d);
}

#[test]
fn a_partial_modify_merges_extra_fields_by_key() {
    use homeward_schemas::Extra;
    let x = |k: &str, v: &str| Extra {
        format: "ncic".into(),
        key: k.into(),
        value: v.into(),
    };
    let mut m = missing("AZ1", "M1", "DOE", "JANE");
    m.extra = vec![x("ZZA", "1"), x("ZZB", "2")];
    let mut patch = Record::new(Kind::Missing, "AZ1", "M1");
    patch.extra = vec![x("ZZB", "3"), x("ZZC", "4")];
    let r = patch_partial(&m, &patch).unwrap();
    assert_eq!(r.extra, vec![x("ZZA", "1"), x("ZZB", "3"), x("ZZC", "4")]);
}
