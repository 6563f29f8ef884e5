//! Payloads: canonical JSON of records and transactions, or a wire format read by an adapter.
//!
//! The canonical payload (format `canonical`) is a JSON array whose elements are
//! `{"record": <Record>}` or `{"transaction": <Transaction>}` (the `homeward_schemas` types,
//! schema in `schemas/json/record.schema.json`). An element that does not parse is rejected on
//! its own (with its index and the parser's reason) and the rest of the array goes through; a
//! payload that is not a JSON array at all is refused whole.

use std::io::Cursor;

use homeward_adapters::{Item, Position, ReadContext, ReadItem, Registry};
use homeward_schemas::{Record, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::envelope::CANONICAL_FORMAT;

/// One element of a canonical payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PayloadItem {
    Record(Box<Record>),
    Transaction(Box<Transaction>),
}

impl PayloadItem {
    /// The record it is or changes, `source/native_id`, and for a transaction its action.
    pub fn label(&self) -> String {
        match self {
            PayloadItem::Record(r) => r.id.to_string(),
            PayloadItem::Transaction(t) => {
                format!(
                    "{}/{} ({})",
                    t.target.source,
                    t.target.native_id,
                    t.action.name()
                )
            }
        }
    }

    /// The item of a read item, if it is an entry or transaction.
    pub fn from_read_item(item: &ReadItem) -> Option<Self> {
        match &item.item {
            Item::Entry(r) => Some(PayloadItem::Record(r.clone())),
            Item::Transaction(t) => Some(PayloadItem::Transaction(t.clone())),
            Item::Rejected(_) => None,
        }
    }
}

/// The label of a read item (rejected items: their position).
pub fn read_item_label(item: &ReadItem) -> String {
    match &item.item {
        Item::Entry(r) => r.id.to_string(),
        Item::Transaction(t) => {
            format!(
                "{}/{} ({})",
                t.target.source,
                t.target.native_id,
                t.action.name()
            )
        }
        Item::Rejected(_) => format!("unreadable item at {}", item.position),
    }
}

/// Why a payload could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("payload format `{0}` is not known here")]
    UnknownFormat(String),
    #[error("canonical payload is not a JSON array: {0}")]
    NotAnArray(String),
    #[error("encoding the payload: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Below this many items, encoding and decoding stay on one thread.
const PARALLEL_FROM: usize = 2048;

/// How many threads to split large payloads over (at most 4).
fn threads_for(n: usize) -> usize {
    if n < PARALLEL_FROM {
        return 1;
    }
    std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1)
        .clamp(1, 4)
}

/// Encodes items as a canonical payload (large payloads in parallel chunks, joined into the
/// same bytes one thread would write).
pub fn encode_canonical(items: &[PayloadItem]) -> Result<Vec<u8>, PayloadError> {
    let threads = threads_for(items.len());
    if threads == 1 {
        return Ok(serde_json::to_vec(items)?);
    }
    let chunk = items.len().div_ceil(threads);
    let parts: Vec<Result<Vec<u8>, serde_json::Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || serde_json::to_vec(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Ok(b"[]".to_vec())))
            .collect()
    });
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum());
    out.push(b'[');
    let mut first = true;
    for p in parts {
        let p = p?;
        // each part is `[...]` and holds at least one item
        let inner = p.get(1..p.len().saturating_sub(1)).unwrap_or_default();
        if inner.is_empty() {
            continue;
        }
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(inner);
        first = false;
    }
    out.push(b']');
    Ok(out)
}

fn decode_one(base: usize, i: usize, raw: &RawValue) -> ReadItem {
    let text = raw.get();
    let position = Position {
        index: Some(i as u64),
        byte_offset: Some((text.as_ptr() as usize).saturating_sub(base) as u64),
        ..Position::default()
    };
    let bytes = text.as_bytes().to_vec();
    match serde_json::from_str::<PayloadItem>(text) {
        Ok(PayloadItem::Record(r)) => ReadItem {
            item: Item::Entry(r),
            position,
            raw: bytes,
            warnings: Vec::new(),
        },
        Ok(PayloadItem::Transaction(t)) => ReadItem {
            item: Item::Transaction(t),
            position,
            raw: bytes,
            warnings: Vec::new(),
        },
        Err(e) => ReadItem::rejected(CANONICAL_FORMAT, None, e.to_string(), position, bytes),
    }
}

