//! The write path: one input item at a time, inside a batch's [`Txn`].

use std::collections::BTreeSet;

use homeward_adapters::{Item, ReadItem};
use homeward_schemas::{Record, RecordId, Status, Transaction};
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::json::{self, Fields};
use crate::keys;
use crate::lifecycle::{self, Effect, FieldsChanged, Refusal};
use crate::model::{
    Change, ChangeKind, DigestEntry, InputContext, InputRef, ItemOutcome, Outcome, QuarantineItem,
    ResolvedQuarantine, Stage, UnchangedReason, VersionEntry,
};
use crate::txn::Txn;

/// Format name of items that had no raw bytes of their own (built in code, e.g. received
/// as canonical records): quarantine keeps their canonical JSON under this format.
pub const CANONICAL_FORMAT: &str = "canonical";

/// How an item is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Ordinary input: duplicates are recognised, refusals quarantined.
    Import,
    /// Reprocessing quarantine item `id`: a refusal is reported, not quarantined again.
    Reprocess(u64),
}

/// The raw bytes quarantine keeps for an item, and the format to read them with.
pub(crate) fn raw_of(it: &ReadItem, input_format: &str) -> (Vec<u8>, String) {
    let format = match &it.item {
        Item::Rejected(r) => r.format.clone(),
        _ => input_format.to_string(),
    };
    if !it.raw.is_empty() {
        return (it.raw.clone(), format);
    }
    match &it.item {
        Item::Entry(r) => (
            serde_json::to_vec(&serde_json::json!({ "record": r })).unwrap_or_default(),
            CANONICAL_FORMAT.into(),
        ),
        Item::Transaction(t) => (
            serde_json::to_vec(&serde_json::json!({ "transaction": t })).unwrap_or_default(),
            CANONICAL_FORMAT.into(),
        ),
        Item::Rejected(_) => (Vec::new(), format),
    }
}

