//! The admin API of a running gateway: token checks and their audit, metrics, configuration
//! reload, jobs run on a short schedule and on demand, quarantine through the API, `homeward
//! status` against it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/ops.rs"]
mod ops;

use std::process::Command;

use homeward_store::AuditOutcome;
use ops::{Gateway, HEAD, TOKEN, ncic_line, wait_until};

fn drop_job(schedule: &str) -> String {
    format!(
        "[[jobs]]\nid = \"tx-inbox\"\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"ncic\"\nschedule = \"{schedule}\"\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_without_or_with_a_wrong_token_are_refused_and_audited() {
    let gw = Gateway::start(&format!("{HEAD}{}", drop_job("0 0 3 * * *")), None).await;
    // Health needs no token.
    let h = gw.anonymous().get("/healthz").await.unwrap();
    assert_eq!(h.status, 200);
    assert_eq!(h.json().unwrap()["status"], "ok");

    let before = gw.store.audit_last_seq().unwrap();
    let none = gw.anonymous().get("/v1/jobs").await.unwrap();
    assert_eq!(none.status, 401);
    assert!(none.message().contains("no Authorization header"));
    let wrong = homeward_gateway::admin::client::AdminClient::new(gw.addr, Some("x".repeat(40)))
        .post("/v1/reload")
        .await
        .unwrap();
    assert_eq!(wrong.status, 401);
    assert!(wrong.message().contains("wrong token"));
    let unknown = gw.anonymous().get("/v1/nothing-here").await.unwrap();
    assert_eq!(
        unknown.status, 401,
        "unknown paths are refused before they are looked up"
    );
    let metrics = gw.anonymous().get("/metrics").await.unwrap();
    assert_eq!(metrics.status, 401);

    let entries = gw.store.audit_after(before, 100).unwrap();
    assert_eq!(entries.len(), 4, "{entries:#?}");
    for e in &entries {
        assert_eq!(e.action.outcome, AuditOutcome::Refused);
        assert_eq!(e.action.actor, "-");
        assert_eq!(e.action.status, 401);
        assert!(
            e.action
                .remote
                .as_deref()
                .is_some_and(|r| r.starts_with("127.0.0.1:"))
        );
        assert!(!e.action.correlation_id.is_empty());
        let json = serde_json::to_string(e).unwrap();
        assert!(
            !json.contains(&"x".repeat(40)),
            "a presented token is never written"
        );
    }
    assert_eq!(entries[0].action.action, "GET /v1/jobs");
    assert_eq!(entries[1].action.action, "POST /v1/reload");
    assert_eq!(entries[1].action.detail, "wrong token");

    // The right token: answered, audited under the token's name, with the caller's
    // correlation id echoed.
    let c = gw.client();
    let a = c
        .call_with_header("GET", "/v1/jobs", "x-correlation-id", "req-42")
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.header("x-correlation-id").as_deref(), Some("req-42"));
    let last = gw.store.audit_tail(1).unwrap().pop().unwrap();
    assert_eq!(last.action.actor, "ops");
    assert_eq!(last.action.correlation_id, "req-42");
    assert_eq!(last.action.outcome, AuditOutcome::Ok);
    // The audit log is readable through the API.
    let audit = gw.get("/v1/audit?limit=3").await.json().unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 3);
    // Matches are not here yet: a clear 501.
    let m = gw.get("/v1/matches").await;
    assert_eq!(m.status, 501);
    assert!(m.message().contains("crossmatch"));
    assert!(ops::TOKEN.len() >= 32 && !format!("{:?}", gw.ops).contains(TOKEN));
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_schedule_imports_the_drop_folder_and_metrics_show_it() {
    let gw = Gateway::start(&format!("{HEAD}{}", drop_job("*/1 * * * * *")), None).await;
    let inbox = gw.path("drop/inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("a.ncic"),
        format!("{}{}", ncic_line(1), ncic_line(2)),
    )
    .unwrap();
    std::fs::write(inbox.join("poison.ncic"), "not ncic\n").unwrap();
    let done = gw.path("drop/done/a.ncic");
    let failed = gw.path("drop/failed/poison.ncic");
    assert!(
        wait_until(15, || done.exists() && failed.exists()).await,
        "the every-second job took both files"
    );
    let jobs = gw.get("/v1/jobs").await.json().unwrap();
    let job = &jobs[0];
    assert!(job["runs"].as_u64().unwrap() >= 1);
    assert!(job["next_run"].is_string());
    let metrics = gw.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert_eq!(
        metrics.header("content-type").as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8(metrics.body.to_vec()).unwrap();
    for line in text.lines() {
        if line.starts_with('#') {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE "),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(series.starts_with("homeward_"), "{line}");
    }
    assert!(
        text.contains("homeward_job_runs_total{job=\"tx-inbox\",outcome=\"ok\"}"),
        "{text}"
    );
    assert!(
        text.contains("homeward_filedrop_failed_files_total{job=\"tx-inbox\"} 1"),
        "{text}"
    );
    assert!(text.contains("homeward_quarantine_open 1"), "{text}");
    assert!(
        text.contains("homeward_records{kind=\"missing\"} 2"),
        "{text}"
    );
    assert!(text.contains("homeward_job_next_run_timestamp_seconds{job=\"tx-inbox\"}"));
    // A successful scrape is not audited; the calls before it are.
    let last = gw.store.audit_tail(1).unwrap().pop().unwrap();
    assert_eq!(last.action.action, "GET /v1/jobs");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_applies_a_good_configuration_and_refuses_a_bad_one() {
    let gw = Gateway::start(&format!("{HEAD}{}", drop_job("0 0 3 * * *")), None).await;
    let jobs = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_string())
            .collect()
    };
    // A bad file: refused with every problem and its line; the old jobs keep running.
    let bad = format!(
        "{HEAD}{}\n[[jobs]]\nid = \"export\"\ntransport = \"file_drop\"\ndirection = \"out\"\ndir = \"out\"\nformat = \"pfif\"\nschedule = \"*/5 * * * *\"\n\n[[jobs]]\nid = \"x\"\ntransport = \"https_pull\"\npartner = \"nobody\"\nschedule = \"0 * * * * *\"\n",
        drop_job("0 0 3 * * *")
    );
    ops::write_config(gw.dir.path(), &bad);
    let r = gw.post("/v1/reload").await;
    assert_eq!(r.status, 422, "{}", r.message());
    let body = r.json().unwrap();
    let problems: Vec<&serde_json::Value> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == "error")
        .collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(problems[0]["line"], 22);
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .contains("5 fields")
    );
    assert_eq!(problems[1]["path"], "jobs[2].partner");
    assert_eq!(
        jobs(gw.get("/v1/jobs").await.json().unwrap()),
        vec!["tx-inbox"]
    );
    let audit = gw.store.audit_tail(2).unwrap();
    assert_eq!(audit[0].action.action, "POST /v1/reload");
    assert_eq!(audit[0].action.outcome, AuditOutcome::Refused);
    assert!(
        audit[0].action.detail.contains("error"),
        "{}",
        audit[0].action.detail
    );

    // A good one: applied, the new job runs at once on demand.
    let good = format!(
        "{HEAD}{}\n[[jobs]]\nid = \"export\"\ntransport = \"file_drop\"\ndirection = \"out\"\ndir = \"out\"\nformat = \"pfif\"\nschedule = \"on change\"\n",
        drop_job("0 0 3 * * *")
    );
    ops::write_config(gw.dir.path(), &good);
    let r = gw.post("/v1/reload").await;
    assert_eq!(r.status, 200, "{}", r.message());
    assert_eq!(r.json().unwrap()["jobs_added"][0], "export");
    assert_eq!(
        jobs(gw.get("/v1/jobs").await.json().unwrap()),
        vec!["tx-inbox", "export"]
    );
    let run = gw.post("/v1/jobs/export/run").await;
    assert_eq!(run.status, 202);
    let outbox = gw.path("out/outbox");
    assert!(wait_until(10, || outbox.exists()).await);
    assert_eq!(gw.post("/v1/jobs/nope/run").await.status, 404);

    // A configuration can be checked without applying it (for editors).
    let c = gw
        .client()
        .call(
            "POST",
            "/v1/config/check",
            bytes::Bytes::from("[[jobs]]\nid = \"x\"\ntransport = \"file_drop\"\ndir = \"d\"\nformat = \"ncic\"\nschedule = \"61 * * * * *\"\n"),
        )
        .await
        .unwrap();
    assert_eq!(c.status, 422);
    let v = c.json().unwrap();
    let err = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["severity"] == "error")
        .unwrap();
    assert_eq!(err["line"], 6, "{v:#}");
    assert_eq!(err["path"], "jobs[0].schedule");

    // Changing what needs a restart is refused too.
    ops::write_config(
        gw.dir.path(),
        &good.replace("127.0.0.1:0", "127.0.0.1:9999"),
    );
    let r = gw.post("/v1/reload").await;
    assert_eq!(r.status, 409);
    assert!(r.message().contains("needs a restart"));
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quarantine_is_listed_shown_and_reprocessed_through_the_api_and_status_prints_it() {
    let gw = Gateway::start(&format!("{HEAD}{}", drop_job("0 0 3 * * *")), None).await;
    let inbox = gw.path("drop/inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    // A locate for a record not stored yet: refused and kept.
    std::fs::write(
        inbox.join("1-locate.ncic"),
        "1N01HEADER.LM.TX1234500.NIC/M000000005.NAM/DOE, JANE.DOR/20250301\n",
    )
    .unwrap();
    assert_eq!(gw.post("/v1/jobs/tx-inbox/run").await.status, 202);
    assert!(wait_until(10, || gw.store.quarantine_list().unwrap().len() == 1).await);
    let list = gw.get("/v1/quarantine").await.json().unwrap();
    let id = list[0]["id"].as_u64().unwrap();
    assert!(
        list[0]["reason"].as_str().unwrap().contains("M000000005"),
        "{list:#}"
    );
    let shown = gw
        .get(&format!("/v1/quarantine/{id}"))
        .await
        .json()
        .unwrap();
    assert!(
        shown["item"]["raw"]
            .as_str()
            .unwrap()
            .starts_with("1N01HEADER.LM")
    );
    let again = gw.post(&format!("/v1/quarantine/{id}/reprocess")).await;
    assert_eq!(
        again.status, 422,
        "still refused: the record is not there yet"
    );
    // The entry arrives; reprocessing now applies the locate.
    std::fs::write(inbox.join("2-entry.ncic"), ncic_line(5)).unwrap();
    gw.post("/v1/jobs/tx-inbox/run").await;
    assert!(wait_until(10, || gw.store.stats().unwrap().records == 1).await);
    let ok = gw.post(&format!("/v1/quarantine/{id}/reprocess")).await;
    assert_eq!(ok.status, 200, "{}", ok.message());
    assert_eq!(ok.json().unwrap()["resolved"], true);
    let rec = gw
        .get("/v1/records/show?id=M000000005")
        .await
        .json()
        .unwrap();
    assert_eq!(rec["status"], "located");
    let hist = gw
        .get("/v1/records/history?id=M000000005")
        .await
        .json()
        .unwrap();
    assert_eq!(hist.as_array().unwrap().len(), 2);
    let found = gw.get("/v1/records?q=jane%20doe").await.json().unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found:#}");
    let audit = gw.store.audit_tail(20).unwrap();
    assert!(audit.iter().any(
        |e| e.action.target.as_deref() == Some(&format!("quarantine #{id}"))
            && e.action.outcome == AuditOutcome::Ok
    ));

    // `homeward status` against the running gateway prints the tables.
    let out = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(["status", "--admin", &gw.addr.to_string()])
        .env("HOMEWARD_ADMIN_TOKEN", TOKEN)
        .env_remove("HOMEWARD_CONFIG")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("gateway test.gateway"), "{text}");
    assert!(text.contains("JOBS") && text.contains("tx-inbox"), "{text}");
    assert!(text.contains("QUARANTINE  0 open, 1 resolved"), "{text}");
    assert!(text.contains("STORE  1 records"), "{text}");
    // And with the configuration: address and token from [admin].
    let out = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args([
            "status",
            "--admin",
            &gw.addr.to_string(),
            "--json",
            "--config",
        ])
        .arg(&gw.config_path)
        .env_remove("HOMEWARD_ADMIN_TOKEN")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["jobs"][0]["id"], "tx-inbox");
    let last = gw.store.audit_tail(1).unwrap().pop().unwrap();
    assert_eq!(last.action.action, "GET /v1/status");
    assert_eq!(last.action.actor, "ops", "the first token of the file");
    gw.stop().await;
}
