//! Records → fixed-width lines, by a declared layout.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;

use homeward_schemas::{Kind, NameRole, Record, Transaction, units};

use super::spec::{Column, Field, LayoutSpec};
use crate::format::{WriteError, Writer};
use crate::item::Loss;

/// Writes files of one layout.
pub struct LayoutWriter {
    pub(super) spec: Arc<LayoutSpec>,
    pub(super) format_name: String,
}

/// The file's code for a canonical value: the column's mapping reversed, else the canonical
/// name.
fn encode(col: &Column, canonical: &str, ncic: &str) -> String {
    encode_with(col, canonical, ncic, None)
}

/// [`encode`] for a value that also has a NIEM code (the reader takes those too).
fn encode_with(col: &Column, canonical: &str, ncic: &str, niem: Option<&str>) -> String {
    if let Some((raw, _)) = col.codes.iter().find(|(_, v)| v.as_str() == canonical) {
        return raw.clone();
    }
    if let Some((raw, _)) = col
        .codes
        .iter()
        .find(|(_, v)| v.as_str() == ncic && !ncic.is_empty())
    {
        return raw.clone();
    }
    if col.codes.is_empty() && !ncic.is_empty() {
        // Files without a mapping hold NCIC codes more often than names.
        return ncic.to_string();
    }
    // No code of the column's own: the canonical name when it fits, else the NCIC code (the
    // reader takes both), else the name (too long: not written, see `LayoutWriter::line`).
    if canonical.chars().count() > col.length
        && let Some(code) = [Some(ncic), niem].into_iter().flatten().find(|c| {
            !c.is_empty() && c.chars().count() <= col.length && !col.codes.contains_key(*c)
        })
    {
        return code.to_string();
    }
    canonical.to_string()
}

/// Fields holding a code: a code cut short is another code or none, so one too long for its
/// column is not written at all.
fn is_coded(field: Field) -> bool {
    matches!(
        field,
        Field::Kind
            | Field::Status
            | Field::Sex
            | Field::Race
            | Field::Ethnicity
            | Field::Eye
            | Field::Hair
            | Field::Skin
    )
}

