//! Security refusals not covered elsewhere (docs/reliability.md, "Security checks", lists
//! where every case is tested), each against a running gateway with a real sled store and real
//! mutual TLS, each refused AND recorded: a partner's expired TLS certificate; envelopes signed
//! with another registered partner's key or relayed by another partner; file-drop inbox entries
//! that would lead out of the inbox (symbolic links, names with control characters).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/net.rs"]
mod net;
#[path = "support/ops.rs"]
mod ops;

use bytes::Bytes;
use chrono::{TimeDelta, Utc};
use homeward_exchange::client::{ClientError, ExchangeClient};
use homeward_exchange::envelope::{CANONICAL_FORMAT, Draft, ENVELOPE_MEDIA_TYPE, Envelope};
use homeward_exchange::evidence::EntryKind;
use homeward_exchange::keys::{GatewayIdentity, SigningKeyPair, TlsIdentity};
use homeward_exchange::payload::encode_canonical;
use homeward_exchange::policy::PartnerRole;
use homeward_gateway::service::Running;
use homeward_schemas::Record;
use homeward_store::AuditOutcome;
use http::Method;
use net::*;

const SRC: &str = "TX0101300";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_whose_tls_certificate_expired_is_refused_at_the_handshake_and_logged() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = Node::new(tmp.path(), HUB);
    // the state's certificate was valid for two days, ten days ago; it is still the one the
    // hub has registered for it
    let mut identity = GatewayIdentity::generate(STATE, 30).unwrap();
    identity.tls =
        TlsIdentity::generate_self_signed_at(STATE, Utc::now() - TimeDelta::days(10), 2).unwrap();
    let state = Node::with_identity(tmp.path(), STATE, identity);
    hub.write_config(
        vec![state.as_partner(PartnerRole::LawEnforcement)],
        "[federation]\nexpire_interval_ms = 0",
    );
    let h = hub.start().await;
    let before = footprint(h.store());
    let log = h.federation().evidence.len();
    let client = client_as(state.identity(), &hub, quick_retry(3));
    let e = client
        .push(HUB, &items(&batch(SRC, 1, 3)))
        .await
        .unwrap_err();
    match &e {
        ClientError::Transport { attempts, last, .. } => {
            assert_eq!(*attempts, 1, "a refused certificate is not retried: {e}");
            assert!(last.is_permanent(), "{last}");
        }
        other => panic!("{other}"),
    }
    wait_until("the refusal in the hub's log", || {
        entries_since(&h, log)
            .iter()
            .any(|e| e.kind == EntryKind::TlsRefused && e.outcome.code == "tls_expired")
    })
    .await;
    let entry = entries_since(&h, log)
        .into_iter()
        .find(|e| e.outcome.code == "tls_expired")
        .unwrap();
    assert!(entry.outcome.detail.contains("has expired"), "{entry:?}");
    assert_eq!(entry.partner, STATE, "logged under the partner it names");
    assert_eq!(footprint(h.store()), before, "nothing applied");
    h.shutdown().await;
}

/// Sends `env` to the hub through `client` (whose TLS certificate says who is calling).
async fn send(client: &ExchangeClient, env: &Envelope) -> (u16, serde_json::Value) {
    let r = client
        .send_raw(
            HUB,
            Method::POST,
            "/v1/exchanges",
            Some(ENVELOPE_MEDIA_TYPE),
            Bytes::from(env.to_wire()),
        )
        .await
        .unwrap();
    (
        r.status.as_u16(),
        serde_json::from_slice(&r.body).unwrap_or_default(),
    )
}

async fn assert_refused(
    h: &Running,
    got: (u16, serde_json::Value),
    status: u16,
    code: &str,
    partner: &str,
) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["error"], code, "{}", got.1);
    assert_eq!(got.1["retriable"], false);
    let e = entries_since(h, 0).pop().unwrap();
    assert_eq!(
        (e.kind, e.outcome.code.as_str(), e.outcome.status),
        (EntryKind::PushRefused, code, status)
    );
    assert_eq!(e.partner, partner);
}

fn payload(records: &[Record]) -> Bytes {
    Bytes::from(encode_canonical(&items(records)).unwrap())
}

