//! The streaming, hostile-input XML layer shared by the `xml` and `pfif` formats.
//!
//! [`ChildStream`] reads a document with quick-xml and hands out, one at a time, each child
//! element of the root as a small in-memory tree ([`Node`]) together with its exact bytes and
//! position. At most one child is held in memory as a tree (bounded by
//! [`Limits::max_item_bytes`]: a larger child is not built, and handed out as
//! [`Chunk::Oversize`] with its first bytes); the whole input is bounded by
//! [`Limits::max_document_bytes`], counted as bytes are read, and so is every buffer held (the
//! bytes of the child in hand, the parser's event buffer, a refused document's rest).
//!
//! Hostile input: a `<!DOCTYPE` (and so any entity declaration) refuses the document; an
//! entity reference other than the five predefined ones and character references is never
//! expanded and rejects the element that holds it; nothing is ever fetched. A document that
//! ends with elements still open (truncated) is an error, not a silent end.
//!
//! [`XmlOut`] is the matching writer helper: escaping, and characters XML 1.0 cannot carry.

use std::io::{self, BufRead, Read};

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use crate::format::Limits;
use crate::item::{Position, ReadItem};

/// The namespace `xml:` is bound to.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

// === Meter: counting, limiting, capturing BufRead ===

/// A `BufRead` that counts the bytes consumed, refuses to go past a limit, and keeps the bytes
/// consumed since the last [`Meter::trim_to`] so an element's raw bytes can be handed out.
struct Meter<R> {
    inner: R,
    limit: u64,
    consumed: u64,
    over_limit: bool,
    capture: Vec<u8>,
    /// Document offset of `capture[0]`.
    capture_start: u64,
    /// Newlines in the document before `capture_start`.
    lines_before_capture: u64,
}

impl<R: BufRead> Meter<R> {
    fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            limit,
            consumed: 0,
            over_limit: false,
            capture: Vec::new(),
            capture_start: 0,
            lines_before_capture: 0,
        }
    }

    /// Consumes a UTF-8 byte-order mark at the start of the input, if there is one, and returns
    /// its length. quick-xml would skip it without counting it in its positions; skipped here,
    /// every quick-xml position is the document offset less this length.
    fn skip_bom(&mut self) -> u64 {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        match self.inner.fill_buf() {
            Ok(buf) if buf.starts_with(BOM) && self.limit >= BOM.len() as u64 => {
                self.inner.consume(BOM.len());
                self.consumed += BOM.len() as u64;
                BOM.len() as u64
            }
            _ => 0,
        }
    }

    /// Drops captured bytes before document offset `offset`.
    fn trim_to(&mut self, offset: u64) {
        let n = offset.saturating_sub(self.capture_start);
        let n = usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(self.capture.len());
        self.lines_before_capture += count_newlines(&self.capture[..n]);
        self.capture.drain(..n);
        self.capture_start += n as u64;
    }

    /// Captured bytes from document offset `from` to `to` (clamped to what is captured).
    fn slice(&self, from: u64, to: u64) -> &[u8] {
        let a = usize::try_from(from.saturating_sub(self.capture_start))
            .unwrap_or(usize::MAX)
            .min(self.capture.len());
        let b = usize::try_from(to.saturating_sub(self.capture_start))
            .unwrap_or(usize::MAX)
            .min(self.capture.len());
        &self.capture[a..b.max(a)]
    }

    /// 1-based line number of document offset `offset` (which must be captured).
    fn line_of(&self, offset: u64) -> u64 {
        1 + self.lines_before_capture + count_newlines(self.slice(self.capture_start, offset))
    }
}

fn count_newlines(b: &[u8]) -> u64 {
    b.iter().filter(|c| **c == b'\n').count() as u64
}

impl<R: BufRead> Read for Meter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Meter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let room = self.limit.saturating_sub(self.consumed);
        let buf = self.inner.fill_buf()?;
        if buf.is_empty() {
            return Ok(buf);
        }
        if room == 0 {
            self.over_limit = true;
            return Err(io::Error::other("document size limit reached"));
        }
        let n = usize::try_from(room).unwrap_or(usize::MAX).min(buf.len());
        Ok(&buf[..n])
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.capture.extend_from_slice(&buf[..n]);
        }
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

// === Node: one element, in memory ===

/// An attribute, its namespace resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub ns: Option<String>,
    pub local: String,
    /// The name as written (`xml:lang`, `href`).
    pub qname: String,
    pub value: String,
}

/// An element with its namespace resolved, its attributes, text and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub ns: Option<String>,
    pub local: String,
    /// The name as written (`nc:PersonName`).
    pub qname: String,
    pub attrs: Vec<Attr>,
    /// Character data directly inside the element (entity and character references resolved).
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// Whether the element is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == Some(ns)
    }

    /// The first child `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// Every child `{ns}local`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    /// The text, trimmed.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }

    /// An attribute without a namespace (`href`), or in namespace `ns`.
    pub fn attr(&self, ns: Option<&str>, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.local == local && a.ns.as_deref() == ns)
            .map(|a| a.value.as_str())
    }

    /// `xml:lang`, if set.
    pub fn lang(&self) -> Option<&str> {
        self.attr(Some(XML_NS), "lang")
    }
}

