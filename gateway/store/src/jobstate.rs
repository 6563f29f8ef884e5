//! State that scheduled jobs keep between runs and restarts (`job/{id}`): a pull job's cursor
//! into a partner's feed, a job's last run. The value is the gateway's own JSON; the store
//! only keeps it durably.

use crate::error::StoreError;
use crate::keys;
use crate::store::Store;
use crate::txn::decode;

impl Store {
    /// The state job `id` saved last, if any.
    pub fn job_state(&self, id: &str) -> Result<Option<serde_json::Value>, StoreError> {
        check(id)?;
        let key = keys::job(id);
        self.engine()
            .get(key.as_bytes())?
            .map(|b| decode(&key, &b))
            .transpose()
    }

    /// Saves job `id`'s state, durably.
    pub fn set_job_state(&self, id: &str, state: &serde_json::Value) -> Result<(), StoreError> {
        check(id)?;
        self.write(|tx| tx.put(keys::job(id), state))
    }

    /// Every job that saved state, with it.
    pub fn job_states(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.engine().scan_prefix(keys::JOB.as_bytes())? {
            let (k, v) = kv?;
            let k = String::from_utf8_lossy(&k).into_owned();
            let value = decode(&k, &v)?;
            out.push((k[keys::JOB.len()..].to_string(), value));
        }
        Ok(out)
    }
}

fn check(id: &str) -> Result<(), StoreError> {
    if id.is_empty() || !keys::valid_part(id) {
        return Err(StoreError::Invalid(format!(
            "`{}` is not a job id",
            id.escape_default()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineKind;

    #[test]
    fn job_state_is_kept_across_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), EngineKind::Redb).unwrap();
            assert_eq!(store.job_state("hub-pull").unwrap(), None);
            store
                .set_job_state("hub-pull", &serde_json::json!({"cursor": "41"}))
                .unwrap();
            store
                .set_job_state("hub-pull", &serde_json::json!({"cursor": "42"}))
                .unwrap();
            store
                .set_job_state("a", &serde_json::json!({"cursor": null}))
                .unwrap();
            assert!(store.set_job_state("", &serde_json::json!(1)).is_err());
        }
        let store = Store::open(dir.path(), EngineKind::Redb).unwrap();
        assert_eq!(
            store.job_state("hub-pull").unwrap(),
            Some(serde_json::json!({"cursor": "42"}))
        );
        let all = store.job_states().unwrap();
        assert_eq!(
            all.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            vec!["a", "hub-pull"]
        );
    }
}
