//! When a job runs: a cron expression with seconds in a time zone, or "on change".

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A job's trigger.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// Fires at the times of a cron expression, read in a time zone.
    Cron {
        expr: String,
        schedule: Box<cron::Schedule>,
        tz: Tz,
    },
    /// Fires when the store's change feed moves (the job is woken by the gateway).
    OnChange,
}

/// Why a schedule is not usable; the message says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "cron expression `{expr}` has 5 fields; Homeward's cron has seconds first: write `0 {expr}`"
    )]
    FiveFields { expr: String },
    #[error(
        "cron expression `{expr}`: {reason} (fields: sec min hour day-of-month month day-of-week [year])"
    )]
    Cron { expr: String, reason: String },
    #[error("`{tz}` is not an IANA time zone (e.g. UTC, America/Chicago, Europe/Kyiv)")]
    TimeZone { tz: String },
    #[error("cron expression `{expr}` never fires")]
    Never { expr: String },
}

/// The text that makes a job run on change instead of on a schedule.
pub const ON_CHANGE: &str = "on change";

impl Trigger {
    /// Parses `expr` (a cron expression with seconds, or `on change`) in time zone `tz`
    /// (default UTC).
    pub fn parse(expr: &str, tz: Option<&str>) -> Result<Self, ScheduleError> {
        let expr = expr.trim();
        if expr.eq_ignore_ascii_case(ON_CHANGE) {
            return Ok(Trigger::OnChange);
        }
        let tz: Tz = match tz {
            None => Tz::UTC,
            Some(t) => t
                .parse()
                .map_err(|_| ScheduleError::TimeZone { tz: t.to_string() })?,
        };
        if expr.split_whitespace().count() == 5 {
            return Err(ScheduleError::FiveFields {
                expr: expr.to_string(),
            });
        }
        let schedule = cron::Schedule::from_str(expr).map_err(|e| ScheduleError::Cron {
            expr: expr.to_string(),
            // The cron crate draws the expression with a caret above its message: keep the
            // message, on one line.
            reason: e
                .to_string()
                .lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty() && !l.starts_with('^') && *l != expr)
                .unwrap_or("not a cron expression")
                // the crate names the inclusive maximum as if it were exclusive ("Seconds
                // must be less than 59" for 61): say what it means
                .replace(" must be less than ", " must be at most "),
        })?;
        let trigger = Trigger::Cron {
            expr: expr.to_string(),
            schedule: Box::new(schedule),
            tz,
        };
        if trigger.next_after(Utc::now()).is_none() {
            return Err(ScheduleError::Never {
                expr: expr.to_string(),
            });
        }
        Ok(trigger)
    }

    /// The first firing strictly after `t` (None for on-change triggers and exhausted
    /// schedules). Firings are UTC instants: across a DST fall-back a local time that occurs
    /// twice fires twice, across spring-forward a skipped local time does not fire.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Trigger::Cron { schedule, tz, .. } => schedule
                .after(&t.with_timezone(tz))
                .next()
                .map(|d| d.with_timezone(&Utc)),
            Trigger::OnChange => None,
        }
    }

    /// The next `n` firings after `t`, as local times of the trigger's zone (for previews).
    pub fn upcoming(&self, t: DateTime<Utc>, n: usize) -> Vec<DateTime<Tz>> {
        match self {
            Trigger::Cron { schedule, tz, .. } => {
                schedule.after(&t.with_timezone(tz)).take(n).collect()
            }
            Trigger::OnChange => Vec::new(),
        }
    }

    /// The expression as written.
    pub fn describe(&self) -> String {
        match self {
            Trigger::Cron { expr, tz, .. } => format!("{expr} ({tz})"),
            Trigger::OnChange => ON_CHANGE.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_seconds_cron_in_a_time_zone() {
        let t = Trigger::parse("0 30 2 * * *", Some("America/Chicago")).unwrap();
        let from = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap();
        // 02:30 CST = 08:30 UTC.
        assert_eq!(
            t.next_after(from),
            Some(Utc.with_ymd_and_hms(2026, 1, 10, 8, 30, 0).unwrap())
        );
        let next5 = t.upcoming(from, 5);
        assert_eq!(next5.len(), 5);
        assert_eq!(next5[1].to_rfc3339(), "2026-01-11T02:30:00-06:00");
    }

    #[test]
    fn explains_what_is_wrong() {
        assert!(matches!(
            Trigger::parse("*/5 * * * *", None),
            Err(ScheduleError::FiveFields { .. })
        ));
        assert!(
            Trigger::parse("0 */5 * * * *", None)
                .unwrap()
                .describe()
                .contains("UTC")
        );
        let e = Trigger::parse("0 61 * * * *", None).unwrap_err();
        assert!(matches!(e, ScheduleError::Cron { .. }));
        assert!(e.to_string().contains("Minutes must be at most 59"), "{e}");
        assert!(matches!(
            Trigger::parse("0 0 * * * *", Some("Mars/Olympus")),
            Err(ScheduleError::TimeZone { .. })
        ));
        assert!(matches!(
            Trigger::parse("0 0 0 1 1 * 2001", None),
            Err(ScheduleError::Never { .. })
        ));
        assert!(matches!(
            Trigger::parse("On Change", None),
            Ok(Trigger::OnChange)
        ));
    }

    #[test]
    fn dst_fall_back_fires_by_utc_instant() {
        // 01:30 local happens twice on 2026-11-01 in Chicago.
        let t = Trigger::parse("0 30 1 * * *", Some("America/Chicago")).unwrap();
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 5, 0, 0).unwrap();
        let first = t.next_after(from).unwrap();
        let second = t.next_after(first).unwrap();
        assert!(second > first);
    }
}
