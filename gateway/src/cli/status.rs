//! `homeward status` and `homeward admin ...`: a running gateway, through its admin API.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{CliError, Env};
use crate::admin::auth::{new_token, read_token};
use crate::admin::client::{AdminClient, Answer};

/// Where the admin API is and which token to use.
#[derive(Debug, Clone, Args)]
pub struct Connect {
    /// The admin API's address [default: `[admin] listen` of the configuration].
    #[arg(long, value_name = "ADDR:PORT", env = "HOMEWARD_ADMIN")]
    pub admin: Option<SocketAddr>,
    /// The token's name in the admin token file [default: the first].
    #[arg(long, value_name = "NAME")]
    pub token_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub connect: Connect,
    /// Print the admin API's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Print a new admin token line (`NAME TOKEN`) to append to the token file.
    Token {
        /// Who the token is for (recorded in the audit log).
        name: String,
    },
    /// Reload the configuration of the running gateway (checked first; refused if bad).
    Reload(ConnectOnly),
    /// Run a job now.
    Run {
        job: String,
        #[command(flatten)]
        connect: Connect,
    },
    /// Reprocess quarantine items through the running gateway (an outgoing record a partner
    /// refused is pushed again).
    Reprocess {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<u64>,
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        connect: Connect,
    },
    /// Print the audit log's last entries.
    Audit {
        /// Entries after this number.
        #[arg(long)]
        after: Option<u64>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        connect: Connect,
    },
}

#[derive(Debug, Args)]
pub struct ConnectOnly {
    #[command(flatten)]
    pub connect: Connect,
}

fn client(env: &Env, c: &Connect) -> Result<AdminClient, CliError> {
    let admin = env.config.admin.as_ref();
    let addr = match (c.admin, admin) {
        (Some(a), _) => a,
        (None, Some(a)) => a.addr().map_err(CliError::Usage)?,
        (None, None) => {
            return Err(CliError::Usage(
                "no admin API address: give --config with an [admin] section, or --admin ADDR:PORT"
                    .into(),
            ));
        }
    };
    let token = match std::env::var("HOMEWARD_ADMIN_TOKEN") {
        Ok(t) if !t.is_empty() => Some(t),
        _ => match admin {
            Some(a) => Some(
                read_token(&env.config.resolve(&a.token_file), c.token_name.as_deref())
                    .map_err(|e| CliError::failed("reading the admin token", e))?
                    .1,
            ),
            None => None,
        },
    };
    Ok(AdminClient::new(addr, token))
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed("starting the async runtime", e))
}

fn ok_json(a: Answer) -> Result<serde_json::Value, CliError> {
    if !(200..300).contains(&a.status) {
        return Err(CliError::failed(
            format!("the admin API answered {}", a.status),
            a.message(),
        ));
    }
    a.json()
        .map_err(|e| CliError::failed("reading the admin API's answer", e))
}

pub fn run_status(env: &Env, args: StatusArgs) -> Result<ExitCode, CliError> {
    let c = client(env, &args.connect)?;
    let answer = runtime()?
        .block_on(c.get("/v1/status"))
        .map_err(|e| CliError::failed("asking the gateway", e))?;
    let v = ok_json(answer)?;
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::io("standard output", e);
    if args.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        )
        .map_err(io)?;
        return Ok(ExitCode::SUCCESS);
    }
    write!(out, "{}", render_status(&v)).map_err(io)?;
    let failing = v["jobs"]
        .as_array()
        .is_some_and(|j| j.iter().any(|j| j["last_outcome"]["ok"] == false));
    Ok(if failing {
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    })
}

fn s(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn time(v: &serde_json::Value) -> String {
    v.as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%SZ")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
}

fn duration(secs: u64) -> String {
    let (d, h, m) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60);
    if d > 0 {
        format!("{d}d {h}h {m}m")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m {}s", secs % 60)
    }
}

