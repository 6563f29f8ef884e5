//! Invariants the exchange keeps on any input: what the fuzz targets `envelope`, `receipt` and
//! `request` (under `fuzz/`) and the corpus replay test (`gateway/exchange/tests/fuzz_corpus.rs`,
//! part of `cargo test --workspace`) check, with the same calls.
//!
//! Everything is checked against one fixed, deterministic world ([`fixture`]): a hub gateway
//! (`hub`) and its partners `state` and `county`, with ed25519 keys made from fixed seeds, a
//! fixed time ([`check_time`]) and a set of envelopes and receipts signed with those keys
//! ([`Signed`]). Ed25519 signatures are deterministic, so the signed bytes are the same on every
//! run and a committed seed that holds one of them is still validly signed when replayed.
//!
//! - [`check_envelope`]: envelope parsing and signature verification. No panic; memory bounded
//!   by the input; parse-then-serialise gives the input back (one value, one encoding); and
//!   **verification never accepts bytes other than the signed ones**: an input that verifies
//!   (as a push to `hub` or a changes page to `state`) must be byte for byte one of the
//!   envelopes the fixture signed.
//! - [`check_receipt`]: receipt parsing and verification, the same way (a receipt that
//!   verifies against what one of the fixture's pushes expects is byte for byte the one the hub
//!   signed for it).
//! - [`check_request`]: the partner API's request handling, driven in process through
//!   [`crate::server::router`] (no TLS: the `PeerIdentity` extension stands for the client
//!   certificate, as in the server's own tests) with a fresh in-memory store, replay guard and
//!   evidence log per input. Every request gets a well-formed answer (a final status, JSON
//!   errors that say whether to retry, signed receipts and pages that verify); no 5xx (nothing
//!   fails inside, so a 5xx would blame the server for the client's input); **nothing is applied
//!   unless the request carried a valid signed envelope** (the store, the quarantine and the
//!   replay guard untouched unless the body is one of the fixture's signed pushes); every
//!   exchange and pull is in the evidence log, which still verifies; memory bounded.
//!
//! How to add a target: `docs/reliability.md`, "Adding a fuzz target".

mod envelope;
mod receipt;
mod request;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use homeward_adapters::invariants::{HeapMeter, Rule, Violation};
use homeward_adapters::{Registry, WriteContext, write_records};
use homeward_schemas::{Kind, Record};

pub use envelope::check_envelope;
pub use receipt::check_receipt;
pub use request::{RequestInput, check_request, send};

use crate::backend::Outcome;
use crate::codec::sha256;
use crate::envelope::{CANONICAL_FORMAT, Envelope, EnvelopeHeader, Purpose};
use crate::fixtures::synthetic_records;
use crate::keys::{GatewayIdentity, SigningKeyPair, TlsIdentity};
use crate::partners::{KeyConfig, PartnerConfig, PartnerRegistry, SharedRegistry, Timestamp};
use crate::payload::{PayloadItem, encode_canonical};
use crate::policy::PartnerRole;
use crate::receipt::{ItemOutcome, Receipt, ReceiptBody};

/// The gateway the fuzzed requests are sent to (and that signs receipts and pages).
pub const HUB: &str = "hub";
/// The partner that pushes to it.
pub const STATE: &str = "state";
/// Another registered partner (its key is not `state`'s).
pub const COUNTY: &str = "county";

/// The fixed time every check runs at.
pub fn check_time() -> DateTime<Utc> {
    homeward_adapters::invariants::check_time()
}

/// Names of the fuzz targets this module checks, in the order of `fuzz/Cargo.toml`.
pub const TARGETS: [&str; 3] = ["envelope", "receipt", "request"];

/// An envelope the fixture signed, and what the hub must make of it.
#[derive(Debug, Clone)]
pub struct SignedEnvelope {
    /// What it is (the seed file's name).
    pub name: &'static str,
    pub envelope: Envelope,
    /// Its wire form.
    pub wire: Vec<u8>,
    /// Sent by `state` to the hub's `POST /v1/exchanges`: applied and answered with a receipt
    /// (`None`), or refused with this error code (`ApiError::code`).
    pub refused: Option<&'static str>,
}