fn fmt_num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// The value of `field` in `r` as the column writes it.
fn value(r: &Record, col: &Column, field: Field, nth: usize) -> Option<String> {
    let primary = r.names.iter().find(|n| n.role == NameRole::Primary);
    let place = match r.kind {
        Kind::Missing => r.last_seen.as_ref(),
        Kind::Unidentified => r.found_place.as_ref(),
        Kind::Unclaimed => r.death_place.as_ref(),
    };
    let date = |d: Option<homeward_schemas::PartialDate>| {
        d.and_then(|d| d.to_naive()).map(|d| {
            d.format(col.date_format.as_deref().unwrap_or("%Y%m%d"))
                .to_string()
        })
    };
    let height = |cm: Option<f64>| {
        cm.and_then(|cm| match col.unit.as_deref() {
            Some("cm") => Some(fmt_num(cm)),
            Some("in") => Some(fmt_num(units::cm_to_inches(cm))),
            Some("ftin") => units::cm_to_ncic_height(cm),
            _ => None,
        })
    };
    let weight = |kg: Option<f64>| {
        kg.and_then(|kg| match col.unit.as_deref() {
            Some("kg") => Some(fmt_num(kg)),
            Some("lb") => Some(fmt_num(units::kg_to_pounds(kg))),
            _ => None,
        })
    };
    match field {
        Field::NativeId => Some(r.id.native_id.clone()),
        Field::CaseNumber => r.case_number.clone(),
        Field::Nic => r.nic.clone(),
        Field::Ori => r.agency.ori.clone(),
        Field::AgencyName => r.agency.name.clone(),
        Field::Kind => Some(encode(col, r.kind.as_str(), "")),
        Field::Status => Some(encode(col, r.status.as_str(), "")),
        Field::FamilyName => primary.and_then(|n| n.family.clone()),
        Field::GivenName => primary.and_then(|n| n.given.clone()),
        Field::MiddleName => primary.and_then(|n| n.middle.clone()),
        Field::NameSuffix => primary.and_then(|n| n.suffix.clone()),
        Field::FullName => primary.and_then(|n| n.full.clone()),
        Field::Alias => r
            .names
            .iter()
            .filter(|n| n.role != NameRole::Primary)
            .nth(nth)
            .map(|n| n.display()),
        Field::Sex => r
            .sex
            .map(|v| encode_with(col, v.as_str(), v.ncic(), Some(v.niem()))),
        Field::Race => r
            .race
            .map(|v| encode_with(col, v.as_str(), v.ncic(), Some(v.niem()))),
        Field::Ethnicity => r.ethnicity.map(|v| encode(col, v.as_str(), v.ncic())),
        Field::Eye => r
            .eye
            .map(|v| encode_with(col, v.as_str(), v.ncic(), Some(v.niem()))),
        Field::Hair => r
            .hair
            .map(|v| encode_with(col, v.as_str(), v.ncic(), Some(v.niem()))),
        Field::Skin => r.skin.map(|v| encode(col, v.as_str(), v.ncic())),
        Field::DateOfBirth => date(r.birth_dates.first().copied()),
        Field::LastContact => date(r.last_contact),
        Field::DateFound => date(r.found_date),
        Field::EstimatedDeath => date(r.estimated_death),
        Field::DateOfDeath => date(r.death_date),
        Field::BirthYearMin => r.birth_year.map(|y| y.min.to_string()),
        Field::BirthYearMax => r.birth_year.map(|y| y.max.to_string()),
        Field::AgeMin => r.age.map(|a| a.min.to_string()),
        Field::AgeMax => r.age.map(|a| a.max.to_string()),
        Field::Height => r.height_cm.and_then(|h| height(Some(h.mid()))),
        Field::HeightMin => r.height_cm.and_then(|h| height(Some(h.min))),
        Field::HeightMax => r.height_cm.and_then(|h| height(Some(h.max))),
        Field::Weight => r.weight_kg.and_then(|w| weight(Some(w.mid()))),
        Field::WeightMin => r.weight_kg.and_then(|w| weight(Some(w.min))),
        Field::WeightMax => r.weight_kg.and_then(|w| weight(Some(w.max))),
        Field::Mark => r.marks.get(nth).map(|m| {
            let mut s = m.kind.ncic().to_string();
            if let Some(side) = m.side {
                s.push(' ');
                s.push_str(side.ncic());
            }
            s.push(' ');
            s.push_str(&m.part);
            if let Some(t) = &m.text {
                s.push(' ');
                s.push_str(t);
            }
            s
        }),
        Field::City => place.and_then(|p| p.city.clone()),
        Field::Region => place.and_then(|p| p.region.clone()).map(|r| {
            let code = r
                .strip_prefix("US-")
                .map(str::to_string)
                .unwrap_or(r.clone());
            encode(col, &code, "")
        }),
        Field::Country => place.and_then(|p| p.country.clone()),
        Field::Lat => place.and_then(|p| p.lat).map(|v| format!("{v}")),
        Field::Lon => place.and_then(|p| p.lon).map(|v| format!("{v}")),
        Field::Remarks => r.texts.get(nth).map(|t| t.text.clone()),
        Field::PhotoUrl => r.photos.first().map(|p| p.url.clone()),
        Field::Extra => r
            .extra
            .iter()
            .find(|x| x.key == col.name)
            .map(|x| x.value.clone()),
    }
}

