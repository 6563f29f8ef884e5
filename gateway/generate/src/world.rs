//! The world: people, what happens to them, and every agency's reports of it — with the
//! differences real reports have.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use homeward_schemas::{
    Action, AgeRange, CaseCategory, Circumstance, Condition, Dental, EntryCategory, EyeColor,
    HairColor, Kind, LatinName, Mark, MissingType, Name, NameRole, Note, NoteStatus, PartialDate,
    Photo, Place, Provenance, Race, Range, Record, Sex, Status, StatusReason, TargetRef, Text,
    TextKind, Tooth, Transaction, YearRange,
};

use crate::names::{Culture, PersonName, Romanisation, misspell, nicknames, romanise};
use crate::person::{
    Person, Spot, age_at_event, last_contact_date, make_person, make_teeth, recent_date, today,
    town_root,
};
use crate::places::{self, COUNTRIES, Region};
use crate::rng::Rng;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// How many people the world has (each reported missing, found, or both).
    pub persons: usize,
    pub seed: u64,
}

/// One line of `truth.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthRow {
    pub native_id: String,
    pub pid: u32,
    pub kind: Kind,
    pub format: String,
    /// The record's status once every transaction is applied.
    pub status: Status,
}

/// One agency's file: its entries, then its transactions.
#[derive(Debug, Clone)]
pub struct AgencyFile {
    /// File name under `wire/`.
    pub file: String,
    /// `ncic`, `xml` or `pfif`.
    pub format: &'static str,
    /// The sender written in document headers.
    pub sender: String,
    /// PFIF: the feed's URL.
    pub feed_url: Option<String>,
    pub entries: Vec<Record>,
    pub transactions: Vec<Transaction>,
}

/// A generated world.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// Files in name order.
    pub files: Vec<AgencyFile>,
    /// Every record, in the order generated.
    pub truth: Vec<TruthRow>,
}

impl World {
    /// Every entry and transaction, file by file, as a reader would produce them.
    pub fn items(&self) -> impl Iterator<Item = Item<'_>> {
        self.files.iter().flat_map(|f| {
            f.entries
                .iter()
                .map(Item::Entry)
                .chain(f.transactions.iter().map(Item::Transaction))
        })
    }

    /// `truth.csv`.
    pub fn truth_csv(&self) -> String {
        let mut s = String::from("native_id,pid,kind,format,status\n");
        for t in &self.truth {
            s.push_str(&format!(
                "{},{},{},{},{}\n",
                t.native_id,
                t.pid,
                t.kind.as_str(),
                t.format,
                t.status.as_str()
            ));
        }
        s
    }

    pub fn records(&self) -> usize {
        self.files.iter().map(|f| f.entries.len()).sum()
    }

    pub fn transactions(&self) -> usize {
        self.files.iter().map(|f| f.transactions.len()).sum()
    }
}

