//! The candidates CSV: `left,right,relation,score,left_source,right_source,reasons`.
//!
//! One row per same-person link (clusters are their closure) and per possible
//! identification (left: the missing record; right: the unidentified or unclaimed record; its
//! top K, best first). `left`/`right` are native ids exactly as their sources wrote them;
//! `score` has two decimals; `reasons` lists the score's parts in words. Fields are quoted
//! (RFC 4180) when they hold a comma, a quote or a line break.

use std::io::{self, BufRead, Write};

use crate::engine::{Candidate, Engine, Matches};
use crate::score::Relation;

/// The header line.
pub const HEADER: &str = "left,right,relation,score,left_source,right_source,reasons";

fn field(out: &mut impl Write, s: &str) -> io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        out.write_all(b"\"")?;
        out.write_all(s.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(s.as_bytes())
    }
}

/// Writes candidate rows.
pub struct CsvWriter<W: Write> {
    out: W,
    rows: u64,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the file (writes the header).
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(Self { out, rows: 0 })
    }

    /// Writes one row.
    pub fn row(&mut self, c: &Candidate, reasons: &str) -> io::Result<()> {
        let o = &mut self.out;
        field(o, &c.left.native_id)?;
        o.write_all(b",")?;
        field(o, &c.right.native_id)?;
        o.write_all(b",")?;
        o.write_all(c.relation.as_str().as_bytes())?;
        write!(o, ",{:.2},", c.score)?;
        field(o, &c.left.source)?;
        o.write_all(b",")?;
        field(o, &c.right.source)?;
        o.write_all(b",")?;
        field(o, reasons)?;
        o.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes every candidate of a run, each with its reasons. The explanations are computed
/// here, a chunk of rows at a time on every core (so only a chunk's reasons are held), and
/// written in the run's order. Returns the number of rows.
pub fn write_matches<W: Write>(engine: &Engine, m: &Matches, out: W) -> io::Result<u64> {
    use rayon::prelude::*;
    let mut w = CsvWriter::new(out)?;
    let all: Vec<&Candidate> = m
        .same_person
        .iter()
        .chain(m.identifications.iter())
        .collect();
    for chunk in all.chunks(4096) {
        let reasons: Vec<String> = chunk
            .par_iter()
            .map(|c| engine.explain(c).map(|p| p.reasons()).unwrap_or_default())
            .collect();
        for (c, r) in chunk.iter().zip(&reasons) {
            w.row(c, r)?;
        }
    }
    let n = w.rows();
    w.finish()?;
    Ok(n)
}

/// One row read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub left: String,
    pub right: String,
    pub relation: Relation,
    pub score: f32,
    pub left_source: String,
    pub right_source: String,
    pub reasons: String,
}

/// Why a candidates file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("reading candidates: {0}")]
    Io(#[from] io::Error),
    #[error("line {line}: {reason}")]
    Malformed { line: u64, reason: String },
}

/// Splits one CSV record that may span lines; returns `None` at the end of input.
fn next_record(input: &mut impl BufRead, line: &mut u64) -> Result<Option<Vec<String>>, CsvError> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut buf = String::new();
    loop {
        buf.clear();
        if input.read_line(&mut buf)? == 0 {
            if quoted {
                return Err(CsvError::Malformed {
                    line: *line,
                    reason: "unterminated quoted field".into(),
                });
            }
            if fields.is_empty() && cur.is_empty() {
                return Ok(None);
            }
            fields.push(std::mem::take(&mut cur));
            return Ok(Some(fields));
        }
        *line += 1;
        let mut chars = buf.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => cur.push(c),
                (false, '"') if cur.is_empty() => quoted = true,
                (false, ',') => fields.push(std::mem::take(&mut cur)),
                (false, '\n') => {}
                (false, '\r') if chars.peek() == Some(&'\n') => {}
                (false, c) => cur.push(c),
            }
        }
        if !quoted {
            fields.push(std::mem::take(&mut cur));
            return Ok(Some(fields));
        }
    }
}

/// Reads a candidates file (header first).
pub fn read_csv(mut input: impl BufRead) -> Result<Vec<Row>, CsvError> {
    let mut line = 0u64;
    let header = next_record(&mut input, &mut line)?.unwrap_or_default();
    if header.join(",") != HEADER {
        return Err(CsvError::Malformed {
            line: 1,
            reason: format!("header is not `{HEADER}`"),
        });
    }
    let mut rows = Vec::new();
    while let Some(f) = next_record(&mut input, &mut line)? {
        if f.len() == 1 && f[0].is_empty() {
            continue;
        }
        let bad = |reason: String| CsvError::Malformed { line, reason };
        let [left, right, relation, score, ls, rs, reasons]: [String; 7] = f
            .try_into()
            .map_err(|v: Vec<String>| bad(format!("{} fields, expected 7", v.len())))?;
        let relation = Relation::from_name(&relation)
            .ok_or_else(|| bad(format!("unknown relation `{relation}`")))?;
        let score = score
            .parse()
            .map_err(|_| bad(format!("score `{score}` is not a number")))?;
        rows.push(Row {
            left,
            right,
            relation,
            score,
            left_source: ls,
            right_source: rs,
            reasons,
        });
    }
    Ok(rows)
}

/// Whether `head` starts like a candidates file.
pub fn looks_like_csv(head: &[u8]) -> bool {
    head.starts_with(HEADER.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeward_schemas::RecordId;

    #[test]
    fn rows_round_trip_with_quotes() {
        let c = Candidate {
            relation: Relation::PossibleIdentification,
            left: RecordId::new("gmcn-ru.example.org", "gmcn-ru.example.org/person.1"),
            right: RecordId::new("TX-ME", "TX-ME-0000039"),
            score: 23.456,
            rank: 1,
            decision: None,
            via: None,
            also: Vec::new(),
        };
        let mut w = CsvWriter::new(Vec::new()).unwrap();
        w.row(
            &c,
            "name: family \"SMITH\" agrees (+6.5); place: 3 km apart, TX (+5.4)",
        )
        .unwrap();
        let bytes = w.finish().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(HEADER));
        assert!(text.contains(",23.46,"));
        let rows = read_csv(&bytes[..]).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].left, "gmcn-ru.example.org/person.1");
        assert_eq!(rows[0].relation, Relation::PossibleIdentification);
        assert!(rows[0].reasons.contains("\"SMITH\""));
        assert!(rows[0].reasons.contains("3 km apart, TX"));
    }

    #[test]
    fn malformed_files_are_reported_with_their_line() {
        let bad = format!("{HEADER}\na,b,same_person,1.0,s,t\n");
        match read_csv(bad.as_bytes()) {
            Err(CsvError::Malformed { line: 2, .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(read_csv("x,y\n".as_bytes()).is_err());
    }
}