impl SignedEnvelope {
    /// Whether the hub applies it when its sender pushes it.
    pub fn applies(&self) -> bool {
        self.refused.is_none()
    }

    /// Whether it passes verification (signature, receiver, purpose, key validity, freshness,
    /// digest) when its sender pushes it: applied, or refused only for its payload or policy.
    pub fn verifies(&self) -> bool {
        matches!(
            self.refused,
            None | Some("unknown_format" | "payload_unreadable" | "policy_violation")
        )
    }
}

/// A receipt the hub signed for one of the fixture's pushes.
#[derive(Debug, Clone)]
pub struct SignedReceipt {
    pub name: &'static str,
    pub receipt: Receipt,
    pub wire: Vec<u8>,
    /// The push it answers (its exchange id and digests are what `state` expects).
    pub push: Envelope,
    /// Items pushed.
    pub items: usize,
    /// `state` accepts it for that push (`false`: it must refuse it).
    pub valid: bool,
}

/// Everything the checks share: keys, registry, identities and what was signed.
pub struct Fixture {
    pub state_key: SigningKeyPair,
    pub registry: SharedRegistry,
    pub hub: Arc<GatewayIdentity>,
    /// Every envelope the fixture signed (valid or not).
    pub envelopes: Vec<SignedEnvelope>,
    /// Every receipt the fixture signed.
    pub receipts: Vec<SignedReceipt>,
    /// The formats payloads are read with.
    pub formats: Registry,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture")
            .field("envelopes", &self.envelopes.len())
            .field("receipts", &self.receipts.len())
            .finish_non_exhaustive()
    }
}

impl Fixture {
    /// Whether `bytes` are the wire form of an envelope the fixture signed.
    pub fn is_signed_envelope(&self, bytes: &[u8]) -> bool {
        self.envelopes.iter().any(|e| e.wire == bytes)
    }

    /// The fixture's envelope whose wire form is `bytes`.
    pub fn envelope(&self, bytes: &[u8]) -> Option<&SignedEnvelope> {
        self.envelopes.iter().find(|e| e.wire == bytes)
    }
}

/// The fixture, built once.
pub fn fixture() -> Result<&'static Fixture, Violation> {
    static FIXTURE: OnceLock<Result<Fixture, String>> = OnceLock::new();
    FIXTURE
        .get_or_init(build)
        .as_ref()
        .map_err(|e| Violation::of("exchange", Rule::Setup, None, e.clone()))
}

fn key(seed: u8) -> SigningKeyPair {
    SigningKeyPair::from_seed(&[seed; 32])
}

