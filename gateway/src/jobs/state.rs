//! What a job keeps in the store between runs and restarts (`job/{id}`): a pull job's cursor
//! into the partner's feed, and the last run (so `status` shows it after a restart).

use chrono::{DateTime, Utc};
use homeward_ops::RunOutcome;
use homeward_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// A run as remembered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRun {
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub ok: bool,
    pub summary: String,
    pub items: u64,
    pub failed_items: u64,
}

impl LastRun {
    pub fn outcome(&self) -> RunOutcome {
        RunOutcome {
            ok: self.ok,
            summary: self.summary.clone(),
            items: self.items,
            failed_items: self.failed_items,
        }
    }
}

/// A job's saved state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobState {
    /// Pull jobs: where to ask from next (the partner's cursor, or a PFIF entry date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run: Option<LastRun>,
    #[serde(default)]
    pub runs: u64,
    #[serde(default)]
    pub failures: u64,
}

impl JobState {
    /// The saved state of job `id` (default when none, or unreadable: a job never fails to
    /// start because of its remembered status).
    pub fn load(store: &Store, id: &str) -> Result<Self, StoreError> {
        Ok(store
            .job_state(id)?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default())
    }

    /// Saves it, durably.
    pub fn save(&self, store: &Store, id: &str) -> Result<(), StoreError> {
        let v = serde_json::to_value(self)
            .map_err(|e| StoreError::Invalid(format!("job state of `{id}`: {e}")))?;
        store.set_job_state(id, &v)
    }
}