fn sealed(sender: &str, key: &SigningKeyPair, records: &[Record]) -> Envelope {
    let xid = homeward_exchange::clock::new_exchange_id().unwrap();
    Envelope::seal(
        Draft::push(sender, HUB, &xid, CANONICAL_FORMAT, payload(records)),
        key,
        Utc::now(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelopes_signed_or_relayed_by_another_partner_are_refused_and_logged() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = Node::new(tmp.path(), HUB);
    let state = Node::new(tmp.path(), STATE);
    let county = Node::new(tmp.path(), COUNTY);
    let mut county_at_hub = county.as_partner(PartnerRole::LawEnforcement);
    county_at_hub.accept.sources = vec!["CO".into()];
    let mut state_at_hub = state.as_partner(PartnerRole::LawEnforcement);
    state_at_hub.accept.sources = vec!["TX".into()];
    hub.write_config(
        vec![state_at_hub, county_at_hub],
        "[federation]\nexpire_interval_ms = 0",
    );
    let h = hub.start().await;
    let as_state = client_as(state.identity(), &hub, quick_retry(1));
    let as_county = client_as(county.identity(), &hub, quick_retry(1));
    let county_key = county.identity().signing;
    let state_key = state.identity().signing;
    let records = batch(SRC, 1, 3);
    let before = footprint(h.store());

    // the state's exchange signed with the county's key (its key id): not a key of the state
    let env = sealed(STATE, &county_key, &records);
    assert_refused(&h, send(&as_state, &env).await, 401, "unknown_key", STATE).await;
    // the county's signature under the state's key id
    let genuine = sealed(STATE, &state_key, &records);
    let forged =
        Envelope::sign_header(genuine.header.clone(), &county_key, payload(&records)).unwrap();
    assert_refused(
        &h,
        send(&as_state, &forged).await,
        401,
        "bad_signature",
        STATE,
    )
    .await;
    // the state's genuine envelope, relayed by the county over its own connection
    assert_refused(
        &h,
        send(&as_county, &genuine).await,
        403,
        "sender_mismatch",
        COUNTY,
    )
    .await;
    // the state's records re-signed by the county as its own: it does not speak for Texas
    let env = sealed(COUNTY, &county_key, &records);
    assert_refused(
        &h,
        send(&as_county, &env).await,
        403,
        "policy_violation",
        COUNTY,
    )
    .await;
    assert_eq!(footprint(h.store()), before, "nothing applied");
    // the genuine envelope, from its sender, is taken (once)
    let (status, body) = send(&as_state, &genuine).await;
    assert_eq!(status, 200, "{body}");
    assert_refused(&h, send(&as_state, &genuine).await, 409, "replay", STATE).await;
    assert_eq!(footprint(h.store()).0, before.0 + 3);
    h.shutdown().await;
    let o = hub.log_verify(None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_drop_entries_that_lead_out_of_the_inbox_are_refused_and_audited() {
    let job = "[[jobs]]\nid = \"tx-inbox\"\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"ncic\"\nschedule = \"*/1 * * * * *\"\n";
    let gw = ops::Gateway::start(&format!("{}{job}", ops::HEAD), None).await;
    let inbox = gw.path("drop/inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    // records outside the drop directory (another partner's drop, a system file...)
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("other-partner.ncic");
    let secret_text = format!("{}{}", ops::ncic_line(901), ops::ncic_line(902));
    std::fs::write(&secret, &secret_text).unwrap();
    std::os::unix::fs::symlink(&secret, inbox.join("evil.ncic")).unwrap();
    std::os::unix::fs::symlink("../../../..", inbox.join("up")).unwrap();
    std::fs::write(inbox.join("esc\u{1b}[2J.ncic"), ops::ncic_line(903)).unwrap();
    std::fs::write(inbox.join("good.ncic"), ops::ncic_line(1)).unwrap();
    let audit_before = gw.store.audit_last_seq().unwrap();

    let done = gw.path("drop/done/good.ncic");
    let refused = || {
        std::fs::read_dir(gw.path("drop/failed"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| {
                        let n = e.file_name().to_string_lossy().into_owned();
                        n.starts_with("refused-") && !n.ends_with(".reason.txt")
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    assert!(
        ops::wait_until(15, || done.exists() && refused() == 3).await,
        "the job took the good file and set the three others aside"
    );
    // only the good file's record was imported; what the links point to was never read
    assert_eq!(gw.store.stats().unwrap().records, 1);
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), secret_text);
    assert!(
        inbox.read_dir().unwrap().next().is_none(),
        "the inbox is empty"
    );

    let entries = gw.store.audit_after(audit_before, 100).unwrap();
    let mut targets: Vec<String> = entries
        .iter()
        .filter(|e| e.action.action == "file-drop inbox entry refused")
        .map(|e| {
            assert_eq!(e.action.outcome, AuditOutcome::Refused);
            assert_eq!(e.action.actor, "job:tx-inbox");
            assert!(e.action.detail.contains("moved to"), "{:?}", e.action);
            e.action.target.clone().unwrap()
        })
        .collect();
    targets.sort();
    assert_eq!(targets, ["esc\\u{1b}[2J.ncic", "evil.ncic", "up"]);
    let link = entries
        .iter()
        .find(|e| e.action.target.as_deref() == Some("evil.ncic"))
        .unwrap();
    assert!(link.action.detail.contains("symbolic link"), "{:?}", link);
    gw.stop().await;
}
