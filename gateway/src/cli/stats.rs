//! `homeward stats`: what the store holds.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::{CliError, Env, store_err};

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// As JSON (the total is `records`).
    #[arg(long)]
    pub json: bool,
}

pub fn run(env: &Env, args: StatsArgs) -> Result<ExitCode, CliError> {
    let store = env.open_store()?;
    let s = store.stats().map_err(store_err("counting records"))?;
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::io("standard output", e);
    if args.json {
        let text =
            serde_json::to_string_pretty(&s).map_err(|e| CliError::failed("writing JSON", e))?;
        writeln!(out, "{text}").map_err(io)?;
        return Ok(ExitCode::SUCCESS);
    }
    let join = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        out,
        "records: {} ({} store in {})",
        s.records,
        s.engine,
        env.data_dir.display()
    )
    .map_err(io)?;
    writeln!(out, "by kind: {}", join(&s.by_kind)).map_err(io)?;
    writeln!(out, "by status: {}", join(&s.by_status)).map_err(io)?;
    writeln!(out, "by source: {}", join(&s.by_source)).map_err(io)?;
    writeln!(
        out,
        "quarantine: {} open{}, {} resolved",
        s.quarantine.open,
        if s.quarantine.by_stage.is_empty() {
            String::new()
        } else {
            format!(" ({})", join(&s.quarantine.by_stage))
        },
        s.quarantine.resolved
    )
    .map_err(io)?;
    writeln!(out, "change feed: {} changes", s.last_change).map_err(io)?;
    Ok(ExitCode::SUCCESS)
}
