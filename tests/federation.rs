//! Three gateways on loopback — a state agency, a national hub, an international partner —
//! with keys and certificates made by `homeward keys generate`, real sled stores and real
//! mutual TLS: the agency pushes to the hub, the hub pulls the partner's change pages and
//! pushes missing children on to it. Records arrive intact with exactly the configured fields
//! withheld; receipts and evidence verify; every kind of refusal is answered with its status,
//! logged, and applies nothing; lifecycle changes at the agency reach the hub and the partner;
//! `homeward log verify` passes, and fails after a byte of the log is flipped. Also: a PFIF
//! pull by `min_entry_date`, and `homeward serve` stopped by SIGTERM.

// Helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use homeward_adapters::{Position, ReadItem};
use homeward_exchange::client::{ClientError, ExchangeClient};
use homeward_exchange::clock::SystemClock;
use homeward_exchange::envelope::{CANONICAL_FORMAT, Draft, ENVELOPE_MEDIA_TYPE, Envelope};
use homeward_exchange::evidence::{EntryKind, EvidenceEntry, EvidenceLog};
use homeward_exchange::fixtures::synthetic_records;
use homeward_exchange::keys::{GatewayIdentity, SigningKeyPair};
use homeward_exchange::memory::MemoryEvidenceStorage;
use homeward_exchange::partners::{
    KeyConfig, PartnerConfig, PartnerRegistry, PartnersFile, SharedRegistry, Timestamp,
};
use homeward_exchange::payload::{PayloadItem, encode_canonical};
use homeward_exchange::policy::{FieldGroup, PartnerRole, withhold};
use homeward_gateway::config::Config;
use homeward_gateway::service::{Gateway, Running};
use homeward_schemas::{Action, Kind, Record, RecordId, Status, TargetRef, Transaction};
use homeward_store::{InputContext, Store};
use http::Method;

const STATE: &str = "state.example";
const HUB: &str = "hub.example";
const INTL: &str = "intl.example";
const ORI: &str = "TX0101300";

/// What the agency withholds from the hub, and the hub from the partner abroad.
const AGENCY_WITHHOLDS: [FieldGroup; 4] = [
    FieldGroup::Dental,
    FieldGroup::Dna,
    FieldGroup::Fingerprints,
    FieldGroup::FreeText,
];
/// What the partner abroad withholds from the hub.
const INTL_WITHHOLDS: [FieldGroup; 2] = [FieldGroup::Contact, FieldGroup::Photos];

fn homeward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(args)
        .output()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One gateway's directory, keys and partner entry.
struct Node {
    id: &'static str,
    root: PathBuf,
    port: u16,
    /// Its `partner.toml`, as partners register it.
    entry: PartnerConfig,
}

impl Node {
    /// Generates its keys with the binary.
    fn new(base: &Path, id: &'static str) -> Self {
        let root = base.join(id);
        let port = free_port();
        let entry = generate_keys(&root.join("keys"), id, port);
        Self {
            id,
            root,
            port,
            entry,
        }
    }

    fn keys(&self) -> PathBuf {
        self.root.join("keys")
    }

    fn config_path(&self) -> PathBuf {
        self.root.join("gateway.toml")
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// This gateway as a partner of another: its entry with a role, a policy for what the
    /// other shares with it, and what it may send.
    fn as_partner(&self, role: PartnerRole) -> PartnerConfig {
        let mut p = self.entry.clone();
        p.role = role;
        p
    }

    fn write_config(&self, partners: Vec<PartnerConfig>, federation: &str) {
        let partners = toml::to_string(&PartnersFile { partners }).unwrap();
        let text = format!(
            "[gateway]\nid = \"{id}\"\nname = \"{id} (test)\"\n\n\
             [listen]\npartners = \"127.0.0.1:{port}\"\n\n\
             [identity]\ndir = \"keys\"\n\n\
             [store]\npath = \"{data}\"\n\n\
             [exchange.retry]\nmax_attempts = 3\ninitial_delay_ms = 50\nmax_delay_ms = 500\n\n\
             {federation}\n\n{partners}",
            id = self.id,
            port = self.port,
            data = self.data().display(),
        );
        std::fs::write(self.config_path(), text).unwrap();
    }

    async fn start(&self) -> Running {
        let config = Config::load(&self.config_path()).unwrap();
        Gateway::start(&config, &config.data_dir(None))
            .await
            .unwrap()
    }

    /// `homeward log verify` on its store (the gateway stopped).
    fn log_verify(&self, data_dir: Option<&Path>) -> Output {
        let config = self.config_path();
        let mut args = vec!["log", "verify", "--config", config.to_str().unwrap()];
        let d;
        if let Some(dir) = data_dir {
            d = dir.display().to_string();
            args.extend(["--data-dir", d.as_str()]);
        }
        homeward(&args)
    }
}

/// `homeward keys generate` into `dir`; returns the registry entry it wrote.
fn generate_keys(dir: &Path, id: &str, port: u16) -> PartnerConfig {
    let endpoint = format!("https://127.0.0.1:{port}");
    let o = homeward(&[
        "keys",
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--id",
        id,
        "--endpoint",
        &endpoint,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.join("partner.toml")).unwrap();
    let mut file: PartnersFile = toml::from_str(&text).unwrap();
    file.partners.remove(0)
}

/// A record as stored, without what each store sets for itself.
fn comparable(mut r: Record) -> Record {
    r.version = 0;
    r.received_at = None;
    r
}

fn import(store: &Store, records: &[Record], name: &str) {
    let items: Vec<ReadItem> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let raw = serde_json::to_vec(&serde_json::json!({ "record": r })).unwrap();
            ReadItem::entry(
                r.clone(),
                Position {
                    index: Some(i as u64),
                    ..Position::default()
                },
                raw,
            )
        })
        .collect();
    let res = store
        .apply_batch(&items, &InputContext::file(name, "canonical"))
        .unwrap();
    assert!(res.outcomes.iter().all(|o| o.outcome.is_accepted()));
}

