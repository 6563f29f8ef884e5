//! Pull jobs: a partner's change feed (or PFIF feed) into the store, on the job's schedule.
//!
//! The link applies each page with its cursor in one commit (a crash re-reads at most the
//! page in flight, which changes nothing). A partner that does not answer is retried with the
//! job's policy; after the last attempt the run ends as failed and the next run resumes from
//! the kept cursor — nothing is skipped. A page this gateway refuses (a bad signature, a
//! record the partner may not send) also ends the run: the cursor cannot move past a page
//! that was not taken, so the job keeps failing, visibly (status, metrics), until the partner
//! or the registry is fixed. Items the store refuses within a taken page go to quarantine.

use std::fmt::Write as _;

use chrono::Utc;
use homeward_ops::{Job, JobFuture, RunContext, RunOutcome};

use super::config::JobConfig;
use super::{JobEnv, Tried, attempt};
use crate::admin::partners::{Direction, Exchange};

/// Pulls from a partner.
pub struct Pull {
    pub job: JobConfig,
    pub env: JobEnv,
}

impl Job for Pull {
    fn run(&self, ctx: RunContext) -> JobFuture {
        let job = self.job.clone();
        let env = self.env.clone();
        Box::pin(async move { run(job, env, ctx).await })
    }
}

async fn run(job: JobConfig, env: JobEnv, ctx: RunContext) -> RunOutcome {
    let Some(link) = env.link.clone() else {
        return RunOutcome::failed(
            "this gateway has no partner link (no [gateway], identity or partners configured)",
        );
    };
    let partner = job.partner.clone().unwrap_or_default();
    let feed = job.feed();
    let got = attempt(&job.retry, &ctx, |_n| {
        let (link, partner) = (link.clone(), partner.clone());
        async move {
            link.pull_once(&partner, feed).await.map_err(|e| {
                let r = e.retriable;
                (e, r)
            })
        }
    })
    .await;
    match got {
        Ok(done) => {
            let refused = done.rejected;
            env.partners.record(
                &partner,
                Exchange {
                    at: Utc::now(),
                    direction: Direction::Pull,
                    ok: true,
                    records: done.accepted,
                    detail: format!(
                        "job {}: {} page(s), {} item(s)",
                        job.id, done.pages, done.items
                    ),
                },
                refused,
                (refused > 0).then(|| format!("{refused} pulled item(s) refused (in quarantine)")),
            );
            env.metrics.inc(
                "homeward_pull_items_total",
                "Items pulled from partners.",
                &[("job", &job.id), ("partner", &partner)],
                done.items as f64,
            );
            let mut s = format!(
                "{} page(s) from {partner}: {} item(s), {} new or changed, {} unchanged",
                done.pages, done.items, done.accepted, done.unchanged
            );
            if refused > 0 {
                let _ = write!(s, ", {refused} refused (in quarantine)");
            }
            RunOutcome::ok(s, done.items, refused)
        }
        Err(Tried::Stopped) => RunOutcome::failed("stopped by shutdown; the next run resumes"),
        Err(Tried::GaveUp(e, n)) => {
            let refused = !e.retriable;
            let why = if refused {
                format!(
                    "{partner} answered{}: {e}",
                    e.status.map(|s| format!(" {s}")).unwrap_or_default()
                )
            } else {
                format!("{partner} unreachable after {n} attempt(s): {e}")
            };
            env.partners.record(
                &partner,
                Exchange {
                    at: Utc::now(),
                    direction: Direction::Pull,
                    ok: false,
                    records: 0,
                    detail: format!("job {}: {why}", job.id),
                },
                u64::from(refused),
                refused.then(|| why.clone()),
            );
            RunOutcome::failed(format!("{why}; the next run resumes from the kept cursor"))
        }
    }
}
