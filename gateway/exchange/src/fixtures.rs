//! Synthetic records for tests and benchmarks (never real persons).

use chrono::{DateTime, NaiveDate, Utc};
use homeward_schemas::*;

/// CPU time of this process (user + system, all threads) from `/proc/self/stat`, where there
/// is one (Linux): the figure of benchmarks that holds on a loaded machine, where wall time
/// includes waiting for a core.
pub fn process_cpu_time() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // the fields after the command name (which ends with the last ')'): utime is the 12th,
    // stime the 13th
    let f: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux
    Some(std::time::Duration::from_millis(ticks * 10))
}

/// The machine's CPU time so far as `(stolen, all)` clock ticks, summed over its CPUs, from
/// the first line of `/proc/stat`: time a virtual machine's CPUs were ready to run but the
/// hypervisor ran something else, and all time. Two readings give the share of a
/// measurement's wall time the machine lost to its neighbours, which a benchmark reports
/// next to its figures. `None` where `/proc/stat` cannot be read.
pub fn machine_steal_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    let mut f = line.split_whitespace();
    if f.next()? != "cpu" {
        return None;
    }
    // user nice system idle iowait irq softirq steal (guest time is counted in user)
    let v: Vec<u64> = f.take(8).filter_map(|x| x.parse().ok()).collect();
    if v.len() < 8 {
        return None;
    }
    Some((v[7], v.iter().sum()))
}

/// The share (percent) of machine time stolen between two [`machine_steal_ticks`] readings.
pub fn steal_percent(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((s0, t0), (s1, t1)) = (before?, after?);
    let all = t1.checked_sub(t0)?;
    (all > 0).then(|| 100.0 * s1.saturating_sub(s0) as f64 / all as f64)
}

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
        entry_date: Some(instant("2026-04-01T09:00:00Z")),
        source_date: Some(instant("2026-04-01T09:00:00Z")),
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

/// `n` records shaped like the state NCIC files of `shared/samples/world-small`: a name,
/// sex, race, date of birth, height, weight, eye and hair colour, sometimes a mark or a dental
/// chart, the missing-person type, date of last contact and where, with coordinates
/// (about 700 bytes of canonical JSON each).
pub fn typical_records(source: &str, n: usize) -> Vec<Record> {
    const GIVEN: [&str; 6] = ["Meagan", "Tammy", "Susan", "Diego", "Amara", "Lin"];
    const FAMILY: [&str; 6] = ["Willyams", "Roberc", "Gomez", "Okafor", "Haddad", "Nguyen"];
    (0..n)
        .map(|i| {
            let mut r = Record::new(Kind::Missing, source, format!("M{:09}", 100_000 + i));
            r.format = Some("ncic".into());
            r.agency.ori = Some(source.into());
            r.case_number = Some(format!("{i}-{:06}", i));
            r.nic = Some(format!("M{:09}", 100_000 + i));
            r.names = vec![Name {
                given: Some(GIVEN[i % 6].into()),
                family: Some(FAMILY[(i / 6) % 6].to_uppercase()),
                middle: (i % 4 == 0).then(|| "JENNIFER".into()),
                ..Name::default()
            }];
            r.sex = Some(if i % 2 == 0 { Sex::Female } else { Sex::Male });
            r.race = Some(Race::ALL[i % 5]);
            r.birth_dates = vec![date(&format!(
                "{}-{:02}-{:02}",
                1970 + i % 45,
                1 + i % 12,
                1 + i % 28
            ))];
            r.height_cm = Some(Range::exact(150.0 + (i % 40) as f64));
            r.weight_kg = (i % 3 != 0).then(|| Range::exact(50.0 + (i % 45) as f64));
            r.eye = Some(EyeColor::ALL[i % 5]);
            r.hair = Some(HairColor::ALL[i % 6]);
            if i % 3 == 0 {
                r.marks = vec![Mark {
                    kind: MarkKind::Tattoo,
                    side: Some(Side::Left),
                    part: "ARM".into(),
                    text: Some("DRAGON".into()),
                }];
            }
            if i % 10 == 0 {
                r.dental = Dental::parse(
                    "V,/,X,V,/,V,X,/,V,X,V,V,V,V,V,V,V,ODL,X,V,C,V,V,V,OF,V,V,/,/,/,V,V",
                )
                .ok();
            }
            r.missing_type = Some(MissingType::MissingPerson);
            r.last_contact = Some(date(&format!(
                "20{:02}-{:02}-{:02}",
                15 + i % 11,
                1 + i % 12,
                1 + i % 28
            )));
            r.last_seen = Some(Place {
                city: Some("LAKE CAMERON".into()),
                region: Some("US-AL".into()),
                country: Some("US".into()),
                lat: Some(32.8 + (i % 100) as f64 / 1000.0),
                lon: Some(-86.79 - (i % 100) as f64 / 1000.0),
                ..Place::default()
            });
            r
        })
        .collect()
}