/// The item's identity for idempotency: SHA-256 of its raw bytes (of its canonical JSON when
/// it has none; for a rejection without bytes, of its format, position and reason).
pub fn item_digest(it: &ReadItem) -> String {
    if !it.raw.is_empty() {
        return hex::encode(Sha256::digest(&it.raw));
    }
    let text = match &it.item {
        Item::Entry(r) => serde_json::to_string(r).unwrap_or_default(),
        Item::Transaction(t) => serde_json::to_string(t).unwrap_or_default(),
        Item::Rejected(r) => format!("{}|{}|{}|{:?}", r.format, it.position, r.reason, r.field),
    };
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The source an item is filed under, for idempotency.
fn scope_of(it: &ReadItem, input: &InputContext) -> String {
    match &it.item {
        Item::Entry(r) => r.id.source.clone(),
        Item::Transaction(t) => t.target.source.clone(),
        Item::Rejected(_) => input.source.clone().unwrap_or_default(),
    }
}

/// Applies one item.
pub(crate) fn apply_item(
    tx: &mut Txn,
    it: &ReadItem,
    input: &InputContext,
    mode: Mode,
) -> Result<ItemOutcome, StoreError> {
    let digest = item_digest(it);
    let scope = scope_of(it, input);
    let dig_key = keys::dig(&scope, &digest);
    let warnings = it.warnings.clone();
    let done = |outcome: Outcome, mut extra: Vec<String>| {
        let mut w = warnings.clone();
        w.append(&mut extra);
        ItemOutcome {
            position: it.position,
            digest: digest.clone(),
            outcome,
            warnings: w,
        }
    };

    if let Some(prev) = tx.get::<DigestEntry>(&dig_key)? {
        let own = matches!(mode, Mode::Reprocess(q) if prev.quarantine == Some(q));
        if !own {
            return Ok(done(duplicate(tx, &prev)?, Vec::new()));
        }
    }

    let input_ref = InputRef {
        origin: input.origin.clone(),
        format: input.format.clone(),
        position: it.position,
        digest: digest.clone(),
        quarantine: match mode {
            Mode::Reprocess(q) => Some(q),
            Mode::Import => None,
        },
    };
    let (result, target) = match &it.item {
        Item::Rejected(r) => (
            Err((
                Stage::Read,
                Refusal {
                    field: r.field.clone(),
                    reason: r.reason.clone(),
                },
            )),
            None,
        ),
        Item::Entry(r) => (
            apply_entry(tx, r, &input_ref, input)?.map_err(|f| (Stage::Apply, f)),
            None,
        ),
        Item::Transaction(t) => (
            apply_transaction(tx, t, &input_ref)?.map_err(|f| (Stage::Apply, f)),
            Some(format!("{}/{}", t.target.source, t.target.native_id)),
        ),
    };
    let (outcome, extra) = match result {
        Ok(pair) => pair,
        Err((stage, refusal)) => {
            let quarantine = match mode {
                Mode::Reprocess(q) => q,
                Mode::Import => {
                    quarantine(tx, it, input, stage, &refusal, &digest, &scope, target)?
                }
            };
            (
                Outcome::Rejected {
                    quarantine,
                    field: refusal.field,
                    reason: refusal.reason,
                    repeated: matches!(mode, Mode::Reprocess(_)),
                },
                Vec::new(),
            )
        }
    };
    if mode == Mode::Import || !outcome.is_rejected() {
        let entry = DigestEntry {
            at: tx.now,
            origin: input.origin.clone(),
            position: it.position,
            outcome: outcome.label().to_string(),
            record: outcome.record().cloned(),
            version: outcome.version(),
            quarantine: match (&outcome, mode) {
                (Outcome::Rejected { quarantine, .. }, _) => Some(*quarantine),
                (_, Mode::Reprocess(q)) => Some(q),
                _ => None,
            },
        };
        tx.put(dig_key, &entry)?;
    }
    Ok(done(outcome, extra))
}

/// The outcome of an input seen before.
fn duplicate(tx: &Txn, prev: &DigestEntry) -> Result<Outcome, StoreError> {
    if let Some(q) = prev.quarantine
        && let Some(item) = tx.get::<QuarantineItem>(&keys::quar(q))?
    {
        return Ok(Outcome::Rejected {
            quarantine: q,
            field: item.field,
            reason: item.reason,
            repeated: true,
        });
    }
    Ok(Outcome::Unchanged {
        record: prev.record.clone(),
        reason: UnchangedReason::DuplicateInput {
            first: prev.origin.clone(),
            position: prev.position,
        },
    })
}

#[allow(clippy::too_many_arguments)]
fn quarantine(
    tx: &mut Txn,
    it: &ReadItem,
    input: &InputContext,
    stage: Stage,
    refusal: &Refusal,
    digest: &str,
    scope: &str,
    target: Option<String>,
) -> Result<u64, StoreError> {
    tx.qseq += 1;
    let id = tx.qseq;
    let (raw, format) = raw_of(it, &input.format);
    let item = QuarantineItem {
        id,
        at: tx.now,
        origin: input.origin.clone(),
        format,
        position: it.position,
        stage,
        field: refusal.field.clone(),
        reason: refusal.reason.clone(),
        raw,
        digest: digest.to_string(),
        source: input.source.clone(),
        scope: scope.to_string(),
        target,
        attempts: Vec::new(),
        purged_at: None,
    };
    tx.put(keys::quar(id), &item)?;
    Ok(id)
}

type Applied = Result<(Outcome, Vec<String>), Refusal>;

fn check_id(id: &RecordId) -> Result<(), Refusal> {
    if id.source.trim().is_empty() || id.native_id.trim().is_empty() {
        return Err(Refusal::new(
            Some("id"),
            format!("record id `{id}` lacks a source or a native id"),
        ));
    }
    if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
        return Err(Refusal::new(
            Some("id"),
            format!(
                "record id `{}` contains a NUL character",
                id.to_string().escape_default()
            ),
        ));
    }
    Ok(())
}

fn apply_entry(
    tx: &mut Txn,
    r: &Record,
    input_ref: &InputRef,
    input: &InputContext,
) -> Result<Applied, StoreError> {
    if let Err(f) = check_id(&r.id) {
        return Ok(Err(f));
    }
    let key = keys::rec(&r.id);
    let Some(old) = tx.get::<Record>(&key)? else {
        let mut new = r.clone();
        new.received_at = Some(input.received_at);
        lifecycle::prepare_new(&mut new, tx.now);
        let version = commit(
            tx,
            None,
            new,
            ChangeKind::Created,
            FieldsChanged::Fields(Vec::new()),
            Some(input_ref.clone()),
            None,
        )?;
        return Ok(Ok((
            Outcome::New {
                record: r.id.clone(),
                version,
            },
            Vec::new(),
        )));
    };
    let effect = lifecycle::reenter(&old, r, tx.now);
    effect_outcome(tx, &old, effect, input_ref, None)
}

