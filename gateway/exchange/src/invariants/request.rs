//! Fuzz target `request`: the partner API's request handling, in process.
//!
//! # Input
//!
//! A request written like HTTP/1.1, so seeds are readable and the fuzzer can change any part:
//!
//! ```text
//! POST /v1/exchanges
//! content-type: application/vnd.homeward.envelope
//! @peer: state
//!
//! <body bytes>
//! ```
//!
//! The first line is the method and the request target (anything after a second space is
//! ignored); then header lines `name: value` up to an empty line (`\r` before `\n` allowed);
//! the rest is the body. `@peer: ID` names the partner whose client certificate the connection
//! presented (the `PeerIdentity` the TLS layer attaches); `@peer: -` means none; without the
//! line the peer is `state`. Input that is not a request hyper would hand to the router (no
//! method or target, a header line without `:`, a method, target or header `http` refuses) is
//! skipped: there is nothing to check.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use base64::Engine;
use bytes::Bytes;
use homeward_adapters::invariants::{HeapMeter, Report, Rule, Violation};
use homeward_adapters::{Item, ReadContext};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::{Fixture, HUB, Meter, STATE, SignedEnvelope, check_time, fixture, show};
use crate::clock::FixedClock;
use crate::envelope::{
    ENVELOPE_MEDIA_TYPE, Envelope, Purpose, VerifyPolicy, verify as verify_envelope,
};
use crate::evidence::{
    EntryDraft, EntryKind, EntryOutcome, EvidenceEntry, EvidenceLog, TrustedKeys, verify_log,
};
use crate::fixtures::synthetic_records;
use crate::memory::{MemoryBackend, MemoryEvidenceStorage, MemoryReplayGuard};
use crate::receipt::{Expected, RECEIPT_MEDIA_TYPE, Receipt};
use crate::server::{ErrorBody, EvidenceProof, ExchangeService, ServerLimits, router};
use crate::tls::PeerIdentity;

const TARGET: &str = "request";

/// The body limit of the fuzzed service (small, so fuzz inputs cross it).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Records the fuzzed gateway holds before each request.
const LOCAL_RECORDS: usize = 3;
/// Exchange id of the evidence entry the gateway holds before each request.
pub const PRIOR_EXCHANGE: &str = "fuzz-prior";

/// The most heap one request may take: its body (up to the limit) read, decoded and copied a
/// few times, the records read from it, a page or feed of the local records, the answer.
pub fn heap_budget() -> usize {
    MAX_BODY_BYTES * 32 + 1024 * 1024
}

/// A fuzz input as a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInput {
    pub method: Vec<u8>,
    pub target: Vec<u8>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// `None`: no client certificate.
    pub peer: Option<String>,
    pub body: Vec<u8>,
}

impl RequestInput {
    /// A request from `state` (for seeds).
    pub fn new(method: &str, target: &str, body: &[u8]) -> Self {
        Self {
            method: method.as_bytes().to_vec(),
            target: target.as_bytes().to_vec(),
            headers: Vec::new(),
            peer: Some(STATE.into()),
            body: body.to_vec(),
        }
    }

