//! `homeward bench`: measurements printed as a table (figures for the docs, not tests).
//!
//! `homeward bench crossmatch` generates a world in memory, then times a full crossmatch of
//! it (profiles, index, same-person clusters, top-K identifications; wire parsing is not
//! included) and the candidates of new records against a stored index, with peak memory.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use homeward_crossmatch::replay::Replay;
use homeward_crossmatch::{Config, Engine};
use homeward_generate::{Config as WorldConfig, Item, generate};
use homeward_schemas::{Kind, Record};

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
}

#[derive(Debug, Args)]
pub struct CrossmatchBench {
    /// People in the world of the full run (57,000 make ~90,000 reports: ~75,000 missing,
    /// ~13,000 unidentified, ~1,000 unclaimed).
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
    /// Full runs to time (the best is reported with the median).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

pub fn run(args: BenchArgs) -> Result<ExitCode, CliError> {
    match args.what {
        Bench::Crossmatch(a) => crossmatch(a),
    }
}

/// This process's CPU time (user + system), from `/proc/self/stat`; `None` elsewhere.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let f: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// A `/proc/self/status` figure in MiB (`VmHWM` peak, `VmRSS` now); `None` elsewhere.
fn memory_mib(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The world's records with its transactions applied.
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

fn fmt_opt(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.2} s", d.as_secs_f64()))
        .unwrap_or_else(|| "n/a".into())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn crossmatch(a: CrossmatchBench) -> Result<ExitCode, CliError> {
    let threads = rayon::current_num_threads();
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
    let rss_before = memory_mib("VmRSS").unwrap_or(0.0);

    // full runs: the engine built from the records, then run
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut stats = None;
    let mut pairs = (0usize, 0usize);
    for i in 0..a.runs.max(1) {
        let recs = if i + 1 == a.runs.max(1) {
            std::mem::take(&mut { records.clone() })
        } else {
            records.clone()
        };
        let (w0, c0) = (Instant::now(), cpu_time());
        let engine = Engine::from_records(Config::default(), recs);
        let m = engine.run();
        let wall = w0.elapsed();
        let cpu = match (c0, cpu_time()) {
            (Some(x), Some(y)) => Some(y.saturating_sub(x)),
            _ => None,
        };
        walls.push(wall);
        cpus.push(cpu);
        pairs = (m.same_person.len(), m.identifications.len());
        stats = Some(m.stats);
    }
    drop(records);
    let peak = memory_mib("VmHWM");
    let mut sorted = walls.clone();
    sorted.sort();
    let best = sorted.first().copied().unwrap_or_default();
    let median = percentile(&sorted, 0.5);
    let cpu_best = cpus.iter().flatten().min().copied();

    // incremental: candidates of new records against a stored index
    let mut stored = world_records((a.stored as f64 / 1.52) as usize, a.seed ^ 0xBEEF);
    stored.truncate(a.stored);
    let mut fresh = world_records((a.queries as f64 / 1.2) as usize + 10, a.seed ^ 0xF00D);
    fresh.retain(Record::is_open);
    fresh.truncate(a.queries);
    let stored_n = stored.len();
    let engine = Engine::from_records(Config::default(), stored);
    let mut lat: Vec<Duration> = Vec::with_capacity(fresh.len());
    let mut found = 0usize;
    for r in &fresh {
        let q = Instant::now();
        let c = engine.candidates_for(r);
        lat.push(q.elapsed());
        found += c.len();
    }
    lat.sort();
    let mut upserting = engine.clone();
    let mut upd: Vec<Duration> = Vec::with_capacity(fresh.len());
    for r in &fresh {
        let q = Instant::now();
        upserting.upsert(r);
        let _ = upserting.candidates(&r.id);
        upd.push(q.elapsed());
    }
    upd.sort();

    let s = stats.unwrap_or_default();
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    println!(
        "homeward bench crossmatch (seed {}, {} threads)",
        a.seed, threads
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| world | {} reports: {missing} missing, {unidentified} unidentified, {unclaimed} unclaimed ({open} open); generated in {:.1} s |",
        missing + unidentified + unclaimed,
        generated.as_secs_f64()
    );
    println!(
        "| full crossmatch, wall (best / median of {}) | {:.2} s / {:.2} s |",
        walls.len(),
        best.as_secs_f64(),
        median.as_secs_f64()
    );
    println!("| full crossmatch, CPU (best) | {} |", fmt_opt(cpu_best));
    println!(
        "| pairs scored | {} same-person, {} identification ({} estimated) |",
        s.same_person_pairs_scored, s.identification_pairs_scored, s.identification_pairs_estimated
    );
    println!(
        "| output | {} same-person links, {} possible identifications for {} records |",
        pairs.0, pairs.1, s.records_to_identify
    );
    println!(
        "| peak memory (process, incl. the generated records) | {} (RSS before the runs {:.0} MiB) |",
        peak.map(|p| format!("{p:.0} MiB"))
            .unwrap_or_else(|| "n/a".into()),
        rss_before
    );
    println!(
        "| new record's candidates vs {stored_n} stored (p50 / p99 / max) | {} / {} / {} ({} records, {found} candidates) |",
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        ms(lat.last().copied().unwrap_or_default()),
        lat.len()
    );
    println!(
        "| upsert + candidates (p50 / p99) | {} / {} |",
        ms(percentile(&upd, 0.5)),
        ms(percentile(&upd, 0.99))
    );
    Ok(ExitCode::SUCCESS)
}
