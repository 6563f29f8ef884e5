use std::path::Path;

use bytes::Bytes;
use chrono::{TimeDelta, Utc};

use super::*;
use crate::keys::SigningKeyPair;
use crate::memory::MemoryReplayGuard;
use crate::partners::{KeyConfig, PartnerConfig, PartnerRegistry, Timestamp};
use crate::policy::PartnerRole;

struct Fixture {
    key: SigningKeyPair,
    registry: PartnerRegistry,
    policy: VerifyPolicy,
}

fn fixture_with(validity: (Option<TimeDelta>, Option<TimeDelta>)) -> Fixture {
    let key = SigningKeyPair::generate().unwrap();
    let now = Utc::now();
    let mut cfg = PartnerConfig::pinned(
        "state.example",
        "https://127.0.0.1:1",
        PartnerRole::LawEnforcement,
        &key.public(),
        [1; 32],
    );
    cfg.keys = vec![KeyConfig {
        public_key: key.public().to_base64(),
        not_before: validity.0.map(|d| Timestamp(now + d)),
        not_after: validity.1.map(|d| Timestamp(now + d)),
    }];
    Fixture {
        key,
        registry: PartnerRegistry::from_config(&[cfg], Path::new(".")).unwrap(),
        policy: VerifyPolicy::new("hub.example"),
    }
}

fn fixture() -> Fixture {
    fixture_with((None, None))
}

