//! The crossmatch consumer on a real store (sled): matches and notices for both agencies,
//! restarts without a second notice, closed records withdrawn, decisions remembered.

use std::sync::Arc;
use std::time::{Duration, Instant};

use homeward_adapters::{Position, ReadItem};
use homeward_crossmatch::{Relation, Verdict};
use homeward_schemas::units::Range;
use homeward_schemas::{
    Action, AgeRange, Kind, Mark, MarkKind, Name, Place, Record, RecordId, Sex, Side, TargetRef,
    Transaction,
};
use homeward_store::{EngineKind, InputContext, MatchFilter, MatchState, Store};

use super::api::{self, DecisionRequest, ListRequest};
use super::{CONSUMER, Matching, Settings};

const STATE: &str = "TX0101300";
const ME: &str = "TX-ME";

fn place(region: &str, lat: f64, lon: f64) -> Place {
    Place {
        region: Some(region.into()),
        country: Some("US".into()),
        lat: Some(lat),
        lon: Some(lon),
        ..Place::default()
    }
}

fn tattoo() -> Mark {
    Mark {
        kind: MarkKind::Tattoo,
        side: Some(Side::Left),
        part: "ARM".into(),
        text: Some("ROSE".into()),
    }
}

/// A man missing from El Paso with a rose tattoo.
fn missing_man(native: &str, given: &str, family: &str, born: &str) -> Record {
    let mut r = Record::new(Kind::Missing, STATE, native);
    r.nic = Some(native.into());
    r.names = vec![Name {
        given: Some(given.into()),
        family: Some(family.into()),
        ..Name::default()
    }];
    r.sex = Some(Sex::Male);
    r.birth_dates = vec![born.parse().unwrap()];
    r.height_cm = Some(Range::exact(178.0));
    r.marks = vec![tattoo()];
    r.last_contact = Some("2025-06-01".parse().unwrap());
    r.last_seen = Some(place("US-TX", 31.76, -106.49));
    r
}

/// Remains found near El Paso: a man of 35-45 with the same tattoo.
fn remains(native: &str) -> Record {
    let mut r = Record::new(Kind::Unidentified, ME, native);
    r.sex = Some(Sex::Male);
    r.age = Some(AgeRange {
        min: 35,
        max: 45,
        as_of: None,
    });
    r.height_cm = Range::new(176.0, 182.0);
    r.marks = vec![tattoo()];
    r.found_date = Some("2025-11-20".parse().unwrap());
    r.found_place = Some(place("US-TX", 31.80, -106.40));
    r
}

fn import(store: &Store, records: &[Record]) {
    let items: Vec<ReadItem> = records
        .iter()
        .map(|r| {
            ReadItem::entry(
                r.clone(),
                Position::default(),
                serde_json::to_vec(r).unwrap(),
            )
        })
        .collect();
    store
        .apply_batch(&items, &InputContext::file("test", "canonical"))
        .unwrap();
}

fn locate(store: &Store, id: &RecordId) {
    let t = Transaction {
        target: TargetRef {
            kind: None,
            source: id.source.clone(),
            native_id: id.native_id.clone(),
            name: None,
            case_number: None,
        },
        action: Action::Locate,
        date: None,
        reason: None,
        source_updated_at: None,
        by: None,
        extra: Vec::new(),
    };
    let raw = serde_json::to_vec(&t).unwrap();
    store
        .apply_batch(
            &[ReadItem::transaction(t, Position::default(), raw)],
            &InputContext::file("locate", "canonical"),
        )
        .unwrap();
}

fn open(dir: &std::path::Path) -> Arc<Store> {
    Arc::new(Store::open(dir, EngineKind::Sled).unwrap())
}

fn catch_up(store: &Arc<Store>) -> super::CatchUp {
    Matching::open(store.clone(), Settings::default())
        .unwrap()
        .catch_up()
        .unwrap()
}

fn identification(store: &Store, left: &Record, right: &Record) -> homeward_store::MatchView {
    store
        .match_view(&homeward_crossmatch::PairKey::new(
            Relation::PossibleIdentification,
            left.id.clone(),
            right.id.clone(),
        ))
        .unwrap()
        .unwrap_or_else(|| panic!("no match {} ~ {}", left.id, right.id))
}

