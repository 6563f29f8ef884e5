//! Two gateways on loopback with generated keys and certificates and real mutual TLS: a state
//! agency and a national hub push and pull records; every refusal gets its status, is logged,
//! and applies nothing.

// Helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bytes::Bytes;
use chrono::{TimeDelta, Utc};
use homeward_exchange::backend::{BackendError, Outcome};
use homeward_exchange::client::{ClientError, send};
use homeward_exchange::envelope::{CANONICAL_FORMAT, Draft, ENVELOPE_MEDIA_TYPE, Envelope};
use homeward_exchange::evidence::{EntryKind, EvidenceEntry};
use homeward_exchange::fixtures::synthetic_records;
use homeward_exchange::harness::TestGateway;
use homeward_exchange::keys::{GatewayIdentity, SigningKeyPair};
use homeward_exchange::partners::{KeyConfig, Timestamp};
use homeward_exchange::payload::{PayloadItem, encode_canonical};
use homeward_exchange::policy::{FieldGroup, PartnerRole};
use homeward_exchange::server::ErrorBody;
use homeward_schemas::{Action, Kind, Record, Status, TargetRef, Transaction};
use http::Method;

const WITHHELD: [FieldGroup; 4] = [
    FieldGroup::Dental,
    FieldGroup::Dna,
    FieldGroup::Fingerprints,
    FieldGroup::FreeText,
];

/// The state agency and the hub, registered with each other. The state shares missing and
/// unidentified records with the hub, withholding dental, DNA, fingerprint details and free
/// text; the hub shares missing records with the state.
async fn pair() -> (TestGateway, TestGateway) {
    let state = TestGateway::start("state.example").await.unwrap();
    let hub = TestGateway::start("hub.example").await.unwrap();
    let mut hub_at_state = hub.as_partner(PartnerRole::Hub);
    hub_at_state.share.kinds = vec![Kind::Missing, Kind::Unidentified];
    hub_at_state.share.withhold = WITHHELD.to_vec();
    state.set_partners(&[hub_at_state]).unwrap();
    let mut state_at_hub = state.as_partner(PartnerRole::LawEnforcement);
    state_at_hub.share.kinds = vec![Kind::Missing];
    hub.set_partners(&[state_at_hub]).unwrap();
    (state, hub)
}

fn strip_local(mut r: Record) -> Record {
    r.version = 0;
    r.received_at = None;
    r
}

fn last_entry(g: &TestGateway) -> EvidenceEntry {
    let n = g.evidence.len();
    g.evidence.entries(n - 1, 1).unwrap().remove(0)
}

