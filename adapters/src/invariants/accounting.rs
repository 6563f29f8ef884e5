//! Nothing dropped, raw bytes exact, raw bytes bounded: each item checked against an account
//! of the input made independently of the reader (the lines split here; the elements found by
//! a plain quick-xml pass).

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use super::{Rule, Target, Violation, describe, show};
use crate::format::Limits;
use crate::item::ReadItem;

/// The input's account, and what the items so far covered of it.
pub(super) struct Seen<'d> {
    target: Target,
    data: &'d [u8],
    limits: Limits,
    kind: Kind,
}

enum Kind {
    Lines {
        expected: Vec<ExpectedLine>,
        next: usize,
    },
    Document {
        elements: Elements,
        /// (byte offset, raw length) of every item that is not the document-level rejection.
        children: Vec<(u64, usize)>,
        /// The document-level rejection's raw length, once seen.
        refused: Option<usize>,
    },
}

/// A line that must be one item.
struct ExpectedLine {
    number: u64,
    offset: u64,
    raw: Vec<u8>,
}

impl<'d> Seen<'d> {
    pub(super) fn new(target: Target, data: &'d [u8], limits: &Limits) -> Self {
        let kind = match target {
            Target::Ncic | Target::Layout => Kind::Lines {
                expected: expected_lines(target, data, limits.max_line_bytes),
                next: 0,
            },
            Target::Xml | Target::Pfif => Kind::Document {
                elements: elements(target, data, limits.max_document_bytes),
                children: Vec::new(),
                refused: None,
            },
        };
        Self {
            target,
            data,
            limits: *limits,
            kind,
        }
    }

    fn violation(&self, rule: Rule, item: Option<usize>, detail: impl Into<String>) -> Violation {
        Violation::new(self.target, rule, item, detail)
    }

    /// Checks item `index` as it comes.
    pub(super) fn item(&mut self, index: usize, item: &ReadItem) -> Result<(), Violation> {
        let target = self.target;
        let data = self.data;
        let limits = self.limits;
        let v = |rule, detail: String| Violation::new(target, rule, Some(index), detail);
        match &mut self.kind {
            Kind::Lines { expected, next } => {
                if item.raw.len() > limits.max_line_bytes {
                    return Err(v(
                        Rule::Limits,
                        format!(
                            "raw is {} bytes, over the line limit of {}: {}",
                            item.raw.len(),
                            limits.max_line_bytes,
                            describe(item)
                        ),
                    ));
                }
                let Some(want) = expected.get(*next) else {
                    return Err(v(
                        Rule::Accounting,
                        format!(
                            "an item beyond the {} lines that need one: {}",
                            expected.len(),
                            describe(item)
                        ),
                    ));
                };
                *next += 1;
                if item.position.line != Some(want.number)
                    || item.position.byte_offset != Some(want.offset)
                {
                    return Err(v(
                        Rule::Accounting,
                        format!(
                            "expected the item of line {} (byte {}), got {}",
                            want.number,
                            want.offset,
                            describe(item)
                        ),
                    ));
                }
                if item.raw != want.raw {
                    return Err(v(
                        Rule::Raw,
                        format!(
                            "line {}: raw {} is not the line's bytes {}",
                            want.number,
                            show(&item.raw),
                            show(&want.raw)
                        ),
                    ));
                }
                Ok(())
            }
            Kind::Document {
                children, refused, ..
            } => {
                if refused.is_some() {
                    return Err(v(
                        Rule::Accounting,
                        format!(
                            "an item after the document-level rejection: {}",
                            describe(item)
                        ),
                    ));
                }
                if item.position.index != Some(children.len() as u64) {
                    return Err(v(
                        Rule::Accounting,
                        format!(
                            "index {:?}, expected {}: {}",
                            item.position.index,
                            children.len(),
                            describe(item)
                        ),
                    ));
                }
                if is_document_rejection(item) {
                    let cap = usize::try_from(limits.max_document_bytes).unwrap_or(usize::MAX);
                    if item.raw.len() > cap {
                        return Err(v(
                            Rule::Limits,
                            format!(
                                "document-level rejection holds {} bytes, over the document limit of {cap}",
                                item.raw.len()
                            ),
                        ));
                    }
                    *refused = Some(item.raw.len());
                    return Ok(());
                }
                if item.raw.len() > limits.max_item_bytes {
                    return Err(v(
                        Rule::Limits,
                        format!(
                            "raw is {} bytes, over the item limit of {}: {}",
                            item.raw.len(),
                            limits.max_item_bytes,
                            describe(item)
                        ),
                    ));
                }
                let Some(offset) = item.position.byte_offset else {
                    return Err(v(Rule::Raw, format!("no byte offset: {}", describe(item))));
                };
                let at = usize::try_from(offset).unwrap_or(usize::MAX);
                let end = at.saturating_add(item.raw.len());
                if item.raw.is_empty() || end > data.len() || data[at..end] != item.raw[..] {
                    return Err(v(
                        Rule::Raw,
                        format!(
                            "raw is not the element's bytes at byte {offset}: {}",
                            describe(item)
                        ),
                    ));
                }
                if let Some(&(prev, len)) = children.last()
                    && prev + len as u64 > offset
                {
                    return Err(v(
                        Rule::Raw,
                        format!(
                            "item overlaps the one before (byte {prev}, {len} bytes): {}",
                            describe(item)
                        ),
                    ));
                }
                children.push((offset, item.raw.len()));
                Ok(())
            }
        }
    }