    /// With a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.as_bytes().to_vec(), value.as_bytes().to_vec()));
        self
    }

    /// From another peer (`None`: no certificate).
    pub fn peer(mut self, peer: Option<&str>) -> Self {
        self.peer = peer.map(str::to_string);
        self
    }

    /// The input form (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.method);
        out.push(b' ');
        out.extend_from_slice(&self.target);
        out.push(b'\n');
        for (k, v) in &self.headers {
            out.extend_from_slice(k);
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.push(b'\n');
        }
        match &self.peer {
            Some(p) if p == STATE => {}
            Some(p) => out.extend_from_slice(format!("@peer: {p}\n").as_bytes()),
            None => out.extend_from_slice(b"@peer: -\n"),
        }
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out
    }

    /// Parses the input form; `None` when it is not a request.
    pub fn parse(data: &[u8]) -> Option<Self> {
        let (first, mut rest) = split_line(data)?;
        let mut parts = first.splitn(3, |b| *b == b' ');
        let method = parts.next().filter(|m| !m.is_empty())?.to_vec();
        let target = parts.next().filter(|t| !t.is_empty())?.to_vec();
        let mut headers = Vec::new();
        let mut peer = Some(STATE.to_string());
        loop {
            let Some((line, after)) = split_line(rest) else {
                // no empty line: all headers, no body
                if !rest.is_empty() {
                    header_line(rest, &mut headers, &mut peer)?;
                }
                rest = &[];
                break;
            };
            rest = after;
            if line.is_empty() {
                break;
            }
            header_line(line, &mut headers, &mut peer)?;
        }
        Some(Self {
            method,
            target,
            headers,
            peer,
            body: rest.to_vec(),
        })
    }
}

/// The first line of `data` (without `\n` or `\r\n`) and the rest; `None` without a `\n`.
fn split_line(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = data.iter().position(|b| *b == b'\n')?;
    let line = &data[..at];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, &data[at + 1..]))
}

fn header_line(
    line: &[u8],
    headers: &mut Vec<(Vec<u8>, Vec<u8>)>,
    peer: &mut Option<String>,
) -> Option<()> {
    let at = line.iter().position(|b| *b == b':')?;
    let name = &line[..at];
    let value = line[at + 1..].trim_ascii();
    if name == b"@peer" {
        let p = String::from_utf8(value.to_vec()).ok()?;
        *peer = (p != "-").then_some(p);
    } else {
        headers.push((name.to_vec(), value.to_vec()));
    }
    Some(())
}

fn runtime() -> Result<&'static tokio::runtime::Runtime, Violation> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| Violation::of(TARGET, Rule::Setup, None, format!("tokio runtime: {e}")))
}

/// A fresh gateway: the fixture's hub with an in-memory store of [`LOCAL_RECORDS`] records, an
/// empty replay guard and an evidence log holding one entry of `state`'s ([`PRIOR_EXCHANGE`]).
struct World {
    backend: Arc<MemoryBackend>,
    replay: Arc<MemoryReplayGuard>,
    storage: Arc<MemoryEvidenceStorage>,
    evidence: Arc<EvidenceLog>,
    app: axum::Router,
}

impl World {
    fn new(f: &Fixture) -> Result<Self, String> {
        let backend = Arc::new(MemoryBackend::new());
        for r in synthetic_records("hub-local", LOCAL_RECORDS) {
            backend.insert_local(r);
        }
        let replay = Arc::new(MemoryReplayGuard::new());
        let storage = Arc::new(MemoryEvidenceStorage::new());
        let evidence = Arc::new(EvidenceLog::open(storage.clone()).map_err(|e| e.to_string())?);
        let mut prior = EntryDraft::new(
            EntryKind::PullRefused,
            STATE,
            EntryOutcome::new(400, "bad_cursor", "an earlier refusal"),
        );
        prior.exchange_id = PRIOR_EXCHANGE.into();
        evidence
            .append(prior, check_time())
            .map_err(|e| e.to_string())?;
        let service = Arc::new(ExchangeService {
            identity: f.hub.clone(),
            registry: f.registry.clone(),
            backend: backend.clone(),
            replay: replay.clone(),
            evidence: evidence.clone(),
            formats: f.formats.clone(),
            limits: ServerLimits {
                max_body_bytes: MAX_BODY_BYTES,
                page_limit: 5,
                ..ServerLimits::default()
            },
            clock: Arc::new(FixedClock(check_time())),
        });
        Ok(Self {
            backend,
            replay,
            storage,
            evidence,
            app: router(service),
        })
    }
}

/// What the router was asked, as far as the checks need.
struct Asked<'a> {
    method: &'a http::Method,
    path: &'a str,
    peer: Option<&'a str>,
    body: &'a [u8],
    /// The fixture's envelope the body is, if it is one.
    signed: Option<&'a SignedEnvelope>,
}

