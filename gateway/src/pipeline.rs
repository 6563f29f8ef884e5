//! The import pipeline: read items lazily, apply them to the store in atomic batches, and
//! acknowledge each batch only once the store has made it durable.
//!
//! ```text
//! reader ──items──► batch (N items or 16 MiB of raw bytes) ──► Store::apply_batch
//!                                                              (atomic; sled flush / redb
//!                                                               durable commit)
//!                                                          ──► on_ack(outcomes)
//! ```
//!
//! If the process dies, every item reported to `on_ack` is in the store; the items of the batch
//! in flight are either all there or none, and reading the input again applies exactly what is
//! missing (the store recognises what it has seen by the items' digests).

use homeward_adapters::ReadItem;
use homeward_store::{InputContext, ItemOutcome, Outcome, Store, StoreError};
use serde::Serialize;

/// Items per batch unless configured (`[store] batch_size`).
pub const DEFAULT_BATCH_ITEMS: usize = 1000;

/// A batch is also cut when its items' raw bytes reach this much.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

/// Why an import stopped. What was acknowledged before stays acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("storing a batch: {0}")]
    Store(#[from] StoreError),
    #[error("reporting acknowledged items: {0}")]
    Ack(#[source] std::io::Error),
}

/// Counts of what an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Items read from the input.
    pub read: u64,
    /// Records stored for the first time.
    pub new: u64,
    /// Stored records changed (content or status).
    pub changed: u64,
    /// Items that changed nothing (seen before, same content, already in that status).
    pub unchanged: u64,
    /// Items older than what is stored.
    pub stale: u64,
    /// Items refused and kept in quarantine (including ones quarantined by an earlier run).
    pub rejected: u64,
    /// Warnings attached to items.
    pub warnings: u64,
}

impl ImportSummary {
    /// Items accepted: new and changed.
    pub fn accepted(&self) -> u64 {
        self.new + self.changed
    }

    /// Counts one outcome.
    pub fn add(&mut self, o: &ItemOutcome) {
        self.read += 1;
        self.warnings += o.warnings.len() as u64;
        match o.outcome {
            Outcome::New { .. } => self.new += 1,
            Outcome::Changed { .. } => self.changed += 1,
            Outcome::Unchanged { .. } => self.unchanged += 1,
            Outcome::Stale { .. } => self.stale += 1,
            Outcome::Rejected { .. } => self.rejected += 1,
        }
    }

    /// Adds another summary's counts.
    pub fn merge(&mut self, other: &ImportSummary) {
        self.read += other.read;
        self.new += other.new;
        self.changed += other.changed;
        self.unchanged += other.unchanged;
        self.stale += other.stale;
        self.rejected += other.rejected;
        self.warnings += other.warnings;
    }
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "read {}, accepted {} (new {}, changed {}), unchanged {}, stale {}, rejected {}",
            self.read,
            self.accepted(),
            self.new,
            self.changed,
            self.unchanged,
            self.stale,
            self.rejected
        )
    }
}

/// Applies read items to a store in durable batches.
pub struct Pipeline<'s> {
    store: &'s Store,
    batch_items: usize,
}

impl<'s> Pipeline<'s> {
    /// A pipeline writing to `store`, `batch_items` items per batch (at least 1).
    pub fn new(store: &'s Store, batch_items: usize) -> Self {
        Self {
            store,
            batch_items: batch_items.max(1),
        }
    }

    /// Applies every item of `items` (one input, described by `input`), batch by batch. After
    /// each batch is durable, `on_ack` receives its outcomes in input order; only then may
    /// they be reported as accepted. If `on_ack` fails, the run stops: that batch is stored
    /// but was not (fully) reported; running the input again reports it as seen.
    pub fn run(
        &self,
        items: impl IntoIterator<Item = ReadItem>,
        input: &InputContext,
        mut on_ack: impl FnMut(&[ItemOutcome]) -> std::io::Result<()>,
    ) -> Result<ImportSummary, PipelineError> {
        let mut summary = ImportSummary::default();
        let mut batch: Vec<ReadItem> = Vec::with_capacity(self.batch_items);
        let mut bytes = 0usize;
        let mut flush =
            |batch: &mut Vec<ReadItem>, summary: &mut ImportSummary| -> Result<(), PipelineError> {
                if batch.is_empty() {
                    return Ok(());
                }
                let result = self.store.apply_batch(batch, input)?;
                batch.clear();
                for o in &result.outcomes {
                    summary.add(o);
                }
                on_ack(&result.outcomes).map_err(PipelineError::Ack)
            };
        for item in items {
            bytes += item.raw.len();
            batch.push(item);
            if batch.len() >= self.batch_items || bytes >= MAX_BATCH_BYTES {
                flush(&mut batch, &mut summary)?;
                bytes = 0;
            }
        }
        flush(&mut batch, &mut summary)?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use homeward_adapters::{Position, ReadItem};
    use homeward_schemas::{Kind, Record};
    use homeward_store::{EngineKind, InputContext, Store};

    use super::*;

    fn items(n: usize) -> Vec<ReadItem> {
        (1..=n)
            .map(|i| {
                let r = Record::new(Kind::Missing, "AZ1", format!("M{i}"));
                let raw = format!("line {i}").into_bytes();
                let pos = Position {
                    line: Some(i as u64),
                    ..Position::default()
                };
                ReadItem::entry(r, pos, raw)
            })
            .collect()
    }

    #[test]
    fn batches_are_acknowledged_in_order_after_they_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), EngineKind::Redb).unwrap();
        let mut seen: Vec<Vec<u64>> = Vec::new();
        let summary = Pipeline::new(&store, 3)
            .run(items(7), &InputContext::file("f", "test"), |outcomes| {
                // everything acknowledged is already readable from the store
                for o in outcomes {
                    let id = o.outcome.record().unwrap();
                    assert!(store.get(id).unwrap().is_some());
                }
                seen.push(outcomes.iter().map(|o| o.position.line.unwrap()).collect());
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, vec![vec![1, 2, 3], vec![4, 5, 6], vec![7]]);
        assert_eq!((summary.read, summary.new, summary.accepted()), (7, 7, 7));
        let again = Pipeline::new(&store, 100)
            .run(items(7), &InputContext::file("f", "test"), |_| Ok(()))
            .unwrap();
        assert_eq!((again.unchanged, again.accepted()), (7, 0));
        assert_eq!(
            again.to_string(),
            "read 7, accepted 0 (new 0, changed 0), unchanged 7, stale 0, rejected 0"
        );
    }

    #[test]
    fn a_failing_acknowledgement_stops_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), EngineKind::Sled).unwrap();
        let mut calls = 0;
        let err = Pipeline::new(&store, 2)
            .run(items(5), &InputContext::file("f", "test"), |_| {
                calls += 1;
                Err(std::io::Error::other("ack log full"))
            })
            .unwrap_err();
        assert!(matches!(err, PipelineError::Ack(_)));
        assert_eq!(calls, 1);
        assert_eq!(
            store.stats().unwrap().records,
            2,
            "the first batch is stored, no more"
        );
    }
}
