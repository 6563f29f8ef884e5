//! The admin API's configuration editor against a running gateway (real temp dirs, the real
//! admin listener): cron previews, job edits checked like `config check`, written in place with
//! the rest of the file kept byte for byte, the history, rollback, conflicts, and a refused
//! reload putting the old file back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/ops.rs"]
mod ops;

use bytes::Bytes;
use chrono::{DateTime, FixedOffset};
use homeward_gateway::admin::client::Answer;
use homeward_gateway::admin::start;
use homeward_gateway::config::Config;
use homeward_gateway::operations::{Operations, Options};
use homeward_store::{AuditOutcome, EngineKind, Store};
use ops::{Gateway, HEAD, TOKEN};
use serde_json::{Value, json};

const JOBS: &str = "# Jobs of this gateway\n# the inbox, polled at night\n[[jobs]]\nid = \"tx-inbox\"   # Texas drops here\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"ncic\"\nschedule = \"0 0 3 * * *\"  # nightly\n\n# the outgoing PFIF files\n[[jobs]]\nid = \"export\"\ntransport = \"file_drop\"\ndirection = \"out\"\ndir = \"out\"\nformat = \"pfif\"\nschedule = \"on change\"\n\n# end of file\n";

fn config_text() -> String {
    format!("{HEAD}{JOBS}")
}

async fn call(gw: &Gateway, method: &str, path: &str, body: Value) -> Answer {
    gw.client()
        .call(method, path, Bytes::from(body.to_string()))
        .await
        .unwrap()
}

fn file(gw: &Gateway) -> String {
    std::fs::read_to_string(&gw.config_path).unwrap()
}

async fn digest(gw: &Gateway) -> String {
    let v = gw.get("/v1/config/jobs").await.json().unwrap();
    v["digest"].as_str().unwrap().to_string()
}

async fn fields(gw: &Gateway, id: &str) -> Value {
    let a = gw.get(&format!("/v1/config/jobs/{id}")).await;
    assert_eq!(a.status, 200, "{}", a.message());
    a.json().unwrap()["fields"].clone()
}

