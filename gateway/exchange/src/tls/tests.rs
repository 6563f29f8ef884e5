use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::keys::{GatewayIdentity, TlsCa, TlsIdentity};
use crate::partners::{PartnerConfig, PartnerRegistry, TlsTrustConfig};
use crate::policy::PartnerRole;

fn entry(id: &GatewayIdentity) -> PartnerConfig {
    PartnerConfig::pinned(
        &id.id,
        "https://127.0.0.1:1",
        PartnerRole::LawEnforcement,
        &id.signing.public(),
        id.tls.fingerprint(),
    )
}

fn registry(entries: Vec<PartnerConfig>) -> PartnerRegistry {
    PartnerRegistry::from_config(&entries, Path::new(".")).unwrap()
}

/// Runs a handshake over an in-memory pipe and one byte of application data each way.
/// Returns the server's and the client's results.
async fn handshake(
    server: Arc<rustls::ServerConfig>,
    client: Arc<rustls::ClientConfig>,
) -> (Result<[u8; 32], String>, Result<(), String>) {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let acceptor = tokio_rustls::TlsAcceptor::from(server);
    let connector = tokio_rustls::TlsConnector::from(client);
    let srv = tokio::spawn(async move {
        let mut tls = acceptor.accept(a).await.map_err(|e| describe(&e))?;
        let mut buf = [0u8; 1];
        tls.read_exact(&mut buf).await.map_err(|e| describe(&e))?;
        tls.write_all(b"y").await.map_err(|e| describe(&e))?;
        tls.flush().await.map_err(|e| describe(&e))?;
        let (_, conn) = tls.get_ref();
        let leaf = conn.peer_certificates().and_then(|c| c.first()).cloned();
        Ok::<_, String>(leaf)
    });
    let cli = tokio::spawn(async move {
        let name = ServerName::try_from("partner.invalid").unwrap();
        let mut tls = connector.connect(name, b).await.map_err(|e| describe(&e))?;
        tls.write_all(b"x").await.map_err(|e| describe(&e))?;
        tls.flush().await.map_err(|e| describe(&e))?;
        let mut buf = [0u8; 1];
        tls.read_exact(&mut buf).await.map_err(|e| describe(&e))?;
        Ok::<_, String>(())
    });
    let s = srv.await.unwrap();
    let c = cli.await.unwrap();
    (
        s.map(|leaf| {
            leaf.map(|l| crate::keys::fingerprint(&l))
                .unwrap_or([0; 32])
        }),
        c,
    )
}

fn describe(e: &std::io::Error) -> String {
    match PeerRejected::from_io_error(e) {
        Some(r) => format!("rejected: {r}"),
        None => e.to_string(),
    }
}

struct World {
    a: GatewayIdentity,
    b: GatewayIdentity,
}

fn world() -> World {
    World {
        a: GatewayIdentity::generate("a.example", 5).unwrap(),
        b: GatewayIdentity::generate("b.example", 5).unwrap(),
    }
}

#[tokio::test]
async fn registered_partners_complete_the_handshake_and_are_identified() {
    let w = world();
    let b_reg = SharedRegistry::new(registry(vec![entry(&w.a)]));
    let a_reg = registry(vec![entry(&w.b)]);
    let server = server_config(&w.b, b_reg.clone()).unwrap();
    let client = client_config(&w.a, a_reg.get("b.example").unwrap().clone()).unwrap();
    let (s, c) = handshake(server, client).await;
    assert_eq!(c, Ok(()));
    let fp = s.unwrap();
    assert_eq!(fp, w.a.tls.fingerprint());
    let leaf = w.a.tls.leaf().unwrap();
    let p = identify(&b_reg.current(), leaf, &[], UnixTime::now()).unwrap();
    assert_eq!(p.id, "a.example");
}

#[tokio::test]
async fn a_client_without_certificate_is_refused() {
    let w = world();
    let b_reg = SharedRegistry::new(registry(vec![entry(&w.a)]));
    let a_reg = registry(vec![entry(&w.b)]);
    let server = server_config(&w.b, b_reg).unwrap();
    let client =
        client_config_without_certificate(a_reg.get("b.example").unwrap().clone()).unwrap();
    let (s, c) = handshake(server, client).await;
    let s = s.unwrap_err();
    assert!(
        s.contains("peer sent no certificates") || s.contains("NoCertificates"),
        "{s}"
    );
    let c = c.unwrap_err();
    assert!(c.contains("CertificateRequired"), "{c}");
}

