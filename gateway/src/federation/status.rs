//! What each pusher and puller did last (for logs, the admin API and `homeward status`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The last runs of one sync task (`push hub.example`, `pull intl.example changes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub task: String,
    pub runs: u64,
    pub last_run: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// The error of the last run, if it failed.
    pub last_error: Option<String>,
    /// Items sent or applied, over all runs.
    pub items: u64,
}

/// Every sync task's status, shared.
#[derive(Debug, Clone, Default)]
pub struct SyncStatuses(Arc<Mutex<BTreeMap<String, SyncStatus>>>);

impl SyncStatuses {
    /// Records a run of `task` at `at`: `Ok(items)` or the error.
    pub fn record(&self, task: &str, at: DateTime<Utc>, result: Result<u64, String>) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let s = m.entry(task.to_string()).or_insert_with(|| SyncStatus {
            task: task.to_string(),
            ..SyncStatus::default()
        });
        s.runs += 1;
        s.last_run = Some(at);
        match result {
            Ok(n) => {
                s.items += n;
                s.last_success = Some(at);
                s.last_error = None;
            }
            Err(e) => s.last_error = Some(e),
        }
    }

    /// Every task, by name.
    pub fn all(&self) -> Vec<SyncStatus> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    pub fn get(&self, task: &str) -> Option<SyncStatus> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(task)
            .cloned()
    }
}
