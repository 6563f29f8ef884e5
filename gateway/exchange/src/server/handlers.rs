//! The partner API's handlers.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use homeward_adapters::{ReadContext, WriteContext, WriteError, write_records};
use homeward_schemas::{Action, RecordId};
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};

use super::{ApiError, ExchangeService};
use crate::backend::{BackendError, ChangesFrom, InboundBatch, RecordedError};
use crate::codec::sha256;
use crate::envelope::{
    CANONICAL_FORMAT, Draft, ENVELOPE_MEDIA_TYPE, Envelope, Purpose, ReplayKey, VerifyError, verify,
};
use crate::evidence::merkle::InclusionProof;
use crate::evidence::{EntryDraft, EntryKind, EntryOutcome, SignedPart, SignedTreeHead};
use crate::partners::Partner;
use crate::payload::{PayloadItem, encode_canonical, read_item_label, read_payload};
use crate::policy::withhold;
use crate::receipt::{ItemOutcome, RECEIPT_MEDIA_TYPE, Receipt, ReceiptBody};
use crate::tls::PeerIdentity;

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(500, "internal", format!("worker failed: {e}")))
}

/// Reads a body of at most `limit` bytes.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(ApiError::new(
                413,
                "too_large",
                format!("body is larger than {limit} bytes"),
            ))
        }
        Err(e) => Err(ApiError::new(400, "body_unreadable", e.to_string())),
    }
}

fn with_type(mut resp: Response, media: &'static str) -> Response {
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    resp
}

/// Elapsed time at the end of each phase of a request, for debug logs.
#[derive(Default)]
pub(crate) struct Phases(Vec<(&'static str, std::time::Duration)>);

impl Phases {
    pub(crate) fn mark(&mut self, name: &'static str, since: std::time::Instant) {
        self.0.push((name, since.elapsed()));
    }
}

impl std::fmt::Display for Phases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, d)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name}={}ms", d.as_millis())?;
        }
        Ok(())
    }
}

/// What is known of a refused exchange, for the evidence log.
#[derive(Default)]
struct Refused {
    exchange_id: String,
    envelope_sha256: [u8; 32],
    envelope: Option<SignedPart>,
}

impl Refused {
    fn of(env: &Envelope) -> Self {
        Self {
            exchange_id: env.header.exchange_id.clone(),
            envelope_sha256: env.digest(),
            envelope: Some(SignedPart {
                bytes: env.header_bytes().to_vec(),
                signature: env.signature,
                public_key: None,
            }),
        }
    }
}

impl ExchangeService {
    /// Appends to the evidence log off the async threads.
    pub(super) async fn log(&self, draft: EntryDraft) -> Result<(), ApiError> {
        let log = self.evidence.clone();
        let now = self.clock.now();
        blocking(move || log.append(draft, now))
            .await?
            .map(|_| ())
            .map_err(|e| {
                tracing::error!(error = %e, "evidence log append failed");
                ApiError::new(
                    503,
                    "evidence_unavailable",
                    format!("cannot record evidence: {e}"),
                )
            })
    }

    async fn log_refusal(&self, kind: EntryKind, partner: &str, r: Refused, e: &ApiError) {
        tracing::warn!(partner, exchange = %r.exchange_id, code = e.code, status = e.status, "refused: {}", e.message);
        let draft = EntryDraft {
            kind,
            partner: partner.to_string(),
            exchange_id: r.exchange_id,
            envelope_sha256: r.envelope_sha256,
            envelope: r.envelope,
            receipt: None,
            outcome: EntryOutcome::new(e.status, e.code, e.message.clone()),
        };
        // the refusal stands even if it cannot be recorded; the failure is logged above
        let _ = self.log(draft).await;
    }

    fn partner_of(&self, peer: &PeerIdentity) -> Result<Arc<Partner>, ApiError> {
        self.registry
            .current()
            .get(&peer.partner)
            .cloned()
            .ok_or_else(|| {
                ApiError::new(
                    403,
                    "unknown_partner",
                    format!("partner `{}` is no longer registered", peer.partner),
                )
            })
    }