// === ChildStream ===

/// Why a document (or what is left of it) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("document refused: it has a DOCTYPE (DTDs and entity declarations are not accepted)")]
    Doctype,
    #[error("document exceeds the size limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("document is truncated: it ends with {open} element(s) still open")]
    Truncated { open: usize },
    #[error("unknown root element {found}: expected {expected}")]
    WrongRoot { found: String, expected: String },
    #[error("document has no root element")]
    Empty,
    #[error("content after the end of the root element")]
    TrailingContent,
    #[error("only UTF-8 documents are accepted, this one declares encoding `{0}`")]
    Encoding(String),
    #[error("not well-formed XML: {0}")]
    Syntax(String),
    #[error("reading the input: {0}")]
    Io(String),
}

/// What [`ChildStream::next_chunk`] hands out.
#[derive(Debug)]
pub enum Chunk {
    /// The root element's start tag (no children).
    Root(Node, Position),
    /// A complete child of the root.
    Child(Child),
    /// Text (or CDATA) directly inside the root, outside any child, that is not whitespace:
    /// nothing reads it, so it is handed out to be rejected rather than dropped.
    Stray { raw: Vec<u8>, position: Position },
    /// A child of the root larger than the item limit (its first bytes in `raw`).
    Oversize {
        qname: String,
        raw: Vec<u8>,
        position: Position,
        limit: usize,
    },
    /// The document cannot be read further. `raw` holds the unread part (what was not handed
    /// out yet), up to the document size limit.
    Fatal {
        error: DocumentError,
        raw: Vec<u8>,
        position: Position,
    },
}

/// Numbers the items of an XML-based format and turns the chunks no format reads into
/// rejections, alike for every such reader: text stray in the root and an oversize child are
/// rejected as items (and counted); a fatal chunk is rejected with the input's origin and
/// ends the document.
#[derive(Debug)]
pub struct ItemCounter {
    format: &'static str,
    /// What the format calls its items in messages ("entry", "report").
    item: &'static str,
    index: u64,
    done: bool,
}

impl ItemCounter {
    pub fn new(format: &'static str, item: &'static str) -> Self {
        Self {
            format,
            item,
            index: 0,
            done: false,
        }
    }

    /// The index of the next item, counted.
    pub fn next_index(&mut self) -> u64 {
        let i = self.index;
        self.index += 1;
        i
    }

    /// True once a fatal chunk ended the document (or [`ItemCounter::finish`] was called).
    pub fn done(&self) -> bool {
        self.done
    }

    /// Marks the end of the input.
    pub fn finish(&mut self) {
        self.done = true;
    }

    /// The rejection for a stray, oversize or fatal chunk (`oversize` gives the format's
    /// reason for an item over `limit` bytes); `None` for a root or a child, which the format
    /// reads itself.
    pub fn reject(
        &mut self,
        chunk: Chunk,
        origin: &str,
        oversize: impl FnOnce(usize) -> String,
    ) -> Option<ReadItem> {
        match chunk {
            Chunk::Root(..) | Chunk::Child(_) => None,
            Chunk::Stray { raw, position } => {
                let index = self.next_index();
                Some(ReadItem::rejected(
                    self.format,
                    None,
                    format!(
                        "text directly inside the root element, outside any {}: not read",
                        self.item
                    ),
                    Position {
                        index: Some(index),
                        ..position
                    },
                    raw,
                ))
            }
            Chunk::Oversize {
                qname,
                raw,
                position,
                limit,
            } => {
                let index = self.next_index();
                Some(ReadItem::rejected(
                    self.format,
                    Some(&qname),
                    oversize(limit),
                    Position {
                        index: Some(index),
                        ..position
                    },
                    raw,
                ))
            }
            Chunk::Fatal {
                error,
                raw,
                position,
            } => {
                self.done = true;
                Some(ReadItem::rejected(
                    self.format,
                    None,
                    format!("{origin}: {error}"),
                    Position {
                        index: Some(self.index),
                        ..position
                    },
                    raw,
                ))
            }
        }
    }
}

/// One child of the root, read whole.
#[derive(Debug)]
pub struct Child {
    pub node: Node,
    /// The element's exact bytes.
    pub raw: Vec<u8>,
    /// Line and byte offset of its start tag (no index: the format counts items).
    pub position: Position,
    /// Set when the element holds something that makes it unreadable (an undeclared entity,
    /// an undeclared namespace prefix, a bad attribute), with the element at fault.
    pub error: Option<(String, String)>,
}

