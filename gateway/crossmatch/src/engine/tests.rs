use homeward_schemas::{
    Kind, Mark, MarkKind, Name, PartialDate, Place, Race, Range, Record, RecordId, Sex, Side,
    Status, YearRange,
};

use super::*;
use crate::decision::{Decision, PairKey, Verdict};

fn pd(s: &str) -> PartialDate {
    s.parse().unwrap()
}

fn at(lat: f64, lon: f64) -> Place {
    Place {
        region: Some("US-TX".into()),
        country: Some("US".into()),
        lat: Some(lat),
        lon: Some(lon),
        ..Place::default()
    }
}

fn missing(source: &str, id: &str, given: &str, family: &str, dob: &str, lat: f64) -> Record {
    let mut r = Record::new(Kind::Missing, source, id);
    r.names.push(Name {
        given: Some(given.into()),
        family: Some(family.into()),
        ..Name::default()
    });
    r.sex = Some(Sex::Male);
    r.race = Some(Race::White);
    r.birth_dates.push(pd(dob));
    r.height_cm = Some(Range::exact(178.0));
    r.last_contact = Some(pd("2023-03-01"));
    r.last_seen = Some(at(lat, -97.0));
    r
}

fn remains(source: &str, id: &str, lat: f64) -> Record {
    let mut r = Record::new(Kind::Unidentified, source, id);
    r.sex = Some(Sex::Male);
    r.birth_year = Some(YearRange {
        min: 1985,
        max: 1995,
    });
    r.height_cm = Some(Range::new(172.0, 184.0).unwrap());
    r.found_date = Some(pd("2023-09-14"));
    r.found_place = Some(at(lat, -97.1));
    r
}

fn tattoo(r: &mut Record) {
    r.marks.push(Mark {
        kind: MarkKind::Tattoo,
        side: Some(Side::Right),
        part: "ARM".into(),
        text: Some("NAME MARIA".into()),
    });
}

/// A small world: one person reported twice, namesakes elsewhere, remains near the first.
fn world() -> Vec<Record> {
    let mut v = vec![
        missing(
            "TX0101300",
            "M000000001",
            "BILL",
            "WILLYAMS",
            "1990-06-04",
            31.0,
        ),
        missing(
            "TX-CLEARINGHOUSE",
            "TXC-1",
            "William",
            "Williams",
            "1990-06-04",
            31.01,
        ),
        missing(
            "OK0101300",
            "M000000002",
            "JOHN",
            "SMITH",
            "1962-01-02",
            35.5,
        ),
        missing(
            "NM0101300",
            "M000000003",
            "PETER",
            "JONES",
            "1989-03-03",
            33.0,
        ),
    ];
    for i in 0..30 {
        // unrelated people around, for the frequencies and the ranking
        v.push(missing(
            "TX0101300",
            &format!("M1000000{i:02}"),
            ["JAMES", "ROBERT", "DAVID"][i % 3],
            ["BROWN", "MILLER", "DAVIS", "GARCIA", "WILSON"][i % 5],
            &format!("{}-0{}-1{}", 1960 + i, 1 + i % 9, i % 10),
            29.0 + i as f64 * 0.2,
        ));
    }
    v.push(remains("TX-ME", "TX-ME-1", 31.2));
    v
}

fn id(source: &str, native: &str) -> RecordId {
    RecordId::new(source, native)
}

