//! Crossmatch benchmarks: building profiles, scoring a pair, a full run of a generated world,
//! and the candidates of a new record against a stored index.
//!
//! The headline figures (a ~90,000-report world, 100,000 stored records) come from
//! `homeward bench crossmatch`, which measures each run in a fresh process; these criterion
//! benchmarks track the parts at sizes that keep `cargo bench` short.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use homeward_crossmatch::replay::Replay;
use homeward_crossmatch::score::{Counts, Relation, total};
use homeward_crossmatch::{Config, Engine, Profile};
use homeward_generate::{Config as WorldConfig, Item, generate};
use homeward_schemas::{Kind, Record};

fn world(persons: usize, seed: u64) -> Vec<Record> {
    let w = generate(&WorldConfig { persons, seed });
    let mut replay = Replay::new();
    for it in w.items() {
        match it {
            Item::Entry(r) => replay.entry(r.clone()),
            Item::Transaction(t) => {
                let _ = replay.transaction(t);
            }
        }
    }
    replay.into_records()
}

fn profiles(c: &mut Criterion) {
    let recs = world(2_000, 1);
    c.bench_function("profile/build (3,000 records)", |b| {
        b.iter(|| recs.iter().map(Profile::build).count())
    });
}

fn pairs(c: &mut Criterion) {
    let recs = world(3_000, 2);
    let profiles: Vec<Profile> = recs
        .iter()
        .filter(|r| r.is_open())
        .map(Profile::build)
        .collect();
    let mut counts = Counts::default();
    for p in &profiles {
        counts.add(p);
    }
    let missing: Vec<&Profile> = profiles
        .iter()
        .filter(|p| p.kind == Kind::Missing)
        .collect();
    let remains: Vec<&Profile> = profiles
        .iter()
        .filter(|p| p.kind == Kind::Unidentified)
        .collect();
    let sp: Vec<(&Profile, &Profile)> = missing
        .iter()
        .zip(missing.iter().skip(1))
        .take(1000)
        .map(|(a, b)| (*a, *b))
        .collect();
    let id: Vec<(&Profile, &Profile)> = missing
        .iter()
        .zip(remains.iter().cycle())
        .take(1000)
        .map(|(a, b)| (*a, *b))
        .collect();
    c.bench_function("score/same person (1,000 pairs)", |b| {
        b.iter(|| {
            sp.iter()
                .filter_map(|(x, y)| total(x, y, Relation::SamePerson, &counts))
                .sum::<f32>()
        })
    });
    c.bench_function("score/identification (1,000 pairs)", |b| {
        b.iter(|| {
            id.iter()
                .filter_map(|(x, y)| total(x, y, Relation::PossibleIdentification, &counts))
                .sum::<f32>()
        })
    });
}

fn full_run(c: &mut Criterion) {
    let mut g = c.benchmark_group("full run");
    g.sample_size(10);
    for persons in [2_000usize, 10_000] {
        let recs = world(persons, 3);
        g.bench_with_input(BenchmarkId::from_parameter(recs.len()), &recs, |b, recs| {
            b.iter(|| Engine::with_records(Config::default(), recs).run())
        });
    }
    g.finish();
}

fn incremental(c: &mut Criterion) {
    let stored = world(13_000, 4);
    let engine = Engine::with_records(Config::default(), &stored);
    let fresh: Vec<Record> = world(300, 5).into_iter().filter(Record::is_open).collect();
    let mut i = 0;
    c.bench_function("candidates of a new record (20,000 stored)", |b| {
        b.iter(|| {
            i = (i + 1) % fresh.len();
            engine.candidates_for(&fresh[i]).len()
        })
    });
}

criterion_group!(benches, profiles, pairs, full_run, incremental);
criterion_main!(benches);
