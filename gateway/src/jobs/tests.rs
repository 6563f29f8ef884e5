use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use homeward_ops::{Job, RunContext, TokioClock};
use homeward_schemas::{Kind, Name, Record};
use homeward_store::{EngineKind, Origin, Store};
use tokio::sync::watch;

use super::*;
use crate::config::Config;

fn ncic_line(n: u32) -> String {
    format!(
        "1N01HEADER.EMO.TX1234500.NIC/M{n:09}.OCA/{n}-A.NAM/DOE, JANE.SEX/F.RAC/W.DOB/19900101.HGT/504.WGT/120.EYE/BRO.HAI/BRO.MNP/MP.DLC/20250101.LOC/AUSTIN, TX\n"
    )
}

fn env(store: Arc<Store>, link: Option<Arc<dyn PartnerLink>>) -> JobEnv {
    JobEnv {
        store,
        registry: Arc::new(homeward_adapters::Registry::builtin()),
        limits: homeward_adapters::Limits::default(),
        batch_items: 100,
        link,
        metrics: Arc::new(crate::admin::metrics::Metrics::new()),
        partners: Arc::new(crate::admin::partners::PartnerActivity::new()),
        sender: "test-gateway".into(),
        on_change: None,
    }
}

/// One `[[jobs]]` entry, as written (without the configuration's cross-checks).
fn job(toml: &str) -> JobConfig {
    #[derive(serde::Deserialize)]
    struct Jobs {
        jobs: Vec<JobConfig>,
    }
    let jobs: Jobs = toml::from_str(toml).unwrap();
    jobs.jobs.into_iter().next().unwrap()
}

fn ctx() -> (watch::Sender<bool>, RunContext) {
    let (tx, rx) = watch::channel(false);
    (
        tx,
        RunContext {
            job: "t".into(),
            scheduled_for: Utc::now(),
            shutdown: rx,
        },
    )
}

fn fast_retry() -> &'static str {
    "[jobs.retry]\nmax_attempts = 3\ninitial_delay_ms = 1\nmax_delay_ms = 2\njitter = 0.0\n"
}

fn open_store() -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("data"), EngineKind::Redb).unwrap());
    (dir, store)
}

#[tokio::test]
async fn file_drop_imports_moves_and_sets_a_poison_file_aside() {
    let (dir, store) = open_store();
    let drop_dir = dir.path().join("drop");
    let j = job(&format!(
        "[[jobs]]\nid = \"tx\"\ntransport = \"file_drop\"\ndir = \"{}\"\nformat = \"auto\"\nschedule = \"0 * * * * *\"\n{}",
        drop_dir.display(),
        fast_retry()
    ));
    let d = homeward_ops::FileDrop::open(&drop_dir).unwrap();
    let inbox = d.dir("inbox");
    std::fs::write(
        inbox.join("a.ncic"),
        format!("{}{}", ncic_line(1), ncic_line(2)),
    )
    .unwrap();
    // A file whose format cannot be told: poison, set aside whole.
    std::fs::write(inbox.join("b.txt"), "this is not a record at all\n").unwrap();
    // Half good: imported, its bad line in quarantine, the file done.
    std::fs::write(
        inbox.join("c.ncic"),
        format!("{}1N01HEADER.EMO.TX1234500.NIC/BROKEN\n", ncic_line(3)),
    )
    .unwrap();
    std::fs::write(inbox.join("d.ncic.part"), ncic_line(4)).unwrap();
    let job = filedrop::DropIn {
        job: j,
        dir: drop_dir.clone(),
        env: env(store.clone(), None),
    };
    let (_tx, c) = ctx();
    let out = job.run(c).await;
    assert!(out.ok, "{}", out.summary);
    assert_eq!((out.items, out.failed_items), (3, 1), "{}", out.summary);
    let names = |sub: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(drop_dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("done"), vec!["a.ncic", "c.ncic"]);
    assert_eq!(names("failed"), vec!["b.txt", "b.txt.reason.txt"]);
    assert_eq!(names("inbox"), vec!["d.ncic.part"], "partial uploads wait");
    assert!(names("processing").is_empty());
    let reason = std::fs::read_to_string(drop_dir.join("failed/b.txt.reason.txt")).unwrap();
    assert!(reason.contains("cannot tell its format"), "{reason}");
    assert_eq!(store.stats().unwrap().records, 3);
    let q = store.quarantine_list().unwrap();
    assert_eq!(q.len(), 2, "the unreadable file's head and the broken line");
    assert!(q.iter().any(|i| i.raw.starts_with(b"this is not")));
    // Dropping the same file again changes nothing.
    std::fs::write(
        inbox.join("a.ncic"),
        format!("{}{}", ncic_line(1), ncic_line(2)),
    )
    .unwrap();
    let (_tx, c) = ctx();
    let out = job.run(c).await;
    assert!(out.ok);
    assert_eq!(store.stats().unwrap().records, 3);
    assert_eq!(store.last_seq().unwrap(), 3);
    assert!(
        names("done").iter().any(|n| n.starts_with("a.ncic.")),
        "kept beside the first"
    );
}

