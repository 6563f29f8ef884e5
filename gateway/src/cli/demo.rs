//! `homeward demo`: three gateways on loopback, a generated world, a short sync, and what
//! happened (see `crate::demo`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::CliError;
use crate::demo::{DemoOptions, run};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep everything in DIR (configurations, keys, stores, drop folders) instead of a
    /// temporary directory removed at the end.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// People in the generated world.
    #[arg(long, default_value_t = 200)]
    pub persons: usize,
    /// The world's seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The longest the gateways sync before the report (they stop once quiet).
    #[arg(long, default_value_t = 40)]
    pub seconds: u64,
    /// Identification candidates shown.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// After the report, keep the gateways and their web consoles running until SIGTERM or
    /// Ctrl-C.
    #[arg(long)]
    pub serve: bool,
}

pub fn run_demo(args: DemoArgs) -> Result<ExitCode, CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed("starting the runtime", e))?;
    let opts = DemoOptions {
        dir: args.dir,
        persons: args.persons.max(10),
        seed: args.seed,
        max_seconds: args.seconds,
        hub_delay: Duration::from_secs(3),
        top: args.top,
        serve: args.serve,
    };
    let mut out = std::io::stdout();
    rt.block_on(run(opts, &mut out))
        .map_err(|e| CliError::failed("running the demo", e))?;
    Ok(ExitCode::SUCCESS)
}
