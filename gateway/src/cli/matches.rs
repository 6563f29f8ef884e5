//! `homeward matches`: the crossmatch's candidates kept in the store, per agency and per
//! record, and investigators' decisions.
//!
//! - `homeward matches [--agency X] [--record ID] [--unread] [--all] [--json]
//!   [--mark-read --by NAME]`: brings the crossmatch up to date with the store first when it
//!   is behind (the change-feed consumer, one shot; `--no-update` skips it), then lists the
//!   matches ranked: each unidentified or unclaimed record's candidates best first, then the
//!   same-person pairs; with score, rank, state, decision, whether each agency has read its
//!   notice, and the reasons.
//! - `homeward matches show LEFT RIGHT [--json]`: one pair with the score's parts, attribute
//!   by attribute (as stored; computed now when the pair was never proposed).
//! - `homeward matches confirm|exclude LEFT RIGHT --by NAME [--comment TEXT]`: ids as in the
//!   candidates CSV (a native id or NIC, or `source/native_id`), either order. Exclusions are
//!   never proposed again; confirmations are always listed. Confirming does not close either
//!   record (see `matching::api`).
//! - `homeward matches undo LEFT RIGHT --by NAME`: withdraws the decision on a pair.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use homeward_crossmatch::{Relation, Verdict};
use homeward_store::{MatchState, Store};

use super::{CliError, Env};
use crate::matching::api::{self, DecisionRequest, ListRequest, Listed, PairDetail, show_id};
use crate::matching::{Matching, MatchingError};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MatchesArgs {
    #[command(subcommand)]
    pub action: Option<MatchesAction>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// One agency's matches (a record source: ORI, XML sender, PFIF domain).
    #[arg(long)]
    pub agency: Option<String>,
    /// One record's matches (a native id or NIC, or `source/native_id`).
    #[arg(long)]
    pub record: Option<String>,
    /// Only matches whose notice is unread (the agency's, with --agency; any otherwise).
    #[arg(long)]
    pub unread: bool,
    /// Also withdrawn matches (a record closed) and excluded pairs.
    #[arg(long)]
    pub all: bool,
    /// One JSON object a line: `rank`, `match` (pair, score, parts, reasons, versions,
    /// state), `decision`, `notices`.
    #[arg(long)]
    pub json: bool,
    /// Mark the agency's listed notices read (needs --agency and --by).
    #[arg(long, requires_all = ["agency", "by"])]
    pub mark_read: bool,
    /// Who marks them read.
    #[arg(long)]
    pub by: Option<String>,
    /// List what is stored without first bringing the crossmatch up to date.
    #[arg(long)]
    pub no_update: bool,
}

#[derive(Debug, Subcommand)]
pub enum MatchesAction {
    /// One pair in detail: both records, the score's parts attribute by attribute.
    Show(ShowArgs),
    /// Confirm a pair (the same person, or an identification).
    Confirm(DecideArgs),
    /// Exclude a pair: it is never proposed again.
    Exclude(DecideArgs),
    /// Withdraw the decision on a pair (undecided again).
    Undo(UndoArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// One record, as in the candidates CSV (native id or NIC), or `source/native_id`.
    pub left: String,
    /// The other record.
    pub right: String,
    /// The detail as JSON (both records whole).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DecideArgs {
    /// One record, as in the candidates CSV (native id or NIC), or `source/native_id`.
    pub left: String,
    /// The other record.
    pub right: String,
    /// Who decides.
    #[arg(long)]
    pub by: String,
    /// Why (kept with the decision).
    #[arg(long)]
    pub comment: Option<String>,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    pub left: String,
    pub right: String,
    /// Who withdraws the decision.
    #[arg(long)]
    pub by: String,
}

fn failed(context: &str) -> impl FnOnce(MatchingError) -> CliError + '_ {
    move |e| match e {
        MatchingError::NotFound(_)
        | MatchingError::Ambiguous { .. }
        | MatchingError::NotAPair(_)
        | MatchingError::Invalid(_) => CliError::Usage(e.to_string()),
        other => CliError::failed(context, other),
    }
}

fn io(e: std::io::Error) -> CliError {
    CliError::io("standard output", e)
}