/// An entry or a transaction of a world.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Entry(&'a Record),
    Transaction(&'a Transaction),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum AgencyKey {
    /// A US state agency (NCIC).
    State(&'static str),
    /// A state clearinghouse (XML).
    Clearinghouse(&'static str),
    /// A medical examiner or coroner (XML) of a US state.
    Me(&'static str),
    /// A medical examiner or coroner (XML) of a partner country.
    MeAbroad(&'static str),
    Ncmec,
    /// An international partner's feed (PFIF), by lower-case country.
    Gmcn(String),
    /// The US agency entering cases abroad (NCIC).
    Border,
    /// A US agency's file of remains found in a country (NCIC).
    Abroad(&'static str),
}

struct AgencyInfo {
    file: String,
    format: &'static str,
    source: String,
    name: String,
    country: String,
}

fn ori_digits(seed: u64, code: &str) -> u32 {
    let mut h = seed ^ 0x5151_5151;
    for b in code.bytes() {
        h = h.wrapping_mul(0x100_0000_01B3) ^ u64::from(b);
    }
    (h % 9_000_000 + 1_000_000) as u32
}

impl AgencyKey {
    fn info(&self, seed: u64) -> AgencyInfo {
        match self {
            AgencyKey::State(c) => AgencyInfo {
                file: format!("{c}-state.ncic"),
                format: "ncic",
                source: format!("{c}{}", ori_digits(seed, c)),
                name: format!("{c} state police"),
                country: "US".into(),
            },
            AgencyKey::Border => AgencyInfo {
                file: "border-state.ncic".into(),
                format: "ncic",
                source: format!("TX{}", ori_digits(seed, "border")),
                name: "border liaison".into(),
                country: "US".into(),
            },
            // country files carry "country" in their name: CA, DE and IN are also states
            AgencyKey::Abroad(c) => AgencyInfo {
                file: format!("{c}-country-state.ncic"),
                format: "ncic",
                source: format!("TX{}", ori_digits(seed, c)),
                name: format!("liaison {c}"),
                country: "US".into(),
            },
            AgencyKey::Clearinghouse(c) => AgencyInfo {
                file: format!("{c}-clearinghouse.xml"),
                format: "xml",
                source: format!("{c}-CLEARINGHOUSE"),
                name: format!("{c}-clearinghouse"),
                country: "US".into(),
            },
            AgencyKey::Me(c) => AgencyInfo {
                file: format!("{c}-me.xml"),
                format: "xml",
                source: format!("{c}-ME"),
                name: format!("{c}-me"),
                country: "US".into(),
            },
            AgencyKey::MeAbroad(c) => AgencyInfo {
                file: format!("{c}-country-me.xml"),
                format: "xml",
                source: format!("{c}-COUNTRY-ME"),
                name: format!("{c} medical examiner"),
                country: c.to_string(),
            },
            AgencyKey::Ncmec => AgencyInfo {
                file: "ncmec-clearinghouse.xml".into(),
                format: "xml",
                source: "NCMEC-CLEARINGHOUSE".into(),
                name: "NCMEC-clearinghouse".into(),
                country: "US".into(),
            },
            AgencyKey::Gmcn(cc) => AgencyInfo {
                file: format!("gmcn-{cc}.atom.xml"),
                format: "pfif",
                source: format!("gmcn-{cc}.example.org"),
                name: format!("gmcn-{cc} desk"),
                country: cc.to_uppercase(),
            },
        }
    }
}

/// Where and when a person went missing.
#[derive(Debug, Clone)]
struct Event {
    date: NaiveDate,
    spot: Spot,
}

struct Builder {
    rng: Rng,
    seed: u64,
    files: BTreeMap<AgencyKey, AgencyFile>,
    infos: HashMap<AgencyKey, AgencyInfo>,
    truth: Vec<TruthRow>,
    truth_at: HashMap<String, usize>,
    nic: u64,
    case: u64,
    pfif: HashMap<String, u64>,
}

fn pd(d: NaiveDate) -> PartialDate {
    PartialDate::from_naive(d)
}

fn at_noon(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Builder {
    fn info(&mut self, key: &AgencyKey) -> &AgencyInfo {
        let seed = self.seed;
        self.infos
            .entry(key.clone())
            .or_insert_with(|| key.info(seed))
    }

    fn file(&mut self, key: &AgencyKey) -> &mut AgencyFile {
        let (file, format, sender) = {
            let i = self.info(key);
            (i.file.clone(), i.format, i.source.clone())
        };
        self.files.entry(key.clone()).or_insert_with(|| AgencyFile {
            feed_url: (format == "pfif").then(|| format!("https://{sender}/feeds/person")),
            file,
            format,
            sender,
            entries: Vec::new(),
            transactions: Vec::new(),
        })
    }

    fn status_of(&self, native: &str) -> Option<Status> {
        self.truth_at.get(native).map(|i| self.truth[*i].status)
    }

    /// A new record of `kind` filed by `key`, with its identity.
    fn new_record(&mut self, key: &AgencyKey, kind: Kind, pid: u32) -> Record {
        let (format, source, name, country) = {
            let i = self.info(key);
            (
                i.format,
                i.source.clone(),
                i.name.clone(),
                i.country.clone(),
            )
        };
        let native = match format {
            "ncic" => {
                self.nic += 1;
                let prefix = if kind == Kind::Missing { 'M' } else { 'U' };
                format!("{prefix}{:09}", self.nic)
            }
            "xml" => {
                self.case += 1;
                format!("{source}-{:07}", self.case)
            }
            _ => {
                let n = self.pfif.entry(source.clone()).or_default();
                *n += 1;
                format!("{source}/person.{n}")
            }
        };
        let mut r = Record::new(kind, &source, &native);
        r.format = Some(format.to_string());
        match format {
            "ncic" => {
                r.nic = Some(native.clone());
                r.agency.ori = Some(source.clone());
                r.case_number = Some(format!("{:02}-{:06}", self.nic % 100, self.nic));
            }
            "xml" => {
                r.agency.name = Some(name);
            }
            _ => {
                r.agency.code = Some(source.split('.').next().unwrap_or("").to_uppercase());
                r.agency.country = Some(country);
            }
        }
        self.truth_at.insert(native.clone(), self.truth.len());
        self.truth.push(TruthRow {
            native_id: native,
            pid,
            kind,
            format: format.to_string(),
            status: Status::Active,
        });
        r
    }

    fn set_status(&mut self, native: &str, s: Status) {
        if let Some(&i) = self.truth_at.get(native) {
            self.truth[i].status = s;
        }
    }
}

// === names as reports write them ===

fn latin_of(rng: &mut Rng, part: &crate::names::Part) -> String {
    // a Latin spelling: the usual one mostly, another romanisation sometimes
    if part.latin.len() > 1 && rng.chance(0.4) {
        part.latin[1 + rng.below(part.latin.len() - 1)].clone()
    } else {
        part.usual().to_string()
    }
}

fn cyrillic_system(rng: &mut Rng) -> Romanisation {
    Romanisation::ALL[rng.weighted(&[40.0, 30.0, 20.0, 10.0])]
}

/// The given name a report uses: sometimes a nickname.
fn given_for(rng: &mut Rng, n: &PersonName) -> crate::names::Part {
    let nicks = nicknames(&n.formal);
    if !nicks.is_empty() && rng.chance(0.08) {
        let nick = nicks[rng.below(nicks.len())];
        if n.given.native.is_some() {
            let ua = n.culture == Culture::Ukrainian;
            return crate::names::Part {
                native: Some(nick.to_string()),
                latin: Romanisation::ALL
                    .iter()
                    .map(|s| romanise(nick, *s, ua))
                    .collect(),
            };
        }
        return crate::names::Part::latin(nick);
    }
    n.given.clone()
}

/// Names as one report writes them. `native_feed`: the partner of the person's own country
/// (writes the name in its script, with its own Latin form).
fn report_names(rng: &mut Rng, p: &Person, format: &str, native_feed: bool) -> Vec<Name> {
    let n = &p.name;
    let given = given_for(rng, n);
    let system = cyrillic_system(rng);
    let cyrillic = matches!(n.culture, Culture::Russian | Culture::Ukrainian);
    let latin = |rng: &mut Rng, part: &crate::names::Part| -> String {
        if cyrillic {
            let ua = n.culture == Culture::Ukrainian;
            part.native
                .as_deref()
                .map(|x| romanise(x, system, ua))
                .unwrap_or_else(|| part.usual().to_string())
        } else {
            latin_of(rng, part)
        }
    };
    let mut g = latin(rng, &given);
    let mut f = latin(rng, &n.family);
    let mut m = n
        .middle
        .as_ref()
        .filter(|_| rng.chance(0.55))
        .map(|x| latin(rng, x));
    if let Some(f2) = &n.family2
        && rng.chance(0.5)
    {
        f = format!("{f} {}", latin(rng, f2));
    }
    if rng.chance(0.06) {
        f = misspell(rng, &f);
    }
    if rng.chance(0.05) {
        g = misspell(rng, &g);
    }
    if let Some(mm) = m.as_mut()
        && rng.chance(0.04)
    {
        *mm = misspell(rng, mm);
    }
    let swapped = rng.chance(0.025) || (n.culture.family_first() && rng.chance(0.3));
    if swapped {
        std::mem::swap(&mut g, &mut f);
    }
    let (script, lang) = n.culture.script().unwrap_or(("Latn", "en"));
    let mut names = Vec::new();
    if native_feed && given.native.is_some() {
        let gn = given.native.clone().unwrap_or_default();
        let fnat = n.family.native.clone().unwrap_or_default();
        let full = if n.culture.family_first() {
            format!("{fnat}{gn}")
        } else {
            format!("{gn} {fnat}")
        };
        // the partner's own Latin form, or none (the reader computes one)
        let latin_form = rng.chance(0.85).then(|| LatinName {
            full: None,
            given: Some(g.clone()),
            family: Some(f.clone()),
            computed: false,
        });
        names.push(Name {
            role: NameRole::Primary,
            full: Some(full),
            given: Some(gn),
            family: Some(fnat),
            lang: Some(lang.to_string()),
            script: Some(script.to_string()),
            latin: latin_form,
            ..Name::default()
        });
    } else {
        let upper = format == "ncic";
        let case = |s: String| if upper { s.to_uppercase() } else { s };
        names.push(Name {
            role: NameRole::Primary,
            full: (format == "pfif").then(|| {
                [Some(g.clone()), m.clone(), Some(f.clone())]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
            given: Some(case(g.clone())),
            middle: m.clone().map(case),
            family: Some(case(f.clone())),
            ..Name::default()
        });
        // an XML report may add the name in its own script
        if format == "xml" && given.native.is_some() && rng.chance(0.3) {
            let gn = given.native.clone().unwrap_or_default();
            let fnat = n.family.native.clone().unwrap_or_default();
            names.push(Name {
                role: NameRole::Primary,
                full: Some(if n.culture.family_first() {
                    format!("{fnat}{gn}")
                } else {
                    format!("{gn} {fnat}")
                }),
                lang: Some(lang.to_string()),
                ..Name::default()
            });
        }
    }
    // a feed lists nicknames as alternate names
    if format == "pfif" && rng.chance(0.3) {
        let nicks = nicknames(&n.formal);
        if let Some(nick) = rng.pick(nicks) {
            names.push(Name {
                role: NameRole::Alternate,
                full: Some(nick.to_string()),
                ..Name::default()
            });
        }
    }
    names
}

// === other attributes as reports write them ===

fn reported_dob(rng: &mut Rng, dob: NaiveDate) -> Option<PartialDate> {
    let x = rng.f64();
    if x < 0.04 {
        return None;
    }
    if x < 0.065 && dob.day() <= 12 && dob.day() != dob.month() {
        // day and month swapped
        return NaiveDate::from_ymd_opt(dob.year(), dob.day(), dob.month()).map(pd);
    }
    if x < 0.12 {
        let dy = if rng.chance(0.5) { 1 } else { -1 };
        return NaiveDate::from_ymd_opt(dob.year() + dy, dob.month(), dob.day().min(28)).map(pd);
    }
    Some(pd(dob))
}

fn drift_eye(rng: &mut Rng, e: EyeColor) -> EyeColor {
    if !rng.chance(0.12) {
        return e;
    }
    match e {
        EyeColor::Hazel => [EyeColor::Brown, EyeColor::Green][rng.below(2)],
        EyeColor::Brown => [EyeColor::Hazel, EyeColor::Black][rng.below(2)],
        EyeColor::Green => [EyeColor::Hazel, EyeColor::Blue][rng.below(2)],
        EyeColor::Blue => [EyeColor::Gray, EyeColor::Green][rng.below(2)],
        EyeColor::Gray => EyeColor::Blue,
        EyeColor::Black => EyeColor::Brown,
        other => other,
    }
}

fn drift_hair(rng: &mut Rng, h: HairColor) -> HairColor {
    let x = rng.f64();
    if x < 0.03 {
        // dyed
        return [
            HairColor::Black,
            HairColor::Blond,
            HairColor::Red,
            HairColor::Brown,
            HairColor::Blue,
            HairColor::Purple,
        ][rng.below(6)];
    }
    if x > 0.15 {
        return h;
    }
    match h {
        HairColor::Blond => [HairColor::Sandy, HairColor::Brown][rng.below(2)],
        HairColor::Sandy => [HairColor::Blond, HairColor::Brown][rng.below(2)],
        HairColor::Brown => [HairColor::Black, HairColor::Sandy, HairColor::Red][rng.below(3)],
        HairColor::Black => HairColor::Brown,
        HairColor::Red => [HairColor::Brown, HairColor::Orange][rng.below(2)],
        HairColor::Gray => HairColor::White,
        HairColor::White => HairColor::Gray,
        other => other,
    }
}

fn reported_race(rng: &mut Rng, p: &Person) -> Race {
    let x = rng.f64();
    if x < 0.05 {
        Race::Unknown
    } else if x < 0.08 {
        if p.hispanic && p.race == Race::White {
            Race::HispanicLatino
        } else {
            [Race::White, Race::Black, Race::AmericanIndian, Race::Asian][rng.below(4)]
        }
    } else {
        p.race
    }
}

fn reported_marks(rng: &mut Rng, marks: &[Mark], keep: f64, text_keep: f64) -> Vec<Mark> {
    let mut out = Vec::new();
    for m in marks {
        if !rng.chance(keep) {
            continue;
        }
        let mut m = m.clone();
        if rng.chance(0.05) {
            m.side = None;
        }
        if m.text.is_some() && !rng.chance(text_keep) {
            m.text = None;
        }
        out.push(m);
    }
    out
}

fn place_of(spot: &Spot, city: bool) -> Place {
    Place {
        city: city.then(|| spot.town.clone()),
        region: spot.region.iso_region(),
        country: Some(spot.region.country.to_string()),
        lat: Some((spot.lat * 10_000.0).round() / 10_000.0),
        lon: Some((spot.lon * 10_000.0).round() / 10_000.0),
        ..Place::default()
    }
}

fn chart(teeth: &[Tooth], rng: &mut Rng, no_info: f64, error: f64) -> Dental {
    Dental::Chart(
        teeth
            .iter()
            .map(|t| {
                if rng.chance(no_info) {
                    Tooth::NoInfo
                } else if rng.chance(error) {
                    match rng.below(3) {
                        0 => Tooth::Virgin,
                        1 => Tooth::Missing,
                        _ => Tooth::Restored("O".into()),
                    }
                } else {
                    t.clone()
                }
            })
            .collect(),
    )
}

/// Dental work between two dates: some sound teeth restored or extracted.
fn later_teeth(rng: &mut Rng, teeth: &[Tooth], years: f64) -> Vec<Tooth> {
    let p = (0.015 * years.max(0.0)).min(0.25);
    teeth
        .iter()
        .map(|t| match t {
            Tooth::Virgin if rng.chance(p) => {
                if rng.chance(0.7) {
                    Tooth::Restored(["O", "MO", "DO", "C"][rng.below(4)].to_string())
                } else {
                    Tooth::Missing
                }
            }
            other => other.clone(),
        })
        .collect()
}

fn jitter_date(rng: &mut Rng, d: NaiveDate) -> NaiveDate {
    let x = rng.f64();
    let off = if x < 0.8 {
        0
    } else if x < 0.95 {
        if rng.chance(0.5) { 1 } else { -1 }
    } else {
        rng.int(-7, 7)
    };
    d + Duration::days(off)
}

// === the world ===

/// Generates a world.
pub fn generate(cfg: &Config) -> World {
    let mut b = Builder {
        rng: Rng::new(cfg.seed),
        seed: cfg.seed,
        files: BTreeMap::new(),
        infos: HashMap::new(),
        truth: Vec::new(),
        truth_at: HashMap::new(),
        nic: 0,
        case: 0,
        pfif: HashMap::new(),
    };
    for i in 0..cfg.persons {
        let pid = i as u32 + 1;
        let mut rng = b.rng.fork(u64::from(pid));
        let x = rng.f64();
        if x < 0.85 {
            missing_person(&mut b, &mut rng, pid);
        } else if x < 0.99 {
            remains_only(&mut b, &mut rng, pid);
        } else {
            unclaimed_only(&mut b, &mut rng, pid);
        }
    }
    // entries in each file in the order the agency entered them; transactions after
    let mut files: Vec<AgencyFile> = b.files.into_values().collect();
    let mut order = Rng::new(cfg.seed ^ 0xF11E);
    for f in &mut files {
        order.shuffle(&mut f.entries);
        f.entries
            .sort_by_key(|r| r.source_updated_at.map(|t| t.timestamp()).unwrap_or(0));
        f.transactions
            .sort_by_key(|t| t.source_updated_at.map(|t| t.timestamp()).unwrap_or(0));
    }
    files.sort_by(|a, b| a.file.cmp(&b.file));
    World {
        files,
        truth: b.truth,
    }
}

fn missing_agencies(rng: &mut Rng, p: &Person, ev: &Event) -> Vec<AgencyKey> {
    let age = p.age_on(ev.date);
    let region = ev.spot.region;
    let mut out = Vec::new();
    if region.is_us() {
        if rng.chance(0.78) {
            out.push(AgencyKey::State(region.code));
        }
        if rng.chance(0.45) {
            out.push(AgencyKey::Clearinghouse(region.code));
        }
        if age < 18.0 && rng.chance(0.3) {
            out.push(AgencyKey::Ncmec);
        }
        if rng.chance(if age < 18.0 { 0.1 } else { 0.03 }) {
            out.push(AgencyKey::Gmcn("us".into()));
        }
        if p.is_international() && rng.chance(0.6) {
            out.push(AgencyKey::Gmcn(p.home.region.code.to_lowercase()));
        }
        if out.is_empty() {
            out.push(AgencyKey::State(region.code));
        }
    } else {
        if rng.chance(0.85) {
            out.push(AgencyKey::Gmcn(region.code.to_lowercase()));
        }
        if rng.chance(0.3) {
            out.push(AgencyKey::Border);
        }
        if out.is_empty() {
            out.push(AgencyKey::Gmcn(region.code.to_lowercase()));
        }
    }
    out
}

fn missing_report(
    b: &mut Builder,
    rng: &mut Rng,
    p: &Person,
    ev: &Event,
    key: &AgencyKey,
) -> Record {
    let mut r = b.new_record(key, Kind::Missing, p.pid);
    let format = r.format.clone().unwrap_or_default();
    let native_feed =
        matches!(key, AgencyKey::Gmcn(cc) if cc.to_uppercase() == p.home.region.country);
    let age = p.age_on(ev.date);
    r.names = report_names(rng, p, &format, native_feed);
    r.sex = Some(if rng.chance(0.01) {
        Sex::Unknown
    } else {
        p.sex
    });
    if format != "pfif" {
        r.race = Some(reported_race(rng, p));
    }
    if format == "pfif" && rng.chance(0.1) {
        // some feeds give an age rather than a date of birth
        let a = age.floor() as u16;
        r.age = Some(AgeRange {
            min: a,
            max: a,
            as_of: Some(ev.date),
        });
    } else if let Some(d) = reported_dob(rng, p.dob) {
        r.birth_dates.push(d);
    }
    let h = p.height_at(ev.date) + 2.0 * rng.normal();
    r.height_cm = Some(Range::exact(round1(h.round())));
    if rng.chance(0.88) {
        let w = p.weight_at(ev.date) * rng.uniform(0.9, 1.1);
        r.weight_kg = Some(Range::exact(w.round().max(3.0)));
    }
    r.eye = Some(drift_eye(rng, p.eye));
    r.hair = Some(drift_hair(rng, p.hair));
    r.marks = reported_marks(rng, &p.marks, 0.82, 0.9);
    if p.dental_on_file && format != "pfif" && rng.chance(0.4) {
        r.dental = Some(chart(&p.teeth, rng, 0.1, 0.01));
    }
    if format == "ncic" {
        r.fingerprint_class = p.fingerprints.clone().filter(|_| rng.chance(0.7));
        r.entry_category = Some(if age < 21.0 {
            EntryCategory::Juvenile
        } else {
            [
                EntryCategory::Other,
                EntryCategory::Endangered,
                EntryCategory::Disability,
                EntryCategory::Involuntary,
            ][rng.weighted(&[60.0, 20.0, 10.0, 10.0])]
        });
        r.missing_type = Some(if age < 18.0 && rng.chance(0.05) {
            MissingType::ChildAbduction
        } else {
            MissingType::MissingPerson
        });
        if age < 18.0 && rng.chance(0.5) {
            r.circumstance = Some(Circumstance::Runaway);
        }
    }
    if format == "pfif" {
        r.case_category = Some(if age < 18.0 {
            [
                CaseCategory::Runaway,
                CaseCategory::FamilyAbduction,
                CaseCategory::LostInjured,
                CaseCategory::Unknown,
            ][rng.weighted(&[50.0, 20.0, 10.0, 20.0])]
        } else {
            CaseCategory::Unknown
        });
        let (native, _) = r.id.native_id.split_once('/').unwrap_or(("", ""));
        r.photos.push(Photo {
            url: format!(
                "https://{native}/photos/{}.jpg",
                r.id.native_id.rsplit('/').next().unwrap_or("p")
            ),
            primary: true,
            ..Photo::default()
        });
        r.home = Some(Place {
            city: Some(p.home.town.clone()),
            country: Some(p.home.region.country.to_string()),
            ..Place::default()
        });
        r.provenance = Provenance {
            author_name: Some(format!(
                "{} desk",
                r.id.source.split('.').next().unwrap_or("")
            )),
            source_name: r.id.source.split('.').next().map(str::to_string),
            ..Provenance::default()
        };
    }
    let dlc = jitter_date(rng, ev.date);
    r.last_contact = Some(pd(dlc));
    let nearby = ev
        .spot
        .moved_by(rng, |rng| rng.uniform(0.0, 2.0), &ev.spot.town);
    r.last_seen = Some(place_of(&nearby, true));
    if rng.chance(0.1) {
        r.texts.push(Text {
            kind: if format == "ncic" {
                TextKind::Remarks
            } else if format == "xml" {
                TextKind::Circumstances
            } else {
                TextKind::Description
            },
            lang: None,
            text: "LAST SEEN LEAVING HOME ON FOOT".into(),
        });
    }
    let entered = (ev.date + Duration::days(rng.int(0, 20))).min(today());
    r.source_updated_at = Some(at_noon(entered));
    r
}

fn close_missing(
    b: &mut Builder,
    rng: &mut Rng,
    r: &Record,
    key: &AgencyKey,
    date: NaiveDate,
    identified: bool,
) {
    let format = r.format.clone().unwrap_or_default();
    let other_ori = {
        let other = AgencyKey::State(places::STATES[rng.below(places::STATES.len())].code);
        b.info(&other).source.clone()
    };
    let (action, status, by, reason) = match format.as_str() {
        "ncic" if !identified && rng.chance(0.3) => (
            Action::Locate,
            Status::Located,
            Some(other_ori),
            StatusReason::Located,
        ),
        "xml" if !identified && rng.chance(0.3) => {
            (Action::Locate, Status::Located, None, StatusReason::Located)
        }
        "pfif" => {
            let note = Note {
                note_record_id: format!("{}.n2", r.id.native_id),
                author_name: Some("desk".into()),
                source_date: Some(at_noon(date)),
                entry_date: Some(at_noon(date)),
                author_made_contact: Some(true),
                status: Some(NoteStatus::BelievedAlive),
                text: Some("Found.".into()),
                ..Note::default()
            };
            (
                Action::Note {
                    note: Box::new(note),
                },
                Status::Located,
                None,
                StatusReason::Located,
            )
        }
        _ => (
            Action::Clear {
                identified_as: None,
                identified_name: None,
            },
            Status::Cleared,
            None,
            if identified {
                StatusReason::Identified
            } else {
                StatusReason::Located
            },
        ),
    };
    if format == "pfif" && identified {
        return; // feeds keep the case until their partner closes it
    }
    let t = Transaction {
        target: TargetRef {
            kind: Some(Kind::Missing),
            source: r.id.source.clone(),
            native_id: r.id.native_id.clone(),
            name: (r.format.as_deref() == Some("ncic"))
                .then(|| target_name(r))
                .flatten(),
            case_number: r.case_number.clone(),
        },
        action,
        date: Some(pd(date)),
        reason: Some(reason),
        source_updated_at: Some(at_noon(date)),
        by,
        extra: Vec::new(),
    };
    b.file(key).transactions.push(t);
    b.set_status(&r.id.native_id, status);
}

/// The name a transaction confirms its target with: `FAMILY, GIVEN MIDDLE` in the Latin
/// letters NCIC holds (at most 30 characters).
fn target_name(r: &Record) -> Option<String> {
    use homeward_schemas::translit::match_key;
    let n = r.names.first()?;
    let latin = n.latin.as_ref();
    let part = |own: &Option<String>, lat: Option<&Option<String>>| {
        lat.and_then(|l| l.as_deref())
            .or(own.as_deref())
            .map(match_key)
            .filter(|s| !s.is_empty())
    };
    let family = part(&n.family, latin.map(|l| &l.family))?;
    let given = part(&n.given, latin.map(|l| &l.given));
    let middle = part(&n.middle, None);
    let mut s = family;
    if let Some(g) = given {
        s.push_str(", ");
        s.push_str(&g);
        if let Some(m) = middle {
            s.push(' ');
            s.push_str(&m);
        }
    }
    let mut s: String = s.chars().take(30).collect();
    while s.ends_with([' ', ',']) {
        s.pop();
    }
    Some(s)
}

fn simple_tx(
    r: &Record,
    action: Action,
    date: NaiveDate,
    reason: Option<StatusReason>,
) -> Transaction {
    Transaction {
        target: TargetRef {
            kind: Some(r.kind),
            source: r.id.source.clone(),
            native_id: r.id.native_id.clone(),
            name: (r.format.as_deref() == Some("ncic"))
                .then(|| target_name(r))
                .flatten(),
            case_number: r.case_number.clone(),
        },
        action,
        date: Some(pd(date)),
        reason,
        source_updated_at: Some(at_noon(date)),
        by: None,
        extra: Vec::new(),
    }
}

/// Where a person's remains turn up, relative to where they were last seen.
fn found_spot(rng: &mut Rng, from: &Spot) -> Spot {
    let root = town_root(rng);
    match rng.weighted(&[65.0, 22.0, 8.0, 5.0]) {
        0 => from.moved_by(rng, |rng| rng.exponential(25.0).min(120.0), &root),
        1 => from.moved_by(rng, |rng| rng.uniform(50.0, 350.0), &root),
        2 => from.moved_by(rng, |rng| rng.uniform(350.0, 1200.0), &root),
        _ => {
            // across a border: a neighbouring country, or anywhere
            let target: &Region = if from.region.is_us() {
                let near = [places::country("MX"), places::country("CA")];
                match near[rng.below(2)] {
                    Some(r) if rng.chance(0.6) => r,
                    _ => &COUNTRIES[rng.below(COUNTRIES.len())],
                }
            } else if rng.chance(0.5) {
                &places::STATES[rng.below(places::STATES.len())]
            } else {
                &COUNTRIES[rng.below(COUNTRIES.len())]
            };
            let (lat, lon) = target.point(rng);
            Spot::new(rng, lat, lon, &root)
        }
    }
}

fn remains_agencies(rng: &mut Rng, spot: &Spot) -> Vec<AgencyKey> {
    let r = spot.region;
    let mut out = Vec::new();
    if r.is_us() {
        if rng.chance(0.62) {
            out.push(AgencyKey::State(r.code));
        }
        if rng.chance(0.5) {
            out.push(AgencyKey::Me(r.code));
        }
        if out.is_empty() {
            out.push(if rng.chance(0.5) {
                AgencyKey::State(r.code)
            } else {
                AgencyKey::Me(r.code)
            });
        }
    } else {
        if rng.chance(0.4) {
            out.push(AgencyKey::Abroad(r.code));
        }
        if out.is_empty() || rng.chance(0.5) {
            out.push(AgencyKey::MeAbroad(r.code));
        }
    }
    out
}

/// Remains as found: when, where, and what they are.
struct Finding<'a> {
    found: NaiveDate,
    spot: &'a Spot,
    death_est: Option<NaiveDate>,
    /// The teeth as they were at death.
    teeth: &'a [Tooth],
}

/// One examination of remains, as an agency enters it.
fn remains_report(
    b: &mut Builder,
    rng: &mut Rng,
    p: &Person,
    finding: &Finding<'_>,
    key: &AgencyKey,
) -> Record {
    let Finding {
        found,
        spot,
        death_est,
        teeth,
    } = *finding;
    let mut r = b.new_record(key, Kind::Unidentified, p.pid);
    let format = r.format.clone().unwrap_or_default();
    r.condition = Some(Condition::Deceased);
    r.sex = Some(match rng.weighted(&[88.0, 11.0, 1.0]) {
        0 => p.sex,
        1 => Sex::Unknown,
        _ => {
            if p.sex == Sex::Male {
                Sex::Female
            } else {
                Sex::Male
            }
        }
    });
    r.race = Some(match rng.weighted(&[78.0, 17.0, 5.0]) {
        0 => p.race,
        1 => Race::Unknown,
        _ => [Race::White, Race::Black, Race::AmericanIndian, Race::Asian][rng.below(4)],
    });
    // age estimate
    let age = p.age_on(found);
    let width =
        [5.0, 7.0, 9.0, 11.0, 15.0, 21.0][rng.weighted(&[12.0, 18.0, 15.0, 25.0, 18.0, 12.0])];
    let center = age + 2.2 * rng.normal();
    let lo = (center - width / 2.0).round().max(0.0);
    let hi = (center + width / 2.0).round().max(lo + 1.0);
    if format == "ncic" {
        let y = found.year();
        r.birth_year = Some(YearRange {
            min: y - hi as i32,
            max: y - lo as i32,
        });
    } else {
        r.age = Some(AgeRange {
            min: lo as u16,
            max: hi as u16,
            as_of: None,
        });
    }
    // height estimate
    let h = p.height_at(found.min(p.dob + Duration::days(365 * 40)));
    let hw = [4.0, 6.0, 8.0, 10.0, 15.0][rng.weighted(&[15.0, 25.0, 25.0, 20.0, 15.0])];
    let hc = h + 3.0 * rng.normal();
    r.height_cm = Some(Range {
        min: (hc - hw / 2.0).round(),
        max: (hc + hw / 2.0).round(),
    });
    if rng.chance(0.45) {
        let w = p.weight_at(found) * rng.uniform(0.65, 1.05);
        r.weight_kg = Some(Range::exact(w.round().max(2.0)));
    }
    r.eye = Some(if rng.chance(0.7) {
        EyeColor::Unknown
    } else {
        drift_eye(rng, p.eye)
    });
    r.hair = Some(if rng.chance(0.4) {
        HairColor::Unknown
    } else {
        drift_hair(rng, p.hair)
    });
    r.marks = reported_marks(rng, &p.marks, 0.65, 0.8);
    if rng.chance(0.04) {
        r.marks.push(Mark {
            kind: homeward_schemas::MarkKind::Scar,
            side: None,
            part: ["ABDOM", "BACK", "CHEST", "FHD"][rng.below(4)].to_string(),
            text: None,
        });
    }
    if rng.chance(0.5) {
        r.dental = Some(chart(teeth, rng, 0.12, 0.015));
    }
    if let Some(f) = &p.fingerprints
        && rng.chance(0.25)
    {
        r.fingerprint_class = Some(f.clone());
    }
    r.fingerprints_available = Some(rng.chance(0.3));
    r.dna_available = Some(rng.chance(0.5));
    if format == "ncic" {
        r.body_parts = Some(["ALL", "ALD", "SKL"][rng.weighted(&[70.0, 20.0, 10.0])].to_string());
        r.entry_category = None;
    }
    r.found_date = Some(pd(found));
    r.estimated_death = death_est.map(pd);
    r.found_place = Some(place_of(spot, false));
    let entered = (found + Duration::days(rng.int(1, 40))).min(today());
    r.source_updated_at = Some(at_noon(entered));
    r
}

/// Remains of `p` found on `found` at `spot`: one record per agency that enters them.
fn remains(
    b: &mut Builder,
    rng: &mut Rng,
    p: &Person,
    last: NaiveDate,
    found: NaiveDate,
    spot: &Spot,
) -> Vec<(AgencyKey, Record)> {
    let death_est = rng.chance(0.35).then(|| {
        let span = (found - last).num_days().max(1);
        last + Duration::days(rng.int(0, span))
    });
    let teeth = later_teeth(rng, &p.teeth, (found - last).num_days() as f64 / 365.25);
    remains_agencies(rng, spot)
        .into_iter()
        .map(|k| {
            let finding = Finding {
                found,
                spot,
                death_est,
                teeth: &teeth,
            };
            let r = remains_report(b, rng, p, &finding, &k);
            (k, r)
        })
        .collect()
}

fn unclaimed_report(
    b: &mut Builder,
    rng: &mut Rng,
    p: &Person,
    died: NaiveDate,
    spot: &Spot,
) -> (AgencyKey, Record) {
    let key = if spot.region.is_us() {
        AgencyKey::Me(spot.region.code)
    } else {
        AgencyKey::MeAbroad(spot.region.code)
    };
    let mut r = b.new_record(&key, Kind::Unclaimed, p.pid);
    let mut names = report_names(rng, p, "xml", false);
    names.truncate(1);
    r.names = names;
    if let Some(d) = reported_dob(rng, p.dob) {
        r.birth_dates.push(d);
    }
    r.sex = Some(if rng.chance(0.05) {
        Sex::Unknown
    } else {
        p.sex
    });
    r.race = Some(reported_race(rng, p));
    r.death_date = Some(pd(died));
    r.death_place = Some(place_of(spot, true));
    r.source_updated_at = Some(at_noon(
        (died + Duration::days(rng.int(10, 200))).min(today()),
    ));
    (key, r)
}

fn missing_person(b: &mut Builder, rng: &mut Rng, pid: u32) {
    let date = last_contact_date(rng);
    let age = age_at_event(rng, 0.38);
    let international = rng.chance(0.17);
    let p = make_person(rng, pid, date, age, international);
    // where they were last seen: near home, sometimes in another state or (visitors) the US
    let spot = if p.is_international() && rng.chance(0.1) {
        let s = &places::STATES[rng.below(places::STATES.len())];
        let (lat, lon) = s.point(rng);
        let root = town_root(rng);
        Spot::new(rng, lat, lon, &root)
    } else if rng.chance(0.1) {
        let root = town_root(rng);
        p.home.moved_by(rng, |rng| rng.uniform(30.0, 400.0), &root)
    } else {
        let t = p.home.town.clone();
        p.home
            .moved_by(rng, |rng| rng.exponential(6.0).min(30.0), &t)
    };
    let ev = Event { date, spot };
    let mut reports: Vec<(AgencyKey, Record)> = Vec::new();
    for key in missing_agencies(rng, &p, &ev) {
        let r = missing_report(b, rng, &p, &ev, &key);
        reports.push((key, r));
    }

    // what happens next
    let fate = rng.weighted(&[78.0, 11.0, 1.0, 8.5, 1.5]);
    match fate {
        1 => {
            // located alive: most agencies close their record
            let when = ev.date + Duration::days(rng.exponential(200.0) as i64 + 1);
            if when < today() {
                for (k, r) in &reports {
                    if rng.chance(0.9) {
                        close_missing(b, rng, r, k, when, false);
                    }
                }
            }
        }
        2 => {
            // entered in error
            let when = ev.date + Duration::days(rng.int(1, 30));
            for (k, r) in &reports {
                let action = if r.format.as_deref() == Some("pfif") {
                    Action::Expire {
                        expiry_date: at_noon(when.min(today())),
                    }
                } else {
                    Action::Cancel
                };
                let status = if matches!(action, Action::Expire { .. }) {
                    Status::Expired
                } else {
                    Status::Cancelled
                };
                let t = simple_tx(r, action, when.min(today()), Some(StatusReason::NotMissing));
                b.file(k).transactions.push(t);
                b.set_status(&r.id.native_id, status);
            }
        }
        3 => {
            // found dead: remains
            let gap_days = match rng.weighted(&[55.0, 40.0, 5.0]) {
                0 => rng.exponential(0.8 * 365.25),
                1 => rng.exponential(5.0 * 365.25),
                _ => -rng.uniform(1.0, 20.0),
            } as i64;
            let found = ev.date + Duration::days(gap_days);
            if found < today() - Duration::days(3) && found > p.dob {
                let spot = found_spot(rng, &ev.spot);
                let recs = remains(b, rng, &p, ev.date, found, &spot);
                // some are identified: the remains cleared and the missing records closed
                if rng.chance(0.06) {
                    let when = (found + Duration::days(rng.int(20, 300))).min(today());
                    let nic = reports
                        .iter()
                        .find(|(_, r)| r.format.as_deref() == Some("ncic"))
                        .map(|(_, r)| r.id.native_id.clone());
                    for (k, r) in &recs {
                        let t = simple_tx(
                            r,
                            Action::Clear {
                                identified_as: nic.clone(),
                                identified_name: None,
                            },
                            when,
                            Some(StatusReason::Identified),
                        );
                        b.file(k).transactions.push(t);
                        b.set_status(&r.id.native_id, Status::Identified);
                    }
                    for (k, r) in &reports {
                        close_missing(b, rng, r, k, when, true);
                    }
                }
                for (k, r) in recs {
                    b.file(&k).entries.push(r);
                }
            }
        }
        4 => {
            // died, identified by name, nobody claimed the body
            let gap = rng.exponential(2.0 * 365.25) as i64 + 5;
            let died = ev.date + Duration::days(gap);
            if died < today() - Duration::days(5) {
                let spot = if rng.chance(0.85) {
                    let root = town_root(rng);
                    ev.spot.moved_by(rng, |rng| rng.exponential(40.0), &root)
                } else {
                    found_spot(rng, &ev.spot)
                };
                let (k, r) = unclaimed_report(b, rng, &p, died, &spot);
                b.file(&k).entries.push(r);
            }
        }
        _ => {}
    }

    // later changes some agencies make
    for (k, r) in &reports {
        let fmt = r.format.as_deref().unwrap_or("");
        if fmt == "ncic" && rng.chance(0.04) {
            let mut patch = Record::new(Kind::Missing, "", "");
            patch.weight_kg = r
                .weight_kg
                .map(|w| Range::exact((w.min * rng.uniform(0.93, 1.07)).round()));
            if patch.weight_kg.is_some() {
                let when = (ev.date + Duration::days(rng.int(5, 200))).min(today());
                let t = simple_tx(
                    r,
                    Action::Modify {
                        patch: Box::new(patch),
                        full: false,
                    },
                    when,
                    None,
                );
                b.file(k).transactions.push(t);
            }
        }
        if fmt == "pfif" && rng.chance(0.02) && b.status_of(&r.id.native_id) == Some(Status::Active)
        {
            let when = (ev.date + Duration::days(rng.int(200, 900))).min(today());
            let t = simple_tx(
                r,
                Action::Expire {
                    expiry_date: at_noon(when),
                },
                when,
                None,
            );
            b.file(k).transactions.push(t);
            b.set_status(&r.id.native_id, Status::Expired);
        }
    }
    for (k, r) in reports {
        b.file(&k).entries.push(r);
    }
}

fn remains_only(b: &mut Builder, rng: &mut Rng, pid: u32) {
    let found = recent_date(rng, 25.0, 5);
    let age = age_at_event(rng, 0.12);
    let abroad = rng.chance(0.08);
    let p = make_person(rng, pid, found, age, abroad);
    let spot = p
        .home
        .moved_by(rng, |rng| rng.exponential(40.0), &p.home.town.clone());
    let last = found - Duration::days(rng.exponential(300.0) as i64 + 1);
    let teeth = make_teeth(rng, age);
    let p = Person { teeth, ..p };
    for (k, r) in remains(b, rng, &p, last, found, &spot) {
        b.file(&k).entries.push(r);
    }
}

fn unclaimed_only(b: &mut Builder, rng: &mut Rng, pid: u32) {
    let died = recent_date(rng, 15.0, 5);
    let age = age_at_event(rng, 0.02);
    let abroad = rng.chance(0.1);
    let p = make_person(rng, pid, died, age, abroad);
    let spot = p
        .home
        .moved_by(rng, |rng| rng.exponential(20.0), &p.home.town.clone());
    let (k, r) = unclaimed_report(b, rng, &p, died, &spot);
    b.file(&k).entries.push(r);
}
