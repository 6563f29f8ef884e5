//! Invariants every reader keeps on any input, whatever the bytes.
//!
//! The fuzz targets under `fuzz/` and the corpus replay test (`adapters/tests/fuzz_corpus.rs`,
//! part of `cargo test --workspace`) both call [`check`], so a crasher found by the fuzzer and
//! committed under `fuzz/regressions/` fails an ordinary test run until it is fixed.
//!
//! What [`check`] asserts for one input and one [`Target`], read with the small [`limits`]:
//!
//! 1. **No panic**: a panic inside a reader or writer is the fuzzer's crash (and fails the
//!    replay test).
//! 2. **Bounded memory**: every item's raw bytes stay within the limit that applies to it (a line:
//!    `max_line_bytes`; a report or entry: `max_item_bytes`; a document refused whole:
//!    `max_document_bytes`), and, when a [`HeapMeter`] is given, the heap the reader holds while
//!    producing any one item stays within [`heap_budget`].
//! 3. **Nothing silently dropped**: every input ends as items or rejections. Line formats: every
//!    line that is neither blank nor a comment (nor a declared header line) is exactly one item,
//!    in order, with its line number, byte offset and exact bytes. XML and PFIF: every element
//!    that starts inside the root, and every run of text directly inside it that is not white
//!    space, is one item (at its byte offset, with its exact bytes), except
//!    the document headers the format reads itself (`ch:ExchangeHeader`, an Atom feed's own
//!    elements); a document-level rejection, always last, holds the whole unread rest of the
//!    input up to the document limit; input past that limit is never ignored without one.
//! 4. **Write-then-read**: every accepted entry written with the same format and read back gives
//!    one entry (its closing transactions applied) equal to the one read, when the writer reports
//!    no [`Loss`](crate::Loss); every accepted transaction the same. Whatever the writer reports,
//!    what it writes reads back without a rejection.
//!
//! Adding a target (envelopes, receipts, configuration, partner requests): see
//! `docs/reliability.md`, "Adding a fuzz target".

mod accounting;
mod round_trip;

#[cfg(test)]
mod tests;

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, TimeZone, Utc};

use crate::format::{Format, Limits, ReadContext};
use crate::item::{Item, ReadItem};
use crate::layout::{LayoutFormat, LayoutSpec};

/// A way in that is fuzzed: a reader, with the invariants that fit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// NCIC-style messages (line format).
    Ncic,
    /// Clearinghouse XML (document format).
    Xml,
    /// PFIF 1.4 Atom feeds and `pfif:pfif` documents (document format).
    Pfif,
    /// A fixed-width layout: the shipped example `config/layouts/state-flatfile.toml`.
    Layout,
}

impl Target {
    /// Every target, in the order of `fuzz/Cargo.toml`.
    pub const ALL: [Target; 4] = [Target::Ncic, Target::Xml, Target::Pfif, Target::Layout];

    /// The fuzz target's name: its folder under `fuzz/corpus/` and `fuzz/regressions/`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Ncic => "ncic",
            Target::Xml => "xml",
            Target::Pfif => "pfif",
            Target::Layout => "layout",
        }
    }

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The format the target reads and writes.
    pub fn format(self) -> Result<Arc<dyn Format>, Violation> {
        Ok(match self {
            Target::Ncic => Arc::new(crate::ncic::NcicFormat),
            Target::Xml => Arc::new(crate::xml::XmlFormat),
            Target::Pfif => Arc::new(crate::pfif::PfifFormat),
            Target::Layout => example_layout()?,
        })
    }

    fn is_document(self) -> bool {
        matches!(self, Target::Xml | Target::Pfif)
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The shipped example layout, compiled in so the fuzz targets need no file at run time.
const EXAMPLE_LAYOUT: &str = include_str!("../../../config/layouts/state-flatfile.toml");

fn example_layout() -> Result<Arc<dyn Format>, Violation> {
    example_layout_format().map(|f| f as Arc<dyn Format>)
}

fn example_layout_format() -> Result<Arc<LayoutFormat>, Violation> {
    static FORMAT: OnceLock<Result<Arc<LayoutFormat>, String>> = OnceLock::new();
    let built = FORMAT.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            layouts: Vec<LayoutSpec>,
        }
        let file: File = toml::from_str(EXAMPLE_LAYOUT).map_err(|e| e.to_string())?;
        let spec = file
            .layouts
            .into_iter()
            .next()
            .ok_or_else(|| "no [[layouts]] in the example".to_string())?;
        LayoutFormat::new(spec)
            .map(Arc::new)
            .map_err(|errors| format!("{errors:?}"))
    });
    built.clone().map_err(|e| {
        Violation::new(
            Target::Layout,
            Rule::Setup,
            None,
            format!("config/layouts/state-flatfile.toml: {e}"),
        )
    })
}