fn error_body(body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_pushed_and_pulled_arrive_with_the_policy_applied() {
    let (state, hub) = pair().await;
    let records = synthetic_records("TX0101300", 40);
    for r in &records {
        state.backend.insert_local(r.clone());
    }

    // push: the policy removes exactly the withheld fields
    let (pushed, withheld) = state
        .client
        .push_records("hub.example", &records, state.backend.clone())
        .await
        .unwrap();
    assert!(withheld.is_empty(), "{withheld:?}");
    let pushed = pushed.unwrap();
    assert_eq!(pushed.attempts, 1);
    assert_eq!(pushed.receipt.body.accepted(), 40);
    assert_eq!(hub.backend.len(), 40);
    for r in &records {
        let got = strip_local(hub.backend.get(&r.id).unwrap());
        let mut expected = strip_local(r.clone());
        homeward_exchange::policy::withhold(&mut expected, &WITHHELD);
        assert_eq!(got, expected, "{}", r.id);
        assert_eq!(got.dental, None);
        assert_eq!(got.dna_available, None);
        assert_eq!(got.fingerprint_class, None);
        assert!(got.texts.is_empty());
        assert_eq!(got.names, r.names);
        assert_eq!(got.marks.len(), r.marks.len());
    }
    assert!(state.backend.was_shared("hub.example", &records[0].id));

    // the same records again: unchanged, nothing new stored
    let (again, _) = state
        .client
        .push_records("hub.example", &records, state.backend.clone())
        .await
        .unwrap();
    assert_eq!(again.unwrap().receipt.body.unchanged(), 40);

    // the hub proves the exchange is in its log
    let proven = state
        .client
        .evidence_proof("hub.example", &pushed.exchange_id)
        .await
        .unwrap();
    assert_eq!(proven.len(), 1);
    assert_eq!(proven[0].kind, EntryKind::PushReceived);

    // a clear at the agency reaches the hub (lifecycle of a record the hub had)
    let cleared = &records[1];
    let clear = Transaction {
        target: TargetRef {
            kind: Some(cleared.kind),
            source: cleared.id.source.clone(),
            native_id: cleared.id.native_id.clone(),
            ..TargetRef::default()
        },
        action: Action::Clear {
            identified_as: None,
            identified_name: None,
        },
        date: Some("2026-04-01".parse().unwrap()),
        reason: None,
        source_updated_at: None,
        by: Some("TX0101300".into()),
        extra: Vec::new(),
    };
    assert!(state.backend.apply_local(&clear));
    let now_cleared = state.backend.get(&cleared.id).unwrap();
    let (p, _) = state
        .client
        .push_records("hub.example", &[now_cleared], state.backend.clone())
        .await
        .unwrap();
    let p = p.unwrap();
    assert_eq!(p.receipt.body.accepted(), 1);
    // lifecycle only: a cleared record is not shared in full; its clear is sent as a
    // transaction, which moves the hub's copy and keeps what the hub had
    assert_eq!(p.receipt.body.outcomes.len(), 1);
    assert!(p.receipt.body.outcomes[0].item.ends_with("(clear)"));
    let at_hub = hub.backend.get(&cleared.id).unwrap();
    assert_eq!(at_hub.status, Status::Cleared);
    assert_eq!(at_hub.names, cleared.names);

    // pull: the hub's own records, as its policy for the state allows (missing only)
    let mut local = synthetic_records("hub-local", 10);
    local[3].kind = Kind::Unidentified;
    for r in &local {
        hub.backend.insert_local(r.clone());
    }
    let mut cursor: Option<String> = None;
    let mut pulled: Vec<Record> = Vec::new();
    loop {
        let page = state
            .client
            .pull("hub.example", cursor.as_deref(), Some(16))
            .await
            .unwrap();
        let done = page.items.is_empty();
        for it in &page.items {
            if let homeward_adapters::Item::Entry(r) = &it.item {
                pulled.push((**r).clone());
            }
        }
        cursor = Some(page.next_cursor.clone());
        if done {
            break;
        }
    }
    let from_hub: Vec<&Record> = pulled
        .iter()
        .filter(|r| r.id.source == "hub-local")
        .collect();
    // the hub's synthetic set holds kinds missing and unidentified; only missing are shared
    let expected: Vec<&Record> = local.iter().filter(|r| r.kind == Kind::Missing).collect();
    assert_eq!(from_hub.len(), expected.len());
    assert!(from_hub.iter().all(|r| r.kind == Kind::Missing));
    // what the state pushed to the hub is not in the hub's feed for the state as new records
    // beyond the missing-kind policy
    assert!(pulled.iter().all(|r| r.kind == Kind::Missing));

    // pull into a backend: outcomes per item
    let fresh = Arc::new(homeward_exchange::memory::MemoryBackend::new());
    let (outcomes, _) = state
        .client
        .pull_into("hub.example", None, fresh.clone())
        .await
        .unwrap();
    assert!(outcomes.iter().all(|o| *o == Outcome::Accepted));
    // the cleared record comes twice: as it was, then its clear (a transaction)
    assert_eq!(fresh.len(), outcomes.len() - 1);
    assert_eq!(fresh.get(&cleared.id).unwrap().status, Status::Cleared);

    // both logs verify offline, signatures included
    let s = state.verify_evidence().unwrap();
    let h = hub.verify_evidence().unwrap();
    assert!(s.entries >= 5, "{s:?}");
    assert!(h.entries >= 5, "{h:?}");
    let kinds: Vec<EntryKind> = state
        .evidence
        .all()
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&EntryKind::PushSent));
    assert!(kinds.contains(&EntryKind::PageReceived));
    let kinds: Vec<EntryKind> = hub.evidence.all().unwrap().iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EntryKind::PushReceived));
    assert!(kinds.contains(&EntryKind::PageServed));

    // a flipped byte in the hub's log is found and the entry named
    let seq = 2;
    assert!(hub.evidence_storage.tamper(seq, 60, 0x01));
    let fault = hub.verify_evidence().unwrap_err();
    assert_eq!(fault.seq, seq);

    state.stop().await;
    hub.stop().await;
}

