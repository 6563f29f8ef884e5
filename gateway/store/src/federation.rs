//! The store's federation tables: the evidence log, replay keys, which partner was sent and
//! which partner sent each record, and the cursors of pulls from partners.
//!
//! The store knows nothing of envelopes or signatures: evidence entries are opaque bytes
//! appended in order, replay keys opaque bytes with a time. What it adds is atomicity: an
//! exchange's records, its evidence entry and its marks go into **one** durable batch
//! ([`Store::apply_batch_with`]), and a push's sharing marks with the pusher's change-feed
//! cursor ([`Store::federation_write`]), so a crash can never leave records without their
//! evidence, or a cursor past records never sent.
//!
//! | key | value |
//! |---|---|
//! | `meta/evlen` | number of evidence entries |
//! | `ev/{seq}` | entry `seq` (0-based) as stored by the evidence log, `{"hex": "..."}` |
//! | `rpl/{key hex}` | a replay key seen, with the envelope's created time (ms) |
//! | `rplt/{created ms}\0{key hex}` | the same key by time, so pruning reads only what it removes |
//! | `shr/{partner}\0{source}\0{native_id}` | [`SharedMark`]: the record was sent to the partner |
//! | `rcv/{partner}\0{source}\0{native_id}` | [`ReceivedMark`]: the record came from the partner |
//! | `rcur/{partner}\0{feed}` | the cursor of a pull from the partner (`changes`, `pfif`) |

use chrono::{DateTime, Utc};
use homeward_adapters::ReadItem;
use homeward_schemas::{RecordId, Status};
use serde::{Deserialize, Serialize};

use crate::apply::{self, Mode};
use crate::error::StoreError;
use crate::keys;
use crate::model::{BatchResult, InputContext};
use crate::store::Store;
use crate::txn::{Txn, decode};

/// What was sent of a record to a partner, last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedMark {
    /// The record's version that was sent.
    pub version: u64,
    /// Its status then (so a later status change is sent as a lifecycle transaction).
    pub status: Status,
    pub at: DateTime<Utc>,
}

/// A record received from a partner (it is not sent back to that partner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedMark {
    pub at: DateTime<Utc>,
    /// The exchange (or page) it came in.
    pub exchange: String,
}

/// How an evidence entry's bytes are kept (binary, so always hex).
#[derive(Serialize, Deserialize)]
struct EvidenceValue {
    hex: String,
}

fn check_part(what: &str, s: &str) -> Result<(), StoreError> {
    if s.is_empty() || !keys::valid_part(s) {
        return Err(StoreError::Invalid(format!(
            "`{}` is not a valid {what}",
            s.escape_default()
        )));
    }
    Ok(())
}

fn millis(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp_millis()).unwrap_or(0)
}

fn read_u64(tx: &Txn, key: &str) -> Result<u64, StoreError> {
    Ok(tx.get::<u64>(key)?.unwrap_or(0))
}

/// Federation writes inside one store transaction (see [`Store::federation_write`] and
/// [`Store::apply_batch_with`]). Nothing is written unless the whole transaction commits.
pub struct FederationWrites<'t> {
    tx: &'t mut Txn,
}

impl FederationWrites<'_> {
    /// The time the transaction is applied at.
    pub fn now(&self) -> DateTime<Utc> {
        self.tx.now
    }

    /// Number of evidence entries, this transaction's included.
    pub fn evidence_len(&self) -> Result<u64, StoreError> {
        read_u64(self.tx, keys::META_EVLEN)
    }

    /// Appends evidence entry `seq`, which must be the current length (the log's chain
    /// position; anything else means two writers or a log opened on another store).
    pub fn append_evidence(&mut self, seq: u64, record: &[u8]) -> Result<(), StoreError> {
        let len = self.evidence_len()?;
        if seq != len {
            return Err(StoreError::Invalid(format!(
                "evidence append at {seq}, but the log has {len} entries"
            )));
        }
        self.tx.put(
            keys::ev(seq),
            &EvidenceValue {
                hex: hex::encode(record),
            },
        )?;
        self.tx.put(keys::META_EVLEN.to_string(), &(len + 1))
    }

    /// Notes that `partner` was sent `id` at `version` in `status`.
    pub fn mark_shared(
        &mut self,
        partner: &str,
        id: &RecordId,
        version: u64,
        status: Status,
    ) -> Result<(), StoreError> {
        check_part("partner id", partner)?;
        if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
            return Ok(());
        }
        let mark = SharedMark {
            version,
            status,
            at: self.tx.now,
        };
        self.tx.put(keys::shr(partner, id), &mark)
    }

    /// Notes that `id` came from `partner` in `exchange`.
    pub fn mark_received(
        &mut self,
        partner: &str,
        id: &RecordId,
        exchange: &str,
    ) -> Result<(), StoreError> {
        check_part("partner id", partner)?;
        if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
            return Ok(());
        }
        let mark = ReceivedMark {
            at: self.tx.now,
            exchange: exchange.to_string(),
        };
        self.tx.put(keys::rcv(partner, id), &mark)
    }

    /// Sets the cursor of pulls of `feed` from `partner`.
    pub fn set_remote_cursor(
        &mut self,
        partner: &str,
        feed: &str,
        cursor: &str,
    ) -> Result<(), StoreError> {
        check_part("partner id", partner)?;
        check_part("feed name", feed)?;
        self.tx.put(keys::rcur(partner, feed), &cursor)
    }

    /// Acknowledges change-feed position `seq` for consumer `name` (never moves it back; see
    /// [`crate::Consumer::ack`]).
    pub fn ack_consumer(&mut self, name: &str, seq: u64) -> Result<(), StoreError> {
        check_part("consumer name", name)?;
        let key = keys::cur(name);
        let current: u64 = self.tx.get(&key)?.unwrap_or(0);
        if seq <= current {
            return Ok(());
        }
        if seq > self.tx.seq {
            return Err(StoreError::Invalid(format!(
                "cannot acknowledge {seq} for `{name}`: the change feed ends at {}",
                self.tx.seq
            )));
        }
        self.tx.put(key, &seq)
    }
}

