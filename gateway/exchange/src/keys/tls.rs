//! The gateway's TLS identity: a certificate chain and its private key.

use std::path::Path;

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use zeroize::Zeroizing;

use super::KeyError;
use super::files::{read_private_file, write_private_file, write_public_file};

/// SHA-256 of a certificate's DER bytes (what the registry pins).
pub fn fingerprint(cert: &CertificateDer<'_>) -> [u8; 32] {
    crate::codec::sha256(cert.as_ref())
}

/// A certificate chain (leaf first) and its private key. `Debug` shows the leaf's fingerprint
/// only.
pub struct TlsIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("fingerprint", &hex::encode(self.fingerprint()))
            .finish_non_exhaustive()
    }
}

impl Clone for TlsIdentity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

fn gen_err(what: &'static str) -> impl FnOnce(rcgen::Error) -> KeyError {
    move |e| KeyError::Generate {
        what,
        reason: e.to_string(),
    }
}

fn to_offset(t: chrono::DateTime<chrono::Utc>) -> Result<time::OffsetDateTime, KeyError> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(|e| KeyError::Generate {
        what: "certificate validity",
        reason: e.to_string(),
    })
}

/// Parameters of a gateway certificate valid from an hour ago for `days` days.
fn leaf_params(
    gateway_id: &str,
    days: u32,
    not_before: chrono::DateTime<chrono::Utc>,
) -> Result<CertificateParams, KeyError> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, gateway_id);
    dn.push(DnType::OrganizationName, "Homeward gateway");
    params.distinguished_name = dn;
    let uri = format!("urn:homeward:gateway:{gateway_id}");
    params.subject_alt_names = vec![SanType::URI(
        uri.try_into().map_err(gen_err("certificate name"))?,
    )];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.not_before = to_offset(not_before)?;
    params.not_after = to_offset(not_before + chrono::TimeDelta::days(i64::from(days)))?;
    params.serial_number = Some(SerialNumber::from_slice(
        &crate::clock::random_bytes::<16>()?
    ));
    Ok(params)
}

fn new_key() -> Result<KeyPair, KeyError> {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(gen_err("TLS key"))
}

fn key_der(kp: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(kp.serialize_der()))
}

impl TlsIdentity {
    /// A new ECDSA P-256 key and a self-signed certificate for `gateway_id`, valid from an
    /// hour ago (to tolerate clock skew) for `days` days.
    pub fn generate_self_signed(gateway_id: &str, days: u32) -> Result<Self, KeyError> {
        let not_before = chrono::Utc::now() - chrono::TimeDelta::hours(1);
        Self::generate_self_signed_at(gateway_id, not_before, days)
    }

    /// Like [`TlsIdentity::generate_self_signed`] with a chosen start of validity (tests of
    /// expired and not-yet-valid certificates).
    pub fn generate_self_signed_at(
        gateway_id: &str,
        not_before: chrono::DateTime<chrono::Utc>,
        days: u32,
    ) -> Result<Self, KeyError> {
        let kp = new_key()?;
        let params = leaf_params(gateway_id, days, not_before)?;
        let cert = params.self_signed(&kp).map_err(gen_err("certificate"))?;
        Ok(Self {
            chain: vec![cert.der().clone()],
            key: key_der(&kp),
        })
    }

    /// An identity from a chain (leaf first) and a key.
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Self {
        Self { chain, key }
    }

    /// The leaf certificate.
    pub fn leaf(&self) -> Option<&CertificateDer<'static>> {
        self.chain.first()
    }

    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// A copy of the private key, for a rustls config.
    pub fn key(&self) -> PrivateKeyDer<'static> {
        self.key.clone_key()
    }

    /// SHA-256 of the leaf certificate (all zeros for an empty chain).
    pub fn fingerprint(&self) -> [u8; 32] {
        self.leaf().map(fingerprint).unwrap_or([0; 32])
    }

    /// The chain as PEM.
    pub fn chain_pem(&self) -> String {
        self.chain
            .iter()
            .map(|c| pem_encode("CERTIFICATE", c.as_ref()))
            .collect()
    }

    /// Writes the certificate chain (0644) and the key (PKCS#8 PEM, 0600).
    pub fn save(&self, cert_path: &Path, key_path: &Path, overwrite: bool) -> Result<(), KeyError> {
        let key_pem = Zeroizing::new(pem_encode("PRIVATE KEY", self.key.secret_der()));
        write_private_file(key_path, key_pem.as_bytes(), overwrite)?;
        write_public_file(cert_path, self.chain_pem().as_bytes(), overwrite)
    }

    /// Loads what [`TlsIdentity::save`] wrote; refuses a key file others can read.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self, KeyError> {
        let chain = load_certificates(cert_path)?;
        let key_bytes = read_private_file(key_path)?;
        let key = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|e| KeyError::Invalid {
            path: key_path.to_path_buf(),
            what: "PEM private key",
            reason: e.to_string(),
        })?;
        Ok(Self { chain, key })
    }
}

/// Reads every certificate of a PEM file; at least one.
pub fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, KeyError> {
    let bytes = std::fs::read(path).map_err(|e| KeyError::io(path, e))?;
    certificates_from_pem(&bytes).map_err(|reason| KeyError::Invalid {
        path: path.to_path_buf(),
        what: "PEM certificate file",
        reason,
    })
}

/// Every certificate of a PEM text; at least one.
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let chain = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if chain.is_empty() {
        return Err("no CERTIFICATE block".into());
    }
    Ok(chain)
}

/// PEM with 64-character lines.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A small certificate authority for partners that prefer a CA to pinned certificates.
pub struct TlsCa {
    params: CertificateParams,
    key: KeyPair,
    cert: CertificateDer<'static>,
}

impl std::fmt::Debug for TlsCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsCa")
            .field("fingerprint", &hex::encode(fingerprint(&self.cert)))
            .finish_non_exhaustive()
    }
}

impl TlsCa {
    /// A new CA named after `gateway_id`, valid `days` days.
    pub fn generate(gateway_id: &str, days: u32) -> Result<Self, KeyError> {
        let key = new_key()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("{gateway_id} gateway CA"));
        dn.push(DnType::OrganizationName, "Homeward gateway");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = chrono::Utc::now() - chrono::TimeDelta::hours(1);
        params.not_before = to_offset(now)?;
        params.not_after = to_offset(now + chrono::TimeDelta::days(i64::from(days)))?;
        let cert = params
            .self_signed(&key)
            .map_err(gen_err("CA certificate"))?;
        Ok(Self {
            cert: cert.der().clone(),
            params,
            key,
        })
    }

    /// The CA certificate (what partners register).
    pub fn certificate(&self) -> &CertificateDer<'static> {
        &self.cert
    }

    pub fn certificate_pem(&self) -> String {
        pem_encode("CERTIFICATE", self.cert.as_ref())
    }

    /// Issues a gateway certificate for `gateway_id` with a fresh key.
    pub fn issue(&self, gateway_id: &str, days: u32) -> Result<TlsIdentity, KeyError> {
        let kp = new_key()?;
        let not_before = chrono::Utc::now() - chrono::TimeDelta::hours(1);
        let params = leaf_params(gateway_id, days, not_before)?;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params
            .signed_by(&kp, &issuer)
            .map_err(gen_err("certificate"))?;
        Ok(TlsIdentity {
            chain: vec![cert.der().clone()],
            key: key_der(&kp),
        })
    }
}
