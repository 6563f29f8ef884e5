//! Tests of the NCIC reader and writer: every message key, every field, units, ranges,
//! repeated fields, round trips on the sample world, malformed lines, and no panics.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

use homeward_schemas::*;

use super::*;
use crate::format::{Limits, ReadContext, Reader, Writer, write_records};
use crate::item::{Item, ReadItem};
use crate::testdata;

fn read_str(s: &str) -> Vec<ReadItem> {
    read_ctx(s, ReadContext::new("test"))
}

fn read_ctx(s: &str, ctx: ReadContext) -> Vec<ReadItem> {
    NcicReader
        .read(Box::new(Cursor::new(s.as_bytes().to_vec())), ctx)
        .collect()
}

fn one_entry(line: &str) -> Record {
    let items = read_str(line);
    assert_eq!(items.len(), 1, "{items:?}");
    match &items[0].item {
        Item::Entry(r) => (**r).clone(),
        other => panic!("expected an entry from {line}, got {other:?}"),
    }
}

fn one_transaction(line: &str) -> Transaction {
    let items = read_str(line);
    assert_eq!(items.len(), 1, "{items:?}");
    match &items[0].item {
        Item::Transaction(t) => (**t).clone(),
        other => panic!("expected a transaction from {line}, got {other:?}"),
    }
}

fn rejection(line: &str) -> (Option<String>, String, Option<u64>) {
    let items = read_str(line);
    assert_eq!(items.len(), 1, "{items:?}");
    match &items[0].item {
        Item::Rejected(r) => (r.field.clone(), r.reason.clone(), items[0].position.column),
        other => panic!("expected a rejection of {line}, got {other:?}"),
    }
}

const MISSING_FULL: &str = "1N01HEADER.EMJ.TX0101300.NIC/M000000123.OCA/24-001234.NAM/SMITH, JOHN JAMES JR.AKA/SMITH, JACK.AKA/JONES, JOHNNY.SEX/M.RAC/W.ETN/N.POB/TX.DOB/20110312.DOB/20110321.HGT/410.WGT/082.EYE/BRO.HAI/BLN.SKN/FAR.SMT/SC R HND.SMT/TAT L ARM ROSE.FPC/PO1213141516171819PI.MNU/PP-123456789.SOC/123456789.CTZ/US.MNP/CA.MPC/N.DLC/20250102.BLT/APOS.CRC/U.JWT/RI.JWT/WA SILVER.DCH/ALL.DXR/Y.CMC/05.LOC/SPRINGFIELD, IL @394653N0893900W.MIS/LAST SEEN WEARING RED HOODIE";

const UNIDENTIFIED_FULL: &str = "1N01HEADER.EUD.AZ0070000.NIC/U000000042.OCA/ME-24-77.SEX/M.RAC/W.ETN/U.EYB/1973-1979.HGT/508-511.WGT/150-180.EYE/XXX.HAI/BRO.SKN/MED.SMT/SC L THGH.FPC/AA0102030405060708XX.BPS/NNNNNNNNNNNNNN.DBF/20240315.EDD/20240301.BLT/ONEG.CRC/C.JWT/NE GOLD CROSS.DCH/V,V,X,MO,V,V,V,V,V,V,V,V,V,V,C,X,/,/,V,V,V,V,V,V,V,V,V,V,MOD,V,V,X.DXR/N.LOC/UNKNOWN, AZ @332654N1120424W.MIS/FOUND NEAR I-10";

