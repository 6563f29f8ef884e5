//! The `homeward` command.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = homeward_gateway::cli::Cli::parse();
    homeward_gateway::cli::init_tracing(cli.verbose);
    match homeward_gateway::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("homeward: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}