    async fn receive_push(
        self: &Arc<Self>,
        peer: &PeerIdentity,
        body: Body,
        refused: &mut Refused,
    ) -> Result<Receipt, ApiError> {
        let now = self.clock.now();
        let started = std::time::Instant::now();
        let mut phases = Phases::default();
        // A body that trickles in (a slow or stuck partner) is refused before the request
        // timeout cancels the whole handler, so that the refusal is answered and logged.
        let body_deadline = self.limits.request_timeout.mul_f64(0.9);
        let body = tokio::time::timeout(body_deadline, read_body(body, self.limits.max_body_bytes))
            .await
            .map_err(|_| {
                ApiError::new(
                    408,
                    "body_timeout",
                    format!(
                        "the body did not arrive within {} ms",
                        body_deadline.as_millis()
                    ),
                )
            })??;
        phases.mark("body", started);
        refused.envelope_sha256 = sha256(&body);
        let env = Envelope::from_wire(body)?;
        *refused = Refused::of(&env);
        if env.header.sender != peer.partner {
            return Err(VerifyError::SenderMismatch {
                peer: peer.partner.clone(),
                envelope: env.header.sender.clone(),
            }
            .into());
        }
        let registry = self.registry.current();
        let partner = verify(&env, &registry, Purpose::Push, &self.verify_policy(), now)?;
        phases.mark("verify", started);

        // replay: each envelope once (retries are re-signed with a fresh nonce)
        let guard = self.replay.clone();
        let key = ReplayKey::of(&env);
        let created = env.header.created;
        let skew = self.limits.max_clock_skew;
        let fresh = blocking(move || {
            let r = guard.check_and_record(&key, created);
            // forget what can no longer pass the freshness check
            let _ = guard.prune(now - skew * 2);
            r
        })
        .await?
        .map_err(|e| VerifyError::ReplayStore(e.0))?;
        if !fresh {
            return Err(VerifyError::Replay {
                exchange_id: env.header.exchange_id.clone(),
            }
            .into());
        }

        // read the payload
        let format = env.header.payload_format.clone();
        let formats = self.formats.clone();
        let payload = env.payload.clone();
        let ctx = ReadContext {
            origin: format!("exchange {} from {}", env.header.exchange_id, partner.id),
            source: None,
            limits: homeward_adapters::Limits::default(),
            received_at: now,
            may_send_unclaimed: Some(partner.inbound.may_send_unclaimed()),
        };
        let items = blocking(move || read_payload(&format, &payload, &formats, ctx))
            .await?
            .map_err(|e| match e {
                crate::payload::PayloadError::UnknownFormat(_) => {
                    ApiError::new(415, "unknown_format", e.to_string())
                }
                _ => ApiError::new(400, "payload_unreadable", e.to_string()),
            })?;

        // what this partner may send: one item outside refuses the whole exchange
        phases.mark("read", started);
        let violations = partner.inbound.check_items(&items);
        if !violations.is_empty() {
            return Err(ApiError::policy(violations));
        }

        // apply and commit with the evidence entry (signing the receipt), then answer
        let labels: Vec<String> = items.iter().map(read_item_label).collect();
        let n = items.len();
        let backend = self.backend.clone();
        let evidence = self.evidence.clone();
        let svc = self.clone();
        let env2 = env.clone();
        let p2 = partner.clone();
        let (pid, xid, fmt) = (
            partner.id.clone(),
            env.header.exchange_id.clone(),
            env.header.payload_format.clone(),
        );
        let applied = blocking(move || {
            let mut receipt = None;
            let mut seal = |outcomes: &[crate::backend::Outcome]| {
                let (r, draft) = svc.seal_push(&p2, &env2, outcomes, &labels)?;
                receipt = Some(r);
                Ok(draft)
            };
            let result = backend.apply_recorded(
                InboundBatch {
                    partner: &pid,
                    exchange_id: &xid,
                    format: &fmt,
                    items,
                },
                &evidence,
                svc.clock.now(),
                &mut seal,
            );
            result.map(|_| receipt)
        })
        .await?;
        let receipt = match applied {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Err(ApiError::new(
                    500,
                    "backend_error",
                    "the store committed without sealing the receipt",
                ));
            }
            Err(RecordedError::Backend(e)) if e.retriable => {
                return Err(ApiError::new(503, "backend_unavailable", e.message));
            }
            Err(RecordedError::Backend(e)) => {
                return Err(ApiError::new(500, "backend_error", e.message));
            }
            Err(RecordedError::Evidence(e)) => {
                tracing::error!(error = %e, "evidence log append failed after the commit");
                return Err(ApiError::new(
                    503,
                    "evidence_unavailable",
                    format!("cannot record evidence: {e}"),
                ));
            }
        };
        phases.mark("apply+receipt+evidence", started);
        tracing::debug!(partner = %partner.id, exchange = %env.header.exchange_id, items = n, phases = %phases, "push received");
        Ok(receipt)
    }

    /// Signs the receipt of an applied push and drafts its `push_received` entry.
    fn seal_push(
        &self,
        partner: &Partner,
        env: &Envelope,
        outcomes: &[crate::backend::Outcome],
        labels: &[String],
    ) -> Result<(Receipt, EntryDraft), BackendError> {
        if outcomes.len() != labels.len() {
            return Err(BackendError::permanent(format!(
                "store returned {} outcomes for {} items",
                outcomes.len(),
                labels.len()
            )));
        }
        let body = ReceiptBody {
            sender: self.identity.id.clone(),
            receiver: partner.id.clone(),
            exchange_id: env.header.exchange_id.clone(),
            envelope_sha256: env.digest(),
            payload_sha256: env.header.payload_sha256,
            created: self.clock.now(),
            key_id: String::new(),
            outcomes: outcomes
                .iter()
                .cloned()
                .zip(labels.iter().cloned())
                .enumerate()
                .map(|(i, (outcome, item))| ItemOutcome {
                    index: i as u64,
                    item,
                    outcome,
                })
                .collect(),
        };
        let receipt = Receipt::sign(body, &self.identity.signing)
            .map_err(|e| BackendError::permanent(format!("signing the receipt: {e}")))?;
        let b = &receipt.body;
        let detail = format!(
            "{} accepted, {} unchanged, {} rejected",
            b.accepted(),
            b.unchanged(),
            b.rejected()
        );
        let signer = partner.key(&env.header.key_id).map(|k| k.key.to_bytes());
        let draft = EntryDraft {
            kind: EntryKind::PushReceived,
            partner: partner.id.clone(),
            exchange_id: env.header.exchange_id.clone(),
            envelope_sha256: env.digest(),
            envelope: Some(SignedPart {
                bytes: env.header_bytes().to_vec(),
                signature: env.signature,
                public_key: signer,
            }),
            receipt: Some(SignedPart {
                bytes: receipt.body_bytes().to_vec(),
                signature: receipt.signature,
                public_key: Some(self.identity.signing.public().to_bytes()),
            }),
            outcome: EntryOutcome::new(200, "ok", detail),
        };
        Ok((receipt, draft))
    }

    /// The records and transactions of a change batch this partner may see.
    async fn visible(
        self: &Arc<Self>,
        partner: &Arc<Partner>,
        from: ChangesFrom,
        limit: usize,
        records_only: bool,
    ) -> Result<(Vec<PayloadItem>, String), ApiError> {
        let backend = self.backend.clone();
        let p = partner.clone();
        let result = blocking(move || {
            let batch = backend.changes(&from, limit)?;
            let ids: Vec<RecordId> = batch
                .changes
                .iter()
                .map(|c| match &c.item {
                    PayloadItem::Record(r) => r.id.clone(),
                    PayloadItem::Transaction(t) => {
                        RecordId::new(t.target.source.clone(), t.target.native_id.clone())
                    }
                })
                .collect();
            let shared = backend.shared_with(&p.id, &ids)?;
            let echo = backend.received_from(&p.id, &ids)?;
            let mut out = Vec::new();
            let mut sent = Vec::new();
            for (((change, id), was_shared), echo) in
                batch.changes.into_iter().zip(ids).zip(shared).zip(echo)
            {
                if echo {
                    // the partner's own record: it holds the original
                    continue;
                }
                let changed_at = change.changed_at;
                match change.item {
                    // a PFIF feed carries records only: a record the partner had and
                    // that left the policy goes as its lifecycle (PFIF's placeholder form).
                    // Its entry_date is when this gateway stored this version (the PFIF
                    // meaning, and the partner's next min_entry_date)
                    PayloadItem::Record(r) if records_only => {
                        if let Some(mut rec) = p.share.decide(&r, was_shared).into_record() {
                            rec.received_at = Some(changed_at);
                            out.push(PayloadItem::Record(Box::new(rec)));
                            sent.push(id);
                        }
                    }
                    PayloadItem::Record(r) => {
                        let before = out.len();
                        out.extend(p.share.outbound(&r, was_shared, None));
                        if out.len() > before {
                            sent.push(id);
                        }
                    }
                    PayloadItem::Transaction(mut t) if !records_only && was_shared => {
                        if let Action::Modify { patch, .. } = &mut t.action {
                            withhold(patch, &p.share.withhold);
                        }
                        out.push(PayloadItem::Transaction(t));
                    }
                    PayloadItem::Transaction(_) => {}
                }
            }
            backend.mark_shared(&p.id, &sent)?;
            Ok::<_, crate::backend::BackendError>((out, batch.next_cursor))
        })
        .await?;
        result.map_err(|e| {
            if e.bad_request {
                // a cursor this store never issued: the caller's mistake (found by fuzzing)
                ApiError::new(400, "bad_cursor", e.message)
            } else if e.retriable {
                ApiError::new(503, "backend_unavailable", e.message)
            } else {
                ApiError::new(500, "backend_error", e.message)
            }
        })
    }

    async fn serve_changes(
        self: &Arc<Self>,
        peer: &PeerIdentity,
        q: ChangesQuery,
    ) -> Result<Envelope, ApiError> {
        let partner = self.partner_of(peer)?;
        let cursor = q.cursor.unwrap_or_default();
        crate::envelope::check_cursor(&cursor).map_err(|m| ApiError::new(400, "bad_cursor", m))?;
        let limit = q
            .limit
            .unwrap_or(self.limits.page_limit)
            .clamp(1, self.limits.page_limit);
        let from = ChangesFrom::Cursor((!cursor.is_empty()).then(|| cursor.clone()));
        let (items, next_cursor) = self.visible(&partner, from, limit, false).await?;
        crate::envelope::check_cursor(&next_cursor)
            .map_err(|m| ApiError::new(500, "backend_error", format!("store cursor: {m}")))?;
        let payload =
            encode_canonical(&items).map_err(|e| ApiError::new(500, "internal", e.to_string()))?;
        let exchange_id = crate::clock::new_exchange_id()
            .map_err(|e| ApiError::new(503, "internal", e.to_string()))?;
        let env = Envelope::seal(
            Draft {
                purpose: Purpose::Changes,
                sender: self.identity.id.clone(),
                receiver: partner.id.clone(),
                exchange_id,
                cursor,
                next_cursor,
                payload_format: CANONICAL_FORMAT.into(),
                payload: Bytes::from(payload),
            },
            &self.identity.signing,
            self.clock.now(),
        )
        .map_err(|e| ApiError::new(500, "internal", e.to_string()))?;
        self.log(EntryDraft {
            kind: EntryKind::PageServed,
            partner: partner.id.clone(),
            exchange_id: env.header.exchange_id.clone(),
            envelope_sha256: env.digest(),
            envelope: Some(SignedPart {
                bytes: env.header_bytes().to_vec(),
                signature: env.signature,
                public_key: Some(self.identity.signing.public().to_bytes()),
            }),
            receipt: None,
            outcome: EntryOutcome::new(200, "ok", format!("{} items", items.len())),
        })
        .await?;
        Ok(env)
    }

    async fn serve_pfif(
        self: &Arc<Self>,
        peer: &PeerIdentity,
        q: PfifQuery,
    ) -> Result<Vec<u8>, ApiError> {
        let partner = self.partner_of(peer)?;
        let min = match q.min_entry_date.as_deref() {
            None | Some("") => DateTime::<Utc>::UNIX_EPOCH,
            Some(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| {
                    ApiError::new(
                        400,
                        "bad_min_entry_date",
                        format!("min_entry_date `{s}` is not yyyy-mm-ddThh:mm:ssZ: {e}"),
                    )
                })?,
        };
        let format = self.formats.get("pfif").ok_or_else(|| {
            ApiError::new(501, "pfif_unavailable", "this gateway has no pfif format")
        })?;
        let (items, _) = self
            .visible(
                &partner,
                ChangesFrom::EntryDate(min),
                self.limits.page_limit,
                true,
            )
            .await?;
        let records: Vec<_> = items
            .into_iter()
            .filter_map(|i| match i {
                PayloadItem::Record(r) => Some(*r),
                PayloadItem::Transaction(_) => None,
            })
            .collect();
        let ctx = WriteContext {
            sender: self.identity.id.clone(),
            now: self.clock.now(),
            feed_url: Some(format!("urn:homeward:{}:pfif:person", self.identity.id)),
        };
        let n = records.len();
        let feed = blocking(move || {
            let mut writer = format.writer(&ctx);
            let mut out = Vec::new();
            write_records(writer.as_mut(), records.iter(), &mut out).map(|report| (out, report))
        })
        .await?
        .map_err(|e| match e {
            WriteError::Unsupported { .. } => ApiError::new(
                501,
                "pfif_writer_unavailable",
                format!("the pfif writer cannot write this feed yet: {e}"),
            ),
            WriteError::Io(e) => ApiError::new(500, "internal", e.to_string()),
        })?;
        let (bytes, report) = feed;
        self.log(EntryDraft {
            kind: EntryKind::FeedServed,
            partner: partner.id.clone(),
            exchange_id: String::new(),
            envelope_sha256: sha256(&bytes),
            envelope: None,
            receipt: None,
            outcome: EntryOutcome::new(
                200,
                "ok",
                format!("{n} records, {} losses", report.losses.len()),
            ),
        })
        .await?;
        Ok(bytes)
    }
}

