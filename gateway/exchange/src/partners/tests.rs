use std::path::Path;

use homeward_schemas::Kind;

use super::*;
use crate::keys::{SigningKeyPair, TlsCa};
use crate::policy::{FieldGroup, PartnerRole};

fn key_b64() -> String {
    SigningKeyPair::generate().unwrap().public().to_base64()
}

fn good(key: &str, fp: &str) -> String {
    format!(
        r#"
[[partners]]
id = "hub.example.org"
endpoint = "https://127.0.0.1:8443/federation/"
role = "hub"

[[partners.keys]]
public_key = "{key}"
not_before = 2026-01-01T00:00:00Z
not_after = "2027-01-01T00:00:00Z"

[partners.tls]
fingerprints = ["{fp}"]

[partners.share]
kinds = ["missing", "unidentified"]
jurisdictions = ["US-TX", "mx"]
children_only = true
withhold = ["dental", "dna", "fingerprints", "free_text"]

[partners.accept]
sources = ["TX"]
"#
    )
}

#[test]
fn a_good_registry_loads() {
    let key = key_b64();
    let fp = "ab".repeat(32);
    let reg = PartnerRegistry::from_toml(&good(&key, &fp), Path::new(".")).unwrap();
    let p = reg.get("hub.example.org").unwrap();
    assert_eq!(p.endpoint.host, "127.0.0.1");
    assert_eq!(p.endpoint.port, 8443);
    assert_eq!(p.endpoint.base_path, "/federation");
    assert_eq!(p.role, PartnerRole::Hub);
    assert_eq!(p.keys.len(), 1);
    let k = &p.keys[0];
    assert_eq!(
        k.not_before.unwrap().to_rfc3339(),
        "2026-01-01T00:00:00+00:00"
    );
    assert_eq!(
        k.not_after.unwrap().to_rfc3339(),
        "2027-01-01T00:00:00+00:00"
    );
    assert!(p.key(&k.key_id).is_some());
    assert_eq!(
        p.share.withhold,
        vec![
            FieldGroup::Dental,
            FieldGroup::Dna,
            FieldGroup::Fingerprints,
            FieldGroup::FreeText
        ]
    );
    assert_eq!(p.share.jurisdictions[1].as_str(), "MX");
    assert_eq!(p.share.statuses, vec![homeward_schemas::Status::Active]);
    assert_eq!(
        p.inbound.kinds,
        vec![Kind::Missing, Kind::Unidentified, Kind::Unclaimed]
    );
    assert!(reg.by_fingerprint(&[0xab; 32]).is_some());
    // a rotation boundary: valid up to, not at, not_after
    let t = k.not_after.unwrap();
    assert_eq!(k.validity_at(t), KeyValidity::Expired(t));
    assert_eq!(
        k.validity_at(t - chrono::TimeDelta::seconds(1)),
        KeyValidity::Valid
    );
}

