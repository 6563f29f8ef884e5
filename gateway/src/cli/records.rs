//! `homeward records`: one record as canonical JSON, its history, or a list.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use homeward_schemas::{Kind, Record, Status};
use homeward_store::{Lookup, Store, VersionEntry};

use super::{CliError, Env, store_err};

#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// Print one record as canonical JSON. ID is `source/native_id`, or a native id or NIC
    /// that only one record has.
    Show {
        id: String,
        /// An earlier version instead of the current one.
        #[arg(long)]
        version: Option<u64>,
    },
    /// Print a record's versions: what changed, when, and from which input.
    History {
        id: String,
        /// As JSON (every version, with its record as of then).
        #[arg(long)]
        json: bool,
    },
    /// List records, one line each: id, kind, status, version, name.
    List {
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        status: Option<String>,
    },
}

pub fn run(env: &Env, cmd: RecordsCommand) -> Result<ExitCode, CliError> {
    let store = env.open_store()?;
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::io("standard output", e);
    match cmd {
        RecordsCommand::Show { id, version } => {
            let r = find(&store, &id)?;
            let json = match version {
                None => serde_json::to_string_pretty(&r),
                Some(v) => {
                    let entry = store
                        .history(&r.id)
                        .map_err(store_err("reading history"))?
                        .into_iter()
                        .find(|e| e.version == v)
                        .ok_or_else(|| {
                            CliError::failed(
                                format!("{} has no version {v}", r.id),
                                "see `homeward records history`",
                            )
                        })?;
                    match entry.record {
                        Some(rec) => serde_json::to_string_pretty(&rec),
                        None => {
                            return Err(CliError::failed(
                                format!("version {v} of {}", r.id),
                                "its personal data was removed when the record expired",
                            ));
                        }
                    }
                }
            }
            .map_err(|e| CliError::failed("writing JSON", e))?;
            writeln!(out, "{json}").map_err(io)?;
        }
        RecordsCommand::History { id, json } => {
            let r = find(&store, &id)?;
            let history = store.history(&r.id).map_err(store_err("reading history"))?;
            if json {
                let text = serde_json::to_string_pretty(&history)
                    .map_err(|e| CliError::failed("writing JSON", e))?;
                writeln!(out, "{text}").map_err(io)?;
            } else {
                writeln!(out, "{} ({}, {})", r.id, r.kind, r.status).map_err(io)?;
                for e in &history {
                    writeln!(out, "{}", history_line(e)).map_err(io)?;
                }
            }
        }
        RecordsCommand::List {
            kind,
            source,
            status,
        } => {
            let kind = parse_opt(kind.as_deref(), Kind::from_name, "kind")?;
            let status = parse_opt(status.as_deref(), Status::from_name, "status")?;
            let records: Box<dyn Iterator<Item = _>> = match &source {
                Some(s) => Box::new(store.records_of(s).map_err(store_err("reading records"))?),
                None => Box::new(store.records().map_err(store_err("reading records"))?),
            };
            for r in records {
                let r = r.map_err(store_err("reading records"))?;
                if kind.is_some_and(|k| k != r.kind) || status.is_some_and(|s| s != r.status) {
                    continue;
                }
                let name = r.primary_name().map(|n| n.display()).unwrap_or_default();
                writeln!(
                    out,
                    "{}\t{}\t{}\tv{}\t{name}",
                    r.id, r.kind, r.status, r.version
                )
                .map_err(io)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_opt<T>(
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> Result<Option<T>, CliError> {
    v.map(|s| parse(s).ok_or_else(|| CliError::Usage(format!("unknown {what} `{s}`"))))
        .transpose()
}

/// Looks a record up by a user-given id.
pub(crate) fn find(store: &Store, id: &str) -> Result<Record, CliError> {
    match store.find(id).map_err(store_err("looking the record up"))? {
        Lookup::Found(r) => Ok(*r),
        Lookup::NotFound => Err(CliError::failed(
            format!("no stored record answers to `{id}`"),
            "give `source/native_id`, or a native id or NIC",
        )),
        Lookup::Ambiguous(ids) => Err(CliError::failed(
            format!("`{id}` names {} records", ids.len()),
            format!(
                "name one as source/native_id: {}",
                ids.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// One version as a line: number, time, change, input, changed fields.
fn history_line(e: &VersionEntry) -> String {
    let mut s = format!(
        "v{}  {}  {}",
        e.version,
        e.at.format("%Y-%m-%dT%H:%M:%SZ"),
        e.change
    );
    if let Some(a) = &e.action {
        s.push_str(&format!(" [{a}]"));
    }
    match &e.input {
        Some(i) => s.push_str(&format!("  from {i}")),
        None => s.push_str("  (made by the gateway)"),
    }
    if !e.changed.is_empty() {
        let label = if e.change == homeward_store::ChangeKind::Expired {
            "removed"
        } else {
            "changed"
        };
        s.push_str(&format!("  {label}: {}", e.changed.join(", ")));
    }
    if e.record.is_none() {
        s.push_str("  (personal data removed)");
    }
    s.push_str(&format!(
        "  digest {}",
        &e.content_digest[..12.min(e.content_digest.len())]
    ));
    s
}