impl Asked<'_> {
    fn is(&self, method: &http::Method, path: &str) -> bool {
        self.method == method && self.path == path
    }

    fn is_get(&self, path: &str) -> bool {
        self.is(&http::Method::GET, path)
    }

    fn is_push(&self) -> bool {
        self.is(&http::Method::POST, "/v1/exchanges")
    }
}

/// Sends the request `data` describes to a fresh gateway and checks the answer and what it
/// did: see the module documentation of [`super`].
pub fn check_request(data: &[u8], heap: Option<&dyn HeapMeter>) -> Result<Report, Violation> {
    let f = fixture()?;
    let v = |rule, detail: String| Violation::of(TARGET, rule, None, detail);
    let Some(input) = RequestInput::parse(data) else {
        return Ok(Report::default());
    };
    let mut builder = http::Request::builder()
        .method(input.method.as_slice())
        .uri(input.target.as_slice());
    for (k, val) in &input.headers {
        builder = builder.header(k.as_slice(), val.as_slice());
    }
    let Ok(mut req) = builder.body(Body::from(input.body.clone())) else {
        return Ok(Report::default());
    };
    if let Some(p) = &input.peer {
        let fingerprint = f
            .registry
            .current()
            .get(p)
            .and_then(|x| x.trust.fingerprints.first().copied())
            .unwrap_or_default();
        req.extensions_mut().insert(PeerIdentity {
            partner: p.clone(),
            fingerprint,
        });
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let asked = Asked {
        method: &method,
        path: &path,
        peer: input.peer.as_deref(),
        body: &input.body,
        signed: f.envelope(&input.body),
    };
    let rt = runtime()?;
    let world = World::new(f).map_err(|e| v(Rule::Setup, e))?;
    let evidence_before = world.evidence.len();

    let meter = Meter::start(heap);
    let app = world.app.clone();
    let answered = rt.block_on(async move {
        let Ok(resp) = app.oneshot(req).await;
        let (parts, body) = resp.into_parts();
        let body = http_body_util::Limited::new(body, 64 * 1024 * 1024)
            .collect()
            .await
            .map(|c| c.to_bytes())
            .map_err(|e| format!("reading the answer: {e}"))?;
        Ok::<_, String>((parts, body))
    });
    let mut report = Report {
        peak_heap: meter.held(),
        ..Report::default()
    };
    let (parts, body) = answered.map_err(|e| v(Rule::Response, e))?;
    if report.peak_heap > heap_budget() {
        return Err(v(
            Rule::Limits,
            format!(
                "{method} {path} held {} bytes of heap (budget {})",
                report.peak_heap,
                heap_budget()
            ),
        ));
    }
    let status = parts.status.as_u16();
    let what = format!("{method} {path} from {:?} answered {status}", asked.peer);

    check_answer(f, &asked, &parts, &body)
        .map_err(|e| v(Rule::Response, format!("{what}: {e}")))?;
    check_applied(&asked, status, &world).map_err(|e| {
        v(
            Rule::Authenticity,
            format!("{what}: {e}; body {}", show(asked.body)),
        )
    })?;
    check_evidence(f, &asked, status, &world, evidence_before)
        .map_err(|e| v(Rule::Accounting, format!("{what}: {e}")))?;
    if status == 200 {
        report.entries = 1;
    } else {
        report.rejections = 1;
    }
    Ok(report)
}

/// A final status; no 5xx; JSON errors that say whether to retry; what a 200 carries
/// verifies.
fn check_answer(
    f: &Fixture,
    asked: &Asked<'_>,
    parts: &http::response::Parts,
    body: &Bytes,
) -> Result<(), String> {
    let status = parts.status.as_u16();
    if !(200..=599).contains(&status) {
        return Err("not a final status".into());
    }
    let media = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let head = asked.method == http::Method::HEAD;
    if status >= 300 {
        if media != "application/json" {
            return Err(format!(
                "an error answered as `{media}`, not application/json: {}",
                show(body)
            ));
        }
        if !head {
            let e: ErrorBody = serde_json::from_slice(body)
                .map_err(|e| format!("the error body is not an ErrorBody ({e}): {}", show(body)))?;
            if e.error.is_empty() || e.message.is_empty() || e.retriable != (status >= 500) {
                return Err(format!("error body {e:?} does not fit status {status}"));
            }
        }
        if status >= 500 {
            return Err(format!(
                "a 5xx, though nothing failed inside: the client's input is blamed on the server ({})",
                show(body)
            ));
        }
        return Ok(());
    }
    if head {
        return Ok(());
    }
    let peer = asked.peer.unwrap_or("");
    let registry = f.registry.current();
    match media {
        RECEIPT_MEDIA_TYPE => {
            let receipt = Receipt::from_wire(body).map_err(|e| format!("receipt: {e}"))?;
            let env = asked
                .signed
                .ok_or("a receipt for a body that is not a signed envelope")?;
            let hub = registry.get(HUB).ok_or("no hub in the registry")?;
            receipt
                .verify(&Expected {
                    partner: hub,
                    me: peer,
                    exchange_id: &env.envelope.header.exchange_id,
                    envelope_sha256: env.envelope.digest(),
                    payload_sha256: env.envelope.header.payload_sha256,
                    items: None,
                })
                .map_err(|e| format!("the receipt does not verify: {e}"))
        }
        ENVELOPE_MEDIA_TYPE => {
            let env = Envelope::from_wire(body.clone()).map_err(|e| format!("page: {e}"))?;
            let policy = VerifyPolicy {
                me: peer.to_string(),
                max_skew: chrono::TimeDelta::minutes(5),
            };
            verify_envelope(&env, &registry, Purpose::Changes, &policy, check_time())
                .map(|_| ())
                .map_err(|e| format!("the page does not verify: {e}"))
        }
        "application/atom+xml; charset=utf-8" => {
            let pfif = f.formats.get("pfif").ok_or("no pfif format")?;
            let mut ctx = ReadContext::new("fuzzed feed");
            ctx.received_at = check_time();
            for item in pfif.reader().read(Box::new(&body[..]), ctx) {
                if let Item::Rejected(r) = &item.item {
                    return Err(format!(
                        "the feed served does not read back: {} at {}",
                        r.reason, item.position
                    ));
                }
            }
            Ok(())
        }
        "application/json" => {
            let proof: EvidenceProof =
                serde_json::from_slice(body).map_err(|e| format!("proof: {e}"))?;
            proof
                .tree_head
                .verify(&f.hub.signing.public())
                .map_err(|e| format!("tree head: {e}"))?;
            for p in &proof.entries {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&p.entry)
                    .map_err(|e| format!("proof entry: {e}"))?;
                proof
                    .tree_head
                    .check_inclusion(&bytes, &p.proof)
                    .map_err(|e| format!("proof: {e}"))?;
                let entry = EvidenceEntry::decode(&bytes).map_err(|e| format!("entry: {e}"))?;
                if entry.partner != peer {
                    return Err(format!("served {peer} an entry of {}", entry.partner));
                }
            }
            Ok(())
        }
        other => Err(format!("a 2xx of media type `{other}`")),
    }
}

