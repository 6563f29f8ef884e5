use super::*;

#[test]
fn signing_key_round_trips_through_a_0600_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signing.key");
    let k = SigningKeyPair::generate().unwrap();
    k.save(&path, false).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let back = SigningKeyPair::load(&path).unwrap();
    assert_eq!(back.public(), k.public());
    let sig = back.sign(b"hello");
    assert!(k.public().verify(b"hello", &sig));
    assert!(!k.public().verify(b"hellO", &sig));
    // a second save without overwrite is refused
    assert!(matches!(k.save(&path, false), Err(KeyError::Exists { .. })));
}

#[cfg(unix)]
#[test]
fn a_key_file_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signing.key");
    SigningKeyPair::generate()
        .unwrap()
        .save(&path, false)
        .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = SigningKeyPair::load(&path).unwrap_err();
    assert!(
        matches!(err, KeyError::Permissions { mode: 0o644, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("chmod 600"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(matches!(
        SigningKeyPair::load(&path),
        Err(KeyError::Permissions { .. })
    ));
}

#[test]
fn secrets_never_show_in_debug_or_errors() {
    let k = SigningKeyPair::from_seed(&[7u8; 32]);
    let pem = k.to_pkcs8_pem().unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let dbg = format!("{k:?}");
    assert!(dbg.contains(&k.key_id()));
    assert!(!dbg.contains(&body[..20]));
    assert!(!dbg.contains(&hex::encode([7u8; 32])));
    let tls = TlsIdentity::generate_self_signed("gw", 1).unwrap();
    let tls_dbg = format!("{tls:?}");
    assert!(!tls_dbg.contains("PRIVATE"));
    let id = GatewayIdentity::generate("gw", 1).unwrap();
    assert!(!format!("{id:?}").contains("secret"));
    // a corrupted key file: the error does not echo the file's content
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    let broken = pem.replace(&body[10..30], "AAAAAAAAAAAAAAAAAAAA");
    write_private_file(&path, broken.as_bytes(), false).unwrap();
    let err = SigningKeyPair::load(&path).unwrap_err().to_string();
    assert!(!err.contains(&body[30..50]), "{err}");
}

#[test]
fn public_keys_parse_from_base64_and_pem() {
    let k = SigningKeyPair::generate().unwrap();
    let p = k.public();
    assert_eq!(PublicKey::from_base64(&p.to_base64()).unwrap(), p);
    assert_eq!(PublicKey::from_pem(&p.to_pem().unwrap()).unwrap(), p);
    assert_eq!(p.key_id().len(), 16);
    assert_eq!(p.key_id(), key_id(&p.to_bytes()));
    let e = PublicKey::from_base64("AAAA").unwrap_err().to_string();
    assert!(e.contains("32 bytes, this is 3"), "{e}");
    assert!(PublicKey::from_base64("not base64!").is_err());
}

#[test]
fn identity_saves_and_loads_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keys");
    let id = GatewayIdentity::generate("state.example.org", 30).unwrap();
    let files = id.save_dir(&out, "https://gw.example:8443", false).unwrap();
    for f in [
        &files.signing_key,
        &files.signing_pub,
        &files.tls_key,
        &files.tls_cert,
        &files.partner_entry,
    ] {
        assert!(f.exists(), "{}", f.display());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [&files.signing_key, &files.tls_key] {
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
    let back = GatewayIdentity::load_dir("state.example.org", &out).unwrap();
    assert_eq!(back.signing.public(), id.signing.public());
    assert_eq!(back.tls.fingerprint(), id.tls.fingerprint());
    let entry = std::fs::read_to_string(&files.partner_entry).unwrap();
    assert!(entry.contains(&id.signing.public().to_base64()));
    assert!(entry.contains(&hex::encode(id.tls.fingerprint())));
    // the entry is a valid registry
    let reg = crate::partners::PartnerRegistry::from_toml(&entry, &out).unwrap();
    let p = reg.get("state.example.org").unwrap();
    assert_eq!(p.endpoint.url, "https://gw.example:8443");
    assert_eq!(p.keys[0].key, id.signing.public());
    assert_eq!(p.trust.fingerprints, vec![id.tls.fingerprint()]);
    assert!(matches!(
        id.save_dir(&out, "https://gw.example:8443", false),
        Err(KeyError::Exists { .. })
    ));
    id.save_dir(&out, "https://gw.example:8443", true).unwrap();
}

#[test]
fn a_ca_issues_gateway_certificates() {
    let ca = TlsCa::generate("hub", 10).unwrap();
    let leaf = ca.issue("hub", 5).unwrap();
    assert_ne!(leaf.fingerprint(), fingerprint(ca.certificate()));
    assert!(
        ca.certificate_pem()
            .starts_with("-----BEGIN CERTIFICATE-----\n")
    );
    let parsed = certificates_from_pem(ca.certificate_pem().as_bytes()).unwrap();
    assert_eq!(&parsed[0], ca.certificate());
}
