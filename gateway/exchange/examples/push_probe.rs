//! One 10,000-record push between two in-process gateways with debug logs of each phase:
//! `RUST_LOG=homeward_exchange=debug cargo run --release -p homeward-exchange --example push_probe`.

use std::time::Instant;

use homeward_exchange::fixtures::{synthetic_records, typical_records};
use homeward_exchange::harness::TestGateway;
use homeward_exchange::payload::PayloadItem;
use homeward_exchange::policy::PartnerRole;

/// User + system CPU time of this process (all threads), in ms (0 where /proc is absent).
fn cpu_ms() -> u64 {
    homeward_exchange::fixtures::process_cpu_time().map_or(0, |d| d.as_millis() as u64)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let state = TestGateway::start("state.example").await?;
    let hub = TestGateway::start("hub.example").await?;
    let mut hub_at_state = hub.as_partner(PartnerRole::Hub);
    hub_at_state.share.kinds = vec![homeward_schemas::Kind::Missing];
    state.set_partners(&[hub_at_state])?;
    hub.set_partners(&[state.as_partner(PartnerRole::LawEnforcement)])?;
    for (shape, base) in [
        ("typical", typical_records("AL1775001", 10_000)),
        ("full", synthetic_records("TX0101300", 10_000)),
    ] {
        let (mut walls, mut cpus) = (Vec::new(), Vec::new());
        for round in 0..10 {
            let items: Vec<PayloadItem> = base
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r.case_number = Some(format!("round {round}"));
                    PayloadItem::Record(Box::new(r))
                })
                .collect();
            let (t, cpu) = (Instant::now(), cpu_ms());
            let p = state.client.push("hub.example", &items).await?;
            let (wall, cpu) = (t.elapsed().as_millis() as u64, cpu_ms() - cpu);
            assert_eq!(p.receipt.body.accepted(), 10_000);
            walls.push(wall);
            cpus.push(cpu);
        }
        walls.sort_unstable();
        cpus.sort_unstable();
        println!(
            "{shape}: wall min {} / median {} / max {} ms; process CPU median {} ms (min {}, max {})",
            walls[0],
            walls[walls.len() / 2],
            walls[walls.len() - 1],
            cpus[cpus.len() / 2],
            cpus[0],
            cpus[cpus.len() - 1]
        );
    }
    state.stop().await;
    hub.stop().await;
    Ok(())
}