#[test]
fn remains_get_ranked_candidates_and_both_agencies_are_notified_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let juan = missing_man("M1", "JUAN", "PEREZ", "1985-02-14");
    let other = missing_man("M2", "PEDRO", "GARCIA", "1984-07-01");
    let mut unlike = missing_man("M3", "LUIS", "DIAZ", "1986-03-03");
    unlike.marks.clear();
    unlike.height_cm = Some(Range::exact(160.0));
    let found = remains("U1");
    import(
        &store,
        &[juan.clone(), other.clone(), unlike.clone(), found.clone()],
    );
    let done = catch_up(&store);
    assert_eq!(done.changes, 4);
    assert!(done.new >= 1, "{done:?}");
    assert_eq!(store.cursor(CONSUMER).unwrap(), store.last_seq().unwrap());

    let m = identification(&store, &juan, &found);
    assert_eq!(m.entry.state, MatchState::Proposed);
    assert_eq!((m.entry.left_version, m.entry.right_version), (1, 1));
    assert!(
        m.entry
            .parts
            .iter()
            .any(|p| p.attribute.as_str() == "marks" && p.weight > 0.0)
    );
    assert!(m.entry.reasons.contains("marks:"), "{}", m.entry.reasons);
    let agencies: Vec<&str> = m.notices.iter().map(|n| n.agency.as_str()).collect();
    assert_eq!(agencies, [STATE, ME]);
    assert!(m.notices.iter().all(|n| !n.is_read()));

    // the remains' list, ranked: the man with the same tattoo, age and height first
    let listed = api::list(
        &store,
        &ListRequest {
            record: Some("U1".into()),
            ..ListRequest::default()
        },
    )
    .unwrap();
    let ranked: Vec<(&str, u32)> = listed
        .iter()
        .filter(|l| l.view.entry.pair.relation == Relation::PossibleIdentification)
        .map(|l| (l.view.entry.pair.left.native_id.as_str(), l.rank))
        .collect();
    assert_eq!(ranked.first(), Some(&("M1", 1)), "{ranked:?}");
    let scores: Vec<f32> = listed.iter().map(|l| l.view.entry.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // a restart (the engine rebuilt from the store) replaying the feed from the start
    // makes no second notice: the notices keep their time and the agencies' read marks
    api::mark_read(&store, ME, None, Some("examiner")).unwrap();
    let before = identification(&store, &juan, &found);
    store.set_cursor(CONSUMER, 0).unwrap();
    let again = catch_up(&store);
    assert_eq!(again.changes, 4);
    assert_eq!((again.new, again.renotified), (0, 0), "{again:?}");
    let after = identification(&store, &juan, &found);
    assert_eq!(before.notices, after.notices);
    assert!(after.notice(ME).unwrap().is_read());
    assert!(!after.notice(STATE).unwrap().is_read());
    // nothing to do: not behind, and a catch-up changes nothing
    assert!(!Matching::behind(&store).unwrap());
    assert_eq!(catch_up(&store).changes, 0);
    assert!(store.check().unwrap().is_ok());
}

#[test]
fn a_located_record_leaves_the_index_and_its_candidates_are_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let juan = missing_man("M1", "JUAN", "PEREZ", "1985-02-14");
    let found = remains("U1");
    import(&store, &[juan.clone(), found.clone()]);
    catch_up(&store);
    assert_eq!(
        identification(&store, &juan, &found).entry.state,
        MatchState::Proposed
    );
    locate(&store, &juan.id);
    let mut m = Matching::open(store.clone(), Settings::default()).unwrap();
    let done = m.catch_up().unwrap();
    assert_eq!(done.withdrawn, 1, "{done:?}");
    let v = identification(&store, &juan, &found);
    assert_eq!(v.entry.state, MatchState::Withdrawn);
    assert!(v.entry.withdrawn.as_deref().unwrap().contains("located"));
    assert!(m.engine().profile(&juan.id).is_none());
    assert!(
        m.engine()
            .candidates(&found.id)
            .iter()
            .all(|c| c.left != juan.id)
    );
    // hidden from the lists unless asked for
    let shown = store.match_views(&MatchFilter::default()).unwrap();
    assert!(shown.iter().all(|v| v.entry.pair.left != juan.id));
    let all = store
        .match_views(&MatchFilter {
            all: true,
            ..MatchFilter::default()
        })
        .unwrap();
    assert!(all.iter().any(|v| v.entry.pair.left == juan.id));
}

