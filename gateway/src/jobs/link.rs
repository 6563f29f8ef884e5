//! How pull and push jobs reach partners: a small trait, so that jobs are tested without a
//! network and the gateway plugs the federation client in (`gateway/src/federation/`: signed
//! envelopes over mutual TLS, `docs/federation.md`).
//!
//! [`MemoryPartner`] is an in-memory partner for tests and the demo's fault injection: it
//! serves a change feed, takes pushes, and can be taken down and brought back.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use homeward_adapters::{Position, ReadItem};
use homeward_schemas::{Record, RecordId};
use homeward_store::content_digest;

use super::config::Feed;

/// A call to a partner that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LinkError {
    /// Worth trying again (no answer, a timeout, a 5xx): the partner may be back soon.
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

/// A page pulled from a partner, verified.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// What the page holds, read (rejected items included: they go to quarantine).
    pub items: Vec<ReadItem>,
    /// The cursor to ask from next time (changes: the partner's opaque cursor; PFIF: the
    /// latest entry date seen).
    pub next_cursor: String,
    /// The exchange id the partner gave the page (the origin of what it brings).
    pub exchange_id: String,
    /// The format its items were read in (`canonical`, `pfif`).
    pub format: String,
    /// Whether the partner has more right away (a full page).
    pub more: bool,
}

/// What a partner answered for one record of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushedItem {
    Accepted(RecordId),
    Unchanged(RecordId),
    /// The partner read it and refused it (it keeps it in its own quarantine).
    Rejected(RecordId, String),
}

/// A push the partner acknowledged with a receipt.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub exchange_id: String,
    pub items: Vec<PushedItem>,
    /// Records the sharing policy kept back (not sent).
    pub withheld: usize,
}

/// A boxed future of a partner call.
pub type LinkFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, LinkError>> + Send + 'a>>;

/// Calls partners.
pub trait PartnerLink: Send + Sync {
    /// The page of `feed` after `cursor` (`None`: from the start), at most `limit` items.
    fn pull<'a>(
        &'a self,
        partner: &'a str,
        feed: Feed,
        cursor: Option<String>,
        limit: usize,
    ) -> LinkFuture<'a, Pulled>;

    /// Pushes `records` (as they now stand); answers only with the partner's receipt.
    fn push<'a>(&'a self, partner: &'a str, records: Vec<Record>) -> LinkFuture<'a, Pushed>;
}

/// An in-memory partner: a change feed to pull, a store pushes go to, an on/off switch, and
/// records it refuses. Counts what it did, so tests can check nothing was lost or doubled.
#[derive(Debug, Default)]
pub struct MemoryPartner {
    down: AtomicBool,
    /// Its feed: records in the order they changed.
    feed: Mutex<Vec<Record>>,
    /// What was pushed to it, by record: the content digests received, in order.
    received: Mutex<BTreeMap<RecordId, Vec<String>>>,
    /// Native ids it refuses for good (a poison record).
    refuse: Mutex<Vec<String>>,
    calls: AtomicU64,
    failed_calls: AtomicU64,
    pages: AtomicU64,
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

    /// What it received, by record: one content digest per version it took.
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

    /// Pages served.
    pub fn pages(&self) -> u64 {
        self.pages.load(Ordering::SeqCst)
    }

    fn gate(&self) -> Result<(), LinkError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            self.failed_calls.fetch_add(1, Ordering::SeqCst);
            return Err(LinkError::retriable("connection refused (partner down)"));
        }
        Ok(())
    }
}

impl PartnerLink for MemoryPartner {
    fn pull<'a>(
        &'a self,
        partner: &'a str,
        feed: Feed,
        cursor: Option<String>,
        limit: usize,
    ) -> LinkFuture<'a, Pulled> {
        Box::pin(async move {
            self.gate()?;
            let from: usize = match cursor.as_deref() {
                None | Some("") => 0,
                Some(c) => c
                    .parse()
                    .map_err(|_| LinkError::permanent(Some(400), format!("bad cursor `{c}`")))?,
            };
            let all = self.feed.lock().map(|f| f.clone()).unwrap_or_default();
            let page: Vec<Record> = all.iter().skip(from).take(limit).cloned().collect();
            let next = from + page.len();
            self.pages.fetch_add(1, Ordering::SeqCst);
            Ok(Pulled {
                more: next < all.len(),
                items: page
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let pos = Position {
                            index: Some((from + i) as u64),
                            ..Position::default()
                        };
                        ReadItem::entry(r, pos, Vec::new())
                    })
                    .collect(),
                next_cursor: next.to_string(),
                exchange_id: format!("{partner}-page-{from}"),
                format: match feed {
                    Feed::Changes => "canonical".into(),
                    Feed::Pfif => "pfif".into(),
                },
            })
        })
    }

    fn push<'a>(&'a self, partner: &'a str, records: Vec<Record>) -> LinkFuture<'a, Pushed> {
        Box::pin(async move {
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
            let mut items = Vec::new();
            for r in records {
                let d = content_digest(&r);
                let seen = received.entry(r.id.clone()).or_default();
                if seen.last() == Some(&d) {
                    items.push(PushedItem::Unchanged(r.id));
                } else {
                    seen.push(d);
                    items.push(PushedItem::Accepted(r.id));
                }
            }
            Ok(Pushed {
                exchange_id: format!("push-{}", self.calls.load(Ordering::SeqCst)),
                items,
                withheld: 0,
            })
        })
    }
}