fn payload() -> Bytes {
    Bytes::from_static(br#"[{"record":{"kind":"missing","id":{"source":"TX","native_id":"M1"}}}]"#)
}

fn sealed(f: &Fixture, created: chrono::DateTime<Utc>) -> Envelope {
    Envelope::seal(
        Draft::push(
            "state.example",
            "hub.example",
            "x-1",
            CANONICAL_FORMAT,
            payload(),
        ),
        &f.key,
        created,
    )
    .unwrap()
}

fn check(f: &Fixture, env: &Envelope) -> Result<String, VerifyError> {
    verify(env, &f.registry, Purpose::Push, &f.policy, Utc::now()).map(|p| p.id.clone())
}

#[test]
fn a_good_envelope_round_trips_and_verifies() {
    let f = fixture();
    let env = sealed(&f, Utc::now());
    let wire = env.to_wire();
    let back = Envelope::from_wire(Bytes::from(wire)).unwrap();
    assert_eq!(back, env);
    assert_eq!(check(&f, &back).unwrap(), "state.example");
    assert_eq!(back.header.created.timestamp_subsec_nanos() % 1_000_000, 0);
    assert_eq!(back.digest(), crate::codec::sha256(back.header_bytes()));
    // the header bytes re-encode identically (one value, one encoding)
    assert_eq!(encode_header(&back.header).unwrap(), back.header_bytes());
}

#[test]
fn the_header_layout_is_as_documented() {
    let f = fixture();
    let env = sealed(&f, Utc::now());
    let mut r = crate::codec::FieldReader::new(env.header_bytes());
    assert_eq!(r.str("tag").unwrap(), "homeward/envelope/v1");
    assert_eq!(r.u8("purpose").unwrap(), 1);
    assert_eq!(r.str("sender").unwrap(), "state.example");
    assert_eq!(r.str("receiver").unwrap(), "hub.example");
    assert_eq!(r.str("exchange_id").unwrap(), "x-1");
    assert_eq!(
        r.i64("created").unwrap(),
        env.header.created.timestamp_millis()
    );
    assert_eq!(r.fixed::<16>("nonce").unwrap(), env.header.nonce);
    assert_eq!(r.str("key_id").unwrap(), f.key.key_id());
    assert_eq!(r.str("cursor").unwrap(), "");
    assert_eq!(r.str("next_cursor").unwrap(), "");
    assert_eq!(r.str("format").unwrap(), "canonical");
    assert_eq!(r.u64("len").unwrap(), payload().len() as u64);
    assert_eq!(
        r.fixed::<32>("sha").unwrap(),
        crate::codec::sha256(&payload())
    );
    r.finish("end").unwrap();
}

#[test]
fn a_tampered_payload_is_refused() {
    let f = fixture();
    let env = sealed(&f, Utc::now());
    let mut p = payload().to_vec();
    p[20] ^= 0x20;
    let e = check(&f, &env.with_payload(Bytes::from(p))).unwrap_err();
    assert!(matches!(e, VerifyError::DigestMismatch { .. }), "{e}");
    assert_eq!((e.status(), e.code()), (400, "digest_mismatch"));
    // one byte more on the wire: the declared length no longer matches
    let mut wire = env.to_wire();
    wire.push(b' ');
    let e = Envelope::from_wire(Bytes::from(wire)).unwrap_err();
    assert_eq!(
        e,
        VerifyError::PayloadLength {
            declared: payload().len() as u64,
            actual: payload().len() as u64 + 1
        }
    );
}

#[test]
fn a_changed_digest_field_breaks_the_signature() {
    let f = fixture();
    let env = sealed(&f, Utc::now());
    let other = Bytes::from_static(b"[]");
    let mut h = env.header.clone();
    h.payload_sha256 = crate::codec::sha256(&other);
    h.payload_len = 2;
    let forged = Envelope::from_signed_header(&encode_header(&h).unwrap(), env.signature)
        .unwrap()
        .with_payload(other);
    let e = check(&f, &forged).unwrap_err();
    assert!(matches!(e, VerifyError::BadSignature { .. }), "{e}");
    assert_eq!(e.status(), 401);
}

#[test]
fn any_flipped_header_or_signature_byte_is_refused() {
    let f = fixture();
    let env = sealed(&f, Utc::now());
    let wire = env.to_wire();
    let end = wire.len() - env.payload.len();
    for i in 0..end {
        let mut w = wire.clone();
        w[i] ^= 0x01;
        match Envelope::from_wire(Bytes::from(w)) {
            Err(_) => {}
            Ok(e) => assert!(check(&f, &e).is_err(), "flipping byte {i} was accepted"),
        }
    }
}

#[test]
fn a_wrong_key_is_refused() {
    let f = fixture();
    let thief = SigningKeyPair::generate().unwrap();
    // signed by another key that claims the registered key's id
    let mut h = sealed(&f, Utc::now()).header;
    h.key_id = f.key.key_id();
    let env = Envelope::sign_header(h, &thief, payload()).unwrap();
    let e = check(&f, &env).unwrap_err();
    assert!(matches!(e, VerifyError::BadSignature { .. }), "{e}");
    // signed by an unregistered key under its own id
    let env = Envelope::seal(
        Draft::push(
            "state.example",
            "hub.example",
            "x-1",
            CANONICAL_FORMAT,
            payload(),
        ),
        &thief,
        Utc::now(),
    )
    .unwrap();
    let e = check(&f, &env).unwrap_err();
    assert_eq!(
        e,
        VerifyError::UnknownKey {
            sender: "state.example".into(),
            key_id: thief.key_id()
        }
    );
    assert_eq!((e.status(), e.code()), (401, "unknown_key"));
    // an unregistered sender
    let env = Envelope::seal(
        Draft::push(
            "stranger",
            "hub.example",
            "x-1",
            CANONICAL_FORMAT,
            payload(),
        ),
        &f.key,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(check(&f, &env).unwrap_err().status(), 403);
}

#[test]
fn key_validity_is_checked_at_creation_and_now() {
    // expired an hour ago
    let f = fixture_with((Some(TimeDelta::days(-10)), Some(TimeDelta::hours(-1))));
    let e = check(&f, &sealed(&f, Utc::now())).unwrap_err();
    assert!(matches!(e, VerifyError::KeyExpired { .. }), "{e}");
    assert_eq!((e.status(), e.code()), (401, "key_expired"));
    // valid from tomorrow
    let f = fixture_with((Some(TimeDelta::days(1)), None));
    let e = check(&f, &sealed(&f, Utc::now())).unwrap_err();
    assert!(matches!(e, VerifyError::KeyNotYetValid { .. }), "{e}");
    // valid when the envelope was created (two minutes ago) but expired a minute ago
    let f = fixture_with((None, Some(TimeDelta::minutes(-1))));
    let e = check(&f, &sealed(&f, Utc::now() - TimeDelta::minutes(2))).unwrap_err();
    match e {
        VerifyError::KeyExpired { at, .. } => assert!(at > Utc::now() - TimeDelta::seconds(5)),
        e => panic!("{e}"),
    }
    // rotation overlap: within validity
    let f = fixture_with((Some(TimeDelta::days(-1)), Some(TimeDelta::days(1))));
    assert!(check(&f, &sealed(&f, Utc::now())).is_ok());
}

#[test]
fn receiver_and_purpose_are_checked() {
    let f = fixture();
    let env = Envelope::seal(
        Draft::push(
            "state.example",
            "other.example",
            "x-1",
            CANONICAL_FORMAT,
            payload(),
        ),
        &f.key,
        Utc::now(),
    )
    .unwrap();
    let e = check(&f, &env).unwrap_err();
    assert_eq!(
        e,
        VerifyError::WrongReceiver {
            expected: "hub.example".into(),
            found: "other.example".into()
        }
    );
    assert_eq!(e.status(), 421);
    let mut d = Draft::push(
        "state.example",
        "hub.example",
        "x-1",
        CANONICAL_FORMAT,
        payload(),
    );
    d.purpose = Purpose::Changes;
    let env = Envelope::seal(d, &f.key, Utc::now()).unwrap();
    assert_eq!(check(&f, &env).unwrap_err().code(), "wrong_purpose");
}

#[test]
fn freshness_is_bounded_both_ways() {
    let f = fixture();
    let e = check(&f, &sealed(&f, Utc::now() - TimeDelta::minutes(6))).unwrap_err();
    assert!(matches!(e, VerifyError::Stale { window_s: 300, .. }), "{e}");
    let e = check(&f, &sealed(&f, Utc::now() + TimeDelta::minutes(6))).unwrap_err();
    assert!(matches!(e, VerifyError::FromTheFuture { .. }), "{e}");
    assert_eq!(e.status(), 400);
    assert!(check(&f, &sealed(&f, Utc::now() - TimeDelta::minutes(4))).is_ok());
    assert!(check(&f, &sealed(&f, Utc::now() + TimeDelta::minutes(4))).is_ok());
    let mut tight = fixture();
    tight.policy.max_skew = TimeDelta::seconds(30);
    assert!(check(&tight, &sealed(&tight, Utc::now() - TimeDelta::minutes(1))).is_err());
}

#[test]
fn replays_are_detected_and_retries_are_not() {
    let f = fixture();
    let guard = MemoryReplayGuard::new();
    let env = sealed(&f, Utc::now());
    assert!(
        guard
            .check_and_record(&ReplayKey::of(&env), env.header.created)
            .unwrap()
    );
    assert!(
        !guard
            .check_and_record(&ReplayKey::of(&env), env.header.created)
            .unwrap()
    );
    // a retry of the same exchange is re-signed with a fresh nonce
    let retry = sealed(&f, Utc::now());
    assert_eq!(retry.header.exchange_id, env.header.exchange_id);
    assert_ne!(retry.header.nonce, env.header.nonce);
    assert!(
        guard
            .check_and_record(&ReplayKey::of(&retry), retry.header.created)
            .unwrap()
    );
    // pruning forgets old keys only
    assert_eq!(guard.prune(Utc::now() - TimeDelta::minutes(10)).unwrap(), 0);
    assert_eq!(guard.prune(Utc::now() + TimeDelta::minutes(1)).unwrap(), 2);
}

#[test]
fn decoding_is_strict() {
    let f = fixture();
    let env = sealed(&f, Utc::now());
    let mut bytes = env.header_bytes().to_vec();
    bytes.push(0);
    assert!(
        decode_header(&bytes)
            .unwrap_err()
            .contains("after the last field")
    );
    let mut h = env.header.clone();
    h.sender = "bad sender".into();
    let e = decode_header(&encode_header(&h).unwrap()).unwrap_err();
    assert!(e.starts_with("sender:"), "{e}");
    let mut h = env.header.clone();
    h.cursor = "c1".into();
    assert!(
        decode_header(&encode_header(&h).unwrap())
            .unwrap_err()
            .contains("a push carries no cursor")
    );
    let e = Envelope::from_wire(Bytes::from_static(b"\x00\x00\x00\x05abc")).unwrap_err();
    assert_eq!(e.code(), "malformed");
    // sealing refuses bad fields instead of signing them
    let e = Envelope::seal(
        Draft::push(
            "state.example",
            "hub.example",
            "",
            CANONICAL_FORMAT,
            payload(),
        ),
        &f.key,
        Utc::now(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("exchange_id"), "{e}");
}
