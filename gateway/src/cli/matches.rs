//! `homeward matches`: match notifications per agency, and investigators' decisions.
//!
//! - `homeward matches [--agency X] [--unseen] [--all] [--json] [--mark-seen --by NAME]`
//!   brings the crossmatch up to date with the store (the change-feed consumer, one shot;
//!   `--no-update` skips it) and lists the notices: by agency, confirmed first, then best
//!   score first.
//! - `homeward matches confirm LEFT RIGHT --by NAME [--comment TEXT]`,
//!   `homeward matches exclude LEFT RIGHT --by NAME [--comment TEXT]`: ids as in the
//!   candidates CSV (or `source/native_id`), either order. Exclusions are never proposed
//!   again; confirmations are always listed. Confirming does not close either record (see
//!   `matching::api`).
//! - `homeward matches undo LEFT RIGHT --by NAME`: withdraws the decision on a pair.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use homeward_crossmatch::Verdict;
use homeward_store::{MatchState, NoticeFilter, NoticeView};

use super::{CliError, Env};
use crate::matching::api::{self, DecisionRequest, show_id};
use crate::matching::{Matching, MatchingError, Settings};

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
    /// One agency's notices (a record source: ORI, XML sender, PFIF domain).
    #[arg(long)]
    pub agency: Option<String>,
    /// Only notices not marked seen.
    #[arg(long)]
    pub unseen: bool,
    /// Also withdrawn matches (a record closed) and excluded pairs.
    #[arg(long)]
    pub all: bool,
    /// One JSON object a line (notice, match, decision).
    #[arg(long)]
    pub json: bool,
    /// Mark the listed notices seen (needs --agency and --by).
    #[arg(long, requires_all = ["agency", "by"])]
    pub mark_seen: bool,
    /// Who marks them seen.
    #[arg(long)]
    pub by: Option<String>,
    /// List what is stored without first bringing the crossmatch up to date.
    #[arg(long)]
    pub no_update: bool,
}

#[derive(Debug, Subcommand)]
pub enum MatchesAction {
    /// Confirm a pair (the same person, or an identification).
    Confirm(DecideArgs),
    /// Exclude a pair: it is never proposed again.
    Exclude(DecideArgs),
    /// Withdraw the decision on a pair (undecided again).
    Undo(UndoArgs),
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

pub fn run(env: &Env, args: MatchesArgs) -> Result<ExitCode, CliError> {
    let store = Arc::new(env.open_store()?);
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::io("standard output", e);
    match args.action {
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
        None => list(store, args.list, &mut out),
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Confirmed => "confirmed",
        Verdict::Excluded => "excluded",
    }
}

fn decide(
    store: &homeward_store::Store,
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
    .map_err(|e| CliError::io("standard output", e))?;
    if verdict == Verdict::Confirmed && d.pair.relation.as_str() == "possible_identification" {
        eprintln!(
            "note: the records stay open until the agency clears the unidentified record \
             (NCIC CU / clearinghouse clear); the confirmation is listed with the match"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn list(
    store: Arc<homeward_store::Store>,
    a: ListArgs,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let io = |e| CliError::io("standard output", e);
    if !a.no_update {
        let mut m = Matching::open(store.clone(), Settings::default())
            .map_err(failed("building the crossmatch index"))?;
        let done = m.catch_up().map_err(failed("catching up with the store"))?;
        if done.changes > 0 || done.decisions > 0 {
            eprintln!(
                "crossmatch: {} changes, {} decisions processed: {} new matches, {} notified \
                 again, {} withdrawn",
                done.changes, done.decisions, done.new, done.renotified, done.withdrawn
            );
        }
    }
    let filter = NoticeFilter {
        agency: a.agency.clone(),
        unseen: a.unseen,
        all: a.all,
    };
    let views = api::list(&store, &filter).map_err(failed("listing matches"))?;
    for v in &views {
        if a.json {
            let line =
                serde_json::to_string(v).map_err(|e| CliError::failed("writing JSON", e))?;
            writeln!(out, "{line}").map_err(io)?;
        } else {
            write_view(out, v).map_err(io)?;
        }
    }
    let unseen = views.iter().filter(|v| !v.notice.is_seen()).count();
    eprintln!("{} notices, {unseen} unseen", views.len());
    if a.mark_seen
        && let Some(agency) = &a.agency
    {
        let pairs: Vec<_> = views.iter().map(|v| v.notice.pair.clone()).collect();
        let n = api::mark_seen(&store, agency, Some(&pairs), a.by.as_deref())
            .map_err(failed("marking notices seen"))?;
        eprintln!("{n} marked seen");
    }
    Ok(ExitCode::SUCCESS)
}

fn write_view(out: &mut dyn Write, v: &NoticeView) -> std::io::Result<()> {
    let e = &v.entry;
    let seen = if v.notice.is_seen() { "seen" } else { "NEW" };
    let rank = if e.rank > 0 {
        format!(" #{}", e.rank)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{}\t{seen}\t{}\t{} ~ {}\t{:.2}{rank}\t{}",
        v.notice.agency,
        e.pair.relation.as_str(),
        show_id(&e.pair.left),
        show_id(&e.pair.right),
        e.score,
        v.notice.at.format("%Y-%m-%d %H:%M:%SZ"),
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