    /// Checks that the items seen account for the whole input.
    pub(super) fn finish(self) -> Result<(), Violation> {
        match &self.kind {
            Kind::Lines { expected, next } => {
                if let Some(missing) = expected.get(*next) {
                    return Err(self.violation(
                        Rule::Accounting,
                        None,
                        format!(
                            "line {} (byte {}) gave no item ({} of {} lines accounted for): {}",
                            missing.number,
                            missing.offset,
                            next,
                            expected.len(),
                            show(&missing.raw)
                        ),
                    ));
                }
                Ok(())
            }
            Kind::Document {
                elements,
                children,
                refused,
            } => self.finish_document(elements, children, *refused),
        }
    }

    fn finish_document(
        &self,
        elements: &Elements,
        children: &[(u64, usize)],
        refused: Option<usize>,
    ) -> Result<(), Violation> {
        let cap = usize::try_from(self.limits.max_document_bytes).unwrap_or(usize::MAX);
        let read_end = self.data.len().min(cap);
        // Where the document-level rejection starts: everything before it is items, everything
        // from it on is in its raw bytes.
        let refused_from = match refused {
            Some(len) => {
                let raw_ok = len <= read_end;
                if !raw_ok {
                    return Err(self.violation(
                        Rule::Raw,
                        Some(children.len()),
                        format!("document-level rejection holds {len} bytes, more than was read"),
                    ));
                }
                read_end - len
            }
            None => {
                if self.data.len() > cap {
                    return Err(self.violation(
                        Rule::Accounting,
                        None,
                        format!(
                            "input of {} bytes read to the end without a rejection, past the document limit of {cap}",
                            self.data.len()
                        ),
                    ));
                }
                if let Some(problem) = &elements.problem {
                    return Err(self.violation(
                        Rule::Accounting,
                        None,
                        format!("the document is not whole ({problem}) yet nothing was rejected"),
                    ));
                }
                self.data.len()
            }
        };
        if refused.is_some() {
            // The rejection's raw bytes are the unread rest of the input up to the limit.
            let from = refused_from;
            if let Some(&(off, len)) = children.last()
                && (off as usize).saturating_add(len) > from
            {
                return Err(self.violation(
                    Rule::Raw,
                    Some(children.len()),
                    format!(
                        "document-level rejection (from byte {from}) overlaps the item at byte {off}"
                    ),
                ));
            }
        }
        let mut items = children.iter().map(|(off, _)| *off).peekable();
        for e in elements
            .starts
            .iter()
            .filter(|e| e.offset < refused_from as u64)
        {
            match items.peek() {
                Some(&off) if off == e.offset => {
                    items.next();
                }
                Some(&off) if off < e.offset => {
                    return Err(self.violation(
                        Rule::Accounting,
                        None,
                        format!("an item at byte {off} where no element of the root starts"),
                    ));
                }
                _ if e.header => {}
                _ => {
                    return Err(self.violation(
                        Rule::Accounting,
                        None,
                        format!(
                            "element `{}` at byte {} (line {}) gave no item and is not in a rejection",
                            e.qname, e.offset, e.line
                        ),
                    ));
                }
            }
        }
        if let Some(off) = items.next() {
            return Err(self.violation(
                Rule::Accounting,
                None,
                format!("an item at byte {off} where no element of the root starts"),
            ));
        }
        Ok(())
    }
}

/// Whether `item` is the document-level rejection: the readers name the input's origin first
/// in its reason (`fuzz-input: document is truncated...`), which no report's reason does.
fn is_document_rejection(item: &ReadItem) -> bool {
    match &item.item {
        crate::item::Item::Rejected(r) => r
            .reason
            .starts_with(&format!("{}: ", super::read_context().origin)),
        _ => false,
    }
}

