//! Homeward federation: signed exchanges between gateways over mutual TLS.
//!
//! - [`keys`]: ed25519 signing keys and TLS identities (`homeward keys generate`).
//! - [`partners`]: the partner registry (TOML) and its validation.
//! - [`tls`]: rustls configurations whose certificate verifiers check peers against the
//!   registry, not DNS or a public PKI.
//! - [`envelope`]: the signed envelope, its canonical encoding, verification and replay
//!   detection.
//! - [`receipt`]: the signed receipt a receiver answers with after a durable commit.
//! - [`evidence`]: the hash-chained, Merkle-provable log of every exchange and refusal.
//! - [`policy`]: what is shared with and accepted from each partner, field by field.
//! - [`server`] and [`client`]: the partner API over HTTPS with mutual TLS.
//! - [`invariants`]: what the fuzz targets `envelope`, `receipt` and `request` check.
//! - [`backend`]: the traits the gateway implements with its store ([`backend::ExchangeBackend`],
//!   [`envelope::ReplayGuard`], [`evidence::EvidenceStorage`]); [`memory`] holds in-memory
//!   implementations for tests and development.
//!
//! The protocol, encodings, log format and policy rules are described in `docs/federation.md`.
#![forbid(unsafe_code)]

pub mod backend;
pub mod client;
pub mod clock;
pub mod codec;
pub mod envelope;
pub mod evidence;
pub mod fixtures;
pub mod harness;
pub mod invariants;
pub mod keys;
pub mod memory;
pub mod partners;
pub mod payload;
pub mod policy;
pub mod receipt;
pub mod server;
pub mod tls;