/// Streams the children of a document's root, one at a time.
pub struct ChildStream<R: BufRead> {
    reader: NsReader<Meter<R>>,
    limits: Limits,
    /// Bytes before quick-xml's offset 0 (a byte-order mark): added to every position handed
    /// out, so positions are offsets in the input as received.
    origin: u64,
    buf: Vec<u8>,
    /// Elements open, the root included.
    depth: usize,
    root_seen: bool,
    root_closed: bool,
    done: bool,
}

/// A resolved namespace, owned.
enum Resolved {
    Bound(String),
    Unbound,
    Unknown(String),
}

impl From<ResolveResult<'_>> for Resolved {
    fn from(r: ResolveResult<'_>) -> Self {
        match r {
            ResolveResult::Bound(ns) => Resolved::Bound(ns.as_ref().to_string()),
            ResolveResult::Unbound => Resolved::Unbound,
            ResolveResult::Unknown(p) => Resolved::Unknown(p),
        }
    }
}

/// A child being read.
struct Building {
    start: u64,
    line: u64,
    stack: Vec<Node>,
    oversize: bool,
    qname: String,
    error: Option<(String, String)>,
    /// What the tree built so far costs in memory (elements, attributes, names and text).
    tree_bytes: usize,
}

/// How much memory a child's tree may take, as a multiple of [`Limits::max_item_bytes`]. A
/// report costs about 8 times its bytes as a tree (an element is a few hundred bytes however
/// short); past this the child is oversize, however few bytes it has (`<a/>` repeated, deep
/// nesting: found by fuzzing).
pub const TREE_BYTES_PER_ITEM_BYTE: usize = 16;

impl Building {
    /// Adds an element to the tree, counting what it costs; past the budget the child is
    /// oversize and its tree dropped.
    fn push(&mut self, node: Node, limits: &Limits) {
        if self.oversize {
            return;
        }
        let attrs: usize = node
            .attrs
            .iter()
            .map(|a| {
                std::mem::size_of::<Attr>()
                    + a.ns.as_ref().map_or(0, String::len)
                    + a.local.len()
                    + a.qname.len()
                    + a.value.len()
            })
            .sum();
        let cost = std::mem::size_of::<Node>()
            + node.ns.as_ref().map_or(0, String::len)
            + node.local.len()
            + node.qname.len()
            + attrs;
        self.stack.push(node);
        self.charge(cost, limits);
    }

    /// Counts `n` more bytes of tree; past the budget the child is oversize.
    fn charge(&mut self, n: usize, limits: &Limits) {
        self.tree_bytes = self.tree_bytes.saturating_add(n);
        if self.tree_bytes
            > limits
                .max_item_bytes
                .saturating_mul(TREE_BYTES_PER_ITEM_BYTE)
        {
            self.oversize = true;
            self.stack = Vec::new();
        }
    }

    /// Marks the child unreadable when `text` holds a character XML 1.0 does not allow (a
    /// control character, U+FFFE, U+FFFF): such a document is not well-formed, and nothing
    /// read from it could be written back.
    fn check_chars(&mut self, text: &str) {
        if self.error.is_some() {
            return;
        }
        if let Some(c) = text.chars().find(|c| !xml_char_ok(*c)) {
            let at = self
                .stack
                .last()
                .map_or(self.qname.clone(), |n| n.qname.clone());
            self.error = Some((
                at,
                format!(
                    "U+{:04X} is a character XML 1.0 does not allow",
                    u32::from(c)
                ),
            ));
        }
    }
}

impl<R: BufRead> ChildStream<R> {
    pub fn new(input: R, limits: Limits) -> Self {
        let mut meter = Meter::new(input, limits.max_document_bytes);
        let origin = meter.skip_bom();
        let mut reader = NsReader::from_reader(meter);
        let cfg = reader.config_mut();
        cfg.trim_text(false);
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        Self {
            reader,
            limits,
            origin,
            buf: Vec::with_capacity(4096),
            depth: 0,
            root_seen: false,
            root_closed: false,
            done: false,
        }
    }

    fn meter(&mut self) -> &mut Meter<R> {
        self.reader.get_mut()
    }

    fn position_at(&mut self, offset: u64) -> Position {
        let line = self.meter().line_of(offset);
        Position {
            line: Some(line),
            column: None,
            byte_offset: Some(offset + self.origin),
            index: None,
        }
    }

    /// Ends the stream with `error`: the unread rest (from `from`) is drained up to the limit.
    fn fatal(&mut self, error: DocumentError, from: u64, at: u64) -> Chunk {
        self.done = true;
        let position = self.position_at(at);
        let limit = self.limits.max_document_bytes;
        let meter = self.meter();
        let mut raw = meter.slice(from, u64::MAX).to_vec();
        if !meter.over_limit {
            // Keep the rest of the document for quarantine, without going past the limit.
            let mut rest = Vec::new();
            let _ = meter
                .inner
                .by_ref()
                .take(limit.saturating_sub(meter.consumed))
                .read_to_end(&mut rest);
            raw.extend_from_slice(&rest);
        }
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        raw.truncate(cap);
        Chunk::Fatal {
            error,
            raw,
            position,
        }
    }

