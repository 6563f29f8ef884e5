//! `homeward evaluate`: the crossmatch's quality figures against a world's truth.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use homeward_crossmatch::eval::{Truth, evaluate};
use homeward_crossmatch::{Config, Engine, output};

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
    /// Also list the records whose true missing record was not in their top 20.
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
    let rows = if args.inputs.len() == 1 && is_candidates_csv(&args.inputs[0]) {
        let p = &args.inputs[0];
        let f = std::fs::File::open(p).map_err(|e| CliError::io(p.display(), e))?;
        output::read_csv(BufReader::new(f))
            .map_err(|e| CliError::failed(p.display().to_string(), e))?
    } else {
        let loaded = crossmatch::load(&args.inputs, &args.format)?;
        let engine = Engine::from_records(
            Config {
                top_k: args.top,
                ..Config::default()
            },
            loaded.records,
        );
        let m = engine.run();
        let mut buf: Vec<u8> = Vec::new();
        output::write_matches(&engine, &m, &mut buf)
            .map_err(|e| CliError::failed("writing candidates", e))?;
        output::read_csv(&buf[..]).map_err(|e| CliError::failed("reading candidates back", e))?
    };
    let report = evaluate(&truth, &rows);
    print!("{}", report.table());
    if args.misses && !report.identification.misses.is_empty() {
        println!(
            "not in the top 20: {}",
            report.identification.misses.join(" ")
        );
    }
    if args.check && !report.meets_targets() {
        eprintln!("homeward evaluate: below the issue-5 targets");
        return Ok(ExitCode::from(EXIT_BELOW_TARGET));
    }
    Ok(ExitCode::SUCCESS)
}
