//! What the gateway last exchanged with each partner, and what was refused, as the admin API
//! and `homeward status` show it. Pull and push jobs report here; the partner API server can
//! report what partners sent (through [`PartnerActivity::record`]).

use std::collections::BTreeMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Which way an exchange went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// We pulled from the partner.
    Pull,
    /// We pushed to the partner.
    Push,
    /// The partner pushed to us or pulled from us.
    Inbound,
}

/// One exchange with a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exchange {
    pub at: DateTime<Utc>,
    pub direction: Direction,
    pub ok: bool,
    /// Records moved (pulled, pushed and taken, or received).
    pub records: u64,
    /// One line: the job, the exchange id, or why it failed.
    pub detail: String,
}

/// What is known of one partner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartnerStatus {
    pub id: String,
    pub last_exchange: Option<Exchange>,
    pub last_success: Option<DateTime<Utc>>,
    pub exchanges: u64,
    /// Calls that failed (the partner unreachable, or refusing).
    pub failures: u64,
    /// Records or pages refused, by either side.
    pub refusals: u64,
    pub last_refusal: Option<String>,
    pub records_in: u64,
    pub records_out: u64,
}

/// Partner activity since the gateway started.
#[derive(Debug, Default)]
pub struct PartnerActivity {
    by_id: RwLock<BTreeMap<String, PartnerStatus>>,
}

impl PartnerActivity {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an exchange (`refused`: records or pages refused in it, with the last reason).
    pub fn record(&self, partner: &str, ex: Exchange, refused: u64, reason: Option<String>) {
        let Ok(mut m) = self.by_id.write() else {
            return;
        };
        let s = m
            .entry(partner.to_string())
            .or_insert_with(|| PartnerStatus {
                id: partner.to_string(),
                ..PartnerStatus::default()
            });
        s.exchanges += 1;
        if ex.ok {
            s.last_success = Some(ex.at);
            match ex.direction {
                Direction::Pull | Direction::Inbound => s.records_in += ex.records,
                Direction::Push => s.records_out += ex.records,
            }
        } else {
            s.failures += 1;
        }
        s.refusals += refused;
        if reason.is_some() {
            s.last_refusal = reason;
        }
        s.last_exchange = Some(ex);
    }

    /// The status of every partner in `ids` (configured ones first, in order), then any other
    /// that exchanged.
    pub fn statuses(&self, ids: &[String]) -> Vec<PartnerStatus> {
        let m = self.by_id.read().map(|m| m.clone()).unwrap_or_default();
        let mut out: Vec<PartnerStatus> = ids
            .iter()
            .map(|id| {
                m.get(id).cloned().unwrap_or_else(|| PartnerStatus {
                    id: id.clone(),
                    ..PartnerStatus::default()
                })
            })
            .collect();
        out.extend(m.into_values().filter(|s| !ids.contains(&s.id)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_exchange_and_counts_refusals() {
        let a = PartnerActivity::new();
        let ex = |ok, records| Exchange {
            at: Utc::now(),
            direction: Direction::Push,
            ok,
            records,
            detail: "job hub-push".into(),
        };
        a.record("hub", ex(true, 10), 0, None);
        a.record("hub", ex(false, 0), 1, Some("403 policy_violation".into()));
        let s = a.statuses(&["hub".into(), "intl".into()]);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].exchanges, s[0].failures, s[0].refusals), (2, 1, 1));
        assert_eq!(s[0].records_out, 10);
        assert_eq!(s[0].last_exchange.as_ref().map(|e| e.ok), Some(false));
        assert!(s[0].last_success.is_some());
        assert_eq!(s[1].exchanges, 0);
    }
}
