//! The gateway's jobs: file-drop imports and exports, pulls from partners and pushes to them,
//! run by `homeward-ops`' [`Scheduler`](homeward_ops::Scheduler) on cron schedules or when the
//! store changes. Configured in `[[jobs]]` ([`config`]).
//!
//! | file | what |
//! |---|---|
//! | `config.rs` | `[[jobs]]` and its checks |
//! | `filedrop.rs` | import the inbox through the pipeline (a poison file goes to `failed/`), write changes to the outbox |
//! | `pull.rs` | pages of a partner's feed into the store, keeping the cursor |
//! | `push.rs` | the change feed to a partner; a record refused for good goes to quarantine |
//! | `link.rs` | the [`PartnerLink`] trait jobs reach partners through, and an in-memory partner |
//! | `runtime.rs` | [`Jobs`]: builds the scheduler from the configuration, wakes on-change jobs, reloads |
//! | `state.rs` | what a job keeps between runs (cursor, last run), in the store |
//!
//! Every run is one item at a time, each with the job's [`RetryPolicy`]: a retriable failure
//! (the store busy, the partner unreachable) is tried again with backoff; after the last
//! attempt a poison item is set aside (quarantine, `failed/`) and the job goes on, while a
//! partner that does not answer ends the run with its cursor unchanged, to resume next time.

pub mod config;
pub mod filedrop;
pub mod link;
pub mod pull;
pub mod push;
pub mod runtime;
pub mod state;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;

use homeward_adapters::{Limits, Registry};
use homeward_ops::{RetryPolicy, RunContext};
use homeward_store::Store;

use crate::admin::metrics::Metrics;
use crate::admin::partners::PartnerActivity;

pub use config::{Direction, Feed, JobConfig, TransportKind};
pub use link::{LinkError, MemoryLink, MemoryPartner, PartnerLink, PullDone, PushDone};
pub use runtime::Jobs;

/// What jobs work with.
#[derive(Clone)]
pub struct JobEnv {
    pub store: Arc<Store>,
    /// The formats, declared layouts included.
    pub registry: Arc<Registry>,
    pub limits: Limits,
    /// Items per durable batch of an import (`[store] batch_size`).
    pub batch_items: usize,
    /// How pull and push jobs reach partners (`None`: such jobs fail with a clear reason).
    pub link: Option<Arc<dyn PartnerLink>>,
    pub metrics: Arc<Metrics>,
    pub partners: Arc<PartnerActivity>,
    /// This gateway's name, written into outgoing files' headers.
    pub sender: String,
    /// Called when the store's change feed moves (the service wakes its pushers with it).
    pub on_change: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// How one item's attempts ended.
#[derive(Debug)]
pub enum Tried<E> {
    /// Failed for good, or every attempt failed: `(last error, attempts)`.
    GaveUp(E, u32),
    /// The gateway is shutting down: the item is left for the next start.
    Stopped,
}

/// Runs `op` with the policy's retries. `op` returns `Err((e, retriable))`; retriable errors
/// are tried again after the policy's delay (with jitter) until the attempts are used up.
/// Shutdown interrupts the wait between attempts.
pub async fn attempt<T, E, F, Fut>(
    policy: &RetryPolicy,
    ctx: &RunContext,
    mut op: F,
) -> Result<T, Tried<E>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, (E, bool)>>,
{
    let mut shutdown = ctx.shutdown.clone();
    let mut n = 1;
    loop {
        match op(n).await {
            Ok(v) => return Ok(v),
            Err((e, retriable)) => {
                if !retriable || !policy.may_retry(n) {
                    return Err(Tried::GaveUp(e, n));
                }
                n += 1;
                let wait = policy.delay(n, fastrand_f64());
                let sleep = tokio::time::sleep(wait);
                tokio::pin!(sleep);
                tokio::select! {
                    _ = &mut sleep => {}
                    stopped = async { shutdown.wait_for(|s| *s).await.is_ok() } => {
                        if stopped {
                            return Err(Tried::Stopped);
                        }
                        // No one can ask for shutdown any more: just wait.
                        sleep.await;
                    }
                }
            }
        }
    }
}

/// A number in [0, 1) for jitter, from the system's random source.
fn fastrand_f64() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether the gateway is shutting down.
pub fn stopping(ctx: &RunContext) -> bool {
    *ctx.shutdown.borrow()
}

/// Runs blocking store work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("a blocking task failed: {e}"))
}