pub fn run(env: &Env, args: MatchesArgs) -> Result<ExitCode, CliError> {
    let store = Arc::new(env.open_store()?);
    let mut out = std::io::stdout().lock();
    match args.action {
        Some(MatchesAction::Show(a)) => show(&store, a, &mut out),
        Some(MatchesAction::Confirm(a)) => decide(&store, a, Verdict::Confirmed, &mut out),
        Some(MatchesAction::Exclude(a)) => decide(&store, a, Verdict::Excluded, &mut out),
        Some(MatchesAction::Undo(a)) => {
            match api::undecide(&store, &a.left, &a.right, &a.by).map_err(failed("undoing"))? {
                Some(d) => writeln!(
                    out,
                    "withdrawn: {} {} ~ {} (was {})",
                    d.pair.relation.as_str(),
                    show_id(&d.pair.left),
                    show_id(&d.pair.right),
                    verdict_word(d.verdict)
                )
                .map_err(io)?,
                None => writeln!(out, "no decision on that pair").map_err(io)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        None => list(store, args.list, env.config.crossmatch.settings(), &mut out),
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Confirmed => "confirmed",
        Verdict::Excluded => "excluded",
    }
}

fn decide(
    store: &Store,
    a: DecideArgs,
    verdict: Verdict,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let (d, seq) = api::decide(
        store,
        &DecisionRequest {
            left: a.left,
            right: a.right,
            verdict,
            by: a.by,
            comment: a.comment,
        },
    )
    .map_err(failed("recording the decision"))?;
    writeln!(
        out,
        "{} {}: {} ~ {} by {} (decision {seq})",
        verdict_word(d.verdict),
        d.pair.relation.as_str(),
        show_id(&d.pair.left),
        show_id(&d.pair.right),
        d.by.as_deref().unwrap_or("-"),
    )
    .map_err(io)?;
    if verdict == Verdict::Confirmed && d.pair.relation == Relation::PossibleIdentification {
        eprintln!(
            "note: the records stay open until the agency clears the unidentified record \
             (NCIC CU / clearinghouse clear); the confirmation is listed with the match"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Brings the store's matches up to date when the consumer is behind (one shot), and says on
/// stderr what it did and how long the index build and the catch-up took.
pub fn catch_up(store: &Arc<Store>, settings: crate::matching::Settings) -> Result<(), CliError> {
    if !Matching::behind(store).map_err(failed("reading the change feed"))? {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut m =
        Matching::open(store.clone(), settings).map_err(failed("building the crossmatch index"))?;
    let built = started.elapsed();
    let done = m.catch_up().map_err(failed("catching up with the store"))?;
    let caught = started.elapsed() - built;
    eprintln!(
        "crossmatch: {} records of {} changes and {} decisions processed: {} new matches, {} \
         notified again, {} withdrawn (index of {} records built in {:.2}s, catch-up {:.2}s, \
         {:.0} records/s)",
        done.records,
        done.changes,
        done.decisions,
        done.new,
        done.renotified,
        done.withdrawn,
        m.engine().len(),
        built.as_secs_f64(),
        caught.as_secs_f64(),
        done.records as f64 / caught.as_secs_f64().max(1e-9)
    );
    Ok(())
}

fn list(
    store: Arc<Store>,
    a: ListArgs,
    env_settings: crate::matching::Settings,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    if !a.no_update {
        catch_up(&store, env_settings)?;
    }
    let req = ListRequest {
        agency: a.agency.clone(),
        record: a.record.clone(),
        unread: a.unread,
        all: a.all,
    };
    let rows = api::list(&store, &req).map_err(failed("listing matches"))?;
    for l in &rows {
        if a.json {
            let line = serde_json::to_string(l).map_err(|e| CliError::failed("writing JSON", e))?;
            writeln!(out, "{line}").map_err(io)?;
        } else {
            write_listed(out, l, a.agency.as_deref()).map_err(io)?;
        }
    }
    let unread = rows
        .iter()
        .filter(|l| match &a.agency {
            Some(x) => l.view.notice(x).is_some_and(|n| !n.is_read()),
            None => l.view.notices.iter().any(|n| !n.is_read()),
        })
        .count();
    eprintln!("{} matches, {unread} unread", rows.len());
    if a.mark_read
        && let Some(agency) = &a.agency
    {
        let pairs: Vec<_> = rows.iter().map(|l| l.view.entry.pair.clone()).collect();
        let n = api::mark_read(&store, agency, Some(&pairs), a.by.as_deref())
            .map_err(failed("marking notices read"))?;
        eprintln!("{n} marked read");
    }
    Ok(ExitCode::SUCCESS)
}

fn write_listed(out: &mut dyn Write, l: &Listed, agency: Option<&str>) -> std::io::Result<()> {
    let v = &l.view;
    let e = &v.entry;
    let read = |n: &homeward_store::Notice| {
        format!("{}:{}", n.agency, if n.is_read() { "read" } else { "NEW" })
    };
    let notices = match agency.and_then(|a| v.notice(a)) {
        Some(n) => read(n),
        None => v.notices.iter().map(read).collect::<Vec<_>>().join(" "),
    };
    let rank = if l.rank > 0 {
        format!("#{}", l.rank)
    } else {
        "-".into()
    };
    writeln!(
        out,
        "{rank}\t{}\t{} ~ {}\t{:.2}\t{notices}",
        e.pair.relation.as_str(),
        show_id(&e.pair.left),
        show_id(&e.pair.right),
        e.score,
    )?;
    if let Some(d) = &v.decision {
        writeln!(
            out,
            "    {} by {}{}{}",
            verdict_word(d.verdict),
            d.by.as_deref().unwrap_or("-"),
            d.at.map(|t| format!(" at {}", t.format("%Y-%m-%d %H:%M:%SZ")))
                .unwrap_or_default(),
            d.note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        )?;
    }
    if e.state == MatchState::Withdrawn {
        writeln!(
            out,
            "    withdrawn: {}",
            e.withdrawn.as_deref().unwrap_or("-")
        )?;
    }
    writeln!(out, "    {}", e.reasons)
}

fn show(store: &Store, a: ShowArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let d = api::show(store, &a.left, &a.right, true).map_err(failed("showing the pair"))?;
    if a.json {
        let line = serde_json::to_string(&d).map_err(|e| CliError::failed("writing JSON", e))?;
        writeln!(out, "{line}").map_err(io)?;
        return Ok(ExitCode::SUCCESS);
    }
    write_detail(out, &d).map_err(io)?;
    Ok(ExitCode::SUCCESS)
}

fn write_detail(out: &mut dyn Write, d: &PairDetail) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} ~ {}",
        d.pair.relation.as_str(),
        show_id(&d.pair.left),
        show_id(&d.pair.right)
    )?;
    for (side, r) in [("left", &d.left), ("right", &d.right)] {
        writeln!(
            out,
            "  {side}: {} {} {}, version {}",
            show_id(&r.id),
            r.kind,
            r.status,
            r.version
        )?;
    }
    match &d.view {
        Some(v) => {
            let e = &v.entry;
            writeln!(
                out,
                "  stored: {:?}, score {:.2}, computed at versions {} / {}{}, first proposed {}",
                e.state,
                e.score,
                e.left_version,
                e.right_version,
                if d.changed_since {
                    " (a record changed since)"
                } else {
                    ""
                },
                e.first_at.format("%Y-%m-%d %H:%M:%SZ")
            )?;
            if let Some(w) = &e.withdrawn {
                writeln!(out, "  withdrawn: {w}")?;
            }
            for n in &v.notices {
                writeln!(
                    out,
                    "  notice to {}: {} {}",
                    n.agency,
                    n.at.format("%Y-%m-%d %H:%M:%SZ"),
                    match (&n.read_at, &n.read_by) {
                        (Some(t), by) => format!(
                            "read {}{}",
                            t.format("%Y-%m-%d %H:%M:%SZ"),
                            by.as_deref()
                                .map(|b| format!(" by {b}"))
                                .unwrap_or_default()
                        ),
                        (None, _) => "unread".into(),
                    }
                )?;
            }
            if let Some(dec) = &v.decision {
                writeln!(
                    out,
                    "  decision: {} by {}{}",
                    verdict_word(dec.verdict),
                    dec.by.as_deref().unwrap_or("-"),
                    dec.note
                        .as_deref()
                        .map(|n| format!(": {n}"))
                        .unwrap_or_default()
                )?;
            }
        }
        None if d.computed_now => writeln!(
            out,
            "  never proposed; scored now against the stored records: {:.2}",
            d.score.unwrap_or_default()
        )?,
        None => writeln!(out, "  never proposed")?,
    }
    if let Some(why) = &d.not_proposed {
        writeln!(out, "  not proposed now: {why}")?;
    }
    let mut parts = d.parts.clone();
    parts.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    for p in &parts {
        writeln!(
            out,
            "  {:>7.2}  {:<12} {}",
            p.weight,
            p.attribute.as_str(),
            p.detail
        )?;
    }
    Ok(())
}