#[test]
fn every_field_of_a_missing_entry() {
    let r = one_entry(MISSING_FULL);
    assert_eq!(r.kind, Kind::Missing);
    assert_eq!(r.id, RecordId::new("TX0101300", "M000000123"));
    assert_eq!(r.format.as_deref(), Some("ncic"));
    assert_eq!(r.entry_category, Some(EntryCategory::Juvenile));
    assert_eq!(r.agency.ori.as_deref(), Some("TX0101300"));
    assert_eq!(r.nic.as_deref(), Some("M000000123"));
    assert_eq!(r.case_number.as_deref(), Some("24-001234"));
    assert_eq!(r.names.len(), 3);
    let n = &r.names[0];
    assert_eq!(n.role, NameRole::Primary);
    assert_eq!(
        (
            n.family.as_deref(),
            n.given.as_deref(),
            n.middle.as_deref(),
            n.suffix.as_deref()
        ),
        (Some("SMITH"), Some("JOHN"), Some("JAMES"), Some("JR"))
    );
    assert_eq!(r.names[1].role, NameRole::Alias);
    assert_eq!(r.names[2].given.as_deref(), Some("JOHNNY"));
    assert_eq!(r.sex, Some(Sex::Male));
    assert_eq!(r.race, Some(Race::White));
    assert_eq!(r.ethnicity, Some(Ethnicity::NotHispanic));
    assert_eq!(r.place_of_birth.as_deref(), Some("TX"));
    assert_eq!(
        r.birth_dates,
        vec![
            "2011-03-12".parse::<PartialDate>().unwrap(),
            "2011-03-21".parse().unwrap()
        ]
    );
    let h = r.height_cm.unwrap();
    assert!(
        h.is_exact() && (h.min - 147.32).abs() < 1e-9,
        "4 ft 10 in = 58 in = 147.32 cm: {h:?}"
    );
    let w = r.weight_kg.unwrap();
    assert!((w.min - 82.0 * 0.45359237).abs() < 1e-9);
    assert_eq!(r.eye, Some(EyeColor::Brown));
    assert_eq!(r.hair, Some(HairColor::Blond));
    assert_eq!(r.skin, Some(SkinTone::Fair));
    assert_eq!(
        r.marks,
        vec![
            Mark {
                kind: MarkKind::Scar,
                side: Some(Side::Right),
                part: "HND".into(),
                text: None
            },
            Mark {
                kind: MarkKind::Tattoo,
                side: Some(Side::Left),
                part: "ARM".into(),
                text: Some("ROSE".into())
            },
        ]
    );
    assert_eq!(r.fingerprint_class.as_deref(), Some("PO1213141516171819PI"));
    assert_eq!(
        r.identifiers,
        vec![
            OtherIdentifier {
                kind: IdentifierKind::Passport,
                value: "123456789".into()
            },
            OtherIdentifier {
                kind: IdentifierKind::SocialSecurity,
                value: "123456789".into()
            },
        ]
    );
    assert_eq!(r.citizenship.as_deref(), Some("US"));
    assert_eq!(r.missing_type, Some(MissingType::ChildAbduction));
    assert_eq!(r.circumstance, Some(Circumstance::NonCustodialParent));
    assert_eq!(r.last_contact, Some("2025-01-02".parse().unwrap()));
    assert_eq!(r.blood_type, Some(BloodType::APos));
    assert_eq!(r.circumcision, Some(Circumcision::Unknown));
    assert_eq!(
        r.jewellery,
        vec![
            Jewellery {
                kind: "RI".into(),
                text: None
            },
            Jewellery {
                kind: "WA".into(),
                text: Some("SILVER".into())
            }
        ]
    );
    assert_eq!(r.dental, Some(Dental::AllVirgin));
    assert_eq!(r.dental_xrays, Some(true));
    assert_eq!(r.caution.as_deref(), Some("05"));
    let loc = r.last_seen.clone().unwrap();
    assert_eq!(loc.city.as_deref(), Some("SPRINGFIELD"));
    assert_eq!(loc.region.as_deref(), Some("US-IL"));
    assert_eq!(loc.country.as_deref(), Some("US"));
    assert!((loc.lat.unwrap() - (39.0 + 46.0 / 60.0 + 53.0 / 3600.0)).abs() < 1e-9);
    assert!((loc.lon.unwrap() + (89.0 + 39.0 / 60.0)).abs() < 1e-9);
    assert_eq!(r.texts[0].kind, TextKind::Remarks);
    assert_eq!(r.texts[0].text, "LAST SEEN WEARING RED HOODIE");
    assert_eq!(r.status, Status::Active);
    assert!(r.extra.is_empty());
}

#[test]
fn every_field_of_an_unidentified_entry() {
    let r = one_entry(UNIDENTIFIED_FULL);
    assert_eq!(r.kind, Kind::Unidentified);
    assert_eq!(r.condition, Some(Condition::Deceased));
    assert_eq!(r.id.native_id, "U000000042");
    assert_eq!(
        r.birth_year,
        Some(YearRange {
            min: 1973,
            max: 1979
        })
    );
    let h = r.height_cm.unwrap();
    assert!((h.min - 68.0 * 2.54).abs() < 1e-9 && (h.max - 71.0 * 2.54).abs() < 1e-9);
    let w = r.weight_kg.unwrap();
    assert!((w.min - 150.0 * 0.45359237).abs() < 1e-9 && (w.max - 180.0 * 0.45359237).abs() < 1e-9);
    assert_eq!(r.eye, Some(EyeColor::Unknown));
    assert_eq!(r.body_parts.as_deref(), Some("NNNNNNNNNNNNNN"));
    assert_eq!(r.found_date, Some("2024-03-15".parse().unwrap()));
    assert_eq!(r.estimated_death, Some("2024-03-01".parse().unwrap()));
    assert_eq!(r.blood_type, Some(BloodType::ONeg));
    assert_eq!(r.circumcision, Some(Circumcision::Circumcised));
    assert_eq!(
        r.dental.as_ref().and_then(|d| d.tooth(29)),
        Some(Tooth::Restored("MOD".into()))
    );
    assert_eq!(
        r.dental.as_ref().and_then(|d| d.tooth(3)),
        Some(Tooth::Missing)
    );
    assert_eq!(r.dental_xrays, Some(false));
    let p = r.found_place.clone().unwrap();
    assert_eq!(p.city, None, "UNKNOWN city reads as absent");
    assert_eq!(p.region.as_deref(), Some("US-AZ"));
    assert!(r.last_seen.is_none());
    assert_eq!(r.texts[0].text, "FOUND NEAR I-10");
}

#[test]
fn units_convert_exactly() {
    let r = one_entry(
        "1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.WGT/146.DLC/20200101",
    );
    assert!(
        (r.height_cm.unwrap().min - 177.8).abs() < 1e-9,
        "HGT 510 = 5 ft 10 in = 177.8 cm"
    );
    assert!((r.weight_kg.unwrap().min - 66.224_486_02).abs() < 1e-6);
}

