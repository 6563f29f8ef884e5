//! The partner registry: who this gateway exchanges with, how it recognises them, and what
//! they may share.
//!
//! In TOML (a `[[partners]]` array, part of the gateway configuration or a file of its own):
//!
//! ```toml
//! [[partners]]
//! id = "hub.example.org"                 # letters, digits, . _ : -  (at most 128)
//! endpoint = "https://hub.example.org:8443"
//! role = "hub"                           # law_enforcement | medical_examiner | hub | international
//!
//! [[partners.keys]]                      # ed25519 public keys; overlap two during rotation
//! public_key = "base64 of the 32 raw bytes"
//! not_before = "2026-01-01T00:00:00Z"    # optional; RFC 3339, quoted or a TOML datetime
//! not_after = "2027-01-31T00:00:00Z"     # optional
//!
//! [partners.tls]                         # how its certificate is recognised (one or both)
//! fingerprints = ["sha256 hex of the DER certificate"]   # pinned self-signed certificates
//! ca_file = "partners/hub-ca.pem"        # or a CA that issues its certificates
//!
//! [partners.share]                       # what we send it (see `policy`)
//! kinds = ["missing", "unidentified"]
//! withhold = ["dental", "dna", "fingerprints", "free_text"]
//!
//! [partners.accept]                      # what it may send us
//! sources = ["TX"]
//! ```

mod timestamp;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use rustls_pki_types::CertificateDer;
use serde::{Deserialize, Serialize};

use crate::keys::PublicKey;
use crate::policy::{AcceptPolicy, InboundPolicy, PartnerRole, SharePolicy};

pub use timestamp::Timestamp;
pub use validate::{RegistryError, ValidationError, check_gateway_id};

/// The `[[partners]]` array as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnersFile {
    #[serde(default)]
    pub partners: Vec<PartnerConfig>,
}

/// One partner as written in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerConfig {
    /// The partner's gateway id (what it puts in `sender` of its envelopes).
    pub id: String,
    /// Base URL of its partner API (`https://host:port`, optionally with a path prefix).
    pub endpoint: String,
    #[serde(default)]
    pub role: PartnerRole,
    /// Its ed25519 public keys.
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
    /// How its TLS certificate is recognised.
    #[serde(default)]
    pub tls: TlsTrustConfig,
    /// What this gateway shares with it.
    #[serde(default)]
    pub share: SharePolicy,
    /// What it may send this gateway.
    #[serde(default)]
    pub accept: AcceptPolicy,
}

impl PartnerConfig {
    /// A partner recognised by one pinned certificate and one signing key valid from now on,
    /// sharing nothing and accepting its role's default kinds (edit the result as needed).
    pub fn pinned(
        id: &str,
        endpoint: &str,
        role: PartnerRole,
        key: &PublicKey,
        fingerprint: [u8; 32],
    ) -> Self {
        Self {
            id: id.to_string(),
            endpoint: endpoint.to_string(),
            role,
            keys: vec![KeyConfig {
                public_key: key.to_base64(),
                not_before: None,
                not_after: None,
            }],
            tls: TlsTrustConfig {
                fingerprints: vec![hex::encode(fingerprint)],
                ..TlsTrustConfig::default()
            },
            share: SharePolicy::default(),
            accept: AcceptPolicy::default(),
        }
    }
}

/// A public key as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// Standard base64 of the raw 32-byte ed25519 public key.
    pub public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<Timestamp>,
}

/// TLS trust as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsTrustConfig {
    /// SHA-256 fingerprints (hex, `:` allowed) of its self-signed certificates.
    #[serde(default)]
    pub fingerprints: Vec<String>,
    /// A PEM file of the CA certificate(s) that issue its certificates (relative paths are
    /// relative to the configuration file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The same, inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

/// Where a partner's API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// As written, without a trailing `/`.
    pub url: String,
    pub host: String,
    pub port: u16,
    /// Path prefix (`""` or `/federation`), without a trailing `/`.
    pub base_path: String,
}

impl Endpoint {
    /// `host:port`, for connecting.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A partner public key with its validity.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerKey {
    pub key: PublicKey,
    pub key_id: String,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
}

/// Why a key may not be used at some time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyValidity {
    Valid,
    NotYetValid(DateTime<Utc>),
    Expired(DateTime<Utc>),
}

