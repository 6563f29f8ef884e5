//! [`Jobs`]: the configured jobs, running.
//!
//! Builds one [`Scheduler`] from `[[jobs]]`, starts it, and wakes on-change jobs when the
//! store's change feed moves (checked every [`CHANGE_POLL`]). Each run is wrapped so that its
//! outcome is counted in the metrics and remembered in the store (the status survives a
//! restart). A reload builds a new scheduler with the new jobs, stops the old one once its
//! runs in progress have finished, and keeps every job's history.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use homeward_ops::{
    Clock, Job, JobFuture, JobStatus, RunContext, RunOutcome, Scheduler, SchedulerHandle, Statuses,
    Trigger,
};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::config::{Direction, JobConfig, TransportKind};
use super::filedrop::{DropIn, DropOut};
use super::pull::Pull;
use super::push::Push;
use super::state::JobState;
use super::{JobEnv, blocking};
use crate::config::Config;

/// How often the change feed is looked at for on-change jobs.
pub const CHANGE_POLL: Duration = Duration::from_millis(200);

/// A job as the admin API shows it: its configuration and its status.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: String,
    pub transport: TransportKind,
    pub description: String,
    pub schedule: String,
    pub time_zone: String,
    pub enabled: bool,
    pub running: bool,
    pub runs: u64,
    pub failures: u64,
    pub last_started: Option<DateTime<Utc>>,
    pub last_finished: Option<DateTime<Utc>>,
    pub last_outcome: Option<RunOutcome>,
    pub next_run: Option<DateTime<Utc>>,
}

struct Generation {
    handle: SchedulerHandle,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

struct Inner {
    clock: Arc<dyn Clock>,
    statuses: Statuses,
    generation: Mutex<Option<Generation>>,
    configs: RwLock<Vec<JobConfig>>,
    shutdown: watch::Sender<bool>,
    watcher: Mutex<Option<JoinHandle<()>>>,
}

/// The running jobs.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

/// Why a job could not be built.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error("job `{id}`: {reason}")]
    Job { id: String, reason: String },
}