#[test]
fn every_entry_key_maps_to_its_category() {
    for (mke, cat) in [
        ("EMD", EntryCategory::Disability),
        ("EME", EntryCategory::Endangered),
        ("EMI", EntryCategory::Involuntary),
        ("EMJ", EntryCategory::Juvenile),
        ("EMV", EntryCategory::CatastropheVictim),
        ("EMO", EntryCategory::Other),
    ] {
        let r = one_entry(&format!(
            "1N01HEADER.{mke}.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.DLC/20200101"
        ));
        assert_eq!(
            (r.kind, r.entry_category),
            (Kind::Missing, Some(cat)),
            "{mke}"
        );
    }
    for (mke, cond) in [
        ("EUD", Condition::Deceased),
        ("EUL", Condition::Living),
        ("EUV", Condition::CatastropheVictim),
    ] {
        let r = one_entry(&format!(
            "1N01HEADER.{mke}.TX0101300.NIC/U000000001.OCA/1.SEX/U.RAC/U.HGT/500-510.DBF/20200101"
        ));
        assert_eq!(
            (r.kind, r.condition),
            (Kind::Unidentified, Some(cond)),
            "{mke}"
        );
    }
}

#[test]
fn every_transaction_key() {
    let mm =
        one_transaction("1N01HEADER.MM.TX0101300.NIC/M000000123.NAM/SMITH, JOHN.WGT/090.HAI/BRO");
    assert_eq!(mm.target.native_id, "M000000123");
    assert_eq!(mm.target.source, "TX0101300");
    assert_eq!(mm.target.name.as_deref(), Some("SMITH, JOHN"));
    match &mm.action {
        Action::Modify { patch, full } => {
            assert!(!full);
            assert!((patch.weight_kg.unwrap().min - 90.0 * 0.45359237).abs() < 1e-9);
            assert_eq!(patch.hair, Some(HairColor::Brown));
            assert!(patch.names.is_empty(), "NAM identifies, it does not modify");
        }
        a => panic!("{a:?}"),
    }
    let xm = one_transaction("1N01HEADER.XM.TX0101300.NIC/M000000123.OCA/24-001234");
    assert_eq!(
        (xm.action.clone(), xm.target.case_number.as_deref()),
        (Action::Cancel, Some("24-001234"))
    );
    let lm = one_transaction(
        "1N01HEADER.LM.NY0303000.NIC/M000000123.NAM/SMITH, JOHN.DOR/20250110.RPS/LOCATED",
    );
    assert_eq!(lm.action, Action::Locate);
    assert_eq!(lm.date, Some("2025-01-10".parse().unwrap()));
    assert_eq!(lm.reason, Some(StatusReason::Located));
    assert_eq!(lm.by.as_deref(), Some("NY0303000"));
    let cm = one_transaction(
        "1N01HEADER.CM.TX0101300.NIC/M000000123.OCA/24-001234.DCL/20250111.RPS/VOL RETURN",
    );
    assert!(matches!(cm.action, Action::Clear { .. }));
    assert_eq!(cm.reason, Some(StatusReason::VoluntaryReturn));
    let mu = one_transaction("1N01HEADER.MU.AZ0070000.NIC/U000000042.OCA/ME-24-77.DCH/UNK");
    assert_eq!(mu.target.kind, Some(Kind::Unidentified));
    assert!(
        matches!(&mu.action, Action::Modify { patch, .. } if patch.dental == Some(Dental::Unknown))
    );
    let xu = one_transaction("1N01HEADER.XU.AZ0070000.NIC/U000000042.OCA/ME-24-77");
    assert_eq!(xu.action, Action::Cancel);
    let cu = one_transaction(
        "1N01HEADER.CU.AZ0070000.NIC/U000000042.OCA/ME-24-77.DCL/20250301.RPS/IDENTIFIED.IDN/M000000123.NAM/SMITH, JOHN",
    );
    match &cu.action {
        Action::Clear {
            identified_as,
            identified_name,
        } => {
            assert_eq!(identified_as.as_deref(), Some("M000000123"));
            assert_eq!(
                identified_name
                    .as_ref()
                    .and_then(|n| n.family.clone())
                    .as_deref(),
                Some("SMITH")
            );
        }
        a => panic!("{a:?}"),
    }
    assert_eq!(cu.reason, Some(StatusReason::Identified));
}

#[test]
fn unknown_fields_are_kept_and_written_back() {
    let line = "1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.DLC/20200101.ZZQ/SOMETHING ELSE.VEH/ABC123";
    let items = read_str(line);
    let Item::Entry(r) = &items[0].item else {
        panic!()
    };
    assert_eq!(r.extra.len(), 2);
    assert_eq!(r.extra[0].key, "ZZQ");
    assert_eq!(items[0].warnings.len(), 2, "unknown MFCs are warnings");
    let (lines, losses) = NcicWriter.record_lines(r);
    assert!(losses.is_empty(), "{losses:?}");
    assert_eq!(field_set(&lines[0]), field_set(line));
}

