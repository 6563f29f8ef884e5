//! Crash safety, for real: `homeward import` of a large generated NCIC input is killed with
//! SIGKILL at 20 random moments and restarted each time; after every kill the store must open
//! cleanly, hold everything the import had acknowledged (intact), hold nothing twice, and
//! after the last restart the import completes the rest. Run on both engines.
//!
//! The seed of the kill moments is printed; `HOMEWARD_CRASH_SEED=N` replays one run,
//! `HOMEWARD_CRASH_KILLS=N` changes the number of kills.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/ncic_world.rs"]
mod ncic_world;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use homeward_adapters::{Item, ReadContext, Registry};
use homeward_gateway::pipeline::Pipeline;
use homeward_schemas::{Record, RecordId, Status};
use homeward_store::{EngineKind, InputContext, Store, content_digest};
use ncic_world::{Line, World};

/// Lines of the generated input (7,200 records, 1,200 transactions). Kills fall within the
/// time a whole import takes, measured as the test goes.
const REPORTS: usize = 8_400;
const BATCH: &str = "250";

/// A small xorshift generator: no dependency, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
}

/// What the input lines parse to (the expected content of each record's first version).
fn parsed(world: &World) -> BTreeMap<u64, homeward_adapters::ReadItem> {
    let text = world.text();
    let ncic = Registry::builtin().get("ncic").expect("ncic format");
    ncic.reader()
        .read(
            Box::new(std::io::Cursor::new(text.into_bytes())),
            ReadContext::new("input.ncic"),
        )
        .map(|it| (it.position.line.expect("line"), it))
        .collect()
}

fn normalized(r: &Record) -> Record {
    let mut r = r.clone();
    r.version = 0;
    r.received_at = None;
    r
}

/// The ack log's lines that are whole JSON objects (a kill may cut one short; the next run
/// ends it before appending), and how many were cut.
fn acked(path: &Path) -> (Vec<serde_json::Value>, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    let mut cut = 0;
    let lines = complete
        .lines()
        .filter_map(|l| match serde_json::from_str(l) {
            Ok(v) => Some(v),
            Err(_) => {
                cut += 1;
                None
            }
        })
        .collect();
    (lines, cut)
}

fn ack_id(a: &serde_json::Value) -> RecordId {
    RecordId::new(
        a["record"]["source"].as_str().unwrap_or_default(),
        a["record"]["native_id"].as_str().unwrap_or_default(),
    )
}

fn is_accepted(a: &serde_json::Value) -> bool {
    matches!(a["outcome"].as_str(), Some("new" | "changed"))
}

/// After a kill: every acknowledged record is there at (at least) the acknowledged version,
/// and every change was made once. `deep` acknowledgements (the ones not verified before)
/// are compared with the input line they came from.
fn verify(
    store: &Store,
    acks: &[serde_json::Value],
    deep: &[serde_json::Value],
    expected: &BTreeMap<u64, homeward_adapters::ReadItem>,
    ctx: &str,
) {
    let versions: BTreeMap<RecordId, u64> = store
        .summaries()
        .unwrap()
        .map(|s| s.map(|s| (s.id, s.version)))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{ctx}: a record does not decode: {e}"));
    // one version is one change: a change made twice or lost breaks this
    let total: u64 = versions.values().sum();
    assert_eq!(
        total,
        store.last_seq().unwrap(),
        "{ctx}: versions and changes disagree"
    );
    for a in acks.iter().filter(|a| is_accepted(a)) {
        let id = ack_id(a);
        let version = a["version"].as_u64().unwrap_or(0);
        let stored = versions
            .get(&id)
            .unwrap_or_else(|| panic!("{ctx}: acknowledged {id} is missing"));
        assert!(
            *stored >= version,
            "{ctx}: {id} acknowledged at v{version}, stored v{stored}"
        );
    }
    for a in deep.iter().filter(|a| is_accepted(a)) {
        let id = ack_id(a);
        let version = a["version"].as_u64().unwrap_or(0);
        let line = a["position"]["line"].as_u64().unwrap_or(0);
        let history = store.history(&id).unwrap();
        let v = &history[version as usize - 1];
        let snapshot = v.record.as_ref().expect("snapshot kept");
        assert_eq!(
            v.content_digest,
            content_digest(snapshot),
            "{ctx}: {id} v{version} not intact"
        );
        assert_eq!(v.input.as_ref().and_then(|i| i.position.line), Some(line));
        if a["outcome"] == "new" {
            let Item::Entry(want) = &expected[&line].item else {
                panic!("{ctx}: line {line} acknowledged new is not an entry")
            };
            assert_eq!(
                normalized(snapshot),
                normalized(want),
                "{ctx}: {id} differs from line {line}"
            );
        }
    }
}