#[tokio::test]
async fn a_file_whose_every_item_is_refused_goes_to_failed() {
    let (dir, store) = open_store();
    let drop_dir = dir.path().join("drop");
    let j = job(&format!(
        "[[jobs]]\nid = \"tx\"\ntransport = \"file_drop\"\ndir = \"{}\"\nformat = \"ncic\"\nschedule = \"0 * * * * *\"\n",
        drop_dir.display()
    ));
    let d = homeward_ops::FileDrop::open(&drop_dir).unwrap();
    std::fs::write(d.dir("inbox").join("x.ncic"), "garbage\nmore garbage\n").unwrap();
    std::fs::write(d.dir("inbox").join("y.ncic"), ncic_line(7)).unwrap();
    let job = filedrop::DropIn {
        job: j,
        dir: drop_dir.clone(),
        env: env(store.clone(), None),
    };
    let (_tx, c) = ctx();
    let out = job.run(c).await;
    assert_eq!(out.failed_items, 1, "{}", out.summary);
    let reason = std::fs::read_to_string(drop_dir.join("failed/x.ncic.reason.txt")).unwrap();
    assert!(reason.contains("every item (2) was refused"), "{reason}");
    assert!(
        drop_dir.join("done/y.ncic").exists(),
        "the next file went on"
    );
    assert_eq!(store.quarantine_list().unwrap().len(), 2);
}

#[tokio::test]
async fn files_left_in_processing_are_imported_first() {
    let (dir, store) = open_store();
    let drop_dir = dir.path().join("drop");
    let d = homeward_ops::FileDrop::open(&drop_dir).unwrap();
    std::fs::write(d.dir("processing").join("left.ncic"), ncic_line(9)).unwrap();
    let job = filedrop::DropIn {
        job: job(&format!(
            "[[jobs]]\nid = \"tx\"\ntransport = \"file_drop\"\ndir = \"{}\"\nformat = \"ncic\"\nschedule = \"0 * * * * *\"\n",
            drop_dir.display()
        )),
        dir: drop_dir.clone(),
        env: env(store.clone(), None),
    };
    let (_tx, c) = ctx();
    assert!(job.run(c).await.ok);
    assert!(drop_dir.join("done/left.ncic").exists());
    assert_eq!(store.stats().unwrap().records, 1);
}

fn person(n: u32) -> Record {
    let mut r = Record::new(Kind::Missing, "intl.example.org", format!("p{n}"));
    r.names.push(Name {
        family: Some(format!("Family{n}")),
        given: Some("Ana".into()),
        ..Name::default()
    });
    r
}

fn memory_link(store: &Arc<Store>, id: &str, partner: &Arc<MemoryPartner>) -> Arc<dyn PartnerLink> {
    Arc::new(MemoryLink {
        store: store.clone(),
        partners: [(id.to_string(), partner.clone())].into_iter().collect(),
        page_size: 10,
    })
}

