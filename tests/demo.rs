//! `homeward demo` as a user runs it on a fresh machine: nothing but the binary. Three gateways
//! sync on loopback; the report names what moved, what was refused and the hub's best
//! identification candidates with reasons; all of it in well under a minute.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn the_demo_runs_three_gateways_and_reports_within_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .arg("demo")
        .arg("--dir")
        .arg(dir.path())
        .env_remove("HOMEWARD_CONFIG")
        .env_remove("HOMEWARD_DATA_DIR")
        .env_remove("RUST_LOG")
        // a fresh machine: no ../shared, no configuration, another working directory
        .current_dir(dir.path())
        .output()
        .unwrap();
    let took = t.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}\n{err}");
    assert!(took < Duration::from_secs(60), "took {took:?}\n{text}");
    assert!(err.trim().is_empty(), "no log noise: {err}");
    for section in [
        "WHAT MOVED",
        "WHAT WAS REFUSED",
        "TOP IDENTIFICATION CANDIDATES AT THE HUB",
    ] {
        assert!(text.contains(section), "{section}\n{text}");
    }
    // What moved: each gateway holds records; the hub got the state's push and the partner's
    // feed.
    let gateways = ["state.demo", "hub.demo", "intl.demo"];
    for g in gateways {
        assert!(text.lines().any(|l| l.starts_with(g)), "{g}\n{text}");
    }
    assert!(text.contains("push_received"), "{text}");
    assert!(text.contains("feed_received"), "{text}");
    assert!(text.contains("state.demo with hub.demo"), "{text}");
    // What was refused: the broken extract and the stray locate set aside, quarantine, the
    // stranger's TLS handshake, the pushes while the hub was down.
    assert!(
        text.contains("ZZ-broken-extract.ncic set aside in failed/"),
        "{text}"
    );
    assert!(
        text.contains("ZZ-locates.ncic set aside in failed/"),
        "{text}"
    );
    assert!(text.contains("item(s) in quarantine"), "{text}");
    assert!(text.contains("tls_refused (tls_unregistered)"), "{text}");
    assert!(text.contains("push_failed (unreachable)"), "{text}");
    // Identification candidates with reasons, most of them right by the world's truth.
    let shown = text
        .lines()
        .filter(|l| l.contains(" may be missing person "))
        .count();
    assert_eq!(shown, 5, "{text}");
    let right = text
        .matches("[the same person in the world's truth]")
        .count();
    assert!(right >= 4, "{right} of 5 right\n{text}");
    assert!(text.matches("   reasons: ").count() >= 5, "{text}");
    // The gateways' directories are kept with --dir: stores, keys, configurations.
    for g in gateways {
        assert!(dir.path().join(g).join("homeward.toml").exists());
        assert!(dir.path().join(g).join("keys/signing.key").exists());
    }
    // And each configuration passes `config check`.
    for g in gateways {
        let c = Command::new(env!("CARGO_BIN_EXE_homeward"))
            .args(["config", "check"])
            .arg(dir.path().join(g).join("homeward.toml"))
            .output()
            .unwrap();
        assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stdout));
    }
}
