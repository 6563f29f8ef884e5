//! Encoding, decoding and sealing of envelopes.

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{Draft, ENVELOPE_TAG, Envelope, EnvelopeHeader, Purpose, VerifyError};
use crate::codec::{CodecError, FieldReader, FieldWriter, sha256};
use crate::keys::{KeyError, SigningKeyPair};
use crate::partners::check_gateway_id;

/// Why an envelope could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("envelope field {field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Random(#[from] crate::clock::RandomError),
}

/// An exchange id: 1–128 of letters, digits and `. _ : -`.
pub fn check_exchange_id(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 128 {
        return Err(format!("exchange id must be 1–128 bytes, is {}", s.len()));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    {
        return Err("exchange id may only hold letters, digits and . _ : -".into());
    }
    Ok(())
}

fn check_key_id(s: &str) -> Result<(), String> {
    if s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err("key id must be 16 lower-case hex digits".into())
    }
}

/// A payload format name: 1–64 of lower-case letters, digits and `: _ . -`.
pub fn check_format(s: &str) -> Result<(), String> {
    if !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b':' | b'_' | b'.' | b'-'))
    {
        Ok(())
    } else {
        Err("payload format must be 1–64 of a-z 0-9 : _ . -".into())
    }
}

/// A cursor: at most 512 printable ASCII characters without spaces.
pub fn check_cursor(s: &str) -> Result<(), String> {
    if s.len() <= 512 && s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        Ok(())
    } else {
        Err("cursor must be at most 512 printable ASCII characters without spaces".into())
    }
}

fn check_header(h: &EnvelopeHeader) -> Result<(), (&'static str, String)> {
    check_gateway_id(&h.sender).map_err(|e| ("sender", format!("gateway id {e}")))?;
    check_gateway_id(&h.receiver).map_err(|e| ("receiver", format!("gateway id {e}")))?;
    check_exchange_id(&h.exchange_id).map_err(|e| ("exchange_id", e))?;
    check_key_id(&h.key_id).map_err(|e| ("key_id", e))?;
    check_cursor(&h.cursor).map_err(|e| ("cursor", e))?;
    check_cursor(&h.next_cursor).map_err(|e| ("next_cursor", e))?;
    check_format(&h.payload_format).map_err(|e| ("payload_format", e))?;
    if h.purpose == Purpose::Push && !(h.cursor.is_empty() && h.next_cursor.is_empty()) {
        return Err(("cursor", "a push carries no cursor".into()));
    }
    Ok(())
}

/// The canonical encoding of a header (the signed bytes).
pub fn encode_header(h: &EnvelopeHeader) -> Result<Vec<u8>, CodecError> {
    let mut w = FieldWriter::with_capacity(256);
    w.str("tag", ENVELOPE_TAG)?;
    w.u8(h.purpose.code());
    w.str("sender", &h.sender)?;
    w.str("receiver", &h.receiver)?;
    w.str("exchange_id", &h.exchange_id)?;
    w.i64(h.created.timestamp_millis());
    w.fixed(&h.nonce);
    w.str("key_id", &h.key_id)?;
    w.str("cursor", &h.cursor)?;
    w.str("next_cursor", &h.next_cursor)?;
    w.str("payload_format", &h.payload_format)?;
    w.u64(h.payload_len);
    w.fixed(&h.payload_sha256);
    Ok(w.finish())
}

