//! `homeward import`: files or directories into the store, acknowledged batch by batch.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use clap::Args;
use homeward_adapters::{Position, ReadContext, ReadItem};
use homeward_store::{AUTO_FORMAT, InputContext, ItemOutcome, Origin, Outcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::{CliError, EXIT_REJECTED, Env, input};
use crate::pipeline::{ImportSummary, Pipeline};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Format of the input (`auto` detects it from each file's content).
    #[arg(long, default_value = input::AUTO)]
    pub format: String,
    /// File the records under this source instead of the format's own rule (NCIC: the ORI;
    /// XML: the sender; PFIF: the originating domain).
    #[arg(long)]
    pub source: Option<String>,
    /// Exit with status 3 if anything was rejected.
    #[arg(long)]
    pub strict: bool,
    /// Append one JSON line per input item to FILE as soon as its batch is durable: what this
    /// import has acknowledged (origin, position, outcome, record, version, digest).
    #[arg(long, value_name = "FILE")]
    pub ack_log: Option<PathBuf>,
    /// Items per durable batch [default: `[store] batch_size` of the configuration, 1000].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Files or directories (read recursively, in name order).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// One line of `--ack-log`.
#[derive(Serialize)]
struct AckLine<'a> {
    origin: &'a str,
    #[serde(flatten)]
    item: &'a ItemOutcome,
}

/// Counts the bytes a reader has consumed (for the progress bar).
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn progress(total: u64) -> ProgressBar {
    if !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
    ) {
        pb.set_style(style);
    }
    pb
}

pub fn run(env: &Env, args: ImportArgs) -> Result<ExitCode, CliError> {
    let registry = env.registry();
    if args.format != input::AUTO && registry.get(&args.format).is_none() {
        return Err(CliError::Usage(format!(
            "unknown format `{}` (known: {}, auto)",
            args.format,
            registry.names().join(", ")
        )));
    }
    let files = input::collect_files(&args.paths)?;
    let store = env.open_store()?;
    let batch = args
        .batch_size
        .unwrap_or(env.config.store.batch_size)
        .max(1);
    let pipeline = Pipeline::new(&store, batch);
    let total_bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let pb = progress(total_bytes);
    let mut ack = match &args.ack_log {
        Some(p) => Some(open_ack_log(p)?),
        None => None,
    };
    let mut total = ImportSummary::default();
    let mut done_bytes = 0u64;
    for path in &files {
        let origin = path.display().to_string();
        pb.set_message(origin.clone());
        let counter = Arc::new(AtomicU64::new(0));
        let file = File::open(path).map_err(|e| CliError::io(&origin, e))?;
        let stream = Box::new(Counting {
            inner: file,
            read: counter.clone(),
        });
        let received_at = Utc::now();
        let (items, format): (Box<dyn Iterator<Item = ReadItem> + Send>, String) =
            match input::open_stream(&registry, &args.format, &origin, stream) {
                Ok(opened) => {
                    let ctx = ReadContext {
                        origin: origin.clone(),
                        source: args.source.clone(),
                        limits: env.limits(),
                        received_at,
                        may_send_unclaimed: None,
                    };
                    let name = opened.format.name().to_string();
                    (opened.format.reader().read(opened.reader, ctx), name)
                }
                // A file whose format cannot be told is refused whole and kept, like any
                // other unreadable input; the import goes on.
                Err(CliError::Usage(reason)) if args.format == input::AUTO => {
                    let raw = head_of(path, env.limits().max_document_bytes)?;
                    let item =
                        ReadItem::rejected(AUTO_FORMAT, None, reason, Position::default(), raw);
                    (Box::new(std::iter::once(item)), AUTO_FORMAT.to_string())
                }
                Err(e) => return Err(e),
            };
        let input = InputContext {
            origin: Origin::File(origin.clone()),
            format: format.clone(),
            source: args.source.clone(),
            received_at,
        };
        let summary = pipeline
            .run(items, &input, |outcomes| {
                if let Some(w) = ack.as_mut() {
                    for o in outcomes {
                        serde_json::to_writer(
                            &mut *w,
                            &AckLine {
                                origin: &origin,
                                item: o,
                            },
                        )
                        .map_err(std::io::Error::other)?;
                        w.write_all(b"\n")?;
                    }
                    w.flush()?;
                }
                pb.suspend(|| report(&origin, outcomes));
                pb.set_position(done_bytes + counter.load(Ordering::Relaxed));
                Ok(())
            })
            .map_err(|e| CliError::failed(format!("importing {origin}"), e))?;
        done_bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        pb.set_position(done_bytes);
        pb.suspend(|| println!("{origin}: {format}: {summary}"));
        total.merge(&summary);
    }
    pb.finish_and_clear();
    if files.len() > 1 {
        println!("total: {} files: {total}", files.len());
    }
    if args.strict && total.rejected > 0 {
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Tells stderr about rejections and warnings of an acknowledged batch.
fn report(origin: &str, outcomes: &[ItemOutcome]) {
    let mut err = std::io::stderr().lock();
    for o in outcomes {
        if let Outcome::Rejected {
            quarantine,
            field,
            reason,
            repeated,
        } = &o.outcome
        {
            let _ = writeln!(
                err,
                "rejected: {origin}: {}: {}{reason} ({} quarantine #{quarantine})",
                o.position,
                field
                    .as_deref()
                    .map(|f| format!("{f}: "))
                    .unwrap_or_default(),
                if *repeated { "already in" } else { "kept in" }
            );
        }
        for w in &o.warnings {
            let _ = writeln!(err, "warning: {origin}: {}: {w}", o.position);
        }
    }
}

/// Opens the acknowledgement log for appending. If an earlier run was killed in the middle of
/// a line, that line is ended first, so every complete line stays one JSON object.
fn open_ack_log(path: &Path) -> Result<BufWriter<File>, CliError> {
    use std::io::{Seek, SeekFrom};
    let io = |e| CliError::io(path.display(), e);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1)).map_err(io)?;
        f.read_exact(&mut last).map_err(io)?;
        if last[0] != b'\n' {
            f.write_all(b"\n").map_err(io)?;
        }
    }
    Ok(BufWriter::new(f))
}

/// The first `limit` bytes of a file (what quarantine keeps of a file refused whole).
fn head_of(path: &Path, limit: u64) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    File::open(path)
        .and_then(|f| f.take(limit).read_to_end(&mut buf))
        .map_err(|e| CliError::io(path.display(), e))?;
    Ok(buf)
}
