//! `homeward evaluate`: the crossmatch's quality figures against a world's truth.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use homeward_crossmatch::eval::{Truth, evaluate};
use homeward_crossmatch::{Config, Engine, Trace, output};
use homeward_schemas::RecordId;

use super::{CliError, crossmatch, input};

/// Exit code when `--check` was given and a target is not met.
pub const EXIT_BELOW_TARGET: u8 = 4;

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The world's truth (`native_id,pid,kind,format,status`).
    #[arg(long)]
    pub truth: PathBuf,
    /// A candidates CSV written by `homeward crossmatch`, or wire files and directories to
    /// crossmatch first.
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// Format of wire inputs (`auto` detects each file's).
    #[arg(long, default_value = input::AUTO)]
    pub format: String,
    /// Possible identifications kept per record when crossmatching here.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Exit with status 4 unless every target of issue 5 is met (F1 ≥ 0.97, top-1 ≥ 65 %,
    /// top-10 ≥ 88 %, top-20 ≥ 92 %, no closed record proposed).
    #[arg(long)]
    pub check: bool,
    /// Also list the records whose true missing record was not in their top 20 (with wire
    /// inputs: why, for each, and counts by cause).
    #[arg(long)]
    pub misses: bool,
}

fn is_candidates_csv(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map(|n| output::looks_like_csv(&head[..n]))
        .unwrap_or(false)
}

pub fn run(args: EvaluateArgs) -> Result<ExitCode, CliError> {
    let text =
        std::fs::read_to_string(&args.truth).map_err(|e| CliError::io(args.truth.display(), e))?;
    let truth =
        Truth::parse(&text).map_err(|e| CliError::failed(args.truth.display().to_string(), e))?;
    let mut engine = None;
    let rows = if args.inputs.len() == 1 && is_candidates_csv(&args.inputs[0]) {
        let p = &args.inputs[0];
        let f = std::fs::File::open(p).map_err(|e| CliError::io(p.display(), e))?;
        output::read_csv(BufReader::new(f))
            .map_err(|e| CliError::failed(p.display().to_string(), e))?
    } else {
        let loaded = crossmatch::load(&args.inputs, &args.format)?;
        let e = Engine::from_records(
            Config {
                top_k: args.top,
                ..Config::default()
            },
            loaded.records,
        );
        let m = e.run();
        let mut buf: Vec<u8> = Vec::new();
        output::write_matches(&e, &m, &mut buf)
            .map_err(|e| CliError::failed("writing candidates", e))?;
        engine = Some(e);
        output::read_csv(&buf[..]).map_err(|e| CliError::failed("reading candidates back", e))?
    };
    let report = evaluate(&truth, &rows);
    print!("{}", report.table());
    if args.misses && !report.identification.misses.is_empty() {
        match &engine {
            Some(e) => print!("{}", why_missed(e, &truth, &report.identification.misses)),
            None => println!(
                "not in the top 20: {}",
                report.identification.misses.join(" ")
            ),
        }
    }
    if args.check && !report.meets_targets() {
        eprintln!("homeward evaluate: below the issue-5 targets");
        return Ok(ExitCode::from(EXIT_BELOW_TARGET));
    }
    Ok(ExitCode::SUCCESS)
}

/// Why each missed record's true missing record was not in its top 20, with counts by cause.
fn why_missed(engine: &Engine, truth: &Truth, misses: &[String]) -> String {
    use std::collections::{BTreeMap, HashMap};
    use std::fmt::Write as _;
    let by_native: HashMap<&str, &RecordId> = engine
        .record_ids()
        .map(|id| (id.native_id.as_str(), id))
        .collect();
    let full = engine.config().full_scores;
    let top = engine.config().top_k;
    let mut missing_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (id, m) in &truth.rows {
        if m.kind == "missing" && m.is_open() {
            missing_of.entry(m.pid.as_str()).or_default().push(id.as_str());
        }
    }
    let mut causes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut lines = String::new();
    for miss in misses {
        let Some(t) = truth.rows.get(miss) else {
            continue;
        };
        let Some(right) = by_native.get(miss.as_str()) else {
            continue;
        };
        // the person's open missing records, best handled first
        let mut traces: Vec<(&RecordId, Trace)> = missing_of
            .get(t.pid.as_str())
            .into_iter()
            .flatten()
            .filter_map(|id| by_native.get(id).copied())
            .filter_map(|l| engine.trace(l, right).map(|tr| (l, tr)))
            .collect();
        traces.sort_by_key(|(l, tr)| {
            (
                tr.exclusion.is_some(),
                !tr.pooled,
                tr.rank.unwrap_or(usize::MAX),
                tr.estimate_rank.unwrap_or(usize::MAX),
                (*l).clone(),
            )
        });
        let Some((left, tr)) = traces.first() else {
            *causes.entry("true missing record not indexed").or_default() += 1;
            let _ = writeln!(lines, "{miss}: true missing record not indexed");
            continue;
        };
        let km = tr
            .km
            .map(|k| format!("{k:.0} km"))
            .unwrap_or_else(|| "no coordinates".into());
        let (cause, detail) = if let Some(x) = tr.exclusion {
            ("excluded by rule", format!("{x:?}"))
        } else if tr.pooled {
            match tr.rank {
                Some(r) if r <= top => (
                    "in the top 20 of its own list, pushed out by linked records",
                    format!("rank {r}"),
                ),
                Some(r) => ("scored, ranked below the top 20", format!("rank {r}")),
                None => ("scored, ranked below the kept candidates", String::new()),
            }
        } else if tr.geo_read || tr.estimate.is_some() {
            (
                "read, estimate too low to be scored in full",
                format!(
                    "estimate rank {} of {} (best {full} kept)",
                    tr.estimate_rank.unwrap_or(0),
                    tr.estimated
                ),
            )
        } else {
            ("never read (outside the geographic reach, no key)", String::new())
        };
        *causes.entry(cause).or_default() += 1;
        let _ = writeln!(
            lines,
            "{miss}: {} ({}): {cause}{}{}; {km}; score {}",
            left.native_id,
            left.source,
            if detail.is_empty() { "" } else { ": " },
            detail,
            tr.score.map(|s| format!("{s:.1}")).unwrap_or("-".into())
        );
    }
    let mut s = format!("not in the top {top}: {}\n", misses.len());
    for (c, n) in &causes {
        let _ = writeln!(s, "  {n:5}  {c}");
    }
    s.push_str(&lines);
    s
}
