//! The people of a world, as they truly are: what every report of them is drawn from.

use chrono::{Datelike, Duration, NaiveDate};
use homeward_schemas::{EyeColor, HairColor, Mark, MarkKind, Race, Sex, Side, Tooth};

use crate::names::{Culture, PersonName, make_name};
use crate::places::{self, COUNTRIES, Region, STATES};
use crate::rng::Rng;

/// The day the world is written (reports are as of this day).
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default()
}

/// A place where something happened.
#[derive(Debug, Clone)]
pub struct Spot {
    pub region: &'static Region,
    pub lat: f64,
    pub lon: f64,
    pub town: String,
}

impl Spot {
    pub fn new(rng: &mut Rng, lat: f64, lon: f64, root: &str) -> Self {
        let region = places::region_at(lat, lon);
        Self {
            region,
            lat,
            lon,
            town: places::town(rng, region, root),
        }
    }

    /// A spot a random distance away (`km` draws it).
    pub fn moved_by(&self, rng: &mut Rng, km: impl FnOnce(&mut Rng) -> f64, root: &str) -> Self {
        let d = km(rng);
        self.moved(rng, d, root)
    }

    /// A spot `km` away (the region follows the point; the town is new when far).
    pub fn moved(&self, rng: &mut Rng, km: f64, root: &str) -> Self {
        let (lat, lon) = places::displace(rng, self.lat, self.lon, km);
        let mut s = Spot::new(rng, lat, lon, root);
        if km < 8.0 {
            s.town = self.town.clone();
        }
        s
    }
}

/// One person.
#[derive(Debug, Clone)]
pub struct Person {
    pub pid: u32,
    pub sex: Sex,
    pub race: Race,
    pub hispanic: bool,
    pub name: PersonName,
    pub dob: NaiveDate,
    /// Adult height (cm); children are shorter (see [`Person::height_at`]).
    pub adult_height: f64,
    /// Body-mass index.
    pub bmi: f64,
    pub eye: EyeColor,
    pub hair: HairColor,
    pub marks: Vec<Mark>,
    /// The teeth as they are at the event.
    pub teeth: Vec<Tooth>,
    /// Whether a dental chart is on file with the family's dentist.
    pub dental_on_file: bool,
    /// NCIC fingerprint classification, when prints are on file.
    pub fingerprints: Option<String>,
    pub home: Spot,
}

fn growth_fraction(age: f64) -> f64 {
    (0.47 + 0.033 * age.max(0.0)).min(1.0)
}

impl Person {
    /// Age in years on a date.
    pub fn age_on(&self, d: NaiveDate) -> f64 {
        (d - self.dob).num_days() as f64 / 365.25
    }

    /// Height (cm) on a date: a child's grows toward the adult height.
    pub fn height_at(&self, d: NaiveDate) -> f64 {
        let age = self.age_on(d);
        self.adult_height
            * growth_fraction(if self.sex == Sex::Female {
                age + 1.5
            } else {
                age
            })
    }

    /// Weight (kg) on a date.
    pub fn weight_at(&self, d: NaiveDate) -> f64 {
        let h = self.height_at(d) / 100.0;
        let bmi = if self.age_on(d) < 16.0 {
            (self.bmi * 0.68).max(14.0)
        } else {
            self.bmi
        };
        bmi * h * h
    }

    pub fn is_international(&self) -> bool {
        !self.home.region.is_us()
    }
}

const FAMILY_ROOTS: &[&str] = &[
    "Smith",
    "Clark",
    "Kelly",
    "Taylor",
    "Fisher",
    "Howard",
    "Mill",
    "Ash",
    "Stone",
    "Green",
    "Bell",
    "Hunt",
    "Rose",
    "Lake",
    "Nichol",
    "Thomas",
    "Christopher",
    "Jacqueline",
    "Samuel",
    "Bennett",
    "Hurley",
    "Fraser",
    "Michael",
    "Maple",
    "Oak",
    "Cedar",
    "Elm",
    "Pine",
    "Brook",
    "Glen",
    "Fair",
    "Spring",
    "Hollie",
    "Juli",
    "Marys",
    "Lori",
    "Kelly",
    "Nathan",
];

