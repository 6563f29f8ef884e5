//! The canonical byte encoding shared by envelopes, receipts and evidence entries.
//!
//! Everything that is signed or hashed is a sequence of **fields**, each written as a 4-byte
//! big-endian length followed by that many bytes. There is no other framing, no optional
//! whitespace, no field names and no alternative spellings, so one value has exactly one
//! encoding and two different values never share one. The value types are:
//!
//! | type | field content |
//! |---|---|
//! | bytes, text | the bytes (text: UTF-8, checked on decoding) |
//! | `u64`, `i64`, `u32` | 8 (u64/i64) or 4 (u32) bytes, big-endian, two's complement for i64 |
//! | `u8`, `bool` | 1 byte (`bool`: 0 or 1, nothing else) |
//! | fixed arrays (digest, nonce, signature) | exactly their length |
//! | option | a `bool` field, then the value's field(s) when it is 1 |
//! | list | a `u64` count field, then each element's field(s) |
//!
//! Decoding is strict: a length that runs past the end, a fixed field of the wrong size, a
//! `bool` other than 0/1, invalid UTF-8 or trailing bytes are errors naming the byte offset.
//! Counts are never trusted for allocation.

use std::fmt;

/// Why bytes are not a valid encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {offset}: {problem}")]
pub struct CodecError {
    /// The field being read.
    pub what: &'static str,
    /// Byte offset of the field's length prefix.
    pub offset: usize,
    pub problem: CodecProblem,
}

/// What was wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecProblem {
    /// The input ends before the field does.
    Truncated { need: u64, have: usize },
    /// A fixed-size field has another size.
    Size { expected: usize, found: usize },
    /// Text that is not UTF-8.
    NotUtf8,
    /// A flag other than 0 or 1, an unknown code.
    BadValue(String),
    /// Bytes left after the last field.
    Trailing(usize),
    /// A value too large to encode (over 4 GiB).
    TooLarge(usize),
}

impl fmt::Display for CodecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecProblem::Truncated { need, have } => {
                write!(f, "truncated (field needs {need} bytes, {have} left)")
            }
            CodecProblem::Size { expected, found } => {
                write!(f, "field is {found} bytes, expected {expected}")
            }
            CodecProblem::NotUtf8 => f.write_str("text is not UTF-8"),
            CodecProblem::BadValue(v) => write!(f, "bad value {v}"),
            CodecProblem::Trailing(n) => write!(f, "{n} bytes after the last field"),
            CodecProblem::TooLarge(n) => write!(f, "{n} bytes do not fit a field"),
        }
    }
}

/// Writes fields.
#[derive(Debug, Default, Clone)]
pub struct FieldWriter {
    buf: Vec<u8>,
}

impl FieldWriter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            buf: Vec::with_capacity(n),
        }
    }

    /// One field holding `bytes`. Fails only for a value over 4 GiB.
    pub fn bytes(&mut self, what: &'static str, bytes: &[u8]) -> Result<&mut Self, CodecError> {
        let len = u32::try_from(bytes.len()).map_err(|_| CodecError {
            what,
            offset: self.buf.len(),
            problem: CodecProblem::TooLarge(bytes.len()),
        })?;
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(bytes);
        Ok(self)
    }

    /// A field of at most `u32::MAX` bytes whose size is known to fit (fixed arrays, numbers).
    fn small(&mut self, bytes: &[u8]) -> &mut Self {
        // Callers only pass values of at most 64 bytes.
        let len = bytes.len() as u32;
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(bytes);
        self
    }

    pub fn str(&mut self, what: &'static str, s: &str) -> Result<&mut Self, CodecError> {
        self.bytes(what, s.as_bytes())
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.small(&v.to_be_bytes())
    }

    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.small(&v.to_be_bytes())
    }

    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.small(&v.to_be_bytes())
    }

    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.small(&[v])
    }

    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }

    /// A fixed-size array (digest, nonce, signature, public key).
    pub fn fixed<const N: usize>(&mut self, v: &[u8; N]) -> &mut Self {
        self.small(v)
    }

    /// The encoding so far.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// Reads fields, strictly.