#[tokio::test]
async fn a_partner_down_then_back_loses_and_doubles_nothing_on_pull() {
    let (_dir, store) = open_store();
    let partner = Arc::new(MemoryPartner::new());
    for n in 0..25 {
        partner.publish(person(n));
    }
    let j = job(&format!(
        "[[jobs]]\nid = \"pull\"\ntransport = \"https_pull\"\npartner = \"intl\"\nschedule = \"0 * * * * *\"\n{}",
        fast_retry()
    ));
    let e = env(store.clone(), Some(memory_link(&store, "intl", &partner)));
    let pull = pull::Pull {
        job: j,
        env: e.clone(),
    };
    partner.set_down(true);
    let (_tx, c) = ctx();
    let out = pull.run(c).await;
    assert!(!out.ok);
    assert!(
        out.summary.contains("unreachable after 3 attempt(s)"),
        "{}",
        out.summary
    );
    assert_eq!(partner.calls(), (3, 3));
    assert_eq!(store.stats().unwrap().records, 0);
    partner.set_down(false);
    let (_tx, c) = ctx();
    let out = pull.run(c).await;
    assert!(out.ok, "{}", out.summary);
    assert!(
        out.summary.starts_with("3 page(s) from intl: 25 item(s)"),
        "{}",
        out.summary
    );
    assert_eq!(store.stats().unwrap().records, 25);
    for n in 25..30 {
        partner.publish(person(n));
    }
    let (_tx, c) = ctx();
    assert!(pull.run(c).await.ok);
    assert_eq!(store.stats().unwrap().records, 30);
    assert_eq!(
        store.last_seq().unwrap(),
        30,
        "one version each: nothing doubled"
    );
    let statuses = e.partners.statuses(&["intl".into()]);
    assert_eq!(statuses[0].failures, 1);
    assert_eq!(statuses[0].records_in, 30);
}

#[tokio::test]
async fn a_push_resumes_after_an_outage_and_quarantines_a_poison_record() {
    let (_dir, store) = open_store();
    let input = homeward_store::InputContext::file("seed", "canonical");
    let items: Vec<_> = (0..12)
        .map(|n| {
            homeward_adapters::ReadItem::entry(
                person(n),
                Default::default(),
                format!("{n}").into_bytes(),
            )
        })
        .collect();
    store.apply_batch(&items, &input).unwrap();
    let partner = Arc::new(MemoryPartner::new());
    partner.refuse("p7");
    let link = memory_link(&store, "hub", &partner);
    let push = push::Push {
        job: job(&format!(
            "[[jobs]]\nid = \"push\"\ntransport = \"https_push\"\npartner = \"hub\"\nschedule = \"on change\"\nbatch_size = 5\n{}",
            fast_retry()
        )),
        env: env(store.clone(), Some(link.clone())),
    };
    partner.set_down(true);
    let (_tx, c) = ctx();
    let out = push.run(c).await;
    assert!(
        !out.ok && out.summary.contains("unreachable"),
        "{}",
        out.summary
    );
    assert_eq!(
        store.cursor("push:hub").unwrap(),
        0,
        "the cursor did not move"
    );
    partner.set_down(false);
    let (_tx, c) = ctx();
    let out = push.run(c).await;
    assert!(out.ok, "{}", out.summary);
    assert_eq!(out.failed_items, 1, "{}", out.summary);
    let got = partner.received();
    assert_eq!(got.len(), 11, "all but the poison record");
    assert!(got.values().all(|v| v.len() == 1), "each taken once");
    assert_eq!(store.cursor("push:hub").unwrap(), 12);
    let q = store.quarantine_list().unwrap();
    assert_eq!(q.len(), 1);
    assert!(
        q[0].reason.contains("p7") && q[0].reason.contains("403"),
        "{}",
        q[0].reason
    );
    assert!(
        matches!(&q[0].origin, Origin::Internal(o) if push::parse_quarantine_origin(o) == Some(("push", "hub")))
    );
    // A change to a pushed record goes out once more; nothing else is sent again.
    let mut changed = person(3);
    changed.names[0].given = Some("Ana Maria".into());
    store
        .apply_one(
            &homeward_adapters::ReadItem::entry(changed, Default::default(), b"changed".to_vec()),
            &input,
        )
        .unwrap();
    let (_tx, c) = ctx();
    assert!(push.run(c).await.ok);
    let got = partner.received();
    assert_eq!(got.values().map(Vec::len).sum::<usize>(), 12);
}

