//! The fixture is what it says, and every seed keeps every invariant.

use super::*;
use crate::envelope::{VerifyPolicy, verify};
use crate::server::ErrorBody;

/// `HOMEWARD_FUZZ_SEEDS=DIR cargo test -p homeward-exchange --lib invariants::tests::seeds`
/// writes the seeds to `DIR/<target>/<name>` (to minimise into `fuzz/corpus/`); without the
/// variable, checks that every seed keeps its target's invariants.
#[test]
fn seeds() {
    let seeds = super::seeds().unwrap();
    for t in TARGETS {
        assert!(
            seeds.iter().filter(|s| s.target == t).count() >= 20,
            "{t}: fewer than 20 seeds"
        );
    }
    if let Some(dir) = std::env::var_os("HOMEWARD_FUZZ_SEEDS") {
        let dir = std::path::PathBuf::from(dir);
        for s in &seeds {
            let d = dir.join(s.target);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(&s.name), &s.bytes).unwrap();
        }
    }
    let mut failures = Vec::new();
    for s in &seeds {
        let r = match s.target {
            "envelope" => check_envelope(&s.bytes, None),
            "receipt" => check_receipt(&s.bytes, None),
            _ => check_request(&s.bytes, None),
        };
        if let Err(e) = r {
            failures.push(format!("{}/{}: {e}", s.target, s.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_fixture_envelopes_verify_as_labelled_and_only_they_are_accepted() {
    let f = fixture().unwrap();
    let registry = f.registry.current();
    let policy = VerifyPolicy::new(HUB);
    for e in &f.envelopes {
        let got = verify(&e.envelope, &registry, Purpose::Push, &policy, check_time());
        assert_eq!(got.is_ok(), e.verifies(), "{}: {got:?}", e.name);
        if let (Err(err), Some(code)) = (&got, e.refused) {
            assert_eq!(err.code(), code, "{}", e.name);
        }
        // and the envelope check accepts exactly these
        let report = check_envelope(&e.wire, None).unwrap();
        let as_page =
            e.envelope.header.purpose == Purpose::Changes && e.envelope.header.receiver == STATE;
        assert_eq!(
            report.entries == 1,
            e.verifies() || as_page,
            "{}: {report:?}",
            e.name
        );
    }
    let n = f.envelopes.iter().filter(|e| e.applies()).count();
    assert!(n >= 5, "only {n} envelopes apply");
}

#[test]
fn pushed_by_its_sender_each_envelope_is_applied_or_refused_as_labelled() {
    let f = fixture().unwrap();
    for e in &f.envelopes {
        let sender = e.envelope.header.sender.as_str();
        let input = RequestInput::new("POST", "/v1/exchanges", &e.wire).peer(Some(sender));
        let (status, body) = send(&input).unwrap().unwrap();
        match e.refused {
            None => assert_eq!(
                status,
                200,
                "{}: {}",
                e.name,
                String::from_utf8_lossy(&body)
            ),
            Some(code) => {
                let err: ErrorBody = serde_json::from_slice(&body)
                    .unwrap_or_else(|x| panic!("{}: {x}: {body:?}", e.name));
                assert_eq!(err.error, code, "{}: {err:?}", e.name);
            }
        }
        // from a partner other than its sender: refused before anything else
        let other = if sender == COUNTY { STATE } else { COUNTY };
        let (status, body) = send(&input.clone().peer(Some(other))).unwrap().unwrap();
        assert_eq!(status, 403, "{}", e.name);
        let err: ErrorBody = serde_json::from_slice(&body).unwrap();
        assert_eq!(err.error, "sender_mismatch", "{}", e.name);
    }
}

#[test]
fn the_fixture_receipts_verify_as_labelled() {
    let f = fixture().unwrap();
    let registry = f.registry.current();
    let hub = registry.get(HUB).unwrap();
    for r in &f.receipts {
        let got = r.receipt.verify(&crate::receipt::Expected {
            partner: hub,
            me: STATE,
            exchange_id: &r.push.header.exchange_id,
            envelope_sha256: r.push.digest(),
            payload_sha256: r.push.header.payload_sha256,
            items: Some(r.items),
        });
        assert_eq!(got.is_ok(), r.valid, "{}: {got:?}", r.name);
        assert!(check_receipt(&r.wire, None).is_ok(), "{}", r.name);
    }
}

#[test]
fn request_inputs_parse_back() {
    let r = RequestInput::new("POST", "/v1/exchanges?x=1", b"\n\nbody\r\n")
        .header("content-type", "a/b")
        .peer(Some(COUNTY));
    assert_eq!(RequestInput::parse(&r.to_bytes()), Some(r.clone()));
    let r = r.peer(None);
    assert_eq!(RequestInput::parse(&r.to_bytes()), Some(r.clone()));
    let r = r.peer(Some(STATE));
    assert_eq!(RequestInput::parse(&r.to_bytes()), Some(r));
    // CRLF lines, no blank line (no body), a header without a colon
    let p = RequestInput::parse(b"GET /v1/changes\r\nx-a: 1\r\n").unwrap();
    assert_eq!(p.headers, [(b"x-a".to_vec(), b"1".to_vec())]);
    assert!(p.body.is_empty());
    assert_eq!(
        RequestInput::parse(b"GET /v1/changes\nbad header\n\n"),
        None
    );
    assert_eq!(RequestInput::parse(b"GET\n\n"), None);
    assert_eq!(RequestInput::parse(b""), None);
}