/// Nothing is applied (store, quarantine) or remembered (replay guard) unless the body is an
/// envelope the fixture signed and its sender sent it; what the fixture signed to be applied
/// is applied, what it signed to be refused is refused with its code.
fn check_applied(asked: &Asked<'_>, status: u16, w: &World) -> Result<(), String> {
    let changed = w.backend.len() != LOCAL_RECORDS
        || w.backend.batches() != 0
        || !w.backend.quarantine().is_empty();
    let sent_by_sender = |e: &SignedEnvelope| asked.peer == Some(e.envelope.header.sender.as_str());
    let pushed = asked.is_push().then_some(asked.signed).flatten();
    if changed {
        match pushed {
            Some(e) if sent_by_sender(e) && e.applies() => {}
            _ => {
                return Err(format!(
                    "the store changed ({} records, {} batches, {} quarantined) without a valid signed push",
                    w.backend.len(),
                    w.backend.batches(),
                    w.backend.quarantine().len()
                ));
            }
        }
    }
    if !w.replay.is_empty() {
        match pushed {
            Some(e) if sent_by_sender(e) && e.verifies() => {}
            _ => {
                return Err(
                    "the replay guard recorded an envelope that does not verify".to_string()
                );
            }
        }
    }
    if status == 200 && asked.is_push() && !changed {
        return Err("a push answered 200 without anything applied".into());
    }
    Ok(())
}