fn build() -> Result<Fixture, String> {
    let t0 = check_time();
    let state_key = key(0x51);
    let state_old = key(0x52);
    let county_key = key(0x53);
    let stranger = key(0x55);
    let hub = Arc::new(GatewayIdentity {
        id: HUB.into(),
        signing: key(0x54),
        previous_public: Vec::new(),
        tls: TlsIdentity::generate_self_signed(HUB, 30).map_err(|e| e.to_string())?,
    });

    // `state`: a current key and one that expired a day before the check time.
    let mut state = PartnerConfig::pinned(
        STATE,
        "https://127.0.0.1:1",
        PartnerRole::LawEnforcement,
        &state_key.public(),
        [5; 32],
    );
    state.keys.push(KeyConfig {
        public_key: state_old.public().to_base64(),
        not_before: None,
        not_after: Some(Timestamp(t0 - TimeDelta::days(1))),
    });
    state.share.kinds = vec![Kind::Missing];
    let county = PartnerConfig::pinned(
        COUNTY,
        "https://127.0.0.1:2",
        PartnerRole::LawEnforcement,
        &county_key.public(),
        [6; 32],
    );
    // the hub as `state` registers it (to verify its pages and receipts)
    let hub_cfg = PartnerConfig::pinned(
        HUB,
        "https://127.0.0.1:3",
        PartnerRole::Hub,
        &hub.signing.public(),
        [7; 32],
    );
    let registry = PartnerRegistry::from_config(&[state, county, hub_cfg], Path::new("."))
        .map_err(|e| format!("fixture registry: {e:?}"))?;

    let formats = Registry::builtin();
    let records = synthetic_records("TX", 2);
    let canonical = |items: Vec<PayloadItem>| {
        encode_canonical(&items)
            .map(Bytes::from)
            .map_err(|e| e.to_string())
    };
    let as_records = |rs: &[Record]| {
        rs.iter()
            .map(|r| PayloadItem::Record(Box::new(r.clone())))
            .collect::<Vec<_>>()
    };
    let wire_format = |name: &str, rs: &[Record]| -> Result<Bytes, String> {
        let f = formats
            .get(name)
            .ok_or_else(|| format!("no format {name}"))?;
        let mut ctx = WriteContext::new("TX");
        ctx.now = t0;
        let mut w = f.writer(&ctx);
        let mut out = Vec::new();
        write_records(w.as_mut(), rs.iter(), &mut out).map_err(|e| e.to_string())?;
        Ok(Bytes::from(out))
    };
    let two = canonical(as_records(&records))?;
    let mut unclaimed = records[0].clone();
    unclaimed.kind = Kind::Unclaimed;
    let not_allowed = canonical(as_records(&[unclaimed]))?;

    struct Spec {
        name: &'static str,
        purpose: Purpose,
        sender: &'static str,
        receiver: &'static str,
        created: DateTime<Utc>,
        format: &'static str,
        payload: Bytes,
        key: &'static str,
        refused: Option<&'static str>,
    }
    let spec = |name, format, payload: Bytes, refused| Spec {
        name,
        purpose: Purpose::Push,
        sender: STATE,
        receiver: HUB,
        created: t0,
        format,
        payload,
        key: "state",
        refused,
    };
    let refused = |name, code, f: &dyn Fn(&mut Spec)| {
        let mut s = spec(name, CANONICAL_FORMAT, two.clone(), Some(code));
        f(&mut s);
        s
    };
    let specs = vec![
        spec("push-canonical", CANONICAL_FORMAT, two.clone(), None),
        spec(
            "push-empty",
            CANONICAL_FORMAT,
            Bytes::from_static(b"[]"),
            None,
        ),
        spec("push-ncic", "ncic", wire_format("ncic", &records)?, None),
        spec("push-xml", "xml", wire_format("xml", &records)?, None),
        spec("push-pfif", "pfif", wire_format("pfif", &records)?, None),
        spec(
            "push-unknown-format",
            "gedcom",
            Bytes::from_static(b"0 HEAD"),
            Some("unknown_format"),
        ),
        spec(
            "push-not-an-array",
            CANONICAL_FORMAT,
            Bytes::from_static(b"{}"),
            Some("payload_unreadable"),
        ),
        spec(
            "push-outside-policy",
            CANONICAL_FORMAT,
            not_allowed,
            Some("policy_violation"),
        ),
        refused("push-stale", "stale", &|s| {
            s.created = t0 - TimeDelta::hours(1)
        }),
        refused("push-from-the-future", "from_the_future", &|s| {
            s.created = t0 + TimeDelta::hours(1)
        }),
        refused("push-wrong-receiver", "wrong_receiver", &|s| {
            s.receiver = COUNTY
        }),
        refused("push-expired-key", "key_expired", &|s| s.key = "state-old"),
        refused("push-county-key-as-state", "unknown_key", &|s| {
            s.key = "county"
        }),
        refused("push-unregistered-key", "unknown_key", &|s| {
            s.key = "stranger"
        }),
        {
            let mut s = spec("push-from-county", CANONICAL_FORMAT, two.clone(), None);
            s.sender = COUNTY;
            s.key = "county";
            s
        },
        refused("push-unknown-sender", "unknown_sender", &|s| {
            s.sender = "nobody"
        }),
        refused("changes-page-to-hub", "wrong_purpose", &|s| {
            s.purpose = Purpose::Changes
        }),
        {
            let mut s = spec(
                "changes-page-to-state",
                CANONICAL_FORMAT,
                two.clone(),
                Some("wrong_receiver"),
            );
            s.purpose = Purpose::Changes;
            s.sender = HUB;
            s.receiver = STATE;
            s.key = "hub";
            s
        },
    ];
    let mut envelopes = Vec::new();
    for (n, s) in specs.into_iter().enumerate() {
        let signer = match s.key {
            "state" => &state_key,
            "state-old" => &state_old,
            "county" => &county_key,
            "hub" => &hub.signing,
            _ => &stranger,
        };
        let header = EnvelopeHeader {
            purpose: s.purpose,
            sender: s.sender.into(),
            receiver: s.receiver.into(),
            exchange_id: format!("fuzz-{n}"),
            created: s.created,
            nonce: [n as u8; 16],
            key_id: signer.key_id(),
            cursor: String::new(),
            next_cursor: if s.purpose == Purpose::Changes {
                "2".into()
            } else {
                String::new()
            },
            payload_format: s.format.into(),
            payload_len: s.payload.len() as u64,
            payload_sha256: sha256(&s.payload),
        };
        let envelope = Envelope::sign_header(header, signer, s.payload)
            .map_err(|e| format!("signing {}: {e}", s.name))?;
        envelopes.push(SignedEnvelope {
            name: s.name,
            wire: envelope.to_wire(),
            envelope,
            refused: s.refused,
        });
    }

    // receipts the hub signed for the canonical push, and for the empty one
    let push = |name: &str| {
        envelopes
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.envelope.clone())
            .ok_or_else(|| format!("no envelope {name}"))
    };
    let body = |env: &Envelope, outcomes: Vec<Outcome>| ReceiptBody {
        sender: HUB.into(),
        receiver: STATE.into(),
        exchange_id: env.header.exchange_id.clone(),
        envelope_sha256: env.digest(),
        payload_sha256: env.header.payload_sha256,
        created: t0,
        key_id: String::new(),
        outcomes: outcomes
            .into_iter()
            .enumerate()
            .map(|(i, outcome)| ItemOutcome {
                index: i as u64,
                item: format!("TX/M{i:09}"),
                outcome,
            })
            .collect(),
    };
    let two_push = push("push-canonical")?;
    let empty_push = push("push-empty")?;
    let mut receipts = Vec::new();
    let mut add =
        |name, push: &Envelope, items, body: ReceiptBody, signer: &SigningKeyPair, valid| {
            let receipt = Receipt::sign(body, signer).map_err(|e| e.to_string())?;
            receipts.push(SignedReceipt {
                name,
                wire: receipt.to_wire(),
                receipt,
                push: push.clone(),
                items,
                valid,
            });
            Ok::<(), String>(())
        };
    let accepted_rejected = || {
        vec![
            Outcome::Accepted,
            Outcome::Rejected("birth date 2026-13-01 is not a date".into()),
        ]
    };
    add(
        "receipt-accepted-and-rejected",
        &two_push,
        2,
        body(&two_push, accepted_rejected()),
        &hub.signing,
        true,
    )?;
    add(
        "receipt-unchanged",
        &two_push,
        2,
        body(&two_push, vec![Outcome::Unchanged, Outcome::Unchanged]),
        &hub.signing,
        true,
    )?;
    add(
        "receipt-empty",
        &empty_push,
        0,
        body(&empty_push, Vec::new()),
        &hub.signing,
        true,
    )?;
    add(
        "receipt-signed-by-county",
        &two_push,
        2,
        body(&two_push, accepted_rejected()),
        &county_key,
        false,
    )?;
    add(
        "receipt-for-another-push",
        &two_push,
        2,
        body(&empty_push, accepted_rejected()),
        &hub.signing,
        false,
    )?;
    add(
        "receipt-one-outcome-short",
        &two_push,
        2,
        body(&two_push, vec![Outcome::Accepted]),
        &hub.signing,
        false,
    )?;
    let mut to_county = body(&two_push, accepted_rejected());
    to_county.receiver = COUNTY.into();
    add(
        "receipt-to-county",
        &two_push,
        2,
        to_county,
        &hub.signing,
        false,
    )?;

    Ok(Fixture {
        state_key,
        registry: SharedRegistry::new(registry),
        hub,
        envelopes,
        receipts,
        formats,
    })
}

