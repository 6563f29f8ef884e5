//! The `homeward` command.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = homeward_gateway::cli::Cli::parse();
    // The demo provokes failures on purpose (a partner down, a stranger refused): its report
    // says so, so only errors are logged unless -v asks for more.
    let demo = matches!(cli.command, homeward_gateway::cli::Command::Demo(_));
    homeward_gateway::cli::init_tracing(if demo && cli.verbose == 0 {
        u8::MAX
    } else {
        cli.verbose
    });
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
