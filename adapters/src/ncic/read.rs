//! NCIC messages → entries, transactions and rejections.

use std::collections::HashSet;
use std::io::BufRead;

use homeward_schemas::{
    Action, BloodType, Circumcision, Circumstance, Condition, Dental, EntryCategory, Ethnicity,
    Extra, EyeColor, HairColor, IdentifierKind, Jewellery, Kind, Mark, MarkKind, MissingType,
    NameRole, OtherIdentifier, Race, Record, Sex, Side, SkinTone, StatusReason, TargetRef, Text,
    TextKind, Transaction, geo, is_body_parts_status,
};

use super::fields::{self, FieldResult, Mke};
use super::{HEADER, NAME};
use crate::format::{ReadContext, Reader};
use crate::item::{Position, ReadItem};
use crate::lines::BoundedLines;

/// Reads NCIC message files.
#[derive(Debug, Clone, Copy, Default)]
pub struct NcicReader;

impl Reader for NcicReader {
    fn read<'a>(
        &self,
        input: Box<dyn BufRead + Send + 'a>,
        ctx: ReadContext,
    ) -> Box<dyn Iterator<Item = ReadItem> + Send + 'a> {
        let max = ctx.limits.max_line_bytes;
        let lines = BoundedLines::new(input, max);
        Box::new(lines.filter_map(move |line| {
            let pos = Position {
                line: Some(line.number),
                byte_offset: Some(line.offset),
                ..Position::default()
            };
            if let Some(e) = &line.error {
                return Some(ReadItem::rejected(
                    NAME,
                    None,
                    format!("reading {}: {e}", ctx.origin),
                    pos,
                    line.bytes,
                ));
            }
            if line.overflow {
                return Some(ReadItem::rejected(
                    NAME,
                    None,
                    format!("line is longer than {max} bytes (kept: its first {max} bytes)"),
                    pos,
                    line.bytes,
                ));
            }
            let trimmed = line.bytes.trim_ascii();
            if trimmed.is_empty() || trimmed.starts_with(b"#") {
                return None;
            }
            Some(parse_message(&line.bytes, pos, &ctx))
        }))
    }
}

/// A field of a message: code, value, 1-based column of the code.
struct Field<'a> {
    mfc: &'a str,
    value: &'a str,
    column: u64,
}

/// A rule broken by a message.
struct Broken {
    field: Option<String>,
    column: Option<u64>,
    reason: String,
}

impl Broken {
    fn at(field: &Field<'_>, reason: impl Into<String>) -> Self {
        Broken {
            field: Some(field.mfc.to_string()),
            column: Some(field.column),
            reason: reason.into(),
        }
    }

    fn line(field: &str, column: Option<u64>, reason: impl Into<String>) -> Self {
        Broken {
            field: Some(field.to_string()),
            column,
            reason: reason.into(),
        }
    }
}

/// Parses one message line.
pub(crate) fn parse_message(raw: &[u8], mut pos: Position, ctx: &ReadContext) -> ReadItem {
    let reject = |b: Broken, mut pos: Position| {
        pos.column = b.column;
        ReadItem::rejected(NAME, b.field.as_deref(), b.reason, pos, raw.to_vec())
    };
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            return reject(
                Broken {
                    field: None,
                    column: Some(e.valid_up_to() as u64 + 1),
                    reason: "line is not valid UTF-8".into(),
                },
                pos,
            );
        }
    };
    match parse_text(text, ctx) {
        Ok(Parsed::Entry(record, warnings)) => {
            let mut item = ReadItem::entry(*record, pos, raw.to_vec());
            item.warnings = warnings;
            item
        }
        Ok(Parsed::Transaction(t, warnings)) => {
            let mut item = ReadItem::transaction(*t, pos, raw.to_vec());
            item.warnings = warnings;
            item
        }
        Err(b) => {
            pos.column = b.column;
            ReadItem::rejected(NAME, b.field.as_deref(), b.reason, pos, raw.to_vec())
        }
    }
}

enum Parsed {
    Entry(Box<Record>, Vec<String>),
    Transaction(Box<Transaction>, Vec<String>),
}

/// Splits a message into its period-separated parts with their 1-based columns.
fn split_parts(text: &str) -> Vec<(&str, u64)> {
    let mut parts = Vec::with_capacity(24);
    let mut col = 1u64;
    for p in text.split('.') {
        parts.push((p, col));
        col += p.len() as u64 + 1;
    }
    parts
}

