//! Mutual TLS against the partner registry.
//!
//! Both directions use custom rustls verifiers that ignore DNS names and public CAs: a peer is
//! accepted only when its certificate is one the registry names for a partner —
//!
//! - **pinned**: the SHA-256 of the leaf certificate's DER is one of the partner's
//!   `tls.fingerprints`; the certificate must be self-signed (what `homeward keys generate`
//!   makes) and is checked by webpki against itself as the only trust anchor, which enforces
//!   its validity period and key usage;
//! - **CA**: the chain verifies (webpki) to one of the partner's `tls.ca_file` certificates,
//!   each CA identifying exactly one partner.
//!
//! Expired and not-yet-valid certificates are refused in both cases. The TLS handshake itself
//! proves possession of the certificate's key (rustls checks the handshake signature with the
//! same ring algorithms). After the handshake, [`identify`] names the partner of the peer
//! certificate; the server hands that identity to every request of the connection.
//!
//! The crypto provider is *ring* only (see `../shared/crates-notes.md`).

#[cfg(test)]
mod tests;

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::keys::{GatewayIdentity, fingerprint};
use crate::partners::{Partner, PartnerRegistry, SharedRegistry};

/// The crypto provider every configuration uses (ring).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    #[error("this gateway has no TLS certificate")]
    NoCertificate,
}

/// Why a peer certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerRejected {
    /// No partner pins this certificate or has a CA that issued it.
    #[error("certificate {} is not registered for any partner", hex::encode(.fingerprint))]
    Unregistered { fingerprint: [u8; 32] },
    /// The certificate of the partner we connected to is not one registered for it.
    #[error("certificate {} is not registered for partner `{partner}`", hex::encode(.fingerprint))]
    NotThisPartner {
        partner: String,
        fingerprint: [u8; 32],
    },
    #[error("certificate {} of partner `{partner}` has expired", hex::encode(.fingerprint))]
    Expired {
        partner: String,
        fingerprint: [u8; 32],
    },
    #[error("certificate {} of partner `{partner}` is not valid yet", hex::encode(.fingerprint))]
    NotYetValid {
        partner: String,
        fingerprint: [u8; 32],
    },
    #[error("certificate {} of partner `{partner}` does not verify: {reason}", hex::encode(.fingerprint))]
    Invalid {
        partner: String,
        fingerprint: [u8; 32],
        reason: String,
    },
}

impl PeerRejected {
    pub fn fingerprint(&self) -> [u8; 32] {
        match self {
            PeerRejected::Unregistered { fingerprint }
            | PeerRejected::NotThisPartner { fingerprint, .. }
            | PeerRejected::Expired { fingerprint, .. }
            | PeerRejected::NotYetValid { fingerprint, .. }
            | PeerRejected::Invalid { fingerprint, .. } => *fingerprint,
        }
    }

    fn into_rustls(self) -> rustls::Error {
        let e = match &self {
            PeerRejected::Expired { .. } => CertificateError::Expired,
            PeerRejected::NotYetValid { .. } => CertificateError::NotValidYet,
            _ => CertificateError::Other(rustls::OtherError(Arc::new(self))),
        };
        rustls::Error::InvalidCertificate(e)
    }

    /// As the server's client-certificate verifier reports it: always whole, so that the
    /// refusal is logged with the partner it names and its reason. (An expired client
    /// certificate was once reported as rustls' own `Expired`, which carries no partner: the
    /// gateway logged `tls_error` from an address instead of `tls_expired` for the partner —
    /// found by `tests/security.rs`.) The client sees a `bad_certificate` alert.
    fn into_rustls_whole(self) -> rustls::Error {
        rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(
            self,
        ))))
    }

    /// The refusal inside a TLS error, if the error is one of ours.
    pub fn from_io_error(e: &std::io::Error) -> Option<PeerRejected> {
        let rustls_err = e.get_ref()?.downcast_ref::<rustls::Error>()?;
        match rustls_err {
            rustls::Error::InvalidCertificate(CertificateError::Other(o)) => {
                let inner: &(dyn std::error::Error + 'static) = &*o.0;
                inner.downcast_ref::<PeerRejected>().cloned()
            }
            _ => None,
        }
    }
}

