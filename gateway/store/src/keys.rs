//! The key layout. Every key is UTF-8 text: a table prefix, then fields separated by NUL, with
//! numbers as 16 lower-case hex digits so that key order is numeric order.
//!
//! | key | value |
//! |---|---|
//! | `meta/format` | store format version (number) |
//! | `meta/seq` | last change-feed sequence number |
//! | `meta/qseq` | last quarantine id |
//! | `meta/loading` | present while a dump is being loaded: such a store refuses to open |
//! | `rec/{source}\0{native_id}` | the record as it now stands ([`Record`](homeward_schemas::Record)) |
//! | `ver/{source}\0{native_id}\0{version}` | one version ([`VersionEntry`](crate::VersionEntry)) |
//! | `idx/{native id or NIC}\0{source}\0{native_id}` | empty: finds a record by native id or NIC across sources |
//! | `dig/{scope}\0{sha256}` | an input item seen before ([`DigestEntry`](crate::DigestEntry)) |
//! | `q/{id}` | an open quarantine item ([`QuarantineItem`](crate::QuarantineItem)) |
//! | `qdone/{id}` | a quarantine item resolved by reprocessing ([`ResolvedQuarantine`](crate::ResolvedQuarantine)) |
//! | `chg/{seq}` | one change-feed entry ([`Change`](crate::Change)) |
//! | `cur/{consumer}` | a consumer's cursor: the last sequence number it has processed |
//! | `meta/aseq` | last audit-log entry number |
//! | `aud/{seq}` | one audit-log entry ([`AuditEntry`](crate::AuditEntry)): an administrative action |
//! | `job/{id}` | a scheduled job's saved state (the gateway's JSON: a pull cursor, the last run) |
//! | `meta/evlen` | number of evidence-log entries |
//! | `ev/{seq}` | one evidence-log entry, its stored bytes as `{"hex": "..."}` ([`federation`](crate::federation)) |
//! | `rpl/{key}` | a replay key seen (hex of the exchange's replay key): the envelope's created time, ms |
//! | `rplt/{created ms}\0{key}` | empty: replay keys by created time, for pruning |
//! | `shr/{partner}\0{source}\0{native_id}` | a record sent to a partner ([`SharedMark`](crate::SharedMark): version, status, time) |
//! | `rcv/{partner}\0{source}\0{native_id}` | a record received from a partner ([`ReceivedMark`](crate::ReceivedMark)) |
//! | `rcur/{partner}\0{feed}` | the cursor of a pull from a partner's feed (`changes`, `pfif`), as the partner gave it |
//! | `match/{pair}` | a crossmatch candidate pair as last computed ([`MatchEntry`](crate::MatchEntry)) |
//! | `notice/{agency}\0{pair}` | an agency's notification of a match ([`Notice`](crate::Notice)), seen or not |
//! | `mrec/{source}\0{native_id}\0{pair}` | the pair (JSON): the matches naming a record |
//! | `dec/{pair}` | the investigator's decision in force on a pair ([`Decision`](homeward_crossmatch::Decision)) |
//! | `dlog/{seq}` | every decision and withdrawal of one, in order, never pruned ([`DecisionEvent`](crate::DecisionEvent)) |
//! | `meta/dseq` | the decision log's last sequence number |
//! | `meta/dapplied` | the last decision-log entry the crossmatch consumer has applied |
//! | `meta/cseq` | the configuration history's last version number |
//! | `cfg/{n}` | one version of the configuration file, never pruned ([`ConfigVersion`](crate::ConfigVersion): who, when, comment, digest, text) |
//!
//! `{pair}` is `{relation}\0{left source}\0{left native_id}\0{right source}\0{right native_id}`
//! (`matches.rs`).

use homeward_schemas::RecordId;

pub(crate) const META_FORMAT: &str = "meta/format";
pub(crate) const META_SEQ: &str = "meta/seq";
pub(crate) const META_LOADING: &str = "meta/loading";
pub(crate) const META_QSEQ: &str = "meta/qseq";
/// The last [`crate::Store::probe_write`] (a time): written to see whether commits work.
pub(crate) const META_PROBE: &str = "meta/probe";
pub(crate) const REC: &str = "rec/";
pub(crate) const QUAR: &str = "q/";
pub(crate) const QUAR_DONE: &str = "qdone/";
pub(crate) const CHG: &str = "chg/";
pub(crate) const CUR: &str = "cur/";
pub(crate) const META_ASEQ: &str = "meta/aseq";
pub(crate) const AUD: &str = "aud/";
pub(crate) const JOB: &str = "job/";
pub(crate) const META_EVLEN: &str = "meta/evlen";
pub(crate) const EV: &str = "ev/";
pub(crate) const RPL: &str = "rpl/";
pub(crate) const RPLT: &str = "rplt/";
pub(crate) const SHR: &str = "shr/";
pub(crate) const RCV: &str = "rcv/";
pub(crate) const RCUR: &str = "rcur/";
pub(crate) const MATCH: &str = "match/";
pub(crate) const NOTICE: &str = "notice/";
pub(crate) const MREC: &str = "mrec/";
pub(crate) const DEC: &str = "dec/";
pub(crate) const DLOG: &str = "dlog/";
pub(crate) const META_DSEQ: &str = "meta/dseq";
pub(crate) const META_DAPPLIED: &str = "meta/dapplied";
pub(crate) const META_CSEQ: &str = "meta/cseq";
pub(crate) const CFG: &str = "cfg/";

/// Whether `s` can be part of a key (a NUL would break the layout).
pub(crate) fn valid_part(s: &str) -> bool {
    !s.contains('\0')
}