#[tokio::test]
async fn an_unregistered_client_certificate_is_refused() {
    let w = world();
    let stranger = GatewayIdentity::generate("c.example", 5).unwrap();
    let b_reg = SharedRegistry::new(registry(vec![entry(&w.a)]));
    let c_reg = registry(vec![entry(&w.b)]);
    let server = server_config(&w.b, b_reg).unwrap();
    let client = client_config(&stranger, c_reg.get("b.example").unwrap().clone()).unwrap();
    let (s, c) = handshake(server, client).await;
    let s = s.unwrap_err();
    assert_eq!(
        s,
        format!(
            "rejected: certificate {} is not registered for any partner",
            hex::encode(stranger.tls.fingerprint())
        )
    );
    assert!(c.is_err());
}

#[tokio::test]
async fn the_client_refuses_a_server_that_is_not_the_partner() {
    let w = world();
    let impostor = GatewayIdentity::generate("b.example", 5).unwrap();
    let reg = SharedRegistry::new(registry(vec![entry(&w.a)]));
    let a_reg = registry(vec![entry(&w.b)]);
    let server = server_config(&impostor, reg).unwrap();
    let client = client_config(&w.a, a_reg.get("b.example").unwrap().clone()).unwrap();
    let (_, c) = handshake(server, client).await;
    let c = c.unwrap_err();
    assert!(
        c.contains("is not registered for partner `b.example`"),
        "{c}"
    );
}

#[tokio::test]
async fn expired_and_future_certificates_are_refused() {
    let w = world();
    let mut old = GatewayIdentity::generate("a.example", 5).unwrap();
    old.tls = TlsIdentity::generate_self_signed_at(
        "a.example",
        chrono::Utc::now() - chrono::TimeDelta::days(10),
        2,
    )
    .unwrap();
    let b_reg = registry(vec![entry(&old)]);
    let leaf = old.tls.leaf().unwrap();
    let e = identify(&b_reg, leaf, &[], UnixTime::now()).unwrap_err();
    assert!(matches!(e, PeerRejected::Expired { .. }), "{e}");
    // over TLS: the alert the client sees
    let a_reg = registry(vec![entry(&w.b)]);
    let server = server_config(&w.b, SharedRegistry::new(b_reg)).unwrap();
    let client = client_config(&old, a_reg.get("b.example").unwrap().clone()).unwrap();
    let (s, _c) = handshake(server, client).await;
    let s = s.unwrap_err();
    assert!(s.to_lowercase().contains("expired"), "{s}");

    let mut future = GatewayIdentity::generate("a.example", 5).unwrap();
    future.tls = TlsIdentity::generate_self_signed_at(
        "a.example",
        chrono::Utc::now() + chrono::TimeDelta::days(3),
        2,
    )
    .unwrap();
    let reg = registry(vec![entry(&future)]);
    let e = identify(&reg, future.tls.leaf().unwrap(), &[], UnixTime::now()).unwrap_err();
    assert!(matches!(e, PeerRejected::NotYetValid { .. }), "{e}");
}

#[tokio::test]
async fn a_partner_registered_by_its_ca() {
    let ca = TlsCa::generate("a.example", 5).unwrap();
    let mut a = GatewayIdentity::generate("a.example", 5).unwrap();
    a.tls = ca.issue("a.example", 5).unwrap();
    let mut cfg = entry(&a);
    cfg.tls = TlsTrustConfig {
        ca_pem: Some(ca.certificate_pem()),
        ..TlsTrustConfig::default()
    };
    let reg = registry(vec![cfg]);
    let p = identify(&reg, a.tls.leaf().unwrap(), &[], UnixTime::now()).unwrap();
    assert_eq!(p.id, "a.example");
    // a certificate from another CA, or self-signed, is not the partner's
    let other = TlsCa::generate("x", 5)
        .unwrap()
        .issue("a.example", 5)
        .unwrap();
    assert!(matches!(
        identify(&reg, other.leaf().unwrap(), &[], UnixTime::now()),
        Err(PeerRejected::Unregistered { .. })
    ));
    let selfsigned = TlsIdentity::generate_self_signed("a.example", 5).unwrap();
    assert!(identify(&reg, selfsigned.leaf().unwrap(), &[], UnixTime::now()).is_err());
}