#[test]
fn headers_comments_blank_lines_and_crlf() {
    let text = "# an annotated sample\r\n\r\n1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.DLC/20200101.\r\n   \n1N01HEADER.EMO.TX0101300.NIC/M000000002.OCA/2..NAM/DOE, JOHN.SEX/M.RAC/W.HGT/600.DLC/20200101";
    let items = read_str(text);
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| matches!(i.item, Item::Entry(_))));
    assert_eq!(items[0].position.line, Some(3));
    assert_eq!(items[1].position.line, Some(5));
    assert_eq!(
        items[1].position.byte_offset,
        Some(
            text.find("1N01HEADER.EMO.TX0101300.NIC/M000000002")
                .unwrap() as u64
        )
    );
    assert!(!items[0].raw.ends_with(b"\r"));
}

#[test]
fn source_override_and_native_id_without_nic() {
    let mut ctx = ReadContext::new("t");
    ctx.source = Some("TX-STATE".into());
    let items = read_ctx(
        "1N01HEADER.EMO.TX0101300.OCA/24-9.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.DLC/20200101",
        ctx,
    );
    let Item::Entry(r) = &items[0].item else {
        panic!("{items:?}")
    };
    assert_eq!(
        r.id,
        RecordId::new("TX-STATE", "24-9"),
        "no NIC: the case number names it"
    );
}

