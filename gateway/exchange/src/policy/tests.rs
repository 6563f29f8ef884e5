use std::collections::BTreeMap;

use homeward_adapters::{Position, ReadItem};
use homeward_schemas::{Action, Kind, Record, Status, TargetRef, Transaction};
use serde_json::Value;

use super::*;
use crate::fixtures::full_record;

/// Every leaf of a JSON value, by path (`notes[0].text`).
fn leaves(v: &Value, path: String, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, format!("{path}[{i}]"), out);
            }
        }
        _ => {
            out.insert(path, v.clone());
        }
    }
}

/// Paths whose value differs (or that exist in one only).
fn changed(a: &Record, b: &Record) -> Vec<String> {
    let (mut la, mut lb) = (BTreeMap::new(), BTreeMap::new());
    leaves(&serde_json::to_value(a).unwrap(), String::new(), &mut la);
    leaves(&serde_json::to_value(b).unwrap(), String::new(), &mut lb);
    let mut keys: Vec<String> = la.keys().chain(lb.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| la.get(k) != lb.get(k))
        .collect()
}

fn expected_paths(g: FieldGroup) -> &'static [&'static str] {
    match g {
        FieldGroup::Names => &["names["],
        FieldGroup::BirthDates => &["birth_dates[", "birth_year."],
        FieldGroup::Age => &["age."],
        FieldGroup::Marks => &["marks["],
        FieldGroup::Dental => &["dental", "dental_xrays"],
        FieldGroup::Dna => &["dna_available"],
        FieldGroup::Fingerprints => &["fingerprint_class", "fingerprints_available"],
        FieldGroup::BloodType => &["blood_type"],
        FieldGroup::BodyParts => &["body_parts"],
        FieldGroup::Circumcision => &["circumcision"],
        FieldGroup::Jewellery => &["jewellery["],
        FieldGroup::Identifiers => &["identifiers["],
        FieldGroup::CaseNumbers => &["case_number", "nic"],
        FieldGroup::Caution => &["caution"],
        FieldGroup::Photos => &["photos[", "notes[0].photo_url"],
        FieldGroup::FreeText => &[
            "texts[",
            "marks[0].text",
            "jewellery[0].text",
            "notes[0].text",
        ],
        FieldGroup::Notes => &["notes["],
        FieldGroup::Contact => &[
            "provenance.author_email",
            "provenance.author_phone",
            "notes[0].author_email",
            "notes[0].author_phone",
            "notes[0].email_of_found_person",
            "notes[0].phone_of_found_person",
        ],
        FieldGroup::Home => &["home."],
        FieldGroup::ExactLocation => &[
            "last_seen.street",
            "last_seen.postal_code",
            "last_seen.lat",
            "last_seen.lon",
            "home.street",
            "home.postal_code",
            "home.lat",
            "home.lon",
            "notes[0].last_known_location",
        ],
        FieldGroup::PlaceOfBirth => &["place_of_birth"],
        FieldGroup::Citizenship => &["citizenship"],
        FieldGroup::Extra => &["extra["],
    }
}

fn record() -> Record {
    full_record(
        "TX0101300",
        "M000000001",
        "US-TX",
        "2012-03-04",
        "2026-03-01",
    )
}

#[test]
fn each_field_group_withholds_exactly_its_fields() {
    let original = record();
    for &g in FieldGroup::ALL {
        let mut r = original.clone();
        withhold(&mut r, &[g]);
        let diff = changed(&original, &r);
        let expected = expected_paths(g);
        assert!(!diff.is_empty(), "{g:?} removed nothing");
        for d in &diff {
            assert!(
                expected.iter().any(|e| d == e || d.starts_with(e)),
                "{g:?} also changed {d} (changed: {diff:?})"
            );
        }
        for e in expected {
            assert!(
                diff.iter().any(|d| d == e || d.starts_with(e)),
                "{g:?} left {e} in place (changed: {diff:?})"
            );
        }
    }
}

