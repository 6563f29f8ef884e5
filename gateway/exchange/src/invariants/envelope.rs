//! Fuzz target `envelope`: parsing and signature verification of envelopes.

use bytes::Bytes;
use chrono::TimeDelta;
use homeward_adapters::invariants::{HeapMeter, Report, Rule, Violation};

use super::{HUB, Meter, STATE, check_time, fixture, show};
use crate::envelope::{Envelope, Purpose, VerifyPolicy, decode_header, encode_header, verify};

const TARGET: &str = "envelope";

/// The most heap parsing and verifying an envelope of `len` bytes may hold: the header copied
/// out of the body and decoded into strings (each at most the input), plus fixed overhead.
pub fn heap_budget(len: usize) -> usize {
    len.saturating_mul(4).saturating_add(64 * 1024)
}

/// Parses `data` as an envelope's wire form and verifies it as a push to the hub and as a
/// changes page to `state`, at [`check_time`], against the fixture's registry. Checks: no panic;
/// heap within [`heap_budget`]; a parsed envelope serialises back to `data` and its header
/// re-encodes to the signed bytes; every refusal has a 4xx/5xx status and a code; and an
/// envelope that verifies is byte for byte one the fixture signed.
pub fn check_envelope(data: &[u8], heap: Option<&dyn HeapMeter>) -> Result<Report, Violation> {
    let f = fixture()?;
    let v = |rule, detail: String| Violation::of(TARGET, rule, None, detail);
    let registry = f.registry.current();
    let body = Bytes::copy_from_slice(data);
    let mut report = Report::default();

    let meter = Meter::start(heap);
    let parsed = Envelope::from_wire(body);
    let mut accepted = Vec::new();
    let mut refusals = Vec::new();
    if let Ok(env) = &parsed {
        for (purpose, me) in [(Purpose::Push, HUB), (Purpose::Changes, STATE)] {
            let policy = VerifyPolicy {
                me: me.to_string(),
                max_skew: TimeDelta::minutes(5),
            };
            match verify(env, &registry, purpose, &policy, check_time()) {
                Ok(partner) => accepted.push((purpose, partner.id.clone())),
                Err(e) => refusals.push(e),
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

    let env = match parsed {
        Ok(env) => env,
        Err(e) => {
            refusals.push(e);
            report.rejections = 1;
            check_refusals(&refusals, data)?;
            return Ok(report);
        }
    };
    check_refusals(&refusals, data)?;

    // one value, one encoding
    if env.to_wire() != data {
        return Err(v(
            Rule::RoundTrip,
            format!(
                "parsed, but serialises to other bytes than the input {}",
                show(data)
            ),
        ));
    }
    match encode_header(&env.header) {
        Ok(b) if b == env.header_bytes() => {}
        _ => {
            return Err(v(
                Rule::RoundTrip,
                format!(
                    "the decoded header {:?} does not re-encode to the signed bytes",
                    env.header
                ),
            ));
        }
    }
    if decode_header(env.header_bytes()).as_ref() != Ok(&env.header) {
        return Err(v(
            Rule::RoundTrip,
            "decoding the signed bytes again gives another header".into(),
        ));
    }

    // verification never accepts bytes other than the signed ones
    if accepted.is_empty() {
        report.rejections = 1;
    } else {
        if !f.is_signed_envelope(data) {
            return Err(v(
                Rule::Authenticity,
                format!(
                    "verified as {accepted:?}, but these bytes were never signed (header {:?}, {} payload bytes): {}",
                    env.header,
                    env.payload.len(),
                    show(data)
                ),
            ));
        }
        report.entries = 1;
    }
    Ok(report)
}

fn check_refusals(refusals: &[crate::envelope::VerifyError], data: &[u8]) -> Result<(), Violation> {
    for e in refusals {
        if !(400..=599).contains(&e.status()) || e.code().is_empty() || e.to_string().is_empty() {
            return Err(Violation::of(
                TARGET,
                Rule::Response,
                None,
                format!(
                    "refusal {e:?} has status {} and code `{}` (input {})",
                    e.status(),
                    e.code(),
                    show(data)
                ),
            ));
        }
    }
    Ok(())
}
