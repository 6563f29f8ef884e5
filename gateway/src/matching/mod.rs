//! The crossmatch inside the gateway: a change-feed consumer that keeps the crossmatch engine
//! in step with the store and records match notifications for both agencies.
//!
//! ```text
//! store ──► change feed ──► Matching::catch_up ──► engine.upsert(record) ──► candidates(id)
//!   ▲         (cursor                                   (closed: removed,        │
//!   │        "crossmatch")                               matches withdrawn)      ▼
//!   └──────────── matches_write: notifications for both agencies + cursor, one batch
//! ```
//!
//! - [`Matching::open`] builds the engine from every stored record (in bulk, in parallel;
//!   closed records are not indexed) and the decisions in force; [`Matching::catch_up`] then
//!   processes the changes after the consumer's cursor: for each changed record (its latest
//!   version, once per batch) it upserts the record (unless that version is the one
//!   indexed), computes its candidates at once and records them as matches with notices for
//!   both records' agencies; a closed record (located, cleared, cancelled, identified,
//!   expired) or a removed one leaves the index and its matches are withdrawn. The
//!   notifications, the cursor and the consumer's place in the decision log go into one
//!   durable batch, so a crash repeats at most the last batch, and proposing a pair again
//!   with the same result changes nothing: no notice is made twice.
//! - Decisions made elsewhere (the command line, the admin API) are read from the store's
//!   decision log before each batch; a decided pair's records are computed again at once
//!   (an exclusion lets the next candidate in; a confirmation is always listed). The place
//!   in the log is stored, so a decision made while no consumer ran is applied at its next
//!   start.
//! - [`start`] runs it on its own thread (catch up, then wait for [`Handle::notify`] or
//!   the poll interval); [`Handle::shutdown`] stops it after the batch in progress.
//!   `homeward serve` runs it (`[crossmatch]`); `homeward import` and `homeward matches` use
//!   [`Matching::catch_up`] directly (one shot).
//! - [`api`]: plain functions for commands and the admin API (list matches, record and
//!   withdraw decisions, mark notices seen).

pub mod api;
mod consumer;
#[cfg(test)]
mod tests;

pub mod config;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use homeward_crossmatch::{Config, Engine, Matches};
use homeward_schemas::RecordId;
use homeward_store::{Store, StoreError};
use serde::Serialize;

/// The change-feed consumer's name (its cursor in the store).
pub const CONSUMER: &str = "crossmatch";

/// How the consumer runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The engine's tuning (top K, thresholds, reach).
    pub engine: Config,
    /// Changes read per batch (one durable write each).
    pub batch: usize,
    /// How long the running consumer waits for a wake-up before looking at the feed again.
    pub poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            engine: Config::default(),
            batch: 500,
            poll: Duration::from_millis(500),
        }
    }
}

/// Why the crossmatch could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum MatchingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No stored record answers to the id.
    #[error("no stored record is `{0}`")]
    NotFound(String),
    /// Several records answer to the id.
    #[error("`{id}` names several records ({}); name one as source/native_id", .candidates.join(", "))]
    Ambiguous { id: String, candidates: Vec<String> },
    /// The two records can never be a pair (an unidentified and an unclaimed record, or one
    /// record twice).
    #[error("{0}")]
    NotAPair(String),
    /// A request that cannot be met (an empty name...).
    #[error("{0}")]
    Invalid(String),
    /// The consumer thread could not be started or stopped.
    #[error("the crossmatch consumer thread: {0}")]
    Thread(String),
}

/// What a catch-up (or one batch of it) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CatchUp {
    /// Change-feed entries read.
    pub changes: u64,
    /// Records processed (a record changed several times in a batch counts once).
    pub records: u64,
    /// Records that left the index (closed or removed).
    pub closed: u64,
    /// Matches proposed for the first time (both agencies notified).
    pub new: u64,
    /// Matches notified again (improved, or proposed again after a withdrawal).
    pub renotified: u64,
    /// Matches updated without notifying.
    pub updated: u64,
    /// Matches withdrawn.
    pub withdrawn: u64,
    /// Decisions picked up from the decision log.
    pub decisions: u64,
    /// The consumer's cursor afterwards.
    pub cursor: u64,
}

