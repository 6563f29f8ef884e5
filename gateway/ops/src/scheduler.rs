//! The job scheduler: runs each job at its trigger's times (or when woken), one run of a job
//! at a time, and keeps what an administrator asks about — last run, outcome, next run.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{Notify, watch};

use crate::schedule::Trigger;

/// What time it is. Production uses the system clock; tests use [`TokioClock`] so that
/// tokio's paused time drives the schedule.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that advances with tokio's time (which tests can pause and advance).
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    base: DateTime<Utc>,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// Reads `base` at the current tokio instant.
    pub fn starting_at(base: DateTime<Utc>) -> Self {
        Self {
            base,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now() - self.start;
        self.base + chrono::Duration::from_std(elapsed).unwrap_or_default()
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunOutcome {
    pub ok: bool,
    /// One line for the status table.
    pub summary: String,
    /// Items handled (files, records, exchanges).
    pub items: u64,
    /// Items that failed and went to quarantine (the run went on).
    pub failed_items: u64,
}

impl RunOutcome {
    pub fn ok(summary: impl Into<String>, items: u64, failed_items: u64) -> Self {
        Self {
            ok: true,
            summary: summary.into(),
            items,
            failed_items,
        }
    }

    pub fn failed(summary: impl Into<String>) -> Self {
        Self {
            ok: false,
            summary: summary.into(),
            items: 0,
            failed_items: 0,
        }
    }
}

/// What a run knows.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub job: String,
    /// The firing this run is for (or when it was woken).
    pub scheduled_for: DateTime<Utc>,
    /// Becomes true when the gateway shuts down: finish the current item and return.
    pub shutdown: watch::Receiver<bool>,
}

pub type JobFuture = Pin<Box<dyn Future<Output = RunOutcome> + Send>>;

/// A job's work.
pub trait Job: Send + Sync {
    fn run(&self, ctx: RunContext) -> JobFuture;
}

impl<F> Job for F
where
    F: Fn(RunContext) -> JobFuture + Send + Sync,
{
    fn run(&self, ctx: RunContext) -> JobFuture {
        self(ctx)
    }
}

/// A job as the admin surface shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobStatus {
    pub id: String,
    pub trigger: String,
    pub running: bool,
    pub runs: u64,
    pub failures: u64,
    pub last_started: Option<DateTime<Utc>>,
    pub last_finished: Option<DateTime<Utc>>,
    pub last_outcome: Option<RunOutcome>,
    pub next_run: Option<DateTime<Utc>>,
}

/// Statuses shared between the scheduler, the admin API and reloads.
pub type Statuses = Arc<RwLock<BTreeMap<String, JobStatus>>>;

struct Entry {
    id: String,
    trigger: Trigger,
    job: Arc<dyn Job>,
    wake: Arc<Notify>,
}

/// The scheduler, before it runs.
pub struct Scheduler {
    clock: Arc<dyn Clock>,
    entries: Vec<Entry>,
    statuses: Statuses,
}

/// Talks to a running scheduler.
#[derive(Clone)]
pub struct SchedulerHandle {
    statuses: Statuses,
    wakes: Arc<BTreeMap<String, Arc<Notify>>>,
    on_change: Arc<Vec<Arc<Notify>>>,
}

/// Longest sleep before the wall clock is looked at again.
const MAX_SLEEP: Duration = Duration::from_secs(30);

