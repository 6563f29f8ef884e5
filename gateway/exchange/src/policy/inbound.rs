//! Inbound policy: what a partner may send.

use homeward_adapters::{Item, ReadItem};
use homeward_schemas::{Kind, Record, Transaction};

use super::{InboundPolicy, in_jurisdictions, record_jurisdiction};

/// An item a partner may not send.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    /// 0-based index of the item in the payload.
    pub index: usize,
    /// The record it names (`source/native_id`).
    pub item: String,
    pub reason: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "item {} ({}): {}", self.index, self.item, self.reason)
    }
}

impl InboundPolicy {
    fn kind_reason(&self, kind: Kind) -> Option<String> {
        if self.kinds.contains(&kind) {
            return None;
        }
        if kind == Kind::Unclaimed && !self.role.may_send_unclaimed() {
            return Some(format!(
                "unclaimed records are accepted only from medical examiners and coroners (or a hub relaying theirs); partner `{}` is {}",
                self.partner, self.role
            ));
        }
        Some(format!(
            "partner `{}` may not send {kind} records (accepted: {})",
            self.partner,
            self.kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    fn source_reason(&self, source: &str) -> Option<String> {
        if self.sources.is_empty() || self.sources.iter().any(|p| source.starts_with(p.as_str())) {
            return None;
        }
        Some(format!(
            "partner `{}` may not send records of source `{source}` (allowed prefixes: {})",
            self.partner,
            self.sources.join(", ")
        ))
    }

    /// Why `record` may not come from this partner, if it may not.
    pub fn check_record(&self, record: &Record) -> Option<String> {
        if let Some(r) = self.kind_reason(record.kind) {
            return Some(r);
        }
        if let Some(r) = self.source_reason(&record.id.source) {
            return Some(r);
        }
        if !in_jurisdictions(record, &self.jurisdictions) {
            let (c, r) = record_jurisdiction(record);
            return Some(format!(
                "record located in {} is outside what partner `{}` may send ({})",
                r.or(c).unwrap_or_else(|| "an unknown place".into()),
                self.partner,
                self.jurisdictions
                    .iter()
                    .map(|j| j.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        None
    }

    /// Why `t` may not come from this partner, if it may not.
    pub fn check_transaction(&self, t: &Transaction) -> Option<String> {
        if let Some(k) = t.target.kind
            && let Some(r) = self.kind_reason(k)
        {
            return Some(r);
        }
        if let Some(r) = self.source_reason(&t.target.source) {
            return Some(r);
        }
        if let homeward_schemas::Action::Modify { patch, .. } = &t.action
            && let Some(r) = self.kind_reason(patch.kind)
        {
            return Some(format!("modify patch: {r}"));
        }
        None
    }

    /// Every item of `items` the partner may not send (rejected items pass: they are not
    /// applied anyway).
    pub fn check_items(&self, items: &[ReadItem]) -> Vec<Violation> {
        let mut out = Vec::new();
        for (index, it) in items.iter().enumerate() {
            let (name, reason) = match &it.item {
                Item::Entry(r) => (r.id.to_string(), self.check_record(r)),
                Item::Transaction(t) => (
                    format!("{}/{}", t.target.source, t.target.native_id),
                    self.check_transaction(t),
                ),
                Item::Rejected(_) => continue,
            };
            if let Some(reason) = reason {
                out.push(Violation {
                    index,
                    item: name,
                    reason,
                });
            }
        }
        out
    }
}