fn transaction(r: &Record, action: Action, date: &str) -> Transaction {
    Transaction {
        target: TargetRef {
            kind: Some(r.kind),
            source: r.id.source.clone(),
            native_id: r.id.native_id.clone(),
            ..TargetRef::default()
        },
        action,
        date: Some(date.parse().unwrap()),
        reason: None,
        source_updated_at: None,
        by: Some(ORI.into()),
        extra: Vec::new(),
    }
}

fn apply_local(store: &Store, t: Transaction) {
    let item = ReadItem::transaction(t, Position::default(), Vec::new());
    let o = store
        .apply_one(
            &item,
            &InputContext::file("agency-updates.ncic", "canonical"),
        )
        .unwrap();
    assert!(o.outcome.is_accepted(), "{o:?}");
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn get(r: &Running, id: &RecordId) -> Option<Record> {
    r.store().get(id).unwrap()
}

fn entries_since(r: &Running, from: u64) -> Vec<EvidenceEntry> {
    let log = &r.federation().evidence;
    log.entries(from, usize::MAX).unwrap()
}

/// A client speaking as `identity` to the hub (to send crafted exchanges).
fn client_as(identity: GatewayIdentity, hub: &Node) -> ExchangeClient {
    let registry =
        PartnerRegistry::from_config(std::slice::from_ref(&hub.entry), Path::new(".")).unwrap();
    let log = EvidenceLog::open(Arc::new(MemoryEvidenceStorage::new())).unwrap();
    ExchangeClient::new(
        Arc::new(identity),
        SharedRegistry::new(registry),
        Arc::new(log),
        Arc::new(SystemClock),
    )
}

fn envelope(key: &SigningKeyPair, records: &[Record]) -> Envelope {
    let items: Vec<PayloadItem> = records
        .iter()
        .map(|r| PayloadItem::Record(Box::new(r.clone())))
        .collect();
    let xid = homeward_exchange::clock::new_exchange_id().unwrap();
    Envelope::seal(
        Draft::push(
            STATE,
            HUB,
            &xid,
            CANONICAL_FORMAT,
            Bytes::from(encode_canonical(&items).unwrap()),
        ),
        key,
        Utc::now(),
    )
    .unwrap()
}

/// What must not change when an exchange is refused.
fn footprint(r: &Running) -> (u64, u64, usize) {
    let s = r.store();
    (
        s.stats().unwrap().records,
        s.last_seq().unwrap(),
        s.quarantine_list().unwrap().len(),
    )
}

/// Sends `wire` to the hub as the agency; asserts the status and error code, that the hub
/// logged the refusal with them, and that nothing was applied.
async fn assert_refused(
    client: &ExchangeClient,
    hub: &Running,
    wire: Vec<u8>,
    status: u16,
    code: &str,
) {
    let before = footprint(hub);
    let log_len = hub.federation().evidence.len();
    let resp = client
        .send_raw(
            HUB,
            Method::POST,
            "/v1/exchanges",
            Some(ENVELOPE_MEDIA_TYPE),
            Bytes::from(wire),
        )
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(resp.status.as_u16(), status, "{body}");
    assert_eq!(body["error"], code, "{body}");
    let logged = entries_since(hub, log_len).into_iter().any(|e| {
        e.kind == EntryKind::PushRefused && e.outcome.status == status && e.outcome.code == code
    });
    assert!(logged, "refusal {code} logged at the hub");
    assert_eq!(footprint(hub), before, "{code}: nothing applied");
}

/// A place with coordinates.
fn place(city: &str, region: &str, country: &str, lat: f64, lon: f64) -> homeward_schemas::Place {
    homeward_schemas::Place {
        city: Some(city.into()),
        region: Some(region.into()),
        country: Some(country.into()),
        lat: Some(lat),
        lon: Some(lon),
        ..homeward_schemas::Place::default()
    }
}

fn named(given: &str, middle: Option<&str>, family: &str) -> homeward_schemas::Name {
    homeward_schemas::Name {
        given: Some(given.into()),
        middle: middle.map(str::to_string),
        family: Some(family.into()),
        ..homeward_schemas::Name::default()
    }
}

/// People whose records only meet at the hub: a girl reported missing in Texas and, by the
/// partner abroad, in Mexico (the same person); and a man reported missing in Mexico whose
/// remains were found in Texas (a possible identification). Returns (agency records, partner
/// records).
fn cross_border_cases() -> (Vec<Record>, Vec<Record>) {
    use homeward_schemas::units::Range;
    use homeward_schemas::{AgeRange, EyeColor, HairColor, Mark, MarkKind, Sex, Side};
    let mut girl_tx = Record::new(Kind::Missing, ORI, "M000000500");
    girl_tx.agency.ori = Some(ORI.into());
    girl_tx.agency.country = Some("US".into());
    girl_tx.names = vec![named("MARIA", Some("ELENA"), "LOPEZ")];
    girl_tx.sex = Some(Sex::Female);
    girl_tx.birth_dates = vec!["2013-05-03".parse().unwrap()];
    girl_tx.height_cm = Some(Range::exact(140.0));
    girl_tx.weight_kg = Some(Range::exact(35.0));
    girl_tx.eye = Some(EyeColor::Brown);
    girl_tx.hair = Some(HairColor::Black);
    girl_tx.last_contact = Some("2026-01-10".parse().unwrap());
    girl_tx.last_seen = Some(place("EL PASO", "US-TX", "US", 31.76, -106.49));

    let mut girl_mx = Record::new(Kind::Missing, "intl.example.org", "intl.example.org/p.77");
    girl_mx.agency.country = Some("MX".into());
    girl_mx.names = vec![named("María", Some("Elena"), "López")];
    girl_mx.sex = Some(Sex::Female);
    girl_mx.birth_dates = vec!["2013-05-03".parse().unwrap()];
    girl_mx.height_cm = Some(Range::exact(141.0));
    girl_mx.last_contact = Some("2026-01-11".parse().unwrap());
    girl_mx.last_seen = Some(place("Ciudad Juárez", "MX-CHH", "MX", 31.69, -106.42));

    let mut man_mx = Record::new(Kind::Missing, "intl.example.org", "intl.example.org/p.78");
    man_mx.agency.country = Some("MX".into());
    man_mx.names = vec![named("Juan", Some("Carlos"), "Pérez")];
    man_mx.sex = Some(Sex::Male);
    man_mx.birth_dates = vec!["1985-02-14".parse().unwrap()];
    man_mx.height_cm = Some(Range::exact(178.0));
    man_mx.weight_kg = Some(Range::exact(80.0));
    man_mx.marks = vec![Mark {
        kind: MarkKind::Tattoo,
        side: Some(Side::Left),
        part: "ARM".into(),
        text: Some("ROSE".into()),
    }];
    man_mx.last_contact = Some("2025-06-01".parse().unwrap());
    man_mx.last_seen = Some(place("Ciudad Juárez", "MX-CHH", "MX", 31.69, -106.42));

    let mut remains_tx = Record::new(Kind::Unidentified, ORI, "U000000501");
    remains_tx.agency.ori = Some(ORI.into());
    remains_tx.agency.country = Some("US".into());
    remains_tx.sex = Some(Sex::Male);
    remains_tx.age = Some(AgeRange {
        min: 35,
        max: 45,
        as_of: None,
    });
    remains_tx.height_cm = Range::new(176.0, 182.0);
    remains_tx.marks = vec![Mark {
        kind: MarkKind::Tattoo,
        side: Some(Side::Left),
        part: "ARM".into(),
        text: Some("ROSE".into()),
    }];
    remains_tx.found_date = Some("2025-11-20".parse().unwrap());
    remains_tx.found_place = Some(place("EL PASO", "US-TX", "US", 31.80, -106.40));
    (vec![girl_tx, remains_tx], vec![girl_mx, man_mx])
}

/// The hub's crossmatch: a change-feed consumer indexing every changed record, as the store
/// integration does, then the candidates of `ids`.
fn hub_crossmatch(store: &Store, ids: &[&RecordId]) -> Vec<homeward_crossmatch::Candidate> {
    let mut engine = homeward_crossmatch::Engine::new(homeward_crossmatch::Config::default());
    let feed = store.consumer("crossmatch").unwrap();
    loop {
        let batch = feed.next_batch(500).unwrap();
        let Some(last) = batch.last() else { break };
        for c in &batch {
            if let Some(r) = store.get(&c.record).unwrap() {
                engine.upsert(&r);
            }
        }
        feed.ack(last.seq).unwrap();
    }
    ids.iter().flat_map(|id| engine.candidates(id)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_gateways_exchange_sign_refuse_and_log() {
    let tmp = tempfile::tempdir().unwrap();
    let state = Node::new(tmp.path(), STATE);
    let hub = Node::new(tmp.path(), HUB);
    let intl = Node::new(tmp.path(), INTL);
    // an old agency key, expired, still listed at the hub (rotation), and a stranger
    let old = tmp.path().join("state-old-keys");
    let old_entry = generate_keys(&old, STATE, state.port);
    let rogue = tmp.path().join("rogue-keys");
    generate_keys(&rogue, "rogue.example", free_port());

    // the agency shares missing and unidentified records with the hub, minus details
    let mut hub_at_state = hub.as_partner(PartnerRole::Hub);
    hub_at_state.share.kinds = vec![Kind::Missing, Kind::Unidentified];
    hub_at_state.share.withhold = AGENCY_WITHHOLDS.to_vec();
    state.write_config(
        vec![hub_at_state],
        &format!(
            "[federation]\npush_to = [\"{HUB}\"]\npoll_interval_ms = 50\nexpire_interval_ms = 200"
        ),
    );
    // the hub accepts the agency's Texas records, shares missing children with the partner
    // abroad (minus details), and pulls the partner's pages
    let mut state_at_hub = state.as_partner(PartnerRole::LawEnforcement);
    state_at_hub.accept.sources = vec!["TX".into()];
    state_at_hub.keys.push(KeyConfig {
        public_key: old_entry.keys[0].public_key.clone(),
        not_before: Some(Timestamp::parse("2020-01-01T00:00:00Z").unwrap()),
        not_after: Some(Timestamp::parse("2021-01-01T00:00:00Z").unwrap()),
    });
    let mut intl_at_hub = intl.as_partner(PartnerRole::International);
    intl_at_hub.share.kinds = vec![Kind::Missing];
    intl_at_hub.share.children_only = true;
    intl_at_hub.share.withhold = AGENCY_WITHHOLDS.to_vec();
    hub.write_config(
        vec![state_at_hub, intl_at_hub],
        &format!(
            "[federation]\npush_to = [\"{INTL}\"]\npoll_interval_ms = 50\n\
             [[federation.pull]]\npartner = \"{INTL}\"\nfeed = \"changes\"\ninterval_ms = 100"
        ),
    );
    // the partner abroad shares its missing persons with the hub, minus contact details and
    // photos
    let mut hub_at_intl = hub.as_partner(PartnerRole::Hub);
    hub_at_intl.share.kinds = vec![Kind::Missing];
    hub_at_intl.share.withhold = INTL_WITHHOLDS.to_vec();
    intl.write_config(vec![hub_at_intl], "");

    let s = state.start().await;
    let h = hub.start().await;
    let i = intl.start().await;

    // === records pushed (agency → hub) and pulled (hub ← partner) arrive intact ===
    // 30 agency records: missing children and adults, some unidentified; one unclaimed
    // (never shared with the hub: kind not in its policy)
    let mut agency_records = synthetic_records(ORI, 30);
    // an adult case that reaches its expiry date in a moment (expired by the agency's own
    // service, the expiry sent to the hub)
    let expiring = agency_records[6].id.clone();
    agency_records[6].expiry_date = Some(Utc::now() + chrono::TimeDelta::seconds(3));
    let mut unclaimed = synthetic_records(ORI, 31).pop().unwrap();
    unclaimed.kind = Kind::Unclaimed;
    unclaimed.id = RecordId::new(ORI, "U000000031");
    agency_records.push(unclaimed.clone());
    let (cases_tx, cases_mx) = cross_border_cases();
    agency_records.extend(cases_tx.iter().cloned());
    import(s.store(), &agency_records, "agency-extract.json");
    s.notify_changed();
    let mut intl_records = synthetic_records("intl.example.org", 8);
    intl_records.retain(|r| r.kind == Kind::Missing);
    intl_records.extend(cases_mx.iter().cloned());
    import(i.store(), &intl_records, "intl-feed.xml");

    let shared: Vec<&Record> = agency_records
        .iter()
        .filter(|r| r.kind != Kind::Unclaimed)
        .collect();
    wait_until("the agency's records at the hub", || {
        shared.iter().all(|r| get(&h, &r.id).is_some())
    })
    .await;
    wait_until("the partner's records at the hub", || {
        intl_records.iter().all(|r| get(&h, &r.id).is_some())
    })
    .await;
    for r in shared.iter().filter(|r| r.id != expiring) {
        let at_agency = get(&s, &r.id).unwrap();
        let at_hub = get(&h, &r.id).unwrap();
        let mut expected = comparable(at_agency.clone());
        withhold(&mut expected, &AGENCY_WITHHOLDS);
        // exactly the configured fields are withheld, everything else arrives as sent
        assert_eq!(comparable(at_hub.clone()), expected, "{}", r.id);
        let origin = &h.store().history(&r.id).unwrap()[0]
            .input
            .clone()
            .unwrap()
            .origin;
        assert!(origin.name().starts_with("state.example/"), "{origin}");
        if cases_tx.iter().any(|c| c.id == r.id) {
            continue;
        }
        // the synthetic records have every withheld field filled in
        assert!(at_agency.dental.is_some() && at_hub.dental.is_none());
        assert!(at_agency.fingerprint_class.is_some() && at_hub.fingerprint_class.is_none());
        assert!(!at_agency.texts.is_empty() && at_hub.texts.is_empty());
        assert!(!at_hub.names.is_empty() && !at_hub.marks.is_empty());
        assert_eq!(at_hub.photos, at_agency.photos);
    }
    assert!(get(&h, &unclaimed.id).is_none(), "unclaimed is not shared");
    for r in &intl_records {
        let mut expected = comparable(get(&i, &r.id).unwrap());
        withhold(&mut expected, &INTL_WITHHOLDS);
        let at_hub = comparable(get(&h, &r.id).unwrap());
        assert_eq!(at_hub, expected, "{}", r.id);
        assert!(at_hub.photos.is_empty() && at_hub.provenance.author_email.is_none());
    }

    // the hub relays the agency's missing children to the partner abroad, and does not send
    // the partner's own records back to it
    let children: Vec<&Record> = shared
        .iter()
        .copied()
        .filter(|r| r.kind == Kind::Missing && homeward_exchange::policy::age::is_child(r))
        .collect();
    assert!(children.len() >= 5);
    wait_until("the agency's children at the partner abroad", || {
        children.iter().all(|r| get(&i, &r.id).is_some())
    })
    .await;
    for r in &shared {
        let is_child = children.iter().any(|c| c.id == r.id);
        assert_eq!(get(&i, &r.id).is_some(), is_child, "{}", r.id);
    }
    for r in &intl_records {
        assert_eq!(get(&i, &r.id).unwrap().version, 1, "no echo: {}", r.id);
    }

    // === crossmatched at the hub: the girl reported on both sides of the border is one
    // person; the remains found in Texas may be the man reported missing in Mexico ===
    let (girl_tx, remains_tx) = (&cases_tx[0].id, &cases_tx[1].id);
    let (girl_mx, man_mx) = (&cases_mx[0].id, &cases_mx[1].id);
    let proposed = hub_crossmatch(h.store(), &[girl_tx, remains_tx]);
    let same = proposed
        .iter()
        .find(|c| c.relation == homeward_crossmatch::Relation::SamePerson)
        .expect("a same-person link at the hub");
    let mut pair = [&same.left, &same.right];
    pair.sort();
    let mut expected = [girl_tx, girl_mx];
    expected.sort();
    assert_eq!(pair, expected, "{proposed:?}");
    assert!(same.score >= 14.0, "{same:?}");
    let best = proposed
        .iter()
        .find(|c| {
            c.relation == homeward_crossmatch::Relation::PossibleIdentification
                && c.right == *remains_tx
                && c.rank == 1
        })
        .unwrap_or_else(|| panic!("no identification for the remains: {proposed:#?}"));
    assert_eq!(&best.left, man_mx, "{proposed:?}");
    // neither pair exists at either end alone
    let at_agency = hub_crossmatch(s.store(), &[girl_tx, remains_tx]);
    assert!(
        !at_agency
            .iter()
            .any(|c| c.left == *man_mx || c.right == *man_mx || c.left == *girl_mx),
        "{at_agency:?}"
    );

    // === receipts verify ===
    let sent: Vec<EvidenceEntry> = entries_since(&s, 0)
        .into_iter()
        .filter(|e| e.kind == EntryKind::PushSent)
        .collect();
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|e| e.receipt.is_some() && e.outcome.code == "ok")
    );
    // the hub proves the agency's exchange is in its log (signed tree head, Merkle proof)
    let proven = s
        .federation()
        .client
        .evidence_proof(HUB, &sent[0].exchange_id)
        .await
        .unwrap();
    assert!(proven.iter().any(|e| e.kind == EntryKind::PushReceived));

    // === lifecycle: a clear, a locate and an identification at the agency reach the hub,
    // and the clear of a child reaches the partner abroad through the hub ===
    let cleared = children[0];
    let located = shared
        .iter()
        .find(|r| r.kind == Kind::Missing && r.id != cleared.id && r.id != expiring)
        .unwrap();
    let identified = shared
        .iter()
        .find(|r| r.kind == Kind::Unidentified)
        .unwrap();
    let clear = Action::Clear {
        identified_as: None,
        identified_name: None,
    };
    apply_local(s.store(), transaction(cleared, clear, "2026-04-01"));
    apply_local(
        s.store(),
        transaction(located, Action::Locate, "2026-04-02"),
    );
    let identify = Action::Clear {
        identified_as: Some(cleared.id.native_id.clone()),
        identified_name: None,
    };
    apply_local(s.store(), transaction(identified, identify, "2026-04-03"));
    s.notify_changed();
    wait_until("the lifecycle changes at the hub", || {
        get(&h, &cleared.id).unwrap().status == Status::Cleared
            && get(&h, &located.id).unwrap().status == Status::Located
            && get(&h, &identified.id).unwrap().status == Status::Identified
    })
    .await;
    let at_hub = get(&h, &cleared.id).unwrap();
    assert_eq!(
        at_hub.names,
        get(&s, &cleared.id).unwrap().names,
        "content kept"
    );
    assert_eq!(
        get(&h, &identified.id).unwrap().identified_as.as_deref(),
        Some(cleared.id.native_id.as_str())
    );
    let last = h.store().history(&cleared.id).unwrap().pop().unwrap();
    assert_eq!(last.action.as_deref(), Some("clear"));
    wait_until("the clear at the partner abroad", || {
        get(&i, &cleared.id).unwrap().status == Status::Cleared
    })
    .await;
    // the expiry: done by the agency's service when the date passed, sent to the hub
    wait_until("the expiry at the hub", || {
        get(&h, &expiring).unwrap().status == Status::Expired
    })
    .await;
    assert_eq!(get(&s, &expiring).unwrap().status, Status::Expired);
    let at_hub = get(&h, &expiring).unwrap();
    assert!(
        at_hub.names.is_empty() && at_hub.last_seen.is_none(),
        "personal data removed"
    );
    let last = h.store().history(&expiring).unwrap().pop().unwrap();
    assert_eq!(last.action.as_deref(), Some("expire"));
    assert!(
        last.input
            .unwrap()
            .origin
            .name()
            .starts_with("state.example/")
    );

    // === refusals: each answered with its status, logged, nothing applied ===
    let agency_identity = GatewayIdentity::load_dir(STATE, &state.keys()).unwrap();
    let agency_key = SigningKeyPair::load(&state.keys().join("signing.key")).unwrap();
    let client = client_as(agency_identity, &hub);
    let fresh = {
        let mut r = synthetic_records(ORI, 40).pop().unwrap();
        r.id = RecordId::new(ORI, "M000000999");
        r
    };
    // a tampered payload
    let mut wire = envelope(&agency_key, std::slice::from_ref(&fresh)).to_wire();
    let last = wire.len() - 2;
    wire[last] ^= 0x01;
    assert_refused(&client, &h, wire, 400, "digest_mismatch").await;
    // a key the hub does not know for the agency
    let wrong = SigningKeyPair::generate().unwrap();
    let wire = envelope(&wrong, std::slice::from_ref(&fresh)).to_wire();
    assert_refused(&client, &h, wire, 401, "unknown_key").await;
    // the agency's expired key
    let expired = SigningKeyPair::load(&old.join("signing.key")).unwrap();
    let wire = envelope(&expired, std::slice::from_ref(&fresh)).to_wire();
    assert_refused(&client, &h, wire, 401, "key_expired").await;
    // a record outside what the agency may send (unclaimed: medical examiners only)
    let wire = envelope(&agency_key, std::slice::from_ref(&unclaimed)).to_wire();
    assert_refused(&client, &h, wire, 403, "policy_violation").await;
    // a record of a source the agency does not speak for
    let mut foreign = fresh.clone();
    foreign.id = RecordId::new("OK0550000", "M000000998");
    let wire = envelope(&agency_key, std::slice::from_ref(&foreign)).to_wire();
    assert_refused(&client, &h, wire, 403, "policy_violation").await;
    // a replayed exchange: the first is applied, the same envelope again is refused
    let wire = envelope(&agency_key, std::slice::from_ref(&fresh)).to_wire();
    let first = client
        .send_raw(
            HUB,
            Method::POST,
            "/v1/exchanges",
            Some(ENVELOPE_MEDIA_TYPE),
            Bytes::from(wire.clone()),
        )
        .await
        .unwrap();
    assert_eq!(first.status.as_u16(), 200);
    assert!(get(&h, &fresh.id).is_some());
    assert_refused(&client, &h, wire, 409, "replay").await;
    // a client whose certificate is not registered at the hub
    let before = footprint(&h);
    let log_len = h.federation().evidence.len();
    let stranger = client_as(
        GatewayIdentity::load_dir("rogue.example", &rogue).unwrap(),
        &hub,
    );
    let wire = envelope(&agency_key, std::slice::from_ref(&fresh)).to_wire();
    let e = stranger
        .send_raw(
            HUB,
            Method::POST,
            "/v1/exchanges",
            Some(ENVELOPE_MEDIA_TYPE),
            Bytes::from(wire),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Transport { .. }), "{e}");
    wait_until("the TLS refusal in the hub's log", || {
        entries_since(&h, log_len)
            .iter()
            .any(|e| e.kind == EntryKind::TlsRefused && e.outcome.code == "tls_unregistered")
    })
    .await;
    assert_eq!(footprint(&h), before, "nothing applied");

    // === every log verifies offline; a flipped byte is found and named ===
    let hub_log_len = h.federation().evidence.len();
    s.shutdown().await;
    h.shutdown().await;
    i.shutdown().await;
    for node in [&state, &hub, &intl] {
        let o = node.log_verify(None);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{}: {out}{}",
            node.id,
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.contains("evidence log verified"), "{out}");
        assert!(
            !out.contains("(signatures checked against the keys logged"),
            "{out}"
        );
    }
    let dump = tmp.path().join("hub.dump");
    let config = hub.config_path();
    let o = homeward(&[
        "store",
        "dump",
        "--config",
        config.to_str().unwrap(),
        "--out",
        dump.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let seq = hub_log_len / 2;
    let key = format!("\"k\":\"ev/{seq:016x}\"");
    let text = std::fs::read_to_string(&dump).unwrap();
    let mut flipped = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if !l.contains(&key) {
                return l.to_string();
            }
            // one hex digit in the middle of the entry: one byte changed
            let start = l.find("\"hex\":\"").unwrap() + 7;
            let at = start + (l.len() - start) / 2;
            let mut b = l.as_bytes().to_vec();
            b[at] = if b[at] == b'0' { b'1' } else { b'0' };
            flipped += 1;
            String::from_utf8(b).unwrap()
        })
        .collect();
    assert_eq!(flipped, 1);
    std::fs::write(&dump, lines.join("\n") + "\n").unwrap();
    let tampered = tmp.path().join("hub-tampered");
    let o = homeward(&[
        "store",
        "load",
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        tampered.to_str().unwrap(),
        dump.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = hub.log_verify(Some(&tampered));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("evidence entry {seq}:")), "{err}");
}

