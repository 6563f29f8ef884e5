//! Times the phases of a 10,000-record push in one process (no network), to see where a
//! push spends its time: `cargo run --release -p homeward-exchange --example phases`.

use std::time::Instant;

use bytes::Bytes;
use chrono::Utc;
use homeward_exchange::backend::{ExchangeBackend, InboundBatch};
use homeward_exchange::envelope::{CANONICAL_FORMAT, Draft, Envelope};
use homeward_exchange::fixtures::{synthetic_records, typical_records};
use homeward_exchange::keys::SigningKeyPair;
use homeward_exchange::memory::MemoryBackend;
use homeward_exchange::payload::{
    PayloadItem, decode_canonical, encode_canonical, read_item_label,
};
use homeward_exchange::policy::{AcceptPolicy, InboundPolicy, PartnerRole};
use homeward_schemas::Record;

fn run(name: &str, records: Vec<Record>) {
    let items: Vec<PayloadItem> = records
        .into_iter()
        .map(|r| PayloadItem::Record(Box::new(r)))
        .collect();
    let Ok(key) = SigningKeyPair::generate() else {
        return;
    };
    let backend = MemoryBackend::new();
    for round in 0..3 {
        let t = Instant::now();
        let payload = encode_canonical(&items).unwrap_or_default();
        let t_encode = t.elapsed();
        let t = Instant::now();
        let Ok(env) = Envelope::seal(
            Draft::push("a", "b", "x-1", CANONICAL_FORMAT, Bytes::from(payload)),
            &key,
            Utc::now(),
        ) else {
            return;
        };
        let t_seal = t.elapsed();
        let t = Instant::now();
        let Ok(back) = Envelope::from_wire(Bytes::from(env.to_wire())) else {
            return;
        };
        let digest = homeward_exchange::codec::sha256(&back.payload);
        let t_verify = t.elapsed();
        let t = Instant::now();
        let read = decode_canonical(&back.payload).unwrap_or_default();
        let t_decode = t.elapsed();
        let t = Instant::now();
        let policy =
            InboundPolicy::resolve("a", PartnerRole::LawEnforcement, &AcceptPolicy::default());
        let v = policy.check_items(&read);
        let labels: Vec<String> = read.iter().map(read_item_label).collect();
        let t_policy = t.elapsed();
        let t = Instant::now();
        let outcomes = backend
            .apply(InboundBatch {
                partner: "a",
                exchange_id: "x",
                format: CANONICAL_FORMAT,
                items: read,
            })
            .unwrap_or_default();
        let t_apply = t.elapsed();
        println!(
            "{name} round {round}: payload {:.1} MB; encode {t_encode:?}, seal {t_seal:?}, wire+sha256 {t_verify:?}, decode {t_decode:?}, policy+labels {t_policy:?}, apply {t_apply:?} ({} outcomes, {} violations, {} labels, {})",
            back.payload.len() as f64 / 1e6,
            outcomes.len(),
            v.len(),
            labels.len(),
            digest[0]
        );
    }
}

fn main() {
    run("typical", typical_records("AL1775001", 10_000));
    run("full", synthetic_records("TX0101300", 10_000));
}