/// Malformed lines: each rejected with its field and reason; the other lines of the file go on.
#[test]
fn malformed_lines_are_rejected_with_field_and_reason() {
    let ok = "1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.DLC/20200101";
    let base_u =
        "1N01HEADER.EUD.AZ0070000.NIC/U000000042.OCA/ME-1.SEX/M.RAC/W.HGT/508-511.DBF/20240315";
    let cases: Vec<(String, Option<&str>, &str)> = vec![
        (
            "2N01HEADER.EMO.TX0101300.NIC/M000000001".into(),
            Some("HEADER"),
            "header",
        ),
        ("1N01HEADER".into(), Some("MKE"), "missing"),
        (
            "1N01HEADER.EMZ.TX0101300.NIC/M000000001".into(),
            Some("MKE"),
            "not a message key",
        ),
        ("1N01HEADER.EMO".into(), Some("ORI"), "missing"),
        (
            "1N01HEADER.EMO.TX01013.NIC/M000000001".into(),
            Some("ORI"),
            "not an ORI",
        ),
        (
            "1N01HEADER.EMO.tx0101300.NIC/M000000001".into(),
            Some("ORI"),
            "not an ORI",
        ),
        (ok.replace("SEX/F", "SEX F"), Some("SEX F"), "no slash"),
        (
            ok.replace("DLC/20200101", "DLC/20230229"),
            Some("DLC"),
            "not a calendar date",
        ),
        (
            ok.replace("DLC/20200101", "DLC/2020-01-01"),
            Some("DLC"),
            "not a date",
        ),
        (ok.replace("SEX/F", "SEX/Q"), Some("SEX"), "not a sex code"),
        (ok.replace("RAC/W", "RAC/X"), Some("RAC"), "not a race code"),
        (format!("{ok}.EYE/PUR"), Some("EYE"), "eye colour"),
        (format!("{ok}.HAI/XYZ"), Some("HAI"), "hair colour"),
        (format!("{ok}.SKN/ZZZ"), Some("SKN"), "skin tone"),
        (ok.replace(".OCA/1", ""), Some("OCA"), "required"),
        (ok.replace(".NAM/DOE, JANE", ""), Some("NAM"), "required"),
        (ok.replace(".DLC/20200101", ""), Some("DLC"), "required"),
        (ok.replace(".HGT/510", ""), Some("HGT"), "required"),
        (
            base_u.replace(".DBF/20240315", ""),
            Some("DBF"),
            "DBF or EDD is required",
        ),
        (
            base_u.replace("HGT/508-511", "HGT/511-508"),
            Some("HGT"),
            "reversed",
        ),
        (
            ok.replace("HGT/510", "HGT/502-506"),
            Some("HGT"),
            "only allowed in unidentified",
        ),
        (
            ok.replace("HGT/510", "HGT/514"),
            Some("HGT"),
            "not a height",
        ),
        (format!("{ok}.WGT/1500"), Some("WGT"), "not a weight"),
        (format!("{base_u}.EYB/1979-1973"), Some("EYB"), "reversed"),
        (
            format!("{ok}.{}", "MIS/".to_string() + &"A".repeat(5000)),
            None,
            "longer than 4096",
        ),
        (
            ok.replace("NIC/M000000001", "NIC/M0001"),
            Some("NIC"),
            "not an NCIC number",
        ),
        (
            ok.replace("NIC/M000000001", "NIC/U000000001"),
            Some("NIC"),
            "must start with M",
        ),
        (
            ok.replace("NAM/DOE, JANE", "NAM/Doe, Jane"),
            Some("NAM"),
            "not allowed in a name",
        ),
        (
            ok.replace("NAM/DOE, JANE", "NAM/DOE JANE"),
            Some("NAM"),
            "no comma",
        ),
        (
            format!("{ok}.SMT/XYZ L ARM"),
            Some("SMT"),
            "scar/mark/tattoo type",
        ),
        (format!("{ok}.DCH/V,V,V"), Some("DCH"), "32"),
        (
            format!("{base_u}.BPS/ABC"),
            Some("BPS"),
            "body-parts status",
        ),
        (format!("{ok}.LOC/SOMEWHERE"), Some("LOC"), "city"),
        (
            format!("{ok}.LOC/SOMEWHERE, ZQ"),
            Some("LOC"),
            "not a US state or ISO 3166",
        ),
        (
            format!("{ok}.LOC/SOMEWHERE, TX @999999N0883209W"),
            Some("LOC"),
            "out of range",
        ),
        (format!("{ok}.SEX/M"), Some("SEX"), "given twice"),
        (format!("{ok}.DCL/20200101"), Some("DCL"), "not to an entry"),
        (format!("{ok}.BLT/APOSITIVE"), Some("BLT"), "blood type"),
        (format!("{ok}.MNU/ZZ-123"), Some("MNU"), "number type"),
        (format!("{ok}.SOC/12345"), Some("SOC"), "social security"),
        (format!("{ok}.DXR/MAYBE"), Some("DXR"), "Y or N"),
        (format!("{ok}.FPC/SHORT"), Some("FPC"), "fingerprint"),
        (
            format!("{ok}.mis/lower"),
            Some("mis"),
            "not a message field code",
        ),
        (
            "1N01HEADER.CM.TX0101300.NIC/M000000001.NAM/DOE, JANE.DCL/20200101".into(),
            Some("RPS"),
            "required",
        ),
        (
            "1N01HEADER.LM.TX0101300.NIC/M000000001.NAM/DOE, JANE".into(),
            Some("DOR"),
            "required",
        ),
        (
            "1N01HEADER.MM.TX0101300.NIC/M000000001.WGT/100".into(),
            Some("NAM"),
            "NAM or OCA",
        ),
        (
            "1N01HEADER.MM.TX0101300.NIC/M000000001.NAM/DOE, JANE".into(),
            Some("MM"),
            "changes no field",
        ),
        (
            "1N01HEADER.XM.TX0101300.NAM/DOE, JANE".into(),
            Some("NIC"),
            "required",
        ),
        (
            "1N01HEADER.LM.TX0101300.NIC/M000000001.NAM/DOE, JANE.DOR/20200101.RPS/FOUND".into(),
            Some("RPS"),
            "reason for status",
        ),
        (
            "1N01HEADER.XM.TX0101300.NIC/M000000001.NAM/DOE, JANE.HGT/510".into(),
            Some("HGT"),
            "no meaning in XM",
        ),
        (
            "1N01HEADER.CU.AZ0070000.NIC/U000000042.OCA/ME-1.DCL/20250301.IDN/U000000001".into(),
            Some("IDN"),
            "must start with M",
        ),
    ];
    assert!(cases.len() >= 20);
    // All in one file, between good lines: each bad line rejected at its own line number, the
    // good lines all accepted.
    let mut file = String::new();
    for (bad, _, _) in &cases {
        file.push_str(ok);
        file.push('\n');
        file.push_str(bad);
        file.push('\n');
    }
    let items = read_str(&file);
    assert_eq!(items.len(), cases.len() * 2);
    for (i, (bad, field, reason)) in cases.iter().enumerate() {
        let good = &items[2 * i];
        assert!(
            matches!(good.item, Item::Entry(_)),
            "good line before case {i} was not accepted"
        );
        let it = &items[2 * i + 1];
        let Item::Rejected(rej) = &it.item else {
            panic!("case {i} was not rejected: {bad}\n{:?}", it.item)
        };
        assert_eq!(rej.field.as_deref(), *field, "case {i}: {bad} -> {rej:?}");
        assert!(
            rej.reason.contains(reason),
            "case {i}: reason `{}` lacks `{reason}`",
            rej.reason
        );
        assert_eq!(it.position.line, Some(2 * i as u64 + 2), "case {i}");
        if bad.len() <= 4096 {
            assert_eq!(it.raw, bad.as_bytes(), "case {i}: raw bytes kept");
        }
        if let (Some(col), Some(f)) = (it.position.column, field)
            && bad.is_char_boundary(col as usize - 1)
            && !["HEADER", "MKE", "ORI"].contains(f)
        {
            assert!(
                bad[col as usize - 1..].starts_with(f),
                "case {i}: column {col} does not point at {f}"
            );
        }
    }
}

#[test]
fn column_points_at_the_field() {
    let line = "1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/Q.RAC/W.HGT/510.DLC/20200101";
    let (field, _, col) = rejection(line);
    assert_eq!(field.as_deref(), Some("SEX"));
    assert_eq!(col, Some(line.find("SEX/").unwrap() as u64 + 1));
}

#[test]
fn invalid_utf8_is_rejected_not_panicked() {
    let mut bytes = b"1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.MIS/".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
    let items: Vec<_> = NcicReader
        .read(Box::new(Cursor::new(bytes)), ReadContext::new("t"))
        .collect();
    assert!(matches!(&items[0].item, Item::Rejected(r) if r.reason.contains("UTF-8")));
}