fn effect_outcome(
    tx: &mut Txn,
    old: &Record,
    effect: Effect,
    input_ref: &InputRef,
    action: Option<&str>,
) -> Result<Applied, StoreError> {
    Ok(match effect {
        Effect::Changed {
            record,
            change,
            changed,
            warnings,
        } => {
            let version = commit(
                tx,
                Some(old),
                *record,
                change.clone(),
                changed,
                Some(input_ref.clone()),
                action,
            )?;
            Ok((
                Outcome::Changed {
                    record: old.id.clone(),
                    version,
                    change,
                },
                warnings,
            ))
        }
        Effect::Unchanged(reason) => Ok((
            Outcome::Unchanged {
                record: Some(old.id.clone()),
                reason,
            },
            Vec::new(),
        )),
        Effect::Stale { stored, incoming } => Ok((
            Outcome::Stale {
                record: old.id.clone(),
                stored,
                incoming,
            },
            Vec::new(),
        )),
        Effect::Refused(f) => Err(f),
    })
}

/// Finds the record a transaction names: `(source, native_id)` first, else the one stored
/// record whose native id or NIC is the given native id.
pub(crate) fn resolve_target(
    tx: &Txn,
    t: &Transaction,
) -> Result<Result<Record, Refusal>, StoreError> {
    let id = RecordId::new(&t.target.source, &t.target.native_id);
    if t.target.native_id.trim().is_empty() || !keys::valid_part(&t.target.native_id) {
        return Ok(Err(Refusal::new(
            Some("target"),
            "the transaction names no record (empty or invalid native id)",
        )));
    }
    if keys::valid_part(&id.source)
        && let Some(r) = tx.get::<Record>(&keys::rec(&id))?
    {
        return Ok(Ok(r));
    }
    let mut candidates: Vec<Record> = Vec::new();
    let mut seen = BTreeSet::new();
    for (k, _) in tx.scan(&keys::idx_prefix(&t.target.native_id))? {
        let Some(rid) = keys::idx_record(&k) else {
            continue;
        };
        if !seen.insert(rid.clone()) {
            continue;
        }
        if let Some(r) = tx.get::<Record>(&keys::rec(&rid))?
            && t.target.kind.is_none_or(|k| k == r.kind)
        {
            candidates.push(r);
        }
    }
    match candidates.len() {
        1 => Ok(Ok(candidates.remove(0))),
        0 => Ok(Err(Refusal::new(
            Some("target"),
            format!(
                "no stored record is {id}, nor has native id or NIC {}",
                t.target.native_id
            ),
        ))),
        n => Ok(Err(Refusal::new(
            Some("target"),
            format!(
                "{n} stored records have native id or NIC {} ({}); the transaction's source {} names none of them",
                t.target.native_id,
                candidates
                    .iter()
                    .map(|r| r.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.target.source
            ),
        ))),
    }
}

fn apply_transaction(
    tx: &mut Txn,
    t: &Transaction,
    input_ref: &InputRef,
) -> Result<Applied, StoreError> {
    let old = match resolve_target(tx, t)? {
        Ok(r) => r,
        Err(f) => return Ok(Err(f)),
    };
    if old.status == Status::Expired {
        return effect_outcome(
            tx,
            &old,
            Effect::Unchanged(UnchangedReason::Expired),
            input_ref,
            None,
        );
    }
    if let Err(f) = lifecycle::confirm_target(&old, &t.target) {
        return Ok(Err(f));
    }
    let effect = lifecycle::apply_transaction(&old, t, tx.now);
    effect_outcome(tx, &old, effect, input_ref, Some(t.action.name()))
}

/// The lookups that find a record across sources: its native id and its NIC.
fn lookups(r: &Record) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    s.insert(r.id.native_id.clone());
    if let Some(n) = r
        .nic
        .as_deref()
        .filter(|n| !n.is_empty() && keys::valid_part(n))
    {
        s.insert(n.to_string());
    }
    s
}

