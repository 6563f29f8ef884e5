//! NCIC parse + normalize throughput on a 100k-message file.
//!
//! The file is built from the sample world's NCIC entries, renumbered so every message is
//! distinct. Run: `cargo bench -p homeward-adapters --bench ncic`.
// A benchmark is test code: a missing sample should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Cursor;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use homeward_adapters::{Item, ReadContext, Registry, testdata};

const MESSAGES: usize = 100_000;

fn corpus() -> Vec<u8> {
    let mut lines = Vec::new();
    for path in testdata::files_with_suffix(&testdata::world_small().join("wire"), ".ncic") {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        lines.extend(
            text.lines()
                .filter(|l| l.starts_with("1N01HEADER.E"))
                .map(str::to_string),
        );
    }
    assert!(!lines.is_empty(), "sample NCIC files not found");
    let mut out = Vec::with_capacity(MESSAGES * 220);
    for i in 0..MESSAGES {
        let l = &lines[i % lines.len()];
        // Renumber the NIC so each message names its own record.
        let l = match l.find("NIC/") {
            Some(p) => format!("{}{:09}{}", &l[..p + 5], i, &l[p + 14..]),
            None => l.clone(),
        };
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = corpus();
    let format = Registry::builtin().get("ncic").expect("ncic registered");
    let mut group = c.benchmark_group("ncic");
    group.sample_size(10);
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("parse+normalize 100k messages", |b| {
        b.iter(|| {
            let items = format
                .reader()
                .read(Box::new(Cursor::new(&data[..])), ReadContext::new("bench"));
            let mut n = 0usize;
            for it in items {
                if matches!(it.item, Item::Entry(_)) {
                    n += 1;
                }
            }
            assert_eq!(n, MESSAGES);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
