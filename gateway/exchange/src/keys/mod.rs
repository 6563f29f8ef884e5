//! Keys: a gateway's ed25519 signing key and its TLS identity.
//!
//! - **Signing key** (`signing.key`, PKCS#8 PEM, mode 0600; `signing.pub`, SPKI PEM): signs
//!   envelopes, receipts, change pages and evidence tree heads. A key is named by its *key id*,
//!   the first 8 bytes of the SHA-256 of the raw 32-byte public key in lower-case hex.
//! - **TLS identity** (`tls.key`, PKCS#8 PEM, mode 0600; `tls.crt`): an ECDSA P-256 key and a
//!   **self-signed certificate** (CN and `urn:homeward:gateway:<id>` URI SAN, both EKUs). Partners
//!   pin it by the SHA-256 fingerprint of its DER bytes. We chose pinned self-signed certificates
//!   over a CA per gateway: the registry already has to carry the partner's signing key, so one
//!   more pinned value costs nothing, there is no CA key to guard, and rotation is the same
//!   overlap as for signing keys (list both fingerprints). Partners that run their own PKI can
//!   instead register a CA certificate (`tls.ca_file`); [`TlsCa`] issues such certificates
//!   (used by tests and for agencies that want it).
//!
//! Secret material never appears in `Debug` output, logs or error messages; private key files
//! are written with mode 0600 and refused on load when group or others can read them.

mod files;
mod signing;
mod tls;

#[cfg(test)]
mod tests;

pub use files::{KeyFiles, check_private_file, write_private_file, write_public_file};
pub use signing::{PublicKey, SigningKeyPair, key_id};
pub use tls::{TlsCa, TlsIdentity, certificates_from_pem, fingerprint, load_certificates};

use std::path::{Path, PathBuf};

/// What went wrong with a key or certificate.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: private key file is accessible by group or others (mode {mode:04o}); run `chmod 600 {path}`"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("{path}: already exists (use --force to replace it)")]
    Exists { path: PathBuf },
    #[error("{path}: not a valid {what}: {reason}")]
    Invalid {
        path: PathBuf,
        what: &'static str,
        reason: String,
    },
    #[error("public key: {0}")]
    PublicKey(String),
    #[error("generating {what}: {reason}")]
    Generate { what: &'static str, reason: String },
    #[error(transparent)]
    Random(#[from] crate::clock::RandomError),
}

impl KeyError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        KeyError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A gateway's own identity: its id, its signing key(s) and its TLS certificate and key.
pub struct GatewayIdentity {
    /// This gateway's id, as partners register it.
    pub id: String,
    /// The key new envelopes and receipts are signed with.
    pub signing: SigningKeyPair,
    /// Keys signed with before (kept so this gateway can re-verify its own evidence offline).
    pub previous_public: Vec<PublicKey>,
    pub tls: TlsIdentity,
}

impl std::fmt::Debug for GatewayIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayIdentity")
            .field("id", &self.id)
            .field("signing_key_id", &self.signing.key_id())
            .field("tls_fingerprint", &hex::encode(self.tls.fingerprint()))
            .finish_non_exhaustive()
    }
}

impl GatewayIdentity {
    /// Generates a fresh identity (signing key and self-signed certificate valid `days` days).
    pub fn generate(id: &str, days: u32) -> Result<Self, KeyError> {
        Ok(Self {
            id: id.to_string(),
            signing: SigningKeyPair::generate()?,
            previous_public: Vec::new(),
            tls: TlsIdentity::generate_self_signed(id, days)?,
        })
    }

    /// Loads `signing.key`, `tls.key` and `tls.crt` from `dir` (as `keys generate` wrote them).
    pub fn load_dir(id: &str, dir: &Path) -> Result<Self, KeyError> {
        let files = KeyFiles::in_dir(dir);
        Ok(Self {
            id: id.to_string(),
            signing: SigningKeyPair::load(&files.signing_key)?,
            previous_public: Vec::new(),
            tls: TlsIdentity::load(&files.tls_cert, &files.tls_key)?,
        })
    }

    /// Writes the identity into `dir` (created with mode 0700 if missing), with the registry
    /// entry for partners naming `endpoint`. Refuses to replace existing files unless
    /// `overwrite`.
    pub fn save_dir(
        &self,
        dir: &Path,
        endpoint: &str,
        overwrite: bool,
    ) -> Result<KeyFiles, KeyError> {
        let files = KeyFiles::in_dir(dir);
        files::create_private_dir(dir)?;
        self.signing.save(&files.signing_key, overwrite)?;
        write_public_file(
            &files.signing_pub,
            self.signing.public().to_pem()?.as_bytes(),
            overwrite,
        )?;
        self.tls.save(&files.tls_cert, &files.tls_key, overwrite)?;
        write_public_file(
            &files.partner_entry,
            self.partner_entry(endpoint).as_bytes(),
            overwrite,
        )?;
        Ok(files)
    }

    /// The `[[partners]]` entry other gateways paste into their registry to trust this one.
    pub fn partner_entry(&self, endpoint: &str) -> String {
        // valid from an hour ago, like the certificate, to tolerate clock skew
        let now = (chrono::Utc::now() - chrono::TimeDelta::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
        format!(
            "# Registry entry for gateway `{id}`: give this to partners.\n\
             # Set `endpoint` to where this gateway listens, and choose `role`, `share`, `accept`.\n\
             [[partners]]\n\
             id = \"{id}\"\n\
             endpoint = \"{endpoint}\"\n\
             role = \"law_enforcement\"\n\
             \n\
             [[partners.keys]]\n\
             public_key = \"{pk}\"   # key id {kid}\n\
             not_before = \"{now}\"\n\
             \n\
             [partners.tls]\n\
             fingerprints = [\"{fp}\"]\n",
            id = self.id,
            pk = self.signing.public().to_base64(),
            kid = self.signing.key_id(),
            fp = hex::encode(self.tls.fingerprint()),
        )
    }
}