fn parse_text(text: &str, ctx: &ReadContext) -> Result<Parsed, Broken> {
    let parts = split_parts(text);
    let (header, _) = parts[0];
    if header != HEADER {
        return Err(Broken::line(
            "HEADER",
            Some(1),
            format!("message must start with the header {HEADER}"),
        ));
    }
    let Some(&(mke_text, mke_col)) = parts.get(1) else {
        return Err(Broken::line("MKE", None, "message key is missing"));
    };
    let mke = Mke::parse(mke_text).ok_or_else(|| {
        Broken::line(
            "MKE",
            Some(mke_col),
            if mke_text.is_empty() {
                "message key is missing".to_string()
            } else {
                format!("`{mke_text}` is not a message key of this format")
            },
        )
    })?;
    let Some(&(ori, ori_col)) = parts.get(2) else {
        return Err(Broken::line(
            "ORI",
            None,
            "originating agency (ORI) is missing",
        ));
    };
    if !fields::is_ori(ori) {
        return Err(Broken::line(
            "ORI",
            Some(ori_col),
            format!("`{ori}` is not an ORI (2 letters then 7 letters or digits)"),
        ));
    }
    let mut fields = Vec::with_capacity(parts.len());
    for &(p, col) in &parts[3..] {
        if p.is_empty() {
            continue; // `..` and a trailing period
        }
        let Some((mfc, value)) = p.split_once('/') else {
            return Err(Broken::line(
                p,
                Some(col),
                format!("field `{p}` has no slash (MFC/value)"),
            ));
        };
        if !fields::is_mfc(mfc) {
            return Err(Broken::line(
                mfc,
                Some(col),
                format!("`{mfc}` is not a message field code"),
            ));
        }
        fields.push(Field {
            mfc,
            value,
            column: col,
        });
    }
    let source = ctx.source.clone().unwrap_or_else(|| ori.to_string());
    if mke.is_entry() {
        entry(mke, ori, &source, &fields).map(|(r, w)| Parsed::Entry(Box::new(r), w))
    } else {
        transaction(mke, ori, &source, &fields, mke_col)
            .map(|(t, w)| Parsed::Transaction(Box::new(t), w))
    }
}

/// Fields that only transactions carry.
const TRANSACTION_ONLY: &[&str] = &["DOR", "DCL", "RPS", "IDN"];

/// Fields that may repeat.
const REPEATABLE: &[&str] = &["AKA", "DOB", "SMT", "MNU", "JWT"];

