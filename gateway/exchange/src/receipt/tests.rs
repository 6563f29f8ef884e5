use std::path::Path;

use chrono::Utc;

use super::*;
use crate::partners::{PartnerConfig, PartnerRegistry};
use crate::policy::PartnerRole;

fn body() -> ReceiptBody {
    ReceiptBody {
        sender: "hub".into(),
        receiver: "state".into(),
        exchange_id: "x-1".into(),
        envelope_sha256: [1; 32],
        payload_sha256: [2; 32],
        created: Utc::now(),
        key_id: String::new(),
        outcomes: vec![
            ItemOutcome {
                index: 0,
                item: "TX/M1".into(),
                outcome: Outcome::Accepted,
            },
            ItemOutcome {
                index: 1,
                item: "TX/M2".into(),
                outcome: Outcome::Unchanged,
            },
            ItemOutcome {
                index: 2,
                item: "TX/M3 (clear)".into(),
                outcome: Outcome::Rejected("no such record".into()),
            },
        ],
    }
}

fn partner(key: &SigningKeyPair) -> std::sync::Arc<Partner> {
    let cfg = PartnerConfig::pinned(
        "hub",
        "https://h:1",
        PartnerRole::Hub,
        &key.public(),
        [3; 32],
    );
    PartnerRegistry::from_config(&[cfg], Path::new("."))
        .unwrap()
        .get("hub")
        .unwrap()
        .clone()
}

fn expected(p: &Partner) -> Expected<'_> {
    Expected {
        partner: p,
        me: "state",
        exchange_id: "x-1",
        envelope_sha256: [1; 32],
        payload_sha256: [2; 32],
        items: Some(3),
    }
}

#[test]
fn receipts_round_trip_and_verify() {
    let key = SigningKeyPair::generate().unwrap();
    let r = Receipt::sign(body(), &key).unwrap();
    assert_eq!(
        (r.body.accepted(), r.body.unchanged(), r.body.rejected()),
        (1, 1, 1)
    );
    let back = Receipt::from_wire(&r.to_wire()).unwrap();
    assert_eq!(back, r);
    let p = partner(&key);
    back.verify(&expected(&p)).unwrap();
    assert_eq!(
        ReceiptBody::decode(back.body_bytes())
            .unwrap()
            .encode()
            .unwrap(),
        back.body_bytes()
    );
}

#[test]
fn every_mismatch_is_named() {
    let key = SigningKeyPair::generate().unwrap();
    let p = partner(&key);
    let sign = |b: ReceiptBody| Receipt::sign(b, &key).unwrap();
    let e = |r: Receipt| r.verify(&expected(&p)).unwrap_err();

    assert!(matches!(
        e(sign(ReceiptBody {
            sender: "x".into(),
            ..body()
        })),
        ReceiptError::WrongSender { .. }
    ));
    assert!(matches!(
        e(sign(ReceiptBody {
            receiver: "x".into(),
            ..body()
        })),
        ReceiptError::WrongReceiver { .. }
    ));
    assert!(matches!(
        e(sign(ReceiptBody {
            exchange_id: "x-2".into(),
            ..body()
        })),
        ReceiptError::ExchangeMismatch { .. }
    ));
    assert!(matches!(
        e(sign(ReceiptBody {
            envelope_sha256: [9; 32],
            ..body()
        })),
        ReceiptError::EnvelopeMismatch { .. }
    ));
    assert!(matches!(
        e(sign(ReceiptBody {
            payload_sha256: [9; 32],
            ..body()
        })),
        ReceiptError::PayloadMismatch { .. }
    ));
    let mut short = body();
    short.outcomes.pop();
    assert_eq!(
        e(sign(short)),
        ReceiptError::OutcomeCount {
            expected: 3,
            found: 2
        }
    );
    let other = SigningKeyPair::generate().unwrap();
    let r = Receipt::sign(body(), &other).unwrap();
    assert!(matches!(
        r.verify(&expected(&p)),
        Err(ReceiptError::UnknownKey(_))
    ));
    // a flipped byte anywhere in the signed body or signature
    let r = sign(body());
    let wire = r.to_wire();
    for i in 0..wire.len() {
        let mut w = wire.clone();
        w[i] ^= 0x04;
        if let Ok(x) = Receipt::from_wire(&w) {
            assert!(x.verify(&expected(&p)).is_err(), "byte {i}");
        }
    }
}

#[test]
fn decoding_refuses_inconsistent_outcomes() {
    let key = SigningKeyPair::generate().unwrap();
    let r = Receipt::sign(body(), &key).unwrap();
    let mut bytes = r.body_bytes().to_vec();
    // turn the last outcome (rejected, with a reason) into "accepted" with a reason
    let reason_len = "no such record".len();
    let code_at = bytes.len() - reason_len - 4 - 1;
    assert_eq!(bytes[code_at], 2);
    bytes[code_at] = 0;
    assert!(ReceiptBody::decode(&bytes).is_err());
    assert!(Receipt::from_wire(b"\x00\x00\x00\x01x").is_err());
}
