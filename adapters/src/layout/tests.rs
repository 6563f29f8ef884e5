//! Tests of fixed-width layouts, with the example layout shipped in `config/layouts/`.

use std::io::Cursor;

use homeward_schemas::*;

use super::*;
use crate::format::{Format, ReadContext, Registry, write_records};
use crate::item::{Item, ReadItem};
use crate::testdata;

#[derive(serde::Deserialize)]
struct File {
    layouts: Vec<LayoutSpec>,
}

fn example() -> LayoutSpec {
    let path = testdata::workspace_root().join("config/layouts/state-flatfile.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut f: File = toml::from_str(&text).unwrap();
    f.layouts.remove(0)
}

/// A line of the example layout with `values` (column name → value) placed in their columns.
fn line(spec: &LayoutSpec, values: &[(&str, &str)]) -> String {
    let mut chars = vec![' '; spec.width()];
    for (name, v) in values {
        let col = spec.columns.iter().find(|c| c.name == *name).unwrap();
        assert!(v.chars().count() <= col.length, "{name} too wide");
        for (k, ch) in v.chars().enumerate() {
            chars[col.start - 1 + k] = ch;
        }
    }
    chars.into_iter().collect()
}

fn missing_line(spec: &LayoutSpec) -> String {
    line(
        spec,
        &[
            ("CASE-NO", "OK-2024-0017"),
            ("NCIC-NO", "M000000777"),
            ("ORI", "OK0550000"),
            ("REC-TYPE", "M"),
            ("LAST-NAME", "WALKINGSTICK"),
            ("FIRST-NAME", "MARY"),
            ("MIDDLE-NAME", "ANN"),
            ("SEX", "2"),
            ("RACE", "I"),
            ("DOB", "03142009"),
            ("HEIGHT", "503"),
            ("WEIGHT", "110"),
            ("EYES", "BRO"),
            ("HAIR", "BLK"),
            ("DATE-MISSING", "06012024"),
            ("CITY", "TAHLEQUAH"),
            ("STATE", "OK"),
            ("LAT", "35.9154"),
            ("LON", "-94.9701"),
            ("SMT", "TAT L ARM FEATHER"),
            ("STATUS", "A"),
        ],
    )
}

fn read(spec: &LayoutSpec, text: &str) -> Vec<ReadItem> {
    let f = LayoutFormat::new(spec.clone()).unwrap();
    f.reader()
        .read(
            Box::new(Cursor::new(text.as_bytes().to_vec())),
            ReadContext::new("flat.txt"),
        )
        .collect()
}

#[test]
fn the_shipped_example_layout_is_valid() {
    let spec = example();
    assert_eq!(spec.validate(), vec![]);
    assert_eq!(spec.width(), 214);
}

#[test]
fn reads_a_state_flat_file_with_no_code() {
    let spec = example();
    let text = format!("HEADER LINE OF THE EXPORT\n{}\n", missing_line(&spec));
    let items = read(&spec, &text);
    assert_eq!(items.len(), 1, "{items:?}");
    let Item::Entry(r) = &items[0].item else {
        panic!("{:?}", items[0].item)
    };
    assert_eq!(r.id, RecordId::new("OK0550000", "OK-2024-0017"));
    assert_eq!(r.format.as_deref(), Some("layout:state-flatfile"));
    assert_eq!(r.kind, Kind::Missing);
    assert_eq!(r.nic.as_deref(), Some("M000000777"));
    let n = &r.names[0];
    assert_eq!(
        (n.family.as_deref(), n.given.as_deref(), n.middle.as_deref()),
        (Some("WALKINGSTICK"), Some("MARY"), Some("ANN"))
    );
    assert_eq!(r.sex, Some(Sex::Female), "code 2 maps to female");
    assert_eq!(
        r.race,
        Some(Race::AmericanIndian),
        "unmapped value read as an NCIC code"
    );
    assert_eq!(r.birth_dates, vec!["2009-03-14".parse().unwrap()]);
    assert!((r.height_cm.unwrap().min - 63.0 * 2.54).abs() < 1e-9);
    assert!((r.weight_kg.unwrap().min - 110.0 * 0.45359237).abs() < 1e-9);
    assert_eq!(r.eye, Some(EyeColor::Brown));
    assert_eq!(r.hair, Some(HairColor::Black));
    assert_eq!(r.last_contact, Some("2024-06-01".parse().unwrap()));
    let p = r.last_seen.clone().unwrap();
    assert_eq!(
        (p.city.as_deref(), p.region.as_deref(), p.country.as_deref()),
        (Some("TAHLEQUAH"), Some("US-OK"), Some("US"))
    );
    assert_eq!(p.lat, Some(35.9154));
    assert_eq!(r.marks[0].text.as_deref(), Some("FEATHER"));
    assert_eq!(r.status, Status::Active);
    assert_eq!(items[0].position.line, Some(2));
}

#[test]
fn writes_back_the_same_line() {
    let spec = example();
    let original = missing_line(&spec);
    let items = read(&spec, &format!("H\n{original}\n"));
    let Item::Entry(r) = &items[0].item else {
        panic!()
    };
    let f = LayoutFormat::new(spec.clone()).unwrap();
    let mut out = Vec::new();
    let report = write_records(
        &mut *f.writer(&crate::WriteContext::new("t")),
        [&**r],
        &mut out,
    )
    .unwrap();
    assert!(report.losses.is_empty(), "{:?}", report.losses);
    let text = String::from_utf8(out).unwrap();
    let written: Vec<&str> = text.lines().collect();
    assert_eq!(written.len(), 2, "header line and the record");
    assert_eq!(written[1], original);
    let again = read(&spec, &text);
    assert!(matches!(&again[0].item, Item::Entry(b) if **b == **r));
}

#[test]
fn bad_lines_are_rejected_with_column_and_reason_and_the_rest_go_on() {
    let spec = example();
    let good = missing_line(&spec);
    let set = |name: &str, v: &str| {
        let col = spec.columns.iter().find(|c| c.name == name).unwrap();
        let mut chars: Vec<char> = good.chars().collect();
        for k in 0..col.length {
            chars[col.start - 1 + k] = v.chars().nth(k).unwrap_or(' ');
        }
        chars.into_iter().collect::<String>()
    };
    let cases = [
        (set("SEX", "7"), Some("SEX"), "not a known code"),
        (set("DOB", "13452009"), Some("DOB"), "not a date"),
        (
            set("HEIGHT", "5X3"),
            Some("HEIGHT"),
            "feet and two-digit inches",
        ),
        (set("CASE-NO", ""), Some("CASE-NO"), "required"),
        (set("STATE", "QQ"), Some("STATE"), "not a US state"),
        (set("LAT", "123.5"), Some("LAT"), "out of range"),
        (set("REC-TYPE", "Z"), Some("REC-TYPE"), "not a kind"),
        (set("SMT", "XX L ARM"), Some("SMT"), "scar/mark/tattoo"),
        (good[..100].to_string(), None, "214"),
    ];
    let mut text = String::from("HEADER\n");
    for (bad, _, _) in &cases {
        text.push_str(&good);
        text.push('\n');
        text.push_str(bad);
        text.push('\n');
    }
    let items = read(&spec, &text);
    assert_eq!(items.len(), cases.len() * 2);
    for (i, (_, field, reason)) in cases.iter().enumerate() {
        assert!(matches!(items[2 * i].item, Item::Entry(_)));
        let Item::Rejected(r) = &items[2 * i + 1].item else {
            panic!("case {i}: {:?}", items[2 * i + 1].item)
        };
        assert_eq!(r.field.as_deref(), *field, "case {i}");
        assert!(r.reason.contains(reason), "case {i}: {}", r.reason);
        assert_eq!(items[2 * i + 1].position.line, Some(2 * i as u64 + 3));
        if let Some(f) = field {
            let col = spec.columns.iter().find(|c| c.name == *f).unwrap();
            assert_eq!(items[2 * i + 1].position.column, Some(col.start as u64));
        }
    }
}

#[test]
fn declarations_are_validated() {
    let mut spec = example();
    spec.columns[1].start = 5; // overlaps CASE-NO
    spec.columns[2].field = "shoe_size".into();
    spec.columns[9].date_format = Some("%Q".into());
    spec.columns[10].unit = Some("furlong".into());
    spec.columns[3].field = "native_id".into(); // twice
    let errors = spec.validate();
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    for want in [
        "overlaps column `CASE-NO`",
        "unknown field `shoe_size`",
        "date_format `%Q`",
        "height unit `furlong`",
        "filled by two columns",
    ] {
        assert!(
            text.iter().any(|t| t.contains(want)),
            "no error `{want}` in {text:?}"
        );
    }
    let mut reserved = example();
    reserved.name = "ncic".into();
    assert!(LayoutFormat::new(reserved).is_err());
}

#[test]
fn registry_takes_layouts_by_name() {
    let mut reg = Registry::builtin();
    reg.add(std::sync::Arc::new(LayoutFormat::new(example()).unwrap()));
    assert!(reg.get("state-flatfile").is_some());
    assert!(
        reg.get("layout:state-flatfile").is_some(),
        "the record format name finds it too"
    );
    assert!(
        reg.detect(missing_line(&example()).as_bytes()).is_none(),
        "layouts are never guessed"
    );
}

#[test]
fn what_a_layout_cannot_hold_is_reported() {
    let spec = example();
    let mut r = Record::new(Kind::Missing, "OK0550000", "OK-1");
    r.photos.push(Photo {
        url: "https://example.org/p.jpg".into(),
        ..Photo::default()
    });
    r.names.push(Name {
        family: Some("A-VERY-LONG-FAMILY-NAME-INDEED".into()),
        ..Name::default()
    });
    let f = LayoutFormat::new(spec).unwrap();
    let mut out = Vec::new();
    let report = write_records(
        &mut *f.writer(&crate::WriteContext::new("t")),
        [&r],
        &mut out,
    )
    .unwrap();
    let fields: Vec<&str> = report.losses.iter().map(|l| l.field.as_str()).collect();
    assert!(fields.contains(&"photos"), "{fields:?}");
    assert!(fields.contains(&"family_name"), "{fields:?}");
}

#[test]
fn a_code_the_column_does_not_map_is_written_as_a_code_the_reader_takes() {
    // Found by fuzzing: sex `X` (NIEM "other"), read from a one-character SEX column whose codes
    // are 1/2/9, was written as `other` cut to `o`, and the line no longer read back.
    let spec = example();
    let line = missing_line(&spec);
    let col = spec.columns.iter().find(|c| c.name == "SEX").unwrap();
    let mut chars: Vec<char> = line.chars().collect();
    chars[col.start - 1] = 'X';
    let line: String = chars.into_iter().collect();
    let items = read(&spec, &format!("H\n{line}\n"));
    let Item::Entry(r) = &items[0].item else {
        panic!("{items:?}")
    };
    assert_eq!(r.sex, Some(homeward_schemas::Sex::Other));
    let f = LayoutFormat::new(spec.clone()).unwrap();
    let mut out = Vec::new();
    let report = write_records(
        &mut *f.writer(&crate::WriteContext::new("t")),
        [&**r],
        &mut out,
    )
    .unwrap();
    assert!(report.losses.is_empty(), "{:?}", report.losses);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().nth(1), Some(line.as_str()));
    // a code with no short form at all is left out, and said so
    let mut spec = example();
    let col = spec
        .columns
        .iter_mut()
        .find(|c| c.name == "REC-TYPE")
        .unwrap();
    col.codes.clear();
    let f = LayoutFormat::new(spec).unwrap();
    let mut out = Vec::new();
    let report = write_records(
        &mut *f.writer(&crate::WriteContext::new("t")),
        [&**r],
        &mut out,
    )
    .unwrap();
    assert!(
        report
            .losses
            .iter()
            .any(|l| l.field == "kind" && l.detail.starts_with("not written")),
        "{:?}",
        report.losses
    );
}

proptest::proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,300}") {
        let spec = example();
        let items = read(&spec, &format!("H\n{text}"));
        proptest::prop_assert!(items.len() <= text.lines().count());
    }
}
