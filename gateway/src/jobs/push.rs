//! Push jobs: the store's change feed to a partner, on a schedule or on change.
//!
//! The link sends what changed after the partner's cursor (as the records now stand, through
//! the sharing policy) and moves the cursor only after the partner's signed receipt. A
//! partner that does not answer is retried with the job's policy; after the last attempt the
//! run ends with the cursor where it was, and the next run sends the same changes again (the
//! partner answers `unchanged` for what it already took: nothing is lost or doubled).
//!
//! A batch the partner refuses for good (a 4xx: a record it may not receive, one it cannot
//! read) is pushed again one change at a time to find the change it refuses. That change's
//! record is kept in this gateway's quarantine (a canonical item whose origin is
//! `push job <id> to <partner>`, with the partner's reason), the cursor moves past it, and the
//! rest goes through: one poison record never blocks the feed. Reprocessing the item through
//! the admin API sends the record again as it then stands.

use std::fmt::Write as _;

use chrono::Utc;
use homeward_adapters::{Position, ReadItem};
use homeward_ops::{Job, JobFuture, RunContext, RunOutcome};
use homeward_store::{CANONICAL_FORMAT, InputContext, Origin};

use super::config::JobConfig;
use super::link::{LinkError, PartnerLink, PushDone};
use super::{JobEnv, Tried, attempt, blocking, stopping};
use crate::admin::partners::{Direction, Exchange};

/// Pushes to a partner.
pub struct Push {
    pub job: JobConfig,
    pub env: JobEnv,
}

impl Job for Push {
    fn run(&self, ctx: RunContext) -> JobFuture {
        let job = self.job.clone();
        let env = self.env.clone();
        Box::pin(async move { run(job, env, ctx).await })
    }
}

/// The quarantine origin of records a partner refused for good.
pub fn quarantine_origin(job: &str, partner: &str) -> String {
    format!("push job {job} to {partner}")
}

/// Reads `push job <job> to <partner>` back.
pub fn parse_quarantine_origin(origin: &str) -> Option<(&str, &str)> {
    let rest = origin.strip_prefix("push job ")?;
    let (job, partner) = rest.split_once(" to ")?;
    Some((job, partner))
}

/// Push calls in one run at most (a run ends; the next goes on).
const MAX_CALLS: usize = 10_000;

#[derive(Default)]
struct Counts {
    items: u64,
    accepted: u64,
    unchanged: u64,
    rejected_there: u64,
    quarantined: u64,
    exchanges: u64,
}

impl Counts {
    fn add(&mut self, d: &PushDone) {
        self.items += d.items;
        self.accepted += d.accepted;
        self.unchanged += d.unchanged;
        self.rejected_there += d.rejected;
        if d.items > 0 {
            self.exchanges += 1;
        }
    }
}

enum Step {
    Done(PushDone),
    Stop(RunOutcome),
    Refused(LinkError),
}

async fn once(
    job: &JobConfig,
    ctx: &RunContext,
    link: &dyn PartnerLink,
    partner: &str,
    max: usize,
) -> Step {
    let tried = attempt(&job.retry, ctx, |_n| async move {
        link.push_once(partner, max).await.map_err(|e| {
            let r = e.retriable;
            (e, r)
        })
    })
    .await;
    match tried {
        Ok(d) => Step::Done(d),
        Err(Tried::Stopped) => Step::Stop(RunOutcome::failed(
            "stopped by shutdown; the next run sends the rest",
        )),
        Err(Tried::GaveUp(e, n)) if e.retriable => Step::Stop(RunOutcome::failed(format!(
            "{partner} unreachable after {n} attempt(s): {e}; the cursor stays, the next run sends the rest"
        ))),
        Err(Tried::GaveUp(e, _)) => Step::Refused(e),
    }
}

