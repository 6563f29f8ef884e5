//! Lines of a line-oriented format, read with a bound on their length.
//!
//! A line longer than the limit is not held in memory whole: its first `max` bytes are kept
//! and the rest is skipped, so a hostile file of one 10 GB line costs `max` bytes.

use std::io::BufRead;

/// One line (without `\n` or `\r\n`).
#[derive(Debug)]
pub struct Line {
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the line's start in the input.
    pub offset: u64,
    /// The line's bytes, at most the limit.
    pub bytes: Vec<u8>,
    /// The line was longer than the limit (and `bytes` is its beginning).
    pub overflow: bool,
    /// Reading failed at this line; no further lines follow.
    pub error: Option<std::io::Error>,
}

/// Iterates over the lines of a reader, each at most `max` bytes.
pub struct BoundedLines<'a> {
    input: Box<dyn BufRead + Send + 'a>,
    max: usize,
    number: u64,
    offset: u64,
    done: bool,
}

impl<'a> BoundedLines<'a> {
    pub fn new(input: Box<dyn BufRead + Send + 'a>, max: usize) -> Self {
        Self {
            input,
            max,
            number: 0,
            offset: 0,
            done: false,
        }
    }
}

impl Iterator for BoundedLines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        if self.done {
            return None;
        }
        let mut bytes = Vec::new();
        let start = self.offset;
        match read_bounded_line(&mut *self.input, &mut bytes, self.max) {
            Ok((0, _)) => {
                self.done = true;
                None
            }
            Ok((n, overflow)) => {
                self.offset += n;
                self.number += 1;
                Some(Line {
                    number: self.number,
                    offset: start,
                    bytes,
                    overflow,
                    error: None,
                })
            }
            Err(e) => {
                self.done = true;
                self.number += 1;
                Some(Line {
                    number: self.number,
                    offset: start,
                    bytes,
                    overflow: false,
                    error: Some(e),
                })
            }
        }
    }
}

/// Reads one line into `buf` (without its terminator), keeping at most `max` bytes. Returns
/// the bytes consumed (0 at end of input) and whether the line was longer than `max`.
fn read_bounded_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(u64, bool)> {
    let mut consumed = 0u64;
    let mut overflow = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        let newline = chunk.iter().position(|c| *c == b'\n');
        let part = match newline {
            Some(i) => &chunk[..i],
            None => chunk,
        };
        let room = max.saturating_sub(buf.len());
        if part.len() > room {
            overflow = true;
        }
        buf.extend_from_slice(&part[..part.len().min(room)]);
        let used = newline.map_or(chunk.len(), |i| i + 1);
        input.consume(used);
        consumed += used as u64;
        if newline.is_some() {
            break;
        }
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok((consumed, overflow))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn lines(s: &[u8], max: usize) -> Vec<Line> {
        BoundedLines::new(Box::new(Cursor::new(s.to_vec())), max).collect()
    }

    #[test]
    fn splits_and_bounds() {
        let ls = lines(b"ab\r\ncdef\n\ngh", 3);
        let got: Vec<(&[u8], bool, u64)> = ls
            .iter()
            .map(|l| (&l.bytes[..], l.overflow, l.offset))
            .collect();
        assert_eq!(
            got,
            vec![
                (&b"ab"[..], false, 0),
                (&b"cde"[..], true, 4),
                (&b""[..], false, 9),
                (&b"gh"[..], false, 10)
            ]
        );
        assert_eq!(ls[3].number, 4);
    }

    #[test]
    fn a_huge_line_costs_only_the_limit() {
        let mut big = vec![b'x'; 5_000_000];
        big.push(b'\n');
        big.extend_from_slice(b"next");
        let ls = lines(&big, 100);
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[0].bytes.len(), 100);
        assert!(ls[0].overflow);
        assert_eq!(ls[1].bytes, b"next");
        assert_eq!(ls[1].offset, 5_000_001);
    }
}