impl CatchUp {
    fn add(&mut self, o: &CatchUp) {
        self.changes += o.changes;
        self.records += o.records;
        self.closed += o.closed;
        self.new += o.new;
        self.renotified += o.renotified;
        self.updated += o.updated;
        self.withdrawn += o.withdrawn;
        self.decisions += o.decisions;
        self.cursor = self.cursor.max(o.cursor);
    }
}

/// The crossmatch of one store: the engine, kept in step with the store's change feed.
pub struct Matching {
    store: Arc<Store>,
    engine: Engine,
    settings: Settings,
    /// The version of every indexed record.
    versions: HashMap<RecordId, u64>,
    /// The last decision-log entry applied to the engine.
    decision_seq: u64,
}

impl std::fmt::Debug for Matching {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matching")
            .field("indexed", &self.engine.len())
            .field("decision_seq", &self.decision_seq)
            .finish_non_exhaustive()
    }
}

impl Matching {
    /// Builds the engine from every stored record (closed ones are not indexed) and the
    /// decisions in force.
    pub fn open(store: Arc<Store>, settings: Settings) -> Result<Self, MatchingError> {
        // the decisions applied at the last batch: those made since are applied (again: the
        // engine holds every decision in force already) and their records computed again
        let decision_seq = store.decisions_applied()?;
        let (engine, versions) = build(&store, settings.engine)?;
        Ok(Self {
            store,
            engine,
            settings,
            versions,
            decision_seq,
        })
    }

    /// Whether the consumer is behind the store: changes after its cursor, or decisions it
    /// has not applied. Cheap (two counters): `homeward matches` catches up only then.
    pub fn behind(store: &Store) -> Result<bool, MatchingError> {
        Ok(store.cursor(CONSUMER)? < store.last_seq()?
            || store.decisions_applied()? < store.decision_seq()?)
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The engine (for a full run, explanations, or candidates of one record).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A full crossmatch of what the engine holds (decisions applied).
    pub fn run(&self) -> Matches {
        self.engine.run()
    }

    /// Processes every change after the consumer's cursor (and decisions made since the
    /// last look), batch by batch, each batch's notifications and cursor stored together.
    pub fn catch_up(&mut self) -> Result<CatchUp, MatchingError> {
        self.catch_up_until(&|| false)
    }

    /// [`Matching::catch_up`], stopping between batches once `stop` says so.
    pub fn catch_up_until(&mut self, stop: &dyn Fn() -> bool) -> Result<CatchUp, MatchingError> {
        let mut total = CatchUp {
            cursor: self.store.cursor(CONSUMER)?,
            ..CatchUp::default()
        };
        loop {
            let done = self.step()?;
            let more = done.changes > 0 || done.decisions > 0;
            total.add(&done);
            if !more || stop() {
                return Ok(total);
            }
        }
    }

    /// One batch: the decisions made since the last look, then up to `batch` changes.
    fn step(&mut self) -> Result<CatchUp, MatchingError> {
        let mut out = CatchUp::default();
        let decided = consumer::sync_decisions(self, &mut out)?;
        let cursor = self.store.cursor(CONSUMER)?;
        let changes = self
            .store
            .changes_after(cursor, self.settings.batch.max(1))?;
        out.changes = changes.len() as u64;
        let ack = changes.last().map(|c| c.seq);
        let mut ids: Vec<homeward_schemas::RecordId> = decided;
        ids.extend(changes.into_iter().map(|c| c.record));
        if ids.is_empty() {
            out.cursor = cursor;
            return Ok(out);
        }
        consumer::process(self, ids, ack, &mut out)?;
        out.cursor = ack.unwrap_or(cursor);
        Ok(out)
    }
}

/// An engine holding every stored record (closed ones are skipped) and the decisions in
/// force.
pub fn build_engine(store: &Store, config: Config) -> Result<Engine, MatchingError> {
    Ok(build(store, config)?.0)
}

/// [`build_engine`], with the version of every record indexed.
fn build(store: &Store, config: Config) -> Result<(Engine, HashMap<RecordId, u64>), MatchingError> {
    let mut versions = HashMap::new();
    let mut records = Vec::new();
    store.record_batches(4096, |batch| -> Result<(), MatchingError> {
        for r in batch {
            if r.is_open() {
                versions.insert(r.id.clone(), r.version);
                records.push(r);
            }
        }
        Ok(())
    })?;
    let mut engine = Engine::from_records(config, records);
    for d in store.decisions()? {
        engine.decide(d);
    }
    Ok((engine, versions))
}

/// What the running consumer last did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Status {
    /// The engine is built and the consumer follows the feed.
    pub ready: bool,
    /// Records indexed.
    pub indexed: usize,
    /// The consumer's change-feed cursor.
    pub cursor: u64,
    /// Totals since start.
    pub totals: CatchUp,
    /// The last error, if the last attempt failed (the consumer retries).
    pub last_error: Option<String>,
}

