//! The pushers and pullers of `[federation]`, as background tasks.
//!
//! A pusher runs [`Federation::push_once`] whenever the change feed may hold something new:
//! at once after a run that found changes, when woken by [`Running::notify_changed`], and every
//! `poll_interval_ms` otherwise. After a failure it waits: the retry policy's delays already
//! ran inside the push, so a transient failure waits a poll interval doubled per consecutive
//! failure (up to the refused backoff), a refusal (4xx, a bad receipt) the refused backoff.
//! A puller runs its pull every `interval_ms`. Each task checks the stop signal only between
//! runs, so an exchange in flight finishes.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::config::{FederationSection, PullFeed};
use super::{Running, Stop};
use crate::federation::{Federation, SyncError};

/// Waits `d`, or until woken or stopped; returns false when stopped.
async fn pause(stop: &mut Stop, wake: Option<&Notify>, d: Duration) -> bool {
    if stop.is_stopped() {
        return false;
    }
    match wake {
        Some(n) => {
            tokio::select! {
                _ = stop.stopped() => {}
                _ = n.notified() => {}
                _ = tokio::time::sleep(d) => {}
            }
        }
        None => {
            tokio::select! {
                _ = stop.stopped() => {}
                _ = tokio::time::sleep(d) => {}
            }
        }
    }
    !stop.is_stopped()
}

fn record(fed: &Federation, task: &str, result: Result<u64, &SyncError>) {
    let now = fed.clock.now();
    match result {
        Ok(n) => fed.status.record(task, now, Ok(n)),
        Err(e) => {
            tracing::warn!(task, error = %e, "sync run failed");
            fed.status.record(task, now, Err(e.to_string()));
        }
    }
}

pub(super) fn start_sync_tasks(running: &mut Running, cfg: &FederationSection) {
    let poll = Duration::from_millis(cfg.poll_interval_ms);
    let refused = Duration::from_millis(cfg.refused_backoff_ms.max(cfg.poll_interval_ms));
    for partner in &cfg.push_to {
        let fed = running.federation().clone();
        let wake = running.changed();
        let partner = partner.clone();
        let batch = cfg.push_batch;
        running.spawn(&format!("push {partner}"), move |stop| {
            pusher(fed, wake, partner, batch, poll, refused, stop)
        });
    }
    if cfg.expire_interval_ms > 0 {
        let fed = running.federation().clone();
        let wake = running.changed();
        let every = Duration::from_millis(cfg.expire_interval_ms);
        running.spawn("expire", move |stop| expirer(fed, wake, every, stop));
    }
    for pull in &cfg.pull {
        let fed = running.federation().clone();
        let (partner, feed) = (pull.partner.clone(), pull.feed);
        let every = Duration::from_millis(pull.interval_ms);
        running.spawn(&format!("pull {partner} {}", feed.as_str()), move |stop| {
            puller(fed, partner, feed, every, stop)
        });
    }
}

async fn pusher(
    fed: Arc<Federation>,
    wake: Arc<Notify>,
    partner: String,
    batch: usize,
    poll: Duration,
    refused: Duration,
    mut stop: Stop,
) {
    let task = format!("push {partner}");
    let mut failures = 0u32;
    loop {
        let wait = match fed.push_once(&partner, batch).await {
            Ok(r) => {
                failures = 0;
                if r.changes > 0 {
                    record(&fed, &task, Ok(r.items as u64));
                    Duration::ZERO
                } else {
                    poll
                }
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                record(&fed, &task, Err(&e));
                if e.is_transient() {
                    poll.saturating_mul(1u32 << failures.min(16)).min(refused)
                } else {
                    refused
                }
            }
        };
        if wait.is_zero() {
            if stop.is_stopped() {
                return;
            }
            continue;
        }
        if !pause(&mut stop, Some(&wake), wait).await {
            return;
        }
    }
}

async fn puller(
    fed: Arc<Federation>,
    partner: String,
    feed: PullFeed,
    every: Duration,
    mut stop: Stop,
) {
    let task = format!("pull {partner} {}", feed.as_str());
    loop {
        let result = match feed {
            PullFeed::Changes => fed.pull_changes_once(&partner).await,
            PullFeed::Pfif => fed.pull_pfif_once(&partner).await,
        };
        record(&fed, &task, result.as_ref().map(|r| r.items as u64));
        if !pause(&mut stop, None, every).await {
            return;
        }
    }
}

/// Expires what is due, then every `every`; wakes the pushers when something expired so the
/// expiry reaches the partners that had the records.
async fn expirer(fed: Arc<Federation>, wake: Arc<Notify>, every: Duration, mut stop: Stop) {
    loop {
        let store = fed.store.clone();
        let now = fed.clock.now();
        match tokio::task::spawn_blocking(move || store.expire_due(now)).await {
            Ok(Ok(ids)) if !ids.is_empty() => {
                tracing::info!(
                    records = ids.len(),
                    "expired records past their expiry date"
                );
                fed.status.record("expire", now, Ok(ids.len() as u64));
                wake.notify_waiters();
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "expiring records failed");
                fed.status.record("expire", now, Err(e.to_string()));
            }
            Err(e) => fed.status.record("expire", now, Err(e.to_string())),
        }
        if !pause(&mut stop, None, every).await {
            return;
        }
    }
}