#[test]
fn an_exclusion_is_remembered_and_never_proposed_again() {
    let dir = tempfile::tempdir().unwrap();
    let juan = missing_man("M1", "JUAN", "PEREZ", "1985-02-14");
    let found = remains("U1");
    {
        let store = open(dir.path());
        import(&store, &[juan.clone(), found.clone()]);
        catch_up(&store);
        let (d, _) = api::decide(
            &store,
            &DecisionRequest {
                left: "U1".into(),
                right: "M1".into(),
                verdict: Verdict::Excluded,
                by: "examiner".into(),
                comment: Some("dental records differ".into()),
            },
        )
        .unwrap();
        assert_eq!(
            d.pair.left, juan.id,
            "the missing record is left, in either order"
        );
        assert!(Matching::behind(&store).unwrap());
        let done = catch_up(&store);
        assert_eq!(done.decisions, 1);
        assert_eq!(store.decisions_applied().unwrap(), 1);
    }
    // after a restart, and after a new version of the missing record
    let store = open(dir.path());
    let mut juan2 = juan.clone();
    juan2.weight_kg = Some(Range::exact(82.0));
    import(&store, &[juan2]);
    let mut m = Matching::open(store.clone(), Settings::default()).unwrap();
    let done = m.catch_up().unwrap();
    assert_eq!((done.new, done.renotified), (0, 0), "{done:?}");
    assert!(
        m.engine()
            .candidates(&found.id)
            .iter()
            .all(|c| c.left != juan.id)
    );
    assert!(
        m.engine()
            .candidates(&juan.id)
            .iter()
            .all(|c| c.right != found.id)
    );
    let v = identification(&store, &juan, &found);
    assert!(v.is_excluded());
    assert_eq!(
        v.decision.as_ref().unwrap().note.as_deref(),
        Some("dental records differ")
    );
    assert!(
        store
            .match_views(&MatchFilter::default())
            .unwrap()
            .is_empty()
    );
    // confirming instead: listed again, first
    api::decide(
        &store,
        &DecisionRequest {
            left: "M1".into(),
            right: "U1".into(),
            verdict: Verdict::Confirmed,
            by: "examiner".into(),
            comment: None,
        },
    )
    .unwrap();
    m.catch_up().unwrap();
    let listed = api::list(&store, &ListRequest::default()).unwrap();
    assert_eq!(listed[0].view.entry.pair.left, juan.id);
    assert_eq!(listed[0].rank, 1);
    assert_eq!(
        listed[0].view.decision.as_ref().unwrap().verdict,
        Verdict::Confirmed
    );
}

#[test]
fn the_running_consumer_follows_the_feed_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let handle = super::start(
        store.clone(),
        Settings {
            poll: Duration::from_millis(20),
            ..Settings::default()
        },
    )
    .unwrap();
    let juan = missing_man("M1", "JUAN", "PEREZ", "1985-02-14");
    let found = remains("U1");
    import(&store, &[juan.clone(), found.clone()]);
    handle.notify();
    let until = Instant::now() + Duration::from_secs(30);
    // the status is set after the cursor is committed: wait for the status to say so
    while store.cursor(CONSUMER).unwrap() < store.last_seq().unwrap()
        || handle.status().cursor < store.last_seq().unwrap()
    {
        assert!(Instant::now() < until, "{:?}", handle.status());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        identification(&store, &juan, &found).entry.state,
        MatchState::Proposed
    );
    let status = handle.status();
    assert!(status.ready);
    assert_eq!(status.indexed, 2);
    handle.shutdown().unwrap();
    handle.shutdown().unwrap();
}

#[test]
fn ids_that_name_no_pair_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = remains("U1");
    let mut b = remains("U2");
    b.kind = Kind::Unclaimed;
    import(&store, &[a, b]);
    let req = |left: &str, right: &str| DecisionRequest {
        left: left.into(),
        right: right.into(),
        verdict: Verdict::Excluded,
        by: "x".into(),
        comment: None,
    };
    assert!(matches!(
        api::decide(&store, &req("U1", "U2")),
        Err(super::MatchingError::NotAPair(_))
    ));
    assert!(matches!(
        api::decide(&store, &req("U1", "U1")),
        Err(super::MatchingError::NotAPair(_))
    ));
    assert!(matches!(
        api::decide(&store, &req("U1", "nobody")),
        Err(super::MatchingError::NotFound(_))
    ));
    let mut blank = req("U1", "U2");
    blank.by = " ".into();
    assert!(matches!(
        api::decide(&store, &blank),
        Err(super::MatchingError::Invalid(_))
    ));
}