/// The header lines the example layout skips.
fn example_layout_skip_lines() -> usize {
    example_layout_format().map_or(0, |f| f.spec().skip_lines)
}

/// The small limits the checks read with, so that fuzz inputs of a few KiB cross every one of
/// them: lines of 512 bytes, reports and entries of 4 KiB, documents of 16 KiB.
pub fn limits() -> Limits {
    Limits {
        max_line_bytes: 512,
        max_document_bytes: 16 * 1024,
        max_item_bytes: 4 * 1024,
    }
}

/// The most heap a reader may hold (beyond the input, which the caller owns) while producing
/// any one item, under `limits`.
///
/// Documents: the unread rest of a refused document, the parser's event buffer and the raw bytes
/// kept for the item in hand (each at most the document limit), plus the in-memory tree of one
/// item (counted by `xmlcore` and bounded at [`crate::xmlcore::TREE_BYTES_PER_ITEM_BYTE`] times
/// the item limit; with the slack of growing lists, 64 times the item limit), plus the record.
/// Lines: the line, the record built from it and its messages. Both plus 256 KiB of fixed
/// overhead. What this guards against is memory that grows with the input, or with the shape of
/// an item, rather than with the limits.
pub fn heap_budget(target: Target, limits: &Limits) -> usize {
    let fixed = 256 * 1024;
    if target.is_document() {
        let doc = usize::try_from(limits.max_document_bytes).unwrap_or(usize::MAX);
        doc.saturating_mul(3)
            .saturating_add(limits.max_item_bytes.saturating_mul(64))
            .saturating_add(fixed)
    } else {
        limits
            .max_line_bytes
            .saturating_mul(64)
            .saturating_add(fixed)
    }
}

/// Live and peak heap, from a counting global allocator (the fuzz targets and the replay test
/// install one; the library does not).
pub trait HeapMeter {
    /// Bytes allocated and not yet freed.
    fn current(&self) -> usize;
    /// The highest `current` since the last [`HeapMeter::reset_peak`].
    fn peak(&self) -> usize;
    /// Starts a new peak from `current`.
    fn reset_peak(&self);
}

/// Which invariant an input broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The check could not be set up (the example layout did not load).
    Setup,
    /// An item's raw bytes, or the heap held, went past the configured limits.
    Limits,
    /// Input not accounted for by exactly one item or the document-level rejection.
    Accounting,
    /// An item's raw bytes or position are not the input's.
    Raw,
    /// Write-then-read changed an accepted record or transaction (or, for a signed encoding or
    /// a configuration, parse-then-serialise changed it).
    RoundTrip,
    /// Something was accepted or applied that was not signed: verification took bytes other
    /// than the signed ones, or a request changed the store without a valid signed envelope.
    Authenticity,
    /// An answer that is not well-formed (status, media type, body).
    Response,
    /// An error that does not say where the problem is.
    ErrorPlace,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Rule::Setup => "setup",
            Rule::Limits => "limits",
            Rule::Accounting => "nothing dropped",
            Rule::Raw => "raw bytes",
            Rule::RoundTrip => "write-then-read",
            Rule::Authenticity => "authenticity",
            Rule::Response => "well-formed response",
            Rule::ErrorPlace => "error names a place",
        })
    }
}

/// An invariant broken by an input: the target (its fuzz target's name), the rule, the item
/// (0-based, in read order) and what was seen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{target}: {rule}{}: {detail}", item.map(|i| format!(" (item {i})")).unwrap_or_default())]
pub struct Violation {
    pub target: &'static str,
    pub rule: Rule,
    pub item: Option<usize>,
    pub detail: String,
}

impl Violation {
    fn new(target: Target, rule: Rule, item: Option<usize>, detail: impl Into<String>) -> Self {
        Self::of(target.name(), rule, item, detail)
    }

    /// A violation of a target defined outside this crate (an envelope, a receipt...).
    pub fn of(
        target: &'static str,
        rule: Rule,
        item: Option<usize>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            target,
            rule,
            item,
            detail: detail.into(),
        }
    }
}

/// What replaying one target's committed inputs gave.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    /// Files in `fuzz/corpus/<target>/`.
    pub corpus: usize,
    /// Files in `fuzz/regressions/<target>/`.
    pub regressions: usize,
    /// The most heap held for one item over all of them.
    pub peak_heap: usize,
    /// `file: what broke`, for every input that broke an invariant or panicked.
    pub failures: Vec<String>,
}

