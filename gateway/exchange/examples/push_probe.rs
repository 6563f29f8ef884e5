//! One 10,000-record push between two in-process gateways with debug logs of each phase:
//! `RUST_LOG=homeward_exchange=debug cargo run --release -p homeward-exchange --example push_probe`.

use std::time::Instant;

use homeward_exchange::fixtures::typical_records;
use homeward_exchange::harness::TestGateway;
use homeward_exchange::payload::PayloadItem;
use homeward_exchange::policy::PartnerRole;

/// User + system CPU time of this process (all threads), from /proc (10 ms ticks).
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // fields 14 and 15 (utime, stime) are at 11 and 12 after the command name
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) * 10
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let state = TestGateway::start("state.example").await?;
    let hub = TestGateway::start("hub.example").await?;
    state.set_partners(&[hub.as_partner(PartnerRole::Hub)])?;
    hub.set_partners(&[state.as_partner(PartnerRole::LawEnforcement)])?;
    for round in 0..8 {
        let items: Vec<PayloadItem> = typical_records("AL1775001", 10_000)
            .into_iter()
            .map(|mut r| {
                r.case_number = Some(format!("round {round}"));
                PayloadItem::Record(Box::new(r))
            })
            .collect();
        let (t, cpu) = (Instant::now(), cpu_ms());
        let p = state.client.push("hub.example", &items).await?;
        println!(
            "round {round}: wall {:?}, process CPU {} ms, {} accepted",
            t.elapsed(),
            cpu_ms() - cpu,
            p.receipt.body.accepted()
        );
    }
    state.stop().await;
    hub.stop().await;
    Ok(())
}