impl PartnerKey {
    /// Whether the key may be used at `t` (`not_before <= t < not_after`).
    pub fn validity_at(&self, t: DateTime<Utc>) -> KeyValidity {
        match (self.not_before, self.not_after) {
            (Some(nb), _) if t < nb => KeyValidity::NotYetValid(nb),
            (_, Some(na)) if t >= na => KeyValidity::Expired(na),
            _ => KeyValidity::Valid,
        }
    }
}

/// How a partner's certificate is recognised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartnerTrust {
    pub fingerprints: Vec<[u8; 32]>,
    pub cas: Vec<CertificateDer<'static>>,
}

/// A validated partner.
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub id: String,
    pub endpoint: Endpoint,
    pub role: PartnerRole,
    pub keys: Vec<PartnerKey>,
    pub trust: PartnerTrust,
    pub share: SharePolicy,
    pub inbound: InboundPolicy,
}

impl Partner {
    /// The key named `key_id`, if registered.
    pub fn key(&self, key_id: &str) -> Option<&PartnerKey> {
        self.keys.iter().find(|k| k.key_id == key_id)
    }
}

/// The validated registry.
#[derive(Debug, Clone, Default)]
pub struct PartnerRegistry {
    partners: Vec<Arc<Partner>>,
    by_id: HashMap<String, usize>,
    by_fingerprint: HashMap<[u8; 32], usize>,
}

impl PartnerRegistry {
    /// Parses and validates a TOML document (`[[partners]]`). `base_dir` resolves relative
    /// `ca_file` paths.
    pub fn from_toml(text: &str, base_dir: &Path) -> Result<Self, RegistryError> {
        let toml_error = |e: toml::de::Error| RegistryError::Toml {
            file: None,
            message: e.to_string(),
        };
        // TOML first (a typed parse alone takes integers past TOML's range; found by fuzzing
        // the gateway configuration)
        toml::from_str::<toml::Table>(text).map_err(toml_error)?;
        let file: PartnersFile = toml::from_str(text).map_err(toml_error)?;
        Self::from_config(&file.partners, base_dir).map_err(RegistryError::invalid)
    }

    /// Reads, parses and validates a TOML file.
    pub fn load(path: &Path) -> Result<Self, RegistryError> {
        let text = std::fs::read_to_string(path).map_err(|e| RegistryError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml(&text, base).map_err(|e| e.in_file(path))
    }

    /// Validates partners as written; every problem is reported, each with its path
    /// (`partners[1].keys[0].not_after`).
    pub fn from_config(
        partners: &[PartnerConfig],
        base_dir: &Path,
    ) -> Result<Self, Vec<ValidationError>> {
        validate::validate(partners, base_dir)
    }

    pub(crate) fn from_partners(partners: Vec<Partner>) -> Self {
        let mut r = Self::default();
        for p in partners {
            let i = r.partners.len();
            r.by_id.insert(p.id.clone(), i);
            for fp in &p.trust.fingerprints {
                r.by_fingerprint.insert(*fp, i);
            }
            r.partners.push(Arc::new(p));
        }
        r
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Partner>> {
        self.by_id.get(id).and_then(|i| self.partners.get(*i))
    }

    pub fn partners(&self) -> &[Arc<Partner>] {
        &self.partners
    }

    pub fn is_empty(&self) -> bool {
        self.partners.is_empty()
    }

    pub fn len(&self) -> usize {
        self.partners.len()
    }

    /// The partner whose pinned fingerprint is `fp`.
    pub fn by_fingerprint(&self, fp: &[u8; 32]) -> Option<&Arc<Partner>> {
        self.by_fingerprint
            .get(fp)
            .and_then(|i| self.partners.get(*i))
    }
}

/// The registry shared by the server, the TLS verifiers and the client; replaced whole on a
/// configuration reload (connections already open keep the partner they were accepted as).
#[derive(Debug, Clone, Default)]
pub struct SharedRegistry(Arc<RwLock<Arc<PartnerRegistry>>>);

impl SharedRegistry {
    pub fn new(registry: PartnerRegistry) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(registry))))
    }

    /// The current registry.
    pub fn current(&self) -> Arc<PartnerRegistry> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the registry (configuration reload).
    pub fn replace(&self, registry: PartnerRegistry) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(registry);
    }
}
