//! Measures in metric, and the exact conversions from the units partners use.
//!
//! The canonical record holds heights in centimetres and weights in kilograms as `f64`. The
//! conversions are the exact definitions (1 in = 2.54 cm, 1 lb = 0.45359237 kg), so
//! `HGT/510` (5 ft 10 in) is 177.8 cm and converting back gives 510 again.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const CM_PER_INCH: f64 = 2.54;
pub const KG_PER_POUND: f64 = 0.453_592_37;

/// A value, or a range of values, in the field's unit (a single value has `min == max`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    pub fn exact(v: f64) -> Self {
        Self { min: v, max: v }
    }

    /// A range; `None` when reversed or not finite.
    pub fn new(min: f64, max: f64) -> Option<Self> {
        (min.is_finite() && max.is_finite() && min <= max).then_some(Self { min, max })
    }

    pub fn is_exact(&self) -> bool {
        self.min == self.max
    }

    pub fn mid(&self) -> f64 {
        (self.min + self.max) / 2.0
    }

    /// Distance from `v` to the range (0 inside it).
    pub fn distance_to(&self, v: f64) -> f64 {
        if v < self.min {
            self.min - v
        } else if v > self.max {
            v - self.max
        } else {
            0.0
        }
    }

    /// Distance between two ranges (0 when they overlap).
    pub fn gap(&self, other: &Range) -> f64 {
        if other.max < self.min {
            self.min - other.max
        } else if other.min > self.max {
            other.min - self.max
        } else {
            0.0
        }
    }

    pub fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        Self {
            min: f(self.min),
            max: f(self.max),
        }
    }
}

pub fn inches_to_cm(inches: f64) -> f64 {
    inches * CM_PER_INCH
}

pub fn cm_to_inches(cm: f64) -> f64 {
    cm / CM_PER_INCH
}

pub fn pounds_to_kg(lb: f64) -> f64 {
    lb * KG_PER_POUND
}

pub fn kg_to_pounds(kg: f64) -> f64 {
    kg / KG_PER_POUND
}

/// NCIC height `FII` (feet, then two-digit inches: `510`) in centimetres.
/// `None` when the inches are 12 or more or the text is not three digits.
pub fn ncic_height_to_cm(s: &str) -> Option<f64> {
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let feet = f64::from(s.as_bytes()[0] - b'0');
    let inches: u8 = s.get(1..3)?.parse().ok()?;
    if inches >= 12 {
        return None;
    }
    Some(inches_to_cm(feet * 12.0 + f64::from(inches)))
}

/// Centimetres as NCIC `FII`, rounded to the nearest inch; `None` beyond 9 ft 11 in.
pub fn cm_to_ncic_height(cm: f64) -> Option<String> {
    let total = cm_to_inches(cm).round();
    if !(0.0..=119.0).contains(&total) {
        return None;
    }
    let total = total as u32;
    Some(format!("{}{:02}", total / 12, total % 12))
}

/// Whether `cm` is exactly a whole number of inches (so NCIC can hold it without rounding).
pub fn is_whole_inches(cm: f64) -> bool {
    let inches = cm_to_inches(cm);
    (inches - inches.round()).abs() < 1e-6
}

/// Whether `kg` is exactly a whole number of pounds.
pub fn is_whole_pounds(kg: f64) -> bool {
    let lb = kg_to_pounds(kg);
    (lb - lb.round()).abs() < 1e-6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ncic_height_is_exact() {
        let cm = ncic_height_to_cm("510").unwrap();
        assert!((cm - 177.8).abs() < 1e-9);
        assert_eq!(cm_to_ncic_height(cm).as_deref(), Some("510"));
        assert_eq!(ncic_height_to_cm("512"), None);
        assert_eq!(ncic_height_to_cm("51"), None);
        assert_eq!(cm_to_ncic_height(147.0).as_deref(), Some("410"));
        assert!(is_whole_inches(cm));
        assert!(!is_whole_inches(147.0));
    }

    #[test]
    fn pounds_round_trip() {
        for lb in 1..600 {
            let kg = pounds_to_kg(f64::from(lb));
            assert_eq!(kg_to_pounds(kg).round() as i32, lb);
            assert!(is_whole_pounds(kg));
        }
    }

    #[test]
    fn ranges() {
        assert!(Range::new(3.0, 2.0).is_none());
        let r = Range::new(160.0, 170.0).unwrap();
        assert_eq!(r.distance_to(175.0), 5.0);
        assert_eq!(r.gap(&Range::exact(150.0)), 10.0);
        assert_eq!(r.gap(&Range::new(165.0, 180.0).unwrap()), 0.0);
    }
}
