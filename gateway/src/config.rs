//! The gateway's configuration file (TOML), `--config FILE`.
//!
//! ```toml
//! [store]
//! engine = "sled"          # or "redb"
//! path = "/var/lib/homeward"
//! batch_size = 1000
//!
//! [limits]
//! max_line_bytes = 4096
//! max_document_bytes = 67108864
//! max_item_bytes = 1048576
//! ```
//!
//! Every section and key is optional; unknown keys are refused (a misspelt key must not be
//! silently ignored). Other parts of the gateway add their own sections here: the running
//! gateway's `[gateway]`, `[listen]`, `[identity]`, `[exchange]`, `[federation]` and the
//! `[[partners]]` registry are described in `crate::service::config` and `docs/federation.md`.

use std::path::{Path, PathBuf};

use homeward_adapters::Limits;
use homeward_exchange::partners::PartnerConfig;
use homeward_store::EngineKind;
use serde::Deserialize;

use crate::service::config::{
    ExchangeSection, FederationSection, GatewaySection, IdentitySection, ListenSection,
};

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The local record store.
    #[serde(default)]
    pub store: StoreConfig,
    /// Size limits the format readers enforce.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// `[gateway]`: this gateway's id and name (needed by `homeward serve`).
    #[serde(default)]
    pub gateway: Option<GatewaySection>,
    /// `[listen]`: the partner API's address (needed by `homeward serve`).
    #[serde(default)]
    pub listen: Option<ListenSection>,
    /// `[identity]`: where this gateway's keys are.
    #[serde(default)]
    pub identity: IdentitySection,
    /// `[exchange]`: protocol limits and retries.
    #[serde(default)]
    pub exchange: ExchangeSection,
    /// `[[partners]]`: the partner registry (`homeward_exchange::partners`).
    #[serde(default)]
    pub partners: Vec<PartnerConfig>,
    /// `[federation]`: pushes and pulls the gateway runs on its own.
    #[serde(default)]
    pub federation: FederationSection,
    /// The directory of the configuration file (relative paths in `[identity]` and partners'
    /// `tls.ca_file` are relative to it); `None` when not read from a file.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

/// `[store]`: which engine holds the records, and where.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sled` or `redb` (see ARCHITECTURE.md, "Store", for the choice and the crash-test
    /// results). A data directory holds one engine's store; switching engines on existing data
    /// needs `homeward store migrate`.
    #[serde(default)]
    pub engine: EngineKind,
    /// The data directory. `--data-dir` (or `HOMEWARD_DATA_DIR`) overrides it; without
    /// either, `./homeward-data`.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// How many input items one atomic, durable batch holds during an import. Larger batches
    /// import faster; an acknowledgement waits for its whole batch.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
}

fn default_batch_size() -> usize {
    1000
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            engine: EngineKind::default(),
            path: None,
            batch_size: default_batch_size(),
        }
    }
}

/// `[limits]`: reader size limits ([`homeward_adapters::Limits`]); absent keys keep their
/// defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Longest line of a line format (NCIC: 4,096 bytes by the spec).
    pub max_line_bytes: Option<usize>,
    /// Largest document (XML, PFIF); 64 MiB by default.
    pub max_document_bytes: Option<u64>,
    /// Largest single item (an XML report, a feed entry) held in memory at once; 1 MiB by
    /// default.
    pub max_item_bytes: Option<usize>,
}

impl LimitsConfig {
    /// The limits, defaults filled in.
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_line_bytes: self.max_line_bytes.unwrap_or(d.max_line_bytes),
            max_document_bytes: self.max_document_bytes.unwrap_or(d.max_document_bytes),
            max_item_bytes: self.max_item_bytes.unwrap_or(d.max_item_bytes),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("{path}: {what}")]
    Invalid { path: PathBuf, what: String },
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            source: e,
        })?;
        let mut c = Self::parse(&text).map_err(|e| match e {
            ConfigError::Parse { source, .. } => ConfigError::Parse {
                path: path.to_path_buf(),
                source,
            },
            ConfigError::Invalid { what, .. } => ConfigError::Invalid {
                path: path.to_path_buf(),
                what,
            },
            other => other,
        })?;
        c.base_dir = Some(
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
        );
        Ok(c)
    }

    /// The directory relative paths are resolved against.
    pub fn base_dir(&self) -> &Path {
        self.base_dir.as_deref().unwrap_or(Path::new("."))
    }

    /// `path` resolved against [`Config::base_dir`].
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir().join(path)
        }
    }

    /// The directory of this gateway's keys (`[identity] dir`, default `keys`), resolved.
    pub fn identity_dir(&self) -> PathBuf {
        self.resolve(self.identity.dir.as_deref().unwrap_or(Path::new("keys")))
    }

    /// Parses configuration text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::new(),
            source: Box::new(e),
        })?;
        if c.store.batch_size == 0 {
            return Err(ConfigError::Invalid {
                path: PathBuf::new(),
                what: "[store] batch_size must be at least 1".into(),
            });
        }
        let l = c.limits.limits();
        if l.max_line_bytes == 0 || l.max_document_bytes == 0 || l.max_item_bytes == 0 {
            return Err(ConfigError::Invalid {
                path: PathBuf::new(),
                what: "[limits] must be at least 1 byte each".into(),
            });
        }
        let invalid = |what: String| ConfigError::Invalid {
            path: PathBuf::new(),
            what,
        };
        if let Some(g) = &c.gateway {
            homeward_exchange::partners::check_gateway_id(&g.id)
                .map_err(|m| invalid(format!("[gateway] id: gateway id {m}")))?;
        }
        c.exchange.validate().map_err(invalid)?;
        let ids: Vec<&str> = c.partners.iter().map(|p| p.id.as_str()).collect();
        c.federation.validate(&ids).map_err(invalid)?;
        Ok(c)
    }

    /// The data directory: `--data-dir` if given, else `[store] path`, else
    /// `./homeward-data`.
    pub fn data_dir(&self, flag: Option<&Path>) -> PathBuf {
        flag.map(Path::to_path_buf)
            .or_else(|| self.store.path.clone())
            .unwrap_or_else(|| PathBuf::from("./homeward-data"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_all_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.store.engine, EngineKind::default());
        assert_eq!(c.limits.limits(), Limits::default());
        assert_eq!(c.data_dir(None), PathBuf::from("./homeward-data"));
    }

    #[test]
    fn store_and_limits_are_read() {
        let c = Config::parse(
            "[store]\nengine = \"redb\"\npath = \"/srv/hw\"\nbatch_size = 50\n[limits]\nmax_line_bytes = 100\n",
        )
        .unwrap();
        assert_eq!(c.store.engine, EngineKind::Redb);
        assert_eq!(c.store.batch_size, 50);
        assert_eq!(c.data_dir(None), PathBuf::from("/srv/hw"));
        assert_eq!(
            c.data_dir(Some(Path::new("/tmp/x"))),
            PathBuf::from("/tmp/x")
        );
        assert_eq!(c.limits.limits().max_line_bytes, 100);
        assert_eq!(
            c.limits.limits().max_item_bytes,
            Limits::default().max_item_bytes
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(Config::parse("[store]\nengnie = \"redb\"\n").is_err());
        assert!(Config::parse("[stroe]\n").is_err());
        assert!(Config::parse("[store]\nengine = \"rocksdb\"\n").is_err());
        assert!(Config::parse("[store]\nbatch_size = 0\n").is_err());
        assert!(Config::parse("[limits]\nmax_line_bytes = 0\n").is_err());
    }
}
