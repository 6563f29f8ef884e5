//! Synthetic records for tests and benchmarks (never real persons).

use chrono::{DateTime, NaiveDate, Utc};
use homeward_schemas::*;

fn date(s: &str) -> PartialDate {
    s.parse()
        .unwrap_or_else(|_| PartialDate::from_naive(NaiveDate::MIN))
}

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

fn place(city: &str, region: &str) -> Place {
    Place {
        name: Some(format!("near {city} bus station")),
        street: Some("100 Example Street".into()),
        neighborhood: Some("Old Town".into()),
        city: Some(city.into()),
        region: Some(region.into()),
        postal_code: Some("99999".into()),
        country: region.split('-').next().map(str::to_string),
        lat: Some(30.25),
        lon: Some(-97.75),
    }
}

/// A missing-person record with every field the policy can withhold set, in `region`
/// (`US-TX`), born on `birth` (`2012-03-04`) and last seen on `last_contact`.
pub fn full_record(
    source: &str,
    native_id: &str,
    region: &str,
    birth: &str,
    last_contact: &str,
) -> Record {
    let mut r = Record::new(Kind::Missing, source, native_id);
    r.format = Some("canonical".into());
    r.agency = Agency {
        ori: Some(source.into()),
        name: Some("Example County Sheriff".into()),
        code: None,
        country: region.split('-').next().map(str::to_string),
    };
    r.case_number = Some(format!("CASE-{native_id}"));
    r.nic = Some("M123456789".into());
    r.source_updated_at = Some(instant("2026-05-01T10:00:00Z"));
    r.entry_category = None;
    r.names = vec![
        Name {
            given: Some("Testa".into()),
            family: Some("Example".into()),
            ..Name::default()
        },
        Name {
            role: NameRole::Alias,
            full: Some("Tess Example".into()),
            ..Name::default()
        },
    ];
    r.sex = Some(Sex::Female);
    r.race = Some(Race::White);
    r.birth_dates = vec![date(birth)];
    r.birth_year = Some(YearRange {
        min: date(birth).year_value(),
        max: date(birth).year_value(),
    });
    r.age = Some(AgeRange {
        min: 10,
        max: 12,
        as_of: None,
    });
    r.place_of_birth = Some("TX".into());
    r.citizenship = Some("US".into());
    r.height_cm = Some(Range::exact(150.0));
    r.weight_kg = Some(Range {
        min: 40.0,
        max: 45.0,
    });
    r.eye = Some(EyeColor::ALL[0]);
    r.hair = Some(HairColor::ALL[0]);
    r.marks = vec![Mark {
        kind: MarkKind::Tattoo,
        side: Some(Side::Left),
        part: "ARM".into(),
        text: Some("ROSE".into()),
    }];
    r.dental = Some(Dental::AllVirgin);
    r.dental_xrays = Some(true);
    r.body_parts = Some("ALL".into());
    r.blood_type = Some(BloodType::OPos);
    r.circumcision = Some(Circumcision::Unknown);
    r.fingerprint_class = Some("POPOPOPOPOPOPOPOPOPO".into());
    r.fingerprints_available = Some(true);
    r.dna_available = Some(true);
    r.jewellery = vec![Jewellery {
        kind: "RI".into(),
        text: Some("SILVER RING".into()),
    }];
    r.identifiers = vec![OtherIdentifier {
        kind: IdentifierKind::Passport,
        value: "X0000000".into(),
    }];
    r.caution = Some("05".into());
    r.photos = vec![Photo {
        url: "https://photos.example.org/1.jpg".into(),
        primary: true,
        ..Photo::default()
    }];
    r.texts = vec![Text {
        kind: TextKind::Circumstances,
        lang: Some("en".into()),
        text: "Left school on foot; synthetic test case.".into(),
    }];
    r.last_contact = Some(date(last_contact));
    r.last_seen = Some(place("Austin", region));
    r.home = Some(place("Round Rock", region));
    r.notes = vec![Note {
        note_record_id: format!("{source}/note.{native_id}"),
        author_name: Some("Reporter Example".into()),
        author_email: Some("reporter@example.org".into()),
        author_phone: Some("+1 555 0100".into()),
        email_of_found_person: Some("found@example.org".into()),
        phone_of_found_person: Some("+1 555 0101".into()),
        last_known_location: Some("30.25,-97.75".into()),
        text: Some("Seen near the library.".into()),
        photo_url: Some("https://photos.example.org/2.jpg".into()),
        ..Note::default()
    }];
    r.provenance = Provenance {
        author_name: Some("Desk Officer".into()),
        author_email: Some("desk@example.org".into()),
        author_phone: Some("+1 555 0199".into()),
        source_name: Some("Example County".into()),
        ..Provenance::default()
    };
    r.extra = vec![Extra {
        format: "ncic".into(),
        key: "XYZ".into(),
        value: "kept verbatim".into(),
    }];
    r
}

/// `n` synthetic records from `source`: missing children and adults in Texas, some
/// unidentified, varied enough to exercise the policy.
pub fn synthetic_records(source: &str, n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let birth_year = if i % 3 == 0 { 1980 } else { 2012 };
            let mut r = full_record(
                source,
                &format!("M{i:09}"),
                if i % 5 == 0 { "US-OK" } else { "US-TX" },
                &format!("{birth_year}-0{}-1{}", 1 + i % 9, i % 10),
                "2026-03-01",
            );
            if i % 7 == 3 {
                r.kind = Kind::Unidentified;
                r.last_contact = None;
                r.found_date = Some(date("2026-02-01"));
                r.found_place = r.last_seen.take();
            }
            r.names[0].given = Some(format!("Testa{i}"));
            r
        })
        .collect()
}
