use homeward_schemas::{
    AgeRange, Dental, Kind, LatinName, Mark, MarkKind, Name, PartialDate, Place, Race, Range,
    Record, Sex, Side, Status, YearRange,
};

use super::*;
use crate::profile::Profile;

fn pd(s: &str) -> PartialDate {
    s.parse().unwrap()
}

fn place(lat: f64, lon: f64, region: &str) -> Place {
    Place {
        region: Some(region.into()),
        country: Some(region[..2].into()),
        lat: Some(lat),
        lon: Some(lon),
        ..Place::default()
    }
}

fn missing(source: &str, id: &str, given: &str, family: &str, dob: &str) -> Record {
    let mut r = Record::new(Kind::Missing, source, id);
    r.names.push(Name {
        given: Some(given.into()),
        family: Some(family.into()),
        ..Name::default()
    });
    r.sex = Some(Sex::Male);
    r.race = Some(Race::White);
    r.birth_dates.push(pd(dob));
    r.height_cm = Some(Range::exact(180.3));
    r.weight_kg = Some(Range::exact(80.0));
    r.last_contact = Some(pd("2024-05-07"));
    r.last_seen = Some(place(31.05, -97.40, "US-TX"));
    r
}

fn remains(source: &str, id: &str) -> Record {
    let mut r = Record::new(Kind::Unidentified, source, id);
    r.sex = Some(Sex::Male);
    r.race = Some(Race::White);
    r.birth_year = Some(YearRange {
        min: 1980,
        max: 1990,
    });
    r.height_cm = Some(Range::new(175.0, 185.0).unwrap());
    r.found_date = Some(pd("2025-01-20"));
    r.found_place = Some(place(31.20, -97.10, "US-TX"));
    r
}

fn counts(rs: &[&Record]) -> Counts {
    let mut c = Counts::default();
    for r in rs {
        c.add(&Profile::build(r));
    }
    c
}

fn score_of(a: &Record, b: &Record, rel: Relation) -> Option<f32> {
    total(
        &Profile::build(a),
        &Profile::build(b),
        rel,
        &counts(&[a, b]),
    )
}

fn reasons_of(a: &Record, b: &Record, rel: Relation) -> String {
    explain(
        &Profile::build(a),
        &Profile::build(b),
        rel,
        &counts(&[a, b]),
    )
    .unwrap()
    .reasons()
}

const THRESHOLD: f32 = 14.0;

#[test]
fn nickname_misspelling_and_a_year_off_still_one_person() {
    let a = missing("TX0101300", "M000000001", "BILL", "WILLYAMS", "1988-06-04");
    let mut b = missing(
        "TX-CLEARINGHOUSE",
        "TX-CLEARINGHOUSE-0000001",
        "William",
        "Williams",
        "1987-06-04",
    );
    b.last_contact = Some(pd("2024-05-08"));
    b.height_cm = Some(Range::exact(181.0));
    b.weight_kg = Some(Range::exact(86.0));
    let s = score_of(&a, &b, Relation::SamePerson).unwrap();
    assert!(s >= THRESHOLD, "score {s}");
    let r = reasons_of(&a, &b, Relation::SamePerson);
    assert!(r.contains("given BILL vs WILLIAM: nickname"), "{r}");
    assert!(r.contains("family WILLYAMS agrees"), "{r}");
    assert!(r.contains("one year apart"), "{r}");
    assert!(r.contains("1 days apart, at the same place"), "{r}");
}

#[test]
fn a_name_in_its_own_script_meets_its_romanisations() {
    let mut a = missing(
        "gmcn-ru.example.org",
        "gmcn-ru.example.org/person.1",
        "x",
        "x",
        "2008-07-24",
    );
    a.names = vec![Name {
        full: Some("Александр Коновалов".into()),
        given: Some("Александр".into()),
        family: Some("Коновалов".into()),
        latin: Some(LatinName {
            given: Some("Aleksandr".into()),
            family: Some("Konovalov".into()),
            ..LatinName::default()
        }),
        ..Name::default()
    }];
    // German romanisation, given and family swapped, day and month swapped
    let mut b = missing(
        "NY0303000",
        "M000000002",
        "KONOWALOW",
        "ALEXANDR",
        "2008-07-24",
    );
    b.birth_dates = vec![pd("2008-07-24")];
    let s = score_of(&a, &b, Relation::SamePerson).unwrap();
    assert!(s >= THRESHOLD, "score {s}");
    let r = reasons_of(&a, &b, Relation::SamePerson);
    assert!(
        r.contains(
            "given ALEKSANDR agrees, family KONOVALOV agrees, given and family names swapped"
        ),
        "{r}"
    );
    let mut c = b.clone();
    c.birth_dates = vec![pd("2008-04-07")];
    let r = reasons_of(&a, &c, Relation::SamePerson);
    assert!(
        r.contains("dob: 2008-07-24 vs 2008-04-07: same year only (-4.0)"),
        "{r}"
    );
    c.birth_dates = vec![pd("2008-07-04")];
    let a2 = {
        let mut x = a.clone();
        x.birth_dates = vec![pd("2008-04-07")];
        x
    };
    let r = reasons_of(&a2, &c, Relation::SamePerson);
    assert!(r.contains("day and month swapped"), "{r}");
}

