//! The crossmatch's tables: match notifications per agency, and investigators' decisions.
//!
//! The crossmatch consumer (`gateway/src/matching/`) reads the change feed, computes each
//! changed record's candidates and records them here ([`MatchWrites::propose`]), together
//! with its change-feed cursor ([`MatchWrites::ack`]) in **one** durable batch
//! ([`Store::matches_write`]): after a crash it resumes after the last batch whose
//! notifications are stored, and proposing a pair again is harmless.
//!
//! - A **match** is a proposed pair as last computed ([`MatchEntry`]: relation, the two
//!   records, score, rank, reasons, when it appeared and last improved, proposed or
//!   withdrawn). There is one per pair.
//! - A **notice** is one agency's notification of a match ([`Notice`]: when, read or not).
//!   Both records' agencies (their sources) get one; one notice when both records come from
//!   one source. A notice is made when the match appears, and made unread again when its
//!   score improves by at least [`IMPROVEMENT_BITS`] or a withdrawn match is proposed again.
//!   Proposing a pair again with the same result changes nothing, so a consumer that repeats
//!   a batch after a crash makes no second notice.
//! - A **decision** (confirmed or excluded, by whom, when, comment) is kept in force per
//!   pair (`dec/`) and in an append-only log (`dlog/`) that is never pruned: a later
//!   decision on a pair replaces the one in force, and the log keeps both. The log's
//!   sequence (`meta/dseq`) lets a running consumer pick up decisions made elsewhere (the
//!   command line, the admin API).
//!
//! | key | value |
//! |---|---|
//! | `match/{pair}` | [`MatchEntry`] |
//! | `notice/{agency}\0{pair}` | [`Notice`] |
//! | `mrec/{source}\0{native_id}\0{pair}` | the [`PairKey`]: the matches naming a record |
//! | `dec/{pair}` | the [`Decision`] in force on the pair |
//! | `dlog/{seq}` | [`DecisionEvent`]: every decision and withdrawal, in order |
//! | `meta/dseq` | the decision log's last sequence number |
//! | `meta/dapplied` | the last decision-log entry the crossmatch consumer has applied |
//!
//! `{pair}` is `{relation}\0{left source}\0{left native_id}\0{right source}\0{right
//! native_id}` with the relation as written in outputs (`same_person`,
//! `possible_identification`), the pair ordered as [`PairKey::new`] orders it.

use chrono::{DateTime, Utc};
use homeward_crossmatch::{Decision, PairKey, Relation, ScorePart, Verdict};
use homeward_schemas::RecordId;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::keys;
use crate::store::Store;
use crate::txn::{Txn, decode};

/// A match's score must rise by this many bits above the score it was last notified at
/// (twice as likely, at 1 bit) for its notices to be made unread again: small drifts (frequencies change as records arrive) do not
/// notify anyone.
pub const IMPROVEMENT_BITS: f32 = 1.0;

/// Whether a match is currently proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchState {
    /// Proposed: both records are open and the pair was a candidate when last computed.
    Proposed,
    /// No longer proposed: a record was closed (located, cleared, identified, cancelled,
    /// expired) or removed, or the pair became impossible. Kept, with the reason.
    Withdrawn,
}

/// A proposed pair, as last computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchEntry {
    pub pair: PairKey,
    /// Bits of evidence (higher is better; comparable within a relation).
    pub score: f32,
    /// Identification: the rank in the unidentified or unclaimed record's list when
    /// computed (1 is best); same person: 0.
    #[serde(default)]
    pub rank: u32,
    /// The score's parts in words (supporting first, strongest first).
    pub reasons: String,
    /// The score's parts, attribute by attribute (bits and what was compared).
    #[serde(default)]
    pub parts: Vec<ScorePart>,
    /// The left record's version when the pair was computed.
    #[serde(default)]
    pub left_version: u64,
    /// The right record's version when the pair was computed.
    #[serde(default)]
    pub right_version: u64,
    /// Identification scored on another record of the same remains (see the crossmatch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<RecordId>,
    /// Other reports of the same missing person folded into this match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<RecordId>,
    /// When the pair was first proposed.
    pub first_at: DateTime<Utc>,
    /// When its notices were last made (first proposal, an improvement, a new proposal
    /// after a withdrawal).
    pub notified_at: DateTime<Utc>,
    /// When it was last computed.
    pub updated_at: DateTime<Utc>,
    /// The score its notices were last made at: an improvement is measured from it, so a
    /// score that moves back and forth (the pair computed from either record's side, with
    /// different evidence lent by linked records) notifies nobody again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_score: Option<f32>,
    pub state: MatchState,
    /// Why it was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
}

/// One agency's notification of a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The agency notified: the source of one of the two records.
    pub agency: String,
    pub pair: PairKey,
    /// When it was notified (last).
    pub at: DateTime<Utc>,
    /// When it was marked read since; `None`: unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
    /// Who marked it read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_by: Option<String>,
}

