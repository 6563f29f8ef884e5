//! How pull and push jobs reach partners: a small trait shaped like the federation layer's
//! runs (`gateway/src/federation/`: `pull_changes_once`, `pull_pfif_once`, `push_once`), so
//! that jobs add schedules, retries and poison handling around them and are tested without a
//! network.
//!
//! A link keeps its own cursors in the store and applies what it pulls itself (page and
//! cursor together); a job only decides when to run, how often to retry, and what to set
//! aside.
//!
//! [`MemoryLink`] links a store to a [`MemoryPartner`], an in-memory partner for tests: it
//! serves a change feed, takes pushes, can be taken down and brought back, and refuses records
//! it is told to.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use homeward_adapters::{Position, ReadItem};
use homeward_schemas::{Record, RecordId};
use homeward_store::{InputContext, Origin, Outcome, Store, content_digest};
use serde::Serialize;

use super::blocking;
use super::config::Feed;

/// A call to a partner that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LinkError {
    /// Worth trying again (no answer, a timeout, a 5xx, the store busy): it may work soon.
    pub retriable: bool,
    /// The HTTP status the partner answered, if it answered.
    pub status: Option<u16>,
    pub message: String,
}

impl LinkError {
    pub fn retriable(message: impl Into<String>) -> Self {
        Self {
            retriable: true,
            status: None,
            message: message.into(),
        }
    }

    pub fn permanent(status: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            retriable: false,
            status,
            message: message.into(),
        }
    }
}

/// What one pull run took (already applied, its cursor kept).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullDone {
    pub pages: u64,
    pub items: u64,
    /// New and changed records.
    pub accepted: u64,
    pub unchanged: u64,
    /// Items the store refused (in quarantine).
    pub rejected: u64,
    /// The cursor kept after the run.
    pub cursor: Option<String>,
}

/// What one push run sent (the partner's receipt is in, the cursor moved).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushDone {
    /// Changes of the feed read (0: nothing was left to send).
    pub changes: u64,
    /// Records and transactions sent (after the sharing policy).
    pub items: u64,
    pub accepted: u64,
    pub unchanged: u64,
    /// Items the partner read and refused (kept in its quarantine).
    pub rejected: u64,
    pub exchange_id: Option<String>,
    /// The change-feed cursor after the run.
    pub cursor: u64,
}

/// A boxed future of a partner call.
pub type LinkFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, LinkError>> + Send + 'a>>;

/// Runs exchanges with partners.
pub trait PartnerLink: Send + Sync {
    /// Takes what `partner` has new on `feed` after the kept cursor into the store.
    fn pull_once<'a>(&'a self, partner: &'a str, feed: Feed) -> LinkFuture<'a, PullDone>;

    /// Pushes to `partner` what changed after its cursor, at most `max_changes` changes of
    /// the feed.
    fn push_once<'a>(&'a self, partner: &'a str, max_changes: usize) -> LinkFuture<'a, PushDone>;

    /// Sends `records` (as they now stand, through the sharing policy) to `partner` again:
    /// a record a partner refused, reprocessed from quarantine.
    fn push_records<'a>(
        &'a self,
        partner: &'a str,
        records: Vec<Record>,
    ) -> LinkFuture<'a, PushDone>;

    /// The change-feed consumer `push_once` sends `partner` from (a push job moves it past a
    /// change whose record the partner refuses for good).
    fn push_consumer(&self, partner: &str) -> String {
        format!("push:{partner}")
    }
}

/// An in-memory partner: a change feed to pull, what was pushed to it, an on/off switch, and
/// records it refuses. Counts what it did, so tests can check nothing was lost or doubled.
#[derive(Debug, Default)]
pub struct MemoryPartner {
    down: AtomicBool,
    feed: Mutex<Vec<Record>>,
    received: Mutex<BTreeMap<RecordId, Vec<String>>>,
    refuse: Mutex<Vec<String>>,
    calls: AtomicU64,
    failed_calls: AtomicU64,
}

impl MemoryPartner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes it down (every call fails as unreachable) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Adds a record to its change feed.
    pub fn publish(&self, r: Record) {
        if let Ok(mut f) = self.feed.lock() {
            f.push(r);
        }
    }

    /// Makes it refuse (403) any push holding the record with this native id.
    pub fn refuse(&self, native_id: &str) {
        if let Ok(mut r) = self.refuse.lock() {
            r.push(native_id.to_string());
        }
    }

    /// What it took, by record: one content digest per version it took.
    pub fn received(&self) -> BTreeMap<RecordId, Vec<String>> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Calls made, and how many failed because it was down.
    pub fn calls(&self) -> (u64, u64) {
        (
            self.calls.load(Ordering::SeqCst),
            self.failed_calls.load(Ordering::SeqCst),
        )
    }

    fn gate(&self) -> Result<(), LinkError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            self.failed_calls.fetch_add(1, Ordering::SeqCst);
            return Err(LinkError::retriable("connection refused (partner down)"));
        }
        Ok(())
    }

    /// The page of its feed after position `from`.
    fn page(&self, from: usize, limit: usize) -> Result<(Vec<Record>, usize), LinkError> {
        self.gate()?;
        let all = self.feed.lock().map(|f| f.clone()).unwrap_or_default();
        let page: Vec<Record> = all.iter().skip(from).take(limit).cloned().collect();
        Ok((page, all.len()))
    }

    /// Takes pushed records: refused whole if one is refused; `unchanged` for a version it has.
    fn take(&self, partner: &str, records: &[Record]) -> Result<(u64, u64), LinkError> {
        self.gate()?;
        let refused = self.refuse.lock().map(|r| r.clone()).unwrap_or_default();
        if let Some(bad) = records.iter().find(|r| refused.contains(&r.id.native_id)) {
            return Err(LinkError::permanent(
                Some(403),
                format!("policy_violation: {} may not be sent to {partner}", bad.id),
            ));
        }
        let mut received = self
            .received
            .lock()
            .map_err(|_| LinkError::retriable("poisoned"))?;
        let (mut accepted, mut unchanged) = (0, 0);
        for r in records {
            let d = content_digest(r);
            let seen = received.entry(r.id.clone()).or_default();
            if seen.last() == Some(&d) {
                unchanged += 1;
            } else {
                seen.push(d);
                accepted += 1;
            }
        }
        Ok((accepted, unchanged))
    }
}

