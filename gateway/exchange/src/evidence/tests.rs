use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;

use super::merkle::{inclusion_proof, root, verify_inclusion};
use super::*;
use crate::backend::Outcome;
use crate::envelope::{CANONICAL_FORMAT, Draft, Envelope};
use crate::keys::SigningKeyPair;
use crate::memory::MemoryEvidenceStorage;
use crate::partners::{PartnerConfig, PartnerRegistry};
use crate::policy::PartnerRole;
use crate::receipt::{ItemOutcome, Receipt, ReceiptBody};

struct Setup {
    storage: Arc<MemoryEvidenceStorage>,
    log: EvidenceLog,
    hub_key: SigningKeyPair,
    state_key: SigningKeyPair,
}

fn setup() -> Setup {
    let storage = Arc::new(MemoryEvidenceStorage::new());
    let log = EvidenceLog::open(storage.clone()).unwrap();
    Setup {
        storage,
        log,
        hub_key: SigningKeyPair::generate().unwrap(),
        state_key: SigningKeyPair::generate().unwrap(),
    }
}

/// A received push as the hub logs it: the state's envelope and the hub's receipt.
fn received(s: &Setup, exchange: &str) -> EntryDraft {
    let env = Envelope::seal(
        Draft::push(
            "state",
            "hub",
            exchange,
            CANONICAL_FORMAT,
            Bytes::from_static(b"[]"),
        ),
        &s.state_key,
        Utc::now(),
    )
    .unwrap();
    let receipt = Receipt::sign(
        ReceiptBody {
            sender: "hub".into(),
            receiver: "state".into(),
            exchange_id: exchange.into(),
            envelope_sha256: env.digest(),
            payload_sha256: env.header.payload_sha256,
            created: Utc::now(),
            key_id: String::new(),
            outcomes: vec![ItemOutcome {
                index: 0,
                item: "TX/M1".into(),
                outcome: Outcome::Accepted,
            }],
        },
        &s.hub_key,
    )
    .unwrap();
    EntryDraft {
        kind: EntryKind::PushReceived,
        partner: "state".into(),
        exchange_id: exchange.into(),
        envelope_sha256: env.digest(),
        envelope: Some(SignedPart {
            bytes: env.header_bytes().to_vec(),
            signature: env.signature,
            public_key: Some(s.state_key.public().to_bytes()),
        }),
        receipt: Some(SignedPart {
            bytes: receipt.body_bytes().to_vec(),
            signature: receipt.signature,
            public_key: Some(s.hub_key.public().to_bytes()),
        }),
        outcome: EntryOutcome::new(200, "ok", "1 accepted"),
    }
}

fn refused(partner: &str) -> EntryDraft {
    let mut d = EntryDraft::new(
        EntryKind::TlsRefused,
        partner,
        EntryOutcome::new(0, "tls_unregistered", "certificate ab12 is not registered"),
    );
    d.envelope_sha256 = [7; 32];
    d
}

fn fill(s: &Setup) {
    s.log.append(received(s, "x-0"), Utc::now()).unwrap();
    s.log
        .append(refused("unregistered:ab12"), Utc::now())
        .unwrap();
    s.log.append(received(s, "x-2"), Utc::now()).unwrap();
    s.log.append(received(s, "x-3"), Utc::now()).unwrap();
}

fn trust(s: &Setup) -> TrustedKeys {
    let mut t = TrustedKeys::new();
    t.add("state", &s.state_key.public());
    t.add("hub", &s.hub_key.public());
    t
}

#[test]
fn entries_chain_and_verify() {
    let s = setup();
    fill(&s);
    assert_eq!(s.log.len(), 4);
    let all = s.log.all().unwrap();
    assert_eq!(all[0].prev_hash, [0; 32]);
    for w in all.windows(2) {
        assert_eq!(
            w[1].prev_hash,
            crate::codec::sha256(&w[0].encode().unwrap())
        );
    }
    let summary = verify_log(s.storage.as_ref(), Some(&trust(&s))).unwrap();
    assert_eq!(summary.entries, 4);
    assert_eq!(
        summary.head_hash,
        crate::codec::sha256(&all[3].encode().unwrap())
    );
    // entries round-trip through their encoding
    for e in &all {
        assert_eq!(&EvidenceEntry::decode(&e.encode().unwrap()).unwrap(), e);
    }
    // reopening continues the chain
    let again = EvidenceLog::open(s.storage.clone()).unwrap();
    again.append(refused("x"), Utc::now()).unwrap();
    assert_eq!(verify_log(s.storage.as_ref(), None).unwrap().entries, 5);
}

