//! Engine-neutral export and import of a whole store as JSON Lines, to move a store from one
//! engine to the other (or to another machine).
//!
//! ```text
//! {"homeward_store_dump":1,"store_format":1,"engine":"sled","exported_at":"2026-11-23T10:00:00Z"}
//! {"k":"meta/seq","v":90000}
//! {"k":"rec/TX0101300\u0000M000000123","v":{...the record...}}
//! ...
//! {"end":{"entries":270004}}
//! ```
//!
//! Every key-value pair, in key order; values are the stored JSON. The last line counts the
//! entries, so a truncated dump is refused. Loading checks the whole file before writing,
//! needs an empty store, writes in atomic batches and syncs at the end.

use std::io::{BufRead, Write};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::WriteBatch;
use crate::error::StoreError;
use crate::keys;
use crate::store::{STORE_FORMAT, Store};

/// Identifies a dump file and its format version.
pub const DUMP_FORMAT: u64 = 1;

const BATCH: usize = 2000;

#[derive(Serialize, Deserialize)]
struct Header {
    homeward_store_dump: u64,
    store_format: u64,
    engine: String,
    exported_at: chrono::DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    k: String,
    v: Value,
}

#[derive(Serialize, Deserialize)]
struct End {
    end: EndCount,
}

#[derive(Serialize, Deserialize)]
struct EndCount {
    entries: u64,
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io {
        path: "dump".into(),
        source: e,
    }
}

fn bad(line: usize, what: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("dump line {line}: {what}"))
}

impl Store {
    /// Writes every key-value pair of the store to `out` (see the module doc). Returns the
    /// number of entries.
    pub fn dump(&self, out: &mut dyn Write) -> Result<u64, StoreError> {
        let header = Header {
            homeward_store_dump: DUMP_FORMAT,
            store_format: STORE_FORMAT,
            engine: self.engine_kind().to_string(),
            exported_at: Utc::now(),
        };
        let line = |out: &mut dyn Write, v: &dyn erased::Ser| -> Result<(), StoreError> {
            v.write_json(out)?;
            out.write_all(b"\n").map_err(io)
        };
        line(out, &header)?;
        let snap = self.engine().snapshot()?;
        let mut n = 0u64;
        for kv in snap.scan(b"", b"")? {
            let (k, v) = kv?;
            let k = String::from_utf8(k)
                .map_err(|e| StoreError::Invalid(format!("a stored key is not UTF-8: {e}")))?;
            let v: Value = crate::txn::decode(&k, &v)?;
            line(out, &Entry { k, v })?;
            n += 1;
        }
        line(
            out,
            &End {
                end: EndCount { entries: n },
            },
        )?;
        out.flush().map_err(io)?;
        Ok(n)
    }

    /// Loads a dump into this store, which must be empty (a new store holds only its format
    /// marker). Streams: entries are written in atomic batches as they are read, under a
    /// `meta/loading` marker that is removed only when the end line has been read and checked,
    /// so a store whose load was interrupted refuses to open. Returns the number of entries.
    pub fn load(&self, input: &mut dyn BufRead) -> Result<u64, StoreError> {
        let mut lines = input.lines().enumerate();
        let header: Header = match lines.next() {
            Some((_, l)) => serde_json::from_str(&l.map_err(io)?).map_err(|e| bad(1, e))?,
            None => return Err(bad(1, "empty file")),
        };
        if header.homeward_store_dump != DUMP_FORMAT || header.store_format > STORE_FORMAT {
            return Err(bad(
                1,
                format!(
                    "dump format {} / store format {} is not one this Homeward reads",
                    header.homeward_store_dump, header.store_format
                ),
            ));
        }
        let end: std::cell::Cell<Option<u64>> = std::cell::Cell::new(None);
        let entries = std::iter::from_fn(|| {
            for (i, l) in lines.by_ref() {
                let l = match l {
                    Ok(l) => l,
                    Err(e) => return Some(Err(io(e))),
                };
                if end.get().is_some() {
                    return Some(Err(bad(i + 1, "text after the end line")));
                }
                if l.starts_with("{\"end\"") {
                    match serde_json::from_str::<End>(&l) {
                        Ok(e) => {
                            end.set(Some(e.end.entries));
                            continue;
                        }
                        Err(e) => return Some(Err(bad(i + 1, e))),
                    }
                }
                let parsed = serde_json::from_str::<Entry>(&l)
                    .map_err(|e| bad(i + 1, e))
                    .and_then(|e| {
                        serde_json::to_vec(&e.v)
                            .map(|v| (e.k, v))
                            .map_err(|e| bad(i + 1, e))
                    });
                return Some(parsed);
            }
            None
        });
        self.load_entries(entries, |loaded| match end.get() {
            Some(n) if n == loaded => Ok(()),
            Some(n) => Err(StoreError::Invalid(format!(
                "dump says {n} entries but holds {loaded}"
            ))),
            None => Err(StoreError::Invalid(
                "dump has no end line: it is truncated".into(),
            )),
        })
    }