#[test]
fn namesakes_born_apart_and_far_away_stay_apart() {
    let a = missing("TX0101300", "M000000001", "JOHN", "SMITH", "1988-06-04");
    let mut b = missing("OR-CLEARINGHOUSE", "OR-1", "John", "Smith", "1961-11-23");
    b.last_contact = Some(pd("2019-01-02"));
    b.last_seen = Some(place(45.5, -122.6, "US-OR"));
    let s = score_of(&a, &b, Relation::SamePerson).unwrap();
    assert!(s < 0.0, "score {s}");
    let r = reasons_of(&a, &b, Relation::SamePerson);
    assert!(r.contains("dob: 1988-06-04 vs 1961-11-23: differs"), "{r}");
    assert!(r.contains("km apart"), "{r}");
}

#[test]
fn impossible_pairs_are_excluded() {
    let a = missing("TX0101300", "M000000001", "JOHN", "SMITH", "1988-06-04");
    let b = missing("TX-CLEARINGHOUSE", "X1", "John", "Smith", "1988-06-04");
    assert!(score_of(&a, &b, Relation::SamePerson).is_some());

    // one source never reports one person twice
    let same_source = missing("TX0101300", "M000000002", "JOHN", "SMITH", "1988-06-04");
    let pa = Profile::build(&a);
    assert_eq!(
        check(&pa, &Profile::build(&same_source), Relation::SamePerson),
        Err(Exclusion::SameSource)
    );
    // male and female
    let mut f = b.clone();
    f.sex = Some(Sex::Female);
    assert_eq!(
        check(&pa, &Profile::build(&f), Relation::SamePerson),
        Err(Exclusion::Sex)
    );
    // unknown sex is not a conflict
    f.sex = Some(Sex::Unknown);
    assert!(check(&pa, &Profile::build(&f), Relation::SamePerson).is_ok());
    // closed records are never proposed
    let mut located = b.clone();
    located.status = Status::Located;
    assert_eq!(
        check(&pa, &Profile::build(&located), Relation::SamePerson),
        Err(Exclusion::Closed)
    );
    // remains found decades before the person was born
    let mut u = remains("TX0101300", "U000000003");
    u.found_date = Some(pd("1961-03-02"));
    assert_eq!(
        check(&pa, &Profile::build(&u), Relation::PossibleIdentification),
        Err(Exclusion::BeforeBirth)
    );
    // kinds: a missing record is not the same case as remains
    assert_eq!(
        check(&pa, &Profile::build(&u), Relation::SamePerson),
        Err(Exclusion::Kinds)
    );
    assert_eq!(
        check(&Profile::build(&u), &pa, Relation::PossibleIdentification),
        Err(Exclusion::Kinds)
    );
}