/// The lines of `data` that must each give one item, as [`crate::lines::BoundedLines`] is
/// documented to cut them: split at `\n`, one `\r` before it dropped, at most `max` bytes kept
/// (a longer line is one rejection whatever it holds).
fn expected_lines(target: Target, data: &[u8], max: usize) -> Vec<ExpectedLine> {
    let skip = match target {
        Target::Layout => super::example_layout_skip_lines(),
        _ => 0,
    };
    let mut out = Vec::new();
    let mut offset = 0usize;
    let mut number = 0u64;
    while offset < data.len() {
        let rest = &data[offset..];
        let len = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let content = &rest[..len];
        number += 1;
        let overflow = content.len() > max;
        let mut raw = content[..content.len().min(max)].to_vec();
        if raw.last() == Some(&b'\r') {
            raw.pop();
        }
        let trimmed = raw.trim_ascii();
        let counts = match target {
            Target::Ncic => overflow || !(trimmed.is_empty() || trimmed.starts_with(b"#")),
            _ => number > skip as u64 && (overflow || !trimmed.is_empty()),
        };
        if counts {
            out.push(ExpectedLine {
                number,
                offset: offset as u64,
                raw,
            });
        }
        offset += len + 1;
    }
    out
}

/// The elements that start directly inside the root, found by a plain quick-xml pass over the
/// input up to the document limit.
struct Elements {
    starts: Vec<Start>,
    /// Why the pass stopped before a whole document, if it did.
    problem: Option<String>,
}

struct Start {
    offset: u64,
    line: u64,
    qname: String,
    /// A document header the format reads itself (it may give no item).
    header: bool,
}

fn elements(target: Target, data: &[u8], limit: u64) -> Elements {
    let end = data.len().min(usize::try_from(limit).unwrap_or(usize::MAX));
    let input = &data[..end];
    // quick-xml skips a byte-order mark without counting it in its positions.
    let origin = if input.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut reader = NsReader::from_reader(&input[origin..]);
    let cfg = reader.config_mut();
    cfg.trim_text(false);
    cfg.check_end_names = true;
    cfg.expand_empty_elements = false;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut root: Option<(Option<String>, String)> = None;
    let mut starts = Vec::new();
    let problem = loop {
        buf.clear();
        let before = reader.buffer_position() + origin as u64;
        let ev = reader.read_resolved_event_into(&mut buf);
        match ev {
            Err(e) => break Some(format!("{e} at byte {before}")),
            Ok((_, Event::Eof)) => {
                break if root.is_none() {
                    Some("no root element".into())
                } else if depth > 0 {
                    Some(format!("{depth} element(s) open at the end"))
                } else {
                    None
                };
            }
            Ok((res, ev @ (Event::Start(_) | Event::Empty(_)))) => {
                let (Event::Start(s) | Event::Empty(s)) = &ev else {
                    continue;
                };
                let ns = match res {
                    ResolveResult::Bound(ns) => Some(ns.as_ref().to_string()),
                    _ => None,
                };
                let local = s.local_name().as_ref().to_string();
                let qname = s.name().as_ref().to_string();
                if depth == 0 && root.is_some() {
                    break Some(format!("element `{qname}` after the root element"));
                }
                if depth == 0 {
                    root = Some((ns.clone(), local.clone()));
                } else if depth == 1 {
                    let header = is_header(target, root.as_ref(), ns.as_deref(), &local);
                    let line = 1 + input[..(before as usize).min(end)]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count() as u64;
                    starts.push(Start {
                        offset: before,
                        line,
                        qname,
                        header,
                    });
                }
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                }
            }
            Ok((_, Event::End(_))) => depth = depth.saturating_sub(1),
            Ok((_, ev @ (Event::Text(_) | Event::CData(_)))) => {
                let stray = match &ev {
                    Event::Text(t) => !crate::xmlcore::is_xml_space(&t.xml10_content()),
                    _ => true,
                };
                if !stray || depth > 1 {
                    continue;
                }
                if depth == 0 {
                    break Some(format!("text outside the root element at byte {before}"));
                }
                // Text directly inside the root: one item of its own (a rejection).
                let line = 1 + input[..(before as usize).min(end)]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count() as u64;
                starts.push(Start {
                    offset: before,
                    line,
                    qname: "#text".into(),
                    header: false,
                });
            }
            Ok((_, Event::GeneralRef(_))) if depth <= 1 => {
                break Some(format!(
                    "entity reference outside any element at byte {before}"
                ));
            }
            Ok(_) => {}
        }
    };
    Elements { starts, problem }
}

/// Document headers: `ch:ExchangeHeader` in XML, an Atom feed's own elements in PFIF.
fn is_header(
    target: Target,
    root: Option<&(Option<String>, String)>,
    ns: Option<&str>,
    local: &str,
) -> bool {
    match target {
        Target::Xml => ns == Some(crate::xml::CH_NS) && local == "ExchangeHeader",
        Target::Pfif => {
            let atom = crate::pfif::ATOM_NS;
            root.is_some_and(|(rns, rlocal)| rns.as_deref() == Some(atom) && rlocal == "feed")
                && ns == Some(atom)
                && local != "entry"
        }
        _ => false,
    }
}
