//! `homeward quarantine`: refused input, listed, shown and reprocessed.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use homeward_store::{QuarantineItem, Reprocessed};

use super::{CliError, Env, store_err};

#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// List the items in quarantine, oldest first.
    List {
        /// As JSON Lines (one item a line, raw bytes included).
        #[arg(long)]
        json: bool,
        /// List the items resolved by reprocessing instead.
        #[arg(long)]
        resolved: bool,
    },
    /// Show one item: where it came from, why it was refused, its raw bytes, attempts.
    Show {
        id: u64,
        #[arg(long)]
        json: bool,
    },
    /// Read items again through today's formats and apply them; those that now go through
    /// leave quarantine, linked to the records they made.
    Reprocess {
        /// The item to reprocess.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<u64>,
        /// Every item in quarantine, oldest first.
        #[arg(long)]
        all: bool,
    },
}

pub fn run(env: &Env, cmd: QuarantineCommand) -> Result<ExitCode, CliError> {
    let store = env.open_store()?;
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::io("standard output", e);
    let json = |v: &dyn erased_json::Json| v.to_json();
    match cmd {
        QuarantineCommand::List {
            json: as_json,
            resolved,
        } => {
            if resolved {
                for r in store
                    .quarantine_resolved_list()
                    .map_err(store_err("reading quarantine"))?
                {
                    if as_json {
                        writeln!(out, "{}", json(&r)?).map_err(io)?;
                    } else {
                        let records: Vec<String> = r
                            .records
                            .iter()
                            .map(|(id, v)| format!("{id} v{v}"))
                            .collect();
                        writeln!(
                            out,
                            "#{}\tresolved {}\t{}\t-> {}",
                            r.item.id,
                            r.resolved_at.format("%Y-%m-%dT%H:%M:%SZ"),
                            r.item.origin,
                            if records.is_empty() {
                                "nothing changed".to_string()
                            } else {
                                records.join(", ")
                            }
                        )
                        .map_err(io)?;
                    }
                }
            } else {
                for q in store
                    .quarantine_list()
                    .map_err(store_err("reading quarantine"))?
                {
                    if as_json {
                        writeln!(out, "{}", json(&q)?).map_err(io)?;
                    } else {
                        writeln!(out, "{}", list_line(&q)).map_err(io)?;
                    }
                }
            }
        }
        QuarantineCommand::Show { id, json: as_json } => {
            if let Some(q) = store
                .quarantine_get(id)
                .map_err(store_err("reading quarantine"))?
            {
                if as_json {
                    writeln!(out, "{}", json(&q)?).map_err(io)?;
                } else {
                    show(&mut out, &q).map_err(io)?;
                }
            } else if let Some(r) = store
                .quarantine_resolved(id)
                .map_err(store_err("reading quarantine"))?
            {
                if as_json {
                    writeln!(out, "{}", json(&r)?).map_err(io)?;
                } else {
                    show(&mut out, &r.item).map_err(io)?;
                    writeln!(
                        out,
                        "resolved: {} by reprocessing",
                        r.resolved_at.to_rfc3339()
                    )
                    .map_err(io)?;
                    for (rid, v) in &r.records {
                        writeln!(out, "record: {rid} version {v}").map_err(io)?;
                    }
                    for u in &r.unchanged {
                        writeln!(out, "unchanged: {u}").map_err(io)?;
                    }
                }
            } else {
                return Err(CliError::failed(
                    format!("no quarantine item #{id}"),
                    "see `homeward quarantine list`",
                ));
            }
        }
        QuarantineCommand::Reprocess { id, all } => {
            let registry = env.registry();
            let results = if all {
                store
                    .reprocess_all(&registry, env.limits())
                    .map_err(store_err("reprocessing quarantine"))?
            } else {
                let id = id.ok_or_else(|| CliError::Usage("give an item id or --all".into()))?;
                vec![
                    store
                        .reprocess(id, &registry, env.limits())
                        .map_err(store_err(format!("reprocessing #{id}")))?,
                ]
            };
            let (mut ok, mut still) = (0, 0);
            for r in &results {
                match r {
                    Reprocessed::Resolved { id, outcomes } => {
                        ok += 1;
                        for o in outcomes {
                            writeln!(out, "#{id}: resolved: {}", o.outcome).map_err(io)?;
                        }
                    }
                    Reprocessed::StillRefused { id, reason } => {
                        still += 1;
                        writeln!(out, "#{id}: still refused: {reason}").map_err(io)?;
                    }
                }
            }
            writeln!(out, "{ok} resolved, {still} still in quarantine").map_err(io)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list_line(q: &QuarantineItem) -> String {
    format!(
        "#{}\t{}\t{}: {}\t{}\t{}{}{}",
        q.id,
        q.at.format("%Y-%m-%dT%H:%M:%SZ"),
        q.origin,
        q.position,
        q.format,
        q.field
            .as_deref()
            .map(|f| format!("{f}: "))
            .unwrap_or_default(),
        q.reason,
        if q.attempts.is_empty() {
            String::new()
        } else {
            format!(" ({} attempts)", q.attempts.len())
        }
    )
}

fn show(out: &mut dyn Write, q: &QuarantineItem) -> std::io::Result<()> {
    writeln!(out, "id: {}", q.id)?;
    writeln!(out, "quarantined: {}", q.at.to_rfc3339())?;
    writeln!(out, "origin: {}", q.origin)?;
    writeln!(out, "position: {}", q.position)?;
    writeln!(out, "format: {}", q.format)?;
    writeln!(out, "refused when: {:?}", q.stage)?;
    if let Some(s) = &q.source {
        writeln!(out, "source given: {s}")?;
    }
    if let Some(t) = &q.target {
        writeln!(out, "names record: {t}")?;
    }
    if let Some(f) = &q.field {
        writeln!(out, "field: {f}")?;
    }
    writeln!(out, "reason: {}", q.reason)?;
    writeln!(out, "digest: {}", q.digest)?;
    match std::str::from_utf8(&q.raw) {
        Ok(t) => writeln!(out, "raw ({} bytes):\n{t}", q.raw.len())?,
        Err(_) => writeln!(
            out,
            "raw ({} bytes, not UTF-8, hex):\n{}",
            q.raw.len(),
            q.raw.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )?,
    }
    for a in &q.attempts {
        writeln!(out, "attempt {}: {}", a.at.to_rfc3339(), a.reason)?;
    }
    Ok(())
}

mod erased_json {
    use super::CliError;

    pub trait Json {
        fn to_json(&self) -> Result<String, CliError>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Result<String, CliError> {
            serde_json::to_string(self).map_err(|e| CliError::failed("writing JSON", e))
        }
    }
}
