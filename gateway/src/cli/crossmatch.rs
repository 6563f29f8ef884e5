//! `homeward crossmatch`: same-person clusters and ranked possible identifications, from wire
//! files (transactions applied in memory, so closed cases are not proposed).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use homeward_adapters::{Item, ReadContext, Registry};
use homeward_crossmatch::replay::Replay;
use homeward_crossmatch::{Config, Engine, output};
use homeward_schemas::Record;

use super::{CliError, input};

#[derive(Debug, Args)]
pub struct CrossmatchArgs {
    /// Wire files or directories to read (every file under a directory).
    #[arg(long = "input", required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// Format of the inputs (`auto` detects each file's from its content).
    #[arg(long, default_value = input::AUTO)]
    pub format: String,
    /// The CSV to write (standard output when absent). Written whole or not at all.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Possible identifications kept per unidentified or unclaimed record.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

/// Records read from wire files, with transactions applied.
pub struct Loaded {
    pub records: Vec<Record>,
    pub files: usize,
    pub entries: u64,
    pub transactions: u64,
    /// Items a reader refused, and transactions naming a record not held.
    pub rejected: u64,
}

/// Reads every file under `paths` with its format's reader and applies the transactions in
/// order. Refused items are reported on stderr and counted; the rest go through.
pub fn load(paths: &[PathBuf], format: &str) -> Result<Loaded, CliError> {
    let registry = Registry::builtin();
    let files = input::collect_files(paths)?;
    let mut replay = Replay::new();
    let mut out = Loaded {
        records: Vec::new(),
        files: files.len(),
        entries: 0,
        transactions: 0,
        rejected: 0,
    };
    let mut stderr = std::io::stderr().lock();
    for f in &files {
        let opened = input::open_path(&registry, format, f)?;
        let origin = f.display().to_string();
        for it in opened
            .format
            .reader()
            .read(opened.reader, ReadContext::new(&origin))
        {
            match it.item {
                Item::Entry(r) => {
                    out.entries += 1;
                    replay.entry(*r);
                }
                Item::Transaction(t) => {
                    out.transactions += 1;
                    if let Err(e) = replay.transaction(&t) {
                        out.rejected += 1;
                        let _ = writeln!(stderr, "not applied: {origin}: {}: {e}", it.position);
                    }
                }
                Item::Rejected(rej) => {
                    out.rejected += 1;
                    let _ = writeln!(
                        stderr,
                        "rejected: {origin}: {}: {}{}",
                        it.position,
                        rej.field
                            .as_deref()
                            .map(|f| format!("{f}: "))
                            .unwrap_or_default(),
                        rej.reason
                    );
                }
            }
        }
    }
    out.records = replay.into_records();
    Ok(out)
}

pub fn run(args: CrossmatchArgs) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let loaded = load(&args.inputs, &args.format)?;
    let read = started.elapsed();
    let config = Config {
        top_k: args.top,
        ..Config::default()
    };
    let Loaded {
        records,
        files,
        transactions,
        rejected,
        ..
    } = loaded;
    let total = records.len();
    // the records are consumed as their profiles are built
    let engine = Engine::from_records(config, records);
    let matches = engine.run();
    let matched = started.elapsed() - read;
    let rows = match &args.out {
        Some(path) => {
            let mut buf: Vec<u8> = Vec::new();
            let n = output::write_matches(&engine, &matches, &mut buf)
                .map_err(|e| CliError::io(path.display(), e))?;
            super::convert::write_atomically(path, &buf)?;
            n
        }
        None => {
            let stdout = std::io::stdout().lock();
            output::write_matches(&engine, &matches, BufWriter::new(stdout))
                .map_err(|e| CliError::io("standard output", e))?
        }
    };
    let closed = total - engine.len();
    eprintln!(
        "{} files: {} records ({} closed, not proposed), {} transactions, {} rejected; \
         {} same-person links in {} clusters, {} possible identifications for {} records; \
         {rows} rows; read {:.2}s, matched {:.2}s",
        files,
        total,
        closed,
        transactions,
        rejected,
        matches.same_person.len(),
        matches.clusters.len(),
        matches.identifications.len(),
        matches.stats.records_to_identify,
        read.as_secs_f64(),
        matched.as_secs_f64(),
    );
    Ok(ExitCode::SUCCESS)
}