/// Checks every file of `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` (from the
/// workspace root) with `check`, the function the target's fuzz target calls; a panic is
/// caught and reported as a failure of its file.
pub fn replay(target: &str, check: &dyn Fn(&[u8]) -> Result<Report, Violation>) -> Replay {
    let fuzz = crate::testdata::workspace_root().join("fuzz");
    let mut out = Replay::default();
    for (kind, count) in [
        ("corpus", &mut out.corpus),
        ("regressions", &mut out.regressions),
    ] {
        let dir = fuzz.join(kind).join(target);
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        for path in files {
            *count += 1;
            let data = match std::fs::read(&path) {
                Ok(d) => d,
                Err(e) => {
                    out.failures.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&data))) {
                Ok(Ok(report)) => out.peak_heap = out.peak_heap.max(report.peak_heap),
                Ok(Err(v)) => out.failures.push(format!("{}: {v}", path.display())),
                Err(_) => out
                    .failures
                    .push(format!("{}: panicked (message above)", path.display())),
            }
        }
    }
    out
}

/// What one checked input gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub entries: usize,
    pub transactions: usize,
    pub rejections: usize,
    /// Entries and transactions written and read back equal (the writer reported no loss).
    pub exact_round_trips: usize,
    /// Entries and transactions the writer reported a loss for (read back without rejection).
    pub lossy_round_trips: usize,
    /// The most heap held while producing one item (0 without a meter).
    pub peak_heap: usize,
}

/// The fixed time the checks read and write at, so write-then-read compares equal.
pub fn check_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 2, 10, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The context every check reads with: no configured source (the format's own rule decides),
/// [`limits`], [`check_time`].
pub fn read_context() -> ReadContext {
    let mut ctx = ReadContext::new("fuzz-input");
    ctx.limits = limits();
    ctx.received_at = check_time();
    ctx
}

/// Reads `data` as `target` and checks every invariant; the first broken one is returned.
pub fn check(
    target: Target,
    data: &[u8],
    heap: Option<&dyn HeapMeter>,
) -> Result<Report, Violation> {
    let format = target.format()?;
    let ctx = read_context();
    let limits = ctx.limits;
    let budget = heap_budget(target, &limits);
    let mut report = Report::default();
    let mut seen = accounting::Seen::new(target, data, &limits);

    if let Some(h) = heap {
        h.reset_peak();
    }
    let base = heap.map_or(0, |h| h.current());
    let mut items = format.reader().read(Box::new(data), ctx.clone());
    let mut index = 0usize;
    loop {
        let next = items.next();
        if let Some(h) = heap {
            let held = h.peak().saturating_sub(base);
            report.peak_heap = report.peak_heap.max(held);
            if held > budget {
                return Err(Violation::new(
                    target,
                    Rule::Limits,
                    Some(index),
                    format!(
                        "the reader held {held} bytes of heap producing this item, over the budget of {budget} for limits {limits:?}"
                    ),
                ));
            }
        }
        let Some(item) = next else { break };
        seen.item(index, &item)?;
        match &item.item {
            Item::Entry(_) => report.entries += 1,
            Item::Transaction(_) => report.transactions += 1,
            Item::Rejected(_) => report.rejections += 1,
        }
        if !item.is_rejected() {
            let exact = round_trip::check(target, format.as_ref(), &ctx, &item, index)?;
            if exact {
                report.exact_round_trips += 1;
            } else {
                report.lossy_round_trips += 1;
            }
        }
        drop(item);
        if let Some(h) = heap {
            // What the check itself allocated is freed; the reader's state is still counted.
            h.reset_peak();
        }
        index += 1;
    }
    drop(items);
    seen.finish()?;
    Ok(report)
}

/// The raw bytes of an item, shown short in messages.
fn show(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]);
    if bytes.len() > 80 {
        format!("{s:?}... ({} bytes)", bytes.len())
    } else {
        format!("{s:?}")
    }
}

/// The item, for messages.
fn describe(item: &ReadItem) -> String {
    let what = match &item.item {
        Item::Entry(r) => format!("entry {}", r.id),
        Item::Transaction(t) => format!("{} of {}", t.action.name(), t.target.native_id),
        Item::Rejected(r) => format!("rejection ({:?}: {})", r.field, r.reason),
    };
    format!("{what} at {}, raw {}", item.position, show(&item.raw))
}
