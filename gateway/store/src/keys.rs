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
//! | `match/{pair}` | a crossmatch candidate pair as last computed ([`MatchEntry`](crate::MatchEntry)) |
//! | `notice/{agency}\0{pair}` | an agency's notification of a match ([`Notice`](crate::Notice)), seen or not |
//! | `mrec/{source}\0{native_id}\0{pair}` | the pair (JSON): the matches naming a record |
//! | `dec/{pair}` | the investigator's decision in force on a pair ([`Decision`](homeward_crossmatch::Decision)) |
//! | `dlog/{seq}` | every decision and withdrawal of one, in order, never pruned ([`DecisionEvent`](crate::DecisionEvent)) |
//! | `meta/dseq` | the decision log's last sequence number |
//!
//! `{pair}` is `{relation}\0{left source}\0{left native_id}\0{right source}\0{right native_id}`
//! (`matches.rs`).

use homeward_schemas::RecordId;

pub(crate) const META_FORMAT: &str = "meta/format";
pub(crate) const META_SEQ: &str = "meta/seq";
pub(crate) const META_LOADING: &str = "meta/loading";
pub(crate) const META_QSEQ: &str = "meta/qseq";
pub(crate) const REC: &str = "rec/";
pub(crate) const QUAR: &str = "q/";
pub(crate) const QUAR_DONE: &str = "qdone/";
pub(crate) const CHG: &str = "chg/";
pub(crate) const CUR: &str = "cur/";
pub(crate) const MATCH: &str = "match/";
pub(crate) const NOTICE: &str = "notice/";
pub(crate) const MREC: &str = "mrec/";
pub(crate) const DEC: &str = "dec/";
pub(crate) const DLOG: &str = "dlog/";
pub(crate) const META_DSEQ: &str = "meta/dseq";

/// Whether `s` can be part of a key (a NUL would break the layout).
pub(crate) fn valid_part(s: &str) -> bool {
    !s.contains('\0')
}

pub(crate) fn rec(id: &RecordId) -> String {
    format!("rec/{}\0{}", id.source, id.native_id)
}

pub(crate) fn rec_source_prefix(source: &str) -> String {
    format!("rec/{source}\0")
}

pub(crate) fn ver_prefix(id: &RecordId) -> String {
    format!("ver/{}\0{}\0", id.source, id.native_id)
}

pub(crate) fn ver(id: &RecordId, version: u64) -> String {
    format!("{}{version:016x}", ver_prefix(id))
}

pub(crate) fn idx_prefix(lookup: &str) -> String {
    format!("idx/{lookup}\0")
}

pub(crate) fn idx(lookup: &str, id: &RecordId) -> String {
    format!("idx/{lookup}\0{}\0{}", id.source, id.native_id)
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
    format!("dig/{scope}\0{digest}")
}

pub(crate) fn quar(id: u64) -> String {
    format!("{QUAR}{id:016x}")
}

pub(crate) fn quar_done(id: u64) -> String {
    format!("{QUAR_DONE}{id:016x}")
}

pub(crate) fn chg(seq: u64) -> String {
    format!("{CHG}{seq:016x}")
}

pub(crate) fn cur(consumer: &str) -> String {
    format!("{CUR}{consumer}")
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
    fn index_keys_name_their_record() {
        let id = RecordId::new("gmcn.example.org", "gmcn.example.org/p.1");
        assert_eq!(idx_record(&idx("M000000001", &id)), Some(id));
    }
}
