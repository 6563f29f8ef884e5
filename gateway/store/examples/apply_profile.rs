//! Times (and, under a profiler, shows) the store's write path on its own: 10,000 typical
//! records applied as one atomic, durable batch into a fresh store (all new), then the same
//! records changed (every one a new version, as in a federation push), and the changed batch
//! again (every one a duplicate). The records are `homeward_exchange::fixtures::
//! typical_records`, those of the federation push benchmarks (NCIC-like, ~700 bytes of JSON
//! each). Synthetic data only.
//!
//! `cargo run --release -p homeward-store --example apply_profile -- [sled|redb] [records] [rounds]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use homeward_adapters::{Position, ReadItem};
use homeward_exchange::fixtures::{process_cpu_time, typical_records};
use homeward_schemas::Record;
use homeward_store::{EngineKind, InputContext, Store};

/// Items as the exchange's receiver makes them: the record, and its JSON as the raw bytes.
fn items(records: &[Record], generation: u64) -> Vec<ReadItem> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            if generation > 0 {
                r.case_number = Some(format!("CASE-{generation}"));
            }
            let raw = serde_json::to_vec(&serde_json::json!({ "record": &r })).unwrap();
            let position = Position {
                index: Some(i as u64),
                ..Position::default()
            };
            ReadItem::entry(r, position, raw)
        })
        .collect()
}

/// Native costs of the encodings the write path does, per typical record.
fn micro() {
    let recs = typical_records("AL1775001", 10_000);
    let time = |name: &str, f: &mut dyn FnMut(&Record)| {
        let started = Instant::now();
        for r in &recs {
            f(r);
        }
        println!(
            "{name:<28} {:>6.2} µs/record",
            started.elapsed().as_secs_f64() * 1e6 / recs.len() as f64
        );
    };
    let bytes: Vec<Vec<u8>> = recs
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap())
        .collect();
    println!("typical record: {} bytes of JSON", bytes[0].len());
    let mut sink = 0usize;
    time("clone", &mut |r| sink += r.clone().names.len());
    time("to_vec", &mut |r| {
        sink += serde_json::to_vec(r).unwrap().len()
    });
    time("to_value", &mut |r| {
        sink += serde_json::to_value(r).unwrap().as_object().unwrap().len()
    });
    time("content_digest", &mut |r| {
        sink += homeward_store::content_digest(r).len()
    });
    let mut i = 0;
    time("from_slice", &mut |_| {
        let r: Record = serde_json::from_slice(&bytes[i]).unwrap();
        i += 1;
        sink += r.names.len();
    });
    println!("({sink})");
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("micro") {
        return micro();
    }
    let mut args = std::env::args().skip(1);
    let engine: EngineKind = args
        .next()
        .unwrap_or_else(|| "redb".into())
        .parse()
        .unwrap();
    let n: usize = args.next().map_or(10_000, |s| s.parse().unwrap());
    let rounds: u64 = args.next().map_or(3, |s| s.parse().unwrap());
    let dir = std::env::var_os("APPLY_PROFILE_DIR").map_or_else(
        || tempfile::tempdir().unwrap(),
        |d| tempfile::tempdir_in(d).unwrap(),
    );
    let store = Store::open(dir.path(), engine).unwrap();
    let base = typical_records("AL1775001", n);
    let phase = |name: &str, items: &[ReadItem], expect: &str| -> Duration {
        let input = InputContext::exchange(format!("bench/{name}"), "canonical");
        let (started, cpu) = (Instant::now(), process_cpu_time().unwrap_or_default());
        let r = store.apply_batch(items, &input).unwrap();
        let (took, cpu) = (
            started.elapsed(),
            process_cpu_time().unwrap_or_default().saturating_sub(cpu),
        );
        assert!(
            r.outcomes.iter().all(|o| o.outcome.label() == expect),
            "{name}"
        );
        println!(
            "{engine} {name:<10} {n} items: {:>7.1} ms wall ({:>5.1} µs/item), {:>6.0} ms CPU ({:>5.1} µs/item)",
            took.as_secs_f64() * 1e3,
            took.as_secs_f64() * 1e6 / n as f64,
            cpu.as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e6 / n as f64
        );
        took
    };
    phase("new", &items(&base, 0), "new");
    for g in 1..=rounds {
        let changed = items(&base, g);
        phase(&format!("changed-{g}"), &changed, "changed");
        if g == rounds {
            phase("duplicate", &changed, "unchanged");
        }
    }
}