/// Reads a canonical payload into items (unparsable elements become rejections).
pub fn decode_canonical(bytes: &[u8]) -> Result<Vec<ReadItem>, PayloadError> {
    let raws: Vec<&RawValue> =
        serde_json::from_slice(bytes).map_err(|e| PayloadError::NotAnArray(e.to_string()))?;
    let base = bytes.as_ptr() as usize;
    let threads = threads_for(raws.len());
    if threads == 1 {
        return Ok(raws
            .into_iter()
            .enumerate()
            .map(|(i, raw)| decode_one(base, i, raw))
            .collect());
    }
    let chunk = raws.len().div_ceil(threads);
    let parts: Vec<Vec<ReadItem>> = std::thread::scope(|s| {
        let handles: Vec<_> = raws
            .chunks(chunk)
            .enumerate()
            .map(|(c, raws)| {
                s.spawn(move || {
                    raws.iter()
                        .enumerate()
                        .map(|(i, raw)| decode_one(base, c * chunk + i, raw))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .enumerate()
            .map(|(c, h)| {
                h.join().unwrap_or_else(|_| {
                    // a panicking parser: reject the chunk's items rather than lose them
                    raws.chunks(chunk)
                        .nth(c)
                        .unwrap_or_default()
                        .iter()
                        .enumerate()
                        .map(|(i, raw)| {
                            ReadItem::rejected(
                                CANONICAL_FORMAT,
                                None,
                                "item could not be parsed",
                                Position {
                                    index: Some((c * chunk + i) as u64),
                                    ..Position::default()
                                },
                                raw.get().as_bytes().to_vec(),
                            )
                        })
                        .collect()
                })
            })
            .collect()
    });
    Ok(parts.into_iter().flatten().collect())
}

/// Reads a payload of `format`: canonical JSON here, any other format through the adapters'
/// registry.
pub fn read_payload(
    format: &str,
    bytes: &[u8],
    formats: &Registry,
    ctx: ReadContext,
) -> Result<Vec<ReadItem>, PayloadError> {
    if format == CANONICAL_FORMAT {
        return decode_canonical(bytes);
    }
    let f = formats
        .get(format)
        .ok_or_else(|| PayloadError::UnknownFormat(format.to_string()))?;
    let reader = f.reader();
    Ok(reader.read(Box::new(Cursor::new(bytes)), ctx).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::synthetic_records;

    #[test]
    fn canonical_round_trip_keeps_order_and_positions() {
        let items: Vec<PayloadItem> = synthetic_records("TX", 3)
            .into_iter()
            .map(|r| PayloadItem::Record(Box::new(r)))
            .collect();
        let bytes = encode_canonical(&items).unwrap();
        let read = decode_canonical(&bytes).unwrap();
        assert_eq!(read.len(), 3);
        for (i, (r, it)) in read.iter().zip(&items).enumerate() {
            assert_eq!(PayloadItem::from_read_item(r).as_ref(), Some(it));
            assert_eq!(r.position.index, Some(i as u64));
            let off = r.position.byte_offset.unwrap() as usize;
            assert_eq!(&bytes[off..off + r.raw.len()], &r.raw[..]);
        }
    }

    #[test]
    fn a_bad_element_is_rejected_alone() {
        let good = encode_canonical(&[PayloadItem::Record(Box::new(
            synthetic_records("TX", 1).remove(0),
        ))])
        .unwrap();
        let good = std::str::from_utf8(&good).unwrap();
        let text = format!(
            "[{}, {{\"record\": {{\"kind\": \"alien\"}}}}, {{\"other\": 1}}]",
            &good[1..good.len() - 1]
        );
        let read = decode_canonical(text.as_bytes()).unwrap();
        assert_eq!(read.len(), 3);
        assert!(!read[0].is_rejected());
        assert!(read[1].is_rejected());
        assert!(read[2].is_rejected());
        let Item::Rejected(r) = &read[1].item else {
            panic!()
        };
        assert!(r.reason.contains("alien"), "{}", r.reason);
        assert!(matches!(
            decode_canonical(b"{\"record\": 1}"),
            Err(PayloadError::NotAnArray(_))
        ));
    }

    #[test]
    fn large_payloads_encode_and_decode_in_parallel_identically() {
        let items: Vec<PayloadItem> = crate::fixtures::typical_records("AL", 5000)
            .into_iter()
            .map(|r| PayloadItem::Record(Box::new(r)))
            .collect();
        let parallel = encode_canonical(&items).unwrap();
        assert_eq!(parallel, serde_json::to_vec(&items).unwrap());
        let read = decode_canonical(&parallel).unwrap();
        assert_eq!(read.len(), 5000);
        for (i, (r, it)) in read.iter().zip(&items).enumerate() {
            assert_eq!(r.position.index, Some(i as u64));
            assert_eq!(PayloadItem::from_read_item(r).as_ref(), Some(it));
        }
        // an odd count and a bad element in the middle
        let mut text = String::from_utf8(encode_canonical(&items[..4099]).unwrap()).unwrap();
        text.insert_str(1, "{\"record\": 7},");
        let read = decode_canonical(text.as_bytes()).unwrap();
        assert_eq!(read.len(), 4100);
        assert!(read[0].is_rejected());
        assert!(read[1..].iter().all(|r| !r.is_rejected()));
        assert_eq!(read[4099].position.index, Some(4099));
    }

    #[test]
    fn unknown_wire_formats_are_refused() {
        let e =
            read_payload("morse", b"", &Registry::builtin(), ReadContext::new("t")).unwrap_err();
        assert_eq!(e.to_string(), "payload format `morse` is not known here");
    }
}
