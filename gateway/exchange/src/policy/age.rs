//! The children-only rule: was the person under 18 at last contact?
//!
//! A policy that shares children only must never send an adult's record, so the rule answers
//! *yes* only when every reading of the record's dates gives an age under 18:
//!
//! - the reference date is the record's event date: last contact (missing), date found
//!   (unidentified), date of death or estimated death (unclaimed / unidentified), taking its
//!   **latest** possible day when partial (`2024-05` → 31 May 2024);
//! - with dates of birth on file, the age is counted from the **earliest** possible day of
//!   each (`2008` → 1 January 2008) and the oldest reading decides;
//! - else with an estimated year of birth (`birth_year`), from 1 January of its first year;
//! - else with an age range, its upper bound; when the range's `as_of` date is before the
//!   reference date, increased by the whole years between them plus one (a birthday may fall
//!   in the remainder);
//! - with no reference date, no birth information, or a reference date before birth, the age
//!   is unknown and the person does not count as a child.

use chrono::{Datelike, NaiveDate};
use homeward_schemas::Record;

/// Full years from `birth` to `at` (`None` when `at` is before `birth`).
pub fn full_years(birth: NaiveDate, at: NaiveDate) -> Option<i32> {
    if at < birth {
        return None;
    }
    let mut years = at.year() - birth.year();
    if (at.month(), at.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    Some(years)
}

/// The largest age the person may have had at last contact, in whole years, if known.
pub fn max_age_at_last_contact(record: &Record) -> Option<i32> {
    let reference = record.event_date()?.latest();
    if !record.birth_dates.is_empty() {
        let mut oldest = None;
        for b in &record.birth_dates {
            let a = full_years(b.earliest(), reference)?;
            oldest = Some(oldest.map_or(a, |o: i32| o.max(a)));
        }
        return oldest;
    }
    if let Some(y) = record.birth_year {
        let birth = NaiveDate::from_ymd_opt(y.min, 1, 1)?;
        return full_years(birth, reference);
    }
    if let Some(age) = record.age {
        let mut max = i32::from(age.max);
        if let Some(as_of) = age.as_of
            && reference > as_of
        {
            // the person has aged since `as_of`: by the whole years between, and may
            // have had one more birthday in the remainder
            max += full_years(as_of, reference).unwrap_or(0) + 1;
        }
        return Some(max);
    }
    None
}

/// Whether the person was certainly under 18 at last contact.
pub fn is_child(record: &Record) -> bool {
    max_age_at_last_contact(record).is_some_and(|a| a < 18)
}