impl Notice {
    /// Whether the agency has marked it read.
    pub fn is_read(&self) -> bool {
        self.read_at.is_some()
    }
}

/// A new computation of a candidate pair ([`MatchWrites::propose`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub pair: PairKey,
    pub score: f32,
    pub rank: u32,
    pub reasons: String,
    pub parts: Vec<ScorePart>,
    pub left_version: u64,
    pub right_version: u64,
    pub via: Option<RecordId>,
    pub also: Vec<RecordId>,
}

/// What proposing a pair did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposed {
    /// First proposed: both agencies notified.
    New,
    /// Proposed again after a withdrawal: both agencies notified again.
    Again,
    /// The score rose by at least [`IMPROVEMENT_BITS`]: both agencies notified again.
    Improved,
    /// Score, rank, reasons or the records' versions changed, the score by less than
    /// [`IMPROVEMENT_BITS`]: updated, nobody notified.
    Updated,
    /// Nothing changed.
    Unchanged,
}

impl Proposed {
    /// Whether the agencies were notified.
    pub fn notified(self) -> bool {
        matches!(self, Proposed::New | Proposed::Again | Proposed::Improved)
    }
}

/// One entry of the decision log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionEvent {
    pub seq: u64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub what: DecisionChange,
}

/// A decision made, or one withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum DecisionChange {
    /// A decision recorded (it replaces any earlier one on the pair).
    Decided { decision: Decision },
    /// The decision on a pair withdrawn (the pair is undecided again).
    Withdrawn {
        pair: PairKey,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
}

impl DecisionChange {
    pub fn pair(&self) -> &PairKey {
        match self {
            DecisionChange::Decided { decision } => &decision.pair,
            DecisionChange::Withdrawn { pair, .. } => pair,
        }
    }
}

/// Which matches to list ([`Store::match_views`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchFilter {
    /// Only matches one agency was notified of (a record source: ORI, XML sender, PFIF
    /// domain); all when `None`.
    pub agency: Option<String>,
    /// Only matches naming this record.
    pub record: Option<RecordId>,
    /// Only matches with an unread notice (the agency's, when `agency` is given).
    pub unread: bool,
    /// Also withdrawn matches and excluded pairs (hidden by default).
    pub all: bool,
}

/// A match with the decision in force on its pair and its agencies' notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchView {
    #[serde(rename = "match")]
    pub entry: MatchEntry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// One per agency notified (one, or two when the records come from two sources).
    pub notices: Vec<Notice>,
}

impl MatchView {
    /// The notice of one agency, if it was notified.
    pub fn notice(&self, agency: &str) -> Option<&Notice> {
        self.notices.iter().find(|n| n.agency == agency)
    }

    /// Whether the pair is excluded by an investigator.
    pub fn is_excluded(&self) -> bool {
        self.decision
            .as_ref()
            .is_some_and(|d| d.verdict == Verdict::Excluded)
    }
}

fn rel(r: Relation) -> &'static str {
    r.as_str()
}

fn pair_valid(p: &PairKey) -> bool {
    [
        &p.left.source,
        &p.left.native_id,
        &p.right.source,
        &p.right.native_id,
    ]
    .iter()
    .all(|s| keys::valid_part(s))
}

fn check_pair(p: &PairKey) -> Result<(), StoreError> {
    if pair_valid(p) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{} / {}: a record id holds a NUL character",
            p.left, p.right
        )))
    }
}

fn check_agency(a: &str) -> Result<(), StoreError> {
    if a.is_empty() || !keys::valid_part(a) {
        return Err(StoreError::Invalid(format!(
            "`{}` is not an agency",
            a.escape_default()
        )));
    }
    Ok(())
}

/// The agencies to notify of a pair: both records' sources, once each.
fn agencies(p: &PairKey) -> Vec<&str> {
    let mut v = vec![p.left.source.as_str()];
    if p.right.source != p.left.source {
        v.push(p.right.source.as_str());
    }
    v
}

fn pair_part(p: &PairKey) -> String {
    format!(
        "{}\0{}\0{}\0{}\0{}",
        rel(p.relation),
        p.left.source,
        p.left.native_id,
        p.right.source,
        p.right.native_id
    )
}

pub(crate) fn match_key(p: &PairKey) -> String {
    format!("{}{}", keys::MATCH, pair_part(p))
}

pub(crate) fn notice_key(agency: &str, p: &PairKey) -> String {
    format!("{}{agency}\0{}", keys::NOTICE, pair_part(p))
}

fn notice_prefix(agency: &str) -> String {
    format!("{}{agency}\0", keys::NOTICE)
}

fn mrec_prefix(id: &RecordId) -> String {
    format!("{}{}\0{}\0", keys::MREC, id.source, id.native_id)
}

pub(crate) fn mrec_key(id: &RecordId, p: &PairKey) -> String {
    format!("{}{}", mrec_prefix(id), pair_part(p))
}

pub(crate) fn dec_key(p: &PairKey) -> String {
    format!("{}{}", keys::DEC, pair_part(p))
}

