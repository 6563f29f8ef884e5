//! Format `pfif`: PFIF 1.4 Atom feeds with the `gmcn:case` extension, and plain `pfif:pfif`
//! documents.
//!
//! The contract is `shared/formats/gmcn-feed.md` (PFIF 1.4, `pfif-1.4.rng`); the choices it
//! leaves open are in `docs/formats/pfif.md`. Each feed entry (or `pfif:person`) becomes one
//! entry; an expiry placeholder (or a person whose `expiry_date` has passed) becomes an
//! [`Action::Expire`](homeward_schemas::Action::Expire) transaction; a note outside a person
//! becomes an [`Action::Note`](homeward_schemas::Action::Note) transaction.

use chrono::{DateTime, Utc};
use homeward_schemas::Record;

use crate::format::{Format, Reader, WriteContext, Writer, trim_head};

mod read;
mod write;

#[cfg(test)]
mod tests;

pub use read::PfifReader;
pub use write::PfifWriter;

pub const NAME: &str = "pfif";

/// The PFIF 1.4 namespace.
pub const PFIF_NS: &str = "http://zesty.ca/pfif/1.4";
/// The Atom namespace.
pub const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
/// The `gmcn:` extension namespace.
pub const GMCN_NS: &str = "urn:homeward:gmcn:1";

/// Why one feed entry (or person, or note) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("{field} is required")]
    Missing { field: String },
    #[error("{field}: `{value}` is not a record id of the form domain/local-id")]
    BadRecordId { field: String, value: String },
    #[error("{field}: `{value}` is not a UTC time of the form yyyy-mm-ddThh:mm:ssZ")]
    BadTime { field: String, value: String },
    #[error("{field}: `{value}` is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")]
    BadDate { field: String, value: String },
    #[error("{field}: `{value}` is not in its list")]
    UnknownCode { field: String, value: String },
    #[error("{field}: `{value}` is not a valid value: {reason}")]
    BadValue {
        field: String,
        value: String,
        reason: &'static str,
    },
    #[error("entry has no pfif:person or pfif:note")]
    Empty,
    #[error("`{0}` is not a PFIF person, note or Atom entry")]
    UnknownElement(String),
    #[error(
        "entry is larger than the item limit of {limit} bytes (in bytes, or in the memory its elements take)"
    )]
    Oversize { limit: usize },
}

impl EntryError {
    /// The field at fault, for [`crate::Rejection::field`].
    pub fn field(&self) -> Option<&str> {
        match self {
            EntryError::Missing { field }
            | EntryError::BadRecordId { field, .. }
            | EntryError::BadTime { field, .. }
            | EntryError::BadDate { field, .. }
            | EntryError::UnknownCode { field, .. }
            | EntryError::BadValue { field, .. } => Some(field),
            EntryError::UnknownElement(e) => Some(e),
            EntryError::Empty | EntryError::Oversize { .. } => None,
        }
    }
}

/// The originating repository of a PFIF record id: the text before the first `/`.
pub fn record_domain(record_id: &str) -> Option<&str> {
    record_id
        .split_once('/')
        .map(|(d, _)| d)
        .filter(|d| !d.is_empty())
}

/// The `entry_date` a record is served with (and filtered by, for `min_entry_date`): when this
/// gateway stored it (`received_at`), else the sending repository's `entry_date`.
pub fn entry_date(r: &Record) -> Option<DateTime<Utc>> {
    r.received_at.or(r.provenance.entry_date)
}

/// The records to serve for a pull with `min_entry_date=cursor` (PFIF sync): those whose
/// [`entry_date`] is at or after the cursor (inclusive, so a record stored in the same second
/// as the previous pull's last one is sent again rather than missed), oldest first. Records
/// without an entry date are always included.
pub fn since<'r>(
    records: impl IntoIterator<Item = &'r Record>,
    cursor: Option<DateTime<Utc>>,
) -> Vec<&'r Record> {
    let mut out: Vec<&Record> = records
        .into_iter()
        .filter(|r| match (cursor, entry_date(r)) {
            (Some(c), Some(d)) => d >= c,
            _ => true,
        })
        .collect();
    out.sort_by_key(|r| entry_date(r));
    out
}

/// The cursor a partner keeps after a pull: the newest `entry_date` it received.
pub fn next_cursor<'r>(records: impl IntoIterator<Item = &'r Record>) -> Option<DateTime<Utc>> {
    records.into_iter().filter_map(entry_date).max()
}

/// The `pfif` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct PfifFormat;

impl Format for PfifFormat {
    fn name(&self) -> &str {
        NAME
    }

    fn description(&self) -> &str {
        "PFIF 1.4 (Atom feed with gmcn:case, or pfif:pfif)"
    }

    /// An Atom feed that declares the PFIF 1.4 namespace, or a `pfif:pfif` root.
    fn detect(&self, head: &[u8]) -> bool {
        let head = trim_head(head);
        match crate::xmlcore::sniff_root(head) {
            Some(root) if root.is(PFIF_NS, "pfif") => true,
            Some(root) if root.is(ATOM_NS, "feed") => {
                root.attrs.iter().any(|a| a.value == PFIF_NS)
                    || head.windows(PFIF_NS.len()).any(|w| w == PFIF_NS.as_bytes())
            }
            _ => false,
        }
    }

    fn reader(&self) -> Box<dyn Reader> {
        Box::new(PfifReader)
    }

    /// An Atom `entry` in a `feed` declaring the Atom, PFIF and gmcn namespaces; a
    /// `pfif:person` or `pfif:note` in a `pfif:pfif`; a whole document as it is.
    fn standalone(&self, raw: &[u8], _source: Option<&str>) -> Vec<u8> {
        let head = String::from_utf8_lossy(&raw[..raw.len().min(256)]);
        let head = head.trim_start();
        let (open, close) = if head.starts_with("<entry") {
            (
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"{ATOM_NS}\" xmlns:pfif=\"{PFIF_NS}\" xmlns:gmcn=\"{GMCN_NS}\">\n"
                ),
                "\n</feed>\n",
            )
        } else if head.starts_with("<pfif:person") || head.starts_with("<pfif:note") {
            (
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<pfif:pfif xmlns:pfif=\"{PFIF_NS}\" xmlns:gmcn=\"{GMCN_NS}\">\n"
                ),
                "\n</pfif:pfif>\n",
            )
        } else {
            return raw.to_vec();
        };
        let mut out = open.into_bytes();
        out.extend_from_slice(raw);
        out.extend_from_slice(close.as_bytes());
        out
    }

    fn writer(&self, ctx: &WriteContext) -> Box<dyn Writer> {
        Box::new(PfifWriter::new(ctx.clone()))
    }
}
