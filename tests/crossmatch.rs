//! End to end: `homeward generate`, `homeward crossmatch`, `homeward evaluate` on a generated
//! world and on `shared/samples/world-small`, asserting the issue-5 quality targets.
#![allow(clippy::expect_used)] // test helpers: a failure is the test failing

use std::path::Path;
use std::process::Command;

use homeward_adapters::testdata::world_small;

fn homeward() -> Command {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("homeward runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `(F1, top-1, top-10, top-20, closed proposed)` from `homeward evaluate`'s table.
fn figures(table: &str) -> (f64, f64, f64, f64, u64) {
    let num = |after: &str| -> f64 {
        let i = table
            .find(after)
            .unwrap_or_else(|| panic!("`{after}` in {table}"))
            + after.len();
        table[i..]
            .trim_start()
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("number after `{after}` in {table}"))
    };
    (
        num("F1"),
        num("top-1"),
        num("top-10"),
        num("top-20"),
        num("closed records proposed") as u64,
    )
}

#[test]
fn a_generated_world_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    run_ok(
        homeward()
            .args(["generate", "--persons", "900", "--seed", "17", "--out"])
            .arg(&world),
    );
    assert!(world.join("truth.csv").exists());
    let wire = world.join("wire");
    let names: Vec<String> = std::fs::read_dir(&wire)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for suffix in [".ncic", "-clearinghouse.xml", "-me.xml", ".atom.xml"] {
        assert!(names.iter().any(|n| n.ends_with(suffix)), "no *{suffix}");
    }

    let csv = dir.path().join("candidates.csv");
    run_ok(
        homeward()
            .arg("crossmatch")
            .arg("--input")
            .arg(&wire)
            .arg("--out")
            .arg(&csv),
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("left,right,relation,score,left_source,right_source,reasons")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.iter().any(|l| l.contains(",same_person,")));
    assert!(rows.iter().any(|l| l.contains(",possible_identification,")));
    assert!(
        rows.iter().all(|l| l.contains(": ")),
        "every row has reasons"
    );

    let table = run_ok(
        homeward()
            .arg("evaluate")
            .arg("--truth")
            .arg(world.join("truth.csv"))
            .arg(&csv)
            .arg("--check"),
    );
    let (f1, top1, top10, top20, closed) = figures(&table);
    assert!(f1 >= 0.97, "{table}");
    assert!(top1 >= 65.0 && top10 >= 88.0 && top20 >= 92.0, "{table}");
    assert_eq!(closed, 0, "{table}");

    // --top limits the lists; the same inputs give the same output
    let small = dir.path().join("top3.csv");
    run_ok(
        homeward()
            .args(["crossmatch", "--top", "3", "--input"])
            .arg(&wire)
            .arg("--out")
            .arg(&small),
    );
    let again = dir.path().join("top3-again.csv");
    run_ok(
        homeward()
            .args(["crossmatch", "--top", "3", "--input"])
            .arg(&wire)
            .arg("--out")
            .arg(&again),
    );
    assert_eq!(
        std::fs::read(&small).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let text = std::fs::read_to_string(&small).unwrap();
    let mut per: std::collections::HashMap<&str, usize> = Default::default();
    for l in text
        .lines()
        .filter(|l| l.contains(",possible_identification,"))
    {
        *per.entry(l.split(',').nth(1).unwrap()).or_default() += 1;
    }
    assert!(!per.is_empty() && per.values().all(|n| *n <= 3));
}

#[test]
fn world_small_meets_the_targets() {
    let ws = world_small();
    let table = run_ok(
        homeward()
            .arg("evaluate")
            .arg("--truth")
            .arg(ws.join("truth.csv"))
            .arg(ws.join("wire"))
            .arg("--check"),
    );
    let (f1, top1, top10, top20, closed) = figures(&table);
    assert!(
        f1 >= 0.97 && top1 >= 65.0 && top10 >= 88.0 && top20 >= 92.0,
        "{table}"
    );
    assert_eq!(closed, 0, "{table}");
}

#[test]
fn bad_inputs_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.csv");
    std::fs::write(&truth, "id,pid\n").unwrap();
    let out = homeward()
        .arg("evaluate")
        .arg("--truth")
        .arg(&truth)
        .arg(world_small().join("wire"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("header"));
    let out = homeward()
        .args(["crossmatch", "--input"])
        .arg(Path::new("/nonexistent/homeward"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