#[test]
fn line_limit_is_configurable() {
    let ok = "1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.DLC/20200101";
    let mut ctx = ReadContext::new("t");
    ctx.limits = Limits {
        max_line_bytes: 50,
        ..Limits::default()
    };
    let items = read_ctx(&format!("{ok}\n{ok}\n"), ctx);
    assert_eq!(items.len(), 2);
    for it in &items {
        assert!(matches!(&it.item, Item::Rejected(r) if r.reason.contains("longer than 50")));
        assert_eq!(it.raw.len(), 50);
    }
    assert_eq!(items[1].position.line, Some(2));
    let exact = read_ctx(
        ok,
        ReadContext {
            limits: Limits {
                max_line_bytes: ok.len(),
                ..Limits::default()
            },
            ..ReadContext::new("t")
        },
    );
    assert!(
        matches!(exact[0].item, Item::Entry(_)),
        "a line of exactly the limit is fine"
    );
}

/// The set of `MFC/value` fields of a line, with the header, key and ORI (order-insensitive).
fn field_set(line: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (i, p) in line.split('.').enumerate() {
        if p.is_empty() {
            continue;
        }
        let key = if i < 3 {
            format!("#{i}:{p}")
        } else {
            p.to_string()
        };
        *m.entry(key).or_insert(0) += 1;
    }
    m
}

#[test]
fn writing_back_what_was_read_gives_the_same_fields() {
    for line in [MISSING_FULL, UNIDENTIFIED_FULL] {
        let r = one_entry(line);
        let (lines, losses) = NcicWriter.record_lines(&r);
        assert!(losses.is_empty(), "{losses:?}");
        assert_eq!(lines.len(), 1);
        assert_eq!(field_set(&lines[0]), field_set(line));
        assert_eq!(one_entry(&lines[0]), r);
    }
    for line in [
        "1N01HEADER.MM.TX0101300.NIC/M000000123.NAM/SMITH, JOHN.WGT/090.HAI/BRO.AKA/SMITH, JACK",
        "1N01HEADER.XM.TX0101300.NIC/M000000123.OCA/24-001234",
        "1N01HEADER.LM.NY0303000.NIC/M000000123.NAM/SMITH, JOHN.DOR/20250110.RPS/LOCATED",
        "1N01HEADER.CM.TX0101300.NIC/M000000123.OCA/24-001234.DCL/20250111.RPS/VOL RETURN",
        "1N01HEADER.MU.AZ0070000.NIC/U000000042.OCA/ME-24-77.DCH/UNK.EYB/1970",
        "1N01HEADER.XU.AZ0070000.NIC/U000000042.OCA/ME-24-77",
        "1N01HEADER.CU.AZ0070000.NIC/U000000042.OCA/ME-24-77.DCL/20250301.RPS/IDENTIFIED.IDN/M000000123.NAM/SMITH, JOHN",
    ] {
        let t = one_transaction(line);
        let mut out = Vec::new();
        let losses = NcicWriter.transaction(&mut out, &t).unwrap();
        assert!(losses.is_empty(), "{line}: {losses:?}");
        let written = String::from_utf8(out).unwrap();
        assert_eq!(field_set(written.trim_end()), field_set(line), "{line}");
    }
}

fn read_file(path: &std::path::Path) -> Vec<ReadItem> {
    let f = std::fs::File::open(path).unwrap();
    NcicReader
        .read(
            Box::new(std::io::BufReader::new(f)),
            ReadContext::new(path.display().to_string()),
        )
        .collect()
}

fn truth() -> Vec<(String, String, String, String, String)> {
    let text = std::fs::read_to_string(testdata::world_small().join("truth.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].into(),
                f[1].into(),
                f[2].into(),
                f[3].into(),
                f[4].into(),
            )
        })
        .collect()
}

/// Applies transactions in memory (the store does this for real) to check the sample.
fn apply_in_memory(records: &mut HashMap<String, Record>, t: &Transaction) {
    let r = records
        .get_mut(&t.target.native_id)
        .unwrap_or_else(|| panic!("transaction names unknown record {}", t.target.native_id));
    if let Some(n) = &t.target.name {
        assert!(name_matches(n, r), "NAM {n} does not match {:?}", r.names);
    }
    match &t.action {
        Action::Modify { patch, .. } if patch.weight_kg.is_some() => {
            r.weight_kg = patch.weight_kg;
        }
        Action::Clear { .. } => r.status = Status::Cleared,
        Action::Locate => r.status = Status::Located,
        Action::Cancel => r.status = Status::Cancelled,
        _ => {}
    }
}