/// Applies one descriptive field to `rec`. `Ok(false)` when the code is not a descriptive
/// field (the caller decides what it is).
fn apply_field(rec: &mut Record, f: &Field<'_>, unidentified: bool) -> FieldResult<bool> {
    let v = f.value;
    match f.mfc {
        "NAM" => rec
            .names
            .insert(0, fields::parse_name(v, NameRole::Primary)?),
        "AKA" => rec.names.push(fields::parse_name(v, NameRole::Alias)?),
        "SEX" => {
            rec.sex =
                Some(Sex::from_ncic(v).ok_or_else(|| format!("`{v}` is not a sex code (M F U)"))?)
        }
        "RAC" => {
            rec.race = Some(
                Race::from_ncic(v)
                    .ok_or_else(|| format!("`{v}` is not a race code (A B I P W U)"))?,
            )
        }
        "ETN" => {
            rec.ethnicity = Some(
                Ethnicity::from_ncic(v)
                    .ok_or_else(|| format!("`{v}` is not an ethnicity code (H N U)"))?,
            )
        }
        "POB" => {
            if !(geo::is_us_state(v) || geo::is_country(v)) {
                return Err(format!("`{v}` is not a state or country code"));
            }
            rec.place_of_birth = Some(v.to_string());
        }
        "DOB" => rec.birth_dates.push(fields::parse_date(v)?),
        "EYB" => rec.birth_year = Some(fields::parse_birth_years(v)?),
        "HGT" => rec.height_cm = Some(fields::parse_height(v, unidentified)?),
        "WGT" => rec.weight_kg = Some(fields::parse_weight(v, unidentified)?),
        "EYE" => {
            rec.eye = Some(
                EyeColor::from_ncic(v).ok_or_else(|| format!("`{v}` is not an eye colour code"))?,
            )
        }
        "HAI" => {
            rec.hair = Some(
                HairColor::from_ncic(v)
                    .ok_or_else(|| format!("`{v}` is not a hair colour code"))?,
            )
        }
        "SKN" => {
            rec.skin = Some(
                SkinTone::from_ncic(v).ok_or_else(|| format!("`{v}` is not a skin tone code"))?,
            )
        }
        "SMT" => rec.marks.push(parse_mark(v)?),
        "FPC" => {
            if v.len() != 20
                || !v
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return Err(format!(
                    "`{v}` is not a fingerprint classification (20 letters or digits)"
                ));
            }
            rec.fingerprint_class = Some(v.to_string());
        }
        "MNU" => {
            let (k, n) = v
                .split_once('-')
                .ok_or_else(|| format!("`{v}` is not XX-number"))?;
            let kind = match k {
                "AR" | "PP" | "SS" | "OA" => IdentifierKind::from_ncic(k),
                _ => None,
            }
            .ok_or_else(|| format!("`{k}` is not a number type (AR PP SS OA)"))?;
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(format!("`{n}` is not an identifying number"));
            }
            rec.identifiers.push(OtherIdentifier {
                kind,
                value: n.to_string(),
            });
        }
        "SOC" => {
            if v.len() != 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("`{v}` is not a social security number (9 digits)"));
            }
            rec.identifiers.push(OtherIdentifier {
                kind: IdentifierKind::SocialSecurity,
                value: v.to_string(),
            });
        }
        "CTZ" => {
            if !geo::is_country(v) {
                return Err(format!("`{v}` is not an ISO 3166 country code"));
            }
            rec.citizenship = Some(v.to_string());
        }
        "MNP" => {
            rec.missing_type = Some(
                MissingType::from_ncic(v)
                    .ok_or_else(|| format!("`{v}` is not a missing-person type (MP CA DV AA)"))?,
            )
        }
        "MPC" => {
            rec.circumstance = Some(
                Circumstance::from_ncic(v)
                    .ok_or_else(|| format!("`{v}` is not a circumstance code (R S N F)"))?,
            )
        }
        "DLC" => rec.last_contact = Some(fields::parse_date(v)?),
        "DBF" => rec.found_date = Some(fields::parse_date(v)?),
        "EDD" => rec.estimated_death = Some(fields::parse_date(v)?),
        "BPS" => {
            if !is_body_parts_status(v) {
                return Err(format!(
                    "`{v}` is not a body-parts status (14 of R N F D S, or ALL ALF ALD SKL)"
                ));
            }
            rec.body_parts = Some(v.to_string());
        }
        "BLT" => {
            rec.blood_type = Some(
                BloodType::from_ncic(v).ok_or_else(|| format!("`{v}` is not a blood type code"))?,
            )
        }
        "CRC" => {
            rec.circumcision = Some(
                Circumcision::from_ncic(v)
                    .ok_or_else(|| format!("`{v}` is not a circumcision code (C N U)"))?,
            )
        }
        "JWT" => {
            let (k, t) = match v.split_once(' ') {
                Some((k, t)) => (k, Some(t.trim().to_string()).filter(|t| !t.is_empty())),
                None => (v, None),
            };
            if k.len() != 2 || !k.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("`{k}` is not a jewellery type (2 letters)"));
            }
            rec.jewellery.push(Jewellery {
                kind: k.to_string(),
                text: t,
            });
        }
        "DCH" => rec.dental = Some(Dental::parse(v).map_err(|e| e.to_string())?),
        "DXR" => {
            rec.dental_xrays = Some(match v {
                "Y" => true,
                "N" => false,
                _ => return Err(format!("`{v}` is not Y or N")),
            })
        }
        "CMC" => {
            if v.len() != 2 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("`{v}` is not a caution code (2 digits)"));
            }
            rec.caution = Some(v.to_string());
        }
        "LOC" => {
            let place = fields::parse_location(v)?;
            if unidentified {
                rec.found_place = Some(place);
            } else {
                rec.last_seen = Some(place);
            }
        }
        "MIS" => {
            if v.chars().count() > 500 {
                return Err(format!(
                    "remarks are {} characters long, at most 500",
                    v.chars().count()
                ));
            }
            rec.texts.push(Text {
                kind: TextKind::Remarks,
                lang: None,
                text: v.to_string(),
            });
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `<TYPE> [L|R] <PART> [<text>]`.
pub(crate) fn parse_mark(v: &str) -> FieldResult<Mark> {
    let tokens: Vec<&str> = v.split_whitespace().collect();
    let Some(first) = tokens.first() else {
        return Err("scar/mark/tattoo is empty".into());
    };
    let kind = MarkKind::from_ncic(first).ok_or_else(|| {
        format!("`{first}` is not a scar/mark/tattoo type (SC TAT MOLE PRCD ART BRTHMK DISC)")
    })?;
    let mut i = 1;
    let side = match tokens.get(1) {
        Some(s) if tokens.len() > 2 => Side::from_ncic(s),
        _ => None,
    };
    if side.is_some() {
        i += 1;
    }
    let part = tokens
        .get(i)
        .ok_or_else(|| format!("`{v}` names no body part"))?
        .to_string();
    let text = (tokens.len() > i + 1).then(|| tokens[i + 1..].join(" "));
    Ok(Mark {
        kind,
        side,
        part,
        text,
    })
}

/// Checks repeats: a field that may not repeat, given twice.
fn check_repeat<'f>(seen: &mut HashSet<&'f str>, f: &Field<'f>) -> Result<(), Broken> {
    if !REPEATABLE.contains(&f.mfc) && !seen.insert(f.mfc) {
        return Err(Broken::at(
            f,
            format!("{} is given twice (it does not repeat)", f.mfc),
        ));
    }
    Ok(())
}