    /// Refuses the document (after its root was seen): everything not yet handed out, and the
    /// rest of the input up to the limit, goes into the failure's `raw`.
    pub fn abort(&mut self, error: DocumentError, position: Position) -> Chunk {
        let from = self.meter().capture_start;
        let at = position
            .byte_offset
            .map_or(from, |o| o.saturating_sub(self.origin));
        self.fatal(error, from, at)
    }

    fn io_error(&mut self, e: &quick_xml::Error) -> DocumentError {
        if self.meter().over_limit {
            DocumentError::TooLarge {
                limit: self.limits.max_document_bytes,
            }
        } else {
            match e {
                quick_xml::Error::Io(io) => DocumentError::Io(io.to_string()),
                other => DocumentError::Syntax(other.to_string()),
            }
        }
    }

    /// The next root, child, or failure; `None` at the end of a well-formed document.
    pub fn next_chunk(&mut self) -> Option<Chunk> {
        if self.done {
            return None;
        }
        let mut building: Option<Building> = None;
        let mut buf = std::mem::take(&mut self.buf);
        let out = self.next_chunk_with(&mut building, &mut buf);
        self.buf = buf;
        out
    }

    fn next_chunk_with(
        &mut self,
        building: &mut Option<Building>,
        buf: &mut Vec<u8>,
    ) -> Option<Chunk> {
        loop {
            let before = self.reader.buffer_position();
            if building.is_none() && self.root_seen {
                // Between children nothing before here is needed again.
                self.meter().trim_to(before);
            }
            buf.clear();
            let ev = self
                .reader
                .read_resolved_event_into(buf)
                .map(|(r, e)| (Resolved::from(r), e));
            let after = self.reader.buffer_position();
            let (resolved, event) = match ev {
                Ok(x) => x,
                Err(e) => {
                    let err = self.io_error(&e);
                    let from = building.as_ref().map_or(before, |b| b.start);
                    let at = self.reader.error_position().max(before);
                    return Some(self.fatal(err, from, at));
                }
            };
            // Bound the child in memory: past the item limit its tree is dropped and no longer
            // built. Its bytes stay captured (the capture is bounded by the document limit):
            // dropping them would break the capture's offsets, and a document refused while
            // inside the child must keep every byte from the child's start for quarantine.
            if let Some(b) = building.as_mut()
                && !b.oversize
                && after.saturating_sub(b.start) > self.limits.max_item_bytes as u64
            {
                b.oversize = true;
                b.stack = Vec::new();
            }
            match event {
                Event::DocType(_) => {
                    return Some(self.fatal(DocumentError::Doctype, 0, before));
                }
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = enc.to_string();
                        if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                            return Some(self.fatal(DocumentError::Encoding(enc), 0, before));
                        }
                    }
                }
                Event::Eof => {
                    if self.depth > 0 {
                        let open = self.depth;
                        let from = building.as_ref().map_or(before, |b| b.start);
                        return Some(self.fatal(DocumentError::Truncated { open }, from, before));
                    }
                    self.done = true;
                    if !self.root_seen {
                        return Some(self.fatal(DocumentError::Empty, 0, before));
                    }
                    return None;
                }
                Event::Start(ref s) | Event::Empty(ref s) => {
                    let empty = matches!(event, Event::Empty(_));
                    if self.root_closed {
                        return Some(self.fatal(DocumentError::TrailingContent, before, before));
                    }
                    let mut node = Node {
                        ns: None,
                        local: s.local_name().as_ref().to_string(),
                        qname: s.name().as_ref().to_string(),
                        ..Node::default()
                    };
                    let mut err: Option<(String, String)> = None;
                    match resolved {
                        Resolved::Bound(ns) => node.ns = Some(ns),
                        Resolved::Unbound => {}
                        Resolved::Unknown(p) => {
                            err = Some((
                                node.qname.clone(),
                                format!("namespace prefix `{}` is not declared", p),
                            ))
                        }
                    }
                    for a in s.attributes() {
                        match a {
                            Ok(a) => {
                                let key = a.key;
                                let qn = key.as_ref().to_string();
                                if qn == "xmlns" || qn.starts_with("xmlns:") {
                                    continue;
                                }
                                let (res, local) = self.reader.resolver().resolve_attribute(key);
                                let ns = match res {
                                    ResolveResult::Bound(ns) => Some(ns.as_ref().to_string()),
                                    ResolveResult::Unbound => None,
                                    ResolveResult::Unknown(p) => {
                                        err.get_or_insert((
                                            node.qname.clone(),
                                            format!("namespace prefix `{}` is not declared", p),
                                        ));
                                        None
                                    }
                                };
                                let local = local.as_ref().to_string();
                                match a.normalized_value(XmlVersion::Implicit1_0) {
                                    Ok(v) if v.chars().any(|c| !xml_char_ok(c)) => {
                                        err.get_or_insert((
                                            format!("{}/@{}", node.qname, qn),
                                            "attribute value holds a character XML 1.0 does not allow"
                                                .to_string(),
                                        ));
                                    }
                                    Ok(v) => node.attrs.push(Attr {
                                        ns,
                                        local,
                                        qname: qn,
                                        value: v.to_string(),
                                    }),
                                    Err(e) => {
                                        err.get_or_insert((
                                            format!("{}/@{}", node.qname, qn),
                                            format!("attribute value refused: {e}"),
                                        ));
                                    }
                                }
                            }
                            Err(e) => {
                                err.get_or_insert((
                                    node.qname.clone(),
                                    format!("bad attribute: {e}"),
                                ));
                            }
                        }
                    }
                    if !self.root_seen {
                        self.root_seen = true;
                        let position = self.position_at(before);
                        if empty {
                            self.root_closed = true;
                        } else {
                            self.depth = 1;
                        }
                        if let Some((_, reason)) = err {
                            return Some(self.fatal(DocumentError::Syntax(reason), 0, before));
                        }
                        return Some(Chunk::Root(node, position));
                    }
                    match building.as_mut() {
                        None => {
                            let line = self.meter().line_of(before);
                            let mut b = Building {
                                start: before,
                                line,
                                qname: node.qname.clone(),
                                stack: Vec::new(),
                                oversize: false,
                                error: err,
                                tree_bytes: 0,
                            };
                            b.push(node, &self.limits);
                            if after.saturating_sub(before) > self.limits.max_item_bytes as u64 {
                                // Its start tag alone is over the limit (found by fuzzing).
                                b.oversize = true;
                                b.stack = Vec::new();
                            }
                            *building = Some(b);
                        }
                        Some(b) => {
                            if b.error.is_none() {
                                b.error = err;
                            }
                            b.push(node, &self.limits);
                        }
                    }
                    if empty {
                        let child_closed = self.depth == 1;
                        if let Some(done) = self.close(building, after, child_closed) {
                            return Some(done);
                        }
                    } else {
                        self.depth += 1;
                    }
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.root_closed = true;
                        continue;
                    }
                    let child_closed = self.depth == 1;
                    if let Some(done) = self.close(building, after, child_closed) {
                        return Some(done);
                    }
                }
                Event::Text(t) => {
                    if let Some(b) = building.as_mut() {
                        let text = t.xml10_content();
                        b.check_chars(&text);
                        if let Some(top) = b.stack.last_mut() {
                            top.text.push_str(&text);
                        }
                        b.charge(text.len(), &self.limits);
                    } else if !is_xml_space(&t.xml10_content()) {
                        return Some(self.outside_children(before, after));
                    }
                }
                Event::CData(c) => {
                    if let Some(b) = building.as_mut() {
                        let s = c.into_inner().to_string();
                        b.check_chars(&s);
                        if let Some(top) = b.stack.last_mut() {
                            top.text.push_str(&s);
                        }
                        b.charge(s.len(), &self.limits);
                    } else {
                        return Some(self.outside_children(before, after));
                    }
                }
                Event::GeneralRef(r) => {
                    let name = r.xml10_content().to_string();
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) if xml_char_ok(c) => Ok(c.to_string()),
                        Ok(Some(c)) => Err(format!(
                            "character reference `&{name};` is to U+{:04X}, a character XML 1.0 does not allow",
                            u32::from(c)
                        )),
                        Ok(None) => predefined(&name).map(str::to_string).ok_or_else(|| {
                            format!(
                                "entity reference `&{name};` refused (only the five predefined entities and character references are allowed; entities are never expanded)"
                            )
                        }),
                        Err(e) => Err(format!("character reference `&{name};` refused: {e}")),
                    };
                    match (building.as_mut(), resolved) {
                        (Some(b), Ok(s)) => {
                            if let Some(top) = b.stack.last_mut() {
                                top.text.push_str(&s);
                            }
                        }
                        (Some(b), Err(reason)) => {
                            if b.error.is_none() {
                                let at =
                                    b.stack.last().map_or(b.qname.clone(), |n| n.qname.clone());
                                b.error = Some((at, reason));
                            }
                        }
                        (None, _) => {
                            return Some(self.fatal(
                                DocumentError::Syntax(format!(
                                    "entity reference `&{name};` outside any element"
                                )),
                                before,
                                before,
                            ));
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
            }
        }
    }

    /// Content outside any child (`before..after`): before the root, the document is not
    /// well-formed; after it, trailing content; inside it, a stray to reject.
    fn outside_children(&mut self, before: u64, after: u64) -> Chunk {
        if !self.root_seen {
            return self.fatal(
                DocumentError::Syntax("text before the root element".into()),
                0,
                before,
            );
        }
        if self.root_closed {
            return self.fatal(DocumentError::TrailingContent, before, before);
        }
        let position = self.position_at(before);
        let raw = self.meter().slice(before, after).to_vec();
        self.meter().trim_to(after);
        Chunk::Stray { raw, position }
    }

    /// Closes the innermost open element of the child being read (`child_closed`: it was the
    /// child itself); when the child closes, returns it.
    fn close(
        &mut self,
        building: &mut Option<Building>,
        after: u64,
        child_closed: bool,
    ) -> Option<Chunk> {
        if !child_closed {
            let b = building.as_mut()?;
            if !b.oversize && b.stack.len() > 1 {
                let mut n = b.stack.pop()?;
                // Closed: its lists stay as they are, so give back their spare room.
                n.children.shrink_to_fit();
                n.attrs.shrink_to_fit();
                if let Some(parent) = b.stack.last_mut() {
                    parent.children.push(n);
                }
            }
            return None;
        }
        let b = building.take()?;
        let position = Position {
            line: Some(b.line),
            column: None,
            byte_offset: Some(b.start + self.origin),
            index: None,
        };
        let end = if b.oversize {
            after.min(b.start.saturating_add(self.limits.max_item_bytes as u64))
        } else {
            after
        };
        let raw = self.meter().slice(b.start, end).to_vec();
        self.meter().trim_to(after);
        if b.oversize {
            return Some(Chunk::Oversize {
                qname: b.qname,
                raw,
                position,
                limit: self.limits.max_item_bytes,
            });
        }
        let node = b.stack.into_iter().next()?;
        Some(Chunk::Child(Child {
            node,
            raw,
            position,
            error: b.error,
        }))
    }
}