#[test]
fn groups_combine_and_everything_else_is_kept() {
    let original = record();
    let policy = SharePolicy {
        kinds: vec![Kind::Missing],
        withhold: vec![
            FieldGroup::Dental,
            FieldGroup::Dna,
            FieldGroup::Fingerprints,
            FieldGroup::FreeText,
        ],
        ..SharePolicy::default()
    };
    let Decision::Share(out) = policy.decide(&original, false) else {
        panic!("not shared")
    };
    assert_eq!(out.dental, None);
    assert_eq!(out.dental_xrays, None);
    assert_eq!(out.dna_available, None);
    assert_eq!(out.fingerprint_class, None);
    assert!(out.texts.is_empty());
    assert_eq!(out.marks[0].text, None);
    assert_eq!(out.names, original.names);
    assert_eq!(out.height_cm, original.height_cm);
    assert_eq!(out.last_seen, original.last_seen);
    assert_eq!(
        changed(&original, &out),
        vec![
            "dental",
            "dental_xrays",
            "dna_available",
            "fingerprint_class",
            "fingerprints_available",
            "jewellery[0].text",
            "marks[0].text",
            "notes[0].text",
            "texts[0].kind",
            "texts[0].lang",
            "texts[0].text",
        ]
    );
}

#[test]
fn kinds_statuses_and_jurisdictions_filter_records() {
    let r = record();
    let nothing = SharePolicy::default();
    assert!(matches!(
        nothing.decide(&r, false),
        Decision::Withhold(Withheld::Kind(_))
    ));

    let p = SharePolicy {
        kinds: vec![Kind::Missing],
        ..SharePolicy::default()
    };
    assert!(matches!(p.decide(&r, false), Decision::Share(_)));
    let mut cleared = r.clone();
    cleared.status = Status::Cleared;
    assert!(matches!(
        p.decide(&cleared, false),
        Decision::Withhold(Withheld::Status(_))
    ));

    let texas = SharePolicy {
        kinds: vec![Kind::Missing],
        jurisdictions: vec![Jurisdiction::parse("us-tx").unwrap()],
        ..SharePolicy::default()
    };
    assert!(matches!(texas.decide(&r, false), Decision::Share(_)));
    let mut ok = r.clone();
    ok.last_seen.as_mut().unwrap().region = Some("US-OK".into());
    match texas.decide(&ok, false) {
        Decision::Withhold(Withheld::Jurisdiction(j)) => assert_eq!(j, "US-OK"),
        d => panic!("{d:?}"),
    }
    let us = SharePolicy {
        kinds: vec![Kind::Missing],
        jurisdictions: vec![Jurisdiction::parse("US").unwrap()],
        ..SharePolicy::default()
    };
    assert!(matches!(us.decide(&ok, false), Decision::Share(_)));
    let mexico = SharePolicy {
        kinds: vec![Kind::Missing],
        jurisdictions: vec![Jurisdiction::parse("MX").unwrap()],
        ..SharePolicy::default()
    };
    assert!(matches!(mexico.decide(&ok, false), Decision::Withhold(_)));
    // no place: the agency's country decides
    let mut placeless = r.clone();
    placeless.last_seen = None;
    assert!(matches!(us.decide(&placeless, false), Decision::Share(_)));
    placeless.agency.country = None;
    assert!(matches!(
        us.decide(&placeless, false),
        Decision::Withhold(_)
    ));
}

#[test]
fn lifecycle_reaches_partners_that_had_the_record() {
    let p = SharePolicy {
        kinds: vec![Kind::Missing],
        ..SharePolicy::default()
    };
    let mut cleared = record();
    cleared.status = Status::Cleared;
    match p.decide(&cleared, true) {
        Decision::LifecycleOnly(r) => {
            assert_eq!(r.status, Status::Cleared);
            assert_eq!(r.id, cleared.id);
            assert!(r.names.is_empty());
            assert_eq!(r.dental, None);
        }
        d => panic!("{d:?}"),
    }
}