/// Heap held since [`Meter::start`], from the meter the fuzz target or replay test installed.
struct Meter<'a> {
    heap: Option<&'a dyn HeapMeter>,
    base: usize,
}

impl<'a> Meter<'a> {
    fn start(heap: Option<&'a dyn HeapMeter>) -> Self {
        if let Some(h) = heap {
            h.reset_peak();
        }
        Self {
            heap,
            base: heap.map_or(0, |h| h.current()),
        }
    }

    /// The most heap held since the start (0 without a meter).
    fn held(&self) -> usize {
        self.heap.map_or(0, |h| h.peak().saturating_sub(self.base))
    }
}

/// The input, shown short in messages.
fn show(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]);
    if bytes.len() > 80 {
        format!("{s:?}... ({} bytes)", bytes.len())
    } else {
        format!("{s:?}")
    }
}

/// One seed input of a fuzz target.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The fuzz target (`envelope`, `receipt`, `request`).
    pub target: &'static str,
    /// Its file name under `fuzz/corpus/<target>/`.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The seeds of the three targets: every envelope and receipt the fixture signed, the hostile
/// cases of the exchange's own tests (truncated, flipped, forged counts, trailing bytes, wrong
/// tags), and requests to every endpoint (every signed envelope pushed by its sender and by
/// another partner, no certificate, an oversize body, bad queries, unknown paths and methods).
pub fn seeds() -> Result<Vec<Seed>, Violation> {
    let f = fixture()?;
    let mut out = Vec::new();
    let mut add = |target: &'static str, name: String, bytes: Vec<u8>| {
        out.push(Seed {
            target,
            name,
            bytes,
        });
    };

    // envelopes
    for e in &f.envelopes {
        add("envelope", e.name.to_string(), e.wire.clone());
    }
    let good = f
        .envelopes
        .first()
        .map(|e| e.wire.clone())
        .unwrap_or_default();
    let header_len = good
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .unwrap_or(0);
    let mut flipped_header = good.clone();
    if let Some(b) = flipped_header.get_mut(40) {
        *b ^= 1;
    }
    let mut flipped_signature = good.clone();
    if let Some(b) = flipped_signature.get_mut(header_len + 10) {
        *b ^= 0x80;
    }
    let mut flipped_payload = good.clone();
    if let Some(b) = flipped_payload.last_mut() {
        *b ^= 1;
    }
    let mut trailing = good.clone();
    trailing.push(b'\n');
    let mut long_length = good.clone();
    if let Some(b) = long_length.get_mut(0) {
        *b = 0xff;
    }
    let truncated_header = good.get(..header_len / 2).unwrap_or_default().to_vec();
    let truncated_payload = good
        .get(..good.len().saturating_sub(3))
        .unwrap_or_default()
        .to_vec();
    let mut short_signature = good.get(..4 + header_len).unwrap_or_default().to_vec();
    short_signature.extend_from_slice(&63u32.to_be_bytes());
    short_signature.extend_from_slice(&[0u8; 63]);
    for (name, bytes) in [
        ("hostile-empty", Vec::new()),
        ("hostile-flipped-header-byte", flipped_header),
        ("hostile-flipped-signature-byte", flipped_signature),
        ("hostile-flipped-payload-byte", flipped_payload),
        ("hostile-trailing-byte", trailing),
        ("hostile-length-past-the-end", long_length),
        ("hostile-truncated-header", truncated_header),
        ("hostile-truncated-payload", truncated_payload),
        ("hostile-signature-of-63-bytes", short_signature),
        (
            "hostile-text",
            b"POST /v1/exchanges HTTP/1.1\r\n\r\n".to_vec(),
        ),
    ] {
        add("envelope", name.to_string(), bytes);
    }

    // receipts
    for r in &f.receipts {
        add("receipt", r.name.to_string(), r.wire.clone());
    }
    let good = f
        .receipts
        .first()
        .map(|r| r.wire.clone())
        .unwrap_or_default();
    let body_len = good
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .unwrap_or(0);
    let mut flipped = good.clone();
    if let Some(b) = flipped.get_mut(30) {
        *b ^= 1;
    }
    let mut trailing = good.clone();
    trailing.push(0);
    // a receipt body whose outcome count claims far more than the bytes hold
    let forged = {
        let mut w = crate::codec::FieldWriter::new();
        let _ = w.str("tag", crate::receipt::RECEIPT_TAG);
        let _ = w.str("sender", HUB);
        let _ = w.str("receiver", STATE);
        let _ = w.str("exchange_id", "fuzz-0");
        w.fixed(&[0u8; 32]).fixed(&[0u8; 32]).i64(0);
        let _ = w.str("key_id", "0000000000000000");
        w.u64(1 << 40);
        let body = w.finish();
        let mut r = crate::codec::FieldWriter::new();
        let _ = r.bytes("body", &body);
        r.fixed(&[0u8; 64]);
        r.finish()
    };
    // receipt bodies built field by field, each wrong in one way (with a zero signature)
    let raw_receipt =
        |tag: &str, created: i64, outcomes: &[(u64, &[u8], u8, &[u8])], sig: usize| {
            let mut w = crate::codec::FieldWriter::new();
            let _ = w.str("tag", tag);
            let _ = w.str("sender", HUB);
            let _ = w.str("receiver", STATE);
            let _ = w.str("exchange_id", "fuzz-0");
            w.fixed(&[1u8; 32]).fixed(&[2u8; 32]).i64(created);
            let _ = w.str("key_id", &f.hub.signing.key_id());
            w.u64(outcomes.len() as u64);
            for (index, item, code, reason) in outcomes {
                w.u64(*index);
                let _ = w.bytes("item", item);
                w.u8(*code);
                let _ = w.bytes("reason", reason);
            }
            let body = w.finish();
            let mut r = crate::codec::FieldWriter::new();
            let _ = r.bytes("body", &body);
            let _ = r.bytes("signature", &vec![0u8; sig]);
            r.finish()
        };
    let t = check_time().timestamp_millis();
    let tag = crate::receipt::RECEIPT_TAG;
    let many: Vec<(u64, &[u8], u8, &[u8])> = (0..100u64)
        .map(|i| (i, &b"TX/M1"[..], 0u8, &b""[..]))
        .collect();
    for (name, bytes) in [
        (
            "hostile-unsigned",
            raw_receipt(tag, t, &[(0, b"TX/M1", 0, b"")], 64),
        ),
        (
            "hostile-envelope-tag",
            raw_receipt(crate::envelope::ENVELOPE_TAG, t, &[], 64),
        ),
        (
            "hostile-created-out-of-range",
            raw_receipt(tag, i64::MAX, &[], 64),
        ),
        (
            "hostile-outcome-code-3",
            raw_receipt(tag, t, &[(0, b"TX/M1", 3, b"")], 64),
        ),
        (
            "hostile-accepted-with-reason",
            raw_receipt(tag, t, &[(0, b"TX/M1", 0, b"why")], 64),
        ),
        (
            "hostile-item-not-utf8",
            raw_receipt(tag, t, &[(0, b"TX/\xff", 2, b"bad")], 64),
        ),
        (
            "hostile-indexes-out-of-order",
            raw_receipt(tag, t, &[(1, b"TX/M1", 0, b""), (0, b"TX/M2", 1, b"")], 64),
        ),
        (
            "hostile-signature-of-65-bytes",
            raw_receipt(tag, t, &[], 65),
        ),
        ("hostile-many-outcomes", raw_receipt(tag, t, &many, 64)),
    ] {
        add("receipt", name.to_string(), bytes);
    }
    for (name, bytes) in [
        ("hostile-empty", Vec::new()),
        ("hostile-flipped-body-byte", flipped),
        ("hostile-trailing-byte", trailing),
        (
            "hostile-truncated",
            good.get(..body_len / 2).unwrap_or_default().to_vec(),
        ),
        ("hostile-forged-count", forged),
        (
            "hostile-an-envelope",
            f.envelopes
                .first()
                .map(|e| e.wire.clone())
                .unwrap_or_default(),
        ),
    ] {
        add("receipt", name.to_string(), bytes);
    }

    // requests
    let push = |body: &[u8]| {
        RequestInput::new("POST", "/v1/exchanges", body)
            .header("content-type", crate::envelope::ENVELOPE_MEDIA_TYPE)
    };
    for e in &f.envelopes {
        let sender = e.envelope.header.sender.as_str();
        add(
            "request",
            format!("push-{}", e.name.trim_start_matches("push-")),
            push(&e.wire).peer(Some(sender)).to_bytes(),
        );
    }
    let canonical = f
        .envelopes
        .first()
        .map(|e| e.wire.clone())
        .unwrap_or_default();
    let get = |target: &str| RequestInput::new("GET", target, b"");
    let requests: Vec<(&str, RequestInput)> = vec![
        ("push-by-county", push(&canonical).peer(Some(COUNTY))),
        ("push-without-certificate", push(&canonical).peer(None)),
        (
            "push-by-unregistered-peer",
            push(&canonical).peer(Some("nobody")),
        ),
        (
            "push-oversize-body",
            push(&vec![b'x'; request::MAX_BODY_BYTES + 1]),
        ),
        ("push-empty-body", push(b"")),
        (
            "push-truncated",
            push(canonical.get(..canonical.len() / 2).unwrap_or_default()),
        ),
        (
            "push-with-query-and-headers",
            RequestInput::new("POST", "/v1/exchanges?retry=1", &canonical)
                .header("content-type", "application/json")
                .header("content-length", "3")
                .header("transfer-encoding", "chunked"),
        ),
        ("changes", get("/v1/changes")),
        ("changes-page", get("/v1/changes?cursor=2&limit=3")),
        ("changes-bad-cursor", get("/v1/changes?cursor=bad%20cursor")),
        ("changes-unknown-cursor", get("/v1/changes?cursor=nope")),
        (
            "changes-huge-cursor",
            get("/v1/changes?cursor=99999999999999999999"),
        ),
        ("changes-bad-limit", get("/v1/changes?limit=many")),
        ("changes-zero-limit", get("/v1/changes?limit=0")),
        ("changes-by-county", get("/v1/changes").peer(Some(COUNTY))),
        (
            "changes-head",
            RequestInput::new("HEAD", "/v1/changes", b""),
        ),
        (
            "changes-post",
            RequestInput::new("POST", "/v1/changes", b"x"),
        ),
        ("changes-without-certificate", get("/v1/changes").peer(None)),
        ("pfif", get("/v1/pfif/person")),
        (
            "pfif-since",
            get("/v1/pfif/person?min_entry_date=2026-01-01T00:00:00Z"),
        ),
        (
            "pfif-bad-date",
            get("/v1/pfif/person?min_entry_date=yesterday"),
        ),
        (
            "pfif-by-unregistered",
            get("/v1/pfif/person").peer(Some("nobody")),
        ),
        (
            "proof",
            get(&format!(
                "/v1/evidence/proof?exchange_id={}",
                request::PRIOR_EXCHANGE
            )),
        ),
        ("proof-none", get("/v1/evidence/proof?exchange_id=none")),
        ("proof-no-query", get("/v1/evidence/proof")),
        (
            "proof-by-county",
            get(&format!(
                "/v1/evidence/proof?exchange_id={}",
                request::PRIOR_EXCHANGE
            ))
            .peer(Some(COUNTY)),
        ),
        ("get-exchanges", get("/v1/exchanges")),
        (
            "delete-exchanges",
            RequestInput::new("DELETE", "/v1/exchanges", b""),
        ),
        ("not-found", get("/v1/nothing")),
        ("root", get("/")),
        ("absolute-uri", get("https://hub.example:8443/v1/changes")),
        ("percent-encoded-path", get("/v1/%63hanges")),
        ("trailing-slash", get("/v1/changes/")),
        ("double-slash", get("//v1/changes")),
        ("dot-segments", get("/v1/pfif/../changes")),
    ];
    for (name, r) in requests {
        add("request", name.to_string(), r.to_bytes());
    }
    Ok(out)
}
