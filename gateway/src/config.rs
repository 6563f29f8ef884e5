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
//! silently ignored). Other parts of the gateway add their own sections here.

use std::path::{Path, PathBuf};

use homeward_adapters::Limits;
use homeward_store::EngineKind;
use serde::{Deserialize, Serialize};

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The local record store.
    #[serde(default)]
    pub store: StoreConfig,
    /// Size limits the format readers enforce.
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// `[store]`: which engine holds the records, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sled` or `redb` (see ARCHITECTURE.md, "Store", for the choice and the crash-test
    /// results). A data directory holds one engine's store; switching engines on existing data
    /// needs `homeward store migrate`.
    #[serde(default)]
    pub engine: EngineKind,
    /// The data directory. `--data-dir` (or `HOMEWARD_DATA_DIR`) overrides it; without
    /// either, `./homeward-data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Longest line of a line format (NCIC: 4,096 bytes by the spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_line_bytes: Option<usize>,
    /// Largest document (XML, PFIF); 64 MiB by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_document_bytes: Option<u64>,
    /// Largest single item (an XML report, a feed entry) held in memory at once; 1 MiB by
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
        Self::parse(&text).map_err(|e| match e {
            ConfigError::Parse { source, .. } => ConfigError::Parse {
                path: path.to_path_buf(),
                source,
            },
            ConfigError::Invalid { what, .. } => ConfigError::Invalid {
                path: path.to_path_buf(),
                what,
            },
            other => other,
        })
    }

    /// Parses configuration text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let parse_error = |e| ConfigError::Parse {
            path: PathBuf::new(),
            source: Box::new(e),
        };
        // The text must be TOML first: deserialising straight into the typed configuration
        // takes an integer past TOML's range (`max_item_bytes = 9253372036854775807`, over
        // i64::MAX) that every other TOML reader refuses (found by fuzzing).
        toml::from_str::<toml::Table>(text).map_err(parse_error)?;
        let c: Config = toml::from_str(text).map_err(parse_error)?;
        if c.store.batch_size == 0 {
            return Err(ConfigError::Invalid {
                path: PathBuf::new(),
                what: "[store] batch_size must be at least 1".into(),
            });
        }
        // Each error names its key (found while writing the fuzz invariants: the message once
        // said only "[limits] must be at least 1 byte each").
        let l = &c.limits;
        for (key, value) in [
            ("max_line_bytes", l.max_line_bytes.map(|v| v as u64)),
            ("max_document_bytes", l.max_document_bytes),
            ("max_item_bytes", l.max_item_bytes.map(|v| v as u64)),
        ] {
            if value == Some(0) {
                return Err(ConfigError::Invalid {
                    path: PathBuf::new(),
                    what: format!("[limits] {key} must be at least 1 byte"),
                });
            }
        }
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
        // an integer TOML cannot hold (over i64::MAX) is refused, naming line and column
        let e = Config::parse("[limits]\nmax_item_bytes = 9253372036854775807\n").unwrap_err();
        assert!(e.to_string().contains("line 2, column 18"), "{e}");
        let e = Config::parse("[limits]\nmax_item_bytes = 0\n").unwrap_err();
        assert!(e.to_string().contains("[limits] max_item_bytes"), "{e}");
    }
}
