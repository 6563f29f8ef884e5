//! `homeward bench`: measurements printed as a table (figures for the docs, not tests).
//!
//! `homeward bench exchange` (in `bench_exchange.rs`): partners pushing to one gateway over
//! mutual TLS, with the check that every acknowledged exchange is stored and logged.
//!
//! `homeward bench crossmatch` generates a world, writes its records (transactions applied)
//! as canonical JSON lines to a temporary file, then measures in a fresh child process per
//! run, so the figures are the crossmatch's alone:
//!
//! - a **full crossmatch**: profiles built from the records (streamed in chunks: the records
//!   are never all held), the index, same-person clusters and the top-K identifications —
//!   wall time, CPU time and the child's peak memory. JSON parsing is timed apart and not
//!   counted; wire parsing is not involved.
//! - the **candidates of a new record** against a stored index (default 100,000 records):
//!   latency percentiles, without and with adding the record.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use homeward_crossmatch::replay::Replay;
use homeward_crossmatch::{Config, Engine, Profile};
use homeward_exchange::fixtures::{machine_steal_ticks, process_cpu_time, steal_percent};
use homeward_generate::{Config as WorldConfig, Item, generate};
use homeward_schemas::{Kind, Record};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::CliError;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: Bench,
}

#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Full crossmatch of a generated world, and the candidates of new records.
    Crossmatch(CrossmatchBench),
    /// N partners push signed batches to one gateway over mutual TLS on loopback for a fixed
    /// time; throughput, latency, errors, peak memory; then every acknowledged exchange is
    /// checked in the store and the evidence log.
    Exchange(super::bench_exchange::ExchangeBench),
    /// One measured run on a file of canonical records (used by `bench crossmatch`).
    #[command(hide = true)]
    CrossmatchRun(RunArgs),
}

#[derive(Debug, Args)]
pub struct CrossmatchBench {
    /// People in the world of the full run (57,000 make ~87,000 reports: ~71,000 missing,
    /// ~14,500 unidentified, ~1,100 unclaimed).
    #[arg(long, default_value_t = 57_000)]
    pub persons: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Records stored for the incremental measurement.
    #[arg(long, default_value_t = 100_000)]
    pub stored: usize,
    /// New records whose candidates are timed.
    #[arg(long, default_value_t = 2_000)]
    pub queries: usize,
    /// Full runs (each in a fresh process; best and median reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Canonical records, one JSON object a line.
    #[arg(long)]
    pub records: PathBuf,
    /// Records stored before timing the candidates of the rest (0: a full run instead).
    #[arg(long, default_value_t = 0)]
    pub stored: usize,
}

/// What one child run reports (one JSON line on stdout).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RunReport {
    records: usize,
    parse_s: f64,
    profiles_s: f64,
    index_s: f64,
    run_s: f64,
    total_s: f64,
    cpu_s: Option<f64>,
    /// Share of the machine's time stolen by its hypervisor while this child ran, from
    /// reading the records to the end of the crossmatch (percent).
    #[serde(default)]
    steal_pct: Option<f64>,
    peak_mib: Option<f64>,
    /// The peak once the profiles and the index are built, before the run.
    #[serde(default)]
    peak_indexed_mib: Option<f64>,
    same_person_scored: u64,
    identification_scored: u64,
    identification_estimated: u64,
    links: usize,
    clusters: usize,
    identifications: usize,
    to_identify: usize,
    /// Incremental: candidates latencies (ms), sorted: the first call, and the best of
    /// three (the computation without the machine's interruptions).
    query_ms: Vec<f64>,
    query_best_ms: Vec<f64>,
    upsert_ms: Vec<f64>,
    candidates: usize,
}

pub fn run(args: BenchArgs) -> Result<ExitCode, CliError> {
    match args.what {
        Bench::Crossmatch(a) => crossmatch(a),
        Bench::Exchange(a) => super::bench_exchange::run(a),
        Bench::CrossmatchRun(a) => child(a),
    }
}

