//! Handler tests without sockets: a `PeerIdentity` extension stands for the client certificate.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bytes::Bytes;
use chrono::{TimeDelta, Utc};
use homeward_schemas::Kind;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;
use crate::clock::OffsetClock;
use crate::envelope::{CANONICAL_FORMAT, Draft, Envelope, Purpose};
use crate::evidence::EntryKind;
use crate::fixtures::synthetic_records;
use crate::keys::{GatewayIdentity, SigningKeyPair};
use crate::memory::{MemoryBackend, MemoryEvidenceStorage, MemoryReplayGuard};
use crate::partners::{PartnerConfig, PartnerRegistry};
use crate::payload::{PayloadItem, decode_canonical, encode_canonical};
use crate::policy::{FieldGroup, PartnerRole};
use crate::receipt::Receipt;

struct Fixture {
    app: Router,
    service: Arc<ExchangeService>,
    backend: Arc<MemoryBackend>,
    partner_key: SigningKeyPair,
}

fn fixture() -> Fixture {
    let partner_key = SigningKeyPair::generate().unwrap();
    let mut cfg = PartnerConfig::pinned(
        "state",
        "https://127.0.0.1:1",
        PartnerRole::LawEnforcement,
        &partner_key.public(),
        [5; 32],
    );
    cfg.share.kinds = vec![Kind::Missing];
    cfg.share.withhold = vec![FieldGroup::Dental];
    let registry = SharedRegistry::new(
        PartnerRegistry::from_config(&[cfg], std::path::Path::new(".")).unwrap(),
    );
    let backend = Arc::new(MemoryBackend::new());
    let service = Arc::new(ExchangeService {
        identity: Arc::new(GatewayIdentity::generate("hub", 2).unwrap()),
        registry,
        backend: backend.clone(),
        replay: Arc::new(MemoryReplayGuard::new()),
        evidence: Arc::new(EvidenceLog::open(Arc::new(MemoryEvidenceStorage::new())).unwrap()),
        formats: homeward_adapters::Registry::builtin(),
        limits: ServerLimits::default(),
        clock: Arc::new(OffsetClock::new(TimeDelta::zero())),
    });
    Fixture {
        app: router(service.clone()),
        service,
        backend,
        partner_key,
    }
}

fn peer() -> PeerIdentity {
    PeerIdentity {
        partner: "state".into(),
        fingerprint: [5; 32],
    }
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, Bytes) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    (status, resp.into_body().collect().await.unwrap().to_bytes())
}

fn get(uri: &str, with_peer: bool) -> Request<Body> {
    let mut r = Request::get(uri).body(Body::empty()).unwrap();
    if with_peer {
        r.extensions_mut().insert(peer());
    }
    r
}

#[tokio::test]
async fn requests_without_a_partner_identity_are_refused() {
    let f = fixture();
    let (status, body) = call(&f.app, get("/v1/changes", false)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let e: ErrorBody = serde_json::from_slice(&body).unwrap();
    assert_eq!(e.error, "no_peer");
    let (status, body) = call(&f.app, get("/v1/nothing", true)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        serde_json::from_slice::<ErrorBody>(&body).unwrap().error,
        "not_found"
    );
    // HEAD on a page of records: refused, nothing logged as served
    let before = f.service.evidence.len();
    let mut head = get("/v1/changes", true);
    *head.method_mut() = axum::http::Method::HEAD;
    let (status, _) = call(&f.app, head).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(f.service.evidence.len(), before);
    // a known path with another method: a JSON error too (axum's own has an empty body)
    let (status, body) = call(&f.app, get("/v1/exchanges", true)).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        serde_json::from_slice::<ErrorBody>(&body).unwrap().error,
        "method_not_allowed"
    );
}

