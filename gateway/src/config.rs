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
//! silently ignored). Other parts of the gateway add their own sections here, each with its
//! type and checks in its own module: the running gateway's `[gateway]`, `[listen]`,
//! `[identity]`, `[exchange]` and `[federation]` (`service/config.rs`, `docs/federation.md`),
//! `[admin]` (`admin/config.rs`), `[console]` (`console/config.rs`), `[[jobs]]` (`jobs/config.rs`), `[crossmatch]`
//! (`matching/config.rs`), `[[layouts]]` and
//! `layout_files` (`config/layouts.rs`), `[[partners]]` (the exchange crate's registry).
//! [`check`] reads a file as a whole and reports every problem with its line (`homeward
//! config check FILE`).

pub mod check;
pub mod edit;
pub mod layouts;
pub mod service;

use std::path::{Path, PathBuf};

use homeward_adapters::Limits;
use homeward_adapters::layout::LayoutSpec;
use homeward_exchange::partners::PartnerConfig;
use homeward_store::EngineKind;
use serde::Deserialize;

use crate::admin::config::AdminConfig;
use crate::jobs::config::JobConfig;
use crate::matching::config::CrossmatchSection;
use crate::service::config::{
    ExchangeSection, FederationSection, GatewaySection, IdentitySection, ListenSection,
};
use check::{CheckContext, Problems};

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
    /// `[federation]`: pushes and pulls the gateway runs on its own.
    #[serde(default)]
    pub federation: FederationSection,
    /// `[crossmatch]`: the change-feed consumer that keeps matches and notifications.
    #[serde(default)]
    pub crossmatch: CrossmatchSection,
    /// The administration API (absent: none).
    #[serde(default)]
    pub admin: Option<AdminConfig>,
    /// The web console on the admin listener (absent: none).
    #[serde(default)]
    pub console: Option<crate::console::config::ConsoleConfig>,
    /// Scheduled and on-change jobs.
    #[serde(default)]
    pub jobs: Vec<JobConfig>,
    /// Fixed-width layouts declared here; each becomes a format under its name.
    #[serde(default)]
    pub layouts: Vec<LayoutSpec>,
    /// Files of `[[layouts]]` (relative to this file's directory), e.g.
    /// `config/layouts/state-flatfile.toml`.
    #[serde(default)]
    pub layout_files: Vec<PathBuf>,
    /// The partners this gateway exchanges with (`docs/federation.md`, "Partner registry").
    #[serde(default)]
    pub partners: Vec<PartnerConfig>,
    /// Layouts read from `layout_files` when the file was loaded.
    #[serde(skip)]
    pub file_layouts: Vec<LayoutSpec>,
    /// The directory of the configuration file (relative paths in `[identity]`, `[admin]`,
    /// jobs, layout files and partners' `tls.ca_file` are relative to it); `None` when not read
    /// from a file.
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
    /// The data directory (relative: to the configuration file's directory, like every path
    /// of the file). `--data-dir` (or `HOMEWARD_DATA_DIR`) overrides it; without either,
    /// `./homeward-data`.
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
    /// Reads and checks the file at `path`: every problem is found (see [`check`]); any error
    /// refuses the file, with all of them listed. Warnings are logged.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let report = check::check_file(path);
        if let Some(c) = report.report.config {
            for w in &report.report.problems {
                tracing::warn!("{w}");
            }
            return Ok(c);
        }
        if let Some(e) = report.read_error {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source: e,
            });
        }
        Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            what: format!(
                "{} error(s):\n{}",
                report.report.errors(),
                report.report.render()
            ),
        })
    }

    /// Parses configuration text (without looking at the file system: relative paths, token
    /// and layout files are not read).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let report = check::check_text(
            text,
            None,
            &CheckContext {
                base_dir: PathBuf::from("."),
                filesystem: false,
            },
        );
        match report.config {
            Some(c) => Ok(c),
            None => Err(ConfigError::Invalid {
                path: PathBuf::new(),
                what: report.render(),
            }),
        }
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

    /// Every declared layout: inline `[[layouts]]`, then those of `layout_files`.
    pub fn all_layouts(&self) -> impl Iterator<Item = &LayoutSpec> {
        self.layouts.iter().chain(self.file_layouts.iter())
    }

    /// The formats: the built-in ones and every declared layout, under its name.
    pub fn registry(&self) -> homeward_adapters::Registry {
        let mut r = homeward_adapters::Registry::builtin();
        for spec in self.all_layouts() {
            match homeward_adapters::layout::LayoutFormat::new(spec.clone()) {
                Ok(f) => r.add(std::sync::Arc::new(f)),
                Err(errors) => {
                    for e in errors {
                        tracing::warn!("layout `{}` left out: {e}", spec.name);
                    }
                }
            }
        }
        r
    }

    /// Names of every format the configuration can use.
    pub fn format_names(&self) -> Vec<String> {
        let mut names = homeward_adapters::Registry::builtin().names();
        names.extend(self.all_layouts().map(|l| l.name.clone()));
        names
    }

    /// The data directory: `--data-dir` if given, else `[store] path`, else
    /// `./homeward-data`.
    pub fn data_dir(&self, flag: Option<&Path>) -> PathBuf {
        flag.map(Path::to_path_buf)
            .or_else(|| self.store.path.as_deref().map(|p| self.resolve(p)))
            .unwrap_or_else(|| PathBuf::from("./homeward-data"))
    }
}