/// Decodes and checks a header; the error says which field is wrong and why.
pub fn decode_header(bytes: &[u8]) -> Result<EnvelopeHeader, String> {
    let mut r = FieldReader::new(bytes);
    let e = |e: CodecError| e.to_string();
    let tag = r.str("tag").map_err(e)?;
    if tag != ENVELOPE_TAG {
        return Err(format!(
            "tag is `{}`, expected `{ENVELOPE_TAG}`",
            tag.escape_debug()
        ));
    }
    let code = r.u8("purpose").map_err(e)?;
    let purpose = Purpose::from_code(code).ok_or_else(|| format!("unknown purpose {code}"))?;
    let sender = r.string("sender").map_err(e)?;
    let receiver = r.string("receiver").map_err(e)?;
    let exchange_id = r.string("exchange_id").map_err(e)?;
    let millis = r.i64("created").map_err(e)?;
    let created = DateTime::<Utc>::from_timestamp_millis(millis)
        .ok_or_else(|| format!("created {millis} ms is out of range"))?;
    let nonce = r.fixed::<16>("nonce").map_err(e)?;
    let key_id = r.string("key_id").map_err(e)?;
    let cursor = r.string("cursor").map_err(e)?;
    let next_cursor = r.string("next_cursor").map_err(e)?;
    let payload_format = r.string("payload_format").map_err(e)?;
    let payload_len = r.u64("payload_len").map_err(e)?;
    let payload_sha256 = r.fixed::<32>("payload_sha256").map_err(e)?;
    r.finish("header").map_err(e)?;
    let h = EnvelopeHeader {
        purpose,
        sender,
        receiver,
        exchange_id,
        created,
        nonce,
        key_id,
        cursor,
        next_cursor,
        payload_format,
        payload_len,
        payload_sha256,
    };
    check_header(&h).map_err(|(f, m)| format!("{f}: {m}"))?;
    Ok(h)
}

impl Envelope {
    /// Makes and signs an envelope created at `created` (truncated to milliseconds) with a
    /// fresh random nonce.
    pub fn seal(
        draft: Draft,
        key: &SigningKeyPair,
        created: DateTime<Utc>,
    ) -> Result<Envelope, SealError> {
        let header = EnvelopeHeader {
            purpose: draft.purpose,
            sender: draft.sender,
            receiver: draft.receiver,
            exchange_id: draft.exchange_id,
            created: crate::clock::to_millis(created),
            nonce: crate::clock::random_bytes::<16>()?,
            key_id: key.key_id(),
            cursor: draft.cursor,
            next_cursor: draft.next_cursor,
            payload_format: draft.payload_format,
            payload_len: draft.payload.len() as u64,
            payload_sha256: sha256(&draft.payload),
        };
        check_header(&header).map_err(|(field, reason)| SealError::Field { field, reason })?;
        Self::sign_header(header, key, draft.payload)
    }

    /// Signs an already filled-in header (tests use it to make envelopes with chosen faults).
    pub fn sign_header(
        header: EnvelopeHeader,
        key: &SigningKeyPair,
        payload: Bytes,
    ) -> Result<Envelope, SealError> {
        let header_bytes = encode_header(&header)?;
        let signature = key.sign(&header_bytes);
        Ok(Envelope {
            header,
            header_bytes,
            signature,
            payload,
        })
    }

    /// The same envelope with another payload (the header and signature unchanged): what a
    /// tampering intermediary would make.
    pub fn with_payload(&self, payload: Bytes) -> Envelope {
        Envelope {
            payload,
            ..self.clone()
        }
    }

    /// The wire form: `field(header) || field(signature) || payload`.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.header_bytes.len() + 72 + self.payload.len());
        // the header is a few hundred bytes and the signature 64: both fit a field
        out.extend_from_slice(&(self.header_bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.header_bytes);
        out.extend_from_slice(&64u32.to_be_bytes());
        out.extend_from_slice(&self.signature);
        out.extend_from_slice(&self.payload);
        out
    }

    /// Parses the wire form (without verifying anything but its shape).
    pub fn from_wire(body: Bytes) -> Result<Envelope, VerifyError> {
        let mut r = FieldReader::new(&body);
        let header_bytes = r
            .bytes("header")
            .map_err(|e| VerifyError::Malformed(e.to_string()))?
            .to_vec();
        let signature = r
            .fixed::<64>("signature")
            .map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let offset = r.position();
        let header = decode_header(&header_bytes)
            .map_err(|m| VerifyError::Malformed(format!("envelope header: {m}")))?;
        let payload = body.slice(offset..);
        if payload.len() as u64 != header.payload_len {
            return Err(VerifyError::PayloadLength {
                declared: header.payload_len,
                actual: payload.len() as u64,
            });
        }
        Ok(Envelope {
            header,
            header_bytes,
            signature,
            payload,
        })
    }

    /// An envelope rebuilt from logged parts (the payload is not kept in the log).
    pub fn from_signed_header(
        header_bytes: &[u8],
        signature: [u8; 64],
    ) -> Result<Envelope, String> {
        let header = decode_header(header_bytes)?;
        Ok(Envelope {
            header,
            header_bytes: header_bytes.to_vec(),
            signature,
            payload: Bytes::new(),
        })
    }
}
