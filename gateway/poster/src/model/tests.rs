//! Tests of the poster model. Every name and case here is synthetic.

use chrono::{DateTime, NaiveDate, Utc};
use homeward_schemas::{
    AgeRange, Agency, Dental, EntryCategory, Extra, EyeColor, HairColor, IdentifierKind, Kind,
    LatinName, Mark, MarkKind, Name, NameRole, OtherIdentifier, PartialDate, Photo, Place, Range,
    Record, Sex, Side, Status, StatusEvent, Text, TextKind,
};

use super::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn date(s: &str) -> PartialDate {
    s.parse().unwrap()
}

fn today() -> NaiveDate {
    day("2026-12-07")
}

/// A Russian case: Cyrillic name with no language stated, its Latin form computed.
fn russian() -> Record {
    let mut r = Record::new(Kind::Missing, "gmcn-ru.example.org", "p.4411");
    r.names.push(Name {
        given: Some("Евгения".into()),
        family: Some("Захарова".into()),
        ..Name::default()
    });
    r.complete_names();
    r.sex = Some(Sex::Female);
    r.birth_dates.push(date("1996-04-18"));
    r.last_contact = Some(date("2025-09-30"));
    r.eye = Some(EyeColor::Brown);
    r.hair = Some(HairColor::Sandy);
    r.height_cm = Some(Range::exact(168.0));
    r.last_seen = Some(Place {
        city: Some("Tver".into()),
        country: Some("RU".into()),
        ..Place::default()
    });
    r
}

#[test]
fn russian_record_is_written_in_russian_and_english() {
    let p = Poster::from_record(&russian(), today()).unwrap();
    assert_eq!(p.languages, ["ru", "en"]);
    assert!(p.untranslated.is_empty());
    let heading: Vec<(&str, &str)> = p
        .heading
        .iter()
        .map(|h| (h.lang.as_str(), h.text.as_str()))
        .collect();
    assert_eq!(heading, [("ru", "ПРОПАЛ ЧЕЛОВЕК"), ("en", "MISSING")]);
    assert!(p.heading.iter().all(|h| !h.rtl));
    assert_eq!(p.names.len(), 1);
    assert_eq!(p.names[0].text, "Евгения Захарова");
    assert_eq!(p.names[0].script, "Cyrl");
    assert_eq!(p.names[0].latin.as_deref(), Some("Evgeniya Zakharova"));
    assert!(!p.names[0].rtl);
    let value = |k: &str| {
        p.facts
            .iter()
            .find(|f| f.key == k)
            .map(|f| f.value.as_str())
    };
    assert_eq!(value("eyes"), Some("карие (brown)"));
    assert_eq!(value("hair"), Some("русые (sandy)"));
    assert_eq!(value("sex"), Some("женский (female)"));
    assert_eq!(value("age_now"), Some("30"));
    assert_eq!(value("age_at_disappearance"), Some("29"));
    assert_eq!(value("last_seen"), Some("Tver, RU"));
    let eyes = p.facts.iter().find(|f| f.key == "eyes").unwrap();
    assert_eq!(eyes.value_en, "brown");
    assert_eq!(
        eyes.labels
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>(),
        ["Глаза", "Eyes"]
    );
    assert_eq!(p.country.as_deref(), Some("RU"));
    assert!(p.status.is_none());
}

#[test]
fn arabic_record_is_right_to_left() {
    let mut r = Record::new(Kind::Missing, "partner.example.org", "ar-17");
    r.names.push(Name {
        full: Some("لينا حداد".into()),
        lang: Some("ar".into()),
        latin: Some(LatinName {
            full: Some("Lina Haddad".into()),
            ..LatinName::default()
        }),
        ..Name::default()
    });
    r.texts.push(Text {
        kind: TextKind::Description,
        lang: Some("ar".into()),
        text: "ترتدي معطفاً أزرق".into(),
    });
    let p = Poster::from_record(&r, today()).unwrap();
    assert_eq!(p.languages, ["ar", "en"]);
    assert!(p.heading[0].rtl);
    assert_eq!(p.heading[0].text, "شخص مفقود");
    assert!(!p.heading[1].rtl);
    assert!(p.names[0].rtl);
    assert_eq!(p.names[0].script, "Arab");
    assert_eq!(p.names[0].latin.as_deref(), Some("Lina Haddad"));
    assert!(p.description[0].rtl);
    assert!(p.contact_labels[0].rtl);
}