fn unknown_field(rec_extra: &mut Vec<Extra>, warnings: &mut Vec<String>, f: &Field<'_>) {
    rec_extra.push(Extra {
        format: NAME.into(),
        key: f.mfc.to_string(),
        value: f.value.to_string(),
    });
    warnings.push(format!(
        "column {}: unknown field {} kept verbatim",
        f.column, f.mfc
    ));
}

fn entry(
    mke: Mke,
    ori: &str,
    source: &str,
    fields: &[Field<'_>],
) -> Result<(Record, Vec<String>), Broken> {
    let kind = mke.kind();
    let unidentified = kind == Kind::Unidentified;
    let mut rec = Record::new(kind, source, "");
    rec.format = Some(NAME.into());
    rec.agency.ori = Some(ori.to_string());
    match mke {
        Mke::Eud | Mke::Eul | Mke::Euv => rec.condition = Condition::from_ncic(mke.code()),
        _ => rec.entry_category = EntryCategory::from_ncic(mke.code()),
    }
    let mut warnings = Vec::new();
    let mut seen = HashSet::new();
    for f in fields {
        check_repeat(&mut seen, f)?;
        match f.mfc {
            "NIC" => {
                rec.nic = Some(fields::parse_nic(f.value, kind).map_err(|r| Broken::at(f, r))?)
            }
            "OCA" => {
                rec.case_number = Some(fields::parse_oca(f.value).map_err(|r| Broken::at(f, r))?)
            }
            m if TRANSACTION_ONLY.contains(&m) => {
                return Err(Broken::at(
                    f,
                    format!(
                        "{m} belongs to locate/clear messages, not to an entry ({})",
                        mke.code()
                    ),
                ));
            }
            _ => {
                if !apply_field(&mut rec, f, unidentified).map_err(|r| Broken::at(f, r))? {
                    unknown_field(&mut rec.extra, &mut warnings, f);
                }
            }
        }
    }
    let mut required: Vec<&str> = vec!["OCA", "SEX", "RAC", "HGT"];
    if kind == Kind::Missing {
        required.extend(["NAM", "DLC"]);
    }
    for r in required {
        if !seen.contains(r) {
            return Err(Broken::line(
                r,
                None,
                format!("{r} is required in an entry ({})", mke.code()),
            ));
        }
    }
    if unidentified && !seen.contains("DBF") && !seen.contains("EDD") {
        return Err(Broken::line(
            "DBF",
            None,
            format!("DBF or EDD is required in an entry ({})", mke.code()),
        ));
    }
    // The native id: the NIC when the entry carries one, else the case number (an entry
    // awaiting its NIC). See docs/formats/ncic.md.
    rec.id.native_id = rec
        .nic
        .clone()
        .or_else(|| rec.case_number.clone())
        .unwrap_or_default();
    Ok((rec, warnings))
}

fn transaction(
    mke: Mke,
    ori: &str,
    source: &str,
    fields: &[Field<'_>],
    mke_col: u64,
) -> Result<(Transaction, Vec<String>), Broken> {
    let kind = mke.kind();
    let unidentified = kind == Kind::Unidentified;
    let mut patch = Record::new(kind, source, "");
    patch.format = Some(NAME.into());
    let mut target = TargetRef {
        kind: Some(kind),
        source: source.to_string(),
        ..TargetRef::default()
    };
    let mut t = Transaction {
        target: TargetRef::default(),
        action: Action::Cancel,
        date: None,
        reason: None,
        source_updated_at: None,
        by: Some(ori.to_string()),
        extra: Vec::new(),
    };
    let mut identified_as = None;
    let mut warnings = Vec::new();
    let mut seen = HashSet::new();
    let modifies = matches!(mke, Mke::Mm | Mke::Mu);
    let mut changed = 0usize;
    for f in fields {
        check_repeat(&mut seen, f)?;
        let bad = |r: String| Broken::at(f, r);
        match f.mfc {
            "NIC" => target.native_id = fields::parse_nic(f.value, kind).map_err(bad)?,
            "OCA" => target.case_number = Some(fields::parse_oca(f.value).map_err(bad)?),
            "NAM" => {
                fields::parse_name(f.value, NameRole::Primary).map_err(bad)?;
                target.name = Some(f.value.to_string());
            }
            "DOR" if mke == Mke::Lm => t.date = Some(fields::parse_date(f.value).map_err(bad)?),
            "DCL" if matches!(mke, Mke::Cm | Mke::Cu) => {
                t.date = Some(fields::parse_date(f.value).map_err(bad)?)
            }
            "RPS" if matches!(mke, Mke::Lm | Mke::Cm | Mke::Cu) => {
                t.reason = Some(StatusReason::from_ncic(f.value).ok_or_else(|| {
                    bad(format!(
                        "`{}` is not a reason for status (LOCATED, VOL RETURN, NOT MISSING, IDENTIFIED, HIT NCIC)",
                        f.value
                    ))
                })?)
            }
            "IDN" if mke == Mke::Cu => {
                identified_as = Some(fields::parse_nic(f.value, Kind::Missing).map_err(bad)?)
            }
            m if TRANSACTION_ONLY.contains(&m) => {
                return Err(bad(format!("{m} has no meaning in {}", mke.code())));
            }
            _ if modifies => {
                if apply_field(&mut patch, f, unidentified).map_err(bad)? {
                    changed += 1;
                } else {
                    unknown_field(&mut patch.extra, &mut warnings, f);
                    changed += 1;
                }
            }
            m => {
                // Known descriptive fields change nothing in a cancel, locate or clear: refuse
                // them rather than drop them. Unknown codes are kept with the transaction.
                let mut probe = Record::new(kind, "", "");
                if apply_field(&mut probe, f, unidentified).unwrap_or(true) {
                    return Err(bad(format!("{m} has no meaning in {}", mke.code())));
                }
                unknown_field(&mut t.extra, &mut warnings, f);
            }
        }
    }
    let need = |code: &str, why: &str| -> Result<(), Broken> {
        if seen.contains(code) {
            Ok(())
        } else {
            Err(Broken::line(
                code,
                None,
                format!("{code} is required in {} ({why})", mke.code()),
            ))
        }
    };
    let need_one = |a: &str, b: &str| -> Result<(), Broken> {
        if seen.contains(a) || seen.contains(b) {
            Ok(())
        } else {
            Err(Broken::line(
                a,
                None,
                format!(
                    "{a} or {b} is required in {} to identify the record",
                    mke.code()
                ),
            ))
        }
    };
    need("NIC", "it names the record")?;
    t.action = match mke {
        Mke::Mm | Mke::Mu => {
            if mke == Mke::Mm {
                need_one("NAM", "OCA")?;
            } else {
                need("OCA", "it identifies the record")?;
            }
            if changed == 0 {
                return Err(Broken::line(
                    mke.code(),
                    Some(mke_col),
                    "modify changes no field",
                ));
            }
            patch.id.native_id = target.native_id.clone();
            Action::Modify {
                patch: Box::new(patch),
                full: false,
            }
        }
        Mke::Xm => {
            need_one("NAM", "OCA")?;
            Action::Cancel
        }
        Mke::Xu => {
            need("OCA", "it identifies the record")?;
            Action::Cancel
        }
        Mke::Lm => {
            need("NAM", "it identifies the record")?;
            need("DOR", "the date of recovery")?;
            Action::Locate
        }
        Mke::Cm => {
            need_one("NAM", "OCA")?;
            need("DCL", "the date of clear")?;
            need("RPS", "the reason for the clear")?;
            Action::Clear {
                identified_as: None,
                identified_name: None,
            }
        }
        Mke::Cu => {
            need("OCA", "it identifies the record")?;
            need("DCL", "the date of clear")?;
            let identified_name = target
                .name
                .take()
                .and_then(|n| fields::parse_name(&n, NameRole::Primary).ok())
                .map(Box::new);
            Action::Clear {
                identified_as,
                identified_name,
            }
        }
        _ => {
            return Err(Broken::line(
                "MKE",
                Some(mke_col),
                format!("{} is not a transaction", mke.code()),
            ));
        }
    };
    t.target = target;
    Ok((t, warnings))
}
