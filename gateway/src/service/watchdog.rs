//! The store watchdog: a gateway whose store can no longer commit stops itself, so that its
//! supervisor (systemd's `Restart=on-failure`, a container runtime) starts it again.
//!
//! Both engines keep an I/O error once they have hit one (a full disk: sled returns it on
//! every later write; redb asks to be closed and reopened), and the store is shared by every
//! part of a running gateway, so it cannot be reopened in place. While the disk is still full
//! the gateway keeps running and answers every push with a clear, retriable 503 (senders keep
//! their batches). Once the data directory has room again ([`FREE_SPACE_NEEDED`]) the watchdog
//! tries a small write; if that still fails, the gateway shuts down gracefully and `homeward
//! serve` exits with [`EXIT_STORE_FAILED`]. The restart reopens the store, which then commits
//! (tests/faults.rs, the full-disk test). If the probe succeeds, the engine recovered and
//! nothing happens.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use homeward_store::Store;

use super::Stop;
use crate::jobs::blocking;

/// `homeward serve`'s exit status when it stopped because the store could not commit
/// (EX_TEMPFAIL: the supervisor should start it again).
pub const EXIT_STORE_FAILED: u8 = 75;
/// Free space the data directory needs before the watchdog judges the store (16 MiB).
pub const FREE_SPACE_NEEDED: u64 = 16 * 1024 * 1024;
/// How often the watchdog looks.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// Free bytes where `dir` is (0 when it cannot be told).
fn free_space(dir: &std::path::Path) -> u64 {
    fs2::available_space(dir).unwrap_or(0)
}

/// Watches `store` until the gateway stops (`None`) or the store cannot commit although the
/// disk has room (`Some(why)`).
pub async fn watch(store: Arc<Store>, data_dir: PathBuf, mut stop: Stop) -> Option<String> {
    loop {
        tokio::select! {
            _ = stop.stopped() => return None,
            _ = tokio::time::sleep(INTERVAL) => {}
        }
        let health = store.write_health();
        if health.consecutive_failures == 0 {
            continue;
        }
        let free = free_space(&data_dir);
        if free < FREE_SPACE_NEEDED {
            tracing::warn!(
                free_bytes = free,
                failures = health.consecutive_failures,
                "the store cannot commit and {} has {free} bytes free: pushes are answered 503 until there is room",
                data_dir.display()
            );
            continue;
        }
        let s = store.clone();
        match blocking(move || s.probe_write()).await {
            Ok(Ok(())) => {
                tracing::info!("the store commits again");
            }
            Ok(Err(e)) => {
                return Some(format!(
                    "the store still cannot commit although {} has room again ({e}); the gateway stops so that it is started again with its store reopened",
                    data_dir.display()
                ));
            }
            Err(e) => tracing::warn!("store probe: {e}"),
        }
    }
}