/// A plain text table: header, rule, rows; long cells cut at `max` characters.
pub fn table(header: &[&str], rows: &[Vec<String>], max: usize) -> String {
    let cut = |c: &str| -> String {
        if c.chars().count() > max {
            let mut t: String = c.chars().take(max.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            c.to_string()
        }
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cut(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| -> String {
        let n = cells.len();
        let mut l = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            l.push_str(&c);
            if i + 1 < n {
                let pad = widths[i].saturating_sub(c.chars().count()) + 2;
                l.push_str(&" ".repeat(pad));
            }
        }
        l.trim_end().to_string() + "\n"
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

/// The status answer as tables.
pub fn render_status(v: &serde_json::Value) -> String {
    let mut out = format!(
        "gateway {}  (homeward {}, up {}, since {})\n\n",
        s(&v["gateway"]),
        s(&v["version"]),
        duration(v["uptime_seconds"].as_u64().unwrap_or(0)),
        time(&v["started_at"])
    );
    let jobs: Vec<Vec<String>> = v["jobs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|j| {
            let outcome = &j["last_outcome"];
            let result = if outcome.is_null() {
                "never run".to_string()
            } else {
                format!(
                    "{}: {}",
                    if outcome["ok"] == true {
                        "ok"
                    } else {
                        "FAILED"
                    },
                    s(&outcome["summary"])
                )
            };
            vec![
                s(&j["id"]),
                s(&j["description"]),
                if j["enabled"] == false {
                    "disabled".into()
                } else {
                    format!("{} ({})", s(&j["schedule"]), s(&j["time_zone"]))
                },
                if j["running"] == true {
                    "running".into()
                } else {
                    time(&j["last_finished"])
                },
                result,
                time(&j["next_run"]),
            ]
        })
        .collect();
    out.push_str("JOBS\n");
    if jobs.is_empty() {
        out.push_str("(none configured)\n");
    } else {
        out.push_str(&table(
            &["ID", "WHAT", "SCHEDULE", "LAST RUN", "OUTCOME", "NEXT RUN"],
            &jobs,
            70,
        ));
    }
    let partners: Vec<Vec<String>> = v["partners"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let last = &p["last_exchange"];
            vec![
                s(&p["id"]),
                if last.is_null() {
                    "none yet".into()
                } else {
                    format!(
                        "{} {} {}",
                        time(&last["at"]),
                        s(&last["direction"]),
                        if last["ok"] == true { "ok" } else { "FAILED" }
                    )
                },
                time(&p["last_success"]),
                format!("{}/{}", s(&p["records_in"]), s(&p["records_out"])),
                s(&p["failures"]),
                s(&p["refusals"]),
                s(&p["last_refusal"]),
            ]
        })
        .collect();
    out.push_str("\nPARTNERS\n");
    if partners.is_empty() {
        out.push_str("(none configured)\n");
    } else {
        out.push_str(&table(
            &[
                "ID",
                "LAST EXCHANGE",
                "LAST SUCCESS",
                "IN/OUT",
                "FAILURES",
                "REFUSALS",
                "LAST REFUSAL",
            ],
            &partners,
            60,
        ));
    }
    let q = &v["quarantine"];
    out.push_str(&format!(
        "\nQUARANTINE  {} open, {} resolved\n",
        s(&q["open"]),
        s(&q["resolved"])
    ));
    let recent: Vec<Vec<String>> = q["recent"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            vec![
                format!("#{}", s(&i["id"])),
                time(&i["at"]),
                origin(&i["origin"]),
                s(&i["format"]),
                s(&i["position"]),
                s(&i["reason"]),
            ]
        })
        .collect();
    if !recent.is_empty() {
        out.push_str(&table(
            &["ID", "AT", "ORIGIN", "FORMAT", "WHERE", "REASON"],
            &recent,
            60,
        ));
    }
    let st = &v["store"];
    if !st.is_null() {
        let kinds: Vec<String> = st["by_kind"]
            .as_object()
            .map(|m| m.iter().map(|(k, n)| format!("{k} {n}")).collect())
            .unwrap_or_default();
        out.push_str(&format!(
            "\nSTORE  {} records ({}), change feed at {}, engine {}\n",
            s(&st["records"]),
            kinds.join(", "),
            s(&st["last_change"]),
            s(&st["engine"])
        ));
    }
    out
}

fn origin(v: &serde_json::Value) -> String {
    match v.as_object().and_then(|m| m.iter().next()) {
        Some((k, n)) => format!("{k} {}", s(n)),
        None => s(v),
    }
}

pub fn run_admin(env: &Env, cmd: AdminCommand) -> Result<ExitCode, CliError> {
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::io("standard output", e);
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    match cmd {
        AdminCommand::Token { name } => {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
            {
                return Err(CliError::Usage(
                    "the name is letters, digits and . _ - @".into(),
                ));
            }
            let t = new_token().map_err(|e| CliError::failed("drawing a random token", e))?;
            writeln!(out, "{name} {t}").map_err(io)?;
        }
        AdminCommand::Reload(c) => {
            let a = runtime()?
                .block_on(client(env, &c.connect)?.post("/v1/reload"))
                .map_err(|e| CliError::failed("asking the gateway", e))?;
            if a.status != 200 {
                let v = a.json().unwrap_or_default();
                writeln!(out, "reload refused: {}", a.message()).map_err(io)?;
                if let Some(problems) = v["problems"].as_array() {
                    for p in problems {
                        writeln!(
                            out,
                            "  {}:{}: {}: {}",
                            s(&p["file"]),
                            s(&p["line"]),
                            s(&p["path"]),
                            s(&p["message"])
                        )
                        .map_err(io)?;
                    }
                }
                return Ok(ExitCode::from(1));
            }
            writeln!(out, "{}", pretty(&ok_json(a)?)).map_err(io)?;
        }
        AdminCommand::Run { job, connect } => {
            let a = runtime()?
                .block_on(client(env, &connect)?.post(&format!("/v1/jobs/{job}/run")))
                .map_err(|e| CliError::failed("asking the gateway", e))?;
            ok_json(a)?;
            writeln!(out, "job {job} queued to run now").map_err(io)?;
        }
        AdminCommand::Reprocess { id, all, connect } => {
            let path = match (id, all) {
                (Some(id), _) => format!("/v1/quarantine/{id}/reprocess"),
                _ => "/v1/quarantine/reprocess".to_string(),
            };
            let a = runtime()?
                .block_on(client(env, &connect)?.post(&path))
                .map_err(|e| CliError::failed("asking the gateway", e))?;
            let code = a.status;
            let v = a.json().unwrap_or_default();
            writeln!(out, "{}", pretty(&v)).map_err(io)?;
            if code == 422 {
                return Ok(ExitCode::from(3));
            }
            if !(200..300).contains(&code) {
                return Err(CliError::failed(
                    format!("the admin API answered {code}"),
                    a.message(),
                ));
            }
        }
        AdminCommand::Audit {
            after,
            limit,
            connect,
        } => {
            let path = match after {
                Some(a) => format!("/v1/audit?after={a}&limit={limit}"),
                None => format!("/v1/audit?limit={limit}"),
            };
            let a = runtime()?
                .block_on(client(env, &connect)?.get(&path))
                .map_err(|e| CliError::failed("asking the gateway", e))?;
            let v = ok_json(a)?;
            let rows: Vec<Vec<String>> = v
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|e| {
                    vec![
                        s(&e["seq"]),
                        time(&e["at"]),
                        s(&e["actor"]),
                        s(&e["action"]),
                        s(&e["outcome"]),
                        s(&e["status"]),
                        s(&e["correlation_id"]),
                        if e["detail"] == "" {
                            "-".into()
                        } else {
                            s(&e["detail"])
                        },
                    ]
                })
                .collect();
            write!(
                out,
                "{}",
                table(
                    &[
                        "#",
                        "AT",
                        "ACTOR",
                        "ACTION",
                        "OUTCOME",
                        "STATUS",
                        "CORRELATION",
                        "DETAIL"
                    ],
                    &rows,
                    60
                )
            )
            .map_err(io)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
