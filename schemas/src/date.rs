//! Dates that may be partial (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), as partners send them.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date of which the month and day may be unknown.
///
/// Serialized as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. A day is only present with a month. Every
/// constructor checks the calendar: `2023-02-29` is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    year: i32,
    month: Option<u8>,
    day: Option<u8>,
}

/// Why a text is not a [`PartialDate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("`{0}` is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")]
    Shape(String),
    #[error("`{0}` is not a calendar date")]
    Calendar(String),
}

impl PartialDate {
    /// A whole year.
    pub fn year(year: i32) -> Result<Self, DateError> {
        Self::new(year, None, None)
    }

    /// A year and month, or a full date; checks the calendar.
    pub fn new(year: i32, month: Option<u8>, day: Option<u8>) -> Result<Self, DateError> {
        let text = || format!("{year:04}-{month:?}-{day:?}");
        if !(1..=9999).contains(&year) {
            return Err(DateError::Calendar(text()));
        }
        match (month, day) {
            (None, Some(_)) => return Err(DateError::Shape(text())),
            (Some(m), None) if !(1..=12).contains(&m) => return Err(DateError::Calendar(text())),
            (Some(m), Some(d))
                if NaiveDate::from_ymd_opt(year, u32::from(m), u32::from(d)).is_none() =>
            {
                return Err(DateError::Calendar(format!("{year:04}-{m:02}-{d:02}")));
            }
            _ => {}
        }
        Ok(Self { year, month, day })
    }

    /// A full date.
    pub fn from_naive(date: NaiveDate) -> Self {
        // month() and day() are always within u8 range.
        Self {
            year: date.year(),
            month: u8::try_from(date.month()).ok(),
            day: u8::try_from(date.day()).ok(),
        }
    }

    /// Parses `CCYYMMDD` (the NCIC form). Checks the calendar.
    pub fn parse_compact(s: &str) -> Result<Self, DateError> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DateError::Shape(s.to_string()));
        }
        let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
        match (num(0..4), num(4..6), num(6..8)) {
            (Some(y), Some(m), Some(d)) => {
                let y = i32::try_from(y).map_err(|_| DateError::Shape(s.to_string()))?;
                let (m, d) = (m as u8, d as u8);
                Self::new(y, Some(m), Some(d)).map_err(|_| DateError::Calendar(s.to_string()))
            }
            _ => Err(DateError::Shape(s.to_string())),
        }
    }

    /// `CCYYMMDD`; `None` when the date is partial (NCIC cannot hold it).
    pub fn to_compact(&self) -> Option<String> {
        match (self.month, self.day) {
            (Some(m), Some(d)) => Some(format!("{:04}{:02}{:02}", self.year, m, d)),
            _ => None,
        }
    }

    pub fn year_value(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> Option<u8> {
        self.month
    }

    pub fn day(&self) -> Option<u8> {
        self.day
    }

    pub fn is_full(&self) -> bool {
        self.day.is_some()
    }

    /// The full date, when known.
    pub fn to_naive(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.month?), u32::from(self.day?))
    }

    /// The first day the date may denote.
    pub fn earliest(&self) -> NaiveDate {
        let m = u32::from(self.month.unwrap_or(1));
        let d = u32::from(self.day.unwrap_or(1));
        NaiveDate::from_ymd_opt(self.year, m, d).unwrap_or(NaiveDate::MIN)
    }

    /// The last day the date may denote.
    pub fn latest(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(self.year, u32::from(m), u32::from(d)),
            (Some(m), None) => {
                let (ny, nm) = if m == 12 {
                    (self.year + 1, 1)
                } else {
                    (self.year, u32::from(m) + 1)
                };
                NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
            }
            _ => NaiveDate::from_ymd_opt(self.year, 12, 31),
        }
        .unwrap_or(NaiveDate::MAX)
    }

    /// The middle of the interval the date denotes, for arithmetic on estimates.
    pub fn midpoint(&self) -> NaiveDate {
        let a = self.earliest();
        let b = self.latest();
        a + (b - a) / 2
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for PartialDate {
    type Err = DateError;

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (digits exactly so wide).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shape = || DateError::Shape(s.to_string());
        let parts: Vec<&str> = s.split('-').collect();
        let widths_ok = match parts.as_slice() {
            [y] => y.len() == 4,
            [y, m] => y.len() == 4 && m.len() == 2,
            [y, m, d] => y.len() == 4 && m.len() == 2 && d.len() == 2,
            _ => false,
        };
        if !widths_ok || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(shape());
        }
        let year: i32 = parts[0].parse().map_err(|_| shape())?;
        let month = match parts.get(1) {
            Some(m) => Some(m.parse::<u8>().map_err(|_| shape())?),
            None => None,
        };
        let day = match parts.get(2) {
            Some(d) => Some(d.parse::<u8>().map_err(|_| shape())?),
            None => None,
        };
        Self::new(year, month, day).map_err(|_| DateError::Calendar(s.to_string()))
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for PartialDate {
    fn schema_name() -> Cow<'static, str> {
        "PartialDate".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A date that may be partial: YYYY, YYYY-MM or YYYY-MM-DD.",
            "pattern": "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_shapes() {
        assert_eq!("2012".parse::<PartialDate>().unwrap().to_string(), "2012");
        assert_eq!(
            "2012-03".parse::<PartialDate>().unwrap().to_string(),
            "2012-03"
        );
        assert_eq!(
            "2012-03-14".parse::<PartialDate>().unwrap().to_string(),
            "2012-03-14"
        );
    }

    #[test]
    fn refuses_non_calendar_dates() {
        assert!(matches!(
            "2023-02-29".parse::<PartialDate>(),
            Err(DateError::Calendar(_))
        ));
        assert!("2024-02-29".parse::<PartialDate>().is_ok());
        assert!(matches!(
            "2023-13".parse::<PartialDate>(),
            Err(DateError::Calendar(_))
        ));
        assert!(matches!(
            PartialDate::parse_compact("20230230"),
            Err(DateError::Calendar(_))
        ));
        assert!(matches!(
            PartialDate::parse_compact("2023023"),
            Err(DateError::Shape(_))
        ));
        assert!("12-03-2012".parse::<PartialDate>().is_err());
        assert!("2012-3-14".parse::<PartialDate>().is_err());
    }

    #[test]
    fn bounds_of_partial_dates() {
        let d: PartialDate = "2024-02".parse().unwrap();
        assert_eq!(d.earliest(), NaiveDate::from_ymd_opt(2024, 2, 1).unwrap());
        assert_eq!(d.latest(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        let y: PartialDate = "2023".parse().unwrap();
        assert_eq!(y.latest(), NaiveDate::from_ymd_opt(2023, 12, 31).unwrap());
        assert_eq!(y.to_compact(), None);
        let f = PartialDate::parse_compact("20110312").unwrap();
        assert_eq!(f.to_compact().as_deref(), Some("20110312"));
        assert_eq!(f.to_string(), "2011-03-12");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = s.parse::<PartialDate>();
            let _ = PartialDate::parse_compact(&s);
        }
    }
}