#[test]
fn partial_birth_date_gives_an_age_range() {
    let mut r = Record::new(Kind::Missing, "TX0101300", "M000000123");
    r.names.push(Name {
        given: Some("Rosa".into()),
        family: Some("Quintero".into()),
        ..Name::default()
    });
    r.birth_dates.push(date("2010"));
    r.last_contact = Some(date("2025-01-15"));
    r.sex = Some(Sex::Female);
    let p = Poster::from_record(&r, today()).unwrap();
    let value = |k: &str| p.facts.iter().find(|f| f.key == k).map(|f| f.value.clone());
    assert_eq!(value("date_of_birth").as_deref(), Some("2010"));
    assert_eq!(value("age_at_disappearance").as_deref(), Some("14–15"));
    assert_eq!(value("age_now").as_deref(), Some("15–16"));
    assert_eq!(value("missing_since").as_deref(), Some("2025-01-15"));
    assert!(p.child);
    assert_eq!(p.heading[0].text, "MISSING CHILD");
    assert_eq!(p.languages, ["en"]);
}

#[test]
fn ages_from_an_estimate_and_from_a_year_range() {
    let mut r = Record::new(Kind::Missing, "S", "est");
    r.age = Some(AgeRange {
        min: 30,
        max: 35,
        as_of: None,
    });
    r.last_contact = Some(date("2020-06-01"));
    let p = Poster::from_record(&r, today()).unwrap();
    let value = |p: &Poster, k: &str| p.facts.iter().find(|f| f.key == k).map(|f| f.value.clone());
    assert_eq!(value(&p, "age_at_disappearance").as_deref(), Some("30–35"));
    // Born 1984-06-02 at the earliest, 1990-06-01 at the latest.
    assert_eq!(value(&p, "age_now").as_deref(), Some("36–42"));
    assert!(!p.child);

    let mut r = Record::new(Kind::Missing, "S", "eyb");
    r.birth_year = Some(homeward_schemas::YearRange {
        min: 2008,
        max: 2009,
    });
    r.last_contact = Some(date("2024-03"));
    r.entry_category = Some(EntryCategory::Juvenile);
    let p = Poster::from_record(&r, today()).unwrap();
    assert_eq!(value(&p, "date_of_birth").as_deref(), Some("2008–2009"));
    assert_eq!(value(&p, "age_at_disappearance").as_deref(), Some("14–16"));
    // 14 to 16: may have been 16 or older, but a juvenile entry: a child's poster.
    assert!(p.child);
}

#[test]
fn adult_age_is_never_a_child_even_in_a_juvenile_entry() {
    let mut r = Record::new(Kind::Missing, "S", "adult");
    r.birth_dates.push(date("2000-01-01"));
    r.last_contact = Some(date("2024-01-01"));
    r.entry_category = Some(EntryCategory::Juvenile);
    let p = Poster::from_record(&r, today()).unwrap();
    assert!(!p.child);
}

