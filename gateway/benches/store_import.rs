//! Durable import throughput: a generated 90,000-report NCIC world (77,143 entries, 12,857
//! modify/locate/clear transactions) read by the NCIC reader and applied through the import
//! pipeline into a fresh store, 1,000 items per atomic batch, each batch durable (sled
//! `flush`, redb durable commit) before the next. One figure per engine.
//!
//! `cargo bench -p homeward --bench store_import`

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/support/ncic_world.rs"]
mod ncic_world;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use homeward_adapters::{ReadContext, Registry};
use homeward_gateway::pipeline::Pipeline;
use homeward_store::{EngineKind, InputContext, Store};

const REPORTS: usize = 90_000;
const BATCH: usize = 1_000;

fn import(c: &mut Criterion) {
    let world = ncic_world::generate(REPORTS);
    let text = world.text().into_bytes();
    let ncic = Registry::builtin().get("ncic").unwrap();
    let mut group = c.benchmark_group("durable_import_90k_reports");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(120))
        .throughput(Throughput::Elements(REPORTS as u64));
    for engine in EngineKind::ALL {
        group.bench_function(engine.as_str(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().unwrap();
                    let store = Store::open(dir.path(), engine).unwrap();
                    let started = Instant::now();
                    let items = ncic.reader().read(
                        Box::new(std::io::Cursor::new(text.clone())),
                        ReadContext::new("world.ncic"),
                    );
                    let summary = Pipeline::new(&store, BATCH)
                        .run(items, &InputContext::file("world.ncic", "ncic"), |_| Ok(()))
                        .unwrap();
                    total += started.elapsed();
                    assert_eq!(summary.rejected, 0);
                    assert_eq!(summary.read as usize, REPORTS);
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
