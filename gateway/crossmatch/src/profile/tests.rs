use super::*;
use homeward_schemas::{AgeRange, LatinName, Name, Range, YearRange};

fn pd(s: &str) -> PartialDate {
    s.parse().unwrap()
}

#[test]
fn names_in_several_scripts_give_several_forms() {
    let mut r = Record::new(
        Kind::Missing,
        "gmcn-ru.example.org",
        "gmcn-ru.example.org/person.1",
    );
    r.names.push(Name {
        full: Some("Евгения Захарова".into()),
        given: Some("Евгения".into()),
        family: Some("Захарова".into()),
        latin: Some(LatinName {
            given: Some("Evgeniia".into()),
            family: Some("Zakharova".into()),
            ..LatinName::default()
        }),
        ..Name::default()
    });
    let p = Profile::build(&r);
    // the Cyrillic parts and the partner's Latin form normalise to the same tokens
    assert_eq!(p.names.len(), 1);
    assert_eq!(p.names[0].display(), "EVGENIA ZAHAROVA");
}

#[test]
fn a_computed_latin_form_is_computed_again_not_read() {
    // a record stored by an older version holds the transliteration of its time
    let mut r = Record::new(
        Kind::Missing,
        "gmcn-in.example.org",
        "gmcn-in.example.org/p.1",
    );
    r.names.push(Name {
        given: Some("नेहा".into()),
        family: Some("मंडल".into()),
        latin: Some(LatinName {
            full: Some("neha mmdl".into()),
            given: Some("neha".into()),
            family: Some("mmdl".into()),
            computed: true,
        }),
        ..Name::default()
    });
    let p = Profile::build(&r);
    assert_eq!(p.names.len(), 1);
    assert_eq!(p.names[0].display(), "NEHA MANDAL");
    // a partner's own Latin form is kept
    if let Some(l) = r.names[0].latin.as_mut() {
        l.computed = false;
    }
    assert_eq!(Profile::build(&r).names.len(), 2);
}

#[test]
fn birth_interval_from_dob_eyb_or_age() {
    let mut m = Record::new(Kind::Missing, "TX", "M1");
    m.birth_dates.push(pd("2011-03-12"));
    m.last_contact = Some(pd("2024-05-01"));
    let p = Profile::build(&m);
    let b = p.birth.unwrap();
    assert!((b.lo - 2011.19).abs() < 0.01 && b.width() < 0.01);
    assert!((p.age_at_event().unwrap() - 13.1).abs() < 0.1);
    assert_eq!(
        p.dobs,
        vec![Dob {
            year: 2011,
            month: 3,
            day: 12
        }]
    );

    let mut u = Record::new(Kind::Unidentified, "AZ", "U1");
    u.birth_year = Some(YearRange {
        min: 1973,
        max: 1979,
    });
    assert_eq!(Profile::build(&u).birth, Some(Span::new(1973.0, 1980.0)));

    let mut x = Record::new(Kind::Unidentified, "AZ-ME", "AZ-ME-1");
    x.age = Some(AgeRange {
        min: 20,
        max: 30,
        as_of: None,
    });
    x.found_date = Some(pd("2020-07-02"));
    let b = Profile::build(&x).birth.unwrap();
    assert!((b.lo - 1989.5).abs() < 0.05, "{b:?}");
    assert!((b.hi - 2000.5).abs() < 0.05, "{b:?}");
}

#[test]
fn unknown_codes_are_absent() {
    let mut r = Record::new(Kind::Unidentified, "AZ", "U1");
    r.sex = Some(Sex::Unknown);
    r.race = Some(Race::Unknown);
    r.eye = Some(EyeColor::Unknown);
    r.height_cm = Some(Range::new(160.0, 170.0).unwrap());
    let p = Profile::build(&r);
    assert_eq!((p.sex, p.race, p.eye), (None, None, None));
    assert_eq!(p.height, Some(Span::new(160.0, 170.0)));
}

#[test]
fn marks_dental_and_place() {
    let mut r = Record::new(Kind::Unidentified, "AZ", "U1");
    r.marks.push(Mark {
        kind: MarkKind::Tattoo,
        side: Some(Side::Left),
        part: "arm".into(),
        text: Some("Rose".into()),
    });
    r.dental = Some(
        Dental::parse("V,V,X,MO,V,V,V,V,V,V,V,V,V,V,C,X,/,/,V,V,V,V,V,V,V,V,V,V,MOD,V,V,X")
            .unwrap(),
    );
    r.found_place = Some(Place {
        region: Some("us-tx".into()),
        lat: Some(31.0),
        lon: Some(-97.0),
        ..Place::default()
    });
    let p = Profile::build(&r);
    assert_eq!(&*p.marks[0].label, "TAT L ARM ROSE");
    let d = p.dental.unwrap();
    assert_eq!(d[0], tooth::VIRGIN);
    assert_eq!(d[2], tooth::MISSING);
    assert_eq!(d[3], tooth::RESTORED | 0b11);
    assert_eq!(d[16], tooth::NO_INFO);
    assert_eq!(p.place.country, Some(*b"US"));
    assert_eq!(p.place.region.as_deref(), Some("US-TX"));
    let g = p.place.geo.unwrap();
    assert!(
        g.km(&Geo {
            lat: 32.0,
            lon: -97.0
        }) - 111.2
            < 0.5
    );
}
