//! Applies entries and transactions in memory, in order, for runs that work from files
//! rather than the store: the records as they stand after every modify, cancel, locate,
//! clear, note and expiry, so closed cases are known to be closed.
//!
//! The store applies the same transactions durably (with versions and quarantine); this is
//! the minimum a file-driven crossmatch needs.

use homeward_schemas::{
    Action, Kind, NoteStatus, Record, RecordId, Status, StatusEvent, StatusReason, Transaction,
};
use rustc_hash::FxHashMap;

/// Why a transaction could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("{action} names {target}, which is not held")]
    UnknownTarget {
        action: &'static str,
        target: String,
    },
    #[error("{action} names {target}, which several sources hold")]
    Ambiguous {
        action: &'static str,
        target: String,
    },
    #[error("modify of {target}: {reason}")]
    Patch { target: String, reason: String },
}

/// Records by identity, with transactions applied.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    records: Vec<Record>,
    by_id: FxHashMap<RecordId, usize>,
    by_native: FxHashMap<String, Vec<usize>>,
}

impl Replay {
    pub fn new() -> Self {
        Self::default()
    }

    /// An entry: a new record, or a new version of one held (it replaces it).
    pub fn entry(&mut self, record: Record) {
        match self.by_id.get(&record.id) {
            Some(&i) => self.records[i] = record,
            None => {
                let i = self.records.len();
                self.by_id.insert(record.id.clone(), i);
                self.by_native
                    .entry(record.id.native_id.clone())
                    .or_default()
                    .push(i);
                self.records.push(record);
            }
        }
    }

    fn resolve(&self, t: &Transaction) -> Result<usize, ReplayError> {
        let id = RecordId::new(&t.target.source, &t.target.native_id);
        if let Some(&i) = self.by_id.get(&id) {
            return Ok(i);
        }
        // an NCIC number names one record whoever sends the transaction
        match self.by_native.get(&t.target.native_id).map(Vec::as_slice) {
            Some([i]) => Ok(*i),
            Some([_, _, ..]) => Err(ReplayError::Ambiguous {
                action: t.action.name(),
                target: id.to_string(),
            }),
            _ => Err(ReplayError::UnknownTarget {
                action: t.action.name(),
                target: id.to_string(),
            }),
        }
    }

    /// Applies a transaction to the record it names.
    pub fn transaction(&mut self, t: &Transaction) -> Result<(), ReplayError> {
        let i = self.resolve(t)?;
        let r = &mut self.records[i];
        let step = |r: &mut Record, status: Status| {
            r.status = status;
            r.status_history.push(StatusEvent {
                status,
                date: t.date,
                applied_at: None,
                reason: t.reason,
                by: t.by.clone(),
                note_record_id: None,
            });
        };
        match &t.action {
            Action::Modify { patch, full } => {
                let merged = if *full {
                    let mut m = (**patch).clone();
                    m.id = r.id.clone();
                    m.kind = r.kind;
                    m.status = r.status;
                    m.status_history = r.status_history.clone();
                    m
                } else {
                    merge(r, patch).map_err(|reason| ReplayError::Patch {
                        target: r.id.to_string(),
                        reason,
                    })?
                };
                *r = merged;
            }
            Action::Cancel => step(r, Status::Cancelled),
            Action::Locate => step(r, Status::Located),
            Action::Clear { identified_as, .. } => {
                if r.kind == Kind::Missing {
                    step(r, Status::Cleared)
                } else {
                    r.identified_as = identified_as.clone().or(r.identified_as.take());
                    step(r, Status::Identified)
                }
            }
            Action::Note { note } => {
                r.notes.push((**note).clone());
                let located = note.status == Some(NoteStatus::BelievedAlive)
                    && note.author_made_contact == Some(true);
                if located && r.status == Status::Active {
                    r.status = Status::Located;
                    r.status_history.push(StatusEvent {
                        status: Status::Located,
                        date: None,
                        applied_at: None,
                        reason: Some(StatusReason::Located),
                        by: note.author_name.clone(),
                        note_record_id: Some(note.note_record_id.clone()),
                    });
                }
            }
            Action::Expire { expiry_date } => {
                r.strip_personal_data();
                r.expiry_date = Some(*expiry_date);
                step(r, Status::Expired);
            }
        }
        Ok(())
    }