/// Whether `s` is only XML white space (space, tab, carriage return, line feed).
pub fn is_xml_space(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// The five predefined XML entities.
fn predefined(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => None,
    }
}

/// The root element's name and namespace found in the first bytes of a document, for
/// detection (no DOCTYPE refusal here: the reader refuses it with a reason).
pub fn sniff_root(head: &[u8]) -> Option<Node> {
    let mut reader = NsReader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_resolved_event_into(&mut buf) {
            Ok((res, Event::Start(s) | Event::Empty(s))) => {
                let ns = match res {
                    ResolveResult::Bound(ns) => Some(ns.as_ref().to_string()),
                    _ => None,
                };
                let mut node = Node {
                    ns,
                    local: s.local_name().as_ref().to_string(),
                    qname: s.name().as_ref().to_string(),
                    ..Node::default()
                };
                for a in s.attributes().flatten() {
                    let qn = a.key.as_ref().to_string();
                    let v = a
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map(|v| v.to_string())
                        .unwrap_or_default();
                    node.attrs.push(Attr {
                        ns: None,
                        local: qn.clone(),
                        qname: qn,
                        value: v,
                    });
                }
                return Some(node);
            }
            Ok((_, Event::Eof)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

// === Writing ===

/// Builds XML text: escaping, and characters XML 1.0 cannot carry (removed, and noted so the
/// writer can report a loss).
#[derive(Debug, Default)]
pub struct XmlOut {
    pub buf: String,
    /// Set when a character had to be removed.
    pub removed_chars: bool,
}

/// Whether XML 1.0 can carry `c`.
pub fn xml_char_ok(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

impl XmlOut {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends markup as is.
    pub fn raw(&mut self, s: &str) -> &mut Self {
        self.buf.push_str(s);
        self
    }

    /// Appends escaped character data (`\r` kept as `&#13;` so it survives reading).
    pub fn text(&mut self, s: &str) -> &mut Self {
        for c in s.chars() {
            match c {
                '&' => self.buf.push_str("&amp;"),
                '<' => self.buf.push_str("&lt;"),
                '>' => self.buf.push_str("&gt;"),
                '\r' => self.buf.push_str("&#13;"),
                c if xml_char_ok(c) => self.buf.push(c),
                _ => self.removed_chars = true,
            }
        }
        self
    }

    /// Appends an escaped attribute value (whitespace kept as character references).
    pub fn attr_value(&mut self, s: &str) -> &mut Self {
        for c in s.chars() {
            match c {
                '&' => self.buf.push_str("&amp;"),
                '<' => self.buf.push_str("&lt;"),
                '>' => self.buf.push_str("&gt;"),
                '"' => self.buf.push_str("&quot;"),
                '\r' => self.buf.push_str("&#13;"),
                '\n' => self.buf.push_str("&#10;"),
                '\t' => self.buf.push_str("&#9;"),
                c if xml_char_ok(c) => self.buf.push(c),
                _ => self.removed_chars = true,
            }
        }
        self
    }

    /// `<name>`.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// `<name a="v" ...>` (or `/>` when `empty`); attributes with `None` values are left out.
    pub fn open_attrs(
        &mut self,
        name: &str,
        attrs: &[(&str, Option<&str>)],
        empty: bool,
    ) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                self.buf.push(' ');
                self.buf.push_str(k);
                self.buf.push_str("=\"");
                self.attr_value(v);
                self.buf.push('"');
            }
        }
        self.buf.push_str(if empty { "/>" } else { ">" });
        self
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name).text(text).close(name)
    }

    /// `<name>text</name>` when `text` is set.
    pub fn opt_leaf(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.leaf(name, t);
        }
        self
    }
}

