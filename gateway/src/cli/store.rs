//! `homeward store`: check, dump, load, migrate between engines, expire, change feed.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::Subcommand;
use homeward_store::{EngineKind, Store};

use super::outfile::OutFile;
use super::{CliError, Env, store_err};

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Engine, location and size of the store.
    Info,
    /// Read the whole store and check it holds together (exit 1 if not).
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Write the whole store as JSON Lines (engine-neutral).
    Dump {
        /// Output file (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Load a dump into the data directory's store, which must be empty.
    Load { file: PathBuf },
    /// Copy the store into the other engine in the same data directory, check the copy, and
    /// set the old store aside (`<name>.migrated-<time>`). Then set `[store] engine`.
    Migrate {
        /// `sled` or `redb`.
        #[arg(long)]
        to: EngineKind,
    },
    /// Expire every record whose expiry date has passed (personal data removed).
    Expire,
    /// Print change-feed entries as JSON Lines.
    Changes {
        /// Entries after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// The change-feed consumers and their cursors.
    Cursors,
}

pub fn run(env: &Env, cmd: StoreCommand) -> Result<ExitCode, CliError> {
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::io("standard output", e);
    match cmd {
        StoreCommand::Info => {
            let store = env.open_store()?;
            let stats = store.stats().map_err(store_err("counting"))?;
            writeln!(out, "engine: {}", store.engine_kind()).map_err(io)?;
            if let Some(p) = store.path() {
                writeln!(out, "path: {}", p.display()).map_err(io)?;
                writeln!(out, "size: {} bytes", disk_size(p)).map_err(io)?;
            }
            writeln!(out, "records: {}", stats.records).map_err(io)?;
            writeln!(out, "change feed: {}", stats.last_change).map_err(io)?;
            writeln!(out, "quarantine: {} open", stats.quarantine.open).map_err(io)?;
        }
        StoreCommand::Check { json } => {
            let store = env.open_store()?;
            let rep = store.check().map_err(store_err("checking the store"))?;
            if json {
                let text = serde_json::to_string_pretty(&rep)
                    .map_err(|e| CliError::failed("writing JSON", e))?;
                writeln!(out, "{text}").map_err(io)?;
            } else {
                writeln!(
                    out,
                    "{} records, {} versions, {} changes, {} in quarantine: {}",
                    rep.records,
                    rep.versions,
                    rep.changes,
                    rep.quarantine,
                    if rep.is_ok() { "ok" } else { "PROBLEMS" }
                )
                .map_err(io)?;
                for p in &rep.problems {
                    writeln!(out, "problem: {p}").map_err(io)?;
                }
            }
            if !rep.is_ok() {
                return Ok(ExitCode::from(1));
            }
        }
        StoreCommand::Dump { out: path } => {
            let store = env.open_store()?;
            let n = match &path {
                Some(p) => {
                    let mut w = OutFile::create(p)?;
                    let n = store.dump(&mut w).map_err(store_err("dumping the store"))?;
                    w.commit()?;
                    n
                }
                None => {
                    let mut w = BufWriter::new(&mut out);
                    store.dump(&mut w).map_err(store_err("dumping the store"))?
                }
            };
            eprintln!("dumped {n} entries from the {} store", store.engine_kind());
        }
        StoreCommand::Load { file } => {
            let store = env.open_store()?;
            let f = std::fs::File::open(&file).map_err(|e| CliError::io(file.display(), e))?;
            let n = store
                .load(&mut BufReader::new(f))
                .map_err(store_err(format!("loading {}", file.display())))?;
            writeln!(
                out,
                "loaded {n} entries into the {} store",
                store.engine_kind()
            )
            .map_err(io)?;
        }
        StoreCommand::Migrate { to } => migrate(env, to, &mut out)?,
        StoreCommand::Expire => {
            let store = env.open_store()?;
            let ids = store
                .expire_due(Utc::now())
                .map_err(store_err("expiring records"))?;
            for id in &ids {
                writeln!(out, "expired {id}").map_err(io)?;
            }
            writeln!(out, "{} records expired", ids.len()).map_err(io)?;
        }
        StoreCommand::Changes { after, limit } => {
            let store = env.open_store()?;
            for c in store
                .changes_after(after, limit)
                .map_err(store_err("reading the change feed"))?
            {
                let line =
                    serde_json::to_string(&c).map_err(|e| CliError::failed("writing JSON", e))?;
                writeln!(out, "{line}").map_err(io)?;
            }
        }
        StoreCommand::Cursors => {
            let store = env.open_store()?;
            let last = store.last_seq().map_err(store_err("reading the feed"))?;
            for (name, seq) in store.cursors().map_err(store_err("reading cursors"))? {
                writeln!(out, "{name}\t{seq}\t({} behind)", last.saturating_sub(seq))
                    .map_err(io)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn migrate(env: &Env, to: EngineKind, out: &mut dyn Write) -> Result<(), CliError> {
    let from = env.config.store.engine;
    if to == from {
        return Err(CliError::Usage(format!(
            "the store is already {to} (per the configuration)"
        )));
    }
    let target_path = env.data_dir.join(to.file_name());
    if target_path.exists() {
        return Err(CliError::Usage(format!(
            "{} exists already; move it away first",
            target_path.display()
        )));
    }
    let source = env.open_store()?;
    let source_path = source
        .path()
        .map(PathBuf::from)
        .ok_or_else(|| CliError::Usage("the store has no path".into()))?;
    let n = {
        let engine = to
            .open(&target_path)
            .map_err(|e| CliError::failed(format!("creating {}", target_path.display()), e))?;
        let target = Store::with_engine(engine).map_err(store_err("creating the new store"))?;
        source
            .copy_to(&target)
            .map_err(store_err(format!("copying the store into {to}")))?
    };
    drop(source);
    let aside = env.data_dir.join(format!(
        "{}.migrated-{}",
        from.file_name(),
        Utc::now().format("%Y%m%dT%H%M%S")
    ));
    std::fs::rename(&source_path, &aside).map_err(|e| CliError::io(source_path.display(), e))?;
    let io = |e| CliError::io("standard output", e);
    writeln!(
        out,
        "copied and checked {n} entries from {from} into {}",
        target_path.display()
    )
    .map_err(io)?;
    writeln!(out, "the {from} store is kept at {}", aside.display()).map_err(io)?;
    writeln!(
        out,
        "now set `[store] engine = \"{to}\"` in the configuration"
    )
    .map_err(io)?;
    Ok(())
}

/// Bytes a file or directory takes.
fn disk_size(p: &std::path::Path) -> u64 {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => std::fs::read_dir(p)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| disk_size(&e.path()))
                    .sum()
            })
            .unwrap_or(0),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}