#[test]
fn world_small_reads_whole_with_transactions_applied_and_round_trips() {
    let files = testdata::files_with_suffix(&testdata::world_small().join("wire"), ".ncic");
    assert!(
        !files.is_empty(),
        "no sample files under {:?}",
        testdata::world_small()
    );
    let mut records: HashMap<String, Record> = HashMap::new();
    let (mut missing, mut unidentified, mut transactions) = (0, 0, 0);
    for path in &files {
        let items = read_file(path);
        let text = std::fs::read_to_string(path).unwrap();
        let mut file_records = Vec::new();
        for it in &items {
            match &it.item {
                Item::Entry(r) => {
                    match r.kind {
                        Kind::Missing => missing += 1,
                        _ => unidentified += 1,
                    }
                    assert!(
                        records
                            .insert(r.id.native_id.clone(), (**r).clone())
                            .is_none()
                    );
                    file_records.push((**r).clone());
                    // Line by line: the written line has the same fields as the one read.
                    let line = std::str::from_utf8(&it.raw).unwrap();
                    let (lines, losses) = NcicWriter.record_lines(r);
                    assert!(losses.is_empty(), "{}: {losses:?}", path.display());
                    assert_eq!(field_set(&lines[0]), field_set(line), "{}", path.display());
                }
                Item::Transaction(t) => {
                    transactions += 1;
                    apply_in_memory(&mut records, t);
                    let mut out = Vec::new();
                    assert!(NcicWriter.transaction(&mut out, t).unwrap().is_empty());
                    let line = std::str::from_utf8(&it.raw).unwrap();
                    assert_eq!(
                        field_set(String::from_utf8(out).unwrap().trim_end()),
                        field_set(line)
                    );
                }
                Item::Rejected(r) => panic!("{}:{}: {r:?}", path.display(), it.position),
            }
        }
        // The whole file re-read from what the writer wrote gives the same records.
        let mut out = Vec::new();
        let report = write_records(&mut NcicWriter, &file_records, &mut out).unwrap();
        assert!(report.losses.is_empty());
        let again: Vec<Record> = NcicReader
            .read(Box::new(Cursor::new(out)), ReadContext::new("again"))
            .map(|i| match i.item {
                Item::Entry(r) => *r,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(again, file_records, "{}", path.display());
        assert!(!text.is_empty());
    }
    assert_eq!((missing, unidentified, transactions), (319, 55, 33));
    // Identity, kind and status agree with truth.csv.
    let truth: Vec<_> = truth().into_iter().filter(|t| t.3 == "ncic").collect();
    assert_eq!(truth.len(), records.len());
    for (id, _pid, kind, _fmt, status) in &truth {
        let r = records.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(r.kind.as_str(), kind, "{id}");
        let closed = r.status != Status::Active;
        assert_eq!(closed, status == "located", "{id}");
    }
}

#[test]
fn a_closed_record_is_written_with_its_closing_transaction() {
    let mut r = one_entry(MISSING_FULL);
    r.status = Status::Cleared;
    r.status_history.push(StatusEvent {
        status: Status::Cleared,
        date: Some("2025-02-01".parse().unwrap()),
        applied_at: None,
        reason: Some(StatusReason::Located),
        by: Some("TX0101300".into()),
        note_record_id: None,
    });
    let (lines, losses) = NcicWriter.record_lines(&r);
    assert!(losses.is_empty(), "{losses:?}");
    assert_eq!(lines.len(), 2);
    let t = one_transaction(&lines[1]);
    assert!(matches!(t.action, Action::Clear { .. }));
    assert_eq!(t.target.native_id, "M000000123");
    assert_eq!(t.date, Some("2025-02-01".parse().unwrap()));
    assert!(name_matches(t.target.name.as_deref().unwrap(), &r));
}

#[test]
fn what_ncic_cannot_hold_is_reported_per_record() {
    let mut r = Record::new(
        Kind::Missing,
        "gmcn-ru.example.org",
        "gmcn-ru.example.org/person.1",
    );
    r.names.push(Name {
        given: Some("Евгения".into()),
        family: Some("Захарова".into()),
        lang: Some("ru".into()),
        ..Name::default()
    });
    r.complete_names();
    r.sex = Some(Sex::Female);
    r.race = Some(Race::White);
    r.height_cm = Some(Range::exact(166.0));
    r.last_contact = Some("2025-04-11".parse().unwrap());
    r.texts.push(Text {
        kind: TextKind::Description,
        lang: Some("en".into()),
        text: "Scar. Blue coat.".into(),
    });
    r.photos.push(Photo {
        url: "https://x.example/p.jpg".into(),
        ..Photo::default()
    });
    let (lines, losses) = NcicWriter.record_lines(&r);
    assert_eq!(lines.len(), 1);
    let fields: Vec<&str> = losses.iter().map(|l| l.field.as_str()).collect();
    for f in [
        "names[0]",
        "names[0].lang",
        "texts[0]",
        "texts[0].lang",
        "photos",
        "height_cm",
        "agency.ori",
        "id.native_id",
    ] {
        assert!(fields.contains(&f), "no loss reported for {f}: {losses:?}");
    }
    let back = one_entry(&lines[0]);
    assert_eq!(back.names[0].family.as_deref(), Some("ZAKHAROVA"));
    assert_eq!(back.texts[0].text, "Scar  Blue coat ");
    // Unclaimed: NCIC has no file for it.
    let u = Record::new(Kind::Unclaimed, "TX-ME", "TX-ME-1");
    let (lines, losses) = NcicWriter.record_lines(&u);
    assert!(lines.is_empty());
    assert_eq!(losses[0].field, "kind");
    // A record missing what an entry requires is not written, and says why; sex and race
    // not stated are entered as U, never a reason to leave a record out.
    let bare = Record::new(Kind::Missing, "TX0101300", "M000000009");
    let (lines, losses) = NcicWriter.record_lines(&bare);
    assert!(lines.is_empty());
    assert!(
        losses.iter().any(|l| l.detail.contains("HGT")
            && l.detail.contains("DLC")
            && !l.detail.contains("SEX")),
        "{losses:?}"
    );
    let mut unstated = bare.clone();
    unstated.height_cm = Some(Range::exact(150.0));
    unstated.last_contact = Some("2025-01-02".parse().unwrap());
    unstated.names.push(Name {
        given: Some("JANE".into()),
        family: Some("DOE".into()),
        ..Name::default()
    });
    let (lines, losses) = NcicWriter.record_lines(&unstated);
    assert_eq!(lines.len(), 1, "{losses:?}");
    assert!(
        lines[0].contains(".SEX/U.") && lines[0].contains(".RAC/U."),
        "{}",
        lines[0]
    );
    assert!(losses.iter().any(|l| l.field == "sex"), "{losses:?}");
    assert!(losses.iter().any(|l| l.field == "race"), "{losses:?}");
    let back = one_entry(&lines[0]);
    assert_eq!(back.sex, Some(Sex::Unknown));
    assert_eq!(back.race, Some(Race::Unknown));
}

#[test]
fn detection() {
    let f = NcicFormat;
    assert!(f.detect(b"1N01HEADER.EMO.TX0101300.NIC/M000000001"));
    assert!(f.detect(b"\xEF\xBB\xBF# comment\n\n1N01HEADER.EMO"));
    assert!(!f.detect(b"<?xml version=\"1.0\"?><feed/>"));
    assert!(!f.detect(b""));
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn read_all(bytes: Vec<u8>) -> Vec<ReadItem> {
        NcicReader
            .read(Box::new(Cursor::new(bytes)), ReadContext::new("fuzz"))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Random bytes: never a panic, and every non-blank, non-comment line ends as exactly
        /// one item (accepted or rejected), never dropped.
        #[test]
        fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let items = read_all(bytes.clone());
            let lines = bytes
                .split(|b| *b == b'\n')
                .filter(|l| {
                    let t = l.strip_suffix(b"\r").unwrap_or(l).trim_ascii();
                    !t.is_empty() && !t.starts_with(b"#")
                })
                .count();
            prop_assert_eq!(items.len(), lines);
        }

        /// Valid lines mutated at random: never a panic; what is accepted writes back and reads
        /// back the same.
        #[test]
        fn mutated_lines(
            which in 0usize..2,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6)
        ) {
            let mut line = [MISSING_FULL, UNIDENTIFIED_FULL][which].as_bytes().to_vec();
            for (idx, byte, op) in edits {
                let i = idx.index(line.len().max(1));
                match op {
                    0 => if i < line.len() { line[i] = byte },
                    1 => line.insert(i.min(line.len()), byte),
                    _ => if i < line.len() { line.remove(i); },
                }
            }
            for it in read_all(line) {
                if let Item::Entry(r) = &it.item {
                    let (lines, losses) = NcicWriter.record_lines(r);
                    if losses.is_empty() && !lines.is_empty() {
                        let back = read_all(lines[0].clone().into_bytes());
                        prop_assert_eq!(back.len(), 1);
                        match &back[0].item {
                            Item::Entry(b) => prop_assert_eq!(&**b, &**r),
                            other => prop_assert!(false, "wrote an unreadable line: {:?} {:?}", lines, other),
                        }
                    }
                }
            }
        }

        /// Random values in every field position: never a panic.
        #[test]
        fn random_field_values(mfc in "[A-Z]{3}", value in "\\PC{0,40}") {
            let line = format!("1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.DLC/20200101.{mfc}/{value}");
            let items = read_all(line.into_bytes());
            prop_assert!(items.len() <= 2);
        }
    }
}

#[test]
fn every_mfc_of_the_spec_is_understood() {
    // Every field code in the spec's table is either read into the record or (for
    // transaction-only codes) refused in an entry — none is treated as unknown.
    let spec = std::fs::read_to_string(testdata::shared_dir().join("formats/ncic.md")).unwrap();
    let table = spec.split("## Fields").nth(1).unwrap();
    let codes: BTreeSet<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter(|c| {
            c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) && *c != "MFC" && *c != "ORI"
        })
        .collect();
    assert_eq!(codes.len(), 38, "{codes:?}");
    for code in codes {
        let line = format!(
            "1N01HEADER.EMO.TX0101300.NIC/M000000001.OCA/1.NAM/DOE, JANE.SEX/F.RAC/W.HGT/510.DLC/20200101.{code}/ZZZZZZZZZ"
        );
        let items = read_str(&line);
        // A bad value for a known field is a rejection naming the field; never "unknown".
        for it in &items {
            assert!(
                it.warnings.is_empty(),
                "{code} treated as unknown: {:?}",
                it.warnings
            );
        }
    }
}