    /// Writes `entries` into this empty store in batches under the loading marker; `check`
    /// decides, once all are written, whether the load is complete.
    fn load_entries(
        &self,
        entries: impl Iterator<Item = Result<(String, Vec<u8>), StoreError>>,
        check: impl FnOnce(u64) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let _guard = self.lock()?;
        for kv in self.engine().scan_prefix(b"")? {
            let (k, _) = kv?;
            if k != keys::META_FORMAT.as_bytes() {
                return Err(StoreError::Invalid(
                    "the store is not empty; load into a new data directory".into(),
                ));
            }
        }
        let mut batch = WriteBatch::new();
        batch.put(keys::META_LOADING, b"true".to_vec());
        self.engine().apply(batch)?;
        let mut n = 0u64;
        let mut batch = WriteBatch::new();
        for kv in entries {
            let (k, v) = kv?;
            if k == keys::META_LOADING {
                continue;
            }
            batch.put(k.into_bytes(), v);
            n += 1;
            if batch.len() >= BATCH {
                self.engine().apply(std::mem::take(&mut batch))?;
            }
        }
        if !batch.is_empty() {
            self.engine().apply(batch)?;
        }
        self.engine().sync()?;
        check(n)?;
        let mut done = WriteBatch::new();
        done.delete(keys::META_LOADING);
        self.engine().apply(done)?;
        self.engine().sync()?;
        Ok(n)
    }

    /// Copies every entry of this store into `target` (an empty store, usually of the other
    /// engine), then checks the copy entry by entry. Returns the number of entries.
    pub fn copy_to(&self, target: &Store) -> Result<u64, StoreError> {
        let _guard = self.lock()?;
        let snap = self.engine().snapshot()?;
        let entries = snap.scan(b"", b"")?.map(|kv| {
            let (k, v) = kv?;
            let k = String::from_utf8(k)
                .map_err(|e| StoreError::Invalid(format!("a stored key is not UTF-8: {e}")))?;
            Ok((k, v))
        });
        let n = target.load_entries(entries, |_| Ok(()))?;
        let other = target.engine().snapshot()?;
        let (mut ia, mut ib) = (snap.scan(b"", b"")?, other.scan(b"", b"")?);
        loop {
            match (ia.next().transpose()?, ib.next().transpose()?) {
                (None, None) => break,
                (Some((ka, va)), Some((kb, vb))) if ka == kb && va == vb => {}
                (Some((k, _)), _) | (None, Some((k, _))) => {
                    return Err(StoreError::Invalid(format!(
                        "the copy differs at key `{}`",
                        String::from_utf8_lossy(&k).escape_default()
                    )));
                }
            }
        }
        Ok(n)
    }
}

/// Serializing values of different types through one closure.
mod erased {
    use super::{StoreError, io};

    pub trait Ser {
        fn write_json(&self, out: &mut dyn std::io::Write) -> Result<(), StoreError>;
    }

    impl<T: serde::Serialize> Ser for T {
        fn write_json(&self, out: &mut dyn std::io::Write) -> Result<(), StoreError> {
            serde_json::to_writer(&mut *out, self).map_err(|e| match e.io_error_kind() {
                Some(_) => io(std::io::Error::other(e)),
                None => StoreError::Encode {
                    key: "dump".into(),
                    source: e,
                },
            })
        }
    }
}
