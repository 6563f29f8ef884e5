//! ed25519 signing keys.

use std::path::Path;

use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::KeyError;
use super::files::{read_private_file, write_private_file};

/// The key id of a raw ed25519 public key: the first 8 bytes of its SHA-256, lower-case hex.
pub fn key_id(public_key: &[u8; 32]) -> String {
    hex::encode(&crate::codec::sha256(public_key)[..8])
}

/// An ed25519 private key. `Debug` shows only the key id; the secret is wiped on drop.
pub struct SigningKeyPair {
    key: SigningKey,
}

impl std::fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyPair")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl SigningKeyPair {
    /// A new key from 32 bytes of operating-system randomness.
    pub fn generate() -> Result<Self, KeyError> {
        let seed = Zeroizing::new(crate::clock::random_bytes::<32>()?);
        Ok(Self {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// The key from a 32-byte seed (tests and fixtures).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(seed),
        }
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    pub fn key_id(&self) -> String {
        self.public().key_id()
    }

    /// Signs `message` (RFC 8032 ed25519).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// The private key as PKCS#8 PEM (wiped when dropped).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        self.key
            .to_pkcs8_pem(Default::default())
            .map(|s| Zeroizing::new(s.to_string()))
            .map_err(|e| KeyError::Generate {
                what: "PKCS#8 encoding of the signing key",
                reason: e.to_string(),
            })
    }

    /// Parses a PKCS#8 PEM private key. Errors never include the input.
    pub fn from_pkcs8_pem(pem: &str, path: &Path) -> Result<Self, KeyError> {
        SigningKey::from_pkcs8_pem(pem)
            .map(|key| Self { key })
            .map_err(|e| KeyError::Invalid {
                path: path.to_path_buf(),
                what: "ed25519 PKCS#8 private key",
                reason: e.to_string(),
            })
    }

    /// Writes the key to `path` (PKCS#8 PEM, mode 0600).
    pub fn save(&self, path: &Path, overwrite: bool) -> Result<(), KeyError> {
        let pem = self.to_pkcs8_pem()?;
        write_private_file(path, pem.as_bytes(), overwrite)
    }

    /// Loads a key written by [`SigningKeyPair::save`]; refuses a file others can read.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let bytes = read_private_file(path)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| KeyError::Invalid {
            path: path.to_path_buf(),
            what: "PEM file",
            reason: "not UTF-8 text".into(),
        })?;
        Self::from_pkcs8_pem(text, path)
    }
}

/// An ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

impl PublicKey {
    /// From the raw 32 bytes; refuses bytes that are not a curve point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        VerifyingKey::from_bytes(bytes)
            .map(PublicKey)
            .map_err(|e| KeyError::PublicKey(format!("not an ed25519 public key: {e}")))
    }

    /// From standard base64 of the raw 32 bytes (the registry's form).
    pub fn from_base64(s: &str) -> Result<Self, KeyError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|e| KeyError::PublicKey(format!("not valid base64: {e}")))?;
        let arr: [u8; 32] = raw.as_slice().try_into().map_err(|_| {
            KeyError::PublicKey(format!(
                "an ed25519 public key is 32 bytes, this is {}",
                raw.len()
            ))
        })?;
        Self::from_bytes(&arr)
    }

    /// From an SPKI PEM (`signing.pub`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        VerifyingKey::from_public_key_pem(pem)
            .map(PublicKey)
            .map_err(|e| KeyError::PublicKey(format!("not an ed25519 SPKI PEM: {e}")))
    }

    pub fn to_pem(&self) -> Result<String, KeyError> {
        self.0
            .to_public_key_pem(Default::default())
            .map_err(|e| KeyError::Generate {
                what: "SPKI encoding of the public key",
                reason: e.to_string(),
            })
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0.as_bytes())
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn key_id(&self) -> String {
        key_id(self.0.as_bytes())
    }

    /// Whether `signature` is this key's signature of `message` (strict RFC 8032 checks:
    /// no small-order keys, no malleable signatures).
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = Signature::from_bytes(signature);
        self.0.verify_strict(message, &sig).is_ok()
    }
}