#[tokio::test]
async fn outgoing_files_appear_whole_in_the_outbox() {
    let (dir, store) = open_store();
    let input = homeward_store::InputContext::file("seed", "canonical");
    let items: Vec<_> = (0..3)
        .map(|n| {
            homeward_adapters::ReadItem::entry(
                person(n),
                Default::default(),
                format!("{n}").into_bytes(),
            )
        })
        .collect();
    store.apply_batch(&items, &input).unwrap();
    let drop_dir = dir.path().join("out");
    let job = filedrop::DropOut {
        job: job(&format!(
            "[[jobs]]\nid = \"export\"\ntransport = \"file_drop\"\ndirection = \"out\"\ndir = \"{}\"\nformat = \"pfif\"\nschedule = \"on change\"\n",
            drop_dir.display()
        )),
        dir: drop_dir.clone(),
        env: env(store.clone(), None),
    };
    let (_tx, c) = ctx();
    let out = job.run(c).await;
    assert!(out.ok, "{}", out.summary);
    let files: Vec<_> = std::fs::read_dir(drop_dir.join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(
        files[0].ends_with("export-0000000001-0000000003.xml"),
        "{files:?}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("Family2"));
    let (_tx, c) = ctx();
    assert!(job.run(c).await.summary.starts_with("0 file(s)"));
}

#[tokio::test(start_paused = true)]
async fn a_cron_job_fires_on_time_and_its_status_is_remembered() {
    let (dir, store) = open_store();
    let drop_dir = dir.path().join("drop");
    std::fs::create_dir_all(&drop_dir).unwrap();
    let config = Config::parse(&format!(
        "[[jobs]]\nid = \"tx\"\ntransport = \"file_drop\"\ndir = \"{}\"\nformat = \"ncic\"\nschedule = \"*/20 * * * * *\"\ntime_zone = \"America/Chicago\"\n\
         [[jobs]]\nid = \"off\"\ntransport = \"file_drop\"\ndir = \"{}\"\nformat = \"ncic\"\nschedule = \"0 * * * * *\"\nenabled = false\n",
        drop_dir.display(),
        drop_dir.display()
    ))
    .unwrap();
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 5).unwrap();
    let clock = Arc::new(TokioClock::starting_at(base));
    let e = env(store.clone(), None);
    let jobs = runtime::Jobs::start(&config, e.clone(), clock)
        .await
        .unwrap();
    let views = jobs.views();
    assert_eq!(
        views[0].next_run,
        Some(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 20).unwrap())
    );
    assert_eq!(views[1].next_run, None, "disabled");
    assert!(!jobs.run_now("off"));
    // Let the schedule fire twice (:20 and :40); runs do real file work, so give them
    // real time too.
    for _ in 0..40 {
        tokio::time::advance(Duration::from_secs(1)).await;
        tokio::task::yield_now().await;
        if jobs.views()[0].runs >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let wait_runs = |n: u64| {
        let jobs = jobs.clone();
        async move {
            for _ in 0..2000 {
                if jobs.views()[0].runs >= n && !jobs.views()[0].running {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    wait_runs(2).await;
    let v = &jobs.views()[0];
    assert!(v.runs >= 2, "ran {} times", v.runs);
    assert!(v.last_outcome.as_ref().is_some_and(|o| o.ok));
    assert_eq!(
        e.metrics.get(
            "homeward_job_runs_total",
            &[("job", "tx"), ("outcome", "ok")]
        ),
        Some(v.runs as f64)
    );
    jobs.shutdown().await;
    let saved = state::JobState::load(&store, "tx").unwrap();
    assert_eq!(saved.runs, v.runs);
    // A new start shows the remembered runs.
    let clock = Arc::new(TokioClock::starting_at(base));
    let again = runtime::Jobs::start(&config, e, clock).await.unwrap();
    assert_eq!(again.views()[0].runs, saved.runs);
    again.shutdown().await;
}
