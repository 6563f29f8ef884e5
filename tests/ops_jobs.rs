//! Jobs of a running gateway on the real clock: a cron schedule firing on time, and partners
//! that are down for a while and then back (nothing lost, nothing doubled), with an import
//! from the drop folder pushed on change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/ops.rs"]
mod ops;

use std::sync::Arc;
use std::time::Duration;

use chrono::Timelike;
use homeward_gateway::jobs::{MemoryLink, MemoryPartner, PartnerLink};
use homeward_schemas::{Kind, Name, Record};
use ops::{Gateway, HEAD, ncic_line, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_job_fires_on_its_second() {
    let gw = Gateway::start(
        &format!(
            "{HEAD}[[jobs]]\nid = \"every-2s\"\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"ncic\"\nschedule = \"*/2 * * * * *\"\ntime_zone = \"Europe/Kyiv\"\n"
        ),
        None,
    )
    .await;
    assert!(
        wait_until(10, || gw.ops.job_views()[0].runs >= 2).await,
        "ran twice within 10 s"
    );
    let v = &gw.ops.job_views()[0];
    let started = v.last_started.unwrap();
    assert_eq!(
        started.second() % 2,
        0,
        "started on an even second: {started}"
    );
    assert!(
        started.nanosecond() < 500_000_000,
        "within half a second of the firing: {started}"
    );
    let next = v.next_run.unwrap();
    assert_eq!(next.second() % 2, 0);
    assert_eq!(next.nanosecond(), 0);
    gw.stop().await;
}

fn person(n: u32) -> Record {
    let mut r = Record::new(Kind::Missing, "intl.example.org", format!("intl-{n}"));
    r.names.push(Name {
        family: Some(format!("Kovalenko{n}")),
        given: Some("Olena".into()),
        ..Name::default()
    });
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_down_for_a_while_then_back_lose_and_double_nothing() {
    let hub = Arc::new(MemoryPartner::new());
    let intl = Arc::new(MemoryPartner::new());
    for n in 0..20 {
        intl.publish(person(n));
    }
    hub.set_down(true);
    intl.set_down(true);
    // The link needs the store, which the gateway opens: start without jobs' partners first,
    // then with them (a reload would do the same in production).
    let text = format!(
        "{HEAD}\
         [[jobs]]\nid = \"tx-inbox\"\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"ncic\"\nschedule = \"*/1 * * * * *\"\n\n\
         [[jobs]]\nid = \"intl-pull\"\ntransport = \"https_pull\"\npartner = \"intl\"\nschedule = \"*/1 * * * * *\"\n[jobs.retry]\nmax_attempts = 2\ninitial_delay_ms = 50\nmax_delay_ms = 100\n\n\
         [[jobs]]\nid = \"hub-push\"\ntransport = \"https_push\"\npartner = \"hub\"\nschedule = \"on change\"\nbatch_size = 4\n[jobs.retry]\nmax_attempts = 2\ninitial_delay_ms = 50\nmax_delay_ms = 100\n"
    );
    let gw =
        start_with_memory_partners(&text, &[("hub", hub.clone()), ("intl", intl.clone())]).await;
    let inbox = gw.path("drop/inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let lines: String = (1..=6).map(ncic_line).collect();
    std::fs::write(inbox.join("batch.ncic"), lines).unwrap();
    assert!(wait_until(10, || gw.store.stats().unwrap().records == 6).await);
    // Both partners are down: the jobs fail, visibly, and keep their cursors.
    assert!(
        wait_until(10, || {
            let v = gw.ops.job_views();
            v.iter()
                .filter(|j| j.id != "tx-inbox")
                .all(|j| j.failures >= 1)
        })
        .await,
        "{:#?}",
        gw.ops.job_views()
    );
    let partners = gw.ops.partner_statuses();
    assert!(partners.iter().all(|p| p.failures >= 1), "{partners:#?}");
    assert!(hub.received().is_empty());
    tokio::time::sleep(Duration::from_millis(500)).await;
    hub.set_down(false);
    intl.set_down(false);
    // The pull comes back on its schedule; the push on the next change, or run now.
    assert_eq!(gw.post("/v1/jobs/hub-push/run").await.status, 202);
    assert!(
        wait_until(15, || {
            gw.store.stats().unwrap().records == 26 && hub.received().len() == 26
        })
        .await,
        "records {}, hub took {}",
        gw.store.stats().unwrap().records,
        hub.received().len()
    );
    // Nothing doubled: one version per record, each record taken once by the hub.
    let summaries: Vec<_> = gw.store.summaries().unwrap().map(|s| s.unwrap()).collect();
    assert!(summaries.iter().all(|s| s.version == 1), "{summaries:?}");
    assert_eq!(gw.store.last_seq().unwrap(), 26);
    assert!(hub.received().values().all(|v| v.len() == 1));
    // A later import is pushed on change, once.
    std::fs::write(inbox.join("more.ncic"), ncic_line(7)).unwrap();
    assert!(wait_until(10, || hub.received().len() == 27).await);
    assert!(hub.received().values().all(|v| v.len() == 1));
    let status = gw.get("/v1/partners").await.json().unwrap();
    let hub_status = status
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "hub")
        .unwrap();
    assert_eq!(
        hub_status["activity"]["last_exchange"]["ok"], true,
        "{status:#}"
    );
    gw.stop().await;
}

/// Starts a gateway whose pull and push jobs reach in-memory partners.
async fn start_with_memory_partners(
    text: &str,
    partners: &[(&str, Arc<MemoryPartner>)],
) -> Gateway {
    // The link is built on the store the gateway opens, so open it here the same way.
    let dir = tempfile::tempdir().unwrap();
    ops::write_tokens(dir.path());
    let config_path = ops::write_config(dir.path(), &with_partners(text, partners));
    let config = homeward_gateway::config::Config::load(&config_path).unwrap();
    let store = Arc::new(
        homeward_store::Store::open(&config.data_dir(None), homeward_store::EngineKind::Redb)
            .unwrap(),
    );
    let link: Arc<dyn PartnerLink> = Arc::new(MemoryLink {
        store: store.clone(),
        partners: partners
            .iter()
            .map(|(id, p)| (id.to_string(), p.clone()))
            .collect(),
        page_size: 7,
    });
    let ops_ = homeward_gateway::operations::Operations::start(
        config,
        store.clone(),
        homeward_gateway::operations::Options {
            config_path: Some(config_path.clone()),
            link: Some(link),
            gateway_id: "state.example.org".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = homeward_gateway::admin::start(ops_.clone(), listener).unwrap();
    let addr = admin.local_addr();
    Gateway {
        dir,
        config_path,
        store,
        ops: ops_,
        admin: Some(admin),
        addr,
    }
}

/// Adds a `[[partners]]` entry for each in-memory partner (real keys, so the registry
/// validates; the memory link does not use them).
fn with_partners(text: &str, partners: &[(&str, Arc<MemoryPartner>)]) -> String {
    let mut out = text.to_string();
    for (id, _) in partners {
        let identity = homeward_exchange::keys::GatewayIdentity::generate(id, 30).unwrap();
        let entry = identity.partner_entry(&format!("https://{id}.example.org:8443"));
        out.push('\n');
        out.push_str(&entry);
    }
    out
}
