//! Quarantine: refused input kept whole, listed, shown, and reprocessed through today's
//! format readers.
//!
//! Items are never pruned automatically. Reprocessing reads an item's raw bytes again with the
//! format that first read them (by name, from the [`Registry`] given), under the same origin
//! and `--source`, and applies what comes out. All of it applies or none: when any part is
//! refused again, nothing is stored and the attempt is recorded on the item. On success the
//! item leaves quarantine and is kept as resolved, linked to the records it made or changed;
//! the records' versions name the quarantine item they came from.

use std::io::Cursor;

use homeward_adapters::{Item, Limits, ReadContext, ReadItem, Registry};
use homeward_schemas::{Record, RecordId, Transaction};
use serde::Deserialize;

use crate::apply::{self, CANONICAL_FORMAT, Mode};
use crate::error::StoreError;
use crate::keys;
use crate::model::{Attempt, InputContext, ItemOutcome, QuarantineItem, ResolvedQuarantine};
use crate::store::Store;
use crate::txn::{Txn, decode};

/// What reprocessing one quarantine item did.
#[derive(Debug, Clone, PartialEq)]
pub enum Reprocessed {
    /// Applied: the item left quarantine. The outcomes of what it held.
    Resolved { id: u64, outcomes: Vec<ItemOutcome> },
    /// Refused again (nothing stored); the item stays, with this attempt recorded.
    StillRefused { id: u64, reason: String },
}

impl Reprocessed {
    pub fn id(&self) -> u64 {
        match self {
            Reprocessed::Resolved { id, .. } | Reprocessed::StillRefused { id, .. } => *id,
        }
    }
}

/// Format name of input whose format could not be told from its content: reprocessing detects
/// it again with today's formats.
pub const AUTO_FORMAT: &str = "auto";

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum CanonicalItem {
    Record(Box<Record>),
    Transaction(Box<Transaction>),
}

