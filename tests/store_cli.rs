//! End-to-end tests of the store-backed commands: `import`, `export`, `records`,
//! `quarantine`, `stats`, `store`, with both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use homeward_adapters::testdata;
use homeward_schemas::{Record, Status};
use homeward_store::{EngineKind, Lookup, Store};

fn homeward(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_homeward"));
    c.arg("--data-dir")
        .arg(data)
        .env_remove("HOMEWARD_CONFIG")
        .env_remove("HOMEWARD_DATA_DIR");
    c
}

fn run(c: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn ok(c: &mut Command) -> String {
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{c:?}\nstdout: {out}\nstderr: {err}");
    out
}

fn ncic_files() -> Vec<PathBuf> {
    testdata::files_with_suffix(&testdata::world_small().join("wire"), ".ncic")
}

/// A record with what differs between two stores of the same input left out.
fn comparable(r: &Record) -> Record {
    let mut r = r.clone();
    r.version = 0;
    r.received_at = None;
    for e in &mut r.status_history {
        e.applied_at = None;
    }
    r
}

#[test]
fn world_small_ncic_imports_with_transactions_applied_and_exports_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ok(homeward(&data).arg("import").args(ncic_files()));
    assert!(
        out.contains("total: 25 files: read 407, accepted 407 (new 374, changed 33)"),
        "{out}"
    );

    // again: nothing changes
    let out = ok(homeward(&data).arg("import").args(ncic_files()));
    assert!(
        out.contains("accepted 0 (new 0, changed 0), unchanged 407"),
        "{out}"
    );

    let stats: serde_json::Value =
        serde_json::from_str(&ok(homeward(&data).args(["stats", "--json"]))).unwrap();
    assert_eq!(stats["records"], 374);
    assert_eq!(stats["by_kind"]["missing"], 319);
    assert_eq!(stats["by_kind"]["unidentified"], 55);
    assert_eq!(stats["last_change"], 407);

    let store = Store::open(&data, EngineKind::Sled).unwrap();
    // every record of truth.csv (NCIC rows) is there, located ones closed by their clear
    let truth = std::fs::read_to_string(testdata::world_small().join("truth.csv")).unwrap();
    let mut checked = 0;
    for row in truth.lines().skip(1) {
        let f: Vec<&str> = row.split(',').collect();
        if f[3] != "ncic" {
            continue;
        }
        let Lookup::Found(r) = store.find(f[0]).unwrap() else {
            panic!("{} not stored", f[0])
        };
        assert_eq!(r.kind.as_str(), f[2], "{}", f[0]);
        let want = if f[4] == "located" {
            Status::Cleared
        } else {
            Status::Active
        };
        assert_eq!(r.status, want, "{}", f[0]);
        checked += 1;
    }
    assert_eq!(checked, 374);
    // the modifies changed the weight they name
    let Lookup::Found(r) = store.find("M000000057").unwrap() else {
        panic!()
    };
    assert_eq!(r.version, 2);
    assert_eq!(r.weight_kg.map(|w| (w.min * 10.0).round()), Some(699.0)); // WGT/154
    assert!(store.check().unwrap().is_ok());
    drop(store);

    // export, import the export elsewhere: the same records
    let exported = dir.path().join("all.ncic");
    let (code, _, err) = run(homeward(&data)
        .args(["export", "--format", "ncic", "--out"])
        .arg(&exported));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("exported 374 of 374 records as ncic (0 left out, 0 not exact)"),
        "{err}"
    );
    let data2 = dir.path().join("data2");
    ok(homeward(&data2).arg("import").arg(&exported));
    let a = Store::open(&data, EngineKind::Sled).unwrap();
    let b = Store::open(&data2, EngineKind::Sled).unwrap();
    let ra: Vec<Record> = a.records().unwrap().map(Result::unwrap).collect();
    let rb: Vec<Record> = b.records().unwrap().map(Result::unwrap).collect();
    assert_eq!(ra.len(), rb.len());
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(comparable(x), comparable(y), "{}", x.id);
    }
    drop((a, b));

    // --kind and --source select
    let out = ok(homeward(&data).args([
        "export",
        "--format",
        "ncic",
        "--kind",
        "unidentified",
        "--source",
        "AZ4037357",
    ]));
    assert!(!out.is_empty());
    assert!(
        out.lines()
            .all(|l| l.contains(".AZ4037357.") && l.contains("NIC/U"))
    );
}

