//! The declaration of a fixed-width layout, as an administrator writes it in the configuration.

use std::collections::BTreeMap;

use homeward_schemas::Kind;
use serde::{Deserialize, Serialize};

/// A fixed-width file layout: one record per line, fields at fixed character positions.
///
/// ```toml
/// [[layouts]]
/// name = "ok-dps-flat"
/// kind = "missing"
/// skip_lines = 1
/// [[layouts.columns]]
/// name = "case"
/// start = 1
/// length = 12
/// field = "native_id"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutSpec {
    /// The format name (`--format NAME`, a job's `format`). Must not be a built-in format's.
    pub name: String,
    /// One line for people.
    #[serde(default)]
    pub description: Option<String>,
    /// Kind of every record, unless a `kind` column says otherwise.
    #[serde(default = "default_kind")]
    pub kind: Kind,
    /// Source to file records under, unless the import names one (default: the `ori` column,
    /// else the layout's name).
    #[serde(default)]
    pub source: Option<String>,
    /// Header lines at the top of each file to skip.
    #[serde(default)]
    pub skip_lines: usize,
    /// Exact length of every record line, in characters, when the export pads lines.
    #[serde(default)]
    pub record_length: Option<usize>,
    pub columns: Vec<Column>,
}

fn default_kind() -> Kind {
    Kind::Missing
}

/// One column of a layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The column's name in the state's documentation (named in rejections).
    pub name: String,
    /// 1-based position of its first character.
    pub start: usize,
    /// Width in characters.
    pub length: usize,
    /// The canonical field it fills (see [`Field`]); `extra` keeps it verbatim.
    pub field: String,
    /// Maps the file's codes to canonical values (`"1" = "male"`); unmapped values are read as
    /// canonical names, then NCIC codes, then NIEM codes.
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
    /// chrono format of a date column (default `%Y%m%d`).
    #[serde(default)]
    pub date_format: Option<String>,
    /// Unit of a height (`cm`, `in`, `ftin` as NCIC `510`) or weight (`kg`, `lb`) column.
    #[serde(default)]
    pub unit: Option<String>,
    /// A line with this column blank is rejected.
    #[serde(default)]
    pub required: bool,
}

/// The canonical fields a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    NativeId,
    CaseNumber,
    Nic,
    Ori,
    AgencyName,
    Kind,
    Status,
    FamilyName,
    GivenName,
    MiddleName,
    NameSuffix,
    FullName,
    Alias,
    Sex,
    Race,
    Ethnicity,
    DateOfBirth,
    BirthYearMin,
    BirthYearMax,
    AgeMin,
    AgeMax,
    Height,
    HeightMin,
    HeightMax,
    Weight,
    WeightMin,
    WeightMax,
    Eye,
    Hair,
    Skin,
    Mark,
    LastContact,
    DateFound,
    EstimatedDeath,
    DateOfDeath,
    City,
    Region,
    Country,
    Lat,
    Lon,
    Remarks,
    PhotoUrl,
    Extra,
}

impl Field {
    pub const ALL: &'static [(&'static str, Field)] = &[
        ("native_id", Field::NativeId),
        ("case_number", Field::CaseNumber),
        ("nic", Field::Nic),
        ("ori", Field::Ori),
        ("agency_name", Field::AgencyName),
        ("kind", Field::Kind),
        ("status", Field::Status),
        ("family_name", Field::FamilyName),
        ("given_name", Field::GivenName),
        ("middle_name", Field::MiddleName),
        ("name_suffix", Field::NameSuffix),
        ("full_name", Field::FullName),
        ("alias", Field::Alias),
        ("sex", Field::Sex),
        ("race", Field::Race),
        ("ethnicity", Field::Ethnicity),
        ("date_of_birth", Field::DateOfBirth),
        ("birth_year_min", Field::BirthYearMin),
        ("birth_year_max", Field::BirthYearMax),
        ("age_min", Field::AgeMin),
        ("age_max", Field::AgeMax),
        ("height", Field::Height),
        ("height_min", Field::HeightMin),
        ("height_max", Field::HeightMax),
        ("weight", Field::Weight),
        ("weight_min", Field::WeightMin),
        ("weight_max", Field::WeightMax),
        ("eye", Field::Eye),
        ("hair", Field::Hair),
        ("skin", Field::Skin),
        ("mark", Field::Mark),
        ("last_contact", Field::LastContact),
        ("date_found", Field::DateFound),
        ("estimated_death", Field::EstimatedDeath),
        ("date_of_death", Field::DateOfDeath),
        ("city", Field::City),
        ("region", Field::Region),
        ("country", Field::Country),
        ("lat", Field::Lat),
        ("lon", Field::Lon),
        ("remarks", Field::Remarks),
        ("photo_url", Field::PhotoUrl),
        ("extra", Field::Extra),
    ];

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }

    pub fn name(self) -> &'static str {
        Field::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("extra")
    }

    /// Fields that take a date.
    pub fn is_date(self) -> bool {
        matches!(
            self,
            Field::DateOfBirth
                | Field::LastContact
                | Field::DateFound
                | Field::EstimatedDeath
                | Field::DateOfDeath
        )
    }

    pub fn is_height(self) -> bool {
        matches!(self, Field::Height | Field::HeightMin | Field::HeightMax)
    }

    pub fn is_weight(self) -> bool {
        matches!(self, Field::Weight | Field::WeightMin | Field::WeightMax)
    }

    /// Fields that may appear in several columns.
    pub fn repeats(self) -> bool {
        matches!(
            self,
            Field::Alias | Field::Mark | Field::Remarks | Field::Extra
        )
    }
}

