//! File-drop jobs.
//!
//! **In**: each file in `inbox/` is claimed (moved to `processing/`), read in the job's format
//! (or the one its content shows, with `auto`) and imported through the pipeline; only after
//! its last batch is durable does it move to `done/`. A file that cannot be imported — its
//! format cannot be told, every item in it was refused, or the store kept failing after the
//! job's retries — moves to `failed/` with `NAME.reason.txt` beside it, and what it held is in
//! quarantine (the reader's refusals, or the file's head when it could not be read at all). The
//! job goes on with the next file. Files left in `processing/` by a run that did not finish are
//! imported again first (harmless: imports are idempotent).
//!
//! **Out**: the store's changes after the job's cursor (consumer `job:<id>`) are written, as
//! the records now stand, in the job's format to `outbox/<id>-<first>-<last>.<ext>` (a
//! temporary file, synced, renamed: readers never see half a file); then the cursor moves.
//! A crash between the two writes the same file again under the same name.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use homeward_adapters::{Position, ReadContext, ReadItem, WriteContext, write_records};
use homeward_ops::{Claimed, FileDrop, Job, JobFuture, RunContext, RunOutcome};
use homeward_store::{AUTO_FORMAT, AuditDraft, AuditOutcome, InputContext, Origin, Outcome};

use super::config::JobConfig;
use super::{JobEnv, Tried, attempt, blocking, stopping};
use crate::cli::CliError;
use crate::cli::input::{AUTO, open_stream};
use crate::pipeline::{ImportSummary, Pipeline, PipelineError};

/// Imports the inbox of a drop directory.
pub struct DropIn {
    pub job: JobConfig,
    pub dir: PathBuf,
    pub env: JobEnv,
}

/// Writes changes to the outbox of a drop directory.
pub struct DropOut {
    pub job: JobConfig,
    pub dir: PathBuf,
    pub env: JobEnv,
}

/// How one file ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileResult {
    Done(ImportSummary),
    /// Moved to `failed/`, with the reason.
    Failed(String),
    /// Left in `processing/` (shutdown during retries): imported again next run.
    Left,
}

/// Why one attempt at a file failed.
enum FileError {
    /// Cannot succeed (unreadable, format unknown): with the quarantine head kept.
    Unreadable(String),
    /// The store failed: worth another attempt.
    Store(String),
}

impl Job for DropIn {
    fn run(&self, ctx: RunContext) -> JobFuture {
        let job = self.job.clone();
        let dir = self.dir.clone();
        let env = self.env.clone();
        Box::pin(async move { run_in(job, dir, env, ctx).await })
    }
}

impl Job for DropOut {
    fn run(&self, ctx: RunContext) -> JobFuture {
        let job = self.job.clone();
        let dir = self.dir.clone();
        let env = self.env.clone();
        Box::pin(async move { run_out(job, dir, env, ctx).await })
    }
}

async fn run_in(job: JobConfig, dir: PathBuf, env: JobEnv, ctx: RunContext) -> RunOutcome {
    let drop = match FileDrop::open(&dir) {
        Ok(d) => d,
        Err(e) => return RunOutcome::failed(format!("drop directory: {e}")),
    };
    // Entries that must never be read (symbolic links, devices, unsafe names): set aside
    // and audited before anything is claimed.
    let refused = {
        let d = drop.clone();
        match blocking(move || d.set_aside_refused()).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return RunOutcome::failed(format!("drop directory: {e}")),
            Err(e) => return RunOutcome::failed(e),
        }
    };
    let mut notes = Vec::new();
    for r in &refused {
        let draft = AuditDraft {
            correlation_id: format!("job:{}:{}", job.id, Utc::now().timestamp_millis()),
            actor: format!("job:{}", job.id),
            action: "file-drop inbox entry refused".into(),
            target: Some(r.name.clone()),
            outcome: AuditOutcome::Refused,
            status: 0,
            detail: format!("{}; moved to {}", r.reason, r.moved_to.display()),
            remote: None,
        };
        let store = env.store.clone();
        match blocking(move || store.audit_append(draft)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!("the audit log could not be written: {e}"),
            Err(e) => tracing::error!("the audit log could not be written: {e}"),
        }
        tracing::warn!(job = %job.id, "inbox entry \"{}\" refused: {}", r.name, r.reason);
        env.metrics.inc(
            "homeward_filedrop_failed_files_total",
            "Files moved to failed/ by file-drop jobs.",
            &[("job", &job.id)],
            1.0,
        );
        notes.push(format!("\"{}\" refused: {}", r.name, r.reason));
    }
    let mut claimed: Vec<Claimed> = match drop.recover() {
        Ok(c) => c,
        Err(e) => return RunOutcome::failed(format!("drop directory: {e}")),
    };
    let pending = match drop.pending() {
        Ok(p) => p,
        Err(e) => return RunOutcome::failed(format!("drop directory: {e}")),
    };
    let mut total = ImportSummary::default();
    let (mut done, mut left, mut store_failures) = (0u64, 0u64, 0u64);
    let mut failed = refused.len() as u64;
    let mut names = pending.into_iter();
    loop {
        if stopping(&ctx) {
            break;
        }
        let c = match claimed.pop() {
            Some(c) => c,
            None => match names.next() {
                None => break,
                Some(name) => match drop.claim(&name) {
                    Ok(Some(c)) => c,
                    Ok(None) => continue,
                    Err(e) => {
                        notes.push(format!("{name}: {e}"));
                        continue;
                    }
                },
            },
        };
        let name = c.name().to_string();
        let origin = dir.join("inbox").join(&name).display().to_string();
        let result = import_one(&job, &env, &ctx, c, origin).await;
        match result {
            (FileResult::Done(s), _) => {
                done += 1;
                total.merge(&s);
            }
            (FileResult::Failed(why), store_failed) => {
                failed += 1;
                if store_failed {
                    store_failures += 1;
                }
                env.metrics.inc(
                    "homeward_filedrop_failed_files_total",
                    "Files moved to failed/ by file-drop jobs.",
                    &[("job", &job.id)],
                    1.0,
                );
                notes.push(format!("{name}: {why}"));
            }
            (FileResult::Left, _) => left += 1,
        }
    }
    let mut summary = format!("{done} file(s) done, {failed} failed");
    if left > 0 {
        let _ = write!(summary, ", {left} left for the next run");
    }
    if total.read > 0 {
        let _ = write!(summary, "; {total}");
    }
    if let Some(first) = notes.first() {
        let _ = write!(summary, "; {first}");
        if notes.len() > 1 {
            let _ = write!(summary, " (+{} more)", notes.len() - 1);
        }
    }
    RunOutcome {
        ok: store_failures == 0,
        summary,
        items: done + failed,
        failed_items: failed,
    }
}