/// A store linked to in-memory partners, by id: pulls apply their pages with the cursor kept
/// in the store (`job/link:{partner}`), pushes read the change feed from `push:{partner}`.
#[derive(Clone)]
pub struct MemoryLink {
    pub store: Arc<Store>,
    pub partners: BTreeMap<String, Arc<MemoryPartner>>,
    /// Items per pulled page.
    pub page_size: usize,
}

impl MemoryLink {
    fn partner(&self, id: &str) -> Result<Arc<MemoryPartner>, LinkError> {
        self.partners
            .get(id)
            .cloned()
            .ok_or_else(|| LinkError::permanent(None, format!("partner `{id}` is not registered")))
    }
}

fn store_err(e: impl std::fmt::Display) -> LinkError {
    LinkError::retriable(format!("store: {e}"))
}

impl PartnerLink for MemoryLink {
    fn pull_once<'a>(&'a self, partner: &'a str, _feed: Feed) -> LinkFuture<'a, PullDone> {
        Box::pin(async move {
            let p = self.partner(partner)?;
            let key = format!("link:{partner}");
            let mut done = PullDone::default();
            loop {
                let (store, k) = (self.store.clone(), key.clone());
                let from: usize = blocking(move || store.job_state(&k))
                    .await
                    .map_err(store_err)?
                    .map_err(store_err)?
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0) as usize;
                let (page, total) = p.page(from, self.page_size.max(1))?;
                if page.is_empty() {
                    break;
                }
                let next = from + page.len();
                let items: Vec<ReadItem> = page
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let pos = Position {
                            index: Some((from + i) as u64),
                            ..Position::default()
                        };
                        ReadItem::entry(r, pos, Vec::new())
                    })
                    .collect();
                let input = InputContext {
                    origin: Origin::Exchange(format!("{partner}-page-{from}")),
                    format: "canonical".into(),
                    source: None,
                    received_at: Utc::now(),
                };
                let (store, k) = (self.store.clone(), key.clone());
                let result = blocking(move || -> Result<_, homeward_store::StoreError> {
                    let r = store.apply_batch(&items, &input)?;
                    store.set_job_state(&k, &serde_json::json!(next))?;
                    Ok(r)
                })
                .await
                .map_err(store_err)?
                .map_err(store_err)?;
                done.pages += 1;
                for o in &result.outcomes {
                    done.items += 1;
                    match o.outcome {
                        Outcome::New { .. } | Outcome::Changed { .. } => done.accepted += 1,
                        Outcome::Rejected { .. } => done.rejected += 1,
                        _ => done.unchanged += 1,
                    }
                }
                done.cursor = Some(next.to_string());
                if next >= total {
                    break;
                }
            }
            Ok(done)
        })
    }

    fn push_once<'a>(&'a self, partner: &'a str, max_changes: usize) -> LinkFuture<'a, PushDone> {
        Box::pin(async move {
            let p = self.partner(partner)?;
            let consumer = self.push_consumer(partner);
            let (store, c) = (self.store.clone(), consumer.clone());
            let (cursor, changes, records) =
                blocking(move || -> Result<_, homeward_store::StoreError> {
                    let cursor = store.cursor(&c)?;
                    let changes = store.changes_after(cursor, max_changes.max(1))?;
                    let mut ids = Vec::new();
                    for ch in &changes {
                        if !ids.contains(&ch.record) {
                            ids.push(ch.record.clone());
                        }
                    }
                    let mut records = Vec::new();
                    for id in &ids {
                        if let Some(r) = store.get(id)? {
                            records.push(r);
                        }
                    }
                    Ok((cursor, changes, records))
                })
                .await
                .map_err(store_err)?
                .map_err(store_err)?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                return Ok(PushDone {
                    cursor,
                    ..PushDone::default()
                });
            };
            let (accepted, unchanged) = p.take(partner, &records)?;
            let store = self.store.clone();
            blocking(move || store.consumer(&consumer).and_then(|f| f.ack(last)))
                .await
                .map_err(store_err)?
                .map_err(store_err)?;
            Ok(PushDone {
                changes: changes.len() as u64,
                items: records.len() as u64,
                accepted,
                unchanged,
                rejected: 0,
                exchange_id: Some(format!("memory-{partner}-{last}")),
                cursor: last,
            })
        })
    }

    fn push_records<'a>(
        &'a self,
        partner: &'a str,
        records: Vec<Record>,
    ) -> LinkFuture<'a, PushDone> {
        Box::pin(async move {
            let p = self.partner(partner)?;
            let (accepted, unchanged) = p.take(partner, &records)?;
            Ok(PushDone {
                items: records.len() as u64,
                accepted,
                unchanged,
                ..PushDone::default()
            })
        })
    }
}