#[test]
fn strong_evidence_outweighs_weak_mismatches() {
    // the Gumbs case: found days before the date relatives gave, age outside the estimate,
    // matched by a unique mark and the teeth
    let chart = "V,V,X,MO,V,V,V,V,V,V,V,V,V,V,C,X,/,/,V,V,V,V,V,V,V,V,V,V,MOD,V,V,X";
    let mut gumbs = missing(
        "VI0000000",
        "M000000010",
        "TOUSSAINT",
        "GUMBS",
        "1976-02-11",
    );
    gumbs.marks.push(Mark {
        kind: MarkKind::Scar,
        side: Some(Side::Left),
        part: "CHK".into(),
        text: Some("CRESCENT".into()),
    });
    gumbs.dental = Some(Dental::parse(chart).unwrap());
    gumbs.last_contact = Some(pd("2025-01-25"));
    let mut found = remains("TX0101300", "U000000011");
    found.found_date = Some(pd("2025-01-20"));
    found.birth_year = Some(YearRange {
        min: 1980,
        max: 1990,
    });
    found.marks = gumbs.marks.clone();
    found.dental = Some(
        Dental::parse("V,V,X,MO,V,/,V,V,V,V,V,V,V,V,C,X,/,/,V,V,V,V,V,V,V,V,V,V,MOD,V,V,X")
            .unwrap(),
    );
    // an ordinary candidate that fits the estimate but has nothing distinctive
    let mut ordinary = missing("TX0101300", "M000000012", "PAUL", "JONES", "1985-05-05");
    ordinary.last_contact = Some(pd("2024-09-01"));
    let strong = score_of(&gumbs, &found, Relation::PossibleIdentification).unwrap();
    let weak = score_of(&ordinary, &found, Relation::PossibleIdentification).unwrap();
    assert!(strong > weak + 5.0, "strong {strong} weak {weak}");
    let r = reasons_of(&gumbs, &found, Relation::PossibleIdentification);
    assert!(r.contains("SC L CHK CRESCENT on both"), "{r}");
    assert!(r.contains("teeth agree"), "{r}");
    assert!(r.contains("found 5 days before the last contact"), "{r}");
    assert!(r.contains("outside the estimate"), "{r}");
}

#[test]
fn estimates_fit_with_tolerance() {
    let m = missing("TX0101300", "M000000001", "JOHN", "SMITH", "1985-06-04");
    let mut u = remains("AZ-ME", "AZ-ME-1");
    u.birth_year = None;
    u.age = Some(AgeRange {
        min: 35,
        max: 42,
        as_of: None,
    });
    let inside = score_of(&m, &u, Relation::PossibleIdentification).unwrap();
    u.age = Some(AgeRange {
        min: 44,
        max: 50,
        as_of: None,
    });
    let outside = score_of(&m, &u, Relation::PossibleIdentification).unwrap();
    assert!(inside > outside, "{inside} vs {outside}");
    // a child keeps growing after going missing: a taller skeleton years later still fits
    let mut child = missing("TX0101300", "M000000002", "ANNA", "LEE", "2012-01-01");
    child.sex = Some(Sex::Female);
    child.height_cm = Some(Range::exact(140.0));
    child.last_contact = Some(pd("2022-01-01"));
    let mut teen = remains("TX0101300", "U1");
    teen.sex = Some(Sex::Female);
    teen.birth_year = Some(YearRange {
        min: 2010,
        max: 2013,
    });
    teen.height_cm = Some(Range::new(155.0, 162.0).unwrap());
    let r = reasons_of(&child, &teen, Relation::PossibleIdentification);
    assert!(
        r.contains("height: 140 cm fits the estimate 155-162 cm (missing at 10, found"),
        "{r}"
    );
    assert!(r.contains("cm more allowed for growth)"), "{r}");
    // an adult's height is not grown
    let adult = reasons_of(&m, &u, Relation::PossibleIdentification);
    assert!(!adult.contains("growth"), "{adult}");
}

#[test]
fn parts_and_reasons_are_consistent() {
    let a = missing("TX0101300", "M000000001", "BILL", "WILLYAMS", "1988-06-04");
    let b = missing(
        "TX-CLEARINGHOUSE",
        "X1",
        "William",
        "Williams",
        "1988-06-04",
    );
    let pa = Profile::build(&a);
    let pb = Profile::build(&b);
    let c = counts(&[&a, &b]);
    let parts = explain(&pa, &pb, Relation::SamePerson, &c).unwrap();
    let t = total(&pa, &pb, Relation::SamePerson, &c).unwrap();
    assert!((parts.total() - t).abs() < 1e-4);
    let text = parts.reasons();
    // the strongest supporting part first, each with its weight
    let strongest = parts
        .0
        .iter()
        .max_by(|x, y| x.weight.total_cmp(&y.weight))
        .unwrap();
    assert!(text.starts_with(&strongest.reason()), "{text}");
    for p in &parts.0 {
        assert!(text.contains(&p.reason()));
    }
    assert_eq!(
        Relation::from_name(Relation::SamePerson.as_str()),
        Some(Relation::SamePerson)
    );
}