impl Jobs {
    /// Starts the jobs of `config` (disabled ones are shown but not scheduled).
    pub async fn start(
        config: &Config,
        env: JobEnv,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JobsError> {
        let statuses = Statuses::default();
        seed_statuses(&env, &config.jobs, &statuses).await;
        let (shutdown, _) = watch::channel(false);
        let jobs = Jobs {
            inner: Arc::new(Inner {
                clock,
                statuses,
                generation: Mutex::new(None),
                configs: RwLock::new(Vec::new()),
                shutdown,
                watcher: Mutex::new(None),
            }),
        };
        let generation = jobs.build(config, &env)?;
        if let Ok(mut g) = jobs.inner.generation.lock() {
            *g = Some(generation);
        }
        if let Ok(mut c) = jobs.inner.configs.write() {
            *c = config.jobs.clone();
        }
        let watcher = tokio::spawn(watch_changes(
            jobs.clone(),
            env.clone(),
            jobs.inner.shutdown.subscribe(),
        ));
        if let Ok(mut w) = jobs.inner.watcher.lock() {
            *w = Some(watcher);
        }
        Ok(jobs)
    }

    fn build(&self, config: &Config, env: &JobEnv) -> Result<Generation, JobsError> {
        let mut scheduler =
            Scheduler::with_statuses(self.inner.clock.clone(), self.inner.statuses.clone());
        let own_handle: Arc<RwLock<Option<SchedulerHandle>>> = Arc::default();
        for job in config.jobs.iter().filter(|j| j.enabled) {
            let trigger = job.trigger().map_err(|e| JobsError::Job {
                id: job.id.clone(),
                reason: e.to_string(),
            })?;
            let inner = make_job(config, job, env)?;
            // An on-change job that failed runs again after its longest retry delay, even if
            // nothing changes meanwhile (what it did not send must still go).
            let again_after = matches!(trigger, Trigger::OnChange)
                .then(|| Duration::from_millis(job.retry.max_delay_ms.max(100)));
            let wrapped: Arc<dyn Job> = Arc::new(Instrumented {
                id: job.id.clone(),
                inner,
                env: env.clone(),
                clock: self.inner.clock.clone(),
                again_after,
                handle: own_handle.clone(),
            });
            scheduler.add(job.id.clone(), trigger, wrapped);
        }
        // Statuses of jobs that are no longer configured go.
        if let Ok(mut s) = self.inner.statuses.write() {
            s.retain(|id, st| st.running || config.jobs.iter().any(|j| &j.id == id));
        }
        let handle = scheduler.handle();
        if let Ok(mut h) = own_handle.write() {
            *h = Some(handle.clone());
        }
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(scheduler.run(stop_rx));
        Ok(Generation { handle, stop, task })
    }

    /// Replaces the jobs with those of `config`. Runs in progress finish first (the old
    /// scheduler stops taking new firings at once); the jobs' histories are kept.
    pub async fn reload(&self, config: &Config, env: JobEnv) -> Result<(), JobsError> {
        let old = self.inner.generation.lock().ok().and_then(|mut g| g.take());
        if let Some(old) = old {
            let _ = old.stop.send_replace(true);
            let _ = old.task.await;
        }
        let generation = self.build(config, &env)?;
        if let Ok(mut g) = self.inner.generation.lock() {
            *g = Some(generation);
        }
        if let Ok(mut c) = self.inner.configs.write() {
            *c = config.jobs.clone();
        }
        Ok(())
    }

    fn handle(&self) -> Option<SchedulerHandle> {
        self.inner
            .generation
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|g| g.handle.clone()))
    }

    /// Runs job `id` now (after its run in progress). False if no such enabled job.
    pub fn run_now(&self, id: &str) -> bool {
        self.handle().is_some_and(|h| h.run_now(id))
    }

    /// Wakes every on-change job.
    pub fn changed(&self) {
        if let Some(h) = self.handle() {
            h.changed();
        }
    }

    /// The raw scheduler statuses, by id.
    pub fn statuses(&self) -> Vec<JobStatus> {
        self.inner
            .statuses
            .read()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Every configured job with its status, in configuration order.
    pub fn views(&self) -> Vec<JobView> {
        let configs = self
            .inner
            .configs
            .read()
            .map(|c| c.clone())
            .unwrap_or_default();
        let statuses = self
            .inner
            .statuses
            .read()
            .map(|s| s.clone())
            .unwrap_or_default();
        configs
            .iter()
            .map(|j| {
                let st = statuses.get(&j.id);
                JobView {
                    id: j.id.clone(),
                    transport: j.transport,
                    description: j.describe(),
                    schedule: j.schedule.clone(),
                    time_zone: j.time_zone.clone().unwrap_or_else(|| "UTC".into()),
                    enabled: j.enabled,
                    running: st.is_some_and(|s| s.running),
                    runs: st.map_or(0, |s| s.runs),
                    failures: st.map_or(0, |s| s.failures),
                    last_started: st.and_then(|s| s.last_started),
                    last_finished: st.and_then(|s| s.last_finished),
                    last_outcome: st.and_then(|s| s.last_outcome.clone()),
                    next_run: if j.enabled {
                        st.and_then(|s| s.next_run)
                    } else {
                        None
                    },
                }
            })
            .collect()
    }

    /// Stops the jobs: no new runs; runs in progress finish their current item and return.
    pub async fn shutdown(&self) {
        let _ = self.inner.shutdown.send_replace(true);
        let old = self.inner.generation.lock().ok().and_then(|mut g| g.take());
        if let Some(old) = old {
            let _ = old.stop.send_replace(true);
            let _ = old.task.await;
        }
        let watcher = self.inner.watcher.lock().ok().and_then(|mut w| w.take());
        if let Some(w) = watcher {
            let _ = w.await;
        }
    }
}