#[test]
fn imperial_conversions_are_exact() {
    assert_eq!(height_text(Range::exact(178.0)), "178 cm (5 ft 10 in)");
    // NCIC HGT/510 is 177.8 cm exactly.
    let ncic = homeward_schemas::units::ncic_height_to_cm("510").unwrap();
    assert_eq!(height_text(Range::exact(ncic)), "178 cm (5 ft 10 in)");
    assert_eq!(
        height_text(Range::new(170.0, 175.0).unwrap()),
        "170–175 cm (5 ft 7 in – 5 ft 9 in)"
    );
    assert_eq!(height_text(Range::exact(152.4)), "152 cm (5 ft 0 in)");
    assert_eq!(weight_text(Range::exact(70.0)), "70 kg (154 lb)");
    assert_eq!(
        weight_text(Range::new(60.0, 65.0).unwrap()),
        "60–65 kg (132–143 lb)"
    );
    // NCIC WGT/082 is 82 lb exactly.
    let kg = homeward_schemas::units::pounds_to_kg(82.0);
    assert_eq!(weight_text(Range::exact(kg)), "37 kg (82 lb)");
}

#[test]
fn located_record_carries_the_banner_in_every_language() {
    let mut r = russian();
    r.status = Status::Located;
    r.status_history.push(StatusEvent {
        status: Status::Located,
        date: Some(date("2026-02-01")),
        applied_at: None,
        reason: None,
        by: Some("RU0000001".into()),
        note_record_id: None,
    });
    let p = Poster::from_record(&r, today()).unwrap();
    let b = p.status.as_ref().unwrap();
    assert_eq!(b.status, Status::Located);
    assert_eq!(b.date.as_deref(), Some("2026-02-01"));
    let texts: Vec<&str> = b.texts.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "НЕАКТУАЛЬНО — этот человек найден 2026-02-01: не распространять",
            "NOT ACTIVE — this person was located on 2026-02-01: do not distribute",
        ]
    );

    for (status, words) in [
        (Status::Cleared, "this case was closed"),
        (Status::Cancelled, "this report was withdrawn"),
        (Status::Identified, "this person was identified"),
    ] {
        let mut r = russian();
        r.status = status;
        let p = Poster::from_record(&r, today()).unwrap();
        let en = p.status.unwrap().texts.pop().unwrap().text;
        assert_eq!(en, format!("NOT ACTIVE — {words}: do not distribute"));
    }
}

#[test]
fn only_missing_records_that_have_not_expired() {
    let u = Record::new(Kind::Unidentified, "AZ0070000", "U000000042");
    assert!(matches!(
        Poster::from_record(&u, today()),
        Err(PosterError::NotMissing {
            kind: Kind::Unidentified,
            ..
        })
    ));
    let c = Record::new(Kind::Unclaimed, "AZ0070000", "C1");
    assert!(matches!(
        Poster::from_record(&c, today()),
        Err(PosterError::NotMissing { .. })
    ));
    let mut e = russian();
    e.strip_personal_data();
    e.status = Status::Expired;
    let err = Poster::from_record(&e, today()).unwrap_err();
    assert!(matches!(err, PosterError::Expired { .. }));
    assert!(err.to_string().contains("gmcn-ru.example.org/p.4411"));
    let mut due = russian();
    due.expiry_date = Some("2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap());
    assert!(matches!(
        Poster::from_record(&due, today()),
        Err(PosterError::Expired { .. })
    ));
}

#[test]
fn confidential_data_never_reaches_the_poster() {
    let mut r = russian();
    r.texts.push(Text {
        kind: TextKind::Remarks,
        lang: Some("es".into()),
        text: "SUSPECT VEHICLE GRAY SEDAN PLATE XYZ123".into(),
    });
    r.texts.push(Text {
        kind: TextKind::Description,
        lang: None,
        text: "Wearing a green raincoat".into(),
    });
    r.texts.push(Text {
        kind: TextKind::Circumstances,
        lang: None,
        text: "Left the station on foot".into(),
    });
    r.dental = Some(Dental::AllVirgin);
    r.caution = Some("05".into());
    r.blood_type = Some(homeward_schemas::BloodType::ONeg);
    r.identifiers.push(OtherIdentifier {
        kind: IdentifierKind::SocialSecurity,
        value: "987654320".into(),
    });
    r.home = Some(Place {
        street: Some("12 Hidden Lane".into()),
        ..Place::default()
    });
    r.extra.push(Extra {
        format: "ncic".into(),
        key: "MIS2".into(),
        value: "INFORMANT CONFIDENTIAL".into(),
    });
    let p = Poster::from_record(&r, today()).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    for secret in [
        "SUSPECT",
        "XYZ123",
        "987654320",
        "Hidden Lane",
        "INFORMANT",
        "ONEG",
        "o_neg",
        "\"ALL\"",
    ] {
        assert!(!json.contains(secret), "{secret} is on the poster: {json}");
    }
    let texts: Vec<&str> = p.description.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Wearing a green raincoat", "Left the station on foot"]
    );
    assert_eq!(p.description[0].lang, "und");
    // A remark's language is not a poster language either.
    assert_eq!(p.languages, ["ru", "en"]);
}

