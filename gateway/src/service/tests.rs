//! The service's configuration and its start and stop, in process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use homeward_exchange::keys::GatewayIdentity;

use super::config::PullFeed;
use super::*;
use crate::config::Config;

fn partner_entry(id: &str) -> String {
    let identity = GatewayIdentity::generate(id, 30).unwrap();
    identity.partner_entry("https://127.0.0.1:9443")
}

#[test]
fn the_running_gateways_sections_are_read() {
    let text = format!(
        r#"
[gateway]
id = "hub.example"
name = "National hub"

[listen]
partners = "127.0.0.1:0"

[identity]
dir = "keys/hub"

[exchange]
max_clock_skew_secs = 120
max_body_bytes = 1048576
[exchange.retry]
max_attempts = 3
initial_delay_ms = 10

[federation]
push_to = ["state.example"]
poll_interval_ms = 50
[[federation.pull]]
partner = "intl.example"
feed = "pfif"
interval_ms = 200

{}
{}
"#,
        partner_entry("state.example"),
        partner_entry("intl.example")
    );
    let c = Config::parse(&text).unwrap();
    assert_eq!(c.gateway.as_ref().unwrap().id, "hub.example");
    assert_eq!(c.listen.as_ref().unwrap().partners.port(), 0);
    assert_eq!(c.partners.len(), 2);
    assert_eq!(c.exchange.max_clock_skew_secs, 120);
    assert_eq!(c.exchange.retry.max_attempts, 3);
    let limits = c.exchange.server_limits();
    assert_eq!(limits.max_body_bytes, 1048576);
    assert_eq!(limits.max_clock_skew.num_seconds(), 120);
    assert_eq!(c.exchange.client_settings().retry.initial_delay_ms, 10);
    assert_eq!(c.federation.push_to, vec!["state.example".to_string()]);
    assert_eq!(c.federation.pull[0].feed, PullFeed::Pfif);
    assert_eq!(c.federation.pull[0].interval_ms, 200);
    assert!(load_registry(&c).is_ok());
    // relative to the configuration file
    let mut c = c;
    c.base_dir = Some("/etc/homeward".into());
    assert_eq!(
        c.identity_dir(),
        std::path::PathBuf::from("/etc/homeward/keys/hub")
    );
}

#[test]
fn mistakes_in_the_sections_are_named() {
    let bad = |text: &str, needle: &str| {
        let e = Config::parse(text).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    };
    bad(
        "[federation]\npush_to = [\"nobody\"]\n",
        "push_to[0]: `nobody` is not a [[partners]] id",
    );
    bad(
        "[[federation.pull]]\npartner = \"nobody\"\n",
        "partner `nobody` is not a [[partners]] id",
    );
    bad("[gateway]\nid = \"has space\"\n", "[gateway] id");
    bad(
        "[exchange]\npage_limit = 0\n",
        "page_limit must be at least 1",
    );
    bad("[exchange.retry]\njitter = 2.0\n", "[exchange.retry]");
    bad("[federation]\npush_too = []\n", "unknown field");
    bad(
        "[listen]\npartners = \"not an address\"\n",
        "socket address",
    );
    let defaults = Config::parse("").unwrap();
    assert!(defaults.gateway.is_none());
    assert_eq!(defaults.federation.poll_interval_ms, 1000);
    assert_eq!(defaults.exchange.max_clock_skew_secs, 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_starts_and_stops_with_its_tasks() {
    let dir = tempfile::tempdir().unwrap();
    // no [gateway]: refused, saying what is missing
    let e = Gateway::start(&Config::default(), dir.path())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("[listen]"), "{e}");
    let text = "[gateway]\nid = \"solo.example\"\n[listen]\npartners = \"127.0.0.1:0\"\n";
    let mut config = Config::parse(text).unwrap();
    config.base_dir = Some(dir.path().to_path_buf());
    let e = Gateway::start(&config, &dir.path().join("data"))
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Keys { .. }), "{e}");

    GatewayIdentity::generate("solo.example", 30)
        .unwrap()
        .save_dir(&dir.path().join("keys"), "https://127.0.0.1:1", false)
        .unwrap();
    let mut running = Gateway::start(&config, &dir.path().join("data"))
        .await
        .unwrap();
    assert_ne!(running.partner_addr().port(), 0);
    assert_eq!(running.store().evidence_len().unwrap(), 0);
    let stopped = Arc::new(AtomicBool::new(false));
    let flag = stopped.clone();
    running.spawn("waiter", move |mut stop| async move {
        stop.stopped().await;
        flag.store(true, Ordering::SeqCst);
    });
    running.shutdown().await;
    assert!(stopped.load(Ordering::SeqCst));
    // the store is closed: it opens again
    assert!(Store::open(&dir.path().join("data"), Default::default()).is_ok());
}