// === handlers ===

fn peer_of(peer: Option<Extension<PeerIdentity>>) -> Result<PeerIdentity, ApiError> {
    peer.map(|Extension(p)| p).ok_or_else(ApiError::no_peer)
}

/// `POST /v1/exchanges`.
pub(super) async fn push(
    State(svc): State<Arc<ExchangeService>>,
    peer: Option<Extension<PeerIdentity>>,
    body: Body,
) -> Response {
    let peer = match peer_of(peer) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut refused = Refused::default();
    match svc.receive_push(&peer, body, &mut refused).await {
        Ok(receipt) => with_type(
            (StatusCode::OK, receipt.to_wire()).into_response(),
            RECEIPT_MEDIA_TYPE,
        ),
        Err(e) => {
            svc.log_refusal(EntryKind::PushRefused, &peer.partner, refused, &e)
                .await;
            e.into_response()
        }
    }
}

/// Query of `GET /v1/changes`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChangesQuery {
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// A `HEAD` on an endpoint that serves records: refused. axum answers `HEAD` with the `GET`
/// handler and drops the body, so a page or feed would be logged as served and its records
/// marked as sent to the partner, who never received them (found while writing the fuzz
/// invariants).
fn refuse_head(method: &axum::http::Method) -> Option<Response> {
    (method == axum::http::Method::HEAD).then(|| {
        ApiError::new(
            405,
            "method_not_allowed",
            "HEAD is not allowed: records are only marked as sent with a body that carries them",
        )
        .into_response()
    })
}