pub(crate) fn dlog_key(seq: u64) -> String {
    format!("{}{seq:016x}", keys::DLOG)
}

/// Why a match naming an expired record was withdrawn (its words are gone with the data).
pub const EXPIRED_WITHDRAWAL: &str =
    "withdrawn: a record of the pair expired and its personal data was removed";
/// What replaces an investigator's note on a pair whose record expired.
pub const EXPIRED_NOTE: &str = "[removed: a record of the pair expired]";

/// Removes what the match tables say of an expired record's person, in the expiry's own
/// transaction: every match naming `id` is withdrawn and keeps only its pair, score, state and
/// times (its reasons and score parts quote names, dates and marks); the notes of decisions on
/// those pairs, in force and in the decision log, are replaced by [`EXPIRED_NOTE`] (the
/// verdict, who and when stay, as the audit of what was decided). Returns the matches
/// scrubbed.
pub(crate) fn scrub_expired(tx: &mut Txn, id: &RecordId) -> Result<usize, StoreError> {
    if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
        return Ok(0);
    }
    let pairs: Vec<PairKey> = tx
        .scan(&mrec_prefix(id))?
        .into_iter()
        .map(|(k, v)| decode(&k, &v))
        .collect::<Result<_, _>>()?;
    let mut n = 0;
    for pair in &pairs {
        let key = match_key(pair);
        if let Some(mut m) = tx.get::<MatchEntry>(&key)? {
            m.state = MatchState::Withdrawn;
            m.withdrawn = Some(EXPIRED_WITHDRAWAL.to_string());
            m.reasons = String::new();
            m.parts.clear();
            m.updated_at = tx.now;
            tx.put(key, &m)?;
            n += 1;
        }
        let dkey = dec_key(pair);
        if let Some(mut d) = tx.get::<Decision>(&dkey)?
            && d.note.as_deref().is_some_and(|x| x != EXPIRED_NOTE)
        {
            d.note = Some(EXPIRED_NOTE.to_string());
            tx.put(dkey, &d)?;
        }
    }
    if !pairs.is_empty() {
        for (k, v) in tx.scan(keys::DLOG)? {
            let mut e: DecisionEvent = decode(&k, &v)?;
            let names = {
                let p = e.what.pair();
                &p.left == id || &p.right == id
            };
            if let (true, DecisionChange::Decided { decision }) = (names, &mut e.what)
                && decision.note.as_deref().is_some_and(|x| x != EXPIRED_NOTE)
            {
                decision.note = Some(EXPIRED_NOTE.to_string());
                tx.put(k, &e)?;
            }
        }
    }
    Ok(n)
}

/// The crossmatch's writes inside one store transaction ([`Store::matches_write`]).
/// Nothing is written unless the whole transaction commits.
pub struct MatchWrites<'t> {
    tx: &'t mut Txn,
}