/// Statuses as remembered in the store, so a restart shows the last runs.
async fn seed_statuses(env: &JobEnv, jobs: &[JobConfig], statuses: &Statuses) {
    let store = env.store.clone();
    let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    let loaded = blocking(move || {
        ids.into_iter()
            .filter_map(|id| JobState::load(&store, &id).ok().map(|s| (id, s)))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    if let Ok(mut s) = statuses.write() {
        for (id, st) in loaded {
            if st.runs == 0 && st.last_run.is_none() {
                continue;
            }
            s.insert(
                id.clone(),
                JobStatus {
                    id,
                    trigger: String::new(),
                    running: false,
                    runs: st.runs,
                    failures: st.failures,
                    last_started: st.last_run.as_ref().map(|r| r.started),
                    last_finished: st.last_run.as_ref().map(|r| r.finished),
                    last_outcome: st.last_run.as_ref().map(|r| r.outcome()),
                    next_run: None,
                },
            );
        }
    }
}

/// The job that does what `job` says.
fn make_job(config: &Config, job: &JobConfig, env: &JobEnv) -> Result<Arc<dyn Job>, JobsError> {
    let err = |reason: &str| JobsError::Job {
        id: job.id.clone(),
        reason: reason.to_string(),
    };
    Ok(match job.transport {
        TransportKind::FileDrop => {
            let dir = config.resolve(job.dir.as_deref().ok_or_else(|| err("no `dir`"))?);
            match job.direction() {
                Direction::In => Arc::new(DropIn {
                    job: job.clone(),
                    dir,
                    env: env.clone(),
                }),
                Direction::Out => Arc::new(DropOut {
                    job: job.clone(),
                    dir,
                    env: env.clone(),
                }),
            }
        }
        TransportKind::HttpsPull => Arc::new(Pull {
            job: job.clone(),
            env: env.clone(),
        }),
        TransportKind::HttpsPush => Arc::new(Push {
            job: job.clone(),
            env: env.clone(),
        }),
    })
}

/// A job whose runs are counted and remembered.
struct Instrumented {
    id: String,
    inner: Arc<dyn Job>,
    env: JobEnv,
    clock: Arc<dyn Clock>,
    /// On-change jobs: run again this long after a failed run.
    again_after: Option<Duration>,
    handle: Arc<RwLock<Option<SchedulerHandle>>>,
}

impl Job for Instrumented {
    fn run(&self, ctx: RunContext) -> JobFuture {
        let (id, inner, env, clock) = (
            self.id.clone(),
            self.inner.clone(),
            self.env.clone(),
            self.clock.clone(),
        );
        let (again_after, handle) = (self.again_after, self.handle.clone());
        Box::pin(async move {
            let started = clock.now();
            let t0 = std::time::Instant::now();
            let outcome = inner.run(ctx).await;
            let finished = clock.now();
            let m = &env.metrics;
            let result = if outcome.ok { "ok" } else { "failed" };
            m.inc(
                "homeward_job_runs_total",
                "Job runs, by outcome.",
                &[("job", &id), ("outcome", result)],
                1.0,
            );
            m.inc(
                "homeward_job_items_total",
                "Items (files, records, pages) handled by job runs.",
                &[("job", &id)],
                outcome.items as f64,
            );
            m.inc(
                "homeward_job_failed_items_total",
                "Items set aside by job runs (quarantine, failed/).",
                &[("job", &id)],
                outcome.failed_items as f64,
            );
            m.set(
                "homeward_job_last_duration_seconds",
                "Duration of each job's last run.",
                &[("job", &id)],
                t0.elapsed().as_secs_f64(),
            );
            let (store, id2, o) = (env.store.clone(), id.clone(), outcome.clone());
            let saved = blocking(move || {
                let mut st = JobState::load(&store, &id2)?;
                st.runs += 1;
                if !o.ok {
                    st.failures += 1;
                }
                st.last_run = Some(super::state::LastRun {
                    started,
                    finished,
                    ok: o.ok,
                    summary: o.summary.clone(),
                    items: o.items,
                    failed_items: o.failed_items,
                });
                st.save(&store, &id2)
            })
            .await;
            if let Ok(Err(e)) = saved {
                tracing::warn!(job = %id, error = %e, "the job's last run could not be saved");
            }
            if let Some(after) = again_after
                && !outcome.ok
            {
                let id2 = id.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let h = handle.read().ok().and_then(|h| h.clone());
                    if let Some(h) = h {
                        h.run_now(&id2);
                    }
                });
            }
            outcome
        })
    }
}

/// Wakes on-change jobs when the change feed moves.
async fn watch_changes(jobs: Jobs, env: JobEnv, mut shutdown: watch::Receiver<bool>) {
    let store = env.store.clone();
    let mut last = {
        let s = store.clone();
        blocking(move || s.last_seq().unwrap_or(0))
            .await
            .unwrap_or(0)
    };
    let has_on_change = |jobs: &Jobs| {
        jobs.inner.configs.read().is_ok_and(|c| {
            c.iter()
                .any(|j| j.enabled && matches!(j.trigger(), Ok(Trigger::OnChange)))
        })
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CHANGE_POLL) => {}
            r = shutdown.wait_for(|s| *s) => { let _ = r; return; }
        }
        if !has_on_change(&jobs) {
            continue;
        }
        let s = store.clone();
        let seq = blocking(move || s.last_seq().unwrap_or(0))
            .await
            .unwrap_or(0);
        if seq > last {
            last = seq;
            jobs.changed();
        }
    }
}