/// `parts` joined, each after the first preceded by a NUL (keys are built for every write:
/// one allocation, no formatting).
fn join(parts: &[&str], tail: usize) -> String {
    let mut k = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + tail);
    for (i, p) in parts.iter().enumerate() {
        if i > 1 {
            k.push('\0');
        }
        k.push_str(p);
    }
    k
}

/// `n` as 16 lower-case hex digits.
fn push_hex(k: &mut String, n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        k.push(HEX[((n >> (shift * 4)) & 0xf) as usize] as char);
    }
}

pub(crate) fn rec(id: &RecordId) -> String {
    join(&["rec/", &id.source, &id.native_id], 0)
}

pub(crate) fn rec_source_prefix(source: &str) -> String {
    format!("rec/{source}\0")
}

pub(crate) fn ver_prefix(id: &RecordId) -> String {
    let mut k = join(&["ver/", &id.source, &id.native_id], 17);
    k.push('\0');
    k
}

pub(crate) fn ver(id: &RecordId, version: u64) -> String {
    let mut k = ver_prefix(id);
    push_hex(&mut k, version);
    k
}

pub(crate) fn idx_prefix(lookup: &str) -> String {
    format!("idx/{lookup}\0")
}

pub(crate) fn idx(lookup: &str, id: &RecordId) -> String {
    join(&["idx/", lookup, &id.source, &id.native_id], 0)
}

/// The record id at the end of an `idx/` key.
pub(crate) fn idx_record(key: &str) -> Option<RecordId> {
    let mut parts = key.strip_prefix("idx/")?.split('\0');
    let _lookup = parts.next()?;
    let source = parts.next()?;
    let native = parts.next()?;
    Some(RecordId::new(source, native))
}

pub(crate) fn dig(scope: &str, digest: &str) -> String {
    join(&["dig/", scope, digest], 0)
}

pub(crate) fn quar(id: u64) -> String {
    format!("{QUAR}{id:016x}")
}

pub(crate) fn quar_done(id: u64) -> String {
    format!("{QUAR_DONE}{id:016x}")
}

pub(crate) fn chg(seq: u64) -> String {
    let mut k = String::with_capacity(CHG.len() + 16);
    k.push_str(CHG);
    push_hex(&mut k, seq);
    k
}

pub(crate) fn cur(consumer: &str) -> String {
    format!("{CUR}{consumer}")
}

pub(crate) fn aud(seq: u64) -> String {
    format!("{AUD}{seq:016x}")
}

pub(crate) fn cfg(n: u64) -> String {
    format!("{CFG}{n:016x}")
}

pub(crate) fn job(id: &str) -> String {
    format!("{JOB}{id}")
}

pub(crate) fn ev(seq: u64) -> String {
    format!("{EV}{seq:016x}")
}

pub(crate) fn rpl(key_hex: &str) -> String {
    format!("{RPL}{key_hex}")
}

pub(crate) fn rplt(created_ms: u64, key_hex: &str) -> String {
    format!("{RPLT}{created_ms:016x}\0{key_hex}")
}

/// The replay key at the end of an `rplt/` key.
pub(crate) fn rplt_key(key: &str) -> Option<(u64, &str)> {
    let (t, k) = key.strip_prefix(RPLT)?.split_once('\0')?;
    Some((u64::from_str_radix(t, 16).ok()?, k))
}

pub(crate) fn shr_prefix(partner: &str) -> String {
    format!("{SHR}{partner}\0")
}

pub(crate) fn shr(partner: &str, id: &RecordId) -> String {
    format!("{SHR}{partner}\0{}\0{}", id.source, id.native_id)
}

pub(crate) fn rcv(partner: &str, id: &RecordId) -> String {
    format!("{RCV}{partner}\0{}\0{}", id.source, id.native_id)
}

pub(crate) fn rcur(partner: &str, feed: &str) -> String {
    format!("{RCUR}{partner}\0{feed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_keys_sort_numerically() {
        assert!(chg(9) < chg(10));
        assert!(chg(255) < chg(256));
        let id = RecordId::new("S", "N");
        assert!(ver(&id, 2) < ver(&id, 17));
    }

    #[test]
    fn a_source_prefix_does_not_match_a_longer_source() {
        let a = rec(&RecordId::new("AB", "1"));
        let b = rec(&RecordId::new("ABC", "1"));
        assert!(a.starts_with(&rec_source_prefix("AB")));
        assert!(!b.starts_with(&rec_source_prefix("AB")));
    }

    #[test]
    fn replay_time_keys_sort_by_time_and_name_their_key() {
        assert!(rplt(9, "ff") < rplt(10, "00"));
        assert_eq!(rplt_key(&rplt(1234, "abcd")), Some((1234, "abcd")));
        assert!(ev(15) < ev(16));
    }

    #[test]
    fn keys_are_built_as_their_layout_says() {
        let id = RecordId::new("AZ1", "M1");
        assert_eq!(rec(&id), "rec/AZ1\0M1");
        assert_eq!(ver_prefix(&id), "ver/AZ1\0M1\0");
        assert_eq!(ver(&id, 0x1f), "ver/AZ1\x00M1\x00000000000000001f");
        assert_eq!(
            ver(&id, u64::MAX),
            format!("ver/AZ1\0M1\0{:016x}", u64::MAX)
        );
        assert_eq!(idx("N1", &id), "idx/N1\0AZ1\0M1");
        assert_eq!(dig("AZ1", "ab"), "dig/AZ1\0ab");
        assert_eq!(chg(0xabc), "chg/0000000000000abc");
    }

    #[test]
    fn index_keys_name_their_record() {
        let id = RecordId::new("gmcn.example.org", "gmcn.example.org/p.1");
        assert_eq!(idx_record(&idx("M000000001", &id)), Some(id));
    }
}