impl MatchWrites<'_> {
    /// The time the transaction is applied at.
    pub fn now(&self) -> DateTime<Utc> {
        self.tx.now
    }

    /// Records a computed candidate pair: a new match notifies both agencies; an existing
    /// one is updated, and notifies again when withdrawn before or improved by
    /// [`IMPROVEMENT_BITS`].
    pub fn propose(&mut self, p: Proposal) -> Result<Proposed, StoreError> {
        check_pair(&p.pair)?;
        let now = self.tx.now;
        let key = match_key(&p.pair);
        let old: Option<MatchEntry> = self.tx.get(&key)?;
        let outcome = match &old {
            None => Proposed::New,
            Some(o) if o.state == MatchState::Withdrawn => Proposed::Again,
            Some(o) if p.score >= o.notified_score.unwrap_or(o.score) + IMPROVEMENT_BITS => {
                Proposed::Improved
            }
            Some(o)
                if (o.score - p.score).abs() >= 0.005
                    || o.rank != p.rank
                    || o.reasons != p.reasons
                    || o.left_version != p.left_version
                    || o.right_version != p.right_version
                    || o.via != p.via
                    || o.also != p.also =>
            {
                Proposed::Updated
            }
            Some(_) => Proposed::Unchanged,
        };
        if outcome == Proposed::Unchanged {
            return Ok(outcome);
        }
        let entry = MatchEntry {
            pair: p.pair.clone(),
            score: p.score,
            rank: p.rank,
            reasons: p.reasons,
            parts: p.parts,
            left_version: p.left_version,
            right_version: p.right_version,
            via: p.via,
            also: p.also,
            first_at: old.as_ref().map(|o| o.first_at).unwrap_or(now),
            notified_at: if outcome.notified() {
                now
            } else {
                old.as_ref().map(|o| o.notified_at).unwrap_or(now)
            },
            updated_at: now,
            notified_score: if outcome.notified() {
                Some(p.score)
            } else {
                old.as_ref()
                    .and_then(|o| o.notified_score.or(Some(o.score)))
            },
            state: MatchState::Proposed,
            withdrawn: None,
        };
        self.tx.put(key, &entry)?;
        if outcome.notified() {
            for agency in agencies(&p.pair) {
                self.tx.put(
                    notice_key(agency, &p.pair),
                    &Notice {
                        agency: agency.to_string(),
                        pair: p.pair.clone(),
                        at: now,
                        read_at: None,
                        read_by: None,
                    },
                )?;
            }
        }
        if outcome == Proposed::New {
            self.tx.put(mrec_key(&p.pair.left, &p.pair), &p.pair)?;
            self.tx.put(mrec_key(&p.pair.right, &p.pair), &p.pair)?;
        }
        Ok(outcome)
    }

    /// Withdraws one proposed match (`why` says why); `false` when it was not proposed.
    pub fn withdraw(&mut self, pair: &PairKey, why: &str) -> Result<bool, StoreError> {
        if !pair_valid(pair) {
            return Ok(false);
        }
        let key = match_key(pair);
        let Some(mut m) = self.tx.get::<MatchEntry>(&key)? else {
            return Ok(false);
        };
        if m.state == MatchState::Withdrawn {
            return Ok(false);
        }
        m.state = MatchState::Withdrawn;
        m.withdrawn = Some(why.to_string());
        m.updated_at = self.tx.now;
        self.tx.put(key, &m)?;
        // a record that expired since: what the match says of its person goes too
        for id in [&pair.left, &pair.right] {
            if self
                .tx
                .get::<homeward_schemas::Record>(&keys::rec(id))?
                .is_some_and(|r| r.status == homeward_schemas::Status::Expired)
            {
                scrub_expired(self.tx, id)?;
            }
        }
        Ok(true)
    }

    /// Withdraws every proposed match naming `id` (the record was closed or removed).
    /// Returns how many.
    pub fn withdraw_record(&mut self, id: &RecordId, why: &str) -> Result<usize, StoreError> {
        let mut n = 0;
        for pair in self.pairs_of(id)? {
            if self.withdraw(&pair, why)? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The pairs of every match naming `id` (proposed or withdrawn).
    pub fn pairs_of(&self, id: &RecordId) -> Result<Vec<PairKey>, StoreError> {
        if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
            return Ok(Vec::new());
        }
        self.tx
            .scan(&mrec_prefix(id))?
            .into_iter()
            .map(|(k, v)| decode(&k, &v))
            .collect()
    }

    /// The match on a pair, if any.
    pub fn entry(&self, pair: &PairKey) -> Result<Option<MatchEntry>, StoreError> {
        if !pair_valid(pair) {
            return Ok(None);
        }
        self.tx.get(&match_key(pair))
    }

    /// Records that the consumer has applied the decision log up to `seq` (it never moves
    /// back).
    pub fn decisions_applied(&mut self, seq: u64) -> Result<(), StoreError> {
        let current: u64 = self.tx.get(keys::META_DAPPLIED)?.unwrap_or(0);
        if seq > current {
            self.tx.put(keys::META_DAPPLIED.to_string(), &seq)?;
        }
        Ok(())
    }

    /// Acknowledges the change feed up to `seq` for `consumer`, in this transaction (see
    /// [`crate::Consumer::ack`]).
    pub fn ack(&mut self, consumer: &str, seq: u64) -> Result<(), StoreError> {
        crate::feed::ack_in(self.tx, consumer, seq)
    }
}

