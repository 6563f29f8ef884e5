//! Push jobs: the store's change feed to a partner.
//!
//! The job reads the changes after its cursor (consumer `job:<id>`), pushes the records they
//! touched as they now stand, and moves the cursor only after the partner's receipt. A
//! partner that does not answer is retried with the job's policy; after the last attempt the
//! run ends with the cursor where it was, and the next run sends the same records again
//! (the partner answers `unchanged` for what it already took: nothing is lost or doubled).
//!
//! A batch the partner refuses for good (4xx) is split in halves until the refused records
//! are found; each of those is kept in this gateway's quarantine (a canonical item whose
//! origin is `push job <id> to <partner>`, with the partner's reason) and the rest go
//! through: one poison record never blocks the feed. Reprocessing such an item through the
//! admin API pushes the record again.

use std::fmt::Write as _;

use chrono::Utc;
use homeward_adapters::{Position, ReadItem};
use homeward_ops::{Job, JobFuture, RunContext, RunOutcome};
use homeward_schemas::Record;
use homeward_store::{CANONICAL_FORMAT, InputContext, Origin, Outcome};

use super::config::JobConfig;
use super::link::{LinkError, PushedItem};
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

/// The cursor name of a push job on the change feed.
pub fn consumer_name(job: &str) -> String {
    format!("job:{job}")
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

#[derive(Default)]
struct Counts {
    accepted: u64,
    unchanged: u64,
    rejected_there: u64,
    quarantined: u64,
    withheld: u64,
    pushes: u64,
}

async fn run(job: JobConfig, env: JobEnv, ctx: RunContext) -> RunOutcome {
    if env.link.is_none() {
        return RunOutcome::failed(
            "this gateway has no partner link (no identity or partners configured)",
        );
    }
    let partner = job.partner.clone().unwrap_or_default();
    let consumer = consumer_name(&job.id);
    let mut counts = Counts::default();
    let mut batches = 0u64;
    loop {
        if stopping(&ctx) {
            break;
        }
        let (store, consumer2, limit) = (env.store.clone(), consumer.clone(), job.batch_size());
        let next = blocking(move || -> Result<_, String> {
            let feed = store.consumer(&consumer2).map_err(|e| e.to_string())?;
            let changes = feed.next_batch(limit).map_err(|e| e.to_string())?;
            let mut ids = Vec::new();
            for c in &changes {
                if !ids.contains(&c.record) {
                    ids.push(c.record.clone());
                }
            }
            let mut records = Vec::new();
            for id in &ids {
                if let Some(r) = store.get(id).map_err(|e| e.to_string())? {
                    records.push(r);
                }
            }
            Ok((changes.last().map(|c| c.seq), records))
        })
        .await;
        let (last, records) = match next {
            Ok(Ok(v)) => v,
            Ok(Err(e)) | Err(e) => {
                return RunOutcome::failed(format!("reading the change feed: {e}"));
            }
        };
        let Some(last) = last else { break };
        match push_all(&job, &env, &ctx, &partner, records, &mut counts).await {
            Ok(()) => {}
            Err(Stop::Shutdown) => break,
            Err(Stop::Unreachable(why)) => {
                env.partners.record(
                    &partner,
                    Exchange {
                        at: Utc::now(),
                        direction: Direction::Push,
                        ok: false,
                        records: 0,
                        detail: format!("job {}: {why}", job.id),
                    },
                    0,
                    None,
                );
                return RunOutcome {
                    ok: false,
                    summary: format!(
                        "{} record(s) taken by {partner} in {batches} batch(es), then {why}; the rest is sent next run",
                        counts.accepted + counts.unchanged
                    ),
                    items: counts.accepted + counts.unchanged,
                    failed_items: counts.quarantined,
                };
            }
            Err(Stop::Store(why)) => {
                return RunOutcome::failed(format!("the store failed: {why}"));
            }
        }
        let (store, consumer2) = (env.store.clone(), consumer.clone());
        let acked = blocking(move || {
            store
                .consumer(&consumer2)
                .and_then(|f| f.ack(last))
                .map_err(|e| e.to_string())
        })
        .await;
        if let Ok(Err(e)) | Err(e) = acked {
            return RunOutcome::failed(format!("moving the cursor: {e}"));
        }
        batches += 1;
    }
    let mut s = format!(
        "{} record(s) to {partner}: {} accepted, {} unchanged",
        counts.accepted + counts.unchanged + counts.rejected_there,
        counts.accepted,
        counts.unchanged
    );
    if counts.rejected_there > 0 {
        let _ = write!(s, ", {} refused by the partner", counts.rejected_there);
    }
    if counts.quarantined > 0 {
        let _ = write!(
            s,
            ", {} refused for good (in quarantine)",
            counts.quarantined
        );
    }
    if counts.withheld > 0 {
        let _ = write!(s, ", {} withheld by the sharing policy", counts.withheld);
    }
    RunOutcome::ok(
        s,
        counts.accepted + counts.unchanged + counts.rejected_there,
        counts.quarantined + counts.rejected_there,
    )
}

enum Stop {
    Shutdown,
    Unreachable(String),
    Store(String),
}

/// Pushes `records`, splitting batches the partner refuses for good down to the records it
/// refuses, which go to quarantine.
async fn push_all(
    job: &JobConfig,
    env: &JobEnv,
    ctx: &RunContext,
    partner: &str,
    records: Vec<Record>,
    counts: &mut Counts,
) -> Result<(), Stop> {
    let Some(link) = env.link.clone() else {
        return Err(Stop::Unreachable("no partner link".into()));
    };
    let mut stack = vec![records];
    while let Some(chunk) = stack.pop() {
        if chunk.is_empty() {
            continue;
        }
        if stopping(ctx) {
            return Err(Stop::Shutdown);
        }
        let n = chunk.len();
        let tried = attempt(&job.retry, ctx, |_n| {
            let (link, partner, chunk) = (link.clone(), partner.to_string(), chunk.clone());
            async move {
                link.push(&partner, chunk).await.map_err(|e| {
                    let r = e.retriable;
                    (e, r)
                })
            }
        })
        .await;
        match tried {
            Ok(pushed) => {
                counts.pushes += 1;
                counts.withheld += pushed.withheld as u64;
                let mut taken = 0;
                let mut refused_reason = None;
                let mut refused = 0;
                for it in &pushed.items {
                    match it {
                        PushedItem::Accepted(_) => {
                            counts.accepted += 1;
                            taken += 1;
                        }
                        PushedItem::Unchanged(_) => counts.unchanged += 1,
                        PushedItem::Rejected(id, why) => {
                            counts.rejected_there += 1;
                            refused += 1;
                            refused_reason = Some(format!("{id}: {why}"));
                        }
                    }
                }
                env.partners.record(
                    partner,
                    Exchange {
                        at: Utc::now(),
                        direction: Direction::Push,
                        ok: true,
                        records: taken,
                        detail: format!(
                            "job {}: exchange {} ({n} records)",
                            job.id, pushed.exchange_id
                        ),
                    },
                    refused,
                    refused_reason,
                );
                env.metrics.inc(
                    "homeward_push_records_total",
                    "Records pushed to partners and taken (accepted or unchanged).",
                    &[("job", &job.id), ("partner", partner)],
                    (pushed.items.len() as u64 - refused) as f64,
                );
            }
            Err(Tried::Stopped) => return Err(Stop::Shutdown),
            Err(Tried::GaveUp(e, attempts)) if e.retriable => {
                return Err(Stop::Unreachable(format!(
                    "{partner} unreachable after {attempts} attempt(s): {e}"
                )));
            }
            Err(Tried::GaveUp(e, _)) => {
                if n > 1 {
                    let mut left = chunk;
                    let right = left.split_off(n / 2);
                    stack.push(right);
                    stack.push(left);
                    continue;
                }
                let Some(record) = chunk.into_iter().next() else {
                    continue;
                };
                quarantine(job, env, partner, record, &e).await?;
                counts.quarantined += 1;
            }
        }
    }
    Ok(())
}

/// Keeps a record the partner refused for good in quarantine, with its reason.
async fn quarantine(
    job: &JobConfig,
    env: &JobEnv,
    partner: &str,
    record: Record,
    e: &LinkError,
) -> Result<(), Stop> {
    let reason = format!(
        "{partner} refused {}{}: {}",
        record.id,
        e.status.map(|s| format!(" ({s})")).unwrap_or_default(),
        e.message
    );
    env.partners.record(
        partner,
        Exchange {
            at: Utc::now(),
            direction: Direction::Push,
            ok: false,
            records: 0,
            detail: format!("job {}: {reason}", job.id),
        },
        1,
        Some(reason.clone()),
    );
    let raw = serde_json::to_vec(&serde_json::json!({ "record": record }))
        .map_err(|e| Stop::Store(e.to_string()))?;
    let item = ReadItem::rejected(CANONICAL_FORMAT, None, reason, Position::default(), raw);
    let input = InputContext {
        origin: Origin::Internal(quarantine_origin(&job.id, partner)),
        format: CANONICAL_FORMAT.to_string(),
        source: Some(record.id.source.clone()),
        received_at: Utc::now(),
    };
    let store = env.store.clone();
    let out = blocking(move || store.apply_one(&item, &input)).await;
    match out {
        Ok(Ok(o)) => {
            if let Outcome::Rejected { quarantine, .. } = o.outcome {
                tracing::warn!(job = %job.id, partner, quarantine, "record refused for good by the partner, kept in quarantine");
            }
            Ok(())
        }
        Ok(Err(e)) => Err(Stop::Store(e.to_string())),
        Err(e) => Err(Stop::Store(e)),
    }
}
