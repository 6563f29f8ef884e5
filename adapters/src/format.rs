//! The interface every format implements, and the registry that names them.
//!
//! A format reads bytes into [`ReadItem`]s and writes records and transactions into bytes. It
//! does no I/O of its own beyond the reader and writer it is handed, and knows nothing of the
//! store. Adding a format means a folder under `src/` and one line in [`Registry::builtin`].

use std::io::{BufRead, Write};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use homeward_schemas::{Record, Transaction};

use crate::item::{Loss, ReadItem};

/// Size limits a reader enforces. Configurable (`[limits]` in the gateway config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line of a line format (NCIC: 4,096 bytes by the spec).
    pub max_line_bytes: usize,
    /// Largest document (XML, PFIF): 64 MiB by default.
    pub max_document_bytes: u64,
    /// Largest single item (an XML report, a feed entry) kept in memory at once.
    pub max_item_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line_bytes: 4096,
            max_document_bytes: 64 * 1024 * 1024,
            max_item_bytes: 1024 * 1024,
        }
    }
}

/// What a reader knows of the input it reads.
#[derive(Debug, Clone)]
pub struct ReadContext {
    /// Where the bytes came from (a file path, an exchange id), for messages.
    pub origin: String,
    /// The source to file records under; `None`: the format's own rule (NCIC ORI, XML sender,
    /// PFIF originating domain).
    pub source: Option<String>,
    pub limits: Limits,
    /// When the gateway received the input.
    pub received_at: DateTime<Utc>,
    /// Whether this source may send unclaimed-person reports (medical examiners and
    /// coroners). `None`: decided from the document's sender identification.
    pub may_send_unclaimed: Option<bool>,
}

impl ReadContext {
    pub fn new(origin: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            source: None,
            limits: Limits::default(),
            received_at: Utc::now(),
            may_send_unclaimed: None,
        }
    }
}

/// What a writer knows of the output it writes.
#[derive(Debug, Clone)]
pub struct WriteContext {
    /// This gateway's name as a sender (XML `ch:SenderIdentification`, Atom author).
    pub sender: String,
    /// The time written into headers (`ch:ExchangeDateTime`, Atom `updated`).
    pub now: DateTime<Utc>,
    /// Atom feed id / self link, for PFIF.
    pub feed_url: Option<String>,
}

impl WriteContext {
    pub fn new(sender: impl Into<String>) -> Self {
        Self {
            sender: sender.into(),
            now: Utc::now(),
            feed_url: None,
        }
    }
}

/// Why writing failed (as opposed to a [`Loss`], which is reported and writing goes on).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
    #[error("{format} cannot write {what}")]
    Unsupported { format: &'static str, what: String },
}

/// Reads one input into items, lazily: a 500 MB document never sits in memory whole.
pub trait Reader: Send + Sync {
    fn read<'a>(
        &self,
        input: Box<dyn BufRead + Send + 'a>,
        ctx: ReadContext,
    ) -> Box<dyn Iterator<Item = ReadItem> + Send + 'a>;
}

/// Writes records and transactions into one output document.
///
/// A record whose status is not `active` is written as its entry followed by the transaction
/// that closed it (so what was read, with its transactions applied, is what is written).
pub trait Writer: Send {
    /// Writes the document's opening (header, feed element), if the format has one.
    fn begin(&mut self, out: &mut dyn Write) -> Result<(), WriteError>;
    /// Writes one record; returns what the format could not hold.
    fn record(&mut self, out: &mut dyn Write, record: &Record) -> Result<Vec<Loss>, WriteError>;
    /// Writes one transaction; returns what the format could not hold.
    fn transaction(
        &mut self,
        out: &mut dyn Write,
        transaction: &Transaction,
    ) -> Result<Vec<Loss>, WriteError>;
    /// Closes the document.
    fn finish(&mut self, out: &mut dyn Write) -> Result<(), WriteError>;
}

/// What writing a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub records: u64,
    pub transactions: u64,
    pub losses: Vec<Loss>,
}

/// Writes `records` as one document.
pub fn write_records<'r>(
    writer: &mut dyn Writer,
    records: impl IntoIterator<Item = &'r Record>,
    out: &mut dyn Write,
) -> Result<WriteReport, WriteError> {
    let mut report = WriteReport::default();
    writer.begin(out)?;
    for r in records {
        report.losses.extend(writer.record(out, r)?);
        report.records += 1;
    }
    writer.finish(out)?;
    Ok(report)
}

/// A wire format: its name, how to recognise it, its reader and writer.
pub trait Format: Send + Sync {
    /// The name used on the command line and in configuration (`ncic`, `xml`, `pfif`, or a
    /// layout's name).
    fn name(&self) -> &str;
    /// One line for `--help` and the console.
    fn description(&self) -> &str;
    /// Whether `head` (the first few KiB of an input) looks like this format.
    fn detect(&self, head: &[u8]) -> bool;
    fn reader(&self) -> Box<dyn Reader>;
    fn writer(&self, ctx: &WriteContext) -> Box<dyn Writer>;
    /// One item's raw bytes, as a reader handed them out, made into an input this format's
    /// reader takes alone (reprocessing a quarantined item): the bytes themselves for line
    /// formats; an XML element wrapped in its document's root (and a header naming `source`,
    /// the source the item was filed under, as the sender) for the XML formats.
    fn standalone(&self, raw: &[u8], source: Option<&str>) -> Vec<u8> {
        let _ = source;
        raw.to_vec()
    }
}

/// Whether `raw` is a whole XML document (it starts with a declaration, or is the root
/// element `root` itself) rather than one element of one.
pub(crate) fn is_document(raw: &[u8], root: &str) -> bool {
    let s = String::from_utf8_lossy(&raw[..raw.len().min(4096)]);
    let s = s.trim_start_matches('\u{feff}').trim_start();
    s.starts_with("<?xml") || s.starts_with("<!") || s.starts_with(&format!("<{root}"))
}

/// The formats a gateway knows, by name.
#[derive(Clone)]
pub struct Registry {
    formats: Vec<Arc<dyn Format>>,
}

/// How many leading bytes auto-detection looks at.
pub const DETECT_HEAD_BYTES: usize = 8192;

impl Registry {
    /// The built-in formats. Order matters for detection: the most specific first.
    pub fn builtin() -> Self {
        Self {
            formats: vec![
                Arc::new(crate::pfif::PfifFormat),
                Arc::new(crate::xml::XmlFormat),
                Arc::new(crate::ncic::NcicFormat),
            ],
        }
    }

    /// Adds a format (a configured fixed-width layout); a later one with the same name
    /// replaces the earlier.
    pub fn add(&mut self, format: Arc<dyn Format>) {
        self.formats.retain(|f| f.name() != format.name());
        self.formats.push(format);
    }

    /// The format called `name`; a layout is also found by the name its records carry
    /// (`layout:<name>`).
    pub fn get(&self, name: &str) -> Option<Arc<dyn Format>> {
        let name = name.strip_prefix("layout:").unwrap_or(name);
        self.formats.iter().find(|f| f.name() == name).cloned()
    }

    pub fn names(&self) -> Vec<String> {
        self.formats.iter().map(|f| f.name().to_string()).collect()
    }

    /// The format `head` looks like, if any.
    pub fn detect(&self, head: &[u8]) -> Option<Arc<dyn Format>> {
        self.formats.iter().find(|f| f.detect(head)).cloned()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// Strips a UTF-8 byte-order mark and leading whitespace, for detection.
pub fn trim_head(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    &head[start..]
}
