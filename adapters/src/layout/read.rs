//! Fixed-width lines → records, by a declared layout.

use std::io::BufRead;
use std::sync::Arc;

use chrono::NaiveDate;
use homeward_schemas::{
    AgeRange, Ethnicity, Extra, EyeColor, HairColor, Kind, Name, NameRole, PartialDate, Photo,
    Place, Race, Range, Record, Sex, SkinTone, Status, Text, TextKind, YearRange, geo, units,
};

use super::spec::{Column, Field, LayoutSpec};
use crate::format::{ReadContext, Reader};
use crate::item::{Position, ReadItem};
use crate::lines::BoundedLines;

/// Reads files of one layout.
pub struct LayoutReader {
    pub(super) spec: Arc<LayoutSpec>,
    pub(super) format_name: String,
}

impl Reader for LayoutReader {
    fn read<'a>(
        &self,
        input: Box<dyn BufRead + Send + 'a>,
        ctx: ReadContext,
    ) -> Box<dyn Iterator<Item = ReadItem> + Send + 'a> {
        let spec = self.spec.clone();
        let format = self.format_name.clone();
        let max = ctx.limits.max_line_bytes;
        let origin = ctx.origin.clone();
        let lines = BoundedLines::new(input, max);
        Box::new(lines.filter_map(move |line| {
            let pos = Position {
                line: Some(line.number),
                byte_offset: Some(line.offset),
                ..Position::default()
            };
            if let Some(e) = &line.error {
                return Some(ReadItem::rejected(
                    &format,
                    None,
                    format!("reading {origin}: {e}"),
                    pos,
                    Vec::new(),
                ));
            }
            if line.number <= spec.skip_lines as u64 {
                return None;
            }
            if line.overflow {
                return Some(ReadItem::rejected(
                    &format,
                    None,
                    format!("line is longer than {max} bytes (kept: its first {max} bytes)"),
                    pos,
                    line.bytes,
                ));
            }
            if line.bytes.trim_ascii().is_empty() {
                return None;
            }
            Some(read_line(&spec, &format, line.bytes, pos, &ctx))
        }))
    }
}

/// A broken rule: the column and the reason.
struct Broken {
    column: Option<(String, usize)>,
    reason: String,
}

fn read_line(
    spec: &LayoutSpec,
    format: &str,
    raw: Vec<u8>,
    mut pos: Position,
    ctx: &ReadContext,
) -> ReadItem {
    let Ok(text) = std::str::from_utf8(&raw) else {
        return ReadItem::rejected(format, None, "line is not valid UTF-8", pos, raw);
    };
    match build(spec, format, text, ctx) {
        Ok(record) => ReadItem::entry(record, pos, raw),
        Err(b) => {
            let field = b.column.as_ref().map(|(n, _)| n.as_str());
            pos.column = b.column.as_ref().map(|(_, c)| *c as u64);
            ReadItem::rejected(format, field, b.reason, pos, raw)
        }
    }
}