/// The canonical record keys a layout's fields cover.
fn covered_keys(spec: &LayoutSpec) -> BTreeSet<&'static str> {
    let mut keys: BTreeSet<&'static str> = [
        "schema_version",
        "kind",
        "id",
        "format",
        "version",
        "received_at",
        "source_updated_at",
        "status",
        "status_history",
    ]
    .into();
    for c in &spec.columns {
        let key = match Field::parse(&c.field) {
            Some(Field::CaseNumber) => "case_number",
            Some(Field::Nic) => "nic",
            Some(Field::Ori | Field::AgencyName) => "agency",
            Some(
                Field::FamilyName
                | Field::GivenName
                | Field::MiddleName
                | Field::NameSuffix
                | Field::FullName
                | Field::Alias,
            ) => "names",
            Some(Field::Sex) => "sex",
            Some(Field::Race) => "race",
            Some(Field::Ethnicity) => "ethnicity",
            Some(Field::Eye) => "eye",
            Some(Field::Hair) => "hair",
            Some(Field::Skin) => "skin",
            Some(Field::DateOfBirth) => "birth_dates",
            Some(Field::BirthYearMin | Field::BirthYearMax) => "birth_year",
            Some(Field::AgeMin | Field::AgeMax) => "age",
            Some(Field::Height | Field::HeightMin | Field::HeightMax) => "height_cm",
            Some(Field::Weight | Field::WeightMin | Field::WeightMax) => "weight_kg",
            Some(Field::Mark) => "marks",
            Some(Field::LastContact) => "last_contact",
            Some(Field::DateFound) => "found_date",
            Some(Field::EstimatedDeath) => "estimated_death",
            Some(Field::DateOfDeath) => "death_date",
            Some(Field::City | Field::Region | Field::Country | Field::Lat | Field::Lon) => {
                "__place"
            }
            Some(Field::Remarks) => "texts",
            Some(Field::PhotoUrl) => "photos",
            Some(Field::Extra) => "extra",
            _ => continue,
        };
        keys.insert(key);
    }
    keys
}

impl LayoutWriter {
    /// The line for one record, and what the layout could not hold.
    pub fn line(&self, r: &Record) -> (String, Vec<Loss>) {
        let mut losses = Vec::new();
        let mut lose = |field: String, detail: String| {
            losses.push(Loss {
                record: r.id.clone(),
                field,
                detail,
                left_out: false,
            })
        };
        let width = self.spec.width();
        let mut line: Vec<char> = vec![' '; width];
        let mut nth: std::collections::HashMap<Field, usize> = Default::default();
        for col in &self.spec.columns {
            let Some(field) = Field::parse(&col.field) else {
                continue;
            };
            let i = nth.entry(field).or_insert(0);
            let v = value(r, col, field, *i);
            *i += 1;
            let Some(v) = v else { continue };
            let chars: Vec<char> = v.chars().collect();
            if chars.len() > col.length && is_coded(field) {
                lose(
                    col.field.clone(),
                    format!(
                        "not written: `{v}` is longer than column {} ({} characters) and its codes have none shorter for it",
                        col.name, col.length
                    ),
                );
                continue;
            }
            if chars.len() > col.length {
                lose(
                    col.field.clone(),
                    format!(
                        "`{v}` cut to {} characters (column {})",
                        col.length, col.name
                    ),
                );
            }
            for (k, ch) in chars.iter().take(col.length).enumerate() {
                if let Some(slot) = line.get_mut(col.start - 1 + k) {
                    *slot = *ch;
                }
            }
        }
        // What the record has that no column holds.
        let covered = covered_keys(&self.spec);
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(r) {
            for key in map.keys() {
                let place_key = matches!(key.as_str(), "last_seen" | "found_place" | "death_place");
                if place_key && covered.contains("__place") {
                    continue;
                }
                if !covered.contains(key.as_str()) {
                    lose(
                        key.clone(),
                        format!(
                            "not written: layout `{}` has no column for it",
                            self.spec.name
                        ),
                    );
                }
            }
        }
        let mut s: String = line.into_iter().collect();
        if self.spec.record_length.is_none() {
            s = s.trim_end().to_string();
        }
        (s, losses)
    }
}

impl Writer for LayoutWriter {
    fn begin(&mut self, out: &mut dyn Write) -> Result<(), WriteError> {
        for _ in 0..self.spec.skip_lines {
            out.write_all(format!("# {} ({})\n", self.spec.name, self.format_name).as_bytes())?;
        }
        Ok(())
    }

    fn record(&mut self, out: &mut dyn Write, record: &Record) -> Result<Vec<Loss>, WriteError> {
        let (line, losses) = self.line(record);
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(losses)
    }

    fn transaction(
        &mut self,
        _out: &mut dyn Write,
        t: &Transaction,
    ) -> Result<Vec<Loss>, WriteError> {
        Ok(vec![Loss {
            record: homeward_schemas::RecordId::new(&t.target.source, &t.target.native_id),
            field: "transaction".into(),
            detail: format!(
                "{} not written: a fixed-width layout holds whole records only",
                t.action.name()
            ),
            left_out: true,
        }])
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<(), WriteError> {
        out.flush()?;
        Ok(())
    }
}