/// A gateway with keys generated in process (faster than the binary, same files).
fn quick_node(base: &Path, id: &'static str) -> Node {
    let root = base.join(id);
    let port = free_port();
    let identity = GatewayIdentity::generate(id, 30).unwrap();
    let endpoint = format!("https://127.0.0.1:{port}");
    identity
        .save_dir(&root.join("keys"), &endpoint, false)
        .unwrap();
    let text = identity.partner_entry(&endpoint);
    let mut file: PartnersFile = toml::from_str(&text).unwrap();
    Node {
        id,
        root,
        port,
        entry: file.partners.remove(0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pfif_feed_is_pulled_by_min_entry_date() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = quick_node(tmp.path(), HUB);
    let intl = quick_node(tmp.path(), INTL);
    let mut hub_at_intl = hub.as_partner(PartnerRole::Hub);
    hub_at_intl.share.kinds = vec![Kind::Missing];
    hub_at_intl.share.children_only = true;
    intl.write_config(vec![hub_at_intl], "");
    hub.write_config(vec![intl.as_partner(PartnerRole::International)], "");
    let i = intl.start().await;
    let h = hub.start().await;

    // 0: adult, 3: unidentified; 1, 2, 4, 5: missing children
    let records = synthetic_records("intl.example.org", 6);
    import(i.store(), &records, "intl-cases.xml");
    let r1 = h.federation().pull_pfif_once(INTL).await.unwrap();
    assert_eq!((r1.new, r1.rejected), (4, 0), "{r1:?}");
    let names = |run: &Running| {
        let mut v: Vec<String> = run
            .store()
            .records()
            .unwrap()
            .map(|r| r.unwrap().names[0].given.clone().unwrap_or_default())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&h), ["Testa1", "Testa2", "Testa4", "Testa5"]);
    let cursor = h.store().remote_cursor(INTL, "pfif").unwrap().unwrap();
    assert!(cursor.ends_with('Z'), "{cursor}");

    // again from the kept cursor: nothing new (what is served again is recognised)
    let r2 = h.federation().pull_pfif_once(INTL).await.unwrap();
    assert_eq!((r2.new, r2.changed), (0, 0), "{r2:?}");
    // a new case abroad arrives with the next pull
    let mut more = synthetic_records("intl.example.org", 8).pop().unwrap();
    more.id = RecordId::new("intl.example.org", "M000000100");
    more.names[0].given = Some("Testa100".into());
    import(i.store(), std::slice::from_ref(&more), "intl-cases-2.xml");
    let r3 = h.federation().pull_pfif_once(INTL).await.unwrap();
    assert_eq!(r3.new, 1, "{r3:?}");
    assert_eq!(names(&h).len(), 5);
    let received = entries_since(&h, 0)
        .into_iter()
        .filter(|e| e.kind == EntryKind::FeedReceived)
        .count();
    assert_eq!(received, 3);
    h.shutdown().await;
    i.shutdown().await;
    let o = hub.log_verify(None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_until_sigterm_and_stops_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let solo = quick_node(tmp.path(), HUB);
    let probe = quick_node(tmp.path(), STATE);
    let mut probe_at_solo = probe.as_partner(PartnerRole::LawEnforcement);
    probe_at_solo.share.kinds = vec![Kind::Missing];
    solo.write_config(vec![probe_at_solo], "");
    // some records to serve
    {
        let store = Store::open(&solo.data(), Default::default()).unwrap();
        import(&store, &synthetic_records("TX0101300", 5), "seed.json");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(["serve", "--config", solo.config_path().to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).expect("serve did not start");
        if line.contains("serving partners on") {
            break;
        }
    }

    // a registered partner pulls a signed page
    let identity = GatewayIdentity::load_dir(STATE, &probe.keys()).unwrap();
    let client = client_as(identity, &solo);
    let page = client.pull(HUB, None, None).await.unwrap();
    assert_eq!(
        page.items.len(),
        4,
        "the missing records, not the unidentified"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    // the store is released and its log verifies
    let o = solo.log_verify(None);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_an_exchange_in_flight_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = quick_node(tmp.path(), HUB);
    let state = quick_node(tmp.path(), STATE);
    hub.write_config(vec![state.as_partner(PartnerRole::LawEnforcement)], "");
    let h = hub.start().await;
    let client = client_as(
        GatewayIdentity::load_dir(STATE, &state.keys()).unwrap(),
        &hub,
    );
    let n = 3000;
    let items: Vec<PayloadItem> = homeward_exchange::fixtures::typical_records("AL1775001", n)
        .into_iter()
        .map(|r| PayloadItem::Record(Box::new(r)))
        .collect();
    let push = tokio::spawn(async move { client.push(HUB, &items).await });
    // the exchange is in flight once its replay key is recorded (before it is applied)
    wait_until("the push to reach the hub", || {
        h.store().replay_len().unwrap() == 1
    })
    .await;
    h.shutdown().await;
    let pushed = push.await.unwrap().unwrap();
    assert_eq!(pushed.receipt.body.accepted(), n);
    // all of it is there, with its evidence
    let store = Store::open(&hub.data(), Default::default()).unwrap();
    assert_eq!(store.stats().unwrap().records, n as u64);
    drop(store);
    let o = hub.log_verify(None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