/// `GET /v1/changes?cursor=&limit=`.
pub(super) async fn changes(
    State(svc): State<Arc<ExchangeService>>,
    method: axum::http::Method,
    peer: Option<Extension<PeerIdentity>>,
    q: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Some(r) = refuse_head(&method) {
        return r;
    }
    let peer = match peer_of(peer) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let result = match q {
        Ok(Query(q)) => svc.serve_changes(&peer, q).await,
        Err(e) => Err(ApiError::new(400, "bad_query", e.body_text())),
    };
    match result {
        Ok(env) => with_type(
            (StatusCode::OK, env.to_wire()).into_response(),
            ENVELOPE_MEDIA_TYPE,
        ),
        Err(e) => {
            svc.log_refusal(
                EntryKind::PullRefused,
                &peer.partner,
                Refused::default(),
                &e,
            )
            .await;
            e.into_response()
        }
    }
}

/// Query of `GET /v1/pfif/person`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PfifQuery {
    pub min_entry_date: Option<String>,
}

/// `GET /v1/pfif/person?min_entry_date=`: an Atom feed of PFIF 1.4 persons.
pub(super) async fn pfif(
    State(svc): State<Arc<ExchangeService>>,
    method: axum::http::Method,
    peer: Option<Extension<PeerIdentity>>,
    q: Result<Query<PfifQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Some(r) = refuse_head(&method) {
        return r;
    }
    let peer = match peer_of(peer) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let result = match q {
        Ok(Query(q)) => svc.serve_pfif(&peer, q).await,
        Err(e) => Err(ApiError::new(400, "bad_query", e.body_text())),
    };
    match result {
        Ok(feed) => with_type(
            (StatusCode::OK, feed).into_response(),
            "application/atom+xml; charset=utf-8",
        ),
        Err(e) => {
            svc.log_refusal(
                EntryKind::PullRefused,
                &peer.partner,
                Refused::default(),
                &e,
            )
            .await;
            e.into_response()
        }
    }
}

