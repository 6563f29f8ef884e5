//! Write-then-read: an accepted entry or transaction, written with its own format and read
//! back, is what was read (unless the writer reported a loss).

use homeward_schemas::{Action, Record, Status, StatusEvent, Transaction};

use super::{Rule, Target, Violation, check_time, show};
use crate::format::{Format, Limits, ReadContext, WriteContext, write_records};
use crate::item::{Item, Loss, ReadItem};

/// Writes the accepted `item` and reads it back; `Ok(true)` when it came back equal with no
/// loss reported, `Ok(false)` when the writer reported a loss (and the output still read back
/// without a rejection).
pub(super) fn check(
    target: Target,
    format: &dyn Format,
    ctx: &ReadContext,
    item: &ReadItem,
    index: usize,
) -> Result<bool, Violation> {
    let v = |detail: String| Violation::new(target, Rule::RoundTrip, Some(index), detail);
    let (sender, written) = match &item.item {
        Item::Entry(r) => (r.id.source.clone(), Written::Record(r)),
        Item::Transaction(t) => (t.target.source.clone(), Written::Transaction(t)),
        Item::Rejected(_) => return Ok(false),
    };
    let mut wctx = WriteContext::new(sender);
    wctx.now = check_time();
    let mut writer = format.writer(&wctx);
    let mut out = Vec::new();
    let losses: Vec<Loss> = match written {
        Written::Record(r) => write_records(writer.as_mut(), [r], &mut out).map(|w| w.losses),
        Written::Transaction(t) => writer
            .begin(&mut out)
            .and_then(|()| writer.transaction(&mut out, t))
            .and_then(|l| writer.finish(&mut out).map(|()| l)),
    }
    .map_err(|e| v(format!("writing it back failed: {e}")))?;

    // Read back with the same context but the default limits: a written record may be longer
    // than the small limits the input was read with.
    let mut back_ctx = ctx.clone();
    back_ctx.limits = Limits::default();
    let back: Vec<ReadItem> = format.reader().read(Box::new(&out[..]), back_ctx).collect();
    if let Some(r) = back.iter().find(|i| i.is_rejected()) {
        let Item::Rejected(rej) = &r.item else {
            return Ok(false);
        };
        return Err(v(format!(
            "what the writer wrote is rejected on reading back ({:?}: {} at {}); written: {}",
            rej.field,
            rej.reason,
            r.position,
            show(&out)
        )));
    }
    if !losses.is_empty() {
        return Ok(false);
    }
    match written {
        Written::Record(original) => {
            let mut entries = Vec::new();
            let mut transactions = Vec::new();
            for i in back {
                match i.item {
                    Item::Entry(r) => entries.push(*r),
                    Item::Transaction(t) => transactions.push(*t),
                    Item::Rejected(_) => {}
                }
            }
            let [mut got] = <[Record; 1]>::try_from(entries).map_err(|e| {
                v(format!(
                    "written with no loss reported, read back as {} entries; written: {}",
                    e.len(),
                    show(&out)
                ))
            })?;
            for t in &transactions {
                apply(&mut got, t);
            }
            if &got != original {
                return Err(v(format!(
                    "written with no loss reported, read back different: {}; written: {}",
                    differences(original, &got),
                    show(&out)
                )));
            }
        }
        Written::Transaction(original) => {
            let got: Vec<&Transaction> = back
                .iter()
                .filter_map(|i| match &i.item {
                    Item::Transaction(t) => Some(&**t),
                    _ => None,
                })
                .collect();
            if back.len() != 1 || got.len() != 1 || got[0] != original {
                return Err(v(format!(
                    "transaction written with no loss reported, read back as {:?}; expected {:?}; written: {}",
                    back.iter().map(|i| &i.item).collect::<Vec<_>>(),
                    original,
                    show(&out)
                )));
            }
        }
    }
    Ok(true)
}

enum Written<'a> {
    Record(&'a Record),
    Transaction(&'a Transaction),
}

/// Applies a transaction read back with an entry (the writers close a record that is not active
/// with one), as the store does.
fn apply(r: &mut Record, t: &Transaction) {
    let status = match &t.action {
        Action::Locate => Status::Located,
        Action::Cancel => Status::Cancelled,
        Action::Clear { .. } => Status::Cleared,
        Action::Modify { patch, .. } => {
            *r = (**patch).clone();
            return;
        }
        Action::Note { note } => {
            r.notes.push((**note).clone());
            return;
        }
        Action::Expire { expiry_date } => {
            r.status = Status::Expired;
            r.expiry_date = Some(*expiry_date);
            r.strip_personal_data();
            return;
        }
    };
    r.status = status;
    r.status_history.push(StatusEvent {
        status,
        date: t.date,
        applied_at: None,
        reason: t.reason,
        by: t.by.clone(),
        note_record_id: None,
    });
}

/// The top-level fields in which two records differ, with both values.
fn differences(a: &Record, b: &Record) -> String {
    let (Ok(serde_json::Value::Object(x)), Ok(serde_json::Value::Object(y))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return format!("{a:?} != {b:?}");
    };
    let mut out = Vec::new();
    for (k, va) in &x {
        let vb = y.get(k);
        if vb != Some(va) {
            out.push(format!(
                "{k}: {va} became {}",
                vb.cloned().unwrap_or_default()
            ));
        }
    }
    for (k, vb) in &y {
        if !x.contains_key(k) {
            out.push(format!("{k}: absent became {vb}"));
        }
    }
    if out.is_empty() {
        format!("{a:?} != {b:?}")
    } else {
        out.join("; ")
    }
}
