//! The store-backed crossmatch end to end: `homeward import` of the sample world leaves ranked
//! identification candidates (checked against its truth), an exclusion is remembered across a
//! re-import and a full replay of the change feed, a located record's candidates are
//! withdrawn; and `homeward serve` notices a record dropped into its inbox at once, with the
//! admin API listing, showing, excluding and marking it read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use homeward_adapters::testdata::shared_dir;
use homeward_gateway::admin::client::AdminClient;
use homeward_schemas::RecordId;
use homeward_store::{EngineKind, Store};
use serde_json::Value;

fn homeward(data: &Path, args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "homeward {args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `homeward matches ARGS --json`, one object a line.
fn matches(data: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["matches", "--json"];
    all.extend_from_slice(args);
    let o = homeward(data, &all);
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn id(v: &Value) -> RecordId {
    RecordId::new(
        v["source"].as_str().unwrap(),
        v["native_id"].as_str().unwrap(),
    )
}

struct Truth {
    /// native id → (pid, kind, status)
    rows: HashMap<String, (String, String, String)>,
}

impl Truth {
    fn load(world: &Path) -> Self {
        let text = std::fs::read_to_string(world.join("truth.csv")).unwrap();
        let rows = text
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (
                    f[0].to_string(),
                    (f[1].to_string(), f[2].to_string(), f[4].to_string()),
                )
            })
            .collect();
        Self { rows }
    }

    fn pid(&self, native: &str) -> Option<&str> {
        self.rows.get(native).map(|r| r.0.as_str())
    }

    fn active(&self, native: &str) -> bool {
        self.rows.get(native).is_some_and(|r| r.2 == "active")
    }
}

fn pair_of(m: &Value) -> (RecordId, RecordId) {
    let p = &m["match"]["pair"];
    (id(&p["left"]), id(&p["right"]))
}

fn is_identification(m: &Value) -> bool {
    m["match"]["pair"]["relation"] == "possible_identification"
}

/// The native ids a row names as the missing person: its left record and the other reports
/// folded into it.
fn missing_of(m: &Value) -> Vec<String> {
    let mut out = vec![pair_of(m).0.native_id];
    if let Some(also) = m["match"]["also"].as_array() {
        out.extend(also.iter().map(|a| id(a).native_id));
    }
    out
}