#[test]
fn the_whole_sample_world_imports_with_every_status_as_the_truth_says() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let wire = testdata::world_small().join("wire");
    let out = ok(homeward(&data).arg("import").arg(&wire));
    assert!(
        out.contains("total: 80 files: read 748, accepted 748 (new 703, changed 45), unchanged 0, stale 0, rejected 0"),
        "{out}"
    );
    let out = ok(homeward(&data).arg("import").arg(&wire));
    assert!(out.contains("unchanged 748"), "{out}");
    let store = Store::open(&data, EngineKind::Sled).unwrap();
    let truth = std::fs::read_to_string(testdata::world_small().join("truth.csv")).unwrap();
    let mut n = 0;
    for row in truth.lines().skip(1) {
        let f: Vec<&str> = row.split(',').collect();
        let Lookup::Found(r) = store.find(f[0]).unwrap() else {
            panic!("{} not stored", f[0])
        };
        assert_eq!(
            (r.kind.as_str(), r.format.as_deref()),
            (f[2], Some(f[3])),
            "{}",
            f[0]
        );
        let closed = matches!(r.status, Status::Located | Status::Cleared);
        assert_eq!(closed, f[4] == "located", "{}: {}", f[0], r.status);
        n += 1;
    }
    assert_eq!(n, 703);
    assert_eq!(store.stats().unwrap().records, 703);
    assert!(store.check().unwrap().is_ok());
}