/// A memory figure in both units the targets and the kernel use: `380 MiB (398 MB)`.
fn mib_and_mb(mib: Option<f64>) -> String {
    match mib {
        Some(m) => format!("{m:.0} MiB ({:.0} MB)", m * 1024.0 * 1024.0 / 1e6),
        None => "n/a".into(),
    }
}

/// This process's peak resident memory (`VmHWM`) in MiB; `None` off Linux.
fn peak_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// A world's records with its transactions applied.
fn world_records(persons: usize, seed: u64) -> Vec<Record> {
    let world = generate(&WorldConfig { persons, seed });
    let mut replay = Replay::new();
    for it in world.items() {
        match it {
            Item::Entry(r) => replay.entry(r.clone()),
            Item::Transaction(t) => {
                // every generated transaction names a record of its world
                let _ = replay.transaction(t);
            }
        }
    }
    replay.into_records()
}

fn write_jsonl(path: &Path, records: &[Record]) -> Result<(), CliError> {
    let io = |e| CliError::io(path.display(), e);
    let mut w = BufWriter::new(std::fs::File::create(path).map_err(io)?);
    for r in records {
        serde_json::to_writer(&mut w, r).map_err(|e| CliError::failed("writing records", e))?;
        w.write_all(b"\n").map_err(io)?;
    }
    w.flush().map_err(io)
}

/// What [`read_profiles`] reads.
struct Read {
    /// Profiles of the first `limit` records (the open ones).
    profiles: Vec<Profile>,
    /// The records after the first `limit`, as they are.
    rest: Vec<Record>,
    parse: Duration,
    /// CPU time spent parsing (all threads).
    parse_cpu: Duration,
    build: Duration,
}