#[test]
fn languages_from_texts_scripts_and_untranslated() {
    // A Ukrainian text: the Cyrillic name is not taken for Russian.
    let mut r = russian();
    r.texts.push(Text {
        kind: TextKind::Description,
        lang: Some("uk-UA".into()),
        text: "Зникла біля вокзалу".into(),
    });
    let p = Poster::from_record(&r, today()).unwrap();
    assert_eq!(p.languages, ["uk", "en"]);
    assert_eq!(p.heading[0].text, "ЗНИКЛА ЛЮДИНА");

    // Languages without a table fall back to English and are reported.
    let mut r = Record::new(Kind::Missing, "S", "he");
    r.names.push(Name {
        full: Some("נועה לוי".into()),
        ..Name::default()
    });
    r.names.push(Name {
        role: NameRole::Alias,
        full: Some("林小红".into()),
        lang: Some("zh-TW".into()),
        ..Name::default()
    });
    r.texts.push(Text {
        kind: TextKind::Description,
        lang: Some("en-US".into()),
        text: "Seen near the pier".into(),
    });
    let p = Poster::from_record(&r, today()).unwrap();
    assert_eq!(p.languages, ["en"]);
    assert_eq!(p.untranslated, ["zh-Hant", "he"]);
    assert_eq!(p.heading.len(), 1);
    assert!(p.names[0].rtl);
    assert_eq!(p.names[1].role, NameRole::Alias);
    assert_eq!(p.names[1].latin.as_deref(), Some("Lin Xiao Hong"));

    // Stated languages in order of appearance, English moved last.
    let mut r = Record::new(Kind::Missing, "S", "multi");
    for (text, lang) in [
        ("Ana Souza", "en"),
        ("Ана Соуза", "ru"),
        ("Ana Souza", "pt-BR"),
    ] {
        r.names.push(Name {
            full: Some(text.into()),
            lang: Some(lang.into()),
            ..Name::default()
        });
    }
    r.sex = Some(Sex::Female);
    let p = Poster::from_record(&r, today()).unwrap();
    assert_eq!(p.languages, ["ru", "pt", "en"]);
    let sex = p.facts.iter().find(|f| f.key == "sex").unwrap();
    assert_eq!(sex.value, "женский (female)");
    // The Latin name is listed once.
    assert_eq!(p.names.len(), 2);
}

