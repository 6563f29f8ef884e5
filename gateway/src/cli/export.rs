//! `homeward export`: every stored record (or those of a kind or source) in a format.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use homeward_adapters::WriteContext;
use homeward_schemas::Kind;

use super::losses::LossReport;
use super::outfile::OutFile;
use super::{CliError, EXIT_REJECTED, Env, store_err};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Format to write (`ncic`, `xml`, `pfif`, ...).
    #[arg(long)]
    pub format: String,
    /// Only records of this kind (`missing`, `unidentified`, `unclaimed`).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only records of this source.
    #[arg(long)]
    pub source: Option<String>,
    /// Output file (standard output when absent). Written whole or not at all.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Name written as the sender in document headers.
    #[arg(long, default_value = "homeward")]
    pub sender: String,
    /// Report every loss (one line each) instead of one line per field.
    #[arg(long)]
    pub each_loss: bool,
    /// Exit with status 3 if anything could not be written exactly.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(env: &Env, args: ExportArgs) -> Result<ExitCode, CliError> {
    let registry = env.registry();
    let format = registry.get(&args.format).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown format `{}` (known: {})",
            args.format,
            registry.names().join(", ")
        ))
    })?;
    let kind = match &args.kind {
        Some(k) => Some(Kind::from_name(k).ok_or_else(|| {
            CliError::Usage(format!(
                "unknown kind `{k}` (known: missing, unidentified, unclaimed)"
            ))
        })?),
        None => None,
    };
    let store = env.open_store()?;
    let records: Box<dyn Iterator<Item = _>> = match &args.source {
        Some(s) => Box::new(store.records_of(s).map_err(store_err("reading records"))?),
        None => Box::new(store.records().map_err(store_err("reading records"))?),
    };

    // To a file: a temporary file beside it, renamed into place when complete.
    let mut file = match &args.out {
        Some(path) => Some(OutFile::create(path)?),
        None => None,
    };
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    let mut out: &mut dyn Write = match &mut file {
        Some(f) => f,
        None => &mut stdout,
    };
    let werr = |e| CliError::failed(format!("writing {}", args.format), e);
    let mut writer = format.writer(&WriteContext::new(&args.sender));
    writer.begin(&mut out).map_err(werr)?;
    let mut n = 0u64;
    let mut losses = LossReport::new(&args.format, args.each_loss);
    let mut stderr = std::io::stderr().lock();
    for r in records {
        let r = r.map_err(store_err("reading records"))?;
        if kind.is_some_and(|k| k != r.kind) {
            continue;
        }
        for l in writer.record(&mut out, &r).map_err(werr)? {
            losses.add(&l, &mut stderr);
        }
        n += 1;
    }
    writer.finish(&mut out).map_err(werr)?;
    out.flush().map_err(|e| CliError::io("output", e))?;
    if let Some(f) = file {
        f.commit()?;
    }
    losses.summary(&mut stderr);
    let _ = writeln!(
        stderr,
        "exported {} of {n} records as {} ({} left out, {} not exact)",
        n.saturating_sub(losses.left_out()),
        args.format,
        losses.left_out(),
        losses.not_exact()
    );
    if args.strict && losses.total() > 0 {
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}
