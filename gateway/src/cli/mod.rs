//! The `homeward` command line: one module per subcommand, each with its own `Args`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use homeward_adapters::Limits;
use homeward_store::{Store, StoreError};

use crate::config::Config;

pub mod bench;
pub mod bench_exchange;
pub mod config;
pub mod console;
pub mod convert;
pub mod crossmatch;
pub mod demo;
pub mod evaluate;
pub mod export;
pub mod generate;
pub mod import;
pub mod input;
pub mod keys;
pub mod log;
pub mod losses;
pub mod matches;
pub mod outfile;
pub mod quarantine;
pub mod records;
pub mod serve;
pub mod stats;
pub mod status;
pub mod store;

/// Exit code when `--strict` was given and something was rejected.
pub const EXIT_REJECTED: u8 = 3;

/// Homeward: a federated gateway for missing, unidentified and unclaimed person records.
#[derive(Debug, Parser)]
#[command(name = "homeward", version, about, long_about = None)]
pub struct Cli {
    /// The local store directory [default: `[store] path` of the configuration, else
    /// ./homeward-data].
    #[arg(long, global = true, env = "HOMEWARD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// The configuration file (TOML; see `gateway/src/config.rs`). Without it, defaults.
    #[arg(long, global = true, env = "HOMEWARD_CONFIG")]
    pub config: Option<PathBuf>,

    /// More log output (-v info, -vv debug). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert a file from one format to another without touching the store.
    Convert(convert::ConvertArgs),
    /// Import files or directories into the store.
    Import(import::ImportArgs),
    /// Write every stored record in a format.
    Export(export::ExportArgs),
    /// Show stored records and their history.
    #[command(subcommand)]
    Records(records::RecordsCommand),
    /// List, show and reprocess refused input.
    #[command(subcommand)]
    Quarantine(quarantine::QuarantineCommand),
    /// Count records by kind, status and source, and quarantine.
    Stats(stats::StatsArgs),
    /// Maintain the store: check, dump, load, migrate between engines, change feed.
    #[command(subcommand)]
    Store(store::StoreCommand),
    /// Generate or show this gateway's signing key and TLS certificate.
    Keys(keys::KeysArgs),
    /// Check a configuration file.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Jobs, partners, quarantine and store of a running gateway (through its admin API).
    Status(status::StatusArgs),
    /// Administer a running gateway through its admin API: reload, run a job, reprocess
    /// quarantine, read the audit log; or make an admin token.
    #[command(subcommand)]
    Admin(status::AdminCommand),
    /// Same-person clusters and ranked possible identifications, as CSV: of the stored
    /// records, or of wire files (`--input`).
    Crossmatch(crossmatch::CrossmatchArgs),
    /// Match notifications per agency; confirm or exclude a pair.
    Matches(matches::MatchesArgs),
    /// The crossmatch's quality figures against a world's truth.
    Evaluate(evaluate::EvaluateArgs),
    /// Write a deterministic synthetic world in every wire format, with its truth.
    Generate(generate::GenerateArgs),
    /// Measure (figures for the docs).
    Bench(bench::BenchArgs),
    /// Three gateways on loopback — a state agency, a national hub, a partner abroad — fed a
    /// generated world: they sync for a short while, then what moved, what was refused and
    /// the hub's best identification candidates are printed. Needs nothing but this binary.
    Demo(demo::DemoArgs),
    /// Manage the web console's accounts.
    #[command(subcommand)]
    Console(console::ConsoleCommand),
    /// Run the gateway: the partner API (mutual TLS) and the pushes and pulls of
    /// `[federation]`, until SIGTERM or SIGINT. Needs --config.
    Serve(serve::ServeArgs),
    /// The evidence log: verify it offline, or show its entries.
    #[command(subcommand)]
    Log(log::LogCommand),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    // Commands that read a configuration themselves, or none.
    let command = match cli.command {
        Command::Config(cmd) => return config::run(cmd),
        Command::Demo(args) => return demo::run_demo(args),
        Command::Admin(status::AdminCommand::Token { name }) => {
            return status::run_admin(
                &Env {
                    config: Config::default(),
                    data_dir: PathBuf::new(),
                    config_path: None,
                },
                status::AdminCommand::Token { name },
            );
        }
        other => other,
    };
    let cli = Cli { command, ..cli };
    let env = Env::load(&cli)?;
    match cli.command {
        Command::Convert(args) => convert::run(args, env.registry()),
        Command::Import(args) => import::run(&env, args),
        Command::Export(args) => export::run(&env, args),
        Command::Records(cmd) => records::run(&env, cmd),
        Command::Quarantine(cmd) => quarantine::run(&env, cmd),
        Command::Stats(args) => stats::run(&env, args),
        Command::Store(cmd) => store::run(&env, cmd),
        Command::Keys(args) => keys::run(args),
        Command::Config(cmd) => config::run(cmd),
        Command::Status(args) => status::run_status(&env, args),
        Command::Admin(cmd) => status::run_admin(&env, cmd),
        Command::Crossmatch(args) => crossmatch::run(&env, args),
        Command::Matches(args) => matches::run(&env, args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Demo(args) => demo::run_demo(args),
        Command::Serve(args) => serve::run(&env, args),
        Command::Console(cmd) => console::run(&env, cmd),
        Command::Log(cmd) => log::run(&env, cmd),
    }
}

/// What every store command needs: the configuration and the data directory.
#[derive(Debug, Clone)]
pub struct Env {
    pub config: Config,
    pub data_dir: PathBuf,
    /// The configuration file, when one was given (`serve` reloads it).
    pub config_path: Option<PathBuf>,
}

impl Env {
    /// Loads `--config` (defaults without it) and settles the data directory.
    pub fn load(cli: &Cli) -> Result<Self, CliError> {
        let config = match &cli.config {
            Some(p) => {
                Config::load(p).map_err(|e| CliError::failed("reading the configuration", e))?
            }
            None => Config::default(),
        };
        let data_dir = config.data_dir(cli.data_dir.as_deref());
        Ok(Self {
            config,
            data_dir,
            config_path: cli.config.clone(),
        })
    }

    /// Opens the store of the configured engine in the data directory.
    pub fn open_store(&self) -> Result<Store, CliError> {
        Store::open(&self.data_dir, self.config.store.engine).map_err(|e| {
            CliError::failed(
                format!(
                    "opening the {} store in {}",
                    self.config.store.engine,
                    self.data_dir.display()
                ),
                e,
            )
        })
    }

    /// Reader limits from the configuration.
    pub fn limits(&self) -> Limits {
        self.config.limits.limits()
    }

    /// The formats: built-in ones and the configuration's layouts.
    pub fn registry(&self) -> homeward_adapters::Registry {
        self.config.registry()
    }
}

/// A store error as a command failure, saying what was being done.
pub(crate) fn store_err(context: impl Into<String>) -> impl FnOnce(StoreError) -> CliError {
    let context = context.into();
    move |e| CliError::failed(context, e)
}

/// Logs to stderr; `RUST_LOG` overrides the level chosen by `-v` (`u8::MAX`: errors only).
pub fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        u8::MAX => "error",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A command that could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Any other failure, with what was being done.
    #[error("{context}")]
    Failed {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl CliError {
    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        CliError::Io {
            path: path.to_string(),
            source,
        }
    }

    pub fn failed(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        CliError::Failed {
            context: context.into(),
            source: source.into(),
        }
    }

    /// 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }
}
