//! A 10,000-record signed push between two gateways over mutual TLS on loopback: the client
//! encodes and signs, the server verifies, checks policy, applies to the in-memory store,
//! signs the receipt and logs evidence; the client verifies the receipt and logs it. Each
//! iteration pushes changed records (so every one is stored, not `unchanged`) over a fresh
//! TLS connection. Target: ≤ 300 ms (docs/federation.md records the figure).
//!
//! Two record shapes: `typical` (like the state NCIC files of `shared/samples/world-small`,
//! ~640 bytes of canonical JSON each, 6.4 MB a push) and `full` (every field the policy can
//! withhold filled in, ~2.2 KB each, 22 MB a push).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use homeward_exchange::fixtures::{synthetic_records, typical_records};
use homeward_exchange::harness::TestGateway;
use homeward_exchange::payload::PayloadItem;
use homeward_exchange::policy::PartnerRole;
use homeward_schemas::Kind;

const RECORDS: usize = 10_000;

fn push(c: &mut Criterion) {
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    else {
        eprintln!("no tokio runtime");
        return;
    };
    let Ok((state, hub)) = rt.block_on(async {
        let state = TestGateway::start("state.example").await?;
        let hub = TestGateway::start("hub.example").await?;
        let mut hub_at_state = hub.as_partner(PartnerRole::Hub);
        hub_at_state.share.kinds = vec![Kind::Missing, Kind::Unidentified];
        state.set_partners(&[hub_at_state])?;
        hub.set_partners(&[state.as_partner(PartnerRole::LawEnforcement)])?;
        Ok::<_, homeward_exchange::harness::HarnessError>((state, hub))
    }) else {
        eprintln!("cannot start the gateways");
        return;
    };
    let mut generation = 0u64;
    let mut group = c.benchmark_group("exchange");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RECORDS as u64));
    for (shape, base) in [
        ("typical", typical_records("AL1775001", RECORDS)),
        ("full", synthetic_records("TX0101300", RECORDS)),
    ] {
        group.bench_function(
            format!("signed_push_10k_{shape}_records_mtls_loopback"),
            |b| {
                b.iter_batched_ref(
                    || {
                        generation += 1;
                        base.iter()
                            .map(|r| {
                                let mut r = r.clone();
                                r.case_number = Some(format!("CASE-{generation}"));
                                PayloadItem::Record(Box::new(r))
                            })
                            .collect::<Vec<_>>()
                    },
                    |items| {
                        let pushed = rt.block_on(state.client.push("hub.example", items));
                        match pushed {
                            Ok(p) => assert_eq!(p.receipt.body.accepted(), RECORDS),
                            Err(e) => panic!("push failed: {e}"),
                        }
                    },
                    BatchSize::PerIteration,
                )
            },
        );
    }
    group.finish();
    rt.block_on(async {
        state.stop().await;
        hub.stop().await;
    });
}

criterion_group!(benches, push);
criterion_main!(benches);