#[test]
fn records_show_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ar = testdata::world_small().join("wire").join("AR-state.ncic");
    ok(homeward(&data).arg("import").arg(&ar));
    let shown: Record =
        serde_json::from_str(&ok(homeward(&data).args(["records", "show", "M000000012"]))).unwrap();
    assert_eq!(shown.status, Status::Cleared);
    let same: Record = serde_json::from_str(&ok(homeward(&data).args([
        "records",
        "show",
        "AR0341386/M000000012",
    ])))
    .unwrap();
    assert_eq!(same, shown);
    let v1: Record = serde_json::from_str(&ok(homeward(&data).args([
        "records",
        "show",
        "M000000012",
        "--version",
        "1",
    ])))
    .unwrap();
    assert_eq!(v1.status, Status::Active);
    let history = ok(homeward(&data).args(["records", "history", "M000000012"]));
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 3, "{history}");
    assert!(lines[1].starts_with("v1") && lines[1].contains("created"));
    assert!(
        lines[1].contains("AR-state.ncic (ncic), line 1"),
        "{history}"
    );
    assert!(
        lines[2].contains("status active -> cleared [clear]"),
        "{history}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(homeward(&data).args([
        "records",
        "history",
        "M000000012",
        "--json",
    ])))
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    let (code, _, err) = run(homeward(&data).args(["records", "show", "M999999999"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("no stored record answers to `M999999999`"),
        "{err}"
    );
    let list = ok(homeward(&data).args(["records", "list", "--status", "cleared"]));
    assert_eq!(list.lines().count(), 3, "{list}");
}

#[test]
fn rejected_and_out_of_order_input_is_quarantined_and_reprocessed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("late.ncic");
    let clear = "1N01HEADER.CM.TX0101300.NIC/M000000123.NAM/SMITH, JOHN.DCL/20260110.RPS/LOCATED";
    let bad = "1N01HEADER.EMJ.TX0101300.NIC/M000000124.OCA/24-1.NAM/DOE, JANE.SEX/Q.RAC/W.HGT/410.DLC/20250102";
    let entry = "1N01HEADER.EMJ.TX0101300.NIC/M000000123.OCA/24-001234.NAM/SMITH, JOHN JAMES.SEX/M.RAC/W.DOB/20110312.HGT/410.WGT/082.DLC/20250102";
    std::fs::write(&input, format!("{clear}\n{bad}\n{entry}\n")).unwrap();
    let ack = dir.path().join("acks.jsonl");
    let (code, out, err) = run(homeward(&data)
        .args(["import", "--strict", "--ack-log"])
        .arg(&ack)
        .arg(&input));
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains("read 3, accepted 1 (new 1, changed 0), unchanged 0, stale 0, rejected 2"),
        "{out}"
    );
    assert!(
        err.contains("line 1") && err.contains("no stored record is TX0101300/M000000123"),
        "{err}"
    );
    assert!(err.contains("line 2") && err.contains("SEX"), "{err}");
    let acks: Vec<serde_json::Value> = std::fs::read_to_string(&ack)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(acks.len(), 3);
    assert_eq!(acks[2]["outcome"], "new");
    assert_eq!(acks[2]["record"]["native_id"], "M000000123");
    assert_eq!(acks[0]["outcome"], "rejected");

    let list = ok(homeward(&data).args(["quarantine", "list"]));
    assert_eq!(list.lines().count(), 2, "{list}");
    let shown = ok(homeward(&data).args(["quarantine", "show", "2"]));
    assert!(shown.contains(bad), "{shown}");
    assert!(shown.contains("field: SEX"), "{shown}");
    assert!(shown.contains("origin: file"), "{shown}");

    // the same file again: nothing new, and --strict still says it is not all in
    let (code, out, _) = run(homeward(&data).args(["import", "--strict"]).arg(&input));
    assert_eq!(code, 3);
    assert!(
        out.contains("accepted 0") && out.contains("rejected 2"),
        "{out}"
    );
    assert_eq!(
        ok(homeward(&data).args(["quarantine", "list"]))
            .lines()
            .count(),
        2
    );

    // reprocess: the clear finds its record now; the bad line is still bad
    let out = ok(homeward(&data).args(["quarantine", "reprocess", "--all"]));
    assert!(
        out.contains("#1: resolved: changed TX0101300/M000000123 v2"),
        "{out}"
    );
    assert!(out.contains("#2: still refused"), "{out}");
    assert!(out.contains("1 resolved, 1 still in quarantine"), "{out}");
    let shown: Record =
        serde_json::from_str(&ok(homeward(&data).args(["records", "show", "M000000123"]))).unwrap();
    assert_eq!(shown.status, Status::Cleared);
    let resolved = ok(homeward(&data).args(["quarantine", "list", "--resolved"]));
    assert!(
        resolved.contains("#1") && resolved.contains("TX0101300/M000000123 v2"),
        "{resolved}"
    );
    let history = ok(homeward(&data).args(["records", "history", "M000000123"]));
    assert!(
        history.contains("reprocessed from quarantine #1"),
        "{history}"
    );
    let stats: serde_json::Value =
        serde_json::from_str(&ok(homeward(&data).args(["stats", "--json"]))).unwrap();
    assert_eq!(stats["records"], 1);
    assert_eq!(stats["quarantine"]["open"], 1);
    assert_eq!(stats["quarantine"]["resolved"], 1);
    let (code, _, _) = run(homeward(&data).args(["quarantine", "reprocess"]));
    assert_eq!(code, 2, "an id or --all is required");
}

#[test]
fn an_undetectable_file_is_quarantined_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("notes.txt");
    std::fs::write(&input, "these are not records\n").unwrap();
    let out = ok(homeward(&data).arg("import").arg(&input));
    assert!(
        out.contains("notes.txt: auto: read 1") && out.contains("rejected 1"),
        "{out}"
    );
    let q = ok(homeward(&data).args(["quarantine", "show", "1"]));
    assert!(q.contains("these are not records"), "{q}");
}