/// Query of `GET /v1/evidence/proof`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProofQuery {
    pub exchange_id: String,
}

/// One logged entry with its inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenEntry {
    /// The entry's canonical bytes, standard base64.
    pub entry: String,
    pub proof: InclusionProof,
}

/// The answer of `GET /v1/evidence/proof`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceProof {
    pub tree_head: SignedTreeHead,
    pub entries: Vec<ProvenEntry>,
}

/// `GET /v1/evidence/proof?exchange_id=`: the calling partner's entries for an exchange,
/// with inclusion proofs against a freshly signed tree head.
pub(super) async fn proof(
    State(svc): State<Arc<ExchangeService>>,
    peer: Option<Extension<PeerIdentity>>,
    q: Result<Query<ProofQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let peer = match peer_of(peer) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return ApiError::new(400, "bad_query", e.body_text()).into_response(),
    };
    let log = svc.evidence.clone();
    let s = svc.clone();
    let now = svc.clock.now();
    let result = blocking(move || {
        log.proofs_for(
            &peer.partner,
            &q.exchange_id,
            &s.identity.id,
            &s.identity.signing,
            now,
        )
    })
    .await;
    match result {
        Ok(Ok((sth, entries))) if !entries.is_empty() => Json(EvidenceProof {
            tree_head: sth,
            entries: entries
                .into_iter()
                .map(|(bytes, proof)| ProvenEntry {
                    entry: base64::engine::general_purpose::STANDARD.encode(bytes),
                    proof,
                })
                .collect(),
        })
        .into_response(),
        Ok(Ok(_)) => {
            ApiError::new(404, "not_found", "no entry of yours for this exchange").into_response()
        }
        Ok(Err(e)) => ApiError::new(503, "evidence_unavailable", e.to_string()).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Unknown paths.
pub(super) async fn not_found() -> Response {
    ApiError::new(404, "not_found", "no such endpoint").into_response()
}

/// A known path with another method: a JSON error like every other (axum's own 405 has an
/// empty body; found by fuzzing).
pub(super) async fn method_not_allowed(method: axum::http::Method) -> Response {
    ApiError::new(
        405,
        "method_not_allowed",
        format!("{method} is not allowed on this endpoint"),
    )
    .into_response()
}