/// A town-name root (English towns).
pub fn town_root(rng: &mut Rng) -> String {
    rng.pick(FAMILY_ROOTS)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

fn pick_region(rng: &mut Rng, regions: &'static [Region]) -> &'static Region {
    let w: Vec<f64> = regions.iter().map(|r| r.weight).collect();
    &regions[rng.weighted(&w)]
}

fn culture_for(rng: &mut Rng, region: &Region, race: Race, hispanic: bool) -> Culture {
    match region.country {
        "MX" => Culture::Hispanic,
        "BR" => Culture::Portuguese,
        "DE" => Culture::German,
        "RU" => Culture::Russian,
        "UA" => Culture::Ukrainian,
        "CN" => Culture::Chinese,
        "IN" => Culture::Indian,
        "EG" => Culture::Arabic,
        "US" => {
            if hispanic {
                Culture::Hispanic
            } else if race == Race::Asian {
                match rng.below(10) {
                    0..=2 => Culture::Chinese,
                    3..=5 => Culture::Indian,
                    _ => Culture::English,
                }
            } else if race == Race::White && rng.chance(0.04) {
                [
                    Culture::German,
                    Culture::Russian,
                    Culture::Ukrainian,
                    Culture::Arabic,
                ][rng.below(4)]
            } else {
                Culture::English
            }
        }
        _ => Culture::English,
    }
}

fn race_for(rng: &mut Rng, region: &Region) -> (Race, bool) {
    match region.country {
        "US" => {
            let r = [
                Race::White,
                Race::Black,
                Race::Asian,
                Race::AmericanIndian,
                Race::PacificIslander,
            ][rng.weighted(&[60.0, 30.0, 4.0, 4.0, 1.0])];
            let hispanic = r == Race::White && rng.chance(0.3);
            (r, hispanic)
        }
        "MX" => {
            let r = if rng.chance(0.7) {
                Race::White
            } else {
                Race::AmericanIndian
            };
            (r, true)
        }
        "BR" => (
            [Race::White, Race::Black, Race::AmericanIndian][rng.weighted(&[55.0, 40.0, 5.0])],
            false,
        ),
        "CN" | "IN" => (Race::Asian, false),
        _ => (
            if rng.chance(0.9) {
                Race::White
            } else {
                Race::Black
            },
            false,
        ),
    }
}

fn eye_for(rng: &mut Rng, race: Race) -> EyeColor {
    if race == Race::White {
        [
            EyeColor::Blue,
            EyeColor::Brown,
            EyeColor::Hazel,
            EyeColor::Green,
            EyeColor::Gray,
            EyeColor::Black,
        ][rng.weighted(&[30.0, 35.0, 15.0, 12.0, 5.0, 3.0])]
    } else {
        [EyeColor::Brown, EyeColor::Black, EyeColor::Hazel][rng.weighted(&[78.0, 16.0, 6.0])]
    }
}

fn hair_for(rng: &mut Rng, race: Race, age: f64) -> HairColor {
    if age > 55.0 && rng.chance(0.55) {
        return if rng.chance(0.7) {
            HairColor::Gray
        } else {
            HairColor::White
        };
    }
    if age > 40.0 && rng.chance(0.05) {
        return HairColor::Bald;
    }
    if race == Race::White {
        [
            HairColor::Brown,
            HairColor::Blond,
            HairColor::Black,
            HairColor::Red,
            HairColor::Sandy,
        ][rng.weighted(&[45.0, 20.0, 18.0, 6.0, 8.0])]
    } else {
        [HairColor::Black, HairColor::Brown][rng.weighted(&[72.0, 28.0])]
    }
}

const SCAR_PARTS: &[(&str, bool)] = &[
    ("ABDOM", false),
    ("HAND", true),
    ("ARM", true),
    ("LEG", true),
    ("FACE", false),
    ("CHIN", false),
    ("KNEE", true),
    ("CHK", true),
    ("FHD", false),
    ("BACK", false),
    ("CHEST", false),
    ("NECK", false),
    ("FOOT", true),
    ("WRIST", true),
    ("LIP", false),
    ("SHLD", true),
];
const TATTOO_PARTS: &[(&str, bool)] = &[
    ("ARM", true),
    ("LEG", true),
    ("CHEST", false),
    ("BACK", false),
    ("NECK", false),
    ("HAND", true),
    ("SHLD", true),
    ("ANKLE", true),
    ("WRIST", true),
    ("ABDOM", false),
];
const TATTOO_DESIGNS: &[&str] = &[
    "ROSE",
    "DRAGON",
    "CROSS",
    "BUTTERFLY",
    "HEART",
    "STAR",
    "SKULL",
    "ANCHOR",
    "EAGLE",
    "TRIBAL",
    "SNAKE",
    "MOM",
    "LOVE",
    "ANGEL",
    "TIGER",
    "WOLF",
    "LION",
    "FLOWER",
    "MOON",
    "SUN",
    "DOVE",
    "PANTHER",
    "SPIDER WEB",
    "BARBED WIRE",
    "INFINITY",
    "FEATHER",
    "CLOVER",
    "DICE",
    "PRAYING HANDS",
    "KOI FISH",
    "COMPASS",
    "CROWN",
    "SCORPION",
    "HUMMINGBIRD",
];
const MOLE_PARTS: &[(&str, bool)] = &[
    ("CHK", true),
    ("NECK", false),
    ("BACK", false),
    ("CHIN", false),
    ("FACE", false),
    ("ARM", true),
    ("CHEST", false),
    ("LIP", false),
    ("HAND", true),
];
const PIERCING_PARTS: &[(&str, bool)] = &[
    ("EAR", true),
    ("NOSE", false),
    ("NAVL", false),
    ("TONG", false),
    ("LIP", false),
    ("EYEBROW", true),
];
const OTHER_PARTS: &[(&str, bool)] = &[
    ("ARM", true),
    ("LEG", true),
    ("BACK", false),
    ("NECK", false),
    ("FACE", false),
    ("HIP", true),
    ("KNEE", true),
];

fn make_mark(rng: &mut Rng) -> Mark {
    let kind = [
        MarkKind::Scar,
        MarkKind::Tattoo,
        MarkKind::Mole,
        MarkKind::Piercing,
        MarkKind::Birthmark,
        MarkKind::ArtificialPart,
        MarkKind::Discoloration,
    ][rng.weighted(&[33.0, 30.0, 14.0, 15.0, 4.0, 2.0, 2.0])];
    let parts = match kind {
        MarkKind::Scar => SCAR_PARTS,
        MarkKind::Tattoo => TATTOO_PARTS,
        MarkKind::Mole => MOLE_PARTS,
        MarkKind::Piercing => PIERCING_PARTS,
        _ => OTHER_PARTS,
    };
    let (part, sided) = *rng.pick(parts).unwrap_or(&("ARM", true));
    let side = sided.then(|| {
        if rng.chance(0.5) {
            Side::Left
        } else {
            Side::Right
        }
    });
    let text = match kind {
        MarkKind::Tattoo => Some(if rng.chance(0.15) {
            let names = [
                "MARIA", "JOSE", "ANA", "MIKE", "SARAH", "JAMES", "LUCY", "DAVID", "ROSA", "KEVIN",
                "TONY", "EMMA",
            ];
            format!("NAME {}", names[rng.below(names.len())])
        } else {
            rng.pick(TATTOO_DESIGNS)
                .map(|s| s.to_string())
                .unwrap_or_default()
        }),
        MarkKind::ArtificialPart => Some("PROSTHESIS".to_string()),
        _ => None,
    };
    Mark {
        kind,
        side,
        part: part.to_string(),
        text,
    }
}

const RESTORATIONS: &[&str] = &[
    "O", "MO", "DO", "MOD", "OL", "DF", "L", "F", "M", "D", "C", "R", "MODL", "OF", "ODL", "CR",
    "MD", "MF", "FL",
];

/// A dental chart for someone of `age`.
pub fn make_teeth(rng: &mut Rng, age: f64) -> Vec<Tooth> {
    (0..32)
        .map(|i| {
            let wisdom = matches!(i, 0 | 15 | 16 | 31);
            if wisdom && age >= 17.0 && rng.chance(0.45) {
                return Tooth::Missing;
            }
            if wisdom && age < 17.0 {
                return Tooth::Virgin;
            }
            let restored = if age < 12.0 {
                0.03
            } else {
                (0.04 + 0.12 * age / 40.0).min(0.32)
            };
            let missing = if age < 18.0 {
                0.01
            } else {
                (0.01 + 0.06 * age / 50.0).min(0.12)
            };
            if rng.chance(missing) {
                Tooth::Missing
            } else if rng.chance(restored) {
                Tooth::Restored(
                    rng.pick(RESTORATIONS)
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "O".into()),
                )
            } else {
                Tooth::Virgin
            }
        })
        .collect()
}

fn make_fingerprints(rng: &mut Rng) -> String {
    (0..10)
        .map(|_| match rng.below(10) {
            0..=5 => format!("{:02}", rng.int(3, 24)),
            6..=8 => {
                ["PI", "PM", "PO", "CI", "CM", "CO", "DI", "DM", "XI"][rng.below(9)].to_string()
            }
            _ => ["AA", "TT"][rng.below(2)].to_string(),
        })
        .collect()
}

/// How old someone is when the case happens.
pub fn age_at_event(rng: &mut Rng, juvenile_share: f64) -> f64 {
    if rng.chance(juvenile_share) {
        match rng.weighted(&[10.0, 15.0, 75.0]) {
            0 => rng.uniform(1.0, 6.0),
            1 => rng.uniform(6.0, 12.0),
            _ => rng.uniform(12.0, 18.0),
        }
    } else {
        match rng.weighted(&[35.0, 40.0, 25.0]) {
            0 => rng.uniform(18.0, 31.0),
            1 => rng.uniform(31.0, 51.0),
            _ => rng.uniform(51.0, 86.0),
        }
    }
}

/// A date `years` before `d` (fractional), at least a day before.
pub fn years_before(d: NaiveDate, years: f64) -> NaiveDate {
    d - Duration::days(((years * 365.25).round() as i64).max(1))
}

/// Makes a person who lives in a random place, with `age` on `event`.
pub fn make_person(
    rng: &mut Rng,
    pid: u32,
    event: NaiveDate,
    age: f64,
    international: bool,
) -> Person {
    let region = if international {
        pick_region(rng, COUNTRIES)
    } else {
        pick_region(rng, STATES)
    };
    let sex = if rng.chance(0.58) {
        Sex::Male
    } else {
        Sex::Female
    };
    let (race, hispanic) = race_for(rng, region);
    let culture = culture_for(rng, region, race, hispanic);
    let name = make_name(rng, culture, sex);
    let dob = years_before(event, age);
    let adult_height = match sex {
        Sex::Male => 177.0 + 7.0 * rng.normal(),
        _ => 163.5 + 6.5 * rng.normal(),
    }
    .clamp(140.0, 205.0);
    let bmi = (25.5 + 4.5 * rng.normal()).clamp(16.5, 45.0);
    let eye = eye_for(rng, race);
    let hair = hair_for(rng, race, age);
    let n_marks = rng.weighted(&[40.0, 35.0, 18.0, 7.0]);
    let mut marks: Vec<Mark> = Vec::new();
    for _ in 0..n_marks {
        let m = make_mark(rng);
        if !marks
            .iter()
            .any(|x| x.kind == m.kind && x.part == m.part && x.side == m.side)
        {
            marks.push(m);
        }
    }
    let teeth = make_teeth(rng, age);
    let dental_on_file = rng.chance(if age < 16.0 { 0.15 } else { 0.33 });
    let fingerprints = rng.chance(0.12).then(|| make_fingerprints(rng));
    let (lat, lon) = region.point(rng);
    let root = town_root(rng);
    let home = Spot::new(rng, lat, lon, &root);
    Person {
        pid,
        sex,
        race,
        hispanic,
        name,
        dob,
        adult_height,
        bmi,
        eye,
        hair,
        marks,
        teeth,
        dental_on_file,
        fingerprints,
        home,
    }
}

/// A date uniformly within the last `years` before today, at least `min_days` ago.
pub fn recent_date(rng: &mut Rng, years: f64, min_days: i64) -> NaiveDate {
    let days = (rng.f64() * years * 365.25) as i64;
    today() - Duration::days(days.max(min_days))
}

/// The date of a missing person's last contact: recent cases are more common.
pub fn last_contact_date(rng: &mut Rng) -> NaiveDate {
    let years = if rng.chance(0.6) {
        rng.exponential(3.0).min(30.0)
    } else {
        rng.uniform(0.0, 30.0)
    };
    let d = years_before(today(), years.max(0.05));
    // keep the calendar sane for partial ages
    NaiveDate::from_ymd_opt(d.year(), d.month(), d.day()).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_plausible() {
        let mut rng = Rng::new(5);
        for pid in 0..300 {
            let event = last_contact_date(&mut rng);
            let age = age_at_event(&mut rng, 0.4);
            let p = make_person(&mut rng, pid, event, age, pid % 5 == 0);
            let h = p.height_at(event);
            assert!((60.0..=210.0).contains(&h), "{h}");
            let w = p.weight_at(event);
            assert!((5.0..=200.0).contains(&w), "{w}");
            assert_eq!(p.teeth.len(), 32);
            assert!((p.age_on(event) - age).abs() < 0.01);
            assert!(p.fingerprints.as_ref().is_none_or(|f| f.len() == 20));
        }
    }
}