/// Profiles of the records in `path`, read in chunks so the records are never all held;
/// the records past the first `limit` are kept as records.
fn read_profiles(path: &Path, limit: usize) -> Result<Read, CliError> {
    let f = std::fs::File::open(path).map_err(|e| CliError::io(path.display(), e))?;
    let mut lines = BufReader::new(f).lines();
    let mut out = Read {
        profiles: Vec::new(),
        rest: Vec::new(),
        parse: Duration::ZERO,
        parse_cpu: Duration::ZERO,
        build: Duration::ZERO,
    };
    let mut n = 0usize;
    loop {
        let chunk: Vec<String> = lines
            .by_ref()
            .take(4096)
            .collect::<Result<_, _>>()
            .map_err(|e| CliError::io(path.display(), e))?;
        if chunk.is_empty() {
            break;
        }
        let (t, c) = (Instant::now(), process_cpu_time());
        let recs: Vec<Record> = chunk
            .par_iter()
            .map(|l| serde_json::from_str::<Record>(l))
            .collect::<Result<_, _>>()
            .map_err(|e| CliError::failed("reading records", e))?;
        drop(chunk);
        out.parse += t.elapsed();
        if let (Some(c0), Some(c1)) = (c, process_cpu_time()) {
            out.parse_cpu += c1.saturating_sub(c0);
        }
        let t = Instant::now();
        let mut indexed = Vec::with_capacity(recs.len());
        for r in recs {
            if n < limit {
                if r.is_open() {
                    indexed.push(r);
                }
            } else {
                out.rest.push(r);
            }
            n += 1;
        }
        out.profiles.extend(
            indexed
                .into_par_iter()
                .map(|r| Profile::build(&r))
                .collect::<Vec<_>>(),
        );
        out.build += t.elapsed();
    }
    Ok(out)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// One measured run, in this (child) process.
fn child(a: RunArgs) -> Result<ExitCode, CliError> {
    let cpu0 = process_cpu_time();
    let steal0 = machine_steal_ticks();
    let limit = if a.stored == 0 { usize::MAX } else { a.stored };
    let Read {
        profiles,
        rest,
        parse,
        parse_cpu,
        build,
    } = read_profiles(&a.records, limit)?;
    let mut rep = RunReport {
        records: profiles.len(),
        parse_s: secs(parse),
        profiles_s: secs(build),
        ..RunReport::default()
    };
    let t = Instant::now();
    let engine = Engine::with_profiles(Config::default(), profiles);
    rep.index_s = secs(t.elapsed());
    rep.peak_indexed_mib = peak_mib();
    if a.stored == 0 {
        let t = Instant::now();
        let m = engine.run();
        rep.run_s = secs(t.elapsed());
        rep.total_s = rep.profiles_s + rep.index_s + rep.run_s;
        rep.steal_pct = steal_percent(steal0, machine_steal_ticks());
        rep.cpu_s = match (cpu0, process_cpu_time()) {
            (Some(x), Some(y)) => Some(secs(y.saturating_sub(x).saturating_sub(parse_cpu))),
            _ => None,
        };
        rep.same_person_scored = m.stats.same_person_pairs_scored;
        rep.identification_scored = m.stats.identification_pairs_scored;
        rep.identification_estimated = m.stats.identification_pairs_estimated;
        rep.links = m.same_person.len();
        rep.clusters = m.clusters.len();
        rep.identifications = m.identifications.len();
        rep.to_identify = m.stats.records_to_identify;
    } else {
        let fresh: Vec<&Record> = rest.iter().filter(|r| r.is_open()).collect();
        for r in &fresh {
            let q = Instant::now();
            let c = engine.candidates_for(r);
            rep.query_ms.push(secs(q.elapsed()) * 1000.0);
            rep.candidates += c.len();
            let mut best = f64::MAX;
            for _ in 0..3 {
                let q = Instant::now();
                let _ = engine.candidates_for(r);
                best = best.min(secs(q.elapsed()) * 1000.0);
            }
            rep.query_best_ms.push(best);
        }
        let mut e = engine;
        for r in &fresh {
            let q = Instant::now();
            e.upsert(r);
            let _ = e.candidates(&r.id);
            rep.upsert_ms.push(secs(q.elapsed()) * 1000.0);
        }
        rep.query_ms.sort_by(f64::total_cmp);
        rep.query_best_ms.sort_by(f64::total_cmp);
        rep.upsert_ms.sort_by(f64::total_cmp);
    }
    rep.peak_mib = peak_mib();
    let line = serde_json::to_string(&rep).map_err(|e| CliError::failed("report", e))?;
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

fn spawn(records: &Path, stored: usize) -> Result<RunReport, CliError> {
    let exe = std::env::current_exe().map_err(|e| CliError::io("current executable", e))?;
    let out = std::process::Command::new(exe)
        .args(["bench", "crossmatch-run", "--records"])
        .arg(records)
        .args(["--stored", &stored.to_string()])
        .output()
        .map_err(|e| CliError::io("bench child", e))?;
    if !out.status.success() {
        return Err(CliError::failed(
            "bench child",
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).map_err(|e| CliError::failed("bench child report", e))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn crossmatch(a: CrossmatchBench) -> Result<ExitCode, CliError> {
    let threads = rayon::current_num_threads();
    let dir = std::env::temp_dir().join(format!("homeward-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io(dir.display(), e))?;
    let result = measure(&a, &dir, threads);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure(a: &CrossmatchBench, dir: &Path, threads: usize) -> Result<ExitCode, CliError> {
    let t = Instant::now();
    let records = world_records(a.persons, a.seed);
    let generated = t.elapsed();
    let count = |k: Kind| records.iter().filter(|r| r.kind == k).count();
    let (missing, unidentified, unclaimed) = (
        count(Kind::Missing),
        count(Kind::Unidentified),
        count(Kind::Unclaimed),
    );
    let open = records.iter().filter(|r| r.is_open()).count();
    let full = dir.join("world.jsonl");
    write_jsonl(&full, &records)?;
    drop(records);

    let mut runs: Vec<RunReport> = Vec::new();
    for _ in 0..a.runs.max(1) {
        runs.push(spawn(&full, 0)?);
    }
    runs.sort_by(|x, y| x.total_s.total_cmp(&y.total_s));
    let best = runs[0].clone();
    let median = runs[runs.len() / 2].clone();

    // incremental: a stored world and new records from another
    let mut stored = world_records((a.stored as f64 / 1.5) as usize + 100, a.seed ^ 0xBEEF);
    stored.truncate(a.stored);
    let stored_n = stored.len();
    let mut fresh = world_records((a.queries as f64 / 1.3) as usize + 20, a.seed ^ 0xF00D);
    fresh.retain(Record::is_open);
    fresh.truncate(a.queries);
    stored.extend(fresh);
    let inc_path = dir.join("incremental.jsonl");
    write_jsonl(&inc_path, &stored)?;
    drop(stored);
    let inc = spawn(&inc_path, stored_n)?;

    println!(
        "homeward bench crossmatch (seed {}, {threads} threads)",
        a.seed
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| world | {} reports: {missing} missing, {unidentified} unidentified, {unclaimed} unclaimed ({open} open, {} indexed); generated in {:.1} s |",
        missing + unidentified + unclaimed,
        best.records,
        generated.as_secs_f64()
    );
    println!(
        "| full crossmatch, wall (best / median of {}) | {:.2} s / {:.2} s (profiles {:.2} + index {:.2} + run {:.2}) |",
        runs.len(),
        best.total_s,
        median.total_s,
        best.profiles_s,
        best.index_s,
        best.run_s
    );
    println!(
        "| every full run, wall (share of the machine's time its hypervisor stole meanwhile) | {} |",
        runs.iter()
            .map(|r| match r.steal_pct {
                Some(p) => format!("{:.2} s ({p:.0} %)", r.total_s),
                None => format!("{:.2} s", r.total_s),
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "| full crossmatch, CPU time (best run, both threads; JSON parsing, {:.2} s wall, not counted) | {} |",
        best.parse_s,
        best.cpu_s
            .map(|c| format!("{c:.2} s"))
            .unwrap_or_else(|| "n/a".into())
    );
    println!(
        "| peak memory of a run (the process: profiles, index, results; best run / highest of all runs) | {} / {} (profiles and index: {}) |",
        mib_and_mb(best.peak_mib),
        mib_and_mb(
            runs.iter()
                .filter_map(|r| r.peak_mib)
                .max_by(f64::total_cmp)
        ),
        mib_and_mb(best.peak_indexed_mib)
    );
    println!(
        "| pairs scored in full | {} same-person, {} identification (of {} estimated) |",
        best.same_person_scored, best.identification_scored, best.identification_estimated
    );
    println!(
        "| output | {} same-person links in {} clusters; {} possible identifications for {} records |",
        best.links, best.clusters, best.identifications, best.to_identify
    );
    println!(
        "| new record's candidates vs {stored_n} stored (p50 / p99 / max) | {:.3} / {:.3} / {:.3} ms ({} records, {} candidates) |",
        percentile(&inc.query_ms, 0.5),
        percentile(&inc.query_ms, 0.99),
        inc.query_ms.last().copied().unwrap_or(0.0),
        inc.query_ms.len(),
        inc.candidates
    );
    println!(
        "| the same, best of 3 calls each (p50 / p99 / max) | {:.3} / {:.3} / {:.3} ms |",
        percentile(&inc.query_best_ms, 0.5),
        percentile(&inc.query_best_ms, 0.99),
        inc.query_best_ms.last().copied().unwrap_or(0.0)
    );
    println!(
        "| upsert + candidates (p50 / p99 / max) | {:.3} / {:.3} / {:.3} ms |",
        percentile(&inc.upsert_ms, 0.5),
        percentile(&inc.upsert_ms, 0.99),
        inc.upsert_ms.last().copied().unwrap_or(0.0)
    );
    Ok(ExitCode::SUCCESS)
}
