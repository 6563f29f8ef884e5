//! The `homeward` command.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: the crossmatch builds and drops millions of
/// small vectors and the store's write path many short-lived buffers; measured back to back
/// on the full crossmatch of 86,674 records, glibc's malloc made the run 10-20 % slower
/// (docs/crossmatch.md, "Figures"). Built without transparent huge pages (the `no_thp`
/// feature, gateway/Cargo.toml): with them the full run's peak memory was ~30 MiB higher and
/// its CPU time no lower. Safe code: the crate does the unsafe part.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        // The reader of standard output went away (`homeward export ... | head`): nothing
        // more to say to it, and no error for the user.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
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

/// Whether the error (or one of its causes) is a write to a closed pipe.
fn broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cur = err.source();
    }
    false
}
