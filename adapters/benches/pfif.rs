//! PFIF 1.4 feed parse + normalize throughput, on the world-small feed entries replicated to a
//! feed of about 24 MB. `cargo bench -p homeward-adapters --bench pfif`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a test failure

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use homeward_adapters::testdata::{files_with_suffix, world_small};
use homeward_adapters::{Item, ReadContext, Reader, pfif::PfifReader};

const TARGET_BYTES: usize = 24 * 1024 * 1024;

fn document() -> (Vec<u8>, u64) {
    let mut entries = String::new();
    let mut per_copy = 0u64;
    for p in files_with_suffix(&world_small().join("wire"), ".atom.xml") {
        let s = std::fs::read_to_string(&p).unwrap_or_default();
        let (Some(a), Some(b)) = (s.find("<entry>"), s.rfind("</feed>")) else {
            continue;
        };
        let body = &s[a..b];
        per_copy += body.matches("<entry>").count() as u64;
        entries.push_str(body);
    }
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:pfif=\"http://zesty.ca/pfif/1.4\" xmlns:gmcn=\"urn:homeward:gmcn:1\"><id>urn:bench</id><title>bench</title><updated>2026-05-01T00:00:00Z</updated>\n";
    let mut doc = String::from(head);
    let mut n = 0;
    while doc.len() < TARGET_BYTES {
        doc.push_str(&entries);
        n += per_copy;
    }
    doc.push_str("</feed>\n");
    (doc.into_bytes(), n)
}

fn parse(doc: &[u8]) -> u64 {
    let mut ctx = ReadContext::new("bench");
    ctx.limits.max_document_bytes = u64::MAX;
    let mut n = 0;
    for i in PfifReader.read(Box::new(doc), ctx) {
        match i.item {
            Item::Rejected(r) => panic!("rejected: {}", r.reason),
            _ => n += 1,
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let (doc, entries) = document();
    assert_eq!(parse(&doc), entries);
    eprintln!(
        "pfif bench document: {} bytes, {} entries",
        doc.len(),
        entries
    );
    let mut g = c.benchmark_group("pfif_parse_normalize");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("bytes", |b| b.iter(|| parse(&doc)));
    g.throughput(Throughput::Elements(entries));
    g.bench_function("entries", |b| b.iter(|| parse(&doc)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
