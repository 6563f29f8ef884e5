//! Validation of the registry as written, with messages naming the exact key.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use homeward_schemas::Kind;

use super::{Endpoint, Partner, PartnerConfig, PartnerKey, PartnerRegistry, PartnerTrust};
use crate::keys::{PublicKey, certificates_from_pem};
use crate::policy::InboundPolicy;

/// One problem in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Where (`partners[1].keys[0].not_after`).
    pub path: String,
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a registry could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, or keys of the wrong type or unknown (the message names line and column).
    #[error("{}{message}", file_prefix(.file))]
    Toml {
        file: Option<PathBuf>,
        message: String,
    },
    /// Every problem found, one a line.
    #[error("{}invalid partner registry:\n{}", file_prefix(.file), list(.errors))]
    Invalid {
        file: Option<PathBuf>,
        errors: Vec<ValidationError>,
    },
}

fn file_prefix(f: &Option<PathBuf>) -> String {
    f.as_ref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

fn list(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl RegistryError {
    pub(crate) fn invalid(errors: Vec<ValidationError>) -> Self {
        RegistryError::Invalid { file: None, errors }
    }

    pub(crate) fn in_file(self, path: &Path) -> Self {
        match self {
            RegistryError::Toml { message, .. } => RegistryError::Toml {
                file: Some(path.to_path_buf()),
                message,
            },
            RegistryError::Invalid { errors, .. } => RegistryError::Invalid {
                file: Some(path.to_path_buf()),
                errors,
            },
            e => e,
        }
    }

    /// The validation problems, if that is what this is.
    pub fn problems(&self) -> &[ValidationError] {
        match self {
            RegistryError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }
}

struct Problems(Vec<ValidationError>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationError {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// A partner id: 1–128 of letters, digits and `. _ : -`.
pub fn check_gateway_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("is empty".into());
    }
    if id.len() > 128 {
        return Err(format!("is {} bytes long; at most 128", id.len()));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')))
    {
        return Err(format!(
            "`{id}` contains {c:?}; use letters, digits and . _ : -"
        ));
    }
    Ok(())
}

fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
    let uri: http::Uri = s.parse().map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    if uri.scheme_str() != Some("https") {
        return Err(format!(
            "`{s}` must start with https:// (exchanges only run over mutual TLS)"
        ));
    }
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("`{s}` has no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if uri.query().is_some() {
        return Err(format!("`{s}` must not have a query"));
    }
    let base_path = uri.path().trim_end_matches('/').to_string();
    Ok(Endpoint {
        url: s.trim_end_matches('/').to_string(),
        host,
        port: uri.port_u16().unwrap_or(443),
        base_path,
    })
}

/// The most a CA file may hold: a PEM bundle of a few certificates is a few KiB.
pub const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a CA file: a regular file of at most [`MAX_CA_FILE_BYTES`]. A device, a pipe or a
/// huge file (`ca_file = "/dev/zero"` read until memory ran out; a FIFO blocked the loader
/// for ever) is refused with the path (found while writing the fuzz invariants).
fn read_ca_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("{shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown}: not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(format!(
            "{shown}: larger than {MAX_CA_FILE_BYTES} bytes; not a CA certificate file"
        ));
    }
    Ok(bytes)
}

fn parse_fingerprint(s: &str) -> Result<[u8; 32], String> {
    let clean: String = s.chars().filter(|c| *c != ':').collect();
    let raw = hex::decode(&clean).map_err(|_| {
        format!("`{s}` is not hexadecimal (a SHA-256 fingerprint is 64 hex digits)")
    })?;
    raw.as_slice()
        .try_into()
        .map_err(|_| format!("`{s}` is {} bytes; a SHA-256 fingerprint is 32", raw.len()))
}

