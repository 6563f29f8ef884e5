//! The world: deterministic, varied the way real reports are, writable in every format, and
//! matchable to the issue-5 targets.

use std::collections::{HashMap, HashSet};
use std::io::BufReader;

use homeward_adapters::{Item as Read, ReadContext, Registry};
use homeward_crossmatch::names::{NameForm, TokenMatch, compare_tokens};
use homeward_crossmatch::replay::Replay;
use homeward_crossmatch::{Config as MatchConfig, Engine, eval, output};
use homeward_schemas::{Action, Kind, Record, Sex};

use super::*;

fn world(persons: usize, seed: u64) -> World {
    generate(&Config { persons, seed })
}

fn records(w: &World) -> Vec<&Record> {
    w.files.iter().flat_map(|f| f.entries.iter()).collect()
}

fn pid_of(w: &World) -> HashMap<&str, u32> {
    w.truth
        .iter()
        .map(|t| (t.native_id.as_str(), t.pid))
        .collect()
}

#[test]
fn a_seed_gives_one_world() {
    let a = world(300, 5);
    let b = world(300, 5);
    assert_eq!(a.truth_csv(), b.truth_csv());
    let json = |w: &World| {
        records(w)
            .iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(json(&a), json(&b));
    assert_ne!(a.truth_csv(), world(300, 6).truth_csv());
    // every record is in the truth once, with a unique native id
    let ids: HashSet<&str> = a.truth.iter().map(|t| t.native_id.as_str()).collect();
    assert_eq!(ids.len(), a.truth.len());
    assert_eq!(a.truth.len(), a.records());
    assert!(
        a.truth_csv()
            .starts_with("native_id,pid,kind,format,status\n")
    );
}

/// Pairs of reports of one person (same pid, both missing).
fn same_person_pairs(w: &World) -> Vec<(&Record, &Record)> {
    let pids = pid_of(w);
    let mut by: HashMap<u32, Vec<&Record>> = HashMap::new();
    for r in records(w) {
        if r.kind == Kind::Missing {
            by.entry(pids[r.id.native_id.as_str()]).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    for v in by.values() {
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                out.push((v[i], v[j]));
            }
        }
    }
    out
}

fn form(r: &Record) -> NameForm {
    let n = &r.names[0];
    match &n.latin {
        Some(l) => NameForm::from_parts(l.given.as_deref(), None, l.family.as_deref()),
        None => NameForm::from_parts(n.given.as_deref(), n.middle.as_deref(), n.family.as_deref()),
    }
}

#[test]
fn reports_differ_the_way_real_ones_do() {
    let w = world(4000, 11);
    let rs = records(&w);
    let pairs = same_person_pairs(&w);
    assert!(pairs.len() > 500, "{}", pairs.len());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut note = |k: &'static str| *seen.entry(k).or_default() += 1;
    for (a, b) in &pairs {
        let (fa, fb) = (form(a), form(b));
        if let (Some(ga), Some(gb)) = (fa.given.first(), fb.given.first()) {
            match compare_tokens(ga, gb) {
                TokenMatch::Nickname => note("nickname"),
                TokenMatch::Edit1 | TokenMatch::Edit2 => note("given typo"),
                _ => {}
            }
        }
        if let (Some(x), Some(y)) = (fa.family.first(), fb.family.first()) {
            if matches!(compare_tokens(x, y), TokenMatch::Edit1 | TokenMatch::Edit2) {
                note("family typo");
            }
            if let Some(g) = fb.given.first()
                && compare_tokens(x, g) == TokenMatch::Exact
                && compare_tokens(x, y) != TokenMatch::Exact
            {
                note("swapped");
            }
        }
        if a.names[0].middle.is_some() != b.names[0].middle.is_some() {
            note("middle dropped");
        }
        match (a.birth_dates.first(), b.birth_dates.first()) {
            (Some(x), Some(y)) if x != y => {
                let (x, y) = (x.to_string(), y.to_string());
                if x[5..] == y[5..] {
                    note("dob year off");
                } else if x[..4] == y[..4] && x[5..7] == y[8..10] && x[8..10] == y[5..7] {
                    note("dob day/month swapped");
                }
            }
            (None, _) | (_, None) => note("dob missing"),
            _ => {}
        }
        if a.last_contact != b.last_contact {
            note("last contact a day apart");
        }
        if let (Some(x), Some(y)) = (a.weight_kg, b.weight_kg)
            && x != y
            && (y.mid() / x.mid() - 1.0).abs() <= 0.25
        {
            note("weights differ");
        }
        if a.eye.is_some() && b.eye.is_some() && a.eye != b.eye {
            note("eyes drift");
        }
        if a.hair.is_some() && b.hair.is_some() && a.hair != b.hair {
            note("hair drifts");
        }
    }
    for r in &rs {
        if let Some(s) = r.names.first().and_then(|n| n.script.as_deref()) {
            match s {
                "Cyrl" => note("Cyrillic"),
                "Hani" => note("Chinese"),
                "Deva" => note("Devanagari"),
                "Arab" => note("Arabic"),
                _ => {}
            }
        }
        if r.kind == Kind::Unidentified {
            match r.sex {
                Some(Sex::Unknown) => note("remains sex unknown"),
                None => note("remains sex absent"),
                _ => {}
            }
            if r.race == Some(homeward_schemas::Race::Unknown) {
                note("remains race unknown");
            }
            if r.dental.is_some() {
                note("remains dental chart");
            }
            if r.birth_year.is_some() {
                note("estimated year of birth");
            }
            if r.age.is_some() {
                note("estimated age");
            }
        }
        if r.marks.iter().any(|m| m.text.is_some()) {
            note("tattoo with text");
        }
    }
    // remains against the report of their person
    let pids = pid_of(&w);
    let mut last: HashMap<u32, &Record> = HashMap::new();
    for r in &rs {
        if r.kind == Kind::Missing {
            last.insert(pids[r.id.native_id.as_str()], r);
        }
    }
    for r in rs.iter().filter(|r| r.kind == Kind::Unidentified) {
        let Some(m) = last.get(&pids[r.id.native_id.as_str()]) else {
            continue;
        };
        if let (Some(f), Some(l)) = (r.found_date, m.last_contact)
            && f < l
        {
            note("found before the last contact");
        }
        let (c1, c2) = (
            r.found_place.as_ref().and_then(|p| p.country.clone()),
            m.last_seen.as_ref().and_then(|p| p.country.clone()),
        );
        if c1 != c2 {
            note("found across a border");
        }
        let (s1, s2) = (
            r.found_place.as_ref().and_then(|p| p.region.clone()),
            m.last_seen.as_ref().and_then(|p| p.region.clone()),
        );
        if c1 == c2 && s1 != s2 {
            note("found in another state");
        }
        if matches!(
            (r.sex, m.sex),
            (Some(Sex::Male), Some(Sex::Female)) | (Some(Sex::Female), Some(Sex::Male))
        ) {
            note("remains sex wrong");
        }
    }
    let actions: HashSet<&str> = w
        .files
        .iter()
        .flat_map(|f| f.transactions.iter())
        .map(|t| t.action.name())
        .collect();
    for a in ["modify", "locate", "clear", "cancel", "note", "expire"] {
        assert!(actions.contains(a), "no {a} transaction");
    }
    for k in [
        "nickname",
        "given typo",
        "family typo",
        "swapped",
        "middle dropped",
        "dob year off",
        "dob day/month swapped",
        "dob missing",
        "last contact a day apart",
        "weights differ",
        "eyes drift",
        "hair drifts",
        "Cyrillic",
        "Chinese",
        "Devanagari",
        "Arabic",
        "remains sex unknown",
        "remains race unknown",
        "remains dental chart",
        "estimated year of birth",
        "estimated age",
        "tattoo with text",
        "found before the last contact",
        "found across a border",
        "found in another state",
    ] {
        assert!(
            seen.get(k).copied().unwrap_or(0) > 0,
            "no `{k}` in {seen:?}"
        );
    }
    // the kinds of report, in the proportions of the benchmark world
    let n = |k: Kind| rs.iter().filter(|r| r.kind == k).count() as f64;
    let (m, u, c) = (n(Kind::Missing), n(Kind::Unidentified), n(Kind::Unclaimed));
    assert!(
        (4.0..8.0).contains(&(m / u)),
        "{m} missing, {u} unidentified"
    );
    assert!(
        (30.0..200.0).contains(&(m / c)),
        "{m} missing, {c} unclaimed"
    );
    assert!(w.transactions() > 0);
    assert!(
        w.files
            .iter()
            .flat_map(|f| f.transactions.iter())
            .any(|t| matches!(
                &t.action,
                Action::Clear {
                    identified_as: Some(_),
                    ..
                }
            ))
    );
}

/// Reads every file of a world written under `dir` through the registry.
fn read_back(dir: &std::path::Path) -> (Vec<Record>, usize, usize) {
    let registry = Registry::builtin();
    let mut replay = Replay::new();
    let (mut entries, mut transactions) = (0, 0);
    let mut files: Vec<_> = std::fs::read_dir(dir.join("wire"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        let format = registry
            .detect(&bytes[..bytes.len().min(homeward_adapters::DETECT_HEAD_BYTES)])
            .unwrap_or_else(|| panic!("{}: format not detected", p.display()));
        let ctx = ReadContext::new(p.display().to_string());
        for it in format
            .reader()
            .read(Box::new(BufReader::new(std::io::Cursor::new(bytes))), ctx)
        {
            match it.item {
                Read::Entry(r) => {
                    entries += 1;
                    replay.entry(*r);
                }
                Read::Transaction(t) => {
                    transactions += 1;
                    replay.transaction(&t).unwrap();
                }
                Read::Rejected(r) => panic!("{}: {}: {r:?}", p.display(), it.position),
            }
        }
    }
    (replay.into_records(), entries, transactions)
}

fn quality(records: &[Record], truth_csv: &str) -> eval::Report {
    let engine = Engine::with_records(MatchConfig::default(), records);
    let m = engine.run();
    let mut csv = Vec::new();
    output::write_matches(&engine, &m, &mut csv).unwrap();
    let rows = output::read_csv(&csv[..]).unwrap();
    eval::evaluate(&eval::Truth::parse(truth_csv).unwrap(), &rows)
}

#[test]
fn written_through_the_adapters_read_back_and_matched_to_target() {
    let w = world(1500, 42);
    let dir = tempfile::tempdir().unwrap();
    let written = write(&w, dir.path(), &Registry::builtin()).unwrap();
    assert_eq!(written.records as usize, w.records());
    assert_eq!(written.files, w.files.len());
    // units and scripts as each format writes them
    let ncic = std::fs::read_to_string(dir.path().join("wire").join("TX-state.ncic")).unwrap();
    assert!(
        ncic.contains(".HGT/5") || ncic.contains(".HGT/6"),
        "heights in feet and inches"
    );
    let truth = std::fs::read_to_string(dir.path().join("truth.csv")).unwrap();
    assert_eq!(truth, w.truth_csv());

    let (recs, entries, transactions) = read_back(dir.path());
    // every record is read back (the NCIC writer drops nothing it was given)
    assert_eq!(entries, w.records());
    assert!(transactions > 0 && transactions <= w.transactions());
    let read: HashSet<&str> = recs.iter().map(|r| r.id.native_id.as_str()).collect();
    for t in &w.truth {
        assert!(
            read.contains(t.native_id.as_str()),
            "{} not read back",
            t.native_id
        );
    }
    // closed as the truth says
    let status: HashMap<&str, &str> = recs
        .iter()
        .map(|r| (r.id.native_id.as_str(), r.status.as_str()))
        .collect();
    for t in &w.truth {
        assert_eq!(
            status[t.native_id.as_str()],
            t.status.as_str(),
            "{}",
            t.native_id
        );
    }

    let report = quality(&recs, &truth);
    assert!(report.meets_targets(), "{}", report.table());
    assert!(report.identification.eligible > 50);
}

#[test]
fn another_world_matched_in_memory_meets_the_targets() {
    let w = world(2000, 7);
    let mut replay = Replay::new();
    for it in w.items() {
        match it {
            Item::Entry(r) => replay.entry(r.clone()),
            Item::Transaction(t) => replay.transaction(t).unwrap(),
        }
    }
    let report = quality(&replay.into_records(), &w.truth_csv());
    assert!(report.meets_targets(), "{}", report.table());
}