impl Scheduler {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self::with_statuses(clock, Statuses::default())
    }

    /// A scheduler that keeps the statuses of a previous one (a configuration reload).
    pub fn with_statuses(clock: Arc<dyn Clock>, statuses: Statuses) -> Self {
        Self {
            clock,
            entries: Vec::new(),
            statuses,
        }
    }

    pub fn add(&mut self, id: impl Into<String>, trigger: Trigger, job: Arc<dyn Job>) {
        let id = id.into();
        let next = trigger.next_after(self.clock.now());
        if let Ok(mut s) = self.statuses.write() {
            let st = s.entry(id.clone()).or_insert_with(|| JobStatus {
                id: id.clone(),
                trigger: String::new(),
                running: false,
                runs: 0,
                failures: 0,
                last_started: None,
                last_finished: None,
                last_outcome: None,
                next_run: None,
            });
            st.trigger = trigger.describe();
            st.next_run = next;
        }
        self.entries.push(Entry {
            id,
            trigger,
            job,
            wake: Arc::new(Notify::new()),
        });
    }

    pub fn handle(&self) -> SchedulerHandle {
        SchedulerHandle {
            statuses: self.statuses.clone(),
            wakes: Arc::new(
                self.entries
                    .iter()
                    .map(|e| (e.id.clone(), e.wake.clone()))
                    .collect(),
            ),
            on_change: Arc::new(
                self.entries
                    .iter()
                    .filter(|e| matches!(e.trigger, Trigger::OnChange))
                    .map(|e| e.wake.clone())
                    .collect(),
            ),
        }
    }

    /// Runs every job until `shutdown` becomes true; a run in progress is let finish.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let mut tasks = Vec::new();
        for e in self.entries {
            let clock = self.clock.clone();
            let statuses = self.statuses.clone();
            let shutdown = shutdown.clone();
            tasks.push(tokio::spawn(job_loop(e, clock, statuses, shutdown)));
        }
        for t in tasks {
            let _ = t.await;
        }
    }
}

fn update(statuses: &Statuses, id: &str, f: impl FnOnce(&mut JobStatus)) {
    if let Ok(mut s) = statuses.write()
        && let Some(st) = s.get_mut(id)
    {
        f(st);
    }
}

async fn job_loop(
    e: Entry,
    clock: Arc<dyn Clock>,
    statuses: Statuses,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let next = e.trigger.next_after(clock.now());
        update(&statuses, &e.id, |s| s.next_run = next);
        // Wait for the firing, a wake-up, or shutdown.
        let fired_for = loop {
            let now = clock.now();
            let wait = match next {
                Some(n) if n <= now => break n,
                Some(n) => (n - now).to_std().unwrap_or_default().min(MAX_SLEEP),
                None => MAX_SLEEP,
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = e.wake.notified() => break clock.now(),
                changed = shutdown.changed() => {
                    // A dropped sender means no one can run the gateway any more: stop
                    // (instead of waking again at once, forever).
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                }
            }
        };
        let started = clock.now();
        update(&statuses, &e.id, |s| {
            s.running = true;
            s.last_started = Some(started);
        });
        tracing::info!(job = %e.id, scheduled_for = %fired_for, "job run starts");
        let outcome = e
            .job
            .run(RunContext {
                job: e.id.clone(),
                scheduled_for: fired_for,
                shutdown: shutdown.clone(),
            })
            .await;
        let finished = clock.now();
        if outcome.ok {
            tracing::info!(job = %e.id, summary = %outcome.summary, "job run finished");
        } else {
            tracing::warn!(job = %e.id, summary = %outcome.summary, "job run failed");
        }
        update(&statuses, &e.id, |s| {
            s.running = false;
            s.runs += 1;
            if !outcome.ok {
                s.failures += 1;
            }
            s.last_finished = Some(finished);
            s.last_outcome = Some(outcome);
        });
    }
}