/// Every section's semantic checks (after the file's shape is right). Reads the layout files
/// into `cfg.file_layouts` first, so that jobs can name their layouts.
pub(crate) fn check_semantics(cfg: &mut Config, ctx: &CheckContext, p: &mut Problems) {
    cfg.base_dir = ctx.filesystem.then(|| ctx.base_dir.clone());
    if cfg.store.batch_size == 0 {
        p.error(
            "store.batch_size",
            "batch_size must be at least 1",
            Some("remove it for the default (1000)".into()),
        );
    }
    for (key, zero) in [
        ("max_line_bytes", cfg.limits.max_line_bytes == Some(0)),
        (
            "max_document_bytes",
            cfg.limits.max_document_bytes == Some(0),
        ),
        ("max_item_bytes", cfg.limits.max_item_bytes == Some(0)),
    ] {
        if zero {
            p.error(
                format!("limits.{key}"),
                "limits must be at least 1 byte",
                Some(format!("remove `{key}` for the default")),
            );
        }
    }
    layouts::check(cfg, ctx, p);
    check_partners(cfg, ctx, p);
    service::check(cfg, ctx, p);
    crate::admin::config::check(cfg, ctx, p);
    crate::console::config::check(cfg, ctx, p);
    crate::jobs::config::check(cfg, ctx, p);
    crate::matching::config::check(cfg, ctx, p);
}

/// `[[partners]]`: the exchange crate's registry validation (keys, certificates, CA files,
/// duplicates), every problem at its key path.
fn check_partners(cfg: &Config, ctx: &CheckContext, p: &mut Problems) {
    if cfg.partners.is_empty() {
        return;
    }
    let base = if ctx.filesystem {
        ctx.base_dir.clone()
    } else {
        PathBuf::from(".")
    };
    if let Err(errors) =
        homeward_exchange::partners::PartnerRegistry::from_config(&cfg.partners, &base)
    {
        for e in errors {
            // CA files are files: not looked at when checking the text alone.
            if !ctx.filesystem && e.path.contains("ca_file") {
                continue;
            }
            let fix = partner_fix(&e.path, &e.message);
            p.error(e.path, e.message, fix);
        }
    }
}

fn partner_fix(path: &str, message: &str) -> Option<String> {
    let m = message.to_ascii_lowercase();
    Some(if path.ends_with("public_key") {
        "paste the partner's `public_key` from its `homeward keys show` output (base64 of 32 bytes)"
            .into()
    } else if path.contains("fingerprints") {
        "paste the partner's certificate fingerprint (64 hex digits) from its partner.toml".into()
    } else if path.contains("ca_file") || m.contains("ca file") {
        "point ca_file at the partner's CA certificate (PEM), relative to this file".into()
    } else if path.ends_with("endpoint") {
        "write the partner's address as https://host:port".into()
    } else if path.ends_with(".id") || m.contains("duplicate") || m.contains("twice") {
        "give every partner its own id, as it names itself (its `[gateway] id`)".into()
    } else if m.contains("not_after") || m.contains("not_before") {
        "make not_after later than not_before".into()
    } else {
        return None;
    })
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
        // an integer TOML cannot hold (over i64::MAX) is refused, naming its line (found by
        // fuzzing: the typed deserialiser once took it)
        let e = Config::parse("[limits]\nmax_item_bytes = 9253372036854775807\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = Config::parse("[limits]\nmax_item_bytes = 0\n").unwrap_err();
        assert!(e.to_string().contains("max_item_bytes"), "{e}");
    }
}
