//! Scoring a pair of profiles: evidence per attribute, in bits, with its reason in words.
//!
//! Every attribute contributes a weight: the base-2 logarithm of how much more likely what is
//! seen is if the two records describe one person than if they describe two (a likelihood
//! ratio, as in Fellegi–Sunter record linkage). Agreement on something rare weighs more than
//! agreement on something common; tolerances are graded rather than cut off, so a distinctive
//! tattoo at the same place or a dental chart can outweigh an age estimate a few years off.
//! The score of a pair is the sum. A few combinations are impossible and exclude the pair
//! outright (see [`Exclusion`]).
//!
//! One function scores a pair; it writes each part to a [`Sink`]. The sink used for ranking
//! only adds numbers; the one used for output also keeps the words, so explanations never
//! drift from what was scored.

mod compare;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::profile::Profile;
pub use compare::Counts;
pub(crate) use compare::{Prescorer, found_gap_weight, identification_km_weight};

/// What a candidate pair claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Two records of the same kind from different sources describe one case.
    SamePerson,
    /// A missing-person record (left) may be the person an unidentified or unclaimed record
    /// (right) describes.
    PossibleIdentification,
}

impl Relation {
    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::SamePerson => "same_person",
            Relation::PossibleIdentification => "possible_identification",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "same_person" => Some(Relation::SamePerson),
            "possible_identification" => Some(Relation::PossibleIdentification),
            _ => None,
        }
    }
}

/// The attribute a score part is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Name,
    Dob,
    Age,
    Sex,
    Race,
    Height,
    Weight,
    Eyes,
    Hair,
    Marks,
    Dental,
    Fingerprints,
    Identifier,
    Place,
    Date,
    Decision,
    Link,
}

impl Attribute {
    /// The word used in reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            Attribute::Name => "name",
            Attribute::Dob => "dob",
            Attribute::Age => "age",
            Attribute::Sex => "sex",
            Attribute::Race => "race",
            Attribute::Height => "height",
            Attribute::Weight => "weight",
            Attribute::Eyes => "eyes",
            Attribute::Hair => "hair",
            Attribute::Marks => "marks",
            Attribute::Dental => "dental",
            Attribute::Fingerprints => "fingerprints",
            Attribute::Identifier => "identifier",
            Attribute::Place => "place",
            Attribute::Date => "date",
            Attribute::Decision => "decision",
            Attribute::Link => "link",
        }
    }
}

/// One attribute's contribution to a score, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorePart {
    pub attribute: Attribute,
    /// Bits: positive when the attribute supports the pair, negative when it speaks against.
    pub weight: f32,
    /// What was compared and how it came out (`SMITH = SMITH`, `41 y at found date, estimate
    /// 31-47`).
    pub detail: String,
}

impl ScorePart {
    /// `name: family SMITH = SMITH (+6.5)`.
    pub fn reason(&self) -> String {
        format!(
            "{}: {} ({:+.1})",
            self.attribute.as_str(),
            self.detail,
            self.weight
        )
    }
}

/// Where the parts of a score go.
pub trait Sink {
    /// Adds a part; `detail` is only called by sinks that keep words.
    fn add<F: FnOnce() -> String>(&mut self, attribute: Attribute, weight: f32, detail: F);
}

/// A sink that only sums.
#[derive(Debug, Default, Clone, Copy)]
pub struct Total(pub f32);

impl Sink for Total {
    fn add<F: FnOnce() -> String>(&mut self, _: Attribute, weight: f32, _: F) {
        self.0 += weight;
    }
}

/// A sink that keeps every part.
#[derive(Debug, Default, Clone)]
pub struct Parts(pub Vec<ScorePart>);

impl Sink for Parts {
    fn add<F: FnOnce() -> String>(&mut self, attribute: Attribute, weight: f32, detail: F) {
        self.0.push(ScorePart {
            attribute,
            weight,
            detail: detail(),
        });
    }
}

impl Parts {
    pub fn total(&self) -> f32 {
        self.0.iter().map(|p| p.weight).sum()
    }

    /// The reasons in words: supporting parts first (strongest first), then the parts that
    /// speak against, then neutral ones; separated by `; `.
    pub fn reasons(&self) -> String {
        let mut pos: Vec<&ScorePart> = self.0.iter().filter(|p| p.weight > 0.05).collect();
        let mut neg: Vec<&ScorePart> = self.0.iter().filter(|p| p.weight < -0.05).collect();
        let zero: Vec<&ScorePart> = self.0.iter().filter(|p| p.weight.abs() <= 0.05).collect();
        pos.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        neg.sort_by(|a, b| a.weight.total_cmp(&b.weight));
        pos.iter()
            .chain(neg.iter())
            .chain(zero.iter())
            .map(|p| p.reason())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Why a pair can never be proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// One of the records is not an open case (located, cleared, cancelled, identified,
    /// expired).
    Closed,
    /// The relation does not apply to these kinds (two unidentified records as an
    /// identification, a missing and an unclaimed record as the same case...).
    Kinds,
    /// Both records come from one source.
    SameSource,
    /// One says male and the other female.
    Sex,
    /// The remains were found (or the person died) before the person was born.
    BeforeBirth,
}

/// Scores `a` against `b` for `relation`, writing parts to `sink`; `Err` when the pair is
/// impossible. For [`Relation::PossibleIdentification`], `a` is the missing record and `b`
/// the unidentified or unclaimed one.
pub fn score<S: Sink>(
    a: &Profile,
    b: &Profile,
    relation: Relation,
    counts: &Counts,
    sink: &mut S,
) -> Result<(), Exclusion> {
    check(a, b, relation)?;
    match relation {
        Relation::SamePerson => compare::same_person(a, b, counts, sink),
        Relation::PossibleIdentification => compare::identification(a, b, counts, sink),
    }
    Ok(())
}

/// The exclusions alone, cheap: whether `a` and `b` may be compared for `relation` at all.
pub fn check(a: &Profile, b: &Profile, relation: Relation) -> Result<(), Exclusion> {
    if !a.is_open() || !b.is_open() {
        return Err(Exclusion::Closed);
    }
    match relation {
        Relation::SamePerson => {
            if a.kind != b.kind {
                return Err(Exclusion::Kinds);
            }
            if a.source == b.source {
                return Err(Exclusion::SameSource);
            }
        }
        Relation::PossibleIdentification => {
            if !a.is_missing() || !b.is_to_identify() {
                return Err(Exclusion::Kinds);
            }
            if let (Some(birth), Some(found)) = (a.birth, b.event) {
                // a year's slack for a wrong year of birth
                if crate::profile::decimal_year(found.hi) < birth.lo - 1.0 {
                    return Err(Exclusion::BeforeBirth);
                }
            }
        }
    }
    if let (Some(x), Some(y)) = (a.sex, b.sex)
        && x != y
    {
        return Err(Exclusion::Sex);
    }
    Ok(())
}

/// The score of a pair, or `None` when it is impossible.
pub fn total(a: &Profile, b: &Profile, relation: Relation, counts: &Counts) -> Option<f32> {
    let mut t = Total::default();
    score(a, b, relation, counts, &mut t).ok().map(|_| t.0)
}

/// The parts of a pair's score, or `None` when it is impossible.
pub fn explain(a: &Profile, b: &Profile, relation: Relation, counts: &Counts) -> Option<Parts> {
    let mut p = Parts::default();
    score(a, b, relation, counts, &mut p).ok().map(|_| p)
}