#[test]
fn the_engine_comes_from_the_config_and_a_store_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let redb = dir.path().join("redb.toml");
    std::fs::write(&redb, "[store]\nengine = \"redb\"\nbatch_size = 10\n").unwrap();
    let az = testdata::world_small().join("wire").join("AZ-state.ncic");
    ok(homeward(&data)
        .arg("--config")
        .arg(&redb)
        .arg("import")
        .arg(&az));
    assert!(data.join("store.redb").is_file());
    assert!(!data.join("store.sled").exists());
    let before = ok(homeward(&data)
        .arg("--config")
        .arg(&redb)
        .args(["stats", "--json"]));

    // without the config the default engine is not redb: refused, with the way out
    if EngineKind::default() != EngineKind::Redb {
        let (code, _, err) = run(homeward(&data).arg("stats"));
        assert_eq!(code, 1);
        assert!(err.contains("holds a redb store"), "{err}");
    }

    // migrate to sled; the sled store answers the same
    let out = ok(homeward(&data)
        .arg("--config")
        .arg(&redb)
        .args(["store", "migrate", "--to", "sled"]));
    assert!(out.contains("copied and checked"), "{out}");
    let sled = dir.path().join("sled.toml");
    std::fs::write(&sled, "[store]\nengine = \"sled\"\n").unwrap();
    let after = ok(homeward(&data)
        .arg("--config")
        .arg(&sled)
        .args(["stats", "--json"]));
    let strip = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        v["engine"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(&before), strip(&after));
    ok(homeward(&data)
        .arg("--config")
        .arg(&sled)
        .args(["store", "check"]));
    let (code, _, err) = run(homeward(&data).arg("--config").arg(&redb).arg("stats"));
    assert_eq!(code, 1, "{err}");

    // dump and load into a fresh redb data dir
    let dump = dir.path().join("dump.jsonl");
    ok(homeward(&data)
        .arg("--config")
        .arg(&sled)
        .args(["store", "dump", "--out"])
        .arg(&dump));
    let data3 = dir.path().join("data3");
    let out = ok(homeward(&data3)
        .arg("--config")
        .arg(&redb)
        .args(["store", "load"])
        .arg(&dump));
    assert!(out.starts_with("loaded "), "{out}");
    let loaded = ok(homeward(&data3)
        .arg("--config")
        .arg(&redb)
        .args(["stats", "--json"]));
    assert_eq!(strip(&before), strip(&loaded));
    // and it goes on being idempotent
    let out = ok(homeward(&data3)
        .arg("--config")
        .arg(&redb)
        .arg("import")
        .arg(&az));
    assert!(out.contains("accepted 0"), "{out}");

    // a bad config is refused with its path
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[store]\nengnie = \"redb\"\n").unwrap();
    let (code, _, err) = run(homeward(&data).arg("--config").arg(&bad).arg("stats"));
    assert_eq!(code, 1);
    assert!(err.contains("bad.toml") && err.contains("engnie"), "{err}");
}

#[test]
fn the_change_feed_is_visible_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ar = testdata::world_small().join("wire").join("AR-state.ncic");
    // without the crossmatch at the end, which would move its cursor to the end of the feed
    ok(homeward(&data).args(["import", "--no-match"]).arg(&ar));
    let out = ok(homeward(&data).args(["store", "changes", "--after", "15", "--limit", "2"]));
    let changes: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["seq"], 16);
    assert_eq!(changes[1]["seq"], 17);
    assert_eq!(changes[1]["change"]["type"], "status");
    let store = Store::open(&data, EngineKind::Sled).unwrap();
    store.consumer("crossmatch").unwrap().ack(5).unwrap();
    drop(store);
    let out = ok(homeward(&data).args(["store", "cursors"]));
    assert!(out.starts_with("crossmatch\t5\t(15 behind)"), "{out}");
}

#[test]
fn a_store_in_use_by_another_process_is_reported_as_such() {
    for engine in EngineKind::ALL {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = dir.path().join("c.toml");
        std::fs::write(&config, format!("[store]\nengine = \"{engine}\"\n")).unwrap();
        let held = Store::open(&data, engine).unwrap();
        let (code, _, err) = run(homeward(&data).arg("--config").arg(&config).arg("stats"));
        assert_eq!(code, 1, "{engine}");
        assert!(err.contains("in use by another process"), "{engine}: {err}");
        drop(held);
        ok(homeward(&data).arg("--config").arg(&config).arg("stats"));
    }
}