struct Shared {
    stop: AtomicBool,
    wake: Mutex<bool>,
    signal: Condvar,
    status: Mutex<Status>,
}

impl Shared {
    fn wait(&self, timeout: Duration) {
        let Ok(mut woken) = self.wake.lock() else {
            return;
        };
        let until = Instant::now() + timeout;
        while !*woken && !self.stop.load(Ordering::SeqCst) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.signal.wait_timeout(woken, left) {
                Ok((w, _)) => woken = w,
                Err(_) => return,
            }
        }
        *woken = false;
    }

    fn set_status(&self, f: impl FnOnce(&mut Status)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }
}

/// The running consumer ([`start`]). Stop it with [`Handle::shutdown`].
pub struct Handle {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// Starts the crossmatch consumer on its own thread: it builds the engine from the store,
/// then catches up with the change feed and waits for [`Handle::notify`] or `settings.poll`,
/// again and again. A failure is logged and kept in [`Handle::status`], and retried.
pub fn start(store: Arc<Store>, settings: Settings) -> Result<Handle, MatchingError> {
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        wake: Mutex::new(false),
        signal: Condvar::new(),
        status: Mutex::new(Status::default()),
    });
    let inner = shared.clone();
    let thread = std::thread::Builder::new()
        .name("crossmatch".into())
        .spawn(move || run_consumer(&store, settings, &inner))
        .map_err(|e| MatchingError::Thread(e.to_string()))?;
    Ok(Handle {
        shared,
        thread: Mutex::new(Some(thread)),
    })
}

fn run_consumer(store: &Arc<Store>, settings: Settings, shared: &Shared) {
    let stopped = || shared.stop.load(Ordering::SeqCst);
    let retry = settings.poll.max(Duration::from_secs(1));
    let mut matching = loop {
        if stopped() {
            return;
        }
        match Matching::open(store.clone(), settings) {
            Ok(m) => break m,
            Err(e) => {
                tracing::error!(error = %e, "crossmatch: building the index failed; retrying");
                shared.set_status(|s| s.last_error = Some(e.to_string()));
                shared.wait(retry);
            }
        }
    };
    let indexed = matching.engine().len();
    tracing::info!(indexed, "crossmatch: index built");
    shared.set_status(|s| {
        s.ready = true;
        s.indexed = indexed;
        s.last_error = None;
    });
    while !stopped() {
        match matching.catch_up_until(&stopped) {
            Ok(done) => {
                if done.changes > 0 || done.decisions > 0 {
                    tracing::info!(
                        changes = done.changes,
                        new = done.new,
                        withdrawn = done.withdrawn,
                        cursor = done.cursor,
                        "crossmatch: caught up"
                    );
                }
                let indexed = matching.engine().len();
                shared.set_status(|s| {
                    s.totals.add(&done);
                    s.cursor = done.cursor;
                    s.indexed = indexed;
                    s.last_error = None;
                });
                shared.wait(settings.poll);
            }
            Err(e) => {
                tracing::error!(error = %e, "crossmatch: catching up failed; retrying");
                shared.set_status(|s| s.last_error = Some(e.to_string()));
                shared.wait(retry);
            }
        }
    }
}

impl Handle {
    /// Wakes the consumer now (after an import, or a decision made through the API).
    pub fn notify(&self) {
        if let Ok(mut w) = self.shared.wake.lock() {
            *w = true;
            self.shared.signal.notify_all();
        }
    }

    /// What the consumer last did.
    pub fn status(&self) -> Status {
        self.shared
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Stops the consumer after the batch in progress (whose notifications and cursor are
    /// stored together, or not at all) and waits for its thread. Blocks: call it from a
    /// blocking context. A second call returns at once.
    pub fn shutdown(&self) -> Result<(), MatchingError> {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.notify();
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        match thread {
            Some(t) => t
                .join()
                .map_err(|_| MatchingError::Thread("the consumer thread panicked".into())),
            None => Ok(()),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
