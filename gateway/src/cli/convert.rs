//! `homeward convert`: one format to another, without the store.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use homeward_adapters::{Item, ReadContext, Registry, WriteContext};

use super::losses::LossReport;
use super::{CliError, EXIT_REJECTED, input};

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Format of the input (`auto` detects it from the content).
    #[arg(long, default_value = input::AUTO)]
    pub from: String,
    /// Format to write.
    #[arg(long)]
    pub to: String,
    /// Output file (standard output when absent). Written whole or not at all.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Report every loss (one line each) instead of one line per field.
    #[arg(long)]
    pub each_loss: bool,
    /// Exit with status 3 if any input was rejected or anything could not be written exactly.
    #[arg(long)]
    pub strict: bool,
    /// Name written as the sender in document headers.
    #[arg(long, default_value = "homeward")]
    pub sender: String,
    /// The input file (`-` for standard input).
    pub input: PathBuf,
}

/// `registry`: the built-in formats and the configuration's layouts.
pub fn run(args: ConvertArgs, registry: Registry) -> Result<ExitCode, CliError> {
    let target = registry.get(&args.to).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown format `{}` (known: {})",
            args.to,
            registry.names().join(", ")
        ))
    })?;
    let opened = input::open_path(&registry, &args.from, &args.input)?;
    let origin = args.input.display().to_string();
    let items = opened
        .format
        .reader()
        .read(opened.reader, ReadContext::new(&origin));

    let mut buf: Vec<u8> = Vec::new();
    let mut writer = target.writer(&WriteContext::new(&args.sender));
    let werr = |e| CliError::failed(format!("writing {}", args.to), e);
    writer.begin(&mut buf).map_err(werr)?;
    let (mut entries, mut transactions, mut rejected) = (0u64, 0u64, 0u64);
    let mut losses = LossReport::new(&args.to, args.each_loss);
    let mut stderr = std::io::stderr().lock();
    for it in items {
        let lost = match &it.item {
            Item::Entry(r) => {
                entries += 1;
                writer.record(&mut buf, r).map_err(werr)?
            }
            Item::Transaction(t) => {
                transactions += 1;
                writer.transaction(&mut buf, t).map_err(werr)?
            }
            Item::Rejected(rej) => {
                rejected += 1;
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
                Vec::new()
            }
        };
        for w in &it.warnings {
            let _ = writeln!(stderr, "warning: {origin}: {}: {w}", it.position);
        }
        for l in lost {
            losses.add(&l, &mut stderr);
        }
    }
    writer.finish(&mut buf).map_err(werr)?;

    match &args.out {
        Some(path) => write_atomically(path, &buf)?,
        None => std::io::stdout()
            .lock()
            .write_all(&buf)
            .map_err(|e| CliError::io("standard output", e))?,
    }
    losses.summary(&mut stderr);
    let _ = writeln!(
        stderr,
        "{origin}: {} -> {}: {entries} records, {transactions} transactions, {rejected} rejected, {} left out, {} not exact",
        opened.format.name(),
        args.to,
        losses.left_out(),
        losses.not_exact()
    );
    if args.strict && (rejected > 0 || losses.total() > 0) {
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

pub use super::outfile::write_atomically;
