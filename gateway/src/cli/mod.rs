//! The `homeward` command line: one module per subcommand, each with its own `Args`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod bench;
pub mod convert;
pub mod crossmatch;
pub mod evaluate;
pub mod generate;
pub mod input;

/// Exit code when `--strict` was given and something was rejected.
pub const EXIT_REJECTED: u8 = 3;

/// Homeward: a federated gateway for missing, unidentified and unclaimed person records.
#[derive(Debug, Parser)]
#[command(name = "homeward", version, about, long_about = None)]
pub struct Cli {
    /// The local store directory.
    #[arg(
        long,
        global = true,
        env = "HOMEWARD_DATA_DIR",
        default_value = "./homeward-data"
    )]
    pub data_dir: PathBuf,

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
    /// Same-person clusters and ranked possible identifications, as CSV, from wire files.
    Crossmatch(crossmatch::CrossmatchArgs),
    /// The crossmatch's quality figures against a world's truth.
    Evaluate(evaluate::EvaluateArgs),
    /// Write a deterministic synthetic world in every wire format, with its truth.
    Generate(generate::GenerateArgs),
    /// Measure (figures for the docs).
    Bench(bench::BenchArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Convert(args) => convert::run(args),
        Command::Crossmatch(args) => crossmatch::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Bench(args) => bench::run(args),
    }
}

/// Logs to stderr; `RUST_LOG` overrides the level chosen by `-v`.
pub fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
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