/// Characters `start..start+length` (1-based) of a line, trimmed; `None` when blank.
fn cut(chars: &[char], col: &Column) -> Option<String> {
    let from = col.start.saturating_sub(1);
    if from >= chars.len() {
        return None;
    }
    let to = (from + col.length).min(chars.len());
    let s: String = chars[from..to].iter().collect();
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Interprets a coded value: the column's own mapping first, then canonical names, NCIC codes
/// and NIEM codes.
fn coded<T>(
    col: &Column,
    raw: &str,
    from_name: fn(&str) -> Option<T>,
    from_ncic: fn(&str) -> Option<T>,
    from_niem: Option<fn(&str) -> Option<T>>,
) -> Result<T, String> {
    let v = col.codes.get(raw).map(String::as_str).unwrap_or(raw);
    from_name(v)
        .or_else(|| from_ncic(v))
        .or_else(|| from_niem.and_then(|f| f(v)))
        .ok_or_else(|| format!("`{raw}` is not a known code for {}", col.field))
}

fn number(raw: &str) -> Result<f64, String> {
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{raw}` is not a number"))
}

fn height_cm(col: &Column, raw: &str) -> Result<f64, String> {
    match col.unit.as_deref() {
        Some("cm") => number(raw),
        Some("in") => number(raw).map(units::inches_to_cm),
        Some("ftin") => units::ncic_height_to_cm(raw)
            .ok_or_else(|| format!("`{raw}` is not feet and two-digit inches (510)")),
        u => Err(format!("unknown height unit {u:?}")),
    }
}

fn weight_kg(col: &Column, raw: &str) -> Result<f64, String> {
    match col.unit.as_deref() {
        Some("kg") => number(raw),
        Some("lb") => number(raw).map(units::pounds_to_kg),
        u => Err(format!("unknown weight unit {u:?}")),
    }
}

fn date(col: &Column, raw: &str) -> Result<PartialDate, String> {
    let fmt = col.date_format.as_deref().unwrap_or("%Y%m%d");
    NaiveDate::parse_from_str(raw, fmt)
        .map(PartialDate::from_naive)
        .map_err(|e| format!("`{raw}` is not a date in the form {fmt}: {e}"))
}

fn year(raw: &str) -> Result<i32, String> {
    raw.parse::<i32>()
        .ok()
        .filter(|y| (1000..=9999).contains(y))
        .ok_or_else(|| format!("`{raw}` is not a year"))
}

fn age(raw: &str) -> Result<u16, String> {
    raw.parse::<u16>()
        .ok()
        .filter(|a| *a <= 130)
        .ok_or_else(|| format!("`{raw}` is not an age in years"))
}

/// Fields of one line, collected before they are assembled into a record.
#[derive(Default)]
struct Collected {
    name: Name,
    aliases: Vec<Name>,
    height: (Option<f64>, Option<f64>),
    weight: (Option<f64>, Option<f64>),
    years: (Option<i32>, Option<i32>),
    ages: (Option<u16>, Option<u16>),
    place: Place,
}

fn build(spec: &LayoutSpec, format: &str, text: &str, ctx: &ReadContext) -> Result<Record, Broken> {
    let chars: Vec<char> = text.chars().collect();
    if let Some(rl) = spec.record_length
        && chars.len() != rl
    {
        return Err(Broken {
            column: None,
            reason: format!(
                "line is {} characters long, the layout's records are {rl}",
                chars.len()
            ),
        });
    }
    let mut rec = Record::new(spec.kind, "", "");
    rec.format = Some(format.to_string());
    let mut c = Collected::default();
    let mut ori = None;
    for col in &spec.columns {
        let broken = |reason: String| Broken {
            column: Some((col.name.clone(), col.start)),
            reason,
        };
        let Some(raw) = cut(&chars, col) else {
            if col.required {
                return Err(broken(format!("{} is required and blank", col.name)));
            }
            continue;
        };
        let Some(field) = Field::parse(&col.field) else {
            return Err(broken(format!(
                "layout names unknown field `{}`",
                col.field
            )));
        };
        apply(&mut rec, &mut c, &mut ori, col, field, &raw, format).map_err(broken)?;
    }
    // Identity.
    if rec.id.native_id.is_empty() {
        rec.id.native_id = rec.nic.clone().unwrap_or_default();
    }
    if rec.id.native_id.is_empty() {
        return Err(Broken {
            column: None,
            reason: "no native id or NIC on the line".into(),
        });
    }
    rec.agency.ori = ori.clone();
    rec.id.source = ctx
        .source
        .clone()
        .or_else(|| spec.source.clone())
        .or(ori)
        .unwrap_or_else(|| spec.name.clone());
    // Names.
    if c.name != Name::default() {
        c.name.role = NameRole::Primary;
        rec.names.push(c.name);
    }
    rec.names.extend(c.aliases);
    rec.complete_names();
    // Measures.
    let range = |(a, b): (Option<f64>, Option<f64>)| match (a, b) {
        (Some(a), Some(b)) => Range::new(a, b).ok_or("range is reversed"),
        (Some(v), None) | (None, Some(v)) => Ok(Range::exact(v)),
        (None, None) => Err(""),
    };
    match range(c.height) {
        Ok(r) => rec.height_cm = Some(r),
        Err("") => {}
        Err(e) => {
            return Err(Broken {
                column: None,
                reason: format!("height {e}"),
            });
        }
    }
    match range(c.weight) {
        Ok(r) => rec.weight_kg = Some(r),
        Err("") => {}
        Err(e) => {
            return Err(Broken {
                column: None,
                reason: format!("weight {e}"),
            });
        }
    }
    match c.years {
        (None, None) => {}
        (a, b) => {
            let (min, max) = (a.or(b).unwrap_or(0), b.or(a).unwrap_or(0));
            if min > max {
                return Err(Broken {
                    column: None,
                    reason: "birth-year range is reversed".into(),
                });
            }
            rec.birth_year = Some(YearRange { min, max });
        }
    }
    match c.ages {
        (None, None) => {}
        (a, b) => {
            let (min, max) = (a.or(b).unwrap_or(0), b.or(a).unwrap_or(0));
            if min > max {
                return Err(Broken {
                    column: None,
                    reason: "age range is reversed".into(),
                });
            }
            rec.age = Some(AgeRange {
                min,
                max,
                as_of: rec.event_date().and_then(|d| d.to_naive()),
            });
        }
    }
    if !c.place.is_empty() {
        match rec.kind {
            Kind::Missing => rec.last_seen = Some(c.place),
            Kind::Unidentified => rec.found_place = Some(c.place),
            Kind::Unclaimed => rec.death_place = Some(c.place),
        }
    }
    Ok(rec)
}

fn apply(
    rec: &mut Record,
    c: &mut Collected,
    ori: &mut Option<String>,
    col: &Column,
    field: Field,
    raw: &str,
    format: &str,
) -> Result<(), String> {
    let mapped = || {
        col.codes
            .get(raw)
            .cloned()
            .unwrap_or_else(|| raw.to_string())
    };
    match field {
        Field::NativeId => rec.id.native_id = raw.to_string(),
        Field::CaseNumber => rec.case_number = Some(raw.to_string()),
        Field::Nic => rec.nic = Some(raw.to_string()),
        Field::Ori => *ori = Some(raw.to_string()),
        Field::AgencyName => rec.agency.name = Some(raw.to_string()),
        Field::Kind => {
            rec.kind = Kind::from_name(&mapped()).ok_or_else(|| {
                format!("`{raw}` is not a kind (missing, unidentified, unclaimed)")
            })?
        }
        Field::Status => {
            rec.status =
                Status::from_name(&mapped()).ok_or_else(|| format!("`{raw}` is not a status"))?
        }
        Field::FamilyName => c.name.family = Some(raw.to_string()),
        Field::GivenName => c.name.given = Some(raw.to_string()),
        Field::MiddleName => c.name.middle = Some(raw.to_string()),
        Field::NameSuffix => c.name.suffix = Some(raw.to_string()),
        Field::FullName => c.name.full = Some(raw.to_string()),
        Field::Alias => c.aliases.push(Name {
            role: NameRole::Alias,
            full: Some(raw.to_string()),
            ..Name::default()
        }),
        Field::Sex => {
            rec.sex = Some(coded(
                col,
                raw,
                Sex::from_name,
                Sex::from_ncic,
                Some(Sex::from_niem),
            )?)
        }
        Field::Race => {
            rec.race = Some(coded(
                col,
                raw,
                Race::from_name,
                Race::from_ncic,
                Some(Race::from_niem),
            )?)
        }
        Field::Ethnicity => {
            rec.ethnicity = Some(coded(
                col,
                raw,
                Ethnicity::from_name,
                Ethnicity::from_ncic,
                None,
            )?)
        }
        Field::Eye => {
            rec.eye = Some(coded(
                col,
                raw,
                EyeColor::from_name,
                EyeColor::from_ncic,
                Some(EyeColor::from_niem),
            )?)
        }
        Field::Hair => {
            rec.hair = Some(coded(
                col,
                raw,
                HairColor::from_name,
                HairColor::from_ncic,
                Some(HairColor::from_niem),
            )?)
        }
        Field::Skin => {
            rec.skin = Some(coded(
                col,
                raw,
                SkinTone::from_name,
                SkinTone::from_ncic,
                None,
            )?)
        }
        Field::DateOfBirth => rec.birth_dates.push(date(col, raw)?),
        Field::LastContact => rec.last_contact = Some(date(col, raw)?),
        Field::DateFound => rec.found_date = Some(date(col, raw)?),
        Field::EstimatedDeath => rec.estimated_death = Some(date(col, raw)?),
        Field::DateOfDeath => rec.death_date = Some(date(col, raw)?),
        Field::BirthYearMin => c.years.0 = Some(year(raw)?),
        Field::BirthYearMax => c.years.1 = Some(year(raw)?),
        Field::AgeMin => c.ages.0 = Some(age(raw)?),
        Field::AgeMax => c.ages.1 = Some(age(raw)?),
        Field::Height => {
            let v = height_cm(col, raw)?;
            c.height = (Some(v), Some(v));
        }
        Field::HeightMin => c.height.0 = Some(height_cm(col, raw)?),
        Field::HeightMax => c.height.1 = Some(height_cm(col, raw)?),
        Field::Weight => {
            let v = weight_kg(col, raw)?;
            c.weight = (Some(v), Some(v));
        }
        Field::WeightMin => c.weight.0 = Some(weight_kg(col, raw)?),
        Field::WeightMax => c.weight.1 = Some(weight_kg(col, raw)?),
        Field::Mark => rec.marks.push(crate::ncic::parse_mark(raw)?),
        Field::City => c.place.city = Some(raw.to_string()),
        Field::Region => {
            let v = mapped();
            if geo::is_us_state(&v) {
                c.place.region = Some(format!("US-{v}"));
                c.place.country = c.place.country.take().or(Some("US".into()));
            } else if let Some((cc, _)) = v
                .split_once('-')
                .filter(|(cc, sub)| geo::is_country(cc) && !sub.is_empty())
            {
                c.place.country = c.place.country.take().or(Some(cc.to_string()));
                c.place.region = Some(v.clone());
            } else {
                return Err(format!("`{raw}` is not a US state or ISO 3166-2 code"));
            }
        }
        Field::Country => {
            let v = mapped();
            if !geo::is_country(&v) {
                return Err(format!("`{raw}` is not an ISO 3166 country code"));
            }
            c.place.country = Some(v);
        }
        Field::Lat => {
            let v = number(raw)?;
            if !(-90.0..=90.0).contains(&v) {
                return Err(format!("latitude {v} is out of range"));
            }
            c.place.lat = Some(v);
        }
        Field::Lon => {
            let v = number(raw)?;
            if !(-180.0..=180.0).contains(&v) {
                return Err(format!("longitude {v} is out of range"));
            }
            c.place.lon = Some(v);
        }
        Field::Remarks => rec.texts.push(Text {
            kind: TextKind::Remarks,
            lang: None,
            text: raw.to_string(),
        }),
        Field::PhotoUrl => rec.photos.push(Photo {
            url: raw.to_string(),
            primary: true,
            ..Photo::default()
        }),
        Field::Extra => rec.extra.push(Extra {
            format: format.to_string(),
            key: col.name.clone(),
            value: raw.to_string(),
        }),
    }
    Ok(())
}
