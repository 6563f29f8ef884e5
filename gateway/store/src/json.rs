//! Work on a record's JSON once it is encoded, so that the write path encodes each record once:
//! the top-level fields of an encoded record, the content digest and the changed fields
//! computed from them, and a version entry with its snapshot spliced in.
//!
//! Each function is exact: it gives the bytes or the answer that encoding the values again
//! (as `serde_json::to_vec` / `to_value`) would give, or `None` where it cannot tell, and the
//! callers then fall back to that. The tests check them against those definitions.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The top-level fields of an encoded record, in the order they were written: each key (the
/// record's field names need no escapes) and its value's bytes.
///
/// Made for the store's own encodings of records (`serde_json::to_vec` of a struct without
/// `flatten`): valid JSON whose keys are distinct field names. A key with an escape, or
/// anything but an object, gives `None` and the callers fall back.
pub(crate) struct Fields<'a>(Vec<(&'a str, &'a [u8])>);

/// The end (exclusive) of the JSON string starting at `s[i] == b'"'`.
fn string_end(s: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < s.len() {
        match s[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// The end (exclusive) of the JSON value starting at `s[i]` (valid JSON, no whitespace).
fn value_end(s: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < s.len() {
        match s[i] {
            b'"' => {
                i = string_end(s, i)?;
                if depth == 0 {
                    return Some(i);
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b',' if depth == 0 => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

impl<'a> Fields<'a> {
    /// The top-level fields of `json`, a compact encoded object.
    pub(crate) fn of(json: &'a [u8]) -> Option<Self> {
        let s = json;
        if s.first() != Some(&b'{') || s.last() != Some(&b'}') {
            return None;
        }
        let mut out = Vec::with_capacity(48);
        let mut i = 1;
        if s.get(i) == Some(&b'}') {
            return (s.len() == 2).then_some(Fields(out));
        }
        loop {
            if s.get(i) != Some(&b'"') {
                return None;
            }
            let kend = string_end(s, i)?;
            let key = std::str::from_utf8(&s[i + 1..kend - 1]).ok()?;
            if key.contains('\\') || s.get(kend) != Some(&b':') {
                return None;
            }
            let vstart = kend + 1;
            let vend = value_end(s, vstart)?;
            if vend == vstart {
                return None;
            }
            out.push((key, &s[vstart..vend]));
            match s.get(vend) {
                Some(b',') => i = vend + 1,
                Some(b'}') if vend + 1 == s.len() => return Some(Fields(out)),
                _ => return None,
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a field `key` is there.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }
}

/// Feeds the hasher; `io::Write` so that bytes go straight in.
struct HashWriter<'h>(&'h mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// [`crate::content_digest`] of the record encoded as `fields`: the SHA-256 of the same
/// encoding with `version` 0 and without `received_at`, built from the encoded fields (a
/// struct is encoded as `{"key":value,...}` in field order, and each value's bytes do not
/// depend on the others). `None` if the record has no `version` field.
pub(crate) fn content_digest(fields: &Fields<'_>) -> Option<String> {
    use std::io::Write;
    let mut h = Sha256::new();
    let mut w = HashWriter(&mut h);
    let mut first = true;
    let mut saw_version = false;
    for (k, v) in &fields.0 {
        let value = match *k {
            "received_at" => continue,
            "version" => {
                saw_version = true;
                &b"0"[..]
            }
            _ => v,
        };
        w.write_all(if first { b"{" } else { b"," }).ok()?;
        first = false;
        serde_json::to_writer(&mut w, k).ok()?;
        w.write_all(b":").ok()?;
        w.write_all(value).ok()?;
    }
    w.write_all(if first { b"{}" } else { b"}" }).ok()?;
    saw_version.then(|| hex::encode(h.finalize()))
}

fn same_value(a: &[u8], b: &[u8]) -> Option<bool> {
    if a == b {
        return Some(true);
    }
    // different bytes can still be equal values (0.0 and -0.0)
    let a: Value = serde_json::from_slice(a).ok()?;
    let b: Value = serde_json::from_slice(b).ok()?;
    Some(a == b)
}

/// The top-level fields whose values differ between two encoded records (`version` aside):
/// first those of `new` that differ or that `old` lacks, then those only `old` has, each in
/// key order — what comparing the two as `serde_json::Value` maps gives. Both are in the
/// record's field order, so each key of `new` is found at or after the last match in `old`.
pub(crate) fn changed_fields(old: &Fields<'_>, new: &Fields<'_>) -> Option<Vec<String>> {
    let (a, b) = (&old.0, &new.0);
    let mut seen = vec![false; a.len()];
    let mut at = 0;
    let mut differ: Vec<&str> = Vec::new();
    for (k, v) in b {
        let found = (at..a.len()).chain(0..at).find(|&j| a[j].0 == *k);
        let same = match found {
            Some(j) => {
                seen[j] = true;
                at = j + 1;
                same_value(a[j].1, v)?
            }
            None => false,
        };
        if !same && *k != "version" {
            differ.push(k);
        }
    }
    let mut gone: Vec<&str> = a
        .iter()
        .zip(&seen)
        .filter(|((k, _), seen)| !**seen && *k != "version")
        .map(|((k, _), _)| *k)
        .collect();
    differ.sort_unstable();
    gone.sort_unstable();
    Some(differ.into_iter().chain(gone).map(str::to_string).collect())
}

/// A version entry encoded without a snapshot (no `record` nor `purged_at` field) with the
/// encoded `record` added as its snapshot, as the last field. When `entry` is the store's
/// encoding (whose last field is `content_digest`, which `record` follows), these are the
/// bytes that encoding the entry with `record: Some(..)` gives; for an entry stored otherwise
/// (an older field order), the same entry with its snapshot.
pub(crate) fn with_snapshot(mut entry: Vec<u8>, record: &[u8]) -> Option<Vec<u8>> {
    if entry.last() != Some(&b'}') || entry.len() < 2 {
        return None;
    }
    entry.pop();
    entry.reserve(record.len() + 12);
    entry.extend_from_slice(b",\"record\":");
    entry.extend_from_slice(record);
    entry.push(b'}');
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChangeKind, InputRef, Origin, VersionEntry};
    use crate::testkit::{missing, t, unidentified};
    use homeward_schemas::{Note, Record, Status, StatusEvent, units::Range};

    fn reference_digest(r: &Record) -> String {
        let mut r = r.clone();
        r.version = 0;
        r.received_at = None;
        hex::encode(Sha256::digest(serde_json::to_vec(&r).unwrap()))
    }

    fn variants() -> Vec<Record> {
        let base = missing("AZ1", "M1", "DOE", "JANE");
        let mut out = vec![base.clone(), unidentified("AZ1", "U1")];
        let mut r = base.clone();
        r.version = 7;
        r.received_at = Some(t("2026-01-02T03:04:05.123456789Z"));
        out.push(r.clone());
        r.weight_kg = Some(Range::exact(-0.0));
        out.push(r.clone());
        r.weight_kg = Some(Range::exact(0.0));
        r.nic = None;
        r.case_number = Some("quote \" and \\ and \u{e9}".into());
        out.push(r.clone());
        r.status = Status::Located;
        r.status_history.push(StatusEvent {
            status: Status::Located,
            date: None,
            applied_at: Some(t("2026-01-02T00:00:00Z")),
            reason: None,
            by: Some("TX".into()),
            note_record_id: None,
        });
        let note: Note =
            serde_json::from_value(serde_json::json!({"note_record_id": "n1", "text": "seen"}))
                .unwrap();
        r.notes.push(note);
        r.names.clear();
        r.height_cm = Some(Range::exact(1.0 / 3.0));
        r.source_updated_at = Some(t("2025-12-31T23:59:59Z"));
        out.push(r);
        out
    }

    #[test]
    fn the_content_digest_from_the_encoding_is_the_content_digest() {
        for r in variants() {
            let json = serde_json::to_vec(&r).unwrap();
            let fields = Fields::of(&json).unwrap();
            assert_eq!(content_digest(&fields), Some(reference_digest(&r)));
            assert_eq!(crate::lifecycle::content_digest(&r), reference_digest(&r));
        }
    }

    #[test]
    fn changed_fields_from_the_encodings_are_those_of_the_values() {
        let all = variants();
        for a in &all {
            for b in &all {
                let (ja, jb) = (
                    serde_json::to_vec(a).unwrap(),
                    serde_json::to_vec(b).unwrap(),
                );
                let got = changed_fields(&Fields::of(&ja).unwrap(), &Fields::of(&jb).unwrap());
                assert_eq!(
                    got,
                    Some(crate::lifecycle::changed_fields_by_value(a, b)),
                    "{a:?} -> {b:?}"
                );
            }
        }
        // -0.0 and 0.0 are different bytes but the same value
        let (mut a, mut b) = (all[0].clone(), all[0].clone());
        a.weight_kg = Some(Range::exact(-0.0));
        b.weight_kg = Some(Range::exact(0.0));
        let (ja, jb) = (
            serde_json::to_vec(&a).unwrap(),
            serde_json::to_vec(&b).unwrap(),
        );
        assert_ne!(ja, jb);
        assert_eq!(
            changed_fields(&Fields::of(&ja).unwrap(), &Fields::of(&jb).unwrap()),
            Some(Vec::new())
        );
    }

    #[test]
    fn escaped_or_repeated_keys_are_left_to_the_callers() {
        assert!(Fields::of(br#"{"a\u0041":1}"#).is_none());
        assert!(Fields::of(b"[1]").is_none());
        assert!(Fields::of(br#"{"a":1} x"#).is_none());
        assert!(Fields::of(br#"{"a":1,}"#).is_none());
        assert!(Fields::of(br#"{"a":}"#).is_none());
        let f = Fields::of(br#"{"a":{"b":"}\"]"},"c":[1,{"d":2}],"e":"x,y"}"#).unwrap();
        assert_eq!(f.0.len(), 3);
        assert_eq!(f.0[0], ("a", &br#"{"b":"}\"]"}"#[..]));
        assert_eq!(f.0[1], ("c", &b"[1,{\"d\":2}]"[..]));
        assert_eq!(f.0[2], ("e", &br#""x,y""#[..]));
        assert!(content_digest(&Fields::of(br#"{"a":1}"#).unwrap()).is_none());
    }

    #[test]
    fn a_spliced_snapshot_is_the_encoded_entry_with_its_record() {
        for r in variants() {
            for input in [
                None,
                Some(InputRef {
                    origin: Origin::Exchange("hub/x-1".into()),
                    format: "canonical".into(),
                    position: Default::default(),
                    digest: "ab".repeat(32),
                    quarantine: Some(3),
                }),
            ] {
                let mut e = VersionEntry {
                    version: 3,
                    at: t("2026-01-02T03:04:05Z"),
                    change: ChangeKind::Updated,
                    changed: vec!["names".into()],
                    input,
                    action: Some("modify".into()),
                    content_digest: "cd".repeat(32),
                    record: None,
                    purged_at: None,
                };
                let bare = serde_json::to_vec(&e).unwrap();
                let rec = serde_json::to_vec(&r).unwrap();
                e.record = Some(r.clone());
                assert_eq!(
                    with_snapshot(bare, &rec).unwrap(),
                    serde_json::to_vec(&e).unwrap()
                );
            }
        }
    }
}