#[test]
fn a_full_run_clusters_and_ranks() {
    let e = Engine::with_records(Config::default(), &world());
    let m = e.run();
    assert_eq!(m.clusters.len(), 1);
    assert_eq!(
        m.clusters[0],
        vec![
            id("TX0101300", "M000000001"),
            id("TX-CLEARINGHOUSE", "TXC-1")
        ]
    );
    assert_eq!(m.same_person.len(), 1);
    assert_eq!(m.same_person[0].rank, 1);
    // the remains' list: ranked, best first, the reported person on top
    let list: Vec<&Candidate> = m
        .identifications
        .iter()
        .filter(|c| c.right.native_id == "TX-ME-1")
        .collect();
    assert!(!list.is_empty() && list.len() <= 20);
    assert!(list.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(
        list.iter()
            .enumerate()
            .all(|(i, c)| c.rank as usize == i + 1)
    );
    // the reported person on top, the two reports of that person in one row
    let first = list[0];
    let reports: Vec<&str> = std::iter::once(&first.left)
        .chain(first.also.iter())
        .map(|r| r.native_id.as_str())
        .collect();
    assert!(
        reports.contains(&"M000000001") && reports.contains(&"TXC-1"),
        "{reports:?}"
    );
    assert!(
        list[1..]
            .iter()
            .all(|c| c.also.is_empty()
                && !matches!(c.left.native_id.as_str(), "M000000001" | "TXC-1"))
    );
    let why = e.explain(first).unwrap().reasons();
    assert!(why.contains("link: also reported as"), "{why}");
    // every candidate explains itself, and the explanation adds up to the score
    for c in m.same_person.iter().chain(m.identifications.iter()) {
        let p = e.explain(c).unwrap();
        assert!((p.total() - c.score).abs() < 1e-3, "{c:?}");
        assert!(!p.reasons().is_empty());
    }
}

#[test]
fn top_k_is_respected() {
    let cfg = Config {
        top_k: 3,
        ..Config::default()
    };
    let m = Engine::with_records(cfg, &world()).run();
    assert_eq!(m.identifications.len(), 3);
}

#[test]
fn records_come_change_and_close_incrementally() {
    let mut e = Engine::new(Config::default());
    for r in world() {
        assert_eq!(e.upsert(&r), Change::Added);
    }
    let n = e.len();
    let bill = id("TX0101300", "M000000001");
    // the new record's candidates: its duplicate, and the remains it may be
    let c = e.candidates(&bill);
    assert!(c.iter().any(|c| c.relation == Relation::SamePerson
        && (c.left.native_id == "TXC-1" || c.right.native_id == "TXC-1")));
    assert!(
        c.iter()
            .any(|c| c.relation == Relation::PossibleIdentification
                && c.right.native_id == "TX-ME-1"
                && c.left == bill)
    );
    // the remains' candidates, from the other side
    let u = e.candidates(&id("TX-ME", "TX-ME-1"));
    assert!(u.iter().any(|c| c.left == bill || c.also.contains(&bill)));
    // the two reports of one person share a row, as in a full run
    assert!(u.iter().any(|c| c.also.len() == 1));

    // a new version replaces the old one
    let mut changed = world().remove(0);
    changed.last_seen = Some(at(45.0, -120.0));
    assert_eq!(e.upsert(&changed), Change::Updated);
    assert_eq!(e.len(), n);
    assert!(e.profile(&bill).unwrap().place.geo.unwrap().lat > 44.0);

    // located: out of the index, never proposed again
    changed.status = Status::Located;
    assert_eq!(e.upsert(&changed), Change::Removed);
    assert_eq!(e.upsert(&changed), Change::Ignored);
    assert_eq!(e.len(), n - 1);
    assert!(e.candidates(&bill).is_empty());
    assert!(
        e.candidates(&id("TX-ME", "TX-ME-1"))
            .iter()
            .all(|c| c.left != bill)
    );
    assert!(e.run().identifications.iter().all(|c| c.left != bill));
    // what a record would match without being added
    let probe = missing(
        "LA0101300",
        "M000000009",
        "WILLIAM",
        "WILLIAMS",
        "1990-06-04",
        31.0,
    );
    let found = e.candidates_for(&probe);
    assert!(found.iter().any(|c| c.relation == Relation::SamePerson));
    assert!(e.profile(&probe.id).is_none());
    assert!(e.remove(&id("TX-CLEARINGHOUSE", "TXC-1")));
    assert!(!e.remove(&id("TX-CLEARINGHOUSE", "TXC-1")));
}

#[test]
fn excluded_pairs_are_never_proposed_and_confirmed_ones_kept() {
    let mut e = Engine::with_records(Config::default(), &world());
    let a = id("TX0101300", "M000000001");
    let b = id("TX-CLEARINGHOUSE", "TXC-1");
    let u = id("TX-ME", "TX-ME-1");
    e.decide(Decision {
        pair: PairKey::new(Relation::SamePerson, b.clone(), a.clone()),
        verdict: Verdict::Excluded,
        by: Some("analyst".into()),
        at: None,
        note: None,
    });
    e.decide(Decision {
        pair: PairKey::new(Relation::PossibleIdentification, a.clone(), u.clone()),
        verdict: Verdict::Excluded,
        by: None,
        at: None,
        note: None,
    });
    let m = e.run();
    assert!(m.clusters.is_empty());
    assert!(m.same_person.is_empty());
    assert!(
        !m.identifications
            .iter()
            .any(|c| c.left == a && c.right == u)
    );
    assert!(
        e.candidates(&a)
            .iter()
            .all(|c| !(c.left == b || c.right == b) && c.right != u)
    );

    // a confirmed pair is clustered whatever its score, and says so
    let far = id("NM0101300", "M000000003");
    e.decide(Decision {
        pair: PairKey::new(Relation::SamePerson, far.clone(), b.clone()),
        verdict: Verdict::Confirmed,
        by: Some("analyst".into()),
        at: None,
        note: None,
    });
    let m = e.run();
    assert_eq!(m.clusters.len(), 1);
    assert!(m.clusters[0].contains(&far) && m.clusters[0].contains(&b));
    let link = m
        .same_person
        .iter()
        .find(|c| c.left == far || c.right == far)
        .unwrap();
    assert_eq!(link.decision, Some(Verdict::Confirmed));
    assert!(
        e.explain(link)
            .unwrap()
            .reasons()
            .contains("decision: confirmed by analyst")
    );
    // withdrawn: back to the evidence
    e.withdraw(&PairKey::new(Relation::SamePerson, b, far));
    assert!(e.run().clusters.is_empty());
}

#[test]
fn one_source_appears_once_in_a_cluster() {
    // three near-identical reports, two of them from one source: the weaker of those two
    // stays out
    let mut rs = world();
    let mut twin = missing(
        "TX0101300",
        "M000000099",
        "WILLIAM",
        "WILLIAMS",
        "1990-06-04",
        31.0,
    );
    twin.height_cm = Some(Range::exact(190.0));
    rs.push(twin);
    let e = Engine::with_records(Config::default(), &rs);
    // the twin links to the clearinghouse record on its own...
    let twin_links = e.candidates(&id("TX0101300", "M000000099"));
    assert!(twin_links.iter().any(|c| c.relation == Relation::SamePerson
        && (c.left.native_id == "TXC-1" || c.right.native_id == "TXC-1")));
    // ...but the cluster takes the stronger record of its source only
    let m = e.run();
    let c = m
        .clusters
        .iter()
        .find(|c| c.contains(&id("TX-CLEARINGHOUSE", "TXC-1")))
        .unwrap();
    assert_eq!(c.len(), 2);
    assert!(c.contains(&id("TX0101300", "M000000001")));
    for c in &m.clusters {
        let mut sources: Vec<&str> = c.iter().map(|r| r.source.as_str()).collect();
        sources.sort_unstable();
        let n = sources.len();
        sources.dedup();
        assert_eq!(sources.len(), n, "{c:?}");
    }
}

#[test]
fn remains_entered_twice_share_their_evidence() {
    // the same remains entered by the state (with the tattoo) and the examiner (without);
    // the person went missing far away
    let mut m = missing(
        "gmcn-gb.example.org",
        "gmcn-gb.example.org/person.1",
        "Lynda",
        "Holmes",
        "1994-12-11",
        31.0,
    );
    m.sex = Some(Sex::Female);
    m.last_seen = Some(Place {
        country: Some("GB".into()),
        lat: Some(53.1),
        lon: Some(-1.5),
        ..Place::default()
    });
    tattoo(&mut m);
    let mut state = remains("CA5001252", "U000000140", 36.99);
    state.sex = Some(Sex::Female);
    state.birth_year = Some(YearRange {
        min: 1990,
        max: 1998,
    });
    tattoo(&mut state);
    let mut me = state.clone();
    me.id = id("CA-ME", "CA-ME-0000042");
    me.marks.clear();
    let mut rs = world();
    rs.extend([m, state, me]);
    let e = Engine::with_records(Config::default(), &rs);
    let run = e.run();
    let holmes = |right: &str| {
        run.identifications
            .iter()
            .find(|c| c.right.native_id == right && c.left.native_id.ends_with("person.1"))
            .cloned()
    };
    let direct = holmes("U000000140").unwrap();
    assert_eq!(direct.rank, 1);
    assert!(direct.via.is_none());
    let lent = holmes("CA-ME-0000042").unwrap();
    assert_eq!(lent.rank, 1);
    assert_eq!(lent.via, Some(id("CA5001252", "U000000140")));
    assert!((lent.score - direct.score).abs() < 1e-3);
    let why = e.explain(&lent).unwrap().reasons();
    assert!(why.contains("link: scored on U000000140"), "{why}");
    assert!(why.contains("TAT R ARM NAME MARIA on both"), "{why}");
    // and incrementally
    let inc = e.candidates(&id("CA-ME", "CA-ME-0000042"));
    assert!(
        inc.iter()
            .any(|c| c.left.native_id.ends_with("person.1") && c.rank == 1)
    );
}

/// Remains and, around them, many missing people of the same sex and age last seen at
/// `seen`, enough for the walk outwards from the place to stop nearby.
fn crowded(n: usize, seen: &str) -> Vec<Record> {
    let mut v = vec![remains("TX-ME", "TX-ME-1", 31.2)];
    for i in 0..n {
        let mut r = missing(
            &format!("TX{:07}", i % 7),
            &format!("M3{i:05}"),
            ["JAMES", "ROBERT", "DAVID", "PAUL"][i % 4],
            ["BROWN", "MILLER", "DAVIS", "GARCIA", "WILSON"][i % 5],
            &format!("{}-0{}-1{}", 1986 + i % 9, 1 + i % 9, i % 10),
            31.0 + (i % 40) as f64 * 0.01,
        );
        r.last_contact = Some(pd(seen));
        v.push(r);
    }
    v
}

fn listed(e: &Engine, native: &str) -> Option<u32> {
    e.candidates(&id("TX-ME", "TX-ME-1"))
        .iter()
        .find(|c| c.relation == Relation::PossibleIdentification && c.left.native_id == native)
        .map(|c| c.rank)
}

#[test]
fn remains_found_days_after_a_far_last_contact_are_read_by_time() {
    let cfg = Config {
        reach_enough: 20,
        reach_min_km: 50.0,
        reach_max_km: 1000.0,
        full_scores: 10,
        ..Config::default()
    };
    // near, but last seen decades before
    let mut v = crowded(200, "1999-01-01");
    // last seen 1,500 km away, two weeks before the remains were found
    let mut far = missing("MN0101300", "FAR-1", "PETER", "NORTH", "1990-01-01", 44.5);
    far.last_contact = Some(pd("2023-09-01"));
    v.push(far);
    let by_place = Engine::with_records(
        Config {
            time_reads: 0,
            ..cfg
        },
        &v,
    );
    assert_eq!(listed(&by_place, "FAR-1"), None);
    let e = Engine::with_records(cfg, &v);
    assert_eq!(listed(&e, "FAR-1"), Some(1));
    // the full run agrees with the incremental answer
    let m = e.run();
    let row = m
        .identifications
        .iter()
        .find(|c| c.left.native_id == "FAR-1")
        .unwrap();
    assert_eq!(row.rank, 1);
    // and the missing record's own lookup reaches the remains (scored; below the
    // threshold a missing record's candidates are reported at)
    let a = e.profile(&id("MN0101300", "FAR-1")).unwrap();
    let mut pool = Vec::new();
    e.reverse_pool(a, &mut pool);
    assert!(pool.contains(&e.ids[&id("TX-ME", "TX-ME-1")]));
}

#[test]
fn a_common_mark_finds_candidates_of_the_same_sex_and_age_anywhere() {
    let cfg = Config {
        reach_enough: 20,
        reach_min_km: 50.0,
        full_scores: 10,
        max_bucket: 10,
        time_reads: 0,
        ..Config::default()
    };
    let scar = |r: &mut Record| {
        r.marks.push(Mark {
            kind: MarkKind::Scar,
            side: None,
            part: "ABDOM".into(),
            text: None,
        })
    };
    let mut v = crowded(4000, "2015-01-01");
    let mut b = v.remove(0);
    scar(&mut b);
    v.push(b);
    // the same scar on ten people born decades earlier, far away: with the one to find, too
    // common for the mark alone to find candidates
    for i in 0..10 {
        let mut r = missing(
            "CO0101300",
            &format!("OLD-{i}"),
            "MARK",
            "OLDER",
            "1950-02-02",
            39.0,
        );
        scar(&mut r);
        v.push(r);
    }
    let mut far = missing("MN0101300", "FAR-2", "PETER", "NORTH", "1990-01-01", 44.5);
    scar(&mut far);
    v.push(far);
    let e = Engine::with_records(cfg, &v);
    let rank = listed(&e, "FAR-2");
    assert!(rank.is_some_and(|r| r <= 3), "{rank:?}");
    assert_eq!(listed(&e, "OLD-0"), None);
}

#[test]
fn records_put_back_into_freed_slots_are_found_as_in_a_fresh_index() {
    // the full run reads only the slots after a record's own under each key (a key's slots
    // are kept sorted); records put back into freed slots, in other orders, must not hide
    // a pair
    let mut records = world();
    for i in 0..8 {
        // more people reported twice, by two sources each
        let (given, family) = (["ANNA", "MARTA", "OLGA", "IRINA"][i % 4], "KOWALSKA");
        let dob = format!("19{}-0{}-1{}", 70 + i, 1 + i % 9, i % 10);
        records.push(missing(
            "TX0101300",
            &format!("K{i}"),
            given,
            family,
            &dob,
            30.0,
        ));
        records.push(missing(
            "TX-CLEARINGHOUSE",
            &format!("TXK-{i}"),
            given,
            family,
            &dob,
            30.0,
        ));
    }
    let rows = |m: &Matches| {
        let mut v: Vec<(RecordId, RecordId, i64)> = m
            .same_person
            .iter()
            .chain(m.identifications.iter())
            .map(|c| {
                (
                    c.left.clone(),
                    c.right.clone(),
                    (c.score * 100.0).round() as i64,
                )
            })
            .collect();
        v.sort();
        v
    };
    let fresh = Engine::with_records(Config::default(), &records).run();
    assert!(fresh.same_person.len() >= 9);
    let n = records.len();
    let orders: [Vec<usize>; 3] = [
        (0..n).collect(),
        (0..n).rev().collect(),
        (0..n).step_by(2).chain((1..n).step_by(2)).collect(),
    ];
    for order in orders {
        let mut e = Engine::new(Config::default());
        for r in &records {
            e.upsert(r);
        }
        for r in &records {
            assert!(e.remove(&r.id));
        }
        for &i in &order {
            assert_eq!(e.upsert(&records[i]), Change::Added);
        }
        let reused = e.run();
        assert_eq!(rows(&reused), rows(&fresh), "order {order:?}");
        assert_eq!(reused.clusters.len(), fresh.clusters.len());
    }
}
