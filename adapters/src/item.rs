//! What a format reader produces: items, each with its position and raw bytes.

use homeward_schemas::{Record, RecordId, Transaction};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where in the input an item was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line number (line formats; XML: line of the element's start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column, in bytes, of the offending field (rejections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// 0-based byte offset of the item's start in the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
    /// 0-based index of the item (report, entry) in the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        if let Some(c) = self.column {
            parts.push(format!("column {c}"));
        }
        if let Some(b) = self.byte_offset {
            parts.push(format!("byte {b}"));
        }
        if let Some(i) = self.index {
            parts.push(format!("item {i}"));
        }
        if parts.is_empty() {
            f.write_str("whole input")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Input that was refused: what quarantine stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The format that refused it.
    pub format: String,
    /// The field at fault (an NCIC MFC, an XML element, a PFIF field), if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Why, in words an administrator can act on.
    pub reason: String,
}

/// One thing read from the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A record as the source now states it.
    Entry(Box<Record>),
    /// A change to a record sent before.
    Transaction(Box<Transaction>),
    /// Input that could not be read.
    Rejected(Rejection),
}

/// An item with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadItem {
    pub item: Item,
    pub position: Position,
    /// The item's bytes exactly as received (a line, a report element, a feed entry; for a
    /// document refused whole, the document up to the configured size limit).
    pub raw: Vec<u8>,
    /// Things worth telling that did not stop the item (an unknown field kept verbatim...).
    pub warnings: Vec<String>,
}

impl ReadItem {
    pub fn entry(record: Record, position: Position, raw: Vec<u8>) -> Self {
        Self {
            item: Item::Entry(Box::new(record)),
            position,
            raw,
            warnings: Vec::new(),
        }
    }

    pub fn transaction(t: Transaction, position: Position, raw: Vec<u8>) -> Self {
        Self {
            item: Item::Transaction(Box::new(t)),
            position,
            raw,
            warnings: Vec::new(),
        }
    }

    pub fn rejected(
        format: &str,
        field: Option<&str>,
        reason: impl Into<String>,
        position: Position,
        raw: Vec<u8>,
    ) -> Self {
        Self {
            item: Item::Rejected(Rejection {
                format: format.to_string(),
                field: field.map(str::to_string),
                reason: reason.into(),
            }),
            position,
            raw,
            warnings: Vec::new(),
        }
    }

    /// SHA-256 of the raw bytes, lower-case hex: the item's identity for idempotency.
    pub fn digest(&self) -> String {
        digest_hex(&self.raw)
    }

    pub fn is_rejected(&self) -> bool {
        matches!(self.item, Item::Rejected(_))
    }
}

/// Lower-case hex SHA-256.
pub fn digest_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Something a writer could not put in its format exactly as the record has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loss {
    pub record: RecordId,
    /// The canonical field (`names[1]`, `texts[0]`, `sex`).
    pub field: String,
    /// What happened to it (`period in free text replaced by a space`, `not written: NCIC
    /// has no slot`).
    pub detail: String,
    /// The whole record (or transaction) was left out of the output, not only this field:
    /// `field` and `detail` say why.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub left_out: bool,
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.record, self.field, self.detail)
    }
}