/// Stores `new` as the next version of `old` (or the first), with its history entry, index
/// entries and change-feed entry. Returns the version.
///
/// Each record is encoded once: the new one's encoding is its stored value and, taken apart
/// field by field, gives its content digest; the old one's is the superseded version's
/// snapshot; the two give the changed fields (`crate::json`, exact, with fallbacks).
pub(crate) fn commit(
    tx: &mut Txn,
    old: Option<&Record>,
    mut new: Record,
    change: ChangeKind,
    changed: FieldsChanged,
    input: Option<InputRef>,
    action: Option<&str>,
) -> Result<u64, StoreError> {
    let version = old.map_or(1, |o| o.version + 1);
    new.version = version;
    let id = new.id.clone();
    let rec_key = keys::rec(&id);
    let new_json = crate::txn::encode(&rec_key, &new)?;
    let new_fields = Fields::of(&new_json);
    // the old record's encoding, for its snapshot and the changed fields
    let old_json = match old {
        Some(o) if change != ChangeKind::Expired || changed == FieldsChanged::Diff => {
            Some(crate::txn::encode(&keys::ver(&id, o.version), o)?)
        }
        _ => None,
    };
    if change == ChangeKind::Expired {
        // What the crossmatch stored of the person goes too (reasons, score parts, notes),
        // and the bytes of quarantined input about the record.
        crate::matches::scrub_expired(tx, &id)?;
        crate::quarantine::purge_expired(tx, &id, old.and_then(|o| o.nic.as_deref()))?;
        // The personal data of every earlier version goes with the record's.
        for (k, v) in tx.scan(&keys::ver_prefix(&id))? {
            let mut e: VersionEntry = crate::txn::decode(&k, &v)?;
            if e.purged_at.is_none() {
                e.record = None;
                e.purged_at = Some(tx.now);
                tx.put(k, &e)?;
            }
        }
    } else if let Some(o) = old {
        // The version being superseded keeps its snapshot from now on (the latest version's
        // snapshot is the record itself, not stored twice).
        let key = keys::ver(&id, o.version);
        if let Some(stored) = tx.get_raw(&key)? {
            // As stored, when it has neither a snapshot nor a purge time (the usual case): the
            // snapshot is added to those bytes. Otherwise, or if they do not read as expected,
            // decoded and encoded again.
            let plain = Fields::of(&stored)
                .is_some_and(|f| !f.is_empty() && !f.has("record") && !f.has("purged_at"));
            match old_json.as_deref().filter(|_| plain) {
                Some(snapshot) => {
                    let bytes = json::with_snapshot(stored, snapshot).ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "version entry `{}` is not an object",
                            key.escape_default()
                        ))
                    })?;
                    tx.put_raw(key, bytes);
                }
                None => {
                    let mut e: VersionEntry = crate::txn::decode(&key, &stored)?;
                    if e.record.is_none() && e.purged_at.is_none() {
                        e.record = Some(o.clone());
                        tx.put(key, &e)?;
                    }
                }
            }
        }
    }
    let changed = match (changed, old) {
        (FieldsChanged::Fields(f), _) => f,
        (FieldsChanged::Diff, None) => Vec::new(),
        (FieldsChanged::Diff, Some(o)) => old_json
            .as_deref()
            .and_then(Fields::of)
            .zip(new_fields.as_ref())
            .and_then(|(a, b)| json::changed_fields(&a, b))
            .unwrap_or_else(|| lifecycle::changed_fields_by_value(o, &new)),
    };
    let content_digest = new_fields
        .as_ref()
        .and_then(json::content_digest)
        .unwrap_or_else(|| lifecycle::content_digest(&new));
    let entry = VersionEntry {
        version,
        at: tx.now,
        change: change.clone(),
        changed,
        input,
        action: action.map(str::to_string),
        content_digest,
        record: None,
        purged_at: None,
    };
    tx.put(keys::ver(&id, version), &entry)?;
    // Index entries: the record's lookups; those the old version had are there already.
    let new_lookups = lookups(&new);
    let old_lookups = old.map(lookups).unwrap_or_default();
    for l in old_lookups.difference(&new_lookups) {
        tx.delete(keys::idx(l, &id));
    }
    for l in new_lookups.difference(&old_lookups) {
        tx.put(keys::idx(l, &id), &())?;
    }
    tx.seq += 1;
    let c = Change {
        seq: tx.seq,
        at: tx.now,
        record: id.clone(),
        version,
        kind: new.kind,
        status: new.status,
        change,
    };
    tx.put(keys::chg(tx.seq), &c)?;
    drop(new_fields);
    tx.put_raw(rec_key, new_json);
    Ok(version)
}

/// Marks quarantine item `item` resolved by `outcomes`.
pub(crate) fn resolve_quarantine(
    tx: &mut Txn,
    item: QuarantineItem,
    outcomes: &[ItemOutcome],
) -> Result<(), StoreError> {
    let id = item.id;
    let mut records = Vec::new();
    let mut unchanged = Vec::new();
    for o in outcomes {
        match (&o.outcome, o.outcome.record(), o.outcome.version()) {
            (_, Some(r), Some(v)) => records.push((r.clone(), v)),
            (other, _, _) => unchanged.push(other.to_string()),
        }
    }
    tx.delete(keys::quar(id));
    tx.put(
        keys::quar_done(id),
        &ResolvedQuarantine {
            item,
            resolved_at: tx.now,
            records,
            unchanged,
        },
    )?;
    Ok(())
}
