//! `homeward keys generate` and `keys show`, run as a binary.

// The helper outside `#[test]` functions unwraps too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::partners::PartnerRegistry;

fn homeward(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn generate_writes_private_files_and_a_usable_registry_entry() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keys");
    let out_s = out.to_str().unwrap();
    let o = homeward(&[
        "keys",
        "generate",
        "--out",
        out_s,
        "--id",
        "state.example",
        "--endpoint",
        "https://127.0.0.1:9443",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(!stdout.contains("PRIVATE"), "private material printed");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("PRIVATE"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["signing.key", "tls.key"] {
            let mode = std::fs::metadata(out.join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
    }
    // what it printed is the registry entry partners paste, and it names these keys
    let id = GatewayIdentity::load_dir("state.example", &out).unwrap();
    let reg = PartnerRegistry::from_toml(&stdout, Path::new(".")).unwrap();
    let p = reg.get("state.example").unwrap();
    assert_eq!(p.keys[0].key, id.signing.public());
    assert_eq!(p.trust.fingerprints, vec![id.tls.fingerprint()]);
    assert_eq!(p.endpoint.port, 9443);
    assert_eq!(
        std::fs::read_to_string(out.join("partner.toml")).unwrap(),
        stdout
    );

    // existing keys are not replaced without --force
    let o = homeward(&["keys", "generate", "--out", out_s, "--id", "state.example"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    let o = homeward(&[
        "keys",
        "generate",
        "--out",
        out_s,
        "--id",
        "state.example",
        "--force",
    ]);
    assert!(o.status.success());
    let again = GatewayIdentity::load_dir("state.example", &out).unwrap();
    assert_ne!(again.signing.public(), id.signing.public());

    // show prints the entry again
    let o = homeward(&["keys", "show", "--dir", out_s, "--id", "state.example"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains(&again.signing.public().to_base64()));

    // a key file others can read is refused
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            out.join("signing.key"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let o = homeward(&["keys", "show", "--dir", out_s, "--id", "state.example"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("chmod 600"));
    }
}

#[test]
fn a_bad_gateway_id_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = homeward(&[
        "keys",
        "generate",
        "--out",
        dir.path().to_str().unwrap(),
        "--id",
        "no spaces",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--id"));
}
