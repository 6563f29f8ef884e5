//! The client side: push to partners (with retries) and pull from them.
//!
//! A push signs the payload into an envelope, sends it, and accepts only a signed receipt that
//! names that envelope and payload. Retriable failures (5xx answers, connection failures,
//! timeouts) are retried with exponential backoff and jitter; each retry is the same exchange
//! (same id and payload) re-signed with a fresh nonce and time, so the partner's replay check
//! lets it through and its store answers `unchanged` for what it already has. Permanent
//! failures (4xx answers, a certificate refused on either side, a bad receipt) are not retried.
//! Every outcome goes to the evidence log.

mod transport;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use homeward_adapters::ReadItem;
use http::Method;

use homeward_ops::Attempt;
pub use homeward_ops::RetryPolicy;
pub use transport::{RawResponse, RequestLimits, TransportError, query_escape, send};

use crate::backend::{ExchangeBackend, InboundBatch, Outcome};
use crate::clock::Clock;
use crate::envelope::{
    CANONICAL_FORMAT, Draft, ENVELOPE_MEDIA_TYPE, Envelope, Purpose, SealError, VerifyError,
    VerifyPolicy, verify,
};
use crate::evidence::{
    EntryDraft, EntryKind, EntryOutcome, EvidenceEntry, EvidenceError, EvidenceLog, SignedPart,
    TreeHeadError,
};
use crate::keys::GatewayIdentity;
use crate::partners::{Partner, SharedRegistry};
use crate::payload::{PayloadError, PayloadItem, decode_canonical, encode_canonical};
use crate::policy::Violation;
use crate::receipt::{Expected, Receipt, ReceiptError};
use crate::server::{ErrorBody, EvidenceProof};

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub retry: RetryPolicy,
    pub connect_timeout: Duration,
    /// For the whole request, answer included (default 120 s).
    pub request_timeout: Duration,
    /// Largest answer accepted (default 64 MiB).
    pub max_response_bytes: usize,
    /// Freshness window for pages (default 5 minutes).
    pub max_clock_skew: TimeDelta,
}

/// The client's default retries: 5 attempts, from 200 ms doubling up to 30 s, each delay
/// up to half shortened at random.
pub fn default_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        initial_delay_ms: 200,
        max_delay_ms: 30_000,
        multiplier: 2.0,
        jitter: 0.5,
    }
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            retry: default_retry(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            max_response_bytes: 64 * 1024 * 1024,
            max_clock_skew: TimeDelta::minutes(5),
        }
    }
}

/// Why a push or pull failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("partner `{0}` is not registered")]
    UnknownPartner(String),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// No answer after every attempt, or a permanent transport failure.
    #[error("partner `{partner}` unreachable after {attempts} attempt(s): {last}")]
    Transport {
        partner: String,
        attempts: u32,
        last: Box<TransportError>,
    },
    /// The partner refused (4xx): re-sending cannot help.
    #[error("partner `{partner}` refused with {status}: {}: {}", .body.error, .body.message)]
    Refused {
        partner: String,
        status: u16,
        body: ErrorBody,
    },
    /// The partner kept failing (5xx) until attempts ran out.
    #[error("partner `{partner}` answered {status} after {attempts} attempt(s): {}", .body.message)]
    Unavailable {
        partner: String,
        status: u16,
        attempts: u32,
        body: ErrorBody,
    },
    #[error("receipt from `{partner}` refused: {source}")]
    BadReceipt {
        partner: String,
        #[source]
        source: ReceiptError,
    },
    #[error("page from `{partner}` refused: {source}")]
    BadPage {
        partner: String,
        #[source]
        source: VerifyError,
    },
    #[error("page from `{partner}` answers cursor `{found}`, asked `{asked}`")]
    CursorMismatch {
        partner: String,
        asked: String,
        found: String,
    },
    #[error("page from `{partner}` holds items it may not send: {}", .violations.first().map(|v| v.to_string()).unwrap_or_default())]
    Policy {
        partner: String,
        violations: Vec<Violation>,
    },
    #[error("evidence from `{partner}` does not hold: {message}")]
    BadEvidence { partner: String, message: String },
    #[error(transparent)]
    Payload(#[from] PayloadError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Random(#[from] crate::clock::RandomError),
    #[error("applying pulled items: {0}")]
    Backend(#[from] crate::backend::BackendError),
}

impl ClientError {
    /// The HTTP status the partner answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Refused { status, .. } | ClientError::Unavailable { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}

/// A push that got a valid receipt.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub exchange_id: String,
    pub receipt: Receipt,
    /// Attempts it took (1 = no retry).
    pub attempts: u32,
}

/// A verified page of changes.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<ReadItem>,
    pub next_cursor: String,
    pub envelope: Envelope,
}