impl Store {
    /// Runs the crossmatch's writes `f` in one transaction and makes them durable: every
    /// notification and the consumer's cursor are stored together or not at all.
    pub fn matches_write<T>(
        &self,
        f: impl FnOnce(&mut MatchWrites<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write(|tx| f(&mut MatchWrites { tx }))
    }

    /// Records an investigator's decision on a pair (durable when this returns); it
    /// replaces the decision in force on the pair, and the log keeps both. Returns the
    /// decision log's sequence number.
    pub fn record_decision(&self, d: &Decision) -> Result<u64, StoreError> {
        check_pair(&d.pair)?;
        self.write(|tx| {
            tx.put(dec_key(&d.pair), d)?;
            log_decision(
                tx,
                DecisionChange::Decided {
                    decision: d.clone(),
                },
            )
        })
    }

    /// Withdraws the decision on a pair (the pair is undecided again); `None` when there was
    /// none. Returns the decision withdrawn and the log's sequence number.
    pub fn withdraw_decision(
        &self,
        pair: &PairKey,
        by: Option<&str>,
    ) -> Result<Option<(Decision, u64)>, StoreError> {
        if !pair_valid(pair) {
            return Ok(None);
        }
        self.write(|tx| {
            let key = dec_key(pair);
            let Some(d) = tx.get::<Decision>(&key)? else {
                return Ok(None);
            };
            tx.delete(key);
            let seq = log_decision(
                tx,
                DecisionChange::Withdrawn {
                    pair: pair.clone(),
                    by: by.map(str::to_string),
                },
            )?;
            Ok(Some((d, seq)))
        })
    }

    /// The decision in force on a pair.
    pub fn decision(&self, pair: &PairKey) -> Result<Option<Decision>, StoreError> {
        if !pair_valid(pair) {
            return Ok(None);
        }
        let key = dec_key(pair);
        self.engine()
            .get(key.as_bytes())?
            .map(|b| decode(&key, &b))
            .transpose()
    }

    /// Every decision in force, in pair order.
    pub fn decisions(&self) -> Result<Vec<Decision>, StoreError> {
        let mut out = Vec::new();
        for kv in self.engine().scan_prefix(keys::DEC.as_bytes())? {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    /// The decision log's last sequence number (0 when no decision was ever made).
    pub fn decision_seq(&self) -> Result<u64, StoreError> {
        match self.engine().get(keys::META_DSEQ.as_bytes())? {
            Some(b) => decode(keys::META_DSEQ, &b),
            None => Ok(0),
        }
    }

    /// Up to `limit` decision-log entries after `seq`, oldest first.
    pub fn decisions_after(
        &self,
        seq: u64,
        limit: usize,
    ) -> Result<Vec<DecisionEvent>, StoreError> {
        let start = dlog_key(seq.saturating_add(1));
        let snap = self.engine().snapshot()?;
        let mut out = Vec::new();
        for kv in snap
            .scan(keys::DLOG.as_bytes(), start.as_bytes())?
            .take(limit)
        {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    /// The match on a pair.
    pub fn match_entry(&self, pair: &PairKey) -> Result<Option<MatchEntry>, StoreError> {
        if !pair_valid(pair) {
            return Ok(None);
        }
        let key = match_key(pair);
        self.engine()
            .get(key.as_bytes())?
            .map(|b| decode(&key, &b))
            .transpose()
    }

    /// Every match naming a record (proposed or withdrawn), with the decision in force on
    /// each.
    pub fn matches_of(
        &self,
        id: &RecordId,
    ) -> Result<Vec<(MatchEntry, Option<Decision>)>, StoreError> {
        if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
            return Ok(Vec::new());
        }
        let snap = self.engine().snapshot()?;
        let mut out = Vec::new();
        let prefix = mrec_prefix(id);
        for kv in snap.scan(prefix.as_bytes(), prefix.as_bytes())? {
            let (k, v) = kv?;
            let pair: PairKey = decode(&String::from_utf8_lossy(&k), &v)?;
            let key = match_key(&pair);
            let Some(b) = snap.get(key.as_bytes())? else {
                continue;
            };
            let entry: MatchEntry = decode(&key, &b)?;
            let dkey = dec_key(&pair);
            let decision = snap
                .get(dkey.as_bytes())?
                .map(|b| decode(&dkey, &b))
                .transpose()?;
            out.push((entry, decision));
        }
        Ok(out)
    }

    /// The matches a filter selects, each with its decision and notices, in key order
    /// (callers rank them).
    pub fn match_views(&self, filter: &MatchFilter) -> Result<Vec<MatchView>, StoreError> {
        if let Some(a) = &filter.agency {
            check_agency(a)?;
        }
        let snap = self.engine().snapshot()?;
        let get =
            |key: &str| -> Result<Option<Vec<u8>>, StoreError> { Ok(snap.get(key.as_bytes())?) };
        // the pairs to look at: a record's, an agency's notices', or every match
        let mut pairs: Vec<PairKey> = Vec::new();
        match (&filter.record, &filter.agency) {
            (Some(id), _) => {
                if !keys::valid_part(&id.source) || !keys::valid_part(&id.native_id) {
                    return Ok(Vec::new());
                }
                let prefix = mrec_prefix(id);
                for kv in snap.scan(prefix.as_bytes(), prefix.as_bytes())? {
                    let (k, v) = kv?;
                    pairs.push(decode(&String::from_utf8_lossy(&k), &v)?);
                }
            }
            (None, Some(agency)) => {
                let prefix = notice_prefix(agency);
                for kv in snap.scan(prefix.as_bytes(), prefix.as_bytes())? {
                    let (k, v) = kv?;
                    let n: Notice = decode(&String::from_utf8_lossy(&k), &v)?;
                    pairs.push(n.pair);
                }
            }
            (None, None) => {
                for kv in snap.scan(keys::MATCH.as_bytes(), keys::MATCH.as_bytes())? {
                    let (k, v) = kv?;
                    let m: MatchEntry = decode(&String::from_utf8_lossy(&k), &v)?;
                    pairs.push(m.pair);
                }
            }
        }
        let mut out = Vec::new();
        for pair in pairs {
            let key = match_key(&pair);
            let Some(b) = get(&key)? else {
                continue;
            };
            let entry: MatchEntry = decode(&key, &b)?;
            let dkey = dec_key(&pair);
            let decision: Option<Decision> = get(&dkey)?.map(|b| decode(&dkey, &b)).transpose()?;
            let mut notices = Vec::new();
            for agency in agencies(&pair) {
                let nkey = notice_key(agency, &pair);
                if let Some(b) = get(&nkey)? {
                    notices.push(decode::<Notice>(&nkey, &b)?);
                }
            }
            let view = MatchView {
                entry,
                decision,
                notices,
            };
            if let Some(a) = &filter.agency
                && view.notice(a).is_none()
            {
                continue;
            }
            if filter.unread {
                let unread = match &filter.agency {
                    Some(a) => view.notice(a).is_some_and(|n| !n.is_read()),
                    None => view.notices.iter().any(|n| !n.is_read()),
                };
                if !unread {
                    continue;
                }
            }
            if !filter.all && (view.entry.state == MatchState::Withdrawn || view.is_excluded()) {
                continue;
            }
            out.push(view);
        }
        Ok(out)
    }

    /// One pair's match with its decision and notices (withdrawn and excluded ones too).
    pub fn match_view(&self, pair: &PairKey) -> Result<Option<MatchView>, StoreError> {
        let Some(entry) = self.match_entry(pair)? else {
            return Ok(None);
        };
        let decision = self.decision(pair)?;
        let mut notices = Vec::new();
        for agency in agencies(pair) {
            let key = notice_key(agency, pair);
            if let Some(b) = self.engine().get(key.as_bytes())? {
                notices.push(decode(&key, &b)?);
            }
        }
        Ok(Some(MatchView {
            entry,
            decision,
            notices,
        }))
    }

    /// Marks `agency`'s notices read (by `by`, now): those of `pairs`, or all its unread
    /// ones when `pairs` is `None`. Returns how many changed.
    pub fn mark_read(
        &self,
        agency: &str,
        pairs: Option<&[PairKey]>,
        by: Option<&str>,
    ) -> Result<usize, StoreError> {
        check_agency(agency)?;
        self.write(|tx| {
            let now = tx.now;
            let keys: Vec<String> = match pairs {
                Some(ps) => ps
                    .iter()
                    .filter(|p| pair_valid(p))
                    .map(|p| notice_key(agency, p))
                    .collect(),
                None => tx
                    .scan(&notice_prefix(agency))?
                    .into_iter()
                    .map(|(k, _)| k)
                    .collect(),
            };
            let mut n = 0;
            for k in keys {
                let Some(mut notice) = tx.get::<Notice>(&k)? else {
                    continue;
                };
                if notice.is_read() {
                    continue;
                }
                notice.read_at = Some(now);
                notice.read_by = by.map(str::to_string);
                tx.put(k, &notice)?;
                n += 1;
            }
            Ok(n)
        })
    }

    /// The last decision-log entry the crossmatch consumer has applied (0: none).
    pub fn decisions_applied(&self) -> Result<u64, StoreError> {
        match self.engine().get(keys::META_DAPPLIED.as_bytes())? {
            Some(b) => decode(keys::META_DAPPLIED, &b),
            None => Ok(0),
        }
    }
}

fn log_decision(tx: &mut Txn, what: DecisionChange) -> Result<u64, StoreError> {
    let seq = tx.get::<u64>(keys::META_DSEQ)?.unwrap_or(0) + 1;
    tx.put(
        dlog_key(seq),
        &DecisionEvent {
            seq,
            at: tx.now,
            what,
        },
    )?;
    tx.put(keys::META_DSEQ.to_string(), &seq)?;
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use homeward_crossmatch::{Decision, PairKey, Relation, ScorePart, Verdict};
    use homeward_schemas::RecordId;

    use super::*;
    use crate::testkit::*;
    use crate::{EngineKind, InputContext};

    fn each_engine(f: impl Fn(EngineKind)) {
        for k in EngineKind::ALL {
            f(k);
        }
    }

    fn ident() -> PairKey {
        PairKey::new(
            Relation::PossibleIdentification,
            RecordId::new("AZ1", "M1"),
            RecordId::new("AZ-ME", "U1"),
        )
    }

    fn proposal(score: f32) -> Proposal {
        Proposal {
            pair: ident(),
            score,
            rank: 1,
            reasons: format!("name: agrees (+{score:.1})"),
            parts: vec![ScorePart {
                attribute: homeward_crossmatch::Attribute::Name,
                weight: score,
                detail: "agrees".into(),
            }],
            left_version: 1,
            right_version: 1,
            via: None,
            also: Vec::new(),
        }
    }

    fn views(s: &Store, agency: Option<&str>, unread: bool, all: bool) -> Vec<MatchView> {
        s.match_views(&MatchFilter {
            agency: agency.map(str::to_string),
            record: None,
            unread,
            all,
        })
        .unwrap()
    }

    #[test]
    fn a_new_match_notifies_both_agencies_and_only_improvements_notify_again() {
        each_engine(|k| {
            let (_d, s) = store(k);
            assert_eq!(
                s.matches_write(|w| w.propose(proposal(20.0))).unwrap(),
                Proposed::New
            );
            let all = views(&s, None, false, false);
            assert_eq!(all.len(), 1);
            let agencies: Vec<&str> = all[0].notices.iter().map(|n| n.agency.as_str()).collect();
            assert_eq!(agencies, ["AZ1", "AZ-ME"]);
            assert!(all[0].notices.iter().all(|n| !n.is_read()));
            assert_eq!(all[0].entry.score, 20.0);
            assert_eq!(all[0].entry.parts[0].weight, 20.0);
            assert_eq!(all[0].entry.state, MatchState::Proposed);
            assert_eq!(views(&s, Some("AZ-ME"), false, false).len(), 1);
            assert_eq!(views(&s, Some("TX1"), false, false).len(), 0);

            // the same again changes nothing; a small drift updates without notifying
            assert_eq!(
                s.matches_write(|w| w.propose(proposal(20.0))).unwrap(),
                Proposed::Unchanged
            );
            assert_eq!(s.mark_read("AZ1", None, Some("analyst")).unwrap(), 1);
            assert_eq!(views(&s, Some("AZ1"), true, false).len(), 0);
            assert_eq!(views(&s, Some("AZ-ME"), true, false).len(), 1);
            assert_eq!(
                s.matches_write(|w| w.propose(proposal(20.6))).unwrap(),
                Proposed::Updated
            );
            assert_eq!(views(&s, Some("AZ1"), true, false).len(), 0);
            let read = &views(&s, Some("AZ1"), false, false)[0];
            assert_eq!(
                read.notice("AZ1").unwrap().read_by.as_deref(),
                Some("analyst")
            );
            assert_eq!(read.entry.score, 20.6);
            // a new version of a record with the same score: updated, nobody notified
            let mut p = proposal(20.6);
            p.right_version = 2;
            assert_eq!(
                s.matches_write(|w| w.propose(p)).unwrap(),
                Proposed::Updated
            );
            assert_eq!(views(&s, Some("AZ1"), true, false).len(), 0);
            assert_eq!(s.match_entry(&ident()).unwrap().unwrap().right_version, 2);

            // an improvement of a bit or more over the score notified is news again
            assert_eq!(
                s.matches_write(|w| w.propose(proposal(22.0))).unwrap(),
                Proposed::Improved
            );
            assert_eq!(views(&s, Some("AZ1"), true, false).len(), 1);
            // a score going down and back up (computed from either side) is not
            s.mark_read("AZ1", None, None).unwrap();
            for score in [20.5, 22.0, 20.5, 22.4] {
                assert_eq!(
                    s.matches_write(|w| w.propose(proposal(score))).unwrap(),
                    Proposed::Updated
                );
            }
            assert_eq!(views(&s, Some("AZ1"), true, false).len(), 0);
        });
    }

    #[test]
    fn a_closed_record_withdraws_its_matches_and_a_new_proposal_notifies_again() {
        each_engine(|k| {
            let (_d, s) = store(k);
            s.matches_write(|w| w.propose(proposal(20.0))).unwrap();
            let n = s
                .matches_write(|w| w.withdraw_record(&RecordId::new("AZ-ME", "U1"), "cleared"))
                .unwrap();
            assert_eq!(n, 1);
            assert!(views(&s, None, false, false).is_empty());
            let all = views(&s, None, false, true);
            assert_eq!(all.len(), 1);
            assert_eq!(all[0].entry.state, MatchState::Withdrawn);
            assert_eq!(all[0].entry.withdrawn.as_deref(), Some("cleared"));
            // withdrawing twice is harmless
            let again = s
                .matches_write(|w| w.withdraw_record(&RecordId::new("AZ1", "M1"), "x"))
                .unwrap();
            assert_eq!(again, 0);
            assert_eq!(
                s.matches_write(|w| w.propose(proposal(19.0))).unwrap(),
                Proposed::Again
            );
            assert_eq!(views(&s, Some("AZ1"), true, false).len(), 1);
            assert_eq!(views(&s, Some("AZ-ME"), true, false).len(), 1);
            let by_record = s
                .match_views(&MatchFilter {
                    record: Some(RecordId::new("AZ1", "M1")),
                    ..MatchFilter::default()
                })
                .unwrap();
            assert_eq!(by_record.len(), 1);
            let of = s.matches_of(&RecordId::new("AZ1", "M1")).unwrap();
            assert_eq!(of.len(), 1);
            assert_eq!(of[0].0.state, MatchState::Proposed);
        });
    }

    #[test]
    fn decisions_are_durable_replaced_logged_and_exclusions_hide_the_match() {
        each_engine(|k| {
            let dir = tempfile::tempdir().unwrap();
            {
                let s = Store::open(dir.path(), k).unwrap();
                s.matches_write(|w| w.propose(proposal(20.0))).unwrap();
                let confirm = Decision {
                    pair: ident(),
                    verdict: Verdict::Confirmed,
                    by: Some("J. Doe".into()),
                    at: Some(t("2026-11-01T10:00:00Z")),
                    note: Some("dental records".into()),
                };
                assert_eq!(s.record_decision(&confirm).unwrap(), 1);
                let v = views(&s, Some("AZ1"), false, false);
                assert_eq!(v[0].decision.as_ref().unwrap().verdict, Verdict::Confirmed);
                assert_eq!(
                    v[0].decision.as_ref().unwrap().note.as_deref(),
                    Some("dental records")
                );
                let exclude = Decision {
                    verdict: Verdict::Excluded,
                    by: Some("R. Roe".into()),
                    ..confirm.clone()
                };
                assert_eq!(s.record_decision(&exclude).unwrap(), 2);
                // excluded: hidden unless asked for everything
                assert!(views(&s, None, false, false).is_empty());
                assert_eq!(views(&s, None, false, true).len(), 1);
                // a same-person decision names one pair whatever the order
                let sp = Decision {
                    pair: PairKey::new(
                        Relation::SamePerson,
                        RecordId::new("TX2", "M9"),
                        RecordId::new("AZ1", "M1"),
                    ),
                    verdict: Verdict::Excluded,
                    by: None,
                    at: None,
                    note: None,
                };
                s.record_decision(&sp).unwrap();
                let back = PairKey::new(
                    Relation::SamePerson,
                    RecordId::new("AZ1", "M1"),
                    RecordId::new("TX2", "M9"),
                );
                assert_eq!(
                    s.decision(&back).unwrap().unwrap().verdict,
                    Verdict::Excluded
                );
            }
            // after a restart: in force and logged
            let s = Store::open(dir.path(), k).unwrap();
            let d = s.decisions().unwrap();
            assert_eq!(d.len(), 2);
            let on_ident = s.decision(&ident()).unwrap().unwrap();
            assert_eq!(on_ident.verdict, Verdict::Excluded);
            assert_eq!(on_ident.by.as_deref(), Some("R. Roe"));
            assert_eq!(s.decision_seq().unwrap(), 3);
            let log = s.decisions_after(0, 10).unwrap();
            assert_eq!(log.len(), 3);
            assert!(matches!(
                &log[0].what,
                DecisionChange::Decided { decision } if decision.verdict == Verdict::Confirmed
            ));
            assert_eq!(s.decisions_after(2, 10).unwrap().len(), 1);
            // withdrawing a decision: undecided again, and logged too
            let (old, seq) = s
                .withdraw_decision(&ident(), Some("R. Roe"))
                .unwrap()
                .unwrap();
            assert_eq!(old.verdict, Verdict::Excluded);
            assert_eq!(seq, 4);
            assert!(s.decision(&ident()).unwrap().is_none());
            assert!(s.withdraw_decision(&ident(), None).unwrap().is_none());
            assert_eq!(views(&s, None, false, false).len(), 1);
            let rep = s.check().unwrap();
            assert!(rep.is_ok(), "{:?}", rep.problems);
            assert_eq!(rep.decision_log, 4);
            assert_eq!(rep.matches, 1);
            assert_eq!(rep.notices, 2);
            // the consumer's place in the decision log never moves back
            assert_eq!(s.decisions_applied().unwrap(), 0);
            s.matches_write(|w| w.decisions_applied(3)).unwrap();
            s.matches_write(|w| w.decisions_applied(1)).unwrap();
            assert_eq!(s.decisions_applied().unwrap(), 3);
        });
    }

    #[test]
    fn notifications_and_the_cursor_are_stored_together_or_not_at_all() {
        each_engine(|k| {
            let (_d, s) = store(k);
            let r = missing("AZ1", "M1", "DOE", "JANE");
            s.apply_batch(&[entry(&r, 1)], &InputContext::file("a", "test"))
                .unwrap();
            // acknowledging past the feed fails: the proposal is not stored either
            let err = s.matches_write(|w| {
                w.propose(proposal(20.0))?;
                w.ack("crossmatch", 5)
            });
            assert!(err.is_err());
            assert!(s.match_entry(&ident()).unwrap().is_none());
            assert_eq!(s.cursor("crossmatch").unwrap(), 0);
            s.matches_write(|w| {
                w.propose(proposal(20.0))?;
                w.ack("crossmatch", 1)
            })
            .unwrap();
            assert!(s.match_entry(&ident()).unwrap().is_some());
            assert_eq!(s.cursor("crossmatch").unwrap(), 1);
            // the cursor never moves back through an acknowledgement
            s.matches_write(|w| w.ack("crossmatch", 0)).unwrap();
            assert_eq!(s.cursor("crossmatch").unwrap(), 1);
        });
    }

    #[test]
    fn ids_that_cannot_be_keys_are_refused_or_ignored() {
        let (_d, s) = store(EngineKind::Sled);
        let bad = PairKey::new(
            Relation::SamePerson,
            RecordId::new("A\0B", "1"),
            RecordId::new("C", "2"),
        );
        let mut p = proposal(1.0);
        p.pair = bad.clone();
        assert!(s.matches_write(|w| w.propose(p)).is_err());
        assert!(s.match_entry(&bad).unwrap().is_none());
        assert!(
            s.match_views(&MatchFilter {
                agency: Some("A\0".into()),
                ..MatchFilter::default()
            })
            .is_err()
        );
        assert!(s.mark_read("", None, None).is_err());
    }
}