pub(super) fn validate(
    configs: &[PartnerConfig],
    base_dir: &Path,
) -> Result<PartnerRegistry, Vec<ValidationError>> {
    let mut problems = Problems(Vec::new());
    let mut partners = Vec::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut fingerprints: HashMap<[u8; 32], String> = HashMap::new();
    let mut cas: HashMap<Vec<u8>, String> = HashMap::new();
    let mut key_owners: HashMap<String, String> = HashMap::new();

    for (i, c) in configs.iter().enumerate() {
        let at = format!("partners[{i}]");
        if let Err(m) = check_gateway_id(&c.id) {
            problems.add(format!("{at}.id"), format!("partner id {m}"));
        }
        if let Some(first) = ids.insert(&c.id, i) {
            problems.add(
                format!("{at}.id"),
                format!("duplicate partner id `{}` (also partners[{first}])", c.id),
            );
        }
        let endpoint = match parse_endpoint(&c.endpoint) {
            Ok(e) => Some(e),
            Err(m) => {
                problems.add(format!("{at}.endpoint"), m);
                None
            }
        };

        // keys
        if c.keys.is_empty() {
            problems.add(
                format!("{at}.keys"),
                "no public key: add a [[partners.keys]] with the partner's public_key",
            );
        }
        let mut keys = Vec::new();
        for (k, kc) in c.keys.iter().enumerate() {
            let kat = format!("{at}.keys[{k}]");
            let key = match PublicKey::from_base64(&kc.public_key) {
                Ok(key) => key,
                Err(e) => {
                    problems.add(format!("{kat}.public_key"), e.to_string());
                    continue;
                }
            };
            let (nb, na) = (kc.not_before.map(|t| t.0), kc.not_after.map(|t| t.0));
            if let (Some(nb), Some(na)) = (nb, na)
                && na <= nb
            {
                problems.add(
                    format!("{kat}.not_after"),
                    format!("{na} is not after not_before {nb}"),
                );
            }
            let key_id = key.key_id();
            if keys.iter().any(|x: &PartnerKey| x.key_id == key_id) {
                problems.add(
                    format!("{kat}.public_key"),
                    format!("key {key_id} is listed twice"),
                );
            }
            if let Some(owner) = key_owners.get(&key_id)
                && owner != &c.id
            {
                problems.add(
                    format!("{kat}.public_key"),
                    format!("key {key_id} is already registered for partner `{owner}`"),
                );
            }
            key_owners.insert(key_id.clone(), c.id.clone());
            keys.push(PartnerKey {
                key,
                key_id,
                not_before: nb,
                not_after: na,
            });
        }

        // TLS trust
        let mut trust = PartnerTrust::default();
        for (f, s) in c.tls.fingerprints.iter().enumerate() {
            match parse_fingerprint(s) {
                Ok(fp) => {
                    if let Some(other) = fingerprints.get(&fp) {
                        problems.add(
                            format!("{at}.tls.fingerprints[{f}]"),
                            format!("certificate already pinned for partner `{other}`"),
                        );
                    }
                    fingerprints.insert(fp, c.id.clone());
                    trust.fingerprints.push(fp);
                }
                Err(m) => problems.add(format!("{at}.tls.fingerprints[{f}]"), m),
            }
        }
        let mut ca_sources: Vec<(String, Result<Vec<u8>, String>)> = Vec::new();
        if let Some(file) = &c.tls.ca_file {
            let path = if file.is_absolute() {
                file.clone()
            } else {
                base_dir.join(file)
            };
            ca_sources.push((format!("{at}.tls.ca_file"), read_ca_file(&path)));
        }
        if let Some(pem) = &c.tls.ca_pem {
            ca_sources.push((format!("{at}.tls.ca_pem"), Ok(pem.as_bytes().to_vec())));
        }
        for (path, bytes) in ca_sources {
            match bytes.and_then(|b| certificates_from_pem(&b)) {
                Ok(certs) => {
                    for cert in certs {
                        if let Err(e) = webpki::anchor_from_trusted_cert(&cert) {
                            problems.add(path.clone(), format!("not a usable CA certificate: {e}"));
                            continue;
                        }
                        if let Some(other) = cas.get(cert.as_ref())
                            && other != &c.id
                        {
                            problems.add(
                                    path.clone(),
                                    format!("CA already registered for partner `{other}`; a CA must identify one partner"),
                                );
                        }
                        cas.insert(cert.as_ref().to_vec(), c.id.clone());
                        trust.cas.push(cert);
                    }
                }
                Err(m) => problems.add(path, m),
            }
        }
        if c.tls.fingerprints.is_empty() && c.tls.ca_file.is_none() && c.tls.ca_pem.is_none() {
            problems.add(
                format!("{at}.tls"),
                "no way to recognise the partner's certificate: set tls.fingerprints or tls.ca_file",
            );
        }

        // policy
        if c.share.statuses.is_empty() && !c.share.kinds.is_empty() {
            problems.add(
                format!("{at}.share.statuses"),
                "empty: nothing would be shared; remove the key for the default [\"active\"]",
            );
        }
        if let Some(kinds) = &c.accept.kinds
            && kinds.contains(&Kind::Unclaimed)
            && !c.role.may_send_unclaimed()
        {
            problems.add(
                    format!("{at}.accept.kinds"),
                    format!(
                        "`unclaimed` may only be accepted from a medical_examiner or a hub (only medical examiners and coroners send unclaimed records); this partner's role is {}",
                        c.role
                    ),
                );
        }
        for (s, src) in c.accept.sources.iter().enumerate() {
            if src.trim().is_empty() {
                problems.add(format!("{at}.accept.sources[{s}]"), "empty source prefix");
            }
        }

        if let Some(endpoint) = endpoint {
            partners.push(Partner {
                id: c.id.clone(),
                endpoint,
                role: c.role,
                keys,
                trust,
                share: c.share.clone(),
                inbound: InboundPolicy::resolve(&c.id, c.role, &c.accept),
            });
        }
    }
    if problems.0.is_empty() {
        Ok(PartnerRegistry::from_partners(partners))
    } else {
        Err(problems.0)
    }
}