    /// The records as they now stand, in the order first seen.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// A partial modify: every field the patch carries replaces the record's (identity, kind,
/// status and history are kept).
fn merge(base: &Record, patch: &Record) -> Result<Record, String> {
    let mut b = serde_json::to_value(base).map_err(|e| e.to_string())?;
    let p = serde_json::to_value(patch).map_err(|e| e.to_string())?;
    let (Some(bo), Some(po)) = (b.as_object_mut(), p.as_object()) else {
        return Err("records are not objects".into());
    };
    const KEEP: &[&str] = &[
        "schema_version",
        "kind",
        "id",
        "status",
        "status_history",
        "version",
        "format",
        "agency",
        "received_at",
    ];
    for (k, v) in po {
        if KEEP.contains(&k.as_str()) || v.is_null() {
            continue;
        }
        bo.insert(k.clone(), v.clone());
    }
    serde_json::from_value(b).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeward_schemas::{Note, PartialDate, Range, TargetRef};

    fn tx(source: &str, id: &str, action: Action) -> Transaction {
        Transaction {
            target: TargetRef {
                source: source.into(),
                native_id: id.into(),
                ..TargetRef::default()
            },
            action,
            date: Some("2024-01-02".parse::<PartialDate>().unwrap()),
            reason: None,
            source_updated_at: None,
            by: None,
            extra: Vec::new(),
        }
    }

    #[test]
    fn transactions_close_and_modify() {
        let mut rp = Replay::new();
        let mut m = Record::new(Kind::Missing, "TX0101300", "M000000001");
        m.weight_kg = Some(Range::exact(60.0));
        m.height_cm = Some(Range::exact(170.0));
        rp.entry(m);
        rp.entry(Record::new(Kind::Unidentified, "TX0101300", "U000000002"));
        rp.entry(Record::new(
            Kind::Missing,
            "gmcn-us.example.org",
            "gmcn-us.example.org/p.1",
        ));

        let mut patch = Record::new(Kind::Missing, "", "");
        patch.weight_kg = Some(Range::exact(70.0));
        rp.transaction(&tx(
            "TX0101300",
            "M000000001",
            Action::Modify {
                patch: Box::new(patch),
                full: false,
            },
        ))
        .unwrap();
        // a locate sent by another agency names the NIC
        rp.transaction(&tx("AZ0070000", "M000000001", Action::Locate))
            .unwrap();
        rp.transaction(&tx(
            "TX0101300",
            "U000000002",
            Action::Clear {
                identified_as: Some("M000000001".into()),
                identified_name: None,
            },
        ))
        .unwrap();
        rp.transaction(&tx(
            "gmcn-us.example.org",
            "gmcn-us.example.org/p.1",
            Action::Note {
                note: Box::new(Note {
                    note_record_id: "n1".into(),
                    status: Some(NoteStatus::BelievedAlive),
                    author_made_contact: Some(true),
                    ..Note::default()
                }),
            },
        ))
        .unwrap();
        assert!(matches!(
            rp.transaction(&tx("TX0101300", "M000000999", Action::Cancel)),
            Err(ReplayError::UnknownTarget { .. })
        ));
        let rs = rp.into_records();
        assert_eq!(rs[0].status, Status::Located);
        assert_eq!(rs[0].weight_kg, Some(Range::exact(70.0)));
        assert_eq!(rs[0].height_cm, Some(Range::exact(170.0)));
        assert_eq!(rs[1].status, Status::Identified);
        assert_eq!(rs[1].identified_as.as_deref(), Some("M000000001"));
        assert_eq!(rs[2].status, Status::Located);
    }
}
