//! A 10,000-record signed push between two running gateways over mutual TLS on loopback, into
//! the real store: the client encodes and signs; the receiver verifies, records the replay
//! key, checks the policy, applies the records through the import path and commits them with
//! their evidence entry in one durable batch, signs the receipt; the client verifies and logs
//! it. Each iteration pushes changed records (all stored as new versions). One figure per
//! engine; `cargo bench -p homeward-exchange --bench push` is the same push into the in-memory
//! store (the protocol alone).
//!
//! The hub runs its crossmatch consumer, as `homeward serve` does; it follows the change feed
//! after each commit (10,000 changes a push). Between pushes, outside the timed part, the
//! benchmark waits until it has caught up, so that one push's matching does not land in the
//! next push's time; how long that took is printed with the CPU time. With
//! `HOMEWARD_BENCH_OVERLAP=1` it does not wait (as the benchmark did before 2026-12-07): each
//! push then shares the machine and the store's write lock with the previous one's matching.
//!
//! `cargo bench -p homeward --bench federation_push`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use homeward_exchange::fixtures::{process_cpu_time, typical_records};
use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::partners::{PartnerConfig, PartnersFile};
use homeward_exchange::payload::PayloadItem;
use homeward_exchange::policy::PartnerRole;
use homeward_gateway::config::Config;
use homeward_gateway::service::{Gateway, Running};
use homeward_store::EngineKind;

const RECORDS: usize = 10_000;

fn port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Keys and a partner entry for `id` in `dir`.
fn identity(dir: &std::path::Path, id: &str, port: u16) -> PartnerConfig {
    let identity = GatewayIdentity::generate(id, 30).unwrap();
    let endpoint = format!("https://127.0.0.1:{port}");
    identity
        .save_dir(&dir.join("keys"), &endpoint, false)
        .unwrap();
    let file: PartnersFile = toml::from_str(&identity.partner_entry(&endpoint)).unwrap();
    file.partners.into_iter().next().unwrap()
}

async fn start(
    dir: &std::path::Path,
    id: &str,
    port: u16,
    engine: EngineKind,
    partner: PartnerConfig,
) -> Running {
    let partners = toml::to_string(&PartnersFile {
        partners: vec![partner],
    })
    .unwrap();
    let text = format!(
        "[gateway]\nid = \"{id}\"\n[listen]\npartners = \"127.0.0.1:{port}\"\n\
         [store]\nengine = \"{engine}\"\n[federation]\nexpire_interval_ms = 0\n{partners}"
    );
    let path = dir.join("gateway.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    Gateway::start(&config, &dir.join("data")).await.unwrap()
}

/// Waits (up to a minute) until the hub's crossmatch consumer has processed every change.
fn catch_up(hub: &Running) {
    let Some(m) = hub.matching() else {
        return;
    };
    if std::env::var_os("HOMEWARD_BENCH_OVERLAP").is_some() {
        return;
    }
    let store = &hub.federation().store;
    let deadline = Instant::now() + Duration::from_secs(60);
    m.notify();
    while Instant::now() < deadline {
        let last = store.last_seq().unwrap();
        if m.status().cursor >= last {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the hub's crossmatch consumer did not catch up within a minute");
}

/// The allocator of the `homeward` binary (gateway/src/main.rs), so the figures are those
/// of `homeward serve`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn push(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let base = typical_records("AL1775001", RECORDS);
    let mut group = c.benchmark_group("federation");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Elements(RECORDS as u64));
    for engine in EngineKind::ALL {
        let tmp = tempfile::tempdir().unwrap();
        let (sp, hp) = (port(), port());
        let state_entry = identity(&tmp.path().join("state"), "state.example", sp);
        let hub_entry = identity(&tmp.path().join("hub"), "hub.example", hp);
        let (state, hub) = rt.block_on(async {
            let mut hub_at_state = hub_entry.clone();
            hub_at_state.role = PartnerRole::Hub;
            hub_at_state.share.kinds = vec![homeward_schemas::Kind::Missing];
            let state = start(
                &tmp.path().join("state"),
                "state.example",
                sp,
                engine,
                hub_at_state,
            )
            .await;
            let hub = start(
                &tmp.path().join("hub"),
                "hub.example",
                hp,
                engine,
                state_entry,
            )
            .await;
            (state, hub)
        });
        let mut generation = 0u64;
        let mut cpu = (Duration::ZERO, 0u32);
        let mut matching = (Duration::ZERO, 0u32);
        group.bench_function(
            format!("signed_push_10k_typical_records_into_{engine}"),
            |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        generation += 1;
                        let items: Vec<PayloadItem> = base
                            .iter()
                            .map(|r| {
                                let mut r = r.clone();
                                r.case_number = Some(format!("CASE-{generation}"));
                                PayloadItem::Record(Box::new(r))
                            })
                            .collect();
                        let started = Instant::now();
                        let cpu_before = process_cpu_time();
                        let pushed = rt
                            .block_on(state.federation().client.push("hub.example", &items))
                            .unwrap();
                        total += started.elapsed();
                        if let (Some(a), Some(b)) = (cpu_before, process_cpu_time()) {
                            cpu.0 += b.saturating_sub(a);
                            cpu.1 += 1;
                        }
                        assert_eq!(pushed.receipt.body.accepted(), RECORDS);
                        let waited = Instant::now();
                        catch_up(&hub);
                        matching.0 += waited.elapsed();
                        matching.1 += 1;
                    }
                    total
                })
            },
        );
        if cpu.1 > 0 {
            eprintln!(
                "{engine}: process CPU per push (both gateways) {} ms over {} pushes; \
                 the hub's crossmatch then caught up in {} ms a push (not timed)",
                cpu.0.as_millis() / u128::from(cpu.1),
                cpu.1,
                matching.0.as_millis() / u128::from(matching.1.max(1)),
            );
        }
        rt.block_on(async {
            state.shutdown().await;
            hub.shutdown().await;
        });
    }
    group.finish();
}

criterion_group!(benches, push);
criterion_main!(benches);
