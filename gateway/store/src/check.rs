//! A full consistency check of a store: what `homeward store check` and the crash tests run.

use std::collections::{BTreeMap, BTreeSet};

use homeward_schemas::{Record, RecordId};
use serde::Serialize;

use crate::confighist::{ConfigVersion, config_digest};
use crate::error::StoreError;
use crate::keys;
use crate::lifecycle::content_digest;
use crate::matches::{DecisionEvent, MatchEntry, Notice, match_key, mrec_key};
use crate::model::{Change, QuarantineItem, VersionEntry};
use crate::store::Store;
use crate::txn::decode;
use homeward_crossmatch::Decision;

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub records: u64,
    pub versions: u64,
    pub changes: u64,
    pub quarantine: u64,
    /// Crossmatch matches, notices and decision-log entries.
    pub matches: u64,
    pub notices: u64,
    pub decision_log: u64,
    /// Versions of the configuration file kept (`cfg/`).
    pub config_versions: u64,
    /// Everything inconsistent; empty when the store is sound.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    /// Reads the whole store and checks that it holds together: every value decodes; every
    /// record has versions 1..=its version, the last equal to it; every record is indexed by
    /// its native id and NIC; the change feed runs 1..=its last number without gaps and names
    /// each (record, version) exactly once; every quarantine item decodes; the crossmatch's
    /// tables and the configuration history hold together.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let snap = self.engine().snapshot()?;
        let mut rep = CheckReport::default();
        let mut problems: Vec<String> = Vec::new();

        let mut records: BTreeMap<RecordId, Record> = BTreeMap::new();
        for kv in snap.scan(keys::REC.as_bytes(), b"")? {
            let (k, v) = kv?;
            let k = String::from_utf8_lossy(&k).into_owned();
            match decode::<Record>(&k, &v) {
                Ok(r) => {
                    if keys::rec(&r.id) != k {
                        problems.push(format!(
                            "record under `{}` says it is {}",
                            k.escape_default(),
                            r.id
                        ));
                    }
                    records.insert(r.id.clone(), r);
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        rep.records = records.len() as u64;

        for (id, r) in &records {
            let mut versions: Vec<VersionEntry> = Vec::new();
            for kv in snap.scan(keys::ver_prefix(id).as_bytes(), b"")? {
                let (k, v) = kv?;
                match decode::<VersionEntry>(&String::from_utf8_lossy(&k), &v) {
                    Ok(e) => versions.push(e),
                    Err(e) => problems.push(e.to_string()),
                }
            }
            rep.versions += versions.len() as u64;
            let numbers: Vec<u64> = versions.iter().map(|v| v.version).collect();
            if numbers != (1..=r.version).collect::<Vec<_>>() {
                problems.push(format!(
                    "{id}: version {} but history holds {numbers:?}",
                    r.version
                ));
            }
            for v in versions.iter().rev().skip(1) {
                if v.record.is_none() && v.purged_at.is_none() {
                    problems.push(format!("{id}: version {} lost its snapshot", v.version));
                }
            }
            if let Some(last) = versions.last()
                && last.content_digest != content_digest(r)
            {
                problems.push(format!("{id}: record differs from its last version"));
            }
            let mut lookups = vec![id.native_id.clone()];
            lookups.extend(r.nic.clone().filter(|n| !n.is_empty()));
            for l in lookups {
                if snap.get(keys::idx(&l, id).as_bytes())?.is_none() {
                    problems.push(format!("{id}: not indexed under {l}"));
                }
            }
        }

        let last_seq: u64 = match snap.get(keys::META_SEQ.as_bytes())? {
            Some(b) => decode(keys::META_SEQ, &b)?,
            None => 0,
        };
        let mut expected = 1u64;
        let mut seen: BTreeSet<(RecordId, u64)> = BTreeSet::new();
        for kv in snap.scan(keys::CHG.as_bytes(), b"")? {
            let (k, v) = kv?;
            let c: Change = match decode(&String::from_utf8_lossy(&k), &v) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(e.to_string());
                    continue;
                }
            };
            if c.seq != expected {
                problems.push(format!("change feed: expected {expected}, found {}", c.seq));
            }
            expected = c.seq + 1;
            if !seen.insert((c.record.clone(), c.version)) {
                problems.push(format!(
                    "change feed: {} version {} appears twice",
                    c.record, c.version
                ));
            }
            match records.get(&c.record) {
                Some(r) if c.version <= r.version => {}
                _ => problems.push(format!(
                    "change {} names {} version {}, which is not stored",
                    c.seq, c.record, c.version
                )),
            }
            rep.changes += 1;
        }
        if rep.changes != last_seq {
            problems.push(format!(
                "change feed holds {} entries but its counter is {last_seq}",
                rep.changes
            ));
        }
        if rep.versions != rep.changes {
            problems.push(format!(
                "{} versions but {} changes: every version is one change",
                rep.versions, rep.changes
            ));
        }

        for kv in snap.scan(keys::QUAR.as_bytes(), b"")? {
            let (k, v) = kv?;
            match decode::<QuarantineItem>(&String::from_utf8_lossy(&k), &v) {
                Ok(_) => rep.quarantine += 1,
                Err(e) => problems.push(e.to_string()),
            }
        }
        // the crossmatch's tables: every value decodes, every match is indexed under both of
        // its records, every notice names a stored match, the decision log has no gaps
        for kv in snap.scan(keys::MATCH.as_bytes(), b"")? {
            let (k, v) = kv?;
            match decode::<MatchEntry>(&String::from_utf8_lossy(&k), &v) {
                Ok(m) => {
                    rep.matches += 1;
                    for id in [&m.pair.left, &m.pair.right] {
                        if snap.get(mrec_key(id, &m.pair).as_bytes())?.is_none() {
                            problems.push(format!(
                                "match {} / {}: not indexed under {id}",
                                m.pair.left, m.pair.right
                            ));
                        }
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        for kv in snap.scan(keys::NOTICE.as_bytes(), b"")? {
            let (k, v) = kv?;
            match decode::<Notice>(&String::from_utf8_lossy(&k), &v) {
                Ok(n) => {
                    rep.notices += 1;
                    if snap.get(match_key(&n.pair).as_bytes())?.is_none() {
                        problems.push(format!(
                            "notice of {} for {} / {}: no such match",
                            n.agency, n.pair.left, n.pair.right
                        ));
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        for kv in snap.scan(keys::DEC.as_bytes(), b"")? {
            let (k, v) = kv?;
            if let Err(e) = decode::<Decision>(&String::from_utf8_lossy(&k), &v) {
                problems.push(e.to_string());
            }
        }
        let dseq: u64 = match snap.get(keys::META_DSEQ.as_bytes())? {
            Some(b) => decode(keys::META_DSEQ, &b)?,
            None => 0,
        };
        for kv in snap.scan(keys::DLOG.as_bytes(), b"")? {
            let (k, v) = kv?;
            match decode::<DecisionEvent>(&String::from_utf8_lossy(&k), &v) {
                Ok(e) => {
                    rep.decision_log += 1;
                    if e.seq != rep.decision_log {
                        problems.push(format!(
                            "decision log: expected {}, found {}",
                            rep.decision_log, e.seq
                        ));
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        if rep.decision_log != dseq {
            problems.push(format!(
                "decision log holds {} entries but its counter is {dseq}",
                rep.decision_log
            ));
        }
        // the configuration history: numbered 1.. without gaps, each text matching its digest
        // and length, the counter at the last
        let cseq: u64 = match snap.get(keys::META_CSEQ.as_bytes())? {
            Some(b) => decode(keys::META_CSEQ, &b)?,
            None => 0,
        };
        for kv in snap.scan(keys::CFG.as_bytes(), b"")? {
            let (k, v) = kv?;
            match decode::<ConfigVersion>(&String::from_utf8_lossy(&k), &v) {
                Ok(c) => {
                    rep.config_versions += 1;
                    if c.n != rep.config_versions {
                        problems.push(format!(
                            "configuration history: expected version {}, found {}",
                            rep.config_versions, c.n
                        ));
                    }
                    if c.digest != config_digest(&c.text) || c.bytes != c.text.len() as u64 {
                        problems.push(format!(
                            "configuration history: version {} does not match its digest or length",
                            c.n
                        ));
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        if rep.config_versions != cseq {
            problems.push(format!(
                "configuration history holds {} versions but its counter is {cseq}",
                rep.config_versions
            ));
        }
        rep.problems = problems;
        Ok(rep)
    }
}