fn crash_test(engine: EngineKind) {
    let kills: usize = std::env::var("HOMEWARD_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed = std::env::var("HOMEWARD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
                | 1
        });
    eprintln!("crash test on {engine}: seed {seed}, {kills} kills");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("input.ncic");
    let config = dir.path().join("homeward.toml");
    let ack_log = dir.path().join("acks.jsonl");
    let world = ncic_world::generate(REPORTS);
    std::fs::write(&input, world.text()).unwrap();
    std::fs::write(&config, format!("[store]\nengine = \"{engine}\"\n")).unwrap();
    let expected = parsed(&world);

    let import = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_homeward"));
        c.arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .args([
                "import",
                // the store's crash safety alone: the crossmatch after the import is tested
                // in gateway/src/matching/tests.rs and tests/matches.rs
                "--no-match",
                "--format",
                "ncic",
                "--batch-size",
                BATCH,
                "--ack-log",
            ])
            .arg(&ack_log)
            .arg(&input)
            .env_remove("HOMEWARD_CONFIG")
            .env_remove("HOMEWARD_DATA_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };

    // Kills fall from 20 ms after a start to 2.5 s past (about) the time a restart needs to
    // get through what is done already (it re-reads the input from the start, finding those
    // items seen), estimated from the pace of earlier runs. When an import completes before its kill, the
    // store starts over empty.
    let mut killed = 0;
    let mut finished_early = 0;
    let mut lines_per_ms = 0.0f64;
    let mut verified = 0usize;
    let mut progress: Vec<usize> = Vec::new();
    while killed < kills {
        let ctx = format!("{engine}, seed {seed}, kill {}", killed + 1);
        let mut child = import().spawn().unwrap();
        let done = acked(&ack_log).0.len() as f64;
        let redo_ms = if lines_per_ms > 0.0 {
            (done / lines_per_ms) as u64
        } else {
            0
        };
        let at = rng.between(20, redo_ms * 2 / 3 + 2500);
        std::thread::sleep(Duration::from_millis(at));
        let exited = child.try_wait().unwrap();
        if exited.is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        let status = child.wait().unwrap();
        if exited.is_some() {
            assert!(
                status.success(),
                "{ctx}: import failed on its own: {status}"
            );
            finished_early += 1;
            // the import completed: start over from an empty store so that the kills keep
            // landing in the middle of real work
            std::fs::remove_dir_all(&data).unwrap();
            std::fs::remove_file(&ack_log).ok();
            verified = 0;
            progress.clear();
            assert!(
                finished_early < 50,
                "{ctx}: the import keeps finishing before the kill"
            );
            continue;
        }
        // The store opens cleanly and holds what was acknowledged, once.
        let store = Store::open(&data, engine).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let (acks, cut) = acked(&ack_log);
        // this run's pace: acknowledged lines (any outcome) per millisecond of its life
        let pace = (acks.len() as f64 - done) / at as f64;
        if pace > 0.0 {
            lines_per_ms = if lines_per_ms > 0.0 {
                (lines_per_ms + pace) / 2.0
            } else {
                pace
            };
        }
        assert!(
            cut <= killed,
            "{ctx}: {cut} broken ack lines after {killed} kills"
        );
        verify(
            &store,
            &acks,
            &acks[verified.min(acks.len())..],
            &expected,
            &ctx,
        );
        verified = acks.len();
        progress.push(acks.iter().filter(|a| is_accepted(a)).count());
        if killed % 4 == 0 {
            let report = store.check().unwrap();
            assert!(report.is_ok(), "{ctx}: {:?}", report.problems);
        }
    }

    // The last restart completes the rest.
    let status = import().status().unwrap();
    assert!(
        status.success(),
        "{engine}: the final import failed: {status}"
    );
    let store = Store::open(&data, engine).unwrap();
    let report = store.check().unwrap();
    assert!(
        report.is_ok(),
        "{engine}, seed {seed}: {:?}",
        report.problems
    );
    let (acks, _) = acked(&ack_log);
    verify(
        &store,
        &acks,
        &acks[verified.min(acks.len())..],
        &expected,
        &format!("{engine} final"),
    );
    let stats = store.stats().unwrap();
    assert_eq!(stats.records as usize, world.records());
    let transactions = world.count(Line::Modify)
        + world.count(Line::Locate)
        + world.count(Line::Clear)
        + world.count(Line::Identify);
    // every entry made one version and every transaction one more: nothing twice, nothing lost
    assert_eq!(
        report.versions as usize,
        world.records() + transactions,
        "{engine}, seed {seed}"
    );
    let count = |s: Status| stats.by_status.get(s.as_str()).copied().unwrap_or(0) as usize;
    assert_eq!(count(Status::Located), world.count(Line::Locate));
    assert_eq!(count(Status::Cleared), world.count(Line::Clear));
    assert_eq!(count(Status::Identified), world.count(Line::Identify));
    assert_eq!(stats.quarantine.open, 0);
    // No line was accepted twice. A line never acknowledged as accepted was committed by a run
    // killed between its commit and its acknowledgement: a later run then reported it as seen.
    let mut accepted: BTreeMap<u64, usize> = BTreeMap::new();
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for a in &acks {
        let line = a["position"]["line"].as_u64().unwrap_or(0);
        if is_accepted(a) {
            *accepted.entry(line).or_default() += 1;
        } else if a["reason"]["type"] == "duplicate_input" {
            *seen.entry(line).or_default() += 1;
        }
    }
    assert!(
        accepted.values().all(|n| *n == 1),
        "{engine}: a line accepted twice"
    );
    for line in 1..=world.lines.len() as u64 {
        assert!(
            accepted.contains_key(&line) || seen.contains_key(&line),
            "{engine}: line {line} was never acknowledged"
        );
    }
    eprintln!(
        "crash test on {engine}: items acknowledged as accepted after each kill: {progress:?}"
    );
    eprintln!(
        "crash test on {engine}: {kills} kills ({finished_early} runs finished first), {} records, {} versions: ok",
        stats.records, report.versions
    );
}

#[test]
fn sigkill_during_import_loses_and_duplicates_nothing_on_sled() {
    crash_test(EngineKind::Sled);
}

#[test]
fn sigkill_during_import_loses_and_duplicates_nothing_on_redb() {
    crash_test(EngineKind::Redb);
}

#[test]
fn the_generated_world_reads_and_imports_cleanly() {
    let world = ncic_world::generate(2_100);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), EngineKind::Redb).unwrap();
    let ncic = Registry::builtin().get("ncic").unwrap();
    let items = ncic.reader().read(
        Box::new(std::io::Cursor::new(world.text().into_bytes())),
        ReadContext::new("gen.ncic"),
    );
    let summary = Pipeline::new(&store, 500)
        .run(items, &InputContext::file("gen.ncic", "ncic"), |_| Ok(()))
        .unwrap();
    assert_eq!(summary.rejected, 0, "{summary}");
    assert_eq!(summary.new as usize, world.records());
    assert_eq!(summary.changed as usize, 2_100 - world.records());
    assert!(world.count(Line::Identify) > 0 && world.count(Line::Locate) > 0);
}