/// Imports one claimed file with retries; moves it to `done/` or `failed/`. The flag says
/// whether it failed because of the store (not the file).
async fn import_one(
    job: &JobConfig,
    env: &JobEnv,
    ctx: &RunContext,
    c: Claimed,
    origin: String,
) -> (FileResult, bool) {
    let path = c.path().to_path_buf();
    let tried = attempt(&job.retry, ctx, |_n| {
        let (job, env, path, origin) = (job.clone(), env.clone(), path.clone(), origin.clone());
        async move {
            match blocking(move || import_file(&job, &env, &path, &origin)).await {
                Ok(Ok(s)) => Ok(s),
                Ok(Err(FileError::Unreadable(why))) => Err((FileError::Unreadable(why), false)),
                Ok(Err(FileError::Store(why))) => Err((FileError::Store(why), true)),
                Err(why) => Err((FileError::Store(why), true)),
            }
        }
    })
    .await;
    match tried {
        Ok((summary, rejections)) => {
            if summary.read > 0 && summary.rejected == summary.read {
                let mut why = format!(
                    "every item ({}) was refused and kept in quarantine",
                    summary.read
                );
                if let Some(first) = rejections.first() {
                    let _ = write!(why, "; first: {first}");
                }
                return (finish_failed(c, &why), false);
            }
            match c.done() {
                Ok(_) => (FileResult::Done(summary), false),
                Err(e) => (
                    FileResult::Failed(format!("imported, but not moved to done/: {e}")),
                    false,
                ),
            }
        }
        Err(Tried::Stopped) => (FileResult::Left, false),
        Err(Tried::GaveUp(FileError::Unreadable(why), _)) => (finish_failed(c, &why), false),
        Err(Tried::GaveUp(FileError::Store(why), n)) => {
            let why = format!("the store failed {n} time(s): {why}");
            (finish_failed(c, &why), true)
        }
    }
}

fn finish_failed(c: Claimed, why: &str) -> FileResult {
    match c.failed(why) {
        Ok(_) => FileResult::Failed(why.to_string()),
        Err(e) => FileResult::Failed(format!("{why} (and not moved to failed/: {e})")),
    }
}

/// The first rejection reasons of an import, with their quarantine ids.
type Rejections = Vec<String>;