#[test]
fn facts_come_in_a_fixed_order_and_read_well() {
    let mut r = russian();
    r.weight_kg = Some(Range::exact(58.0));
    r.marks.push(Mark {
        kind: MarkKind::Tattoo,
        side: Some(Side::Left),
        part: "ARM".into(),
        text: Some("ROSE".into()),
    });
    r.marks.push(Mark {
        kind: MarkKind::Scar,
        side: None,
        part: "XYZQ".into(),
        text: None,
    });
    r.last_seen = Some(Place {
        name: Some("Central bus station".into()),
        city: Some("Austin".into()),
        region: Some("US-TX".into()),
        street: Some("500 Main St".into()),
        ..Place::default()
    });
    r.photos.push(Photo {
        url: "https://photos.example.org/a.jpg".into(),
        ..Photo::default()
    });
    r.photos.push(Photo {
        url: "https://photos.example.org/primary.jpg".into(),
        sha256: Some("ab".repeat(32)),
        media_type: Some("image/jpeg".into()),
        primary: true,
        ..Photo::default()
    });
    r.agency = Agency {
        ori: Some("TX0101300".into()),
        name: Some("Example County Sheriff".into()),
        ..Agency::default()
    };
    r.extra.push(Extra {
        format: "xml".into(),
        key: "nc:Organization/nc:ContactTelephoneNumber".into(),
        value: "+1 555 0100".into(),
    });
    r.case_number = Some("24-001234".into());
    r.nic = Some("M000000123".into());
    let p = Poster::from_record(&r, today()).unwrap();
    let keys: Vec<&str> = p.facts.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "date_of_birth",
            "age_now",
            "age_at_disappearance",
            "sex",
            "height",
            "weight",
            "eyes",
            "hair",
            "marks",
            "missing_since",
            "last_seen"
        ]
    );
    let value = |k: &str| {
        p.facts
            .iter()
            .find(|f| f.key == k)
            .map(|f| f.value.as_str())
    };
    assert_eq!(value("marks"), Some("Tattoo, left arm: ROSE\nScar, XYZQ"));
    assert_eq!(
        value("last_seen"),
        Some("Central bus station, Austin, TX, US")
    );
    assert_eq!(value("height"), Some("168 cm (5 ft 6 in)"));
    assert_eq!(value("weight"), Some("58 kg (128 lb)"));
    let photo = p.photo.as_ref().unwrap();
    assert_eq!(photo.url, "https://photos.example.org/primary.jpg");
    assert_eq!(photo.media_type.as_deref(), Some("image/jpeg"));
    assert_eq!(p.contact.phone.as_deref(), Some("+1 555 0100"));
    assert_eq!(p.contact.ori.as_deref(), Some("TX0101300"));
    assert_eq!(p.contact.case_number.as_deref(), Some("24-001234"));
    assert_eq!(p.contact.nic.as_deref(), Some("M000000123"));
    assert_eq!(p.country.as_deref(), Some("US"));
    assert_eq!(p.record_id, "gmcn-ru.example.org/p.4411");
    assert_eq!(p.generated, today());
    let json = serde_json::to_value(&p).unwrap();
    assert!(!json.to_string().contains("500 Main St"));
    assert_eq!(json["facts"][0]["labels"][0]["lang"], "ru");
    assert_eq!(json["names"][0]["role"], "primary");
}

#[test]
fn headings_follow_grammatical_sex() {
    let mut r = Record::new(Kind::Missing, "S", "es");
    r.names.push(Name {
        full: Some("Lucía Ortega".into()),
        lang: Some("es".into()),
        ..Name::default()
    });
    r.sex = Some(Sex::Female);
    r.birth_dates.push(date("2015-02-03"));
    r.last_contact = Some(date("2025-07-04"));
    let p = Poster::from_record(&r, today()).unwrap();
    assert_eq!(p.heading[0].text, "NIÑA DESAPARECIDA");
    assert_eq!(p.heading[1].text, "MISSING CHILD");
    r.sex = None;
    r.birth_dates = vec![date("1980-02-03")];
    let p = Poster::from_record(&r, today()).unwrap();
    assert_eq!(p.heading[0].text, "PERSONA DESAPARECIDA");
}

#[test]
fn normalizes_language_tags() {
    assert_eq!(normalize_lang("ru-RU").as_deref(), Some("ru"));
    assert_eq!(normalize_lang("PT_br").as_deref(), Some("pt"));
    assert_eq!(normalize_lang("zh-Hans-CN").as_deref(), Some("zh"));
    assert_eq!(normalize_lang("zh-Hant").as_deref(), Some("zh-Hant"));
    assert_eq!(normalize_lang("und"), None);
    assert_eq!(normalize_lang(""), None);
}