#[test]
fn imported_world_has_ranked_candidates_exclusions_stick_and_located_records_leave() {
    let world = shared_dir().join("samples/world-small");
    let truth = Truth::load(&world);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let wire = world.join("wire");
    let o = homeward(&data, &["import", wire.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("new matches"),
        "the import crossmatched: {err}"
    );

    // === the known identification candidates ===
    let listed = matches(&data, &[]);
    assert!(!listed.is_empty());
    let mut lists: HashMap<String, Vec<&Value>> = HashMap::new();
    for m in listed.iter().filter(|m| is_identification(m)) {
        let (left, right) = pair_of(m);
        // records closed in the truth (located, cleared, identified...) are never proposed
        assert!(truth.active(&left.native_id), "closed {left} proposed");
        assert!(truth.active(&right.native_id), "closed {right} proposed");
        lists.entry(right.native_id).or_default().push(m);
    }
    // every unidentified/unclaimed record whose person has an open missing record
    let mut open_missing: HashSet<&str> = HashSet::new();
    for (native, (pid, kind, status)) in &truth.rows {
        let _ = native;
        if kind == "missing" && status == "active" {
            open_missing.insert(pid.as_str());
        }
    }
    let to_identify: Vec<(&String, &str)> = truth
        .rows
        .iter()
        .filter(|(_, (pid, kind, status))| {
            kind != "missing" && status == "active" && open_missing.contains(pid.as_str())
        })
        .map(|(n, (pid, _, _))| (n, pid.as_str()))
        .collect();
    assert!(to_identify.len() >= 20, "{}", to_identify.len());
    let (mut first, mut top20) = (0, 0);
    let mut true_pair = None;
    for (native, pid) in &to_identify {
        let list = lists.get(native.as_str()).cloned().unwrap_or_default();
        let ranks: Vec<u64> = list.iter().map(|m| m["rank"].as_u64().unwrap()).collect();
        let mut sorted = ranks.clone();
        sorted.sort();
        assert_eq!(ranks, sorted, "{native}: listed best first");
        let hit = list
            .iter()
            .find(|m| missing_of(m).iter().any(|n| truth.pid(n) == Some(*pid)));
        if let Some(m) = hit {
            let rank = m["rank"].as_u64().unwrap();
            if rank == 1 {
                first += 1;
                true_pair.get_or_insert_with(|| pair_of(m));
            }
            if rank <= 20 {
                top20 += 1;
            }
        }
    }
    let n = to_identify.len() as f64;
    eprintln!(
        "stored candidates: true missing record first for {first} of {}, in the top 20 for {top20}",
        to_identify.len()
    );
    assert!(first as f64 / n >= 0.65, "top-1 {first}/{n}");
    assert!(top20 as f64 / n >= 0.92, "top-20 {top20}/{n}");

    // every match notifies both records' agencies, and the agency filter finds it
    let (left, right) = true_pair.unwrap();
    let agency = matches(&data, &["--agency", &right.source]);
    let row = agency
        .iter()
        .find(|m| pair_of(m) == (left.clone(), right.clone()))
        .expect("listed for the remains' agency");
    let notified: Vec<&str> = row["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["agency"].as_str().unwrap())
        .collect();
    assert!(notified.contains(&left.source.as_str()) && notified.contains(&right.source.as_str()));
    assert!(!row["match"]["parts"].as_array().unwrap().is_empty());
    let show = homeward(
        &data,
        &["matches", "show", &left.to_string(), &right.to_string()],
    );
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("stored: Proposed"), "{text}");
    assert!(text.contains("place") || text.contains("age"), "{text}");

    // the full run of the stored records (`crossmatch` without --input) ranks the pair too
    let csv = tmp.path().join("candidates.csv");
    homeward(&data, &["crossmatch", "--out", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("left,right,relation,score,left_source,right_source,reasons\n"));
    let row = format!(
        "{},{},possible_identification,",
        left.native_id, right.native_id
    );
    assert!(text.lines().any(|l| l.starts_with(&row)), "{row}");

    // === an exclusion: never proposed again, after a re-import and a full replay ===
    let r = right.to_string();
    homeward(
        &data,
        &[
            "matches",
            "exclude",
            &left.to_string(),
            &r,
            "--by",
            "examiner",
            "--comment",
            "dental chart differs",
        ],
    );
    let names =
        |rows: &[Value]| -> Vec<(RecordId, RecordId)> { rows.iter().map(pair_of).collect() };
    let after = matches(&data, &["--record", &r]);
    assert!(!names(&after).contains(&(left.clone(), right.clone())));
    let hidden = matches(&data, &["--record", &r, "--all"]);
    let ex = hidden
        .iter()
        .find(|m| pair_of(m) == (left.clone(), right.clone()))
        .unwrap();
    assert_eq!(ex["decision"]["verdict"], "excluded");
    assert_eq!(ex["decision"]["note"], "dental chart differs");
    assert_eq!(ex["decision"]["by"], "examiner");
    // the next candidate moved up: the list still starts at rank 1
    if let Some(top) = after.iter().find(|m| is_identification(m)) {
        assert_eq!(top["rank"], 1);
    }
    homeward(&data, &["import", wire.to_str().unwrap()]);
    {
        // a full replay: the consumer's cursor back to the start
        let store = Store::open(&data, EngineKind::Sled).unwrap();
        store.set_cursor("crossmatch", 0).unwrap();
    }
    let replay = homeward(&data, &["matches", "--record", &r, "--json"]);
    let err = String::from_utf8_lossy(&replay.stderr);
    assert!(err.contains(" 0 new matches, 0 notified again"), "{err}");
    let again: Vec<Value> = String::from_utf8(replay.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!names(&again).contains(&(left.clone(), right.clone())));
    assert_eq!(names(&again), names(&after));

    // === a located record's candidates are withdrawn ===
    let ncic_missing = listed
        .iter()
        .map(pair_of)
        .map(|(l, _)| l)
        .find(|l| l.native_id.starts_with('M') && l != &left)
        .expect("an NCIC missing record with candidates");
    let name = {
        let store = Store::open(&data, EngineKind::Sled).unwrap();
        let rec = store.get(&ncic_missing).unwrap().unwrap();
        let n = &rec.names[0];
        format!(
            "{}, {}",
            n.family.clone().unwrap(),
            n.given.clone().unwrap_or_default()
        )
    };
    let before = matches(&data, &["--record", &ncic_missing.to_string()]);
    assert!(!before.is_empty());
    let locate = tmp.path().join("locate.ncic");
    std::fs::write(
        &locate,
        format!(
            "1N01HEADER.LM.{}.NIC/{}.NAM/{}.DOR/20260501.RPS/LOCATED\n",
            ncic_missing.source, ncic_missing.native_id, name
        ),
    )
    .unwrap();
    homeward(&data, &["import", "--strict", locate.to_str().unwrap()]);
    assert!(matches(&data, &["--record", &ncic_missing.to_string()]).is_empty());
    let withdrawn = matches(&data, &["--record", &ncic_missing.to_string(), "--all"]);
    assert_eq!(withdrawn.len(), before.len());
    for m in &withdrawn {
        assert_eq!(m["match"]["state"], "withdrawn");
        assert!(
            m["match"]["withdrawn"]
                .as_str()
                .unwrap()
                .contains("located")
        );
    }
    let all = matches(&data, &[]);
    assert!(all.iter().all(|m| {
        let (l, r) = pair_of(m);
        l != ncic_missing && r != ncic_missing
    }));
    // the store holds together, matches and notices included
    homeward(&data, &["store", "check"]);
}

const TOKEN: &str = "matches-test-token-0123456789abcdefghijklmnop";

/// A running `homeward serve` whose stderr is read line by line.
struct Served {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Served {
    fn start(config: &Path) -> (Self, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_homeward"))
            .args(["serve", "--config", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        // owned before anything can fail, so that Drop stops it
        let served = Self { child, lines: rx };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = served
                .lines
                .recv_timeout(left)
                .expect("serve did not start");
            if line.contains("serving partners on") {
                return (served, line);
            }
        }
    }

    fn stop(&mut self) -> Vec<String> {
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
        self.lines.try_iter().collect()
    }
}

impl Drop for Served {
    /// A test that fails leaves no gateway running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn write_gateway(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let keys = dir.join("keys");
    let o = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args([
            "keys",
            "generate",
            "--out",
            keys.to_str().unwrap(),
            "--id",
            "hub.example",
            "--endpoint",
            "https://127.0.0.1:1",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tokens = dir.join("admin-tokens");
    std::fs::write(&tokens, format!("console {TOKEN}\n")).unwrap();
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = dir.join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            "[gateway]\nid = \"hub.example\"\n\n[listen]\npartners = \"127.0.0.1:0\"\n\n\
             [identity]\ndir = \"keys\"\n\n[store]\npath = \"{}\"\n\n\
             [admin]\nlisten = \"127.0.0.1:0\"\ntoken_file = \"admin-tokens\"\n\n\
             [crossmatch]\npoll_interval_ms = 100\n\n\
             [[jobs]]\nid = \"inbox\"\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"ncic\"\nschedule = \"*/1 * * * * *\"\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    config
}

async fn wait_for<T>(what: &str, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_notifies_a_dropped_record_at_once_and_the_admin_api_decides() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_gateway(tmp.path());
    let data = tmp.path().join("data");
    // the store holds the sample world's records of one state (matched at import)
    let world = shared_dir().join("samples/world-small/wire");
    let tx = world.join("TX-state.ncic");
    let text = std::fs::read_to_string(&tx).unwrap();
    homeward(&data, &["import", tx.to_str().unwrap()]);
    // a second agency reports one of those missing persons: a line of the state's file
    // under another ORI and NIC
    let line = text
        .lines()
        .find(|l| l.contains(".EM") && l.contains(".NAM/") && l.contains(".DOB/"))
        .expect("a missing-person entry with a name and a date of birth");
    let ori = line.split('.').nth(2).unwrap().to_string();
    let nic = line
        .split('.')
        .find_map(|f| f.strip_prefix("NIC/"))
        .unwrap()
        .to_string();
    let dropped = line
        .replacen(&format!(".{ori}."), ".TX9990000.", 1)
        .replacen(&format!("NIC/{nic}"), "NIC/M999999999", 1);

    let (mut served, start) = Served::start(&config);
    let addr: std::net::SocketAddr = start
        .split("admin API on ")
        .nth(1)
        .and_then(|r| r.split([';', ' ']).next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no admin address in {start}"));
    let api = AdminClient::new(addr, Some(TOKEN.into()));
    let status = wait_for("the consumer to be ready", async || {
        let s = api.get("/v1/matches/status").await.ok()?.json().ok()?;
        (s["ready"] == true && s["behind"] == false).then_some(s)
    })
    .await;
    assert_eq!(status["running"], true);
    let none = api
        .get("/v1/matches?agency=TX9990000")
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(none["total"], 0);

    // dropped into the inbox: imported by the job, matched by the consumer, notified
    let inbox = tmp.path().join("drop/inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("second-agency.ncic.part"),
        format!("{dropped}\n"),
    )
    .unwrap();
    std::fs::rename(
        inbox.join("second-agency.ncic.part"),
        inbox.join("second-agency.ncic"),
    )
    .unwrap();
    let listed = wait_for("a notification for the second agency", async || {
        let v = api
            .get("/v1/matches?agency=TX9990000&unread=true")
            .await
            .ok()?
            .json()
            .ok()?;
        (v["total"].as_u64()? >= 1).then_some(v)
    })
    .await;
    let m = &listed["matches"][0];
    assert_eq!(m["match"]["pair"]["relation"], "same_person");
    let (left, right) = pair_of(m);
    let mut pair = [left.native_id.clone(), right.native_id.clone()];
    pair.sort();
    let mut expected = ["M999999999".to_string(), nic.clone()];
    expected.sort();
    assert_eq!(pair, expected);
    let agencies: HashSet<&str> = m["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["agency"].as_str().unwrap())
        .collect();
    assert_eq!(agencies, HashSet::from(["TX9990000", ori.as_str()]));

    // the pair in detail: both records and the parts
    let q = format!(
        "/v1/matches/pair?left={}&right={}",
        left.native_id, right.native_id
    );
    let detail = api.get(&q).await.unwrap();
    assert_eq!(detail.status, 200, "{}", detail.message());
    let d = detail.json().unwrap();
    assert!(d["score"].as_f64().unwrap() >= 14.0);
    assert!(
        d["parts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["attribute"] == "name")
    );
    assert_eq!(d["left"]["id"]["native_id"], left.native_id.as_str());
    assert_eq!(d["stored"]["match"]["state"], "proposed");

    // read, then excluded through the API (audited), hidden, and kept after a restart
    let read = api
        .call(
            "POST",
            "/v1/matches/read",
            serde_json::to_vec(&serde_json::json!({"agency": "TX9990000"}))
                .unwrap()
                .into(),
        )
        .await
        .unwrap();
    assert_eq!(read.json().unwrap()["marked"], 1);
    let unread = api
        .get("/v1/matches?agency=TX9990000&unread=true")
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(unread["total"], 0);
    let body = serde_json::json!({
        "left": left.native_id, "right": right.native_id, "comment": "two brothers"
    });
    let ex = api
        .call(
            "POST",
            "/v1/matches/exclude",
            serde_json::to_vec(&body).unwrap().into(),
        )
        .await
        .unwrap();
    assert_eq!(ex.status, 200, "{}", ex.message());
    assert_eq!(ex.json().unwrap()["decision"]["by"], "console");
    let bad = api
        .call(
            "POST",
            "/v1/matches/confirm",
            b"{\"left\": 1}".to_vec().into(),
        )
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
    let unknown = api
        .call(
            "POST",
            "/v1/matches/confirm",
            serde_json::to_vec(&serde_json::json!({"left": "nobody", "right": nic}))
                .unwrap()
                .into(),
        )
        .await
        .unwrap();
    assert_eq!(unknown.status, 404);
    let now = api
        .get("/v1/matches?agency=TX9990000")
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(now["total"], 0);
    let audit = api.get("/v1/audit?limit=20").await.unwrap().json().unwrap();
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "POST /v1/matches/exclude")
        .expect("the exclusion is audited");
    assert_eq!(entry["actor"], "console");
    assert!(entry["detail"].as_str().unwrap().contains("two brothers"));
    let rest = served.stop();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");

    // after the restart (one-shot here): still excluded, and no notice made again
    let after = matches(&data, &["--agency", "TX9990000", "--all"]);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["decision"]["verdict"], "excluded");
    assert!(
        after[0]["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["read_by"] == "console")
    );
}