/// What is wrong with a layout declaration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("layout `{layout}` has no name")]
    NoName { layout: String },
    #[error("layout `{layout}` has no columns")]
    NoColumns { layout: String },
    #[error("layout `{layout}`, column `{column}`: {reason}")]
    Column {
        layout: String,
        column: String,
        reason: String,
    },
}

impl LayoutSpec {
    /// Every problem of the declaration (empty when it is usable).
    pub fn validate(&self) -> Vec<LayoutError> {
        let mut errors = Vec::new();
        let layout = self.name.clone();
        if self.name.trim().is_empty() {
            errors.push(LayoutError::NoName {
                layout: layout.clone(),
            });
        }
        if self.columns.is_empty() {
            errors.push(LayoutError::NoColumns {
                layout: layout.clone(),
            });
        }
        let col_err = |c: &Column, reason: String| LayoutError::Column {
            layout: layout.clone(),
            column: c.name.clone(),
            reason,
        };
        let mut seen_fields: Vec<Field> = Vec::new();
        let mut has_id = false;
        for (i, c) in self.columns.iter().enumerate() {
            if c.start == 0 {
                errors.push(col_err(c, "start is 1-based: 0 is not a position".into()));
            }
            if c.length == 0 {
                errors.push(col_err(c, "length must be at least 1".into()));
            }
            let end = c.start + c.length;
            if let Some(rl) = self.record_length
                && end.saturating_sub(1) > rl
            {
                errors.push(col_err(
                    c,
                    format!(
                        "ends at {} beyond the record length {rl}",
                        end.saturating_sub(1)
                    ),
                ));
            }
            for other in &self.columns[..i] {
                let o_end = other.start + other.length;
                if c.start < o_end && other.start < end {
                    errors.push(col_err(c, format!("overlaps column `{}`", other.name)));
                }
            }
            let Some(field) = Field::parse(&c.field) else {
                errors.push(col_err(
                    c,
                    format!(
                        "unknown field `{}` (known: {})",
                        c.field,
                        Field::ALL
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                continue;
            };
            if field == Field::NativeId || field == Field::Nic {
                has_id = true;
            }
            if !field.repeats() && seen_fields.contains(&field) {
                errors.push(col_err(
                    c,
                    format!("field `{}` is filled by two columns", c.field),
                ));
            }
            seen_fields.push(field);
            if let Some(fmt) = &c.date_format {
                if !field.is_date() {
                    errors.push(col_err(
                        c,
                        "date_format on a column that is not a date".into(),
                    ));
                } else if !date_format_ok(fmt) {
                    errors.push(col_err(
                        c,
                        format!(
                            "date_format `{fmt}` is not a chrono format with year, month and day"
                        ),
                    ));
                }
            }
            match (&c.unit, field.is_height(), field.is_weight()) {
                (Some(u), true, _) if !matches!(u.as_str(), "cm" | "in" | "ftin") => errors.push(
                    col_err(c, format!("height unit `{u}` is not cm, in or ftin")),
                ),
                (Some(u), _, true) if !matches!(u.as_str(), "kg" | "lb") => {
                    errors.push(col_err(c, format!("weight unit `{u}` is not kg or lb")))
                }
                (Some(_), false, false) => errors.push(col_err(
                    c,
                    "unit on a column that is not a height or weight".into(),
                )),
                (None, true, _) | (None, _, true) => errors.push(col_err(
                    c,
                    "a height or weight column needs a unit (cm, in, ftin / kg, lb)".into(),
                )),
                _ => {}
            }
        }
        if !has_id && !self.columns.is_empty() {
            errors.push(LayoutError::Column {
                layout: layout.clone(),
                column: "-".into(),
                reason: "no column fills native_id or nic: records could not be named".into(),
            });
        }
        errors
    }

    /// The width of a written line.
    pub fn width(&self) -> usize {
        let cols = self
            .columns
            .iter()
            .map(|c| c.start + c.length - 1)
            .max()
            .unwrap_or(0);
        self.record_length.unwrap_or(0).max(cols)
    }
}

/// Whether `fmt` formats and parses a full date.
fn date_format_ok(fmt: &str) -> bool {
    use chrono::format::{Item, StrftimeItems};
    let items: Vec<Item<'_>> = StrftimeItems::new(fmt).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return false;
    }
    let Some(d) = chrono::NaiveDate::from_ymd_opt(2024, 11, 23) else {
        return false;
    };
    let s = d.format(fmt).to_string();
    chrono::NaiveDate::parse_from_str(&s, fmt).ok() == Some(d)
}