impl SchedulerHandle {
    /// Every job's status, by id.
    pub fn statuses(&self) -> Vec<JobStatus> {
        self.statuses
            .read()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The shared status map (to hand to a scheduler built on reload).
    pub fn shared_statuses(&self) -> Statuses {
        self.statuses.clone()
    }

    /// Runs job `id` now (after its current run, if one is going). False if there is no such
    /// job.
    pub fn run_now(&self, id: &str) -> bool {
        match self.wakes.get(id) {
            Some(w) => {
                w.notify_one();
                true
            }
            None => false,
        }
    }

    /// Wakes every on-change job (the store's change feed moved).
    pub fn changed(&self) {
        for w in self.on_change.iter() {
            w.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn counting_job(counter: Arc<AtomicU64>, fail: bool) -> Arc<dyn Job> {
        Arc::new(move |_ctx: RunContext| -> JobFuture {
            let c = counter.clone();
            Box::pin(async move {
                c.fetch_add(1, Ordering::SeqCst);
                if fail {
                    RunOutcome::failed("partner down")
                } else {
                    RunOutcome::ok("1 file", 1, 0)
                }
            })
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_cron_job_fires_on_time_and_records_its_runs() {
        let base = Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap();
        let clock = Arc::new(TokioClock::starting_at(base));
        let mut s = Scheduler::new(clock.clone());
        let n = Arc::new(AtomicU64::new(0));
        // Every 10 seconds.
        s.add(
            "sync",
            Trigger::parse("*/10 * * * * *", None).unwrap(),
            counting_job(n.clone(), false),
        );
        let failing = Arc::new(AtomicU64::new(0));
        s.add(
            "push",
            Trigger::parse("0 * * * * *", None).unwrap(),
            counting_job(failing.clone(), true),
        );
        let handle = s.handle();
        assert_eq!(
            handle.statuses()[1].next_run,
            Some(Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 10).unwrap())
        );
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(s.run(rx));
        tokio::time::sleep(Duration::from_secs(65)).await;
        assert_eq!(
            n.load(Ordering::SeqCst),
            6,
            "fired at :10 :20 :30 :40 :50 :60"
        );
        assert_eq!(failing.load(Ordering::SeqCst), 1, "fired at 10:01:00");
        let st = handle.statuses();
        let push = st.iter().find(|s| s.id == "push").unwrap();
        assert_eq!((push.runs, push.failures), (1, 1));
        assert_eq!(push.last_outcome.as_ref().map(|o| o.ok), Some(false));
        assert_eq!(
            push.next_run,
            Some(Utc.with_ymd_and_hms(2026, 5, 1, 10, 2, 0).unwrap())
        );
        tx.send(true).unwrap();
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn on_change_and_run_now_wake_jobs() {
        let clock = Arc::new(TokioClock::starting_at(Utc::now()));
        let mut s = Scheduler::new(clock);
        let n = Arc::new(AtomicU64::new(0));
        s.add(
            "crossmatch",
            Trigger::OnChange,
            counting_job(n.clone(), false),
        );
        let handle = s.handle();
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(s.run(rx));
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(
            n.load(Ordering::SeqCst),
            0,
            "an on-change job does not fire by itself"
        );
        handle.changed();
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(n.load(Ordering::SeqCst), 1);
        assert!(handle.run_now("crossmatch"));
        assert!(!handle.run_now("nope"));
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(n.load(Ordering::SeqCst), 2);
        tx.send(true).unwrap();
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_lets_the_current_run_finish() {
        let clock = Arc::new(TokioClock::starting_at(Utc::now()));
        let mut s = Scheduler::new(clock);
        let finished = Arc::new(AtomicU64::new(0));
        let f = finished.clone();
        let slow: Arc<dyn Job> = Arc::new(move |_ctx: RunContext| -> JobFuture {
            let f = f.clone();
            Box::pin(async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
                f.fetch_add(1, Ordering::SeqCst);
                RunOutcome::ok("slow", 1, 0)
            })
        });
        s.add("slow", Trigger::OnChange, slow);
        let handle = s.handle();
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(s.run(rx));
        handle.changed();
        tokio::time::sleep(Duration::from_secs(1)).await;
        tx.send(true).unwrap();
        task.await.unwrap();
        assert_eq!(
            finished.load(Ordering::SeqCst),
            1,
            "the run in progress completed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_shutdown_sender_stops_the_scheduler() {
        let clock = Arc::new(TokioClock::starting_at(Utc::now()));
        let mut s = Scheduler::new(clock);
        let n = Arc::new(AtomicU64::new(0));
        s.add("idle", Trigger::OnChange, counting_job(n.clone(), false));
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(s.run(rx));
        drop(tx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the scheduler stops instead of spinning")
            .unwrap();
    }
}
