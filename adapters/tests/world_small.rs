//! Reads every clearinghouse XML and PFIF feed of `shared/samples/world-small/wire` with the
//! `xml` and `pfif` readers and checks the result against `truth.csv`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a test failure

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufReader;

use homeward_adapters::testdata::{files_with_suffix, world_small};
use homeward_adapters::{Item, ReadContext, Registry};
use homeward_schemas::{Action, Kind, Record, StatusReason, Transaction};

struct Truth {
    kind: String,
    format: String,
    status: String,
}

fn truth() -> BTreeMap<String, Truth> {
    let text = std::fs::read_to_string(world_small().join("truth.csv")).expect("truth.csv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                Truth {
                    kind: f[2].to_string(),
                    format: f[3].to_string(),
                    status: f[4].to_string(),
                },
            )
        })
        .collect()
}

/// Reads every file of `format` (by suffix), asserting auto-detection picks that format.
fn read_all(format: &str) -> (Vec<Record>, Vec<Transaction>) {
    let registry = Registry::builtin();
    let fmt = registry.get(format).expect("format registered");
    let wire = world_small().join("wire");
    let mut files = files_with_suffix(&wire, ".xml");
    files.retain(|p| {
        let atom = p.to_string_lossy().ends_with(".atom.xml");
        if format == "pfif" { atom } else { !atom }
    });
    assert!(
        !files.is_empty(),
        "no {format} files under {}",
        wire.display()
    );
    let mut records = Vec::new();
    let mut transactions = Vec::new();
    for path in files {
        let head = std::fs::read(&path).expect("read");
        let detected = registry
            .detect(&head[..head.len().min(8192)])
            .expect("detected");
        assert_eq!(
            detected.name(),
            format,
            "{} detected as {}",
            path.display(),
            detected.name()
        );
        let input = BufReader::new(File::open(&path).expect("open"));
        let ctx = ReadContext::new(path.display().to_string());
        for item in fmt.reader().read(Box::new(input), ctx) {
            match item.item {
                Item::Entry(r) => records.push(*r),
                Item::Transaction(t) => transactions.push(*t),
                Item::Rejected(rej) => panic!(
                    "{}: rejected at {}: {:?} {}",
                    path.display(),
                    item.position,
                    rej.field,
                    rej.reason
                ),
            }
        }
    }
    (records, transactions)
}

/// The truth.csv status a transaction leads to: truth.csv calls every case closed because the
/// person was found (a locate, or a clear with reason LOCATED / VOL RETURN) `located`.
fn truth_status(t: &Transaction) -> &'static str {
    match (&t.action, t.reason) {
        (Action::Locate, _) => "located",
        (Action::Clear { .. }, Some(StatusReason::Located | StatusReason::VoluntaryReturn)) => {
            "located"
        }
        (Action::Clear { .. }, _) => "cleared",
        (Action::Cancel, _) => "cancelled",
        _ => "other",
    }
}

fn check(format: &str) {
    let truth = truth();
    let (records, transactions) = read_all(format);
    let expected: BTreeSet<&str> = truth
        .iter()
        .filter(|(_, t)| t.format == format)
        .map(|(id, _)| id.as_str())
        .collect();
    let got: BTreeSet<&str> = records.iter().map(|r| r.id.native_id.as_str()).collect();
    assert_eq!(records.len(), got.len(), "duplicate native ids");
    assert_eq!(got, expected, "native ids differ from truth.csv");
    let mut status: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &records {
        let t = &truth[&r.id.native_id];
        assert_eq!(r.kind.as_str(), t.kind, "{}: kind", r.id);
        assert_eq!(r.format.as_deref(), Some(format), "{}: format", r.id);
        assert!(r.id.source.len() > 1, "{}: source", r.id);
        if r.kind != Kind::Unidentified {
            assert!(!r.names.is_empty(), "{}: no name", r.id);
        }
        status.insert(r.id.native_id.as_str(), r.status.as_str());
    }
    for t in &transactions {
        let rec = records
            .iter()
            .find(|r| r.id.native_id == t.target.native_id && r.id.source == t.target.source)
            .unwrap_or_else(|| panic!("transaction names unknown record {:?}", t.target));
        assert_eq!(t.target.kind, Some(rec.kind));
        status.insert(rec.id.native_id.as_str(), truth_status(t));
    }
    for (id, s) in status {
        assert_eq!(s, truth[id].status, "{id}: status");
    }
    let mut by: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in &records {
        *by.entry((r.kind.as_str().to_string(), r.status.as_str().to_string()))
            .or_default() += 1;
    }
    eprintln!(
        "{format}: {} records, {} transactions, {by:?}",
        records.len(),
        transactions.len()
    );
}

#[test]
fn world_small_clearinghouse_xml_matches_truth() {
    check("xml");
}

#[test]
fn world_small_pfif_feeds_match_truth() {
    check("pfif");
}