async fn run(job: JobConfig, env: JobEnv, ctx: RunContext) -> RunOutcome {
    let Some(link) = env.link.clone() else {
        return RunOutcome::failed(
            "this gateway has no partner link (no [gateway], identity or partners configured)",
        );
    };
    let partner = job.partner.clone().unwrap_or_default();
    let mut counts = Counts::default();
    let mut calls = 0;
    let mut single = false;
    let outcome = loop {
        if stopping(&ctx) || calls >= MAX_CALLS {
            break None;
        }
        calls += 1;
        let max = if single { 1 } else { job.batch_size() };
        match once(&job, &ctx, &*link, &partner, max).await {
            Step::Done(d) => {
                counts.add(&d);
                if d.changes == 0 {
                    break None;
                }
                // Back to whole batches once the refused change is passed.
                single = false;
            }
            Step::Stop(o) => break Some(o),
            Step::Refused(e) if !single => {
                tracing::warn!(job = %job.id, %partner, error = %e, "batch refused for good; looking for the refused change");
                single = true;
            }
            Step::Refused(e) => match set_aside(&job, &env, &*link, &partner, &e).await {
                Ok(()) => {
                    counts.quarantined += 1;
                    single = false;
                }
                Err(why) => break Some(RunOutcome::failed(why)),
            },
        }
    };
    record_activity(&job, &env, &partner, &counts, outcome.as_ref());
    if let Some(mut o) = outcome {
        o.items = counts.items;
        o.failed_items = counts.quarantined;
        if counts.items > 0 {
            o.summary = format!("{} item(s) sent, then {}", counts.items, o.summary);
        }
        return o;
    }
    let mut s = format!(
        "{} item(s) to {partner} in {} exchange(s): {} accepted, {} unchanged",
        counts.items, counts.exchanges, counts.accepted, counts.unchanged
    );
    if counts.rejected_there > 0 {
        let _ = write!(s, ", {} refused by the partner", counts.rejected_there);
    }
    if counts.quarantined > 0 {
        let _ = write!(
            s,
            ", {} record(s) refused for good (in quarantine)",
            counts.quarantined
        );
    }
    RunOutcome::ok(s, counts.items, counts.quarantined + counts.rejected_there)
}

fn record_activity(
    job: &JobConfig,
    env: &JobEnv,
    partner: &str,
    c: &Counts,
    failed: Option<&RunOutcome>,
) {
    if c.items == 0 && failed.is_none() {
        return;
    }
    env.partners.record(
        partner,
        Exchange {
            at: Utc::now(),
            direction: Direction::Push,
            ok: failed.is_none(),
            records: c.accepted,
            detail: match failed {
                Some(o) => format!("job {}: {}", job.id, o.summary),
                None => format!("job {}: {} item(s) sent", job.id, c.items),
            },
        },
        c.rejected_there + c.quarantined,
        (c.quarantined > 0).then(|| {
            format!(
                "{} record(s) refused for good, in quarantine",
                c.quarantined
            )
        }),
    );
    env.metrics.inc(
        "homeward_push_items_total",
        "Items pushed to partners (receipt in).",
        &[("job", &job.id), ("partner", partner)],
        c.items as f64,
    );
}

/// The change after the partner's cursor was refused for good on its own: its record goes to
/// quarantine with the reason, and the cursor moves past it.
async fn set_aside(
    job: &JobConfig,
    env: &JobEnv,
    link: &dyn PartnerLink,
    partner: &str,
    e: &LinkError,
) -> Result<(), String> {
    let consumer = link.push_consumer(partner);
    let origin = quarantine_origin(&job.id, partner);
    let reason_head = format!(
        "{partner} refused{}: {}",
        e.status.map(|s| format!(" ({s})")).unwrap_or_default(),
        e.message
    );
    let store = env.store.clone();
    let quarantined = blocking(
        move || -> Result<Option<String>, homeward_store::StoreError> {
            let cursor = store.cursor(&consumer)?;
            let Some(change) = store.changes_after(cursor, 1)?.into_iter().next() else {
                return Ok(None);
            };
            if let Some(record) = store.get(&change.record)? {
                let raw = serde_json::to_vec(&serde_json::json!({ "record": record }))
                    .map_err(|e| homeward_store::StoreError::Invalid(e.to_string()))?;
                let item = ReadItem::rejected(
                    CANONICAL_FORMAT,
                    None,
                    format!(
                        "{reason_head} (record {}, change {})",
                        record.id, change.seq
                    ),
                    Position::default(),
                    raw,
                );
                let input = InputContext {
                    origin: Origin::Internal(origin),
                    format: CANONICAL_FORMAT.to_string(),
                    source: Some(record.id.source.clone()),
                    received_at: Utc::now(),
                };
                store.apply_one(&item, &input)?;
            }
            store.set_cursor(&consumer, change.seq)?;
            Ok(Some(change.record.to_string()))
        },
    )
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("setting a refused record aside: {e}"))?;
    match quarantined {
        Some(id) => {
            tracing::warn!(job = %job.id, partner, record = %id, "record refused for good by the partner, kept in quarantine");
            env.partners.record(
                partner,
                Exchange {
                    at: Utc::now(),
                    direction: Direction::Push,
                    ok: false,
                    records: 0,
                    detail: format!("job {}: {id} refused, in quarantine", job.id),
                },
                0,
                Some(format!("{id}: {}", e.message)),
            );
            Ok(())
        }
        None => Err(format!("{partner} refused: {e}")),
    }
}