#[test]
fn children_only_uses_age_at_last_contact() {
    let p = SharePolicy {
        kinds: vec![Kind::Missing, Kind::Unidentified],
        children_only: true,
        ..SharePolicy::default()
    };
    // born 2012-03-04, last seen 2026-03-01: 13
    let child = record();
    assert_eq!(age::max_age_at_last_contact(&child), Some(13));
    assert!(matches!(p.decide(&child, false), Decision::Share(_)));
    // born 2008-03-02, seen 2026-03-01: 17 (birthday tomorrow)
    let mut r = full_record("S", "1", "US-TX", "2008-03-02", "2026-03-01");
    assert_eq!(age::max_age_at_last_contact(&r), Some(17));
    assert!(age::is_child(&r));
    // born 2008-03-01: 18 that day
    r.birth_dates = vec!["2008-03-01".parse().unwrap()];
    assert!(!age::is_child(&r));
    // born "2008" (partial): could be 1 January 2008 → 18; not certainly a child
    r.birth_dates = vec!["2008".parse().unwrap()];
    assert_eq!(age::max_age_at_last_contact(&r), Some(18));
    assert!(matches!(
        p.decide(&r, false),
        Decision::Withhold(Withheld::NotAChild(_))
    ));
    // partial last contact "2025-06": latest day 2025-06-30; born 2007-06-15 → 18
    r.birth_dates = vec!["2007-06-15".parse().unwrap()];
    r.last_contact = Some("2025-06".parse().unwrap());
    assert_eq!(age::max_age_at_last_contact(&r), Some(18));
    // two dates of birth on file: the oldest reading decides
    r.last_contact = Some("2026-03-01".parse().unwrap());
    r.birth_dates = vec!["2015-01-01".parse().unwrap(), "2005-01-01".parse().unwrap()];
    assert!(!age::is_child(&r));
    // no birth date: estimated year, then age range
    r.birth_dates.clear();
    r.birth_year = Some(homeward_schemas::YearRange {
        min: 2010,
        max: 2012,
    });
    assert_eq!(age::max_age_at_last_contact(&r), Some(16));
    r.birth_year = None;
    r.age = Some(homeward_schemas::AgeRange {
        min: 14,
        max: 16,
        as_of: None,
    });
    assert!(age::is_child(&r));
    r.age = Some(homeward_schemas::AgeRange {
        min: 14,
        max: 16,
        as_of: Some(chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()),
    });
    // two years and a day after as_of: at most 16 + 2 + 1
    r.last_contact = Some("2026-03-02".parse().unwrap());
    assert_eq!(age::max_age_at_last_contact(&r), Some(19));
    // nothing known: not a child
    r.age = None;
    assert_eq!(age::max_age_at_last_contact(&r), None);
    match p.decide(&r, false) {
        Decision::Withhold(Withheld::NotAChild(why)) => assert!(why.contains("unknown")),
        d => panic!("{d:?}"),
    }
    // unidentified: the date found is the reference
    let mut u = full_record("S", "2", "US-TX", "2012-01-01", "2026-01-01");
    u.kind = Kind::Unidentified;
    u.last_contact = None;
    u.found_date = Some("2031-01-01".parse().unwrap());
    assert_eq!(age::max_age_at_last_contact(&u), Some(19));
}

#[test]
fn jurisdictions_parse_strictly() {
    assert_eq!(Jurisdiction::parse("us").unwrap().as_str(), "US");
    assert_eq!(Jurisdiction::parse("GB-ENG").unwrap().country(), "GB");
    for bad in ["USA", "U", "US-", "US-TEXAS", "1X", "US_TX"] {
        let e = Jurisdiction::parse(bad).unwrap_err();
        assert!(e.contains("ISO 3166"), "{bad}: {e}");
    }
}

fn entry(r: Record) -> ReadItem {
    ReadItem::entry(r, Position::default(), Vec::new())
}

#[test]
fn inbound_kinds_follow_the_role() {
    let mut unclaimed = record();
    unclaimed.kind = Kind::Unclaimed;
    let police = InboundPolicy::resolve(
        "state",
        PartnerRole::LawEnforcement,
        &AcceptPolicy::default(),
    );
    let v = police.check_items(&[entry(record()), entry(unclaimed.clone())]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].index, 1);
    assert!(
        v[0].reason.contains("only from medical examiners"),
        "{}",
        v[0].reason
    );
    assert!(!police.may_send_unclaimed());

    let me = InboundPolicy::resolve("me", PartnerRole::MedicalExaminer, &AcceptPolicy::default());
    assert!(me.check_items(&[entry(unclaimed.clone())]).is_empty());
    assert!(me.may_send_unclaimed());
    // a medical examiner does not send missing-person reports by default
    let v = me.check_items(&[entry(record())]);
    assert!(
        v[0].reason.contains("may not send missing records"),
        "{}",
        v[0].reason
    );

    let intl = InboundPolicy::resolve("intl", PartnerRole::International, &AcceptPolicy::default());
    assert_eq!(intl.kinds, vec![Kind::Missing]);
}

