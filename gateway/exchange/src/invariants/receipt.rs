//! Fuzz target `receipt`: parsing and verification of receipts.

use homeward_adapters::invariants::{HeapMeter, Report, Rule, Violation};

use super::{HUB, Meter, STATE, fixture, show};
use crate::receipt::{Expected, Receipt, ReceiptError};

const TARGET: &str = "receipt";

/// The most heap parsing and verifying a receipt of `len` bytes may hold: the body copied out,
/// and its outcomes (each at least 25 bytes of input, at most a few times that in memory),
/// plus fixed overhead.
pub fn heap_budget(len: usize) -> usize {
    len.saturating_mul(8).saturating_add(64 * 1024)
}

/// Parses `data` as a receipt's wire form and verifies it against what `state` expects for
/// each push the fixture's receipts answer (with and without the item count). Checks: no
/// panic; heap within [`heap_budget`]; a parsed receipt serialises back to `data` and its body
/// re-encodes to the signed bytes; and a receipt that verifies is byte for byte the one the hub
/// signed (for that push: verification checks the exchange and digests it names).
pub fn check_receipt(data: &[u8], heap: Option<&dyn HeapMeter>) -> Result<Report, Violation> {
    let f = fixture()?;
    let v = |rule, detail: String| Violation::of(TARGET, rule, None, detail);
    let registry = f.registry.current();
    let hub = registry
        .get(HUB)
        .ok_or_else(|| v(Rule::Setup, "the fixture registry has no hub".into()))?;
    let mut report = Report::default();

    let meter = Meter::start(heap);
    let parsed = Receipt::from_wire(data);
    let mut verified: Vec<(&str, Option<usize>)> = Vec::new();
    let mut refusals: Vec<ReceiptError> = Vec::new();
    if let Ok(r) = &parsed {
        for s in &f.receipts {
            for items in [None, Some(s.items)] {
                let expected = Expected {
                    partner: hub,
                    me: STATE,
                    exchange_id: &s.push.header.exchange_id,
                    envelope_sha256: s.push.digest(),
                    payload_sha256: s.push.header.payload_sha256,
                    items,
                };
                match r.verify(&expected) {
                    Ok(()) => verified.push((s.push.header.exchange_id.as_str(), items)),
                    Err(e) => refusals.push(e),
                }
            }
        }
    }
    report.peak_heap = meter.held();
    if report.peak_heap > heap_budget(data.len()) {
        return Err(v(
            Rule::Limits,
            format!(
                "parsing and verifying {} bytes held {} bytes of heap (budget {})",
                data.len(),
                report.peak_heap,
                heap_budget(data.len())
            ),
        ));
    }
    let receipt = match parsed {
        Ok(r) => r,
        Err(e) => {
            if e.to_string().is_empty() {
                return Err(v(Rule::Response, format!("refusal {e:?} says nothing")));
            }
            report.rejections = 1;
            return Ok(report);
        }
    };

    // one value, one encoding
    if receipt.to_wire() != data {
        return Err(v(
            Rule::RoundTrip,
            format!(
                "parsed, but serialises to other bytes than the input {}",
                show(data)
            ),
        ));
    }
    match receipt.body.encode() {
        Ok(b) if b == receipt.body_bytes() => {}
        _ => {
            return Err(v(
                Rule::RoundTrip,
                format!(
                    "the decoded body {:?} does not re-encode to the signed bytes",
                    receipt.body
                ),
            ));
        }
    }

    // verification never accepts bytes other than the signed ones
    if verified.is_empty() {
        report.rejections = 1;
        return Ok(report);
    }
    if !f.receipts.iter().any(|s| s.wire == data) {
        return Err(v(
            Rule::Authenticity,
            format!(
                "verified as the receipt of {verified:?} (exchange, items), but these bytes were never signed (body {:?}): {}",
                receipt.body,
                show(data)
            ),
        ));
    }
    report.entries = 1;
    Ok(report)
}