#[tokio::test]
async fn a_push_is_applied_and_answered_with_a_signed_receipt() {
    let f = fixture();
    let items: Vec<PayloadItem> = synthetic_records("TX", 3)
        .into_iter()
        .map(|r| PayloadItem::Record(Box::new(r)))
        .collect();
    let env = Envelope::seal(
        Draft::push(
            "state",
            "hub",
            "x-1",
            CANONICAL_FORMAT,
            Bytes::from(encode_canonical(&items).unwrap()),
        ),
        &f.partner_key,
        Utc::now(),
    )
    .unwrap();
    let mut req = Request::post("/v1/exchanges")
        .body(Body::from(env.to_wire()))
        .unwrap();
    req.extensions_mut().insert(peer());
    let (status, body) = call(&f.app, req).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let receipt = Receipt::from_wire(&body).unwrap();
    assert_eq!(receipt.body.accepted(), 3);
    assert_eq!(receipt.body.envelope_sha256, env.digest());
    assert!(
        f.service
            .identity
            .signing
            .public()
            .verify(receipt.body_bytes(), &receipt.signature)
    );
    assert_eq!(f.backend.len(), 3);
    let log = f.service.evidence.all().unwrap();
    assert_eq!(log.last().unwrap().kind, EntryKind::PushReceived);
}

#[tokio::test]
async fn a_changes_page_is_signed_filtered_and_bound_to_its_cursor() {
    let f = fixture();
    let recs = synthetic_records("hub-local", 6);
    assert_eq!(recs[3].kind, Kind::Unidentified);
    for r in &recs {
        f.backend.insert_local(r.clone());
    }
    let (status, body) = call(&f.app, get("/v1/changes?cursor=2&limit=3", true)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let env = Envelope::from_wire(body).unwrap();
    assert_eq!(env.header.purpose, Purpose::Changes);
    assert_eq!(
        (env.header.cursor.as_str(), env.header.next_cursor.as_str()),
        ("2", "5")
    );
    assert_eq!(env.header.receiver, "state");
    assert!(
        f.service
            .identity
            .signing
            .public()
            .verify(env.header_bytes(), &env.signature)
    );
    let items = decode_canonical(&env.payload).unwrap();
    // changes 2, 3, 4: record 3 is unidentified (not shared); dental withheld from the rest
    assert_eq!(items.len(), 2);
    for it in &items {
        let homeward_adapters::Item::Entry(r) = &it.item else {
            panic!()
        };
        assert_eq!(r.kind, Kind::Missing);
        assert_eq!(r.dental, None);
    }
    assert!(f.backend.was_shared("state", &recs[2].id));
    assert!(!f.backend.was_shared("state", &recs[3].id));
    let (status, body) = call(&f.app, get("/v1/changes?cursor=bad%20cursor", true)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_slice::<ErrorBody>(&body).unwrap().error,
        "bad_cursor"
    );
    // a cursor this gateway never issued is the caller's mistake, not the server's (fuzzing)
    let (status, body) = call(&f.app, get("/v1/changes?cursor=nope", true)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_slice::<ErrorBody>(&body).unwrap().error,
        "bad_cursor"
    );
    let (status, body) = call(&f.app, get("/v1/changes?limit=many", true)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_slice::<ErrorBody>(&body).unwrap().error,
        "bad_query"
    );
}

#[tokio::test]
async fn a_store_failure_is_retriable_and_logged() {
    let f = fixture();
    f.backend
        .fail_next(crate::backend::BackendError::retriable("store busy"));
    let items = vec![PayloadItem::Record(Box::new(
        synthetic_records("TX", 1).remove(0),
    ))];
    let env = Envelope::seal(
        Draft::push(
            "state",
            "hub",
            "x-2",
            CANONICAL_FORMAT,
            Bytes::from(encode_canonical(&items).unwrap()),
        ),
        &f.partner_key,
        Utc::now(),
    )
    .unwrap();
    let mut req = Request::post("/v1/exchanges")
        .body(Body::from(env.to_wire()))
        .unwrap();
    req.extensions_mut().insert(peer());
    let (status, body) = call(&f.app, req).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let e: ErrorBody = serde_json::from_slice(&body).unwrap();
    assert!(e.retriable);
    assert_eq!(e.error, "backend_unavailable");
    let last = f.service.evidence.all().unwrap().pop().unwrap();
    assert_eq!(
        (last.kind, last.outcome.status),
        (EntryKind::PushRefused, 503)
    );
    assert_eq!(f.backend.len(), 0);
}