/// The partner a connection's peer certificate belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    pub partner: String,
    /// SHA-256 of the peer's leaf certificate.
    pub fingerprint: [u8; 32],
}

#[derive(Clone, Copy)]
enum Usage {
    Client,
    Server,
}

fn verify_chain(
    partner: &Partner,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[rustls_pki_types::TrustAnchor<'_>],
    now: UnixTime,
    usage: Usage,
    algs: &WebPkiSupportedAlgorithms,
) -> Result<(), PeerRejected> {
    let fp = fingerprint(end_entity);
    let ee = webpki::EndEntityCert::try_from(end_entity).map_err(|e| PeerRejected::Invalid {
        partner: partner.id.clone(),
        fingerprint: fp,
        reason: e.to_string(),
    })?;
    let result = match usage {
        Usage::Client => ee.verify_for_usage(
            algs.all,
            anchors,
            intermediates,
            now,
            webpki::KeyUsage::client_auth(),
            None,
            None,
        ),
        Usage::Server => ee.verify_for_usage(
            algs.all,
            anchors,
            intermediates,
            now,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        ),
    };
    match result {
        Ok(_) => Ok(()),
        Err(webpki::Error::CertExpired { .. }) => Err(PeerRejected::Expired {
            partner: partner.id.clone(),
            fingerprint: fp,
        }),
        Err(webpki::Error::CertNotValidYet { .. }) => Err(PeerRejected::NotYetValid {
            partner: partner.id.clone(),
            fingerprint: fp,
        }),
        Err(e) => Err(PeerRejected::Invalid {
            partner: partner.id.clone(),
            fingerprint: fp,
            reason: format!("{e:?}"),
        }),
    }
}

/// Checks `end_entity` against one partner's pins and CAs.
fn check_partner(
    partner: &Partner,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
    usage: Usage,
    algs: &WebPkiSupportedAlgorithms,
) -> Result<(), PeerRejected> {
    let fp = fingerprint(end_entity);
    if partner.trust.fingerprints.contains(&fp) {
        let anchor =
            webpki::anchor_from_trusted_cert(end_entity).map_err(|e| PeerRejected::Invalid {
                partner: partner.id.clone(),
                fingerprint: fp,
                reason: e.to_string(),
            })?;
        return verify_chain(partner, end_entity, &[], &[anchor], now, usage, algs);
    }
    if partner.trust.cas.is_empty() {
        return Err(PeerRejected::NotThisPartner {
            partner: partner.id.clone(),
            fingerprint: fp,
        });
    }
    let anchors = partner
        .trust
        .cas
        .iter()
        .filter_map(|c| webpki::anchor_from_trusted_cert(c).ok())
        .collect::<Vec<_>>();
    match verify_chain(
        partner,
        end_entity,
        intermediates,
        &anchors,
        now,
        usage,
        algs,
    ) {
        Err(PeerRejected::Invalid { .. }) => Err(PeerRejected::NotThisPartner {
            partner: partner.id.clone(),
            fingerprint: fp,
        }),
        other => other,
    }
}

fn identify_with(
    registry: &PartnerRegistry,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
    usage: Usage,
    algs: &WebPkiSupportedAlgorithms,
) -> Result<Arc<Partner>, PeerRejected> {
    let fp = fingerprint(end_entity);
    if let Some(p) = registry.by_fingerprint(&fp) {
        check_partner(p, end_entity, intermediates, now, usage, algs)?;
        return Ok(p.clone());
    }
    for p in registry
        .partners()
        .iter()
        .filter(|p| !p.trust.cas.is_empty())
    {
        match check_partner(p, end_entity, intermediates, now, usage, algs) {
            Ok(()) => return Ok(p.clone()),
            Err(PeerRejected::NotThisPartner { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(PeerRejected::Unregistered { fingerprint: fp })
}

/// The partner a *client* certificate belongs to, at `now`.
pub fn identify(
    registry: &PartnerRegistry,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<Arc<Partner>, PeerRejected> {
    let algs = rustls::crypto::ring::default_provider().signature_verification_algorithms;
    identify_with(
        registry,
        end_entity,
        intermediates,
        now,
        Usage::Client,
        &algs,
    )
}

// === impl PartnerClientVerifier ===

/// The server side's client-certificate verifier: a client certificate is accepted only if
/// it belongs to a registered partner. Client authentication is mandatory.
#[derive(Debug)]
pub struct PartnerClientVerifier {
    registry: SharedRegistry,
    algs: WebPkiSupportedAlgorithms,
}

impl PartnerClientVerifier {
    pub fn new(registry: SharedRegistry) -> Self {
        Self {
            registry,
            algs: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PartnerClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let registry = self.registry.current();
        identify_with(
            &registry,
            end_entity,
            intermediates,
            now,
            Usage::Client,
            &self.algs,
        )
        .map(|_| ClientCertVerified::assertion())
        .map_err(PeerRejected::into_rustls_whole)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

// === impl PartnerServerVerifier ===

/// The client side's server-certificate verifier: the server must present a certificate
/// registered for the partner being called (the server name is not used).
#[derive(Debug)]
pub struct PartnerServerVerifier {
    partner: Arc<Partner>,
    algs: WebPkiSupportedAlgorithms,
}

impl PartnerServerVerifier {
    pub fn new(partner: Arc<Partner>) -> Self {
        Self {
            partner,
            algs: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PartnerServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        check_partner(
            &self.partner,
            end_entity,
            intermediates,
            now,
            Usage::Server,
            &self.algs,
        )
        .map(|_| ServerCertVerified::assertion())
        .map_err(PeerRejected::into_rustls)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

// === configurations ===

/// The server configuration: this gateway's certificate, client certificates required and
/// checked against the (reloadable) registry; ALPN h2 and http/1.1.
pub fn server_config(
    identity: &GatewayIdentity,
    registry: SharedRegistry,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    if identity.tls.chain().is_empty() {
        return Err(TlsError::NoCertificate);
    }
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(PartnerClientVerifier::new(registry)))
        .with_single_cert(identity.tls.chain().to_vec(), identity.tls.key())?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// The client configuration for calling `partner`: this gateway's certificate as client
/// certificate, the partner's registered certificate required of the server; HTTP/1.1.
pub fn client_config(
    identity: &GatewayIdentity,
    partner: Arc<Partner>,
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    if identity.tls.chain().is_empty() {
        return Err(TlsError::NoCertificate);
    }
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PartnerServerVerifier::new(partner)))
        .with_client_auth_cert(identity.tls.chain().to_vec(), identity.tls.key())?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// A client configuration that presents no certificate (tests of refusals).
pub fn client_config_without_certificate(
    partner: Arc<Partner>,
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PartnerServerVerifier::new(partner)))
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// The partner of an established server connection's peer, checked again against the
/// current registry.
pub fn peer_identity(
    conn: &rustls::ServerConnection,
    registry: &PartnerRegistry,
) -> Result<PeerIdentity, PeerRejected> {
    let Some(leaf) = conn.peer_certificates().and_then(|c| c.first()) else {
        return Err(PeerRejected::Unregistered {
            fingerprint: [0; 32],
        });
    };
    let rest = conn
        .peer_certificates()
        .map(|c| c.get(1..).unwrap_or_default())
        .unwrap_or_default();
    let p = identify(registry, leaf, rest, UnixTime::now())?;
    Ok(PeerIdentity {
        partner: p.id.clone(),
        fingerprint: fingerprint(leaf),
    })
}