#[test]
fn a_flipped_byte_anywhere_is_found_and_the_entry_named() {
    let s = setup();
    fill(&s);
    for seq in 0..4u64 {
        let len = s.storage.record(seq).unwrap().len();
        for at in (0..len).step_by(7).chain([len - 1]) {
            assert!(s.storage.tamper(seq, at, 0x10));
            let fault = verify_log(s.storage.as_ref(), None).unwrap_err();
            assert_eq!(fault.seq, seq, "byte {at} of entry {seq}: {fault}");
            assert!(s.storage.tamper(seq, at, 0x10));
        }
    }
    verify_log(s.storage.as_ref(), Some(&trust(&s))).unwrap();
}

#[test]
fn a_rewritten_entry_with_a_fresh_hash_breaks_the_chain_after_it() {
    let s = setup();
    fill(&s);
    // rewrite entry 1 consistently (new detail, recomputed stored hash)
    let mut e = s.log.all().unwrap().remove(1);
    e.outcome.detail = "nothing happened".into();
    let (rec, _) = encode_stored(&e.encode().unwrap()).unwrap();
    s.storage.replace(1, rec);
    let fault = verify_log(s.storage.as_ref(), None).unwrap_err();
    assert_eq!(fault.seq, 2);
    assert!(
        fault
            .to_string()
            .contains("previous hash does not match entry 1"),
        "{fault}"
    );
}

#[test]
fn a_forged_signature_or_foreign_key_is_found() {
    let s = setup();
    s.log.append(received(&s, "x-0"), Utc::now()).unwrap();
    // a receipt "signed" by a key that is not the hub's, logged consistently
    let mut forged = received(&s, "x-1");
    let mallory = SigningKeyPair::generate().unwrap();
    let r = forged.receipt.as_mut().unwrap();
    r.signature = mallory.sign(&r.bytes);
    r.public_key = Some(mallory.public().to_bytes());
    s.log.append(forged, Utc::now()).unwrap();
    let fault = verify_log(s.storage.as_ref(), None).unwrap_err();
    assert_eq!(fault.seq, 1);
    assert!(fault.problem.contains("receipt names key"), "{fault}");
    // with the key id made to match, only the trust check finds it
    let s = setup();
    let mut forged = received(&s, "x-1");
    let body = Receipt::from_parts(&forged.receipt.as_ref().unwrap().bytes, [0; 64])
        .unwrap()
        .body;
    let re = Receipt::sign(body, &mallory).unwrap();
    forged.receipt = Some(SignedPart {
        bytes: re.body_bytes().to_vec(),
        signature: re.signature,
        public_key: Some(mallory.public().to_bytes()),
    });
    s.log.append(forged, Utc::now()).unwrap();
    assert!(verify_log(s.storage.as_ref(), None).is_ok());
    let fault = verify_log(s.storage.as_ref(), Some(&trust(&s))).unwrap_err();
    assert_eq!(fault.seq, 0);
    assert!(
        fault.problem.contains("is not a registered key of `hub`"),
        "{fault}"
    );
}

#[test]
fn entries_that_need_signatures_must_have_them() {
    let s = setup();
    let mut d = received(&s, "x-0");
    d.receipt = None;
    s.log.append(d, Utc::now()).unwrap();
    let fault = verify_log(s.storage.as_ref(), None).unwrap_err();
    assert!(fault.problem.contains("must hold the receipt"), "{fault}");
}