/// Sends `wire` as a push from the state to the hub; returns the status and body.
async fn raw_push(state: &TestGateway, wire: Vec<u8>) -> (u16, Bytes) {
    let r = state
        .client
        .send_raw(
            "hub.example",
            Method::POST,
            "/v1/exchanges",
            Some(ENVELOPE_MEDIA_TYPE),
            Bytes::from(wire),
        )
        .await
        .unwrap();
    (r.status.as_u16(), r.body)
}

fn payload(records: &[Record]) -> Bytes {
    let items: Vec<PayloadItem> = records
        .iter()
        .map(|r| PayloadItem::Record(Box::new(r.clone())))
        .collect();
    Bytes::from(encode_canonical(&items).unwrap())
}

fn envelope(from: &str, to: &str, key: &SigningKeyPair, records: &[Record]) -> Envelope {
    Envelope::seal(
        Draft::push(
            from,
            to,
            &format!("x-{}", Utc::now().timestamp_nanos_opt().unwrap_or(0)),
            CANONICAL_FORMAT,
            payload(records),
        ),
        key,
        Utc::now(),
    )
    .unwrap()
}

/// Asserts the hub refused with `status` and `code`, logged it as `kind`, and applied nothing.
async fn assert_refused(
    hub: &TestGateway,
    got: (u16, Bytes),
    status: u16,
    code: &str,
    batches_before: u64,
    records_before: usize,
) {
    assert_eq!(got.0, status, "{}", String::from_utf8_lossy(&got.1));
    let body = error_body(&got.1);
    assert_eq!(body.error, code, "{}", body.message);
    assert_eq!(body.retriable, status >= 500);
    let e = last_entry(hub);
    assert_eq!(e.kind, EntryKind::PushRefused);
    assert_eq!(e.outcome.code, code);
    assert_eq!(e.outcome.status, status);
    assert_eq!(e.partner, "state.example");
    assert_eq!(
        hub.backend.batches(),
        batches_before,
        "{code}: something was applied"
    );
    assert_eq!(hub.backend.len(), records_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_gets_its_status_is_logged_and_applies_nothing() {
    let (state, hub) = pair().await;
    // the state's previous key: registered at the hub, expired yesterday
    let old_key = SigningKeyPair::generate().unwrap();
    let mut state_at_hub = state.as_partner(PartnerRole::LawEnforcement);
    state_at_hub.keys.push(KeyConfig {
        public_key: old_key.public().to_base64(),
        not_before: Some(Timestamp(Utc::now() - TimeDelta::days(400))),
        not_after: Some(Timestamp(Utc::now() - TimeDelta::days(1))),
    });
    hub.set_partners(&[state_at_hub]).unwrap();

    let records = synthetic_records("TX0101300", 3);
    let (b0, n0) = (hub.backend.batches(), hub.backend.len());

    // 1. client without a certificate: the handshake is refused, the hub logs it
    let before = hub.evidence.len();
    let partner = state.registry.current().get("hub.example").unwrap().clone();
    let tls = homeward_exchange::tls::client_config_without_certificate(partner.clone()).unwrap();
    let env = envelope(
        "state.example",
        "hub.example",
        &state.identity.signing,
        &records,
    );
    let err = send(
        tls,
        &partner.endpoint,
        Method::POST,
        "/v1/exchanges",
        Some(ENVELOPE_MEDIA_TYPE),
        Bytes::from(env.to_wire()),
        state.client_limits(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.alert.as_deref(), Some("CertificateRequired"), "{err}");
    hub.wait_for_evidence(before + 1).await;
    let e = last_entry(&hub);
    assert_eq!(
        (e.kind, e.outcome.code.as_str()),
        (EntryKind::TlsRefused, "tls_no_certificate")
    );
    assert!(e.partner.starts_with("peer:127.0.0.1:"), "{}", e.partner);

    // 2. a certificate no partner registered: refused, logged with its fingerprint
    let stranger = TestGateway::start("stranger.example").await.unwrap();
    let mut hub_at_stranger = hub.as_partner(PartnerRole::Hub);
    hub_at_stranger.share.kinds = vec![Kind::Missing];
    stranger.set_partners(&[hub_at_stranger]).unwrap();
    let before = hub.evidence.len();
    let err = stranger
        .client
        .push(
            "hub.example",
            &[PayloadItem::Record(Box::new(records[0].clone()))],
        )
        .await
        .unwrap_err();
    match &err {
        ClientError::Transport { attempts, last, .. } => {
            assert_eq!(*attempts, 1, "a refused certificate is not retried");
            assert!(last.is_permanent(), "{last}");
        }
        e => panic!("{e}"),
    }
    hub.wait_for_evidence(before + 1).await;
    let e = last_entry(&hub);
    assert_eq!(
        (e.kind, e.outcome.code.as_str()),
        (EntryKind::TlsRefused, "tls_unregistered")
    );
    assert_eq!(
        e.partner,
        format!(
            "unregistered:{}",
            hex::encode(stranger.identity.tls.fingerprint())
        )
    );
    let mine = last_entry(&stranger);
    assert_eq!(
        (mine.kind, mine.outcome.code.as_str()),
        (EntryKind::PushFailed, "tls_refused")
    );
    assert_eq!((hub.backend.batches(), hub.backend.len()), (b0, n0));

    // 3. a tampered payload
    let env = envelope(
        "state.example",
        "hub.example",
        &state.identity.signing,
        &records,
    );
    // one byte of the payload changed in transit, length kept
    let mut p = payload(&records).to_vec();
    p[40] ^= 0x01;
    let wire = env.with_payload(Bytes::from(p)).to_wire();
    let got = raw_push(&state, wire).await;
    assert_refused(&hub, got, 400, "digest_mismatch", b0, n0).await;

    // 4. the wrong key: signed by a key that is not the state's, under the state's key id
    let thief = SigningKeyPair::generate().unwrap();
    let mut h = envelope(
        "state.example",
        "hub.example",
        &state.identity.signing,
        &records,
    )
    .header;
    h.nonce[0] ^= 1;
    let forged = Envelope::sign_header(h, &thief, payload(&records)).unwrap();
    let got = raw_push(&state, forged.to_wire()).await;
    assert_refused(&hub, got, 401, "bad_signature", b0, n0).await;
    // and an unregistered key under its own id
    let env = envelope("state.example", "hub.example", &thief, &records);
    let got = raw_push(&state, env.to_wire()).await;
    assert_refused(&hub, got, 401, "unknown_key", b0, n0).await;

    // 5. an expired key
    let env = envelope("state.example", "hub.example", &old_key, &records);
    let got = raw_push(&state, env.to_wire()).await;
    assert_refused(&hub, got, 401, "key_expired", b0, n0).await;

    // 6. a replayed exchange: accepted once, refused the second time
    let env = envelope(
        "state.example",
        "hub.example",
        &state.identity.signing,
        &records,
    );
    let first = raw_push(&state, env.to_wire()).await;
    assert_eq!(first.0, 200);
    let (b1, n1) = (hub.backend.batches(), hub.backend.len());
    assert_eq!((b1, n1), (b0 + 1, n0 + 3));
    let got = raw_push(&state, env.to_wire()).await;
    assert_refused(&hub, got, 409, "replay", b1, n1).await;

    // 7. a record outside the policy: a police agency sending an unclaimed record
    let mut unclaimed = synthetic_records("TX0101300", 2);
    unclaimed[1].kind = Kind::Unclaimed;
    let env = envelope(
        "state.example",
        "hub.example",
        &state.identity.signing,
        &unclaimed,
    );
    let got = raw_push(&state, env.to_wire()).await;
    let body = error_body(&got.1);
    assert_eq!(body.violations.len(), 1);
    assert_eq!(body.violations[0].index, 1);
    assert!(
        body.violations[0].reason.contains("medical examiners"),
        "{}",
        body.violations[0].reason
    );
    assert_refused(&hub, got, 403, "policy_violation", b1, n1).await;
    // the client reports it as permanent, without retrying
    let err = state
        .client
        .push(
            "hub.example",
            &[PayloadItem::Record(Box::new(unclaimed[1].clone()))],
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(last_entry(&state).kind, EntryKind::PushRefusedByPartner);

    // 8. sent to another gateway, stale, from the future, sender not the TLS peer
    let env = envelope(
        "state.example",
        "other.example",
        &state.identity.signing,
        &records,
    );
    let got = raw_push(&state, env.to_wire()).await;
    assert_refused(&hub, got, 421, "wrong_receiver", b1, n1).await;
    let old = Envelope::seal(
        Draft::push(
            "state.example",
            "hub.example",
            "x-stale",
            CANONICAL_FORMAT,
            payload(&records),
        ),
        &state.identity.signing,
        Utc::now() - TimeDelta::minutes(10),
    )
    .unwrap();
    let got = raw_push(&state, old.to_wire()).await;
    assert_refused(&hub, got, 400, "stale", b1, n1).await;
    hub.clock.set(TimeDelta::minutes(-10));
    let env = envelope(
        "state.example",
        "hub.example",
        &state.identity.signing,
        &records,
    );
    let got = raw_push(&state, env.to_wire()).await;
    assert_refused(&hub, got, 400, "from_the_future", b1, n1).await;
    hub.clock.set(TimeDelta::zero());
    let env = envelope(
        "stranger.example",
        "hub.example",
        &stranger.identity.signing,
        &records,
    );
    let got = raw_push(&state, env.to_wire()).await;
    assert_refused(&hub, got, 403, "sender_mismatch", b1, n1).await;
    let got = raw_push(&state, b"not an envelope".to_vec()).await;
    assert_refused(&hub, got, 400, "malformed", b1, n1).await;

    // everything above is in the hub's log, which verifies
    let summary = hub.verify_evidence().unwrap();
    let refused = hub
        .evidence
        .all()
        .unwrap()
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::PushRefused | EntryKind::TlsRefused))
        .count();
    assert!(refused >= 12, "{refused} refusals in {summary:?}");

    stranger.stop().await;
    state.stop().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retriable_failures_are_retried_with_the_same_exchange() {
    let (state, hub) = pair().await;
    let records = synthetic_records("TX0101300", 5);
    let items: Vec<PayloadItem> = records
        .iter()
        .map(|r| PayloadItem::Record(Box::new(r.clone())))
        .collect();
    hub.backend.fail_next(BackendError::retriable("disk busy"));
    let mut client_settings = state.client.settings.clone();
    client_settings.retry.initial_delay_ms = 20;
    let pushed = state
        .client_with(client_settings)
        .push("hub.example", &items)
        .await
        .unwrap();
    assert_eq!(pushed.attempts, 2);
    assert_eq!(pushed.receipt.body.accepted(), 5);
    assert_eq!(hub.backend.len(), 5);
    let log = hub.evidence.all().unwrap();
    let first = &log[log.len() - 2];
    assert_eq!(
        (
            first.kind,
            first.outcome.status,
            first.outcome.code.as_str()
        ),
        (EntryKind::PushRefused, 503, "backend_unavailable")
    );
    assert_eq!(first.exchange_id, pushed.exchange_id);

    // a partner that stays down: attempts run out, the failure is logged
    for _ in 0..3 {
        hub.backend.fail_next(BackendError::retriable("disk busy"));
    }
    let mut s = state.client.settings.clone();
    s.retry.initial_delay_ms = 5;
    s.retry.max_attempts = 1;
    let err = state
        .client_with(s)
        .push("hub.example", &items)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Unavailable {
                status: 503,
                attempts: 1,
                ..
            }
        ),
        "{err}"
    );
    state.stop().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pfif_feed_serves_what_the_policy_allows() {
    let (state, hub) = pair().await;
    // the hub gives this partner missing children only, without photos
    let mut state_at_hub = state.as_partner(PartnerRole::LawEnforcement);
    state_at_hub.share.kinds = vec![Kind::Missing];
    state_at_hub.share.children_only = true;
    state_at_hub.share.withhold = vec![FieldGroup::Photos];
    hub.set_partners(&[state_at_hub]).unwrap();
    // 0: adult, 1, 2, 4, 5: children, 3: unidentified
    let records = synthetic_records("hub-local", 6);
    for r in &records {
        hub.backend.insert_local(r.clone());
    }
    let before = hub.evidence.len();
    let resp = state
        .client
        .pfif_feed("hub.example", Some(Utc::now() - TimeDelta::hours(1)))
        .await
        .unwrap();
    assert_eq!(
        resp.status.as_u16(),
        200,
        "{}",
        String::from_utf8_lossy(&resp.body)
    );
    let ct = resp.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ct.starts_with("application/atom+xml"), "{ct}");
    let feed = String::from_utf8(resp.body.to_vec()).unwrap();
    assert!(feed.contains("<feed"), "{feed}");
    for (i, r) in records.iter().enumerate() {
        let id = format!("hub-local/{}", r.id.native_id);
        let expected = [1, 2, 4, 5].contains(&i);
        assert_eq!(
            feed.contains(&id),
            expected,
            "record {i} ({id}) in feed: {feed}"
        );
    }
    assert!(!feed.contains("photos.example.org"), "photos withheld");
    // the feed reads back with the adapters' PFIF reader
    let pfif = homeward_adapters::Registry::builtin().get("pfif").unwrap();
    let items: Vec<_> = pfif
        .reader()
        .read(
            Box::new(std::io::Cursor::new(feed.clone().into_bytes())),
            homeward_adapters::ReadContext::new("feed"),
        )
        .collect();
    let entries = items
        .iter()
        .filter(|i| matches!(i.item, homeward_adapters::Item::Entry(_)))
        .count();
    assert_eq!(entries, 4, "{items:?}");
    let e = last_entry(&hub);
    assert_eq!((e.kind, e.outcome.status), (EntryKind::FeedServed, 200));
    assert_eq!(
        e.envelope_sha256,
        homeward_exchange::codec::sha256(feed.as_bytes())
    );
    assert_eq!(hub.evidence.len(), before + 1);
    // a later min_entry_date serves nothing new
    let later = state
        .client
        .pfif_feed("hub.example", Some(Utc::now() + TimeDelta::hours(1)))
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&later.body).contains("hub-local/"));
    let bad = state
        .client
        .send_raw(
            "hub.example",
            Method::GET,
            "/v1/pfif/person?min_entry_date=yesterday",
            None,
            Bytes::new(),
        )
        .await
        .unwrap();
    assert_eq!(bad.status.as_u16(), 400);
    assert_eq!(error_body(&bad.body).error, "bad_min_entry_date");
    state.stop().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_with_413() {
    let identity = GatewayIdentity::generate("hub.example", 5).unwrap();
    let limits = homeward_exchange::server::ServerLimits {
        max_body_bytes: 4096,
        ..Default::default()
    };
    let hub = TestGateway::start_with(identity, limits).await.unwrap();
    let state = TestGateway::start("state.example").await.unwrap();
    let mut hub_at_state = hub.as_partner(PartnerRole::Hub);
    hub_at_state.share.kinds = vec![Kind::Missing];
    state.set_partners(&[hub_at_state]).unwrap();
    hub.set_partners(&[state.as_partner(PartnerRole::LawEnforcement)])
        .unwrap();
    let records = synthetic_records("TX0101300", 20);
    let env = envelope(
        "state.example",
        "hub.example",
        &state.identity.signing,
        &records,
    );
    let got = raw_push(&state, env.to_wire()).await;
    assert_refused(&hub, got, 413, "too_large", 0, 0).await;
    state.stop().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wire_format_payload_goes_through_the_adapters_registry() {
    let (state, hub) = pair().await;
    let (b0, n0) = (hub.backend.batches(), hub.backend.len());
    let env = Envelope::seal(
        Draft::push(
            "state.example",
            "hub.example",
            "x-morse",
            "morse",
            Bytes::from_static(b"... --- ..."),
        ),
        &state.identity.signing,
        Utc::now(),
    )
    .unwrap();
    let got = raw_push(&state, env.to_wire()).await;
    assert_refused(&hub, got, 415, "unknown_format", b0, n0).await;
    // a registered wire format: whatever its reader makes of the bytes is answered per item
    let env = Envelope::seal(
        Draft::push(
            "state.example",
            "hub.example",
            "x-ncic",
            "ncic",
            Bytes::from_static(b"not an ncic message\n"),
        ),
        &state.identity.signing,
        Utc::now(),
    )
    .unwrap();
    let got = raw_push(&state, env.to_wire()).await;
    assert_eq!(got.0, 200, "{}", String::from_utf8_lossy(&got.1));
    let receipt = homeward_exchange::receipt::Receipt::from_wire(&got.1).unwrap();
    assert!(
        receipt
            .body
            .outcomes
            .iter()
            .all(|o| matches!(o.outcome, Outcome::Rejected(_)))
    );
    assert_eq!(hub.backend.len(), n0);
    assert!(!hub.backend.quarantine().is_empty());

    // a real NCIC file of the shared samples, pushed as it is
    let path = homeward_adapters::testdata::world_small().join("wire/AL-state.ncic");
    let bytes = std::fs::read(&path).unwrap();
    let ncic = homeward_adapters::Registry::builtin().get("ncic").unwrap();
    let local: Vec<_> = ncic
        .reader()
        .read(
            Box::new(std::io::Cursor::new(bytes.clone())),
            homeward_adapters::ReadContext::new("local"),
        )
        .collect();
    let entries = local
        .iter()
        .filter(|i| matches!(i.item, homeward_adapters::Item::Entry(_)))
        .count();
    assert!(entries > 5, "{entries}");
    let pushed = state
        .client
        .push_payload(
            "hub.example",
            "ncic",
            Bytes::from(bytes),
            Some(local.len()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(pushed.receipt.body.outcomes.len(), local.len());
    assert_eq!(pushed.receipt.body.accepted(), entries);
    assert_eq!(hub.backend.len(), n0 + entries);
    state.stop().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_dropped_after_the_handshake_timeout_and_logged() {
    let identity = GatewayIdentity::generate("hub.example", 5).unwrap();
    let limits = homeward_exchange::server::ServerLimits {
        handshake_timeout: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let hub = TestGateway::start_with(identity, limits).await.unwrap();
    let addr = hub.endpoint().trim_start_matches("https://").to_string();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    hub.wait_for_evidence(1).await;
    let e = last_entry(&hub);
    assert_eq!(
        (e.kind, e.outcome.code.as_str()),
        (EntryKind::TlsRefused, "tls_timeout")
    );
    // the server closed the connection
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert_eq!(n, 0);
    hub.stop().await;
}