/// A decimal number as XML Schema `xs:decimal` writes it (no exponent).
pub fn decimal(v: f64) -> String {
    let s = format!("{v}");
    if s == "-0" { "0".to_string() } else { s }
}

/// Parses an `xs:decimal` (digits, one optional point, optional sign; no exponent, no NaN).
pub fn parse_decimal(s: &str) -> Option<f64> {
    let t = s.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut dots = 0;
    let mut digits = 0;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => dots += 1,
            _ => return None,
        }
    }
    if digits == 0 || dots > 1 {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(doc: &str, limits: Limits) -> Vec<Chunk> {
        let mut s = ChildStream::new(doc.as_bytes(), limits);
        let mut out = Vec::new();
        while let Some(c) = s.next_chunk() {
            out.push(c);
        }
        out
    }

    #[test]
    fn children_come_with_exact_raw_bytes_and_positions() {
        let doc = "<?xml version=\"1.0\"?>\n<r xmlns=\"urn:x\" xmlns:p=\"urn:p\">\n  <a p:k=\"1 &amp; 2\">x &lt; y &#x41;</a>\n  <b><c/>t</b>\n</r>\n";
        let c = chunks(doc, Limits::default());
        assert_eq!(c.len(), 3, "{c:?}");
        let Chunk::Root(root, _) = &c[0] else {
            panic!()
        };
        assert!(root.is("urn:x", "r"));
        let Chunk::Child(a) = &c[1] else { panic!() };
        assert_eq!(a.raw, b"<a p:k=\"1 &amp; 2\">x &lt; y &#x41;</a>");
        assert_eq!(a.node.text, "x < y A");
        assert_eq!(a.node.attr(Some("urn:p"), "k"), Some("1 & 2"));
        assert_eq!(a.position.line, Some(3));
        assert_eq!(
            a.position.byte_offset,
            Some(doc.find("<a ").unwrap() as u64)
        );
        let Chunk::Child(b) = &c[2] else { panic!() };
        assert_eq!(b.raw, b"<b><c/>t</b>");
        assert!(b.node.child("urn:x", "c").is_some());
        assert_eq!(b.position.line, Some(4));
    }

    #[test]
    fn doctype_is_refused() {
        let doc = "<!DOCTYPE r [<!ENTITY x \"y\">]><r><a>&x;</a></r>";
        let c = chunks(doc, Limits::default());
        assert!(
            matches!(&c[0], Chunk::Fatal { error: DocumentError::Doctype, raw, .. } if raw == doc.as_bytes())
        );
    }

    #[test]
    fn unknown_entity_rejects_only_its_element() {
        let doc = "<r><a>&x;</a><b>ok</b></r>";
        let c = chunks(doc, Limits::default());
        let Chunk::Child(a) = &c[1] else { panic!() };
        assert!(a.error.as_ref().unwrap().1.contains("&x;"));
        let Chunk::Child(b) = &c[2] else { panic!() };
        assert!(b.error.is_none());
    }

    #[test]
    fn truncation_and_limits() {
        let c = chunks("<r><a>1</a><b>te", Limits::default());
        assert!(
            matches!(&c[2], Chunk::Fatal { error: DocumentError::Truncated { open: 2 }, raw, .. } if raw == b"<b>te")
        );
        let limits = Limits {
            max_document_bytes: 20,
            ..Limits::default()
        };
        let c = chunks("<r><a>1</a><b>22222222222</b></r>", limits);
        assert!(matches!(&c[1], Chunk::Child(_)));
        assert!(matches!(
            &c[2],
            Chunk::Fatal {
                error: DocumentError::TooLarge { limit: 20 },
                ..
            }
        ));
        let limits = Limits {
            max_item_bytes: 10,
            ..Limits::default()
        };
        let c = chunks("<r><a>1</a><b><c>22222222222</c></b><d/></r>", limits);
        assert!(matches!(&c[2], Chunk::Oversize { raw, .. } if raw == b"<b><c>2222"));
        assert!(matches!(&c[3], Chunk::Child(d) if d.node.local == "d"));
    }

    #[test]
    fn after_an_oversize_child_raw_bytes_and_lines_stay_exact() {
        // Found by the fuzz invariants: the oversize child's bytes were cut from the capture,
        // which shifted every offset after it (the next child came out with wrong raw bytes
        // and line numbers).
        let limits = Limits {
            max_item_bytes: 10,
            ..Limits::default()
        };
        let doc = "<r>\n<b>\n<c>22222222222</c>\n</b>\n<d>x</d>\n</r>";
        let c = chunks(doc, limits);
        assert!(matches!(&c[1], Chunk::Oversize { raw, .. } if raw == b"<b>\n<c>222"));
        let Chunk::Child(d) = &c[2] else {
            panic!("{c:?}")
        };
        assert_eq!(d.raw, b"<d>x</d>");
        assert_eq!(d.position.line, Some(5));
        assert_eq!(
            d.position.byte_offset,
            Some(doc.find("<d>").unwrap() as u64)
        );
        // a document cut inside an oversize child keeps every byte from the child's start
        let cut = "<r><a>1</a><b><c>22222222222</c><c>33";
        let c = chunks(cut, limits);
        assert!(
            matches!(&c[2], Chunk::Fatal { error: DocumentError::Truncated { .. }, raw, .. } if raw == &cut.as_bytes()[11..]),
            "{c:?}"
        );
    }

    #[test]
    fn a_byte_order_mark_is_counted_in_positions() {
        // Found by the fuzz invariants: quick-xml skips a BOM without counting it, so every
        // offset (and raw slice) was 3 bytes early.
        let doc = "\u{feff}<r>\n<a>1</a></r>";
        let c = chunks(doc, Limits::default());
        let Chunk::Child(a) = &c[1] else {
            panic!("{c:?}")
        };
        assert_eq!(a.raw, b"<a>1</a>");
        assert_eq!(
            a.position.byte_offset,
            Some(doc.find("<a>").unwrap() as u64)
        );
        assert_eq!(a.position.line, Some(2));
        let c = chunks("\u{feff}<!DOCTYPE r><r/>", Limits::default());
        assert!(matches!(&c[0], Chunk::Fatal { raw, .. } if raw == b"<!DOCTYPE r><r/>"));
    }

    #[test]
    fn text_outside_children_is_never_dropped() {
        // Text directly inside the root is handed out to be rejected; before the root it
        // refuses the document, after it it is trailing content.
        let doc = "<r>\n<a>1</a>John Doe<![CDATA[x]]>\n<b/></r>";
        let c = chunks(doc, Limits::default());
        assert!(
            matches!(&c[2], Chunk::Stray { raw, position } if raw == b"John Doe" && position.byte_offset == Some(12)),
            "{c:?}"
        );
        assert!(
            matches!(&c[3], Chunk::Stray { raw, .. } if raw == b"<![CDATA[x]]>"),
            "{c:?}"
        );
        assert!(
            matches!(&c[4], Chunk::Child(b) if b.raw == b"<b/>"),
            "{c:?}"
        );
        let c = chunks("junk<r/>", Limits::default());
        assert!(
            matches!(&c[0], Chunk::Fatal { error: DocumentError::Syntax(_), raw, .. } if raw == b"junk<r/>"),
            "{c:?}"
        );
        let c = chunks("<r/>\u{a0}", Limits::default());
        assert!(
            matches!(
                &c[1],
                Chunk::Fatal {
                    error: DocumentError::TrailingContent,
                    ..
                }
            ),
            "{c:?}"
        );
    }

    #[test]
    fn a_child_whose_tree_is_too_costly_is_oversize_whatever_its_bytes() {
        // Found by fuzzing: 400 nested elements in a 6 KiB report cost 680 KB as a tree.
        let limits = Limits {
            max_item_bytes: 4096,
            ..Limits::default()
        };
        let deep = format!(
            "<r><a>{}{}</a><b/></r>",
            "<x>".repeat(600),
            "</x>".repeat(600)
        );
        let c = chunks(&deep, limits);
        assert!(
            matches!(&c[1], Chunk::Oversize { raw, .. } if raw.len() == 4096),
            "{c:?}"
        );
        assert!(
            matches!(&c[2], Chunk::Child(b) if b.raw == b"<b/>"),
            "{c:?}"
        );
        let tag = format!("<r><a{}/><b/></r>", " x=\"1\"".repeat(1000));
        let c = chunks(&tag, limits);
        assert!(
            matches!(&c[1], Chunk::Oversize { raw, .. } if raw.len() == 4096),
            "{c:?}"
        );
        assert!(
            matches!(&c[2], Chunk::Child(b) if b.raw == b"<b/>"),
            "{c:?}"
        );
        let flat = format!("<r><a>{}</a></r>", "<x/>".repeat(1000));
        let c = chunks(&flat, limits);
        assert!(
            matches!(&c[1], Chunk::Oversize { raw, .. } if raw.len() < 4096),
            "{c:?}"
        );
        // an ordinary report of the same size is not
        let ordinary = format!(
            "<r><a>{}</a></r>",
            "<nc:PersonGivenName xmlns:nc=\"urn:nc\">Lina</nc:PersonGivenName>".repeat(50)
        );
        let c = chunks(&ordinary, limits);
        assert!(
            matches!(&c[1], Chunk::Child(a) if a.node.children.len() == 50),
            "{c:?}"
        );
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("177.8"), Some(177.8));
        assert_eq!(parse_decimal("-0.5"), Some(-0.5));
        assert_eq!(parse_decimal("1e3"), None);
        assert_eq!(parse_decimal("NaN"), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(decimal(177.8), "177.8");
        assert_eq!(decimal(1e-7), "0.0000001");
    }
}