#[derive(Debug, Clone)]
pub struct FieldReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> FieldReader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Byte offset of the next field.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    fn err(&self, what: &'static str, offset: usize, problem: CodecProblem) -> CodecError {
        let _ = self;
        CodecError {
            what,
            offset,
            problem,
        }
    }

    /// The next field's bytes.
    pub fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], CodecError> {
        let start = self.pos;
        let rest = self.remaining();
        let Some(prefix) = rest.get(..4) else {
            return Err(self.err(
                what,
                start,
                CodecProblem::Truncated {
                    need: 4,
                    have: rest.len(),
                },
            ));
        };
        let mut len_bytes = [0u8; 4];
        len_bytes.copy_from_slice(prefix);
        let len = u32::from_be_bytes(len_bytes) as usize;
        let body = &rest[4..];
        let Some(value) = body.get(..len) else {
            return Err(self.err(
                what,
                start,
                CodecProblem::Truncated {
                    need: len as u64,
                    have: body.len(),
                },
            ));
        };
        self.pos = start + 4 + len;
        Ok(value)
    }

    pub fn str(&mut self, what: &'static str) -> Result<&'a str, CodecError> {
        let start = self.pos;
        let b = self.bytes(what)?;
        std::str::from_utf8(b).map_err(|_| self.err(what, start, CodecProblem::NotUtf8))
    }

    pub fn string(&mut self, what: &'static str) -> Result<String, CodecError> {
        self.str(what).map(str::to_string)
    }

    pub fn fixed<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], CodecError> {
        let start = self.pos;
        let b = self.bytes(what)?;
        let mut out = [0u8; N];
        if b.len() != N {
            return Err(self.err(
                what,
                start,
                CodecProblem::Size {
                    expected: N,
                    found: b.len(),
                },
            ));
        }
        out.copy_from_slice(b);
        Ok(out)
    }

    pub fn u64(&mut self, what: &'static str) -> Result<u64, CodecError> {
        self.fixed::<8>(what).map(u64::from_be_bytes)
    }

    pub fn i64(&mut self, what: &'static str) -> Result<i64, CodecError> {
        self.fixed::<8>(what).map(i64::from_be_bytes)
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, CodecError> {
        self.fixed::<4>(what).map(u32::from_be_bytes)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, CodecError> {
        self.fixed::<1>(what).map(|[b]| b)
    }

    pub fn bool(&mut self, what: &'static str) -> Result<bool, CodecError> {
        let start = self.pos;
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.err(what, start, CodecProblem::BadValue(format!("flag {b}")))),
        }
    }

    /// A list count, bounded by what the rest of the input could hold (each element takes at
    /// least `min_element_bytes`), so a forged count never drives an allocation.
    pub fn count(
        &mut self,
        what: &'static str,
        min_element_bytes: usize,
    ) -> Result<usize, CodecError> {
        let start = self.pos;
        let n = self.u64(what)?;
        let left = self.remaining().len() / min_element_bytes.max(1);
        if n > left as u64 {
            return Err(self.err(
                what,
                start,
                CodecProblem::BadValue(format!(
                    "count {n} exceeds what {left} elements could hold"
                )),
            ));
        }
        Ok(n as usize)
    }

    /// Fails if bytes are left.
    pub fn finish(self, what: &'static str) -> Result<(), CodecError> {
        let left = self.remaining().len();
        if left == 0 {
            Ok(())
        } else {
            Err(self.err(what, self.pos, CodecProblem::Trailing(left)))
        }
    }

    /// A decoding error at the current position (for callers' own value checks).
    pub fn bad(&self, what: &'static str, problem: impl Into<String>) -> CodecError {
        self.err(what, self.pos, CodecProblem::BadValue(problem.into()))
    }
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(&d);
    out
}

/// SHA-256 of several parts, as if concatenated.
pub fn sha256_parts(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    let d = h.finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(&d);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_type() {
        let mut w = FieldWriter::new();
        w.str("s", "héllo").unwrap();
        w.u64(u64::MAX).i64(-5).u32(7).u8(9).bool(true);
        w.fixed(&[1u8; 32]);
        w.bytes("b", b"").unwrap();
        let bytes = w.finish();
        let mut r = FieldReader::new(&bytes);
        assert_eq!(r.str("s").unwrap(), "héllo");
        assert_eq!(r.u64("u").unwrap(), u64::MAX);
        assert_eq!(r.i64("i").unwrap(), -5);
        assert_eq!(r.u32("u").unwrap(), 7);
        assert_eq!(r.u8("u").unwrap(), 9);
        assert!(r.bool("b").unwrap());
        assert_eq!(r.fixed::<32>("d").unwrap(), [1u8; 32]);
        assert_eq!(r.bytes("e").unwrap(), b"");
        r.finish("end").unwrap();
    }

    #[test]
    fn layout_is_length_prefixed_big_endian() {
        let mut w = FieldWriter::new();
        w.str("s", "ab").unwrap();
        w.u8(1);
        assert_eq!(w.finish(), vec![0, 0, 0, 2, b'a', b'b', 0, 0, 0, 1, 1]);
    }

    #[test]
    fn strict_decoding_names_offsets() {
        // length runs past the end
        let e = FieldReader::new(&[0, 0, 0, 9, 1]).bytes("x").unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(matches!(
            e.problem,
            CodecProblem::Truncated { need: 9, have: 1 }
        ));
        // a u64 of 7 bytes
        let mut w = FieldWriter::new();
        w.str("a", "ok").unwrap();
        w.bytes("b", &[0; 7]).unwrap();
        let bytes = w.finish();
        let mut r = FieldReader::new(&bytes);
        r.str("a").unwrap();
        let e = r.u64("n").unwrap_err();
        assert_eq!(e.offset, 6);
        assert_eq!(
            e.problem,
            CodecProblem::Size {
                expected: 8,
                found: 7
            }
        );
        // flag 2
        let e = FieldReader::new(&[0, 0, 0, 1, 2]).bool("f").unwrap_err();
        assert!(matches!(e.problem, CodecProblem::BadValue(_)));
        // invalid UTF-8
        let e = FieldReader::new(&[0, 0, 0, 1, 0xff]).str("t").unwrap_err();
        assert_eq!(e.problem, CodecProblem::NotUtf8);
        // trailing bytes
        let r = FieldReader::new(&[0]);
        assert_eq!(
            r.finish("end").unwrap_err().problem,
            CodecProblem::Trailing(1)
        );
    }

    #[test]
    fn forged_counts_are_refused() {
        let mut w = FieldWriter::new();
        w.u64(1 << 40);
        let bytes = w.finish();
        assert!(FieldReader::new(&bytes).count("n", 4).is_err());
    }
}