/// Every push and every pull with a partner identity is in the evidence log (one entry, of the
/// kind its outcome calls for), nothing else is, and the log still verifies.
fn check_evidence(
    f: &Fixture,
    asked: &Asked<'_>,
    status: u16,
    w: &World,
    before: u64,
) -> Result<(), String> {
    let ok = status == 200;
    let expected = if asked.peer.is_none() {
        None
    } else if asked.is_push() {
        Some(if ok {
            EntryKind::PushReceived
        } else {
            EntryKind::PushRefused
        })
    } else if asked.is_get("/v1/changes") {
        Some(if ok {
            EntryKind::PageServed
        } else {
            EntryKind::PullRefused
        })
    } else if asked.is_get("/v1/pfif/person") {
        Some(if ok {
            EntryKind::FeedServed
        } else {
            EntryKind::PullRefused
        })
    } else {
        None
    };
    let entries = w
        .evidence
        .entries(before, 16)
        .map_err(|e| format!("reading the evidence log: {e}"))?;
    let kinds: Vec<EntryKind> = entries.iter().map(|e| e.kind).collect();
    if kinds != expected.into_iter().collect::<Vec<_>>() {
        return Err(format!("evidence logged {kinds:?}, expected {expected:?}"));
    }
    if let (Some(e), Some(peer)) = (entries.first(), asked.peer)
        && e.partner != peer
    {
        return Err(format!(
            "evidence names partner `{}`, not `{peer}`",
            e.partner
        ));
    }
    let trust = TrustedKeys::from_registry(&f.registry.current(), HUB, &[f.hub.signing.public()]);
    verify_log(w.storage.as_ref(), Some(&trust))
        .map(|_| ())
        .map_err(|e| format!("the evidence log no longer verifies: {e}"))
}

/// Sends `input` to a fresh gateway (as [`check_request`] does, without the checks): the
/// status and body of the answer. `None` when the input is not a request.
pub fn send(input: &RequestInput) -> Result<Option<(u16, Bytes)>, Violation> {
    let f = fixture()?;
    let v = |detail: String| Violation::of(TARGET, Rule::Setup, None, detail);
    let mut builder = http::Request::builder()
        .method(input.method.as_slice())
        .uri(input.target.as_slice());
    for (k, val) in &input.headers {
        builder = builder.header(k.as_slice(), val.as_slice());
    }
    let Ok(mut req) = builder.body(Body::from(input.body.clone())) else {
        return Ok(None);
    };
    if let Some(p) = &input.peer {
        req.extensions_mut().insert(PeerIdentity {
            partner: p.clone(),
            fingerprint: [0; 32],
        });
    }
    let world = World::new(f).map_err(v)?;
    let app = world.app.clone();
    let (status, body) = runtime()?
        .block_on(async move {
            let Ok(resp) = app.oneshot(req).await;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .collect()
                .await
                .map(|c| c.to_bytes())
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((status, body))
        })
        .map_err(v)?;
    Ok(Some((status, body)))
}
