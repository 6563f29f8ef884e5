//! Clearinghouse XML parse + normalize throughput, on the world-small reports replicated to a
//! document of about 24 MB. `cargo bench -p homeward-adapters --bench xml`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a test failure

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use homeward_adapters::testdata::{files_with_suffix, world_small};
use homeward_adapters::{Item, ReadContext, Reader, xml::XmlReader};

const TARGET_BYTES: usize = 24 * 1024 * 1024;

fn document() -> (Vec<u8>, u64) {
    let mut reports = String::new();
    let mut per_copy = 0u64;
    for p in files_with_suffix(&world_small().join("wire"), ".xml") {
        let name = p.to_string_lossy().to_string();
        if name.ends_with(".atom.xml") {
            continue;
        }
        let s = std::fs::read_to_string(&p).unwrap_or_default();
        let (Some(a), Some(b)) = (
            s.find("</ch:ExchangeHeader>"),
            s.rfind("</ch:ClearinghouseExchange>"),
        ) else {
            continue;
        };
        let body = &s[a + "</ch:ExchangeHeader>".len()..b];
        per_copy += body.matches("<ch:CaseIdentification>").count() as u64;
        reports.push_str(body);
    }
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ch:ClearinghouseExchange xmlns:ch=\"urn:homeward:clearinghouse:1\" xmlns:nc=\"http://release.niem.gov/niem/niem-core/5.0/\" xmlns:j=\"http://release.niem.gov/niem/domains/jxdm/7.2/\" xmlns:iso_3166=\"http://release.niem.gov/niem/codes/iso_3166-1/5.0/\"><ch:ExchangeHeader><ch:SenderIdentification>BENCH-ME</ch:SenderIdentification><ch:ExchangeDateTime>2026-05-01T00:00:00Z</ch:ExchangeDateTime></ch:ExchangeHeader>\n";
    let mut doc = String::from(head);
    let mut n = 0;
    while doc.len() < TARGET_BYTES {
        doc.push_str(&reports);
        n += per_copy;
    }
    doc.push_str("</ch:ClearinghouseExchange>\n");
    (doc.into_bytes(), n)
}

fn parse(doc: &[u8]) -> u64 {
    let mut ctx = ReadContext::new("bench");
    ctx.limits.max_document_bytes = u64::MAX;
    let mut n = 0;
    for i in XmlReader.read(Box::new(doc), ctx) {
        match i.item {
            Item::Rejected(r) => panic!("rejected: {}", r.reason),
            _ => n += 1,
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let (doc, reports) = document();
    assert_eq!(parse(&doc), reports);
    eprintln!(
        "xml bench document: {} bytes, {} reports",
        doc.len(),
        reports
    );
    let mut g = c.benchmark_group("xml_parse_normalize");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("bytes", |b| b.iter(|| parse(&doc)));
    g.throughput(Throughput::Elements(reports));
    g.bench_function("reports", |b| b.iter(|| parse(&doc)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