impl Store {
    /// Runs `f` in one write transaction and makes its writes durable; nothing is written if
    /// `f` fails.
    pub fn federation_write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut FederationWrites<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.write_with(|tx| f(&mut FederationWrites { tx }))
    }

    /// [`Store::apply_batch`] with more writes in the same atomic, durable batch: after the
    /// items are applied (their outcomes known, nothing written yet), `then` gets the outcomes
    /// and may add federation writes (an exchange's evidence entry, received marks, a pull
    /// cursor). If `then` fails, nothing of the batch is stored.
    pub fn apply_batch_with<E: From<StoreError>>(
        &self,
        items: &[ReadItem],
        input: &InputContext,
        then: impl FnOnce(&BatchResult, &mut FederationWrites<'_>) -> Result<(), E>,
    ) -> Result<BatchResult, E> {
        self.write_with(|tx| {
            let mut outcomes = Vec::with_capacity(items.len());
            for it in items {
                outcomes.push(apply::apply_item(tx, it, input, Mode::Import)?);
            }
            let result = BatchResult {
                outcomes,
                last_seq: tx.seq,
            };
            then(&result, &mut FederationWrites { tx })?;
            Ok(result)
        })
    }

    // === evidence ===

    /// Number of evidence entries.
    pub fn evidence_len(&self) -> Result<u64, StoreError> {
        match self.engine().get(keys::META_EVLEN.as_bytes())? {
            Some(b) => decode(keys::META_EVLEN, &b),
            None => Ok(0),
        }
    }

    /// Up to `limit` evidence entries from `from`, in order, as stored.
    pub fn evidence_read(&self, from: u64, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        let snap = self.engine().snapshot()?;
        let start = keys::ev(from);
        let mut out = Vec::new();
        let entries = snap
            .scan(keys::EV.as_bytes(), start.as_bytes())?
            .take(limit);
        for (expected, kv) in (from..).zip(entries) {
            let (k, v) = kv?;
            let key = String::from_utf8_lossy(&k).into_owned();
            if key != keys::ev(expected) {
                // a gap: report what is there up to it (the log's verification names it)
                break;
            }
            let value: EvidenceValue = decode(&key, &v)?;
            let bytes = hex::decode(&value.hex).map_err(|e| {
                StoreError::Invalid(format!("stored value under `{key}` is not hex: {e}"))
            })?;
            out.push(bytes);
        }
        Ok(out)
    }

    /// Appends evidence entry `seq` (the current length), durably.
    pub fn evidence_append(&self, seq: u64, record: &[u8]) -> Result<(), StoreError> {
        self.federation_write(|w| w.append_evidence(seq, record))
    }

    // === replay keys ===

    /// Records replay key `key` (an envelope's identity) created at `created`, atomically with
    /// the check: `true` when it was new (and is now durable), `false` when seen before.
    pub fn replay_check_and_record(
        &self,
        key: &[u8],
        created: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let key_hex = hex::encode(key);
        self.write(|tx| {
            let k = keys::rpl(&key_hex);
            if tx.get_raw(&k)?.is_some() {
                return Ok(false);
            }
            let ms = millis(created);
            tx.put(k, &ms)?;
            tx.put(keys::rplt(ms, &key_hex), &())?;
            Ok(true)
        })
    }

    /// Forgets replay keys created before `cutoff`; returns how many.
    pub fn replay_prune(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        let cutoff = millis(cutoff);
        // a read first: most calls find nothing to prune and write nothing
        let mut due = Vec::new();
        for kv in self.engine().scan_prefix(keys::RPLT.as_bytes())? {
            let (k, _) = kv?;
            let key = String::from_utf8_lossy(&k).into_owned();
            match keys::rplt_key(&key) {
                Some((t, _)) if t >= cutoff => break,
                Some((_, h)) => due.push((key.clone(), h.to_string())),
                None => due.push((key.clone(), String::new())),
            }
        }
        if due.is_empty() {
            return Ok(0);
        }
        let n = due.len();
        self.write(|tx| {
            for (time_key, h) in due {
                tx.delete(time_key);
                if !h.is_empty() {
                    tx.delete(keys::rpl(&h));
                }
            }
            Ok(())
        })?;
        Ok(n)
    }

    /// Number of replay keys remembered.
    pub fn replay_len(&self) -> Result<usize, StoreError> {
        Ok(self.engine().scan_prefix(keys::RPL.as_bytes())?.count())
    }

    // === sharing marks ===

    /// For each id, what was last sent of it to `partner`, if anything.
    pub fn shared_marks(
        &self,
        partner: &str,
        ids: &[RecordId],
    ) -> Result<Vec<Option<SharedMark>>, StoreError> {
        let snap = self.engine().snapshot()?;
        ids.iter()
            .map(|id| {
                if !keys::valid_part(partner)
                    || !keys::valid_part(&id.source)
                    || !keys::valid_part(&id.native_id)
                {
                    return Ok(None);
                }
                let key = keys::shr(partner, id);
                snap.get(key.as_bytes())?
                    .map(|b| decode(&key, &b))
                    .transpose()
            })
            .collect()
    }

    /// Every record sent to `partner`, with its mark.
    pub fn shared_with(&self, partner: &str) -> Result<Vec<(RecordId, SharedMark)>, StoreError> {
        let prefix = keys::shr_prefix(partner);
        let mut out = Vec::new();
        for kv in self.engine().scan_prefix(prefix.as_bytes())? {
            let (k, v) = kv?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let Some((source, native)) = key[prefix.len()..].split_once('\0') else {
                continue;
            };
            out.push((RecordId::new(source, native), decode(&key, &v)?));
        }
        Ok(out)
    }

    /// For each id, whether it came from `partner`.
    pub fn received_from(&self, partner: &str, ids: &[RecordId]) -> Result<Vec<bool>, StoreError> {
        let snap = self.engine().snapshot()?;
        ids.iter()
            .map(|id| {
                if !keys::valid_part(partner)
                    || !keys::valid_part(&id.source)
                    || !keys::valid_part(&id.native_id)
                {
                    return Ok(false);
                }
                Ok(snap.get(keys::rcv(partner, id).as_bytes())?.is_some())
            })
            .collect()
    }

    // === pull cursors ===

    /// The cursor of pulls of `feed` from `partner`, if one was kept.
    pub fn remote_cursor(&self, partner: &str, feed: &str) -> Result<Option<String>, StoreError> {
        if !keys::valid_part(partner) || !keys::valid_part(feed) {
            return Ok(None);
        }
        let key = keys::rcur(partner, feed);
        self.engine()
            .get(key.as_bytes())?
            .map(|b| decode(&key, &b))
            .transpose()
    }

    /// Every pull cursor: (partner, feed, cursor).
    pub fn remote_cursors(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.engine().scan_prefix(keys::RCUR.as_bytes())? {
            let (k, v) = kv?;
            let key = String::from_utf8_lossy(&k).into_owned();
            if let Some((partner, feed)) = key[keys::RCUR.len()..].split_once('\0') {
                out.push((partner.to_string(), feed.to_string(), decode(&key, &v)?));
            }
        }
        Ok(out)
    }

    /// Sets the cursor of pulls of `feed` from `partner`, durably.
    pub fn set_remote_cursor(
        &self,
        partner: &str,
        feed: &str,
        cursor: &str,
    ) -> Result<(), StoreError> {
        self.federation_write(|w| w.set_remote_cursor(partner, feed, cursor))
    }

    // === change feed by time ===

    /// The sequence number of the first change stored at or after `t` (the last sequence
    /// number + 1 when none is). Changes are numbered in the order they were stored, and
    /// their times follow that order, so this is a binary search over point reads.
    pub fn first_change_at_or_after(&self, t: DateTime<Utc>) -> Result<u64, StoreError> {
        let last = self.last_seq()?;
        let snap = self.engine().snapshot()?;
        let at = |seq: u64| -> Result<Option<DateTime<Utc>>, StoreError> {
            let key = keys::chg(seq);
            Ok(snap
                .get(key.as_bytes())?
                .map(|b| decode::<crate::model::Change>(&key, &b))
                .transpose()?
                .map(|c| c.at))
        };
        let (mut lo, mut hi) = (1u64, last + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match at(mid)? {
                Some(a) if a < t => lo = mid + 1,
                _ => hi = mid,
            }
        }
        Ok(lo)
    }
}

#[cfg(test)]
mod tests;