fn time(v: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

async fn next_run(gw: &Gateway, id: &str) -> DateTime<FixedOffset> {
    let jobs = gw.get("/v1/jobs").await.json().unwrap();
    let j = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id)
        .unwrap();
    time(&j["next_run"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cron_previews_use_the_checkers_rules() {
    let gw = Gateway::start(&config_text(), None).await;
    let ok = gw
        .get("/v1/cron/preview?schedule=0+0+15+*+*+*&time_zone=America/Chicago&count=3")
        .await;
    assert_eq!(ok.status, 200);
    let v = ok.json().unwrap();
    assert_eq!(v["ok"], true, "{v:#}");
    let next = v["next"].as_array().unwrap();
    assert_eq!(next.len(), 3);
    for t in next {
        let s = t.as_str().unwrap();
        assert!(s.contains("T15:00:00-0"), "local time with its offset: {s}");
        assert!(s.ends_with("-06:00") || s.ends_with("-05:00"), "{s}");
    }
    assert!(time(&next[0]) < time(&next[1]));
    // The default: five runs, UTC.
    let v = gw
        .get("/v1/cron/preview?schedule=0+*/5+*+*+*+*")
        .await
        .json()
        .unwrap();
    assert_eq!(v["next"].as_array().unwrap().len(), 5);
    assert!(v["next"][0].as_str().unwrap().ends_with("+00:00"), "{v:#}");
    // Invalid: answered 200 with the checker's message and fix.
    let bad = gw.get("/v1/cron/preview?schedule=*/5+*+*+*+*").await;
    assert_eq!(bad.status, 200);
    let v = bad.json().unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["field"], "schedule");
    assert!(v["message"].as_str().unwrap().contains("5 fields"), "{v:#}");
    assert!(
        v["fix"].as_str().unwrap().contains("0 */5 * * * *"),
        "{v:#}"
    );
    let v = gw
        .get("/v1/cron/preview?schedule=0+61+*+*+*+*")
        .await
        .json()
        .unwrap();
    assert_eq!(v["ok"], false);
    assert!(
        v["message"].as_str().unwrap().contains("0 61 * * * *"),
        "{v:#}"
    );
    let v = gw
        .get("/v1/cron/preview?schedule=0+0+*+*+*+*&time_zone=Mars/Olympus")
        .await
        .json()
        .unwrap();
    assert_eq!(v["field"], "time_zone");
    assert!(v["message"].as_str().unwrap().contains("Mars/Olympus"));
    let v = gw
        .get("/v1/cron/preview?schedule=on+change")
        .await
        .json()
        .unwrap();
    assert_eq!(v, json!({"ok": true, "on_change": true, "next": []}));
    assert_eq!(
        gw.get("/v1/cron/preview?schedule=0+0+*+*+*+*&count=21")
            .await
            .status,
        400
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_edited_in_place_checked_kept_in_history_and_rolled_back() {
    let gw = Gateway::start(&config_text(), None).await;
    let original = file(&gw);

    // The jobs as configured.
    let list = gw.get("/v1/config/jobs").await.json().unwrap();
    assert_eq!(list["jobs"].as_array().unwrap().len(), 2);
    assert_eq!(list["jobs"][0]["config"]["id"], "tx-inbox");
    assert_eq!(list["jobs"][0]["config"]["retry"]["max_attempts"], 5);
    assert_eq!(list["jobs"][0]["next"].as_array().unwrap().len(), 5);
    assert_eq!(list["jobs"][1]["on_change"], true);
    assert_eq!(list["version"], Value::Null, "nothing recorded yet");
    let base = list["digest"].as_str().unwrap().to_string();
    let one = gw.get("/v1/config/jobs/tx-inbox").await.json().unwrap();
    assert!(
        one["toml"]
            .as_str()
            .unwrap()
            .contains("id = \"tx-inbox\"   # Texas drops here"),
        "{one:#}"
    );
    assert_eq!(gw.get("/v1/config/jobs/nope").await.status, 404);

    // An invalid schedule: 422 with the field, nothing written.
    let mut f = fields(&gw, "tx-inbox").await;
    f["schedule"] = json!("0 0 25 * * *");
    let r = call(
        &gw,
        "PUT",
        "/v1/config/jobs/tx-inbox",
        json!({"fields": f, "base_digest": base}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.message());
    let v = r.json().unwrap();
    assert_eq!(v["error"], "invalid");
    let errors: Vec<&Value> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{v:#}");
    let p = errors[0];
    assert_eq!(p["field"], "schedule", "{v:#}");
    assert_eq!(p["in_job"], true);
    assert!(p["message"].as_str().unwrap().contains("25"), "{v:#}");
    assert_eq!(p["path"], "jobs[0].schedule");
    assert_eq!(p["line"], 16, "{v:#}");
    assert!(p["fix"].is_string());
    // A misspelt key: the checker locates it at the job; the answer names the field.
    let mut typo = fields(&gw, "tx-inbox").await;
    typo["shedule"] = json!("0 0 3 * * *");
    let r = call(
        &gw,
        "PUT",
        "/v1/config/jobs/tx-inbox",
        json!({"fields": typo, "base_digest": base}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.message());
    let v = r.json().unwrap();
    let p = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["severity"] == "error")
        .unwrap();
    assert_eq!(p["field"], "shedule", "{v:#}");
    assert!(p["fix"].as_str().unwrap().contains("schedule"), "{v:#}");
    assert_eq!(file(&gw), original, "nothing was written");
    assert!(
        gw.get("/v1/config/history").await.json().unwrap()["versions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // An id cannot change.
    let mut renamed = fields(&gw, "tx-inbox").await;
    renamed["id"] = json!("tx2");
    let r = call(
        &gw,
        "PUT",
        "/v1/config/jobs/tx-inbox",
        json!({"fields": renamed, "base_digest": base}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json().unwrap()["error"], "id_change");

    // A valid change: only that table changes, comments everywhere stay, the mode is kept.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gw.config_path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut f = fields(&gw, "tx-inbox").await;
    f["schedule"] = json!("0 30 4 * * *");
    f["time_zone"] = json!("America/Chicago");
    let r = call(
        &gw,
        "PUT",
        "/v1/config/jobs/tx-inbox",
        json!({"fields": f, "base_digest": base, "comment": "later, local time"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.message());
    let v = r.json().unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["version"], 2);
    assert_eq!(v["previous_version"], 1);
    assert_eq!(v["changed"], json!(["schedule", "time_zone"]));
    assert_eq!(v["reload"]["jobs_changed"], json!(["tx-inbox"]));
    let expected = original.replace(
        "schedule = \"0 0 3 * * *\"  # nightly\n",
        "schedule = \"0 30 4 * * *\"  # nightly\ntime_zone = \"America/Chicago\"\n",
    );
    assert_ne!(expected, original);
    assert_eq!(file(&gw), expected);
    let mode = std::fs::metadata(&gw.config_path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(gw.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The running job follows: its next run is the preview's first.
    let preview = gw
        .get("/v1/cron/preview?schedule=0+30+4+*+*+*&time_zone=America/Chicago&count=1")
        .await
        .json()
        .unwrap();
    assert_eq!(next_run(&gw, "tx-inbox").await, time(&preview["next"][0]));
    let list = gw.get("/v1/config/jobs").await.json().unwrap();
    assert_eq!(list["version"], 2);
    assert_eq!(list["jobs"][0]["next"][0], preview["next"][0]);
    // The edit is audited under the token's name, saying what changed.
    let audit = gw
        .store
        .audit_tail(10)
        .unwrap()
        .into_iter()
        .rfind(|e| e.action.action == "PUT /v1/config/jobs/tx-inbox")
        .unwrap();
    assert_eq!(audit.action.actor, "ops");
    assert_eq!(audit.action.outcome, AuditOutcome::Ok);
    assert_eq!(
        audit.action.target.as_deref(),
        Some("configuration job tx-inbox")
    );
    assert!(
        audit.action.detail.contains("schedule, time_zone"),
        "{}",
        audit.action.detail
    );

    // The history: the file as found, then the edit.
    let h = gw.get("/v1/config/history").await.json().unwrap();
    let versions = h["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{h:#}");
    assert_eq!(versions[0]["n"], 2);
    assert_eq!(versions[0]["by"], "ops");
    assert_eq!(versions[0]["comment"], "later, local time");
    assert_eq!(versions[0]["bytes"], expected.len());
    assert_eq!(versions[1]["by"], "-");
    assert!(versions[0].get("text").is_none());
    assert_eq!(h["version"], 2);
    let v1 = gw.get("/v1/config/history/1").await.json().unwrap();
    assert_eq!(v1["text"], original);
    assert_eq!(gw.get("/v1/config/history/9").await.status, 404);

    // A stale base: 409, nothing written.
    let r = call(
        &gw,
        "PUT",
        "/v1/config/jobs/tx-inbox",
        json!({"fields": f, "base_digest": base}),
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json().unwrap()["error"], "conflict");
    let r = call(
        &gw,
        "POST",
        "/v1/config/rollback/1",
        json!({"base_digest": base}),
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(file(&gw), expected);

    // Rollback: version 1's bytes exactly, as a new version, reloaded.
    let now = digest(&gw).await;
    let r = call(
        &gw,
        "POST",
        "/v1/config/rollback/1",
        json!({"base_digest": now}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.message());
    let v = r.json().unwrap();
    assert_eq!(v["version"], 3);
    assert_eq!(v["rolled_back_to"], 1);
    assert_eq!(v["reload"]["jobs_changed"], json!(["tx-inbox"]));
    assert_eq!(file(&gw), original);
    let nightly = gw
        .get("/v1/cron/preview?schedule=0+0+3+*+*+*&count=1")
        .await
        .json()
        .unwrap();
    assert_eq!(next_run(&gw, "tx-inbox").await, time(&nightly["next"][0]));
    let h = gw.get("/v1/config/history").await.json().unwrap();
    assert_eq!(h["versions"].as_array().unwrap().len(), 3);
    assert_eq!(h["versions"][0]["comment"], "rollback to version 1");
    assert_eq!(h["versions"][0]["digest"], h["versions"][2]["digest"]);

    // Create and delete a job through the same path.
    let now = digest(&gw).await;
    let new = json!({"id": "export", "transport": "file_drop"});
    let r = call(&gw, "POST", "/v1/config/jobs", json!({"fields": new})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json().unwrap()["error"], "exists");
    let new = json!({"id": "tx-nightly", "transport": "file_drop", "dir": "drop2", "format": "auto", "schedule": "0 0 2 * * *", "retry": {"max_attempts": 2}});
    let r = call(
        &gw,
        "POST",
        "/v1/config/jobs",
        json!({"fields": new, "base_digest": now}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.message());
    assert_eq!(
        r.json().unwrap()["reload"]["jobs_added"],
        json!(["tx-nightly"])
    );
    let text = file(&gw);
    assert!(text.starts_with(&original[..original.find("\n# end of file").unwrap()]));
    assert!(text.ends_with("# end of file\n"), "{text}");
    assert!(text.contains("[[jobs]]\nid = \"tx-nightly\"\ntransport = \"file_drop\"\ndir = \"drop2\"\nformat = \"auto\"\nschedule = \"0 0 2 * * *\"\n\n[jobs.retry]\nmax_attempts = 2\n"), "{text}");
    assert!(next_run(&gw, "tx-nightly").await > chrono::Utc::now());
    let now = digest(&gw).await;
    let r = gw
        .client()
        .call(
            "DELETE",
            &format!("/v1/config/jobs/tx-nightly?base_digest={now}"),
            Bytes::new(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.message());
    assert_eq!(
        r.json().unwrap()["reload"]["jobs_removed"],
        json!(["tx-nightly"])
    );
    let jobs = gw.get("/v1/jobs").await.json().unwrap();
    assert_eq!(jobs.as_array().unwrap().len(), 2);
    assert!(gw.store.check().unwrap().is_ok());
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reload_puts_the_old_file_back() {
    let gw = Gateway::start(&config_text(), None).await;
    // Someone changed [store] by hand (that needs a restart) without reloading.
    let by_hand =
        config_text().replace("engine = \"redb\"\n", "engine = \"redb\"\nbatch_size = 7\n");
    ops::write_config(gw.dir.path(), &by_hand);
    let on_disk = file(&gw);
    let base = digest(&gw).await;
    let mut f = fields(&gw, "tx-inbox").await;
    f["schedule"] = json!("0 0 5 * * *");
    let r = call(
        &gw,
        "PUT",
        "/v1/config/jobs/tx-inbox",
        json!({"fields": f, "base_digest": base}),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.message());
    let v = r.json().unwrap();
    assert_eq!(v["error"], "reload_refused");
    assert!(r.message().contains("needs a restart"), "{}", r.message());
    assert!(r.message().contains("put back"), "{}", r.message());
    assert_eq!(file(&gw), on_disk, "the previous text is back");
    // The running job did not change.
    let nightly = gw
        .get("/v1/cron/preview?schedule=0+0+3+*+*+*&count=1")
        .await
        .json()
        .unwrap();
    assert_eq!(next_run(&gw, "tx-inbox").await, time(&nightly["next"][0]));
    // The history tells: as found, the refused text, put back.
    let h = gw.get("/v1/config/history").await.json().unwrap();
    let versions = h["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3, "{h:#}");
    assert!(
        versions[0]["comment"]
            .as_str()
            .unwrap()
            .starts_with("put back")
    );
    assert_eq!(versions[0]["digest"], versions[2]["digest"]);
    assert_eq!(h["version"], 3);
    let audit = gw
        .store
        .audit_tail(10)
        .unwrap()
        .into_iter()
        .rfind(|e| e.action.action == "PUT /v1/config/jobs/tx-inbox")
        .unwrap();
    assert_eq!(audit.action.outcome, AuditOutcome::Refused);
    assert_eq!(audit.action.status, 409);
    assert_eq!(
        audit.action.target.as_deref(),
        Some("configuration job tx-inbox")
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edits_made_on_the_same_text_at_once_go_one_at_a_time() {
    let gw = Gateway::start(&config_text(), None).await;
    let base = digest(&gw).await;
    let f = fields(&gw, "tx-inbox").await;
    let put = |schedule: &'static str| {
        let (client, base) = (gw.client(), base.clone());
        let mut f = f.clone();
        f["schedule"] = json!(schedule);
        async move {
            client
                .call(
                    "PUT",
                    "/v1/config/jobs/tx-inbox",
                    Bytes::from(json!({"fields": f, "base_digest": base}).to_string()),
                )
                .await
                .unwrap()
        }
    };
    let (a, b) = tokio::join!(put("0 0 1 * * *"), put("0 0 2 * * *"),);
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.message(), b.message());
    let won = if a.status == 200 {
        "0 0 1 * * *"
    } else {
        "0 0 2 * * *"
    };
    assert!(file(&gw).contains(&format!("schedule = \"{won}\"  # nightly")));
    let h = gw.get("/v1/config/history").await.json().unwrap();
    assert_eq!(h["versions"].as_array().unwrap().len(), 2);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_configuration_file_edits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    ops::write_tokens(dir.path());
    let mut config =
        Config::parse(&config_text().replace("{dir}", &dir.path().display().to_string())).unwrap();
    config.base_dir = Some(dir.path().to_path_buf());
    let store = std::sync::Arc::new(Store::open(&config.data_dir(None), EngineKind::Redb).unwrap());
    let ops = Operations::start(config, store, Options::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = start(ops.clone(), listener).unwrap();
    let client =
        homeward_gateway::admin::client::AdminClient::new(admin.local_addr(), Some(TOKEN.into()));
    let r = client
        .call(
            "PUT",
            "/v1/config/jobs/tx-inbox",
            Bytes::from(json!({"fields": {}, "base_digest": "x"}).to_string()),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 409);
    assert_eq!(r.json().unwrap()["error"], "no_config_file");
    let r = client.get("/v1/config/jobs").await.unwrap();
    assert_eq!(r.json().unwrap()["error"], "no_config_file");
    // Previews need no file.
    let r = client
        .get("/v1/cron/preview?schedule=on+change")
        .await
        .unwrap();
    assert_eq!(r.json().unwrap()["ok"], true);
    admin.shutdown().await.unwrap();
    ops.shutdown().await;
}

/// A fixed-width layout's columns, edited through the API: shown with the job that reads it,
/// replaced in place (the rest of the file byte for byte), a bad column refused with its place
/// (`columns[1].length`), the new layout in force after the reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layouts_columns_are_edited_checked_and_reloaded() {
    const LAYOUT: &str = "\n# the state's flat file\n[[layouts]]\nname = \"flat\"\nkind = \"missing\"\n\n[[layouts.columns]]\nname = \"CASE\"   # the case number\nstart = 1\nlength = 8\nfield = \"native_id\"\nrequired = true\n\n[[layouts.columns]]\nname = \"SURNAME\"\nstart = 9\nlength = 10\nfield = \"family_name\"\n\n[[jobs]]\nid = \"flat-inbox\"\ntransport = \"file_drop\"\ndir = \"flat\"\nformat = \"flat\"\nschedule = \"0 0 4 * * *\"\n";
    let text = format!("{}{LAYOUT}", config_text());
    let gw = Gateway::start(&text, None).await;
    let job = gw.get("/v1/config/jobs/flat-inbox").await.json().unwrap();
    assert_eq!(job["layout_editable"], true, "{job:#}");
    assert_eq!(job["layout"]["columns"].as_array().unwrap().len(), 2);

    // a column whose length is not a number: refused at its place, nothing written
    let before = file(&gw);
    let bad = call(
        &gw,
        "PUT",
        "/v1/config/layouts/flat",
        json!({
            "base_digest": digest(&gw).await,
            "columns": [
                {"name": "CASE", "start": 1, "length": 8, "field": "native_id", "required": true},
                {"name": "SURNAME", "start": 9, "length": "ten", "field": "family_name"},
            ],
        }),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.message());
    let problems = bad.json().unwrap()["problems"].clone();
    assert!(
        problems.as_array().unwrap().iter().any(|p| p["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("columns[1]"))),
        "{problems:#}"
    );
    assert_eq!(file(&gw), before, "nothing written");

    // a third column added, the second widened: saved in place and reloaded
    let ok = call(
        &gw,
        "PUT",
        "/v1/config/layouts/flat",
        json!({
            "base_digest": digest(&gw).await,
            "comment": "given names added",
            "columns": [
                {"name": "CASE", "start": 1, "length": 8, "field": "native_id", "required": true},
                {"name": "SURNAME", "start": 9, "length": 12, "field": "family_name"},
                {"name": "GIVEN", "start": 21, "length": 10, "field": "given_name"},
            ],
        }),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.message());
    let after = file(&gw);
    let head = &before[..before.find("# the state's flat file").unwrap()];
    assert!(
        after.starts_with(head),
        "the rest of the file is kept:\n{after}"
    );
    assert!(
        after.ends_with(&before[before.find("[[jobs]]\nid = \"flat-inbox\"").unwrap()..]),
        "{after}"
    );
    assert!(
        after.contains(
            "[[layouts.columns]]\nname = \"GIVEN\"\nstart = 21\nlength = 10\nfield = \"given_name\""
        ),
        "new columns are written in the usual order: {after}"
    );
    assert!(
        after.contains("name = \"CASE\"   # the case number"),
        "{after}"
    );
    assert!(after.contains("name = \"GIVEN\""), "{after}");
    assert!(after.contains("# the state's flat file"), "{after}");
    let job = gw.get("/v1/config/jobs/flat-inbox").await.json().unwrap();
    assert_eq!(job["layout"]["columns"].as_array().unwrap().len(), 3);
    let running = gw.ops.config();
    let spec = running.all_layouts().find(|l| l.name == "flat").unwrap();
    assert_eq!(spec.columns.len(), 3, "the new layout is in force");
    assert_eq!(spec.columns[1].length, 12);
    // an unknown layout
    let none = call(
        &gw,
        "PUT",
        "/v1/config/layouts/nope",
        json!({"base_digest": digest(&gw).await, "columns": []}),
    )
    .await;
    assert_eq!(none.status, 404, "{}", none.message());
}