/// What one push attempt sends.
struct PushAttempt<'a> {
    partner: &'a Arc<Partner>,
    tls: &'a Arc<rustls::ClientConfig>,
    exchange_id: &'a str,
    format: &'a str,
    payload: &'a Bytes,
    items: Option<usize>,
}

/// Why a pull attempt got no page.
enum PullFailure {
    /// A 5xx answer (the last one is reported as the partner's answer).
    Answer(RawResponse),
    Transport(TransportError),
}

/// Calls partners.
pub struct ExchangeClient {
    identity: Arc<GatewayIdentity>,
    registry: SharedRegistry,
    evidence: Arc<EvidenceLog>,
    clock: Arc<dyn Clock>,
    pub settings: ClientSettings,
}

impl std::fmt::Debug for ExchangeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeClient")
            .field("identity", &self.identity)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn error_body(resp: &RawResponse) -> ErrorBody {
    serde_json::from_slice(&resp.body).unwrap_or_else(|_| ErrorBody {
        error: format!("http_{}", resp.status.as_u16()),
        message: String::from_utf8_lossy(&resp.body[..resp.body.len().min(512)]).into_owned(),
        retriable: resp.status.is_server_error(),
        violations: Vec::new(),
    })
}

impl ExchangeClient {
    pub fn new(
        identity: Arc<GatewayIdentity>,
        registry: SharedRegistry,
        evidence: Arc<EvidenceLog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            identity,
            registry,
            evidence,
            clock,
            settings: ClientSettings::default(),
        }
    }

    fn partner(&self, id: &str) -> Result<Arc<Partner>, ClientError> {
        self.registry
            .current()
            .get(id)
            .cloned()
            .ok_or_else(|| ClientError::UnknownPartner(id.to_string()))
    }

    fn limits(&self) -> RequestLimits {
        RequestLimits {
            connect_timeout: self.settings.connect_timeout,
            request_timeout: self.settings.request_timeout,
            max_response_bytes: self.settings.max_response_bytes,
        }
    }

    async fn log(&self, draft: EntryDraft) -> Result<EvidenceEntry, EvidenceError> {
        let log = self.evidence.clone();
        let now = self.clock.now();
        tokio::task::spawn_blocking(move || log.append(draft, now))
            .await
            .map_err(|e| EvidenceError::Storage(crate::evidence::StorageError(e.to_string())))?
    }

    fn signed_envelope(&self, env: &Envelope, key: Option<[u8; 32]>) -> SignedPart {
        SignedPart {
            bytes: env.header_bytes().to_vec(),
            signature: env.signature,
            public_key: key,
        }
    }

    /// One request, no retry (also what tests and fuzzers use to send crafted bytes).
    pub async fn send_raw(
        &self,
        partner: &str,
        method: Method,
        path_and_query: &str,
        content_type: Option<&'static str>,
        body: Bytes,
    ) -> Result<RawResponse, ClientError> {
        let p = self.partner(partner)?;
        let tls = crate::tls::client_config(&self.identity, p.clone())?;
        send(
            tls,
            &p.endpoint,
            method,
            path_and_query,
            content_type,
            body,
            self.limits(),
        )
        .await
        .map_err(|last| ClientError::Transport {
            partner: partner.to_string(),
            attempts: 1,
            last: Box::new(last),
        })
    }

    /// Pushes `items` as canonical JSON.
    pub async fn push(&self, partner: &str, items: &[PayloadItem]) -> Result<Pushed, ClientError> {
        let started = std::time::Instant::now();
        let payload = Bytes::from(encode_canonical(items)?);
        tracing::debug!(
            items = items.len(),
            bytes = payload.len(),
            encode_ms = started.elapsed().as_millis(),
            "payload encoded"
        );
        self.push_payload(partner, CANONICAL_FORMAT, payload, Some(items.len()), None)
            .await
    }

    /// Pushes records through the partner's sharing policy ([`crate::policy::SharePolicy::outbound`]:
    /// shared with the withheld fields removed, the lifecycle transaction of a record the
    /// partner had before, or not sent), the rest is pushed, and what was sent is marked shared in `backend`
    /// once the receipt is in. Returns the push (`None` when nothing was to be sent) and
    /// what was withheld, with the reason.
    pub async fn push_records(
        &self,
        partner: &str,
        records: &[homeward_schemas::Record],
        backend: Arc<dyn ExchangeBackend>,
    ) -> Result<
        (
            Option<Pushed>,
            Vec<(homeward_schemas::RecordId, crate::policy::Withheld)>,
        ),
        ClientError,
    > {
        let p = self.partner(partner)?;
        let ids: Vec<_> = records.iter().map(|r| r.id.clone()).collect();
        let (pid, b, ids2) = (p.id.clone(), backend.clone(), ids.clone());
        let shared = tokio::task::spawn_blocking(move || b.shared_with(&pid, &ids2))
            .await
            .map_err(|e| crate::backend::BackendError::retriable(e.to_string()))??;
        let mut items = Vec::new();
        let mut sent = Vec::new();
        let mut withheld = Vec::new();
        for ((r, id), was) in records.iter().zip(ids).zip(shared) {
            let out = p.share.outbound(r, was, None);
            if out.is_empty() {
                if let crate::policy::Decision::Withhold(why) = p.share.decide(r, was) {
                    withheld.push((id, why));
                }
                continue;
            }
            items.extend(out);
            sent.push(id);
        }
        if items.is_empty() {
            return Ok((None, withheld));
        }
        let pushed = self.push(partner, &items).await?;
        let pid = p.id.clone();
        tokio::task::spawn_blocking(move || backend.mark_shared(&pid, &sent))
            .await
            .map_err(|e| crate::backend::BackendError::retriable(e.to_string()))??;
        Ok((Some(pushed), withheld))
    }

    /// Pushes a payload in `format`; `items`: how many items it holds, when known (the
    /// receipt must have as many outcomes); `exchange_id`: to re-send an earlier exchange.
    /// Retriable failures are retried with [`homeward_ops::retry`] under
    /// `settings.retry`, each attempt re-signed with a fresh nonce and time.
    pub async fn push_payload(
        &self,
        partner: &str,
        format: &str,
        payload: Bytes,
        items: Option<usize>,
        exchange_id: Option<String>,
    ) -> Result<Pushed, ClientError> {
        let p = self.partner(partner)?;
        let tls = crate::tls::client_config(&self.identity, p.clone())?;
        let exchange_id = match exchange_id {
            Some(x) => x,
            None => crate::clock::new_exchange_id()?,
        };
        let policy = self.settings.retry;
        let attempt = PushAttempt {
            partner: &p,
            tls: &tls,
            exchange_id: &exchange_id,
            format,
            payload: &payload,
            items,
        };
        let attempt = &attempt;
        homeward_ops::retry(&policy, move |n| async move {
            self.push_once(attempt, n, policy.may_retry(n)).await
        })
        .await
        .map_err(|(e, _attempts)| e)
    }

    /// One attempt of a push; `more`: whether another attempt may follow (a failure that
    /// ends the push is logged, one that will be retried is not).
    async fn push_once(
        &self,
        a: &PushAttempt<'_>,
        attempt: u32,
        more: bool,
    ) -> Result<Pushed, Attempt<ClientError>> {
        let p = a.partner;
        let permanent = |e: ClientError| Attempt::Permanent(e);
        let env = Envelope::seal(
            Draft::push(
                &self.identity.id,
                &p.id,
                a.exchange_id,
                a.format,
                a.payload.clone(),
            ),
            &self.identity.signing,
            self.clock.now(),
        )
        .map_err(|e| permanent(e.into()))?;
        let wire = Bytes::from(env.to_wire());
        let started = std::time::Instant::now();
        let sent = send(
            a.tls.clone(),
            &p.endpoint,
            Method::POST,
            "/v1/exchanges",
            Some(ENVELOPE_MEDIA_TYPE),
            wire,
            self.limits(),
        )
        .await;
        tracing::debug!(partner = %p.id, attempt, round_trip_ms = started.elapsed().as_millis(), "push sent");
        let own_key = Some(self.identity.signing.public().to_bytes());
        let mut draft = EntryDraft {
            kind: EntryKind::PushFailed,
            partner: p.id.clone(),
            exchange_id: a.exchange_id.to_string(),
            envelope_sha256: env.digest(),
            envelope: Some(self.signed_envelope(&env, own_key)),
            receipt: None,
            outcome: EntryOutcome::new(0, "", ""),
        };
        let resp = match sent {
            Ok(resp) => resp,
            Err(e) => {
                if !e.is_permanent() && more {
                    tracing::info!(partner = %p.id, error = %e, attempt, "push failed, retrying");
                    return Err(Attempt::Retriable(ClientError::Transport {
                        partner: p.id.clone(),
                        attempts: attempt,
                        last: Box::new(e),
                    }));
                }
                let code = if e.is_permanent() {
                    "tls_refused"
                } else {
                    "unreachable"
                };
                draft.outcome = EntryOutcome::new(0, code, e.to_string());
                self.log(draft).await.map_err(|e| permanent(e.into()))?;
                return Err(permanent(ClientError::Transport {
                    partner: p.id.clone(),
                    attempts: attempt,
                    last: Box::new(e),
                }));
            }
        };
        if !resp.status.is_success() {
            let body = error_body(&resp);
            let status = resp.status.as_u16();
            if resp.status.is_server_error() && more {
                tracing::info!(partner = %p.id, status, attempt, "push failed, retrying");
                return Err(Attempt::Retriable(ClientError::Unavailable {
                    partner: p.id.clone(),
                    status,
                    attempts: attempt,
                    body,
                }));
            }
            draft.kind = if resp.status.is_server_error() {
                EntryKind::PushFailed
            } else {
                EntryKind::PushRefusedByPartner
            };
            draft.outcome = EntryOutcome::new(status, body.error.clone(), body.message.clone());
            self.log(draft).await.map_err(|e| permanent(e.into()))?;
            return Err(permanent(if resp.status.is_server_error() {
                ClientError::Unavailable {
                    partner: p.id.clone(),
                    status,
                    attempts: attempt,
                    body,
                }
            } else {
                ClientError::Refused {
                    partner: p.id.clone(),
                    status,
                    body,
                }
            }));
        }
        let receipt = Receipt::from_wire(&resp.body).and_then(|r| {
            r.verify(&Expected {
                partner: p,
                me: &self.identity.id,
                exchange_id: a.exchange_id,
                envelope_sha256: env.digest(),
                payload_sha256: env.header.payload_sha256,
                items: a.items,
            })
            .map(|()| r)
        });
        match receipt {
            Ok(r) => {
                let b = &r.body;
                draft.kind = EntryKind::PushSent;
                draft.receipt = Some(SignedPart {
                    bytes: r.body_bytes().to_vec(),
                    signature: r.signature,
                    public_key: p.key(&b.key_id).map(|k| k.key.to_bytes()),
                });
                draft.outcome = EntryOutcome::new(
                    resp.status.as_u16(),
                    "ok",
                    format!(
                        "{} accepted, {} unchanged, {} rejected",
                        b.accepted(),
                        b.unchanged(),
                        b.rejected()
                    ),
                );
                self.log(draft).await.map_err(|e| permanent(e.into()))?;
                tracing::debug!(partner = %p.id, total_ms = started.elapsed().as_millis(), "receipt verified and logged");
                Ok(Pushed {
                    exchange_id: a.exchange_id.to_string(),
                    receipt: r,
                    attempts: attempt,
                })
            }
            Err(e) => {
                draft.outcome =
                    EntryOutcome::new(resp.status.as_u16(), "bad_receipt", e.to_string());
                self.log(draft).await.map_err(|e| permanent(e.into()))?;
                Err(permanent(ClientError::BadReceipt {
                    partner: p.id.clone(),
                    source: e,
                }))
            }
        }
    }

    /// Pulls the page of changes after `cursor` (`None`: from the start), verified: signed
    /// by the partner for this gateway, answering this cursor, fresh, and holding only what
    /// the partner may send. Retries like a push.
    pub async fn pull(
        &self,
        partner: &str,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Page, ClientError> {
        let p = self.partner(partner)?;
        let tls = crate::tls::client_config(&self.identity, p.clone())?;
        let asked = cursor.unwrap_or_default().to_string();
        let mut path = format!("/v1/changes?cursor={}", query_escape(&asked));
        if let Some(l) = limit {
            path.push_str(&format!("&limit={l}"));
        }
        let policy = self.settings.retry;
        let (tls, path, endpoint) = (&tls, &path, &p.endpoint);
        let pid = &p.id;
        let answered = homeward_ops::retry(&policy, move |attempt| async move {
            match send(
                tls.clone(),
                endpoint,
                Method::GET,
                path,
                None,
                Bytes::new(),
                self.limits(),
            )
            .await
            {
                Ok(resp) if resp.status.is_server_error() && policy.may_retry(attempt) => {
                    tracing::info!(partner = %pid, status = %resp.status, attempt, "pull failed, retrying");
                    Err(Attempt::Retriable(PullFailure::Answer(resp)))
                }
                Ok(resp) => Ok((resp, attempt)),
                Err(e) if !e.is_permanent() => {
                    tracing::info!(partner = %pid, error = %e, attempt, "pull failed");
                    Err(Attempt::Retriable(PullFailure::Transport(e)))
                }
                Err(e) => Err(Attempt::Permanent(PullFailure::Transport(e))),
            }
        })
        .await;
        let (resp, attempt) = match answered {
            Ok(r) => r,
            Err((PullFailure::Answer(resp), attempts)) => (resp, attempts),
            Err((PullFailure::Transport(e), attempts)) => {
                let d = EntryDraft::new(
                    EntryKind::PullRefused,
                    &p.id,
                    EntryOutcome::new(0, "unreachable", e.to_string()),
                );
                self.log(d).await?;
                return Err(ClientError::Transport {
                    partner: p.id.clone(),
                    attempts,
                    last: Box::new(e),
                });
            }
        };
        if !resp.status.is_success() {
            let body = error_body(&resp);
            let status = resp.status.as_u16();
            self.log(EntryDraft::new(
                EntryKind::PullRefused,
                &p.id,
                EntryOutcome::new(status, body.error.clone(), body.message.clone()),
            ))
            .await?;
            return Err(if resp.status.is_server_error() {
                ClientError::Unavailable {
                    partner: p.id.clone(),
                    status,
                    attempts: attempt,
                    body,
                }
            } else {
                ClientError::Refused {
                    partner: p.id.clone(),
                    status,
                    body,
                }
            });
        }
        let body_digest = crate::codec::sha256(&resp.body);
        let checked = self.check_page(&p, resp.body, &asked);
        match checked {
            Ok((env, items)) => {
                self.log(EntryDraft {
                    kind: EntryKind::PageReceived,
                    partner: p.id.clone(),
                    exchange_id: env.header.exchange_id.clone(),
                    envelope_sha256: env.digest(),
                    envelope: Some(self.signed_envelope(
                        &env,
                        p.key(&env.header.key_id).map(|k| k.key.to_bytes()),
                    )),
                    receipt: None,
                    outcome: EntryOutcome::new(200, "ok", format!("{} items", items.len())),
                })
                .await?;
                Ok(Page {
                    next_cursor: env.header.next_cursor.clone(),
                    items,
                    envelope: env,
                })
            }
            Err((e, env)) => {
                let code = match &e {
                    ClientError::BadPage { source, .. } => source.code(),
                    ClientError::CursorMismatch { .. } => "cursor_mismatch",
                    ClientError::Policy { .. } => "policy_violation",
                    _ => "bad_page",
                };
                let mut d = EntryDraft::new(
                    EntryKind::PullRefused,
                    &p.id,
                    EntryOutcome::new(200, code, e.to_string()),
                );
                d.envelope_sha256 = body_digest;
                if let Some(env) = env {
                    d.exchange_id = env.header.exchange_id.clone();
                    d.envelope_sha256 = env.digest();
                    d.envelope = Some(self.signed_envelope(&env, None));
                }
                self.log(d).await?;
                Err(e)
            }
        }
    }

    #[allow(clippy::result_large_err)]
    fn check_page(
        &self,
        p: &Arc<Partner>,
        body: Bytes,
        asked: &str,
    ) -> Result<(Envelope, Vec<ReadItem>), (ClientError, Option<Envelope>)> {
        let bad = |source: VerifyError| ClientError::BadPage {
            partner: p.id.clone(),
            source,
        };
        let env = Envelope::from_wire(body).map_err(|e| (bad(e), None))?;
        if env.header.sender != p.id {
            let e = VerifyError::SenderMismatch {
                peer: p.id.clone(),
                envelope: env.header.sender.clone(),
            };
            return Err((bad(e), Some(env)));
        }
        let policy = VerifyPolicy {
            me: self.identity.id.clone(),
            max_skew: self.settings.max_clock_skew,
        };
        let registry = self.registry.current();
        if let Err(e) = verify(&env, &registry, Purpose::Changes, &policy, self.clock.now()) {
            return Err((bad(e), Some(env)));
        }
        if env.header.cursor != asked {
            let e = ClientError::CursorMismatch {
                partner: p.id.clone(),
                asked: asked.to_string(),
                found: env.header.cursor.clone(),
            };
            return Err((e, Some(env)));
        }
        if env.header.payload_format != CANONICAL_FORMAT {
            let e = VerifyError::Malformed(format!(
                "a page must be canonical, not `{}`",
                env.header.payload_format
            ));
            return Err((bad(e), Some(env)));
        }
        let items = match decode_canonical(&env.payload) {
            Ok(i) => i,
            Err(e) => return Err((ClientError::Payload(e), Some(env))),
        };
        let violations = p.inbound.check_items(&items);
        if !violations.is_empty() {
            let e = ClientError::Policy {
                partner: p.id.clone(),
                violations,
            };
            return Err((e, Some(env)));
        }
        Ok((env, items))
    }

    /// Pulls one page and applies it to `backend`; returns the outcomes and the next cursor.
    pub async fn pull_into(
        &self,
        partner: &str,
        cursor: Option<&str>,
        backend: Arc<dyn ExchangeBackend>,
    ) -> Result<(Vec<Outcome>, String), ClientError> {
        let page = self.pull(partner, cursor, None).await?;
        let xid = page.envelope.header.exchange_id.clone();
        let pid = partner.to_string();
        let items = page.items;
        let outcomes = tokio::task::spawn_blocking(move || {
            backend.apply(InboundBatch {
                partner: &pid,
                exchange_id: &xid,
                format: CANONICAL_FORMAT,
                items,
            })
        })
        .await
        .map_err(|e| crate::backend::BackendError::retriable(e.to_string()))??;
        Ok((outcomes, page.next_cursor))
    }

    /// Fetches the partner's PFIF feed (`GET /v1/pfif/person`).
    pub async fn pfif_feed(
        &self,
        partner: &str,
        min_entry_date: Option<DateTime<Utc>>,
    ) -> Result<RawResponse, ClientError> {
        let mut path = "/v1/pfif/person".to_string();
        if let Some(t) = min_entry_date {
            path.push_str(&format!(
                "?min_entry_date={}",
                query_escape(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            ));
        }
        self.send_raw(partner, Method::GET, &path, None, Bytes::new())
            .await
    }

    /// Asks the partner for the proof that `exchange_id` is in its evidence log, and checks
    /// it: tree head signed by a registered key of the partner, every entry in the tree and
    /// about this gateway and exchange. Returns the partner's entries.
    pub async fn evidence_proof(
        &self,
        partner: &str,
        exchange_id: &str,
    ) -> Result<Vec<EvidenceEntry>, ClientError> {
        let p = self.partner(partner)?;
        let path = format!(
            "/v1/evidence/proof?exchange_id={}",
            query_escape(exchange_id)
        );
        let resp = self
            .send_raw(partner, Method::GET, &path, None, Bytes::new())
            .await?;
        if !resp.status.is_success() {
            return Err(ClientError::Refused {
                partner: p.id.clone(),
                status: resp.status.as_u16(),
                body: error_body(&resp),
            });
        }
        let bad = |message: String| ClientError::BadEvidence {
            partner: p.id.clone(),
            message,
        };
        let proof: EvidenceProof =
            serde_json::from_slice(&resp.body).map_err(|e| bad(e.to_string()))?;
        let sth = &proof.tree_head;
        if sth.gateway != p.id {
            return Err(bad(format!("tree head of `{}`", sth.gateway)));
        }
        let key = p
            .key(&sth.key_id)
            .ok_or_else(|| bad(TreeHeadError::WrongKey(sth.key_id.clone()).to_string()))?;
        sth.verify(&key.key).map_err(|e| bad(e.to_string()))?;
        let mut out = Vec::new();
        for pe in &proof.entries {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&pe.entry)
                .map_err(|e| bad(e.to_string()))?;
            sth.check_inclusion(&bytes, &pe.proof)
                .map_err(|e| bad(e.to_string()))?;
            let entry = EvidenceEntry::decode(&bytes).map_err(|e| bad(e.to_string()))?;
            if entry.partner != self.identity.id || entry.exchange_id != exchange_id {
                return Err(bad(format!(
                    "entry {} is about `{}` / {}",
                    entry.seq, entry.partner, entry.exchange_id
                )));
            }
            out.push(entry);
        }
        Ok(out)
    }
}
