//! Helpers shared by the adapters' integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use homeward_adapters::testdata::{shared_dir, workspace_root};
use homeward_adapters::{Item, Loss, ReadContext, ReadItem, Registry, WriteContext};
use homeward_schemas::*;

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 2, 10, 0, 0)
        .single()
        .expect("time")
}

/// Reads `bytes` with format `name`.
pub fn read(name: &str, bytes: &[u8], source: Option<&str>) -> Vec<ReadItem> {
    let f = Registry::builtin().get(name).expect("format");
    let mut ctx = ReadContext::new("test");
    ctx.source = source.map(str::to_string);
    ctx.received_at = now();
    f.reader().read(Box::new(bytes), ctx).collect()
}

/// Entries and transactions of `items`; panics on a rejection.
pub fn accepted(items: Vec<ReadItem>) -> (Vec<Record>, Vec<Transaction>) {
    let mut r = Vec::new();
    let mut tx = Vec::new();
    for i in items {
        match i.item {
            Item::Entry(e) => r.push(*e),
            Item::Transaction(x) => tx.push(*x),
            Item::Rejected(rej) => {
                panic!("rejected at {}: {:?} {}", i.position, rej.field, rej.reason)
            }
        }
    }
    (r, tx)
}

/// One thing to write.
pub enum Out<'a> {
    R(&'a Record),
    T(&'a Transaction),
}

/// Writes `items` as one document of format `name` from `sender`.
pub fn write(name: &str, sender: &str, items: &[Out<'_>]) -> (Vec<u8>, Vec<Loss>) {
    let f = Registry::builtin().get(name).expect("format");
    let mut ctx = WriteContext::new(sender);
    ctx.now = now();
    let mut w = f.writer(&ctx);
    let mut out = Vec::new();
    let mut losses = Vec::new();
    w.begin(&mut out).expect("begin");
    for i in items {
        match i {
            Out::R(r) => losses.extend(w.record(&mut out, r).expect("record")),
            Out::T(t) => losses.extend(w.transaction(&mut out, t).expect("transaction")),
        }
    }
    w.finish(&mut out).expect("finish");
    (out, losses)
}

/// What the store does to a record when a transaction is applied, as far as these tests need.
pub fn apply(records: &mut [Record], t: &Transaction) {
    let Some(r) = records
        .iter_mut()
        .find(|r| r.id.native_id == t.target.native_id && r.id.source == t.target.source)
    else {
        panic!("transaction on unknown record {:?}", t.target)
    };
    let status = match &t.action {
        Action::Locate => Status::Located,
        Action::Cancel => Status::Cancelled,
        Action::Clear { .. } => Status::Cleared,
        Action::Modify { patch, .. } => {
            *r = (**patch).clone();
            return;
        }
        Action::Note { note } => {
            r.notes.push((**note).clone());
            return;
        }
        Action::Expire { expiry_date } => {
            r.status = Status::Expired;
            r.expiry_date = Some(*expiry_date);
            r.strip_personal_data();
            return;
        }
    };
    r.status = status;
    r.status_history.push(StatusEvent {
        status,
        date: t.date,
        applied_at: None,
        reason: t.reason,
        by: t.by.clone(),
        note_record_id: None,
    });
}

/// Records with `received_at` cleared, for comparison.
pub fn norm(mut v: Vec<Record>) -> Vec<Record> {
    for r in &mut v {
        r.received_at = None;
    }
    v
}

/// Runs xmllint with `args` on `files` (many per call: loading schemas is slow); panics with
/// xmllint's output when a file does not validate, or when xmllint is missing.
pub fn xmllint(args: &[&str], files: &[PathBuf]) {
    assert!(!files.is_empty(), "nothing to validate");
    for chunk in files.chunks(200) {
        let out = Command::new("xmllint")
            .arg("--noout")
            .args(args)
            .args(chunk)
            .current_dir(workspace_root())
            .output()
            .unwrap_or_else(|e| {
                panic!("xmllint could not be run ({e}): install libxml2-utils (apt-get install libxml2-utils); .ci/run installs it")
            });
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "xmllint {args:?} failed:\n{}",
            stderr
                .lines()
                .filter(|l| !l.ends_with(" validates"))
                .take(40)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

pub fn ch_xsd() -> PathBuf {
    workspace_root().join("schemas/xsd/clearinghouse/clearinghouse.xsd")
}

pub fn jxdm_xsd() -> PathBuf {
    shared_dir().join("niem-5.2/xsd/domains/jxdm.xsd")
}

pub fn pfif_rng() -> PathBuf {
    shared_dir().join("formats/pfif-1.4.rng")
}

/// Every `j:MissingPerson` of a document we wrote, as standalone documents.
pub fn missing_persons(doc: &str) -> Vec<String> {
    let ns = "xmlns:nc=\"http://release.niem.gov/niem/niem-core/5.0/\" xmlns:j=\"http://release.niem.gov/niem/domains/jxdm/7.2/\" xmlns:iso_3166=\"http://release.niem.gov/niem/codes/iso_3166-1/5.0/\"";
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(a) = rest.find("<j:MissingPerson>") {
        let Some(b) = rest[a..].find("</j:MissingPerson>") else {
            break;
        };
        let end = a + b + "</j:MissingPerson>".len();
        let el = &rest[a..end];
        out.push(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<j:MissingPerson {ns}>{}",
            &el["<j:MissingPerson>".len()..]
        ));
        rest = &rest[end..];
    }
    out
}

/// A PFIF Atom feed we wrote, as a `pfif:pfif` document (Atom entries unwrapped).
pub fn unwrap_atom(doc: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">\n",
    );
    let mut rest = doc;
    while let Some(a) = rest.find("<entry>") {
        let Some(b) = rest[a..].find("</entry>") else {
            break;
        };
        let entry = &rest[a..a + b];
        for tag in ["pfif:person", "pfif:note"] {
            let open = format!("<{tag}>");
            let close = format!("</{tag}>");
            if let Some(s) = entry.find(&open)
                && let Some(e) = entry.rfind(&close)
            {
                // a person's nested notes stay inside it
                if tag == "pfif:note" && entry.contains("<pfif:person>") {
                    continue;
                }
                out.push_str(&entry[s..e + close.len()]);
                out.push('\n');
            }
        }
        rest = &rest[a + b + "</entry>".len()..];
    }
    out.push_str("</pfif:pfif>\n");
    out
}

/// Writes `docs` into `dir` as `prefix-N.xml` and returns the paths.
pub fn save(dir: &Path, prefix: &str, docs: &[String]) -> Vec<PathBuf> {
    docs.iter()
        .enumerate()
        .map(|(i, d)| {
            let p = dir.join(format!("{prefix}-{i}.xml"));
            std::fs::write(&p, d).expect("write");
            p
        })
        .collect()
}

/// A record of `kind` with every canonical field set (values each format can hold where one
/// can, so losses are what the format truly lacks).
pub fn full_record(kind: Kind, source: &str, native_id: &str) -> Record {
    let mut r = Record::new(kind, source, native_id);
    r.agency = Agency {
        ori: Some("TX0101300".into()),
        name: Some("Austin PD".into()),
        code: Some("MX-PGR".into()),
        country: Some("MX".into()),
    };
    r.case_number = Some("2026-0042".into());
    r.nic = Some("M123456789".into());
    r.source_updated_at = Some(t("2026-04-30T12:00:00Z"));
    r.entry_category = Some(EntryCategory::Juvenile);
    r.condition = Some(Condition::Deceased);
    r.missing_type = Some(MissingType::MissingPerson);
    r.circumstance = Some(Circumstance::Runaway);
    r.case_category = Some(CaseCategory::Runaway);
    r.names = vec![
        Name {
            full: Some("Евгения Захарова".into()),
            given: Some("Евгения".into()),
            family: Some("Захарова".into()),
            lang: Some("ru".into()),
            latin: Some(LatinName {
                full: Some("Evgeniia Zakharova".into()),
                given: Some("Evgeniia".into()),
                family: Some("Zakharova".into()),
                computed: false,
            }),
            ..Name::default()
        },
        Name {
            role: NameRole::Alias,
            given: Some("Jenny".into()),
            middle: Some("Q".into()),
            family: Some("Zak".into()),
            suffix: Some("JR".into()),
            ..Name::default()
        },
    ];
    r.sex = Some(Sex::Female);
    r.race = Some(Race::White);
    r.ethnicity = Some(Ethnicity::NotHispanic);
    r.birth_dates = vec![
        "2010-07-24".parse().expect("date"),
        "2010-07".parse().expect("date"),
    ];
    r.birth_year = Some(YearRange {
        min: 2009,
        max: 2011,
    });
    r.age = Some(AgeRange {
        min: 14,
        max: 16,
        as_of: None,
    });
    r.place_of_birth = Some("RU".into());
    r.citizenship = Some("RU".into());
    r.height_cm = Some(Range::exact(160.0));
    r.weight_kg = Some(Range::exact(50.0));
    r.eye = Some(EyeColor::Blue);
    r.hair = Some(HairColor::Blond);
    r.skin = Some(SkinTone::Fair);
    r.marks = vec![
        Mark {
            kind: MarkKind::Tattoo,
            side: Some(Side::Left),
            part: "ARM".into(),
            text: Some("ROSE & <3".into()),
        },
        Mark {
            kind: MarkKind::Piercing,
            side: None,
            part: "NAVL".into(),
            text: None,
        },
    ];
    r.dental = Some(Dental::AllVirgin);
    r.dental_xrays = Some(true);
    r.body_parts = Some("ALL".into());
    r.blood_type = Some(BloodType::APos);
    r.circumcision = Some(Circumcision::Unknown);
    r.fingerprint_class = Some("PMPMPMPMPMPMPMPMPMPM".into());
    r.fingerprints_available = Some(true);
    r.dna_available = Some(false);
    r.jewellery = vec![Jewellery {
        kind: "RI".into(),
        text: Some("GOLD".into()),
    }];
    r.identifiers = vec![OtherIdentifier {
        kind: IdentifierKind::Passport,
        value: "X123".into(),
    }];
    r.caution = Some("05".into());
    r.photos = vec![
        Photo {
            url: "https://example.org/p/1.jpg".into(),
            primary: true,
            ..Photo::default()
        },
        Photo {
            url: "https://example.org/p/2.jpg".into(),
            sha256: Some("a".repeat(64)),
            media_type: Some("image/jpeg".into()),
            taken: Some("2025-01-02".parse().expect("date")),
            primary: false,
        },
    ];
    r.texts = vec![
        Text {
            kind: TextKind::Description,
            lang: None,
            text: "Small scar; \"shy\".".into(),
        },
        Text {
            kind: TextKind::Description,
            lang: Some("ru".into()),
            text: "Застенчивая".into(),
        },
        Text {
            kind: TextKind::Circumstances,
            lang: Some("en".into()),
            text: "Left school at 3pm.".into(),
        },
        Text {
            kind: TextKind::Remarks,
            lang: None,
            text: "REMARKS".into(),
        },
    ];
    r.last_contact = Some("2026-01-10".parse().expect("date"));
    r.found_date = Some("2026-02".parse().expect("date"));
    r.estimated_death = Some("2026".parse().expect("date"));
    r.death_date = Some("2026-02-01".parse().expect("date"));
    let place = |city: &str| Place {
        name: None,
        street: None,
        neighborhood: None,
        city: Some(city.into()),
        region: Some("US-TX".into()),
        postal_code: Some("78701".into()),
        country: Some("US".into()),
        lat: Some(30.2672),
        lon: Some(-97.7431),
    };
    r.last_seen = Some(place("Austin"));
    r.found_place = Some(place("Dallas"));
    r.death_place = Some(place("Houston"));
    r.home = Some(Place {
        street: Some("1 Main St".into()),
        neighborhood: Some("Downtown".into()),
        city: Some("Austin".into()),
        region: Some("US-TX".into()),
        postal_code: Some("78701".into()),
        country: Some("US".into()),
        ..Place::default()
    });
    r.notes = vec![Note {
        note_record_id: format!("{source}/note.1"),
        linked_person_record_id: Some(format!("{source}/person.9")),
        entry_date: Some(t("2026-04-01T00:00:00Z")),
        author_name: Some("Desk".into()),
        author_email: Some("desk@example.org".into()),
        author_phone: Some("+1 555 0100".into()),
        source_date: Some(t("2026-04-01T00:00:00Z")),
        author_made_contact: Some(false),
        status: Some(NoteStatus::BelievedMissing),
        email_of_found_person: None,
        phone_of_found_person: None,
        last_known_location: Some("30.2672,-97.7431".into()),
        text: Some("Reported missing.".into()),
        photo_url: None,
    }];
    r.linked_records = vec![format!("{source}/person.9")];
    r.identified_as = Some("M000000001".into());
    r.expiry_date = Some(t("2030-01-01T00:00:00Z"));
    r.provenance = Provenance {
        author_name: Some("Desk".into()),
        author_email: Some("desk@example.org".into()),
        author_phone: Some("+1 555 0100".into()),
        source_name: Some("Example".into()),
        source_url: Some("https://example.org/case/1".into()),
        entry_date: Some(t("2026-04-30T12:00:00Z")),
        profile_urls: Some("https://example.org/u/1".into()),
    };
    r.extra = vec![
        Extra {
            format: "xml".into(),
            key: "j:MissingPerson/j:Custom".into(),
            value: "x".into(),
        },
        Extra {
            format: "pfif".into(),
            key: "gmcn:custom".into(),
            value: "y".into(),
        },
        Extra {
            format: "ncic".into(),
            key: "ZZZ".into(),
            value: "z".into(),
        },
    ];
    r
}