/// One attempt at a file, on a blocking thread.
fn import_file(
    job: &JobConfig,
    env: &JobEnv,
    path: &Path,
    origin: &str,
) -> Result<(ImportSummary, Rejections), FileError> {
    let format = job.format.clone().unwrap_or_else(|| AUTO.to_string());
    let file = File::open(path).map_err(|e| FileError::Unreadable(format!("cannot open: {e}")))?;
    let received_at = Utc::now();
    let (items, format_name): (Box<dyn Iterator<Item = ReadItem> + Send>, String) =
        match open_stream(&env.registry, &format, origin, Box::new(file)) {
            Ok(opened) => {
                let ctx = ReadContext {
                    origin: origin.to_string(),
                    source: job.source.clone(),
                    limits: env.limits,
                    received_at,
                    may_send_unclaimed: None,
                };
                let name = opened.format.name().to_string();
                (opened.format.reader().read(opened.reader, ctx), name)
            }
            Err(CliError::Usage(reason)) => {
                // Refused whole: its head is kept in quarantine like any unreadable input.
                let raw = head_of(path, env.limits.max_document_bytes)
                    .map_err(|e| FileError::Unreadable(format!("{reason} (and: {e})")))?;
                let item = ReadItem::rejected(AUTO_FORMAT, None, reason, Position::default(), raw);
                (Box::new(std::iter::once(item)), AUTO_FORMAT.to_string())
            }
            Err(e) => return Err(FileError::Unreadable(e.to_string())),
        };
    let input = InputContext {
        origin: Origin::File(origin.to_string()),
        format: format_name,
        source: job.source.clone(),
        received_at,
    };
    let mut rejections: Rejections = Vec::new();
    let summary = Pipeline::new(&env.store, env.batch_items)
        .run(items, &input, |outcomes| {
            for o in outcomes {
                if let Outcome::Rejected {
                    quarantine, reason, ..
                } = &o.outcome
                    && rejections.len() < 20
                {
                    rejections.push(format!(
                        "{}: {reason} (quarantine #{quarantine})",
                        o.position
                    ));
                }
            }
            Ok(())
        })
        .map_err(|e| match e {
            PipelineError::Store(e) => FileError::Store(e.to_string()),
            PipelineError::Ack(e) => FileError::Store(e.to_string()),
        })?;
    Ok((summary, rejections))
}

fn head_of(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    File::open(path)?.take(limit).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The cursor name of an outgoing job on the change feed.
pub fn consumer_name(job: &str) -> String {
    format!("job:{job}")
}

async fn run_out(job: JobConfig, dir: PathBuf, env: JobEnv, ctx: RunContext) -> RunOutcome {
    let drop = match FileDrop::open(&dir) {
        Ok(d) => d,
        Err(e) => return RunOutcome::failed(format!("drop directory: {e}")),
    };
    let drop = Arc::new(drop);
    let mut files = 0u64;
    let mut records = 0u64;
    let mut losses = 0u64;
    loop {
        if stopping(&ctx) {
            break;
        }
        let (job2, env2, drop2) = (job.clone(), env.clone(), drop.clone());
        let step = attempt(&job.retry, &ctx, |_n| {
            let (job, env, drop) = (job2.clone(), env2.clone(), drop2.clone());
            async move {
                match blocking(move || write_batch(&job, &env, &drop)).await {
                    Ok(Ok(v)) => Ok(v),
                    Ok(Err(e)) => Err((e, true)),
                    Err(e) => Err((e, true)),
                }
            }
        })
        .await;
        match step {
            Ok(None) => break,
            Ok(Some((n, lost))) => {
                files += 1;
                records += n;
                losses += lost;
            }
            Err(Tried::Stopped) => break,
            Err(Tried::GaveUp(e, n)) => {
                return RunOutcome::failed(format!(
                    "{files} file(s) written, then {n} failed attempt(s): {e}"
                ));
            }
        }
    }
    let mut summary = format!("{files} file(s) written to outbox/, {records} record(s)");
    if losses > 0 {
        let _ = write!(summary, "; {losses} field(s) the format cannot hold");
    }
    RunOutcome::ok(summary, records, 0)
}

/// Writes the next batch of changes to one outbox file; `None` when there is nothing new.
fn write_batch(
    job: &JobConfig,
    env: &JobEnv,
    drop: &FileDrop,
) -> Result<Option<(u64, u64)>, String> {
    let consumer = consumer_name(&job.id);
    let store = &env.store;
    let feed = store.consumer(&consumer).map_err(|e| e.to_string())?;
    let changes = feed
        .next_batch(job.batch_size())
        .map_err(|e| e.to_string())?;
    let (Some(first), Some(last)) = (changes.first(), changes.last()) else {
        return Ok(None);
    };
    let mut ids = Vec::new();
    for c in &changes {
        if !ids.contains(&c.record) {
            ids.push(c.record.clone());
        }
    }
    let mut records = Vec::new();
    for id in &ids {
        if let Some(r) = store.get(id).map_err(|e| e.to_string())? {
            records.push(r);
        }
    }
    let format_name = job.format.clone().unwrap_or_default();
    let format = env
        .registry
        .get(&format_name)
        .ok_or_else(|| format!("format `{format_name}` is not known"))?;
    let mut writer = format.writer(&WriteContext::new(env.sender.clone()));
    let mut bytes = Vec::new();
    let report =
        write_records(&mut *writer, records.iter(), &mut bytes).map_err(|e| e.to_string())?;
    let name = format!(
        "{}-{:010}-{:010}.{}",
        job.id,
        first.seq,
        last.seq,
        extension(&format_name)
    );
    drop.write_outbox(&name, &bytes)
        .map_err(|e| e.to_string())?;
    feed.ack(last.seq).map_err(|e| e.to_string())?;
    Ok(Some((report.records, report.losses.len() as u64)))
}

fn extension(format: &str) -> &str {
    match format {
        "ncic" => "ncic",
        "xml" => "xml",
        "pfif" => "xml",
        _ => "txt",
    }
}