#[test]
fn unknown_keys_and_bad_enums_name_line_and_column() {
    let key = key_b64();
    let fp = "ab".repeat(32);
    let text = good(&key, &fp).replace("children_only", "childrens_only");
    let e = PartnerRegistry::from_toml(&text, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("childrens_only") && e.contains("line"), "{e}");
    let text = good(&key, &fp).replace("\"dna\"", "\"dns\"");
    let e = PartnerRegistry::from_toml(&text, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("dns") && e.contains("free_text"), "{e}");
    let text = good(&key, &fp).replace("\"US-TX\"", "\"Texas\"");
    let e = PartnerRegistry::from_toml(&text, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ISO 3166"), "{e}");
    let text = good(&key, &fp).replace("2026-01-01T00:00:00Z", "2026-01-01");
    let e = PartnerRegistry::from_toml(&text, Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("RFC 3339"), "{e}");
}

fn problems(text: &str) -> Vec<String> {
    match PartnerRegistry::from_toml(text, Path::new(".")) {
        Err(e) => e.problems().iter().map(|p| p.to_string()).collect(),
        Ok(_) => Vec::new(),
    }
}

#[test]
fn validation_names_every_problem_precisely() {
    let key = key_b64();
    let fp = "ab".repeat(32);
    let g = good(&key, &fp);
    let p = problems(&g.replace(
        "https://127.0.0.1:8443/federation/",
        "http://127.0.0.1:8443",
    ));
    assert_eq!(
        p,
        vec![
            "partners[0].endpoint: `http://127.0.0.1:8443` must start with https:// (exchanges only run over mutual TLS)"
        ]
    );
    let p = problems(&g.replace(&key, "AAAA"));
    assert_eq!(
        p,
        vec![
            "partners[0].keys[0].public_key: public key: an ed25519 public key is 32 bytes, this is 3"
        ]
    );
    let p = problems(&g.replace(
        "not_after = \"2027-01-01T00:00:00Z\"",
        "not_after = \"2025-01-01T00:00:00Z\"",
    ));
    assert!(
        p[0].starts_with(
            "partners[0].keys[0].not_after: 2025-01-01 00:00:00 UTC is not after not_before"
        ),
        "{p:?}"
    );
    let p = problems(&g.replace(&fp, "xyz"));
    assert!(
        p[0].starts_with("partners[0].tls.fingerprints[0]: `xyz` is not hexadecimal"),
        "{p:?}"
    );
    let p = problems(&g.replace(&fp, "abcd"));
    assert!(
        p[0].contains("is 2 bytes; a SHA-256 fingerprint is 32"),
        "{p:?}"
    );
    let p = problems(&g.replace("hub.example.org", "hub example"));
    assert!(
        p[0].starts_with("partners[0].id: partner id `hub example` contains ' '"),
        "{p:?}"
    );
    let p = problems(
        &g.replace("role = \"hub\"", "role = \"law_enforcement\"")
            .replace("sources = [\"TX\"]", "kinds = [\"unclaimed\"]"),
    );
    assert!(p[0].starts_with("partners[0].accept.kinds: `unclaimed` may only be accepted from a medical_examiner or a hub"), "{p:?}");
    let p = problems(&g.replace(&format!("fingerprints = [\"{fp}\"]"), ""));
    assert!(
        p[0].starts_with("partners[0].tls: no way to recognise"),
        "{p:?}"
    );
    // two partners: duplicate id, shared fingerprint and key
    let two = format!("{g}\n{g}");
    let p = problems(&two);
    assert!(
        p.iter()
            .any(|x| x
                == "partners[1].id: duplicate partner id `hub.example.org` (also partners[0])"),
        "{p:?}"
    );
    assert!(p.iter().any(|x| x == "partners[1].tls.fingerprints[0]: certificate already pinned for partner `hub.example.org`"), "{p:?}");
    // a key listed twice for one partner
    let twice = g.replace(
        "[partners.tls]",
        &format!("[[partners.keys]]\npublic_key = \"{key}\"\n\n[partners.tls]"),
    );
    let p = problems(&twice);
    assert!(p[0].contains("is listed twice"), "{p:?}");
    // no keys at all
    let none = PartnerRegistry::from_config(
        &[PartnerConfig {
            id: "x".into(),
            endpoint: "https://x:1".into(),
            role: PartnerRole::LawEnforcement,
            keys: vec![],
            tls: TlsTrustConfig {
                fingerprints: vec![fp.clone()],
                ..Default::default()
            },
            share: Default::default(),
            accept: Default::default(),
        }],
        Path::new("."),
    )
    .unwrap_err();
    assert!(
        none[0]
            .to_string()
            .starts_with("partners[0].keys: no public key")
    );
}

#[test]
fn a_ca_file_is_read_relative_to_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TlsCa::generate("hub", 5).unwrap();
    std::fs::write(dir.path().join("hub-ca.pem"), ca.certificate_pem()).unwrap();
    let key = key_b64();
    let text = format!(
        "[[partners]]\nid = \"hub\"\nendpoint = \"https://localhost\"\n[[partners.keys]]\npublic_key = \"{key}\"\n[partners.tls]\nca_file = \"hub-ca.pem\"\n"
    );
    let path = dir.path().join("partners.toml");
    std::fs::write(&path, &text).unwrap();
    let reg = PartnerRegistry::load(&path).unwrap();
    let p = reg.get("hub").unwrap();
    assert_eq!(p.trust.cas.len(), 1);
    assert_eq!(p.endpoint.port, 443);
    std::fs::write(&path, text.replace("hub-ca.pem", "missing.pem")).unwrap();
    let e = PartnerRegistry::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("partners[0].tls.ca_file") && e.contains("missing.pem"),
        "{e}"
    );
    assert!(e.starts_with(&path.display().to_string()), "{e}");

    // not a regular file, or too large to be a CA file: refused, never read whole (a device
    // such as /dev/zero once was read until memory ran out)
    for (name, why) in [
        ("/dev/zero", "not a regular file"),
        (".", "not a regular file"),
    ] {
        std::fs::write(&path, text.replace("hub-ca.pem", name)).unwrap();
        let e = PartnerRegistry::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("partners[0].tls.ca_file") && e.contains(why),
            "{e}"
        );
    }
    let big = dir.path().join("big.pem");
    std::fs::write(&big, vec![b'A'; validate::MAX_CA_FILE_BYTES as usize + 1]).unwrap();
    std::fs::write(&path, text.replace("hub-ca.pem", "big.pem")).unwrap();
    let e = PartnerRegistry::load(&path).unwrap_err().to_string();
    assert!(e.contains("larger than"), "{e}");
}

#[test]
fn shared_registry_is_replaced_whole() {
    let shared = SharedRegistry::default();
    assert!(shared.current().is_empty());
    let key = key_b64();
    let reg = PartnerRegistry::from_toml(&good(&key, &"cd".repeat(32)), Path::new(".")).unwrap();
    shared.replace(reg);
    assert_eq!(shared.current().len(), 1);
}