#[test]
fn merkle_proofs_verify_for_every_size_and_index() {
    for n in 1..=33usize {
        let hashes: Vec<[u8; 32]> = (0..n)
            .map(|i| crate::codec::sha256(&i.to_be_bytes()))
            .collect();
        let r = root(&hashes);
        for i in 0..n {
            let p = inclusion_proof(&hashes, i).unwrap();
            assert!(verify_inclusion(&hashes[i], &p, &r), "n={n} i={i}");
            // the wrong leaf, index or root fails
            assert!(!verify_inclusion(&hashes[(i + 1) % n], &p, &r) || n == 1);
            let mut q = p.clone();
            q.index = (q.index + 1) % n as u64;
            assert!(!verify_inclusion(&hashes[i], &q, &r) || n == 1);
            assert!(!verify_inclusion(&hashes[i], &p, &[0; 32]));
        }
        assert!(inclusion_proof(&hashes, n).is_none());
    }
    // RFC 9162 shapes: a single leaf is its own root
    let one = [crate::codec::sha256(b"x")];
    assert_eq!(root(&one), merkle::leaf_hash(&one[0]));
}

#[test]
fn a_partner_checks_a_signed_tree_head_and_its_proof() {
    let s = setup();
    fill(&s);
    let hub = SigningKeyPair::generate().unwrap();
    let (sth, proofs) = s
        .log
        .proofs_for("state", "x-2", "hub", &hub, Utc::now())
        .unwrap();
    assert_eq!(proofs.len(), 1);
    sth.verify(&hub.public()).unwrap();
    let (bytes, proof) = &proofs[0];
    sth.check_inclusion(bytes, proof).unwrap();
    let entry = EvidenceEntry::decode(bytes).unwrap();
    assert_eq!(entry.exchange_id, "x-2");
    // tampering is caught
    let mut other = bytes.clone();
    let last = other.len() - 1;
    other[last] ^= 1;
    assert_eq!(
        sth.check_inclusion(&other, proof),
        Err(TreeHeadError::NotIncluded(2))
    );
    let mut forged = sth.clone();
    forged.size += 1;
    assert_eq!(
        forged.verify(&hub.public()),
        Err(TreeHeadError::BadSignature)
    );
    assert!(sth.verify(&s.hub_key.public()).is_err());
    // JSON form for the API
    let json = serde_json::to_string(&sth).unwrap();
    assert_eq!(serde_json::from_str::<SignedTreeHead>(&json).unwrap(), sth);
    // the root in the head is the log's root
    let summary = verify_log(s.storage.as_ref(), None).unwrap();
    assert_eq!(summary.merkle_root, sth.root);
}

#[test]
fn registry_trust_includes_partners_and_self() {
    let s = setup();
    let cfg = PartnerConfig::pinned(
        "state",
        "https://s:1",
        PartnerRole::LawEnforcement,
        &s.state_key.public(),
        [1; 32],
    );
    let reg = PartnerRegistry::from_config(&[cfg], Path::new(".")).unwrap();
    let t = TrustedKeys::from_registry(&reg, "hub", &[s.hub_key.public()]);
    fill(&s);
    verify_log(s.storage.as_ref(), Some(&t)).unwrap();
}

#[test]
fn a_reservation_moves_the_log_only_when_committed() {
    let s = setup();
    s.log.append(refused("peer:a"), Utc::now()).unwrap();
    // filled but dropped (the store's commit failed): nothing moves
    {
        let mut r = s.log.reserve();
        assert_eq!(r.seq(), 1);
        let (seq, _bytes) = r.fill(refused("peer:b"), Utc::now()).unwrap();
        assert_eq!(seq, 1);
    }
    assert_eq!(s.log.len(), 1);
    // filled, stored by the caller, committed: the chain continues from it
    let mut r = s.log.reserve();
    let (seq, bytes) = r.fill(received(&s, "x1"), Utc::now()).unwrap();
    s.storage.append(seq, &bytes).unwrap();
    let entry = r.commit().unwrap();
    assert_eq!((entry.seq, entry.kind), (1, EntryKind::PushReceived));
    s.log.append(refused("peer:c"), Utc::now()).unwrap();
    assert_eq!(s.log.len(), 3);
    let summary = verify_log(&*s.storage, Some(&trust(&s))).unwrap();
    assert_eq!(summary.entries, 3);
    // a reservation never filled commits nothing
    assert!(s.log.reserve().commit().is_none());
    assert_eq!(s.log.len(), 3);
}
