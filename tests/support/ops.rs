//! A gateway's operations layer started in the test process: a store in a temp dir, a
//! configuration file, admin tokens, the jobs and the admin API on a loopback port.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use homeward_gateway::admin::client::{AdminClient, Answer};
use homeward_gateway::admin::{RunningAdmin, start};
use homeward_gateway::config::Config;
use homeward_gateway::jobs::PartnerLink;
use homeward_gateway::operations::{Operations, Options};
use homeward_store::{EngineKind, Store};

pub const TOKEN: &str = "test-token-0123456789abcdefghijklmnopqrstuvwxyz";
pub const OTHER_TOKEN: &str = "ci-token-zyxwvutsrqponmlkjihgfedcba9876543210";

pub struct Gateway {
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
    pub store: Arc<Store>,
    pub ops: Arc<Operations>,
    pub admin: Option<RunningAdmin>,
    pub addr: std::net::SocketAddr,
}

/// An NCIC missing-person entry with NIC `M{n:09}`.
pub fn ncic_line(n: u32) -> String {
    format!(
        "1N01HEADER.EMO.TX1234500.NIC/M{n:09}.OCA/{n}-A.NAM/DOE, JANE.SEX/F.RAC/W.DOB/19900101.HGT/504.WGT/120.EYE/BRO.HAI/BRO.MNP/MP.DLC/20250101.LOC/AUSTIN, TX\n"
    )
}

/// Writes `text` as the configuration (with `{dir}` replaced by the gateway's directory).
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("homeward.toml");
    std::fs::write(&p, text.replace("{dir}", &dir.display().to_string())).unwrap();
    p
}

pub fn write_tokens(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("admin-tokens");
    std::fs::write(&p, format!("# test\nops {TOKEN}\nci {OTHER_TOKEN}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The `[store]` and `[admin]` sections every test configuration starts with.
pub const HEAD: &str = "[store]\nengine = \"redb\"\npath = \"{dir}/data\"\n\n[admin]\nlisten = \"127.0.0.1:0\"\ntoken_file = \"admin-tokens\"\n\n";

impl Gateway {
    /// Starts the operations layer of the configuration `text` (see [`write_config`]).
    pub async fn start(text: &str, link: Option<Arc<dyn PartnerLink>>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_tokens(dir.path());
        let config_path = write_config(dir.path(), text);
        let config = Config::load(&config_path).unwrap();
        let store = Arc::new(Store::open(&config.data_dir(None), EngineKind::Redb).unwrap());
        let ops = Operations::start(
            config,
            store.clone(),
            Options {
                config_path: Some(config_path.clone()),
                link,
                gateway_id: "test.gateway".into(),
                ..Options::default()
            },
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin = start(ops.clone(), listener).unwrap();
        let addr = admin.local_addr();
        Self {
            dir,
            config_path,
            store,
            ops,
            admin: Some(admin),
            addr,
        }
    }

    pub fn client(&self) -> AdminClient {
        AdminClient::new(self.addr, Some(TOKEN.into()))
    }

    pub fn anonymous(&self) -> AdminClient {
        AdminClient::new(self.addr, None)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.client().get(path).await.unwrap()
    }

    pub async fn post(&self, path: &str) -> Answer {
        self.client().post(path).await.unwrap()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub async fn stop(mut self) {
        if let Some(a) = self.admin.take() {
            a.shutdown().await.unwrap();
        }
        self.ops.shutdown().await;
    }
}

/// Waits (up to `secs`) until `f` is true.
pub async fn wait_until(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(secs) {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f()
}