#[test]
fn inbound_sources_and_jurisdictions() {
    let accept = AcceptPolicy {
        kinds: None,
        sources: vec!["TX".into()],
        jurisdictions: vec![Jurisdiction::parse("US-TX").unwrap()],
    };
    let p = InboundPolicy::resolve("state", PartnerRole::LawEnforcement, &accept);
    assert!(p.check_record(&record()).is_none());
    let other = full_record("OK0000000", "M1", "US-TX", "2012-01-01", "2026-01-01");
    assert!(
        p.check_record(&other)
            .unwrap()
            .contains("source `OK0000000`")
    );
    let elsewhere = full_record("TX0000000", "M1", "US-OK", "2012-01-01", "2026-01-01");
    assert!(p.check_record(&elsewhere).unwrap().contains("US-OK"));

    let t = Transaction {
        target: TargetRef {
            kind: Some(Kind::Unclaimed),
            source: "TX0101300".into(),
            native_id: "U1".into(),
            ..TargetRef::default()
        },
        action: Action::Cancel,
        date: None,
        reason: None,
        source_updated_at: None,
        by: None,
        extra: Vec::new(),
    };
    assert!(p.check_transaction(&t).unwrap().contains("unclaimed"));
    let mut t2 = t.clone();
    t2.target.kind = None;
    t2.target.source = "CA0000000".into();
    assert!(p.check_transaction(&t2).unwrap().contains("CA0000000"));
    let mut t3 = t2.clone();
    t3.target.source = "TX1".into();
    assert!(p.check_transaction(&t3).is_none());
}

#[test]
fn outbound_sends_lifecycle_as_transactions_to_partners_that_had_the_record() {
    use crate::payload::PayloadItem;
    let policy = SharePolicy {
        kinds: vec![Kind::Missing, Kind::Unidentified],
        withhold: vec![FieldGroup::Dental],
        ..SharePolicy::default()
    };
    let mut r = full_record("TX0101300", "M1", "US-TX", "2008-03-02", "2026-03-01");
    r.status = Status::Active;
    // active, never shared: the record, withheld fields removed
    let out = policy.outbound(&r, false, None);
    assert!(matches!(&out[..], [PayloadItem::Record(x)] if x.dental.is_none()));

    // cleared: outside the policy; the partner had it, so it gets the clear only
    r.status = Status::Cleared;
    r.status_history.push(homeward_schemas::StatusEvent {
        status: Status::Cleared,
        date: Some("2026-04-01".parse().unwrap()),
        applied_at: None,
        reason: None,
        by: Some("TX0101300".into()),
        note_record_id: None,
    });
    let out = policy.outbound(&r, true, Some(Status::Active));
    match &out[..] {
        [PayloadItem::Transaction(t)] => {
            assert!(matches!(
                t.action,
                Action::Clear {
                    identified_as: None,
                    ..
                }
            ));
            assert_eq!(t.target.native_id, "M1");
            assert_eq!(t.target.kind, Some(Kind::Missing));
            assert_eq!(t.date, Some("2026-04-01".parse().unwrap()));
            assert_eq!(t.by.as_deref(), Some("TX0101300"));
        }
        other => panic!("{other:?}"),
    }
    // already sent in this status, or never shared: nothing
    assert!(policy.outbound(&r, true, Some(Status::Cleared)).is_empty());
    assert!(policy.outbound(&r, false, None).is_empty());

    // a status the policy shares: the record, and the transaction for a partner that had it
    let wide = SharePolicy {
        statuses: vec![Status::Active, Status::Located],
        ..policy.clone()
    };
    r.status = Status::Located;
    let out = wide.outbound(&r, true, None);
    assert!(matches!(
        &out[..],
        [PayloadItem::Record(_), PayloadItem::Transaction(t)] if t.action == Action::Locate
    ));

    // identification and expiry
    let mut u = full_record("ME1", "U1", "US-TX", "2008-03-02", "2026-03-01");
    u.kind = Kind::Unidentified;
    u.status = Status::Identified;
    u.identified_as = Some("M1".into());
    let t = lifecycle_transaction(&u).unwrap();
    assert!(matches!(&t.action, Action::Clear { identified_as: Some(m), .. } if m == "M1"));
    u.status = Status::Expired;
    u.expiry_date = Some(chrono::Utc::now());
    assert!(matches!(
        lifecycle_transaction(&u).unwrap().action,
        Action::Expire { .. }
    ));
    u.status = Status::Cancelled;
    assert_eq!(lifecycle_transaction(&u).unwrap().action, Action::Cancel);
    u.status = Status::Active;
    assert!(lifecycle_transaction(&u).is_none());
}