impl Store {
    /// Open quarantine items, oldest first.
    pub fn quarantine_list(&self) -> Result<Vec<QuarantineItem>, StoreError> {
        let mut out = Vec::new();
        for kv in self.engine().scan_prefix(keys::QUAR.as_bytes())? {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    /// One open quarantine item.
    pub fn quarantine_get(&self, id: u64) -> Result<Option<QuarantineItem>, StoreError> {
        let key = keys::quar(id);
        self.engine()
            .get(key.as_bytes())?
            .map(|b| decode(&key, &b))
            .transpose()
    }

    /// A quarantine item resolved by reprocessing.
    pub fn quarantine_resolved(&self, id: u64) -> Result<Option<ResolvedQuarantine>, StoreError> {
        let key = keys::quar_done(id);
        self.engine()
            .get(key.as_bytes())?
            .map(|b| decode(&key, &b))
            .transpose()
    }

    /// Every resolved quarantine item, oldest first.
    pub fn quarantine_resolved_list(&self) -> Result<Vec<ResolvedQuarantine>, StoreError> {
        let mut out = Vec::new();
        for kv in self.engine().scan_prefix(keys::QUAR_DONE.as_bytes())? {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    /// Reprocesses quarantine item `id` (see the module doc). `registry` supplies today's
    /// formats; `limits` the reader limits.
    pub fn reprocess(
        &self,
        id: u64,
        registry: &Registry,
        limits: Limits,
    ) -> Result<Reprocessed, StoreError> {
        self.write(|tx| {
            let key = keys::quar(id);
            let Some(item) = tx.get::<QuarantineItem>(&key)? else {
                return Err(StoreError::Invalid(format!(
                    "no open quarantine item #{id}"
                )));
            };
            if item.purged_at.is_some() {
                let reason = "its bytes were removed when the record it names expired: nothing is left to read".to_string();
                return still_refused(tx, item, reason);
            }
            let items = match read_again(&item, registry, limits, tx.now) {
                Ok(items) => items,
                Err(reason) => return still_refused(tx, item, reason),
            };
            let input = InputContext {
                origin: item.origin.clone(),
                format: item.format.clone(),
                source: item.source.clone(),
                received_at: tx.now,
            };
            // Apply in a scratch copy of the transaction's writes: all or nothing.
            let checkpoint = tx.checkpoint();
            let mut outcomes = Vec::with_capacity(items.len());
            for it in &items {
                outcomes.push(apply::apply_item(tx, it, &input, Mode::Reprocess(id))?);
            }
            if let Some(bad) = outcomes.iter().find(|o| o.outcome.is_rejected()) {
                let reason = bad.outcome.to_string();
                tx.rollback(checkpoint);
                return still_refused(tx, item, reason);
            }
            apply::resolve_quarantine(tx, item, &outcomes)?;
            Ok(Reprocessed::Resolved { id, outcomes })
        })
    }

    /// Reprocesses every open item, oldest first (one durable step each).
    pub fn reprocess_all(
        &self,
        registry: &Registry,
        limits: Limits,
    ) -> Result<Vec<Reprocessed>, StoreError> {
        let ids: Vec<u64> = self.quarantine_list()?.iter().map(|q| q.id).collect();
        ids.into_iter()
            .map(|id| self.reprocess(id, registry, limits))
            .collect()
    }
}

fn still_refused(
    tx: &mut crate::txn::Txn,
    mut item: QuarantineItem,
    reason: String,
) -> Result<Reprocessed, StoreError> {
    let id = item.id;
    item.attempts.push(Attempt {
        at: tx.now,
        reason: reason.clone(),
    });
    tx.put(keys::quar(id), &item)?;
    Ok(Reprocessed::StillRefused { id, reason })
}

/// Whether a quarantine item is about `id`: a refused transaction naming it (as sent: with
/// its source, or by native id or NIC alone).
fn names(item: &QuarantineItem, id: &RecordId, nic: Option<&str>) -> bool {
    item.target.as_deref().is_some_and(|t| {
        let native = t.rsplit('/').next().unwrap_or(t);
        t == id.to_string() || native == id.native_id || nic.is_some_and(|n| native == n)
    })
}

/// Empties the bytes of quarantined input about an expired record, in the expiry's own
/// transaction: open items naming it (refused transactions), and resolved items that made or
/// changed it. The items stay (quarantine is never pruned), with `purged_at`, their digest,
/// origin, position and reason. Returns how many.
pub(crate) fn purge_expired(
    tx: &mut Txn,
    id: &RecordId,
    nic: Option<&str>,
) -> Result<usize, StoreError> {
    let mut n = 0;
    for (k, v) in tx.scan(keys::QUAR)? {
        let mut item: QuarantineItem = decode(&k, &v)?;
        if item.purged_at.is_none() && names(&item, id, nic) {
            item.raw.clear();
            item.purged_at = Some(tx.now);
            tx.put(k, &item)?;
            n += 1;
        }
    }
    for (k, v) in tx.scan(keys::QUAR_DONE)? {
        let mut done: ResolvedQuarantine = decode(&k, &v)?;
        let made = done.records.iter().any(|(r, _)| r == id);
        if done.item.purged_at.is_none() && (made || names(&done.item, id, nic)) {
            done.item.raw.clear();
            done.item.purged_at = Some(tx.now);
            tx.put(k, &done)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Reads a quarantine item's raw bytes again with its format.
fn read_again(
    item: &QuarantineItem,
    registry: &Registry,
    limits: Limits,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<ReadItem>, String> {
    let mut items: Vec<ReadItem> = if item.format == CANONICAL_FORMAT {
        let parsed: CanonicalItem = serde_json::from_slice(&item.raw)
            .map_err(|e| format!("canonical item does not decode: {e}"))?;
        vec![match parsed {
            CanonicalItem::Record(r) => ReadItem::entry(*r, item.position, Vec::new()),
            CanonicalItem::Transaction(t) => ReadItem::transaction(*t, item.position, Vec::new()),
        }]
    } else {
        let format = if item.format == AUTO_FORMAT {
            let head = &item.raw[..item.raw.len().min(homeward_adapters::DETECT_HEAD_BYTES)];
            registry.detect(head).ok_or_else(|| {
                format!(
                    "its format still cannot be told from its content (known: {})",
                    registry.names().join(", ")
                )
            })?
        } else {
            registry.get(&item.format).ok_or_else(|| {
                format!(
                    "format `{}` is not known to this gateway (known: {})",
                    item.format,
                    registry.names().join(", ")
                )
            })?
        };
        let ctx = ReadContext {
            origin: item.origin.name().to_string(),
            source: item.source.clone(),
            limits,
            received_at: now,
            may_send_unclaimed: None,
        };
        // an element of a document (an XML report, a PFIF entry) in a document of its own,
        // under the source it was filed under
        let filed_under = item
            .source
            .clone()
            .or_else(|| (!item.scope.is_empty()).then(|| item.scope.clone()));
        let input = format.standalone(&item.raw, filed_under.as_deref());
        format
            .reader()
            .read(Box::new(Cursor::new(input)), ctx)
            .collect()
    };
    if items.is_empty() {
        return Err("reading it again produced nothing".into());
    }
    // A single re-read item stands where the original stood in its input.
    if items.len() == 1 {
        items[0].position = item.position;
    }
    if let Some(r) = items.iter().find_map(|it| match &it.item {
        Item::Rejected(r) => Some(r.clone()),
        _ => None,
    }) {
        return Err(format!(
            "{}{}",
            r.field.map(|f| format!("{f}: ")).unwrap_or_default(),
            r.reason
        ));
    }
    Ok(items)
}
