//! Pull jobs: pages of a partner's change feed (or its PFIF feed) into the store.
//!
//! Each page is applied through the pipeline (durably, items the store refuses go to
//! quarantine), and only then is the page's next cursor saved in the job's state: a crash
//! between the two pulls the page again, which changes nothing (the store recognises what it
//! has). A partner that does not answer is retried with the job's policy; after the last
//! attempt the run ends as failed with the cursor where it was, and the next run resumes
//! there — nothing is skipped. A page the partner serves but this gateway refuses (a bad
//! signature, a record the partner may not send) also ends the run: the cursor cannot move
//! past a page that was not taken, so the job keeps failing, visibly, until it is fixed.

use std::fmt::Write as _;

use chrono::Utc;
use homeward_ops::{Job, JobFuture, RunContext, RunOutcome};
use homeward_store::{InputContext, Origin};

use super::config::JobConfig;
use super::state::JobState;
use super::{JobEnv, Tried, attempt, blocking, stopping};
use crate::admin::partners::{Direction, Exchange};
use crate::pipeline::{ImportSummary, Pipeline};

/// Pages pulled in one run at most (a run does not go on forever behind a busy partner).
pub const MAX_PAGES_PER_RUN: usize = 1000;

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
            "this gateway has no partner link (no identity or partners configured)",
        );
    };
    let partner = job.partner.clone().unwrap_or_default();
    let id = job.id.clone();
    let store = env.store.clone();
    let mut state = match blocking(move || JobState::load(&store, &id)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return RunOutcome::failed(format!("reading the job's cursor: {e}")),
        Err(e) => return RunOutcome::failed(e),
    };
    let mut total = ImportSummary::default();
    let mut pages = 0usize;
    let feed = job.feed();
    let limit = job.batch_size();
    loop {
        if stopping(&ctx) || pages >= MAX_PAGES_PER_RUN {
            break;
        }
        let cursor = state.cursor.clone();
        let got = attempt(&job.retry, &ctx, |_n| {
            let (link, partner, cursor) = (link.clone(), partner.clone(), cursor.clone());
            async move {
                link.pull(&partner, feed, cursor, limit).await.map_err(|e| {
                    let r = e.retriable;
                    (e, r)
                })
            }
        })
        .await;
        let page = match got {
            Ok(p) => p,
            Err(Tried::Stopped) => break,
            Err(Tried::GaveUp(e, n)) => {
                let refused = !e.retriable;
                let why = if refused {
                    format!("{partner} refused: {e}")
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
                let mut s = format!("{pages} page(s) taken");
                if total.read > 0 {
                    let _ = write!(s, " ({total})");
                }
                let _ = write!(
                    s,
                    ", then {why}; resumes from cursor {}",
                    state.cursor.as_deref().unwrap_or("(start)")
                );
                let mut out = RunOutcome::failed(s);
                out.items = total.read;
                out.failed_items = total.rejected;
                return out;
            }
        };
        // Apply the page, durably, before the cursor moves.
        let items = page.items;
        let n_items = items.len() as u64;
        let input = InputContext {
            origin: Origin::Exchange(page.exchange_id.clone()),
            format: page.format.clone(),
            source: None,
            received_at: Utc::now(),
        };
        let applied = attempt(&job.retry, &ctx, |_n| {
            let (env, items, input) = (env.clone(), items.clone(), input.clone());
            async move {
                let r = blocking(move || {
                    Pipeline::new(&env.store, env.batch_items).run(items, &input, |_| Ok(()))
                })
                .await;
                match r {
                    Ok(Ok(s)) => Ok(s),
                    Ok(Err(e)) => Err((e.to_string(), true)),
                    Err(e) => Err((e, true)),
                }
            }
        })
        .await;
        let summary = match applied {
            Ok(s) => s,
            Err(Tried::Stopped) => break,
            Err(Tried::GaveUp(e, n)) => {
                return RunOutcome::failed(format!(
                    "{pages} page(s) taken, then the store failed {n} time(s): {e}; the page will be pulled again"
                ));
            }
        };
        state.cursor = Some(page.next_cursor.clone());
        let (store, id, st) = (env.store.clone(), job.id.clone(), state.clone());
        match blocking(move || st.save(&store, &id)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return RunOutcome::failed(format!("saving the cursor: {e}")),
            Err(e) => return RunOutcome::failed(e),
        }
        pages += 1;
        total.merge(&summary);
        env.partners.record(
            &partner,
            Exchange {
                at: Utc::now(),
                direction: Direction::Pull,
                ok: true,
                records: summary.accepted(),
                detail: format!(
                    "job {}: page {} ({n_items} items)",
                    job.id, page.exchange_id
                ),
            },
            summary.rejected,
            (summary.rejected > 0).then(|| {
                format!(
                    "{} item(s) of page {} refused (in quarantine)",
                    summary.rejected, page.exchange_id
                )
            }),
        );
        env.metrics.inc(
            "homeward_pull_pages_total",
            "Pages pulled from partners.",
            &[("job", &job.id), ("partner", &partner)],
            1.0,
        );
        if !page.more || n_items == 0 {
            break;
        }
    }
    let mut s = format!("{pages} page(s) from {partner}");
    if total.read > 0 {
        let _ = write!(s, ": {total}");
    }
    RunOutcome::ok(s, total.read, total.rejected)
}
