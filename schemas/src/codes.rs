//! Code tables of the canonical record.
//!
//! Every coded attribute is a small enum. In canonical JSON it is written by a readable
//! snake_case name (`"brown"`); each enum also knows its NCIC code (`BRO`), and, where the
//! clearinghouse XML uses a NIEM 5.2 code list, its NIEM code (`BROWN`). The tables are exactly
//! those of `formats/ncic.md` and `formats/clearinghouse-xml.md`; a value outside them is an
//! error at the reader, never a silent default.

/// Declares a code enum with its canonical (JSON) name and its NCIC code.
macro_rules! codes {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $json:literal / $ncic:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $json)] $variant ),+
        }

        impl $name {
            /// Every value, in table order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The canonical (JSON) name.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $json ),+ }
            }

            /// The NCIC code (`""` where NCIC has none).
            pub fn ncic(self) -> &'static str {
                match self { $( $name::$variant => $ncic ),+ }
            }

            /// The value for an NCIC code, if the table has it.
            pub fn from_ncic(code: &str) -> Option<Self> {
                match code {
                    $( c if !$ncic.is_empty() && c == $ncic => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// The value for a canonical name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $json => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Declares the NIEM code of each value of an enum made by `codes!`.
macro_rules! niem_codes {
    ($name:ident { $( $variant:ident = $niem:literal ),+ $(,)? }) => {
        impl $name {
            /// The NIEM 5.2 code (`""` where the NIEM list has none).
            pub fn niem(self) -> &'static str {
                #[allow(unreachable_patterns)]
                match self { $( $name::$variant => $niem, )+ _ => "" }
            }

            /// The value for a NIEM 5.2 code, if the list has it.
            pub fn from_niem(code: &str) -> Option<Self> {
                match code {
                    $( $niem => Some($name::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// What a record describes.
    Kind {
        /// A person reported missing.
        Missing = "missing" / "M",
        /// A person found (dead or alive) whose identity is not known.
        Unidentified = "unidentified" / "U",
        /// A dead person identified by name whose next of kin have not been found.
        Unclaimed = "unclaimed" / "",
    }
}

codes! {
    /// Where a case stands. `Active` until a lifecycle transaction moves it.
    Status {
        Active = "active" / "",
        /// Another agency found the person (NCIC locate, XML locate, PFIF believed_alive with contact).
        Located = "located" / "",
        /// The entering agency closed the case (NCIC clear, XML clear).
        Cleared = "cleared" / "",
        /// Entered in error or not missing (NCIC cancel, XML cancel).
        Cancelled = "cancelled" / "",
        /// Unidentified/unclaimed record identified (NCIC CU, or a confirmed match).
        Identified = "identified" / "",
        /// PFIF expiry: personal data removed, a placeholder kept.
        Expired = "expired" / "",
    }
}

codes! {
    Sex {
        Male = "male" / "M",
        Female = "female" / "F",
        Unknown = "unknown" / "U",
        /// NIEM `X` / PFIF `other`; NCIC has no code for it.
        Other = "other" / "",
    }
}
niem_codes!(Sex { Male = "M", Female = "F", Unknown = "U", Other = "X" });

codes! {
    Race {
        Asian = "asian" / "A",
        Black = "black" / "B",
        AmericanIndian = "american_indian" / "I",
        PacificIslander = "pacific_islander" / "P",
        White = "white" / "W",
        Unknown = "unknown" / "U",
        /// NIEM `HISPANIC-LATINO`; NCIC records this as ethnicity, not race.
        HispanicLatino = "hispanic_latino" / "",
    }
}
niem_codes!(Race {
    Asian = "ASIAN",
    Black = "BLACK",
    AmericanIndian = "NATIVE_AMERICAN",
    PacificIslander = "NATIVE_HAWAIIAN-OTHER_PACIFIC_ISLANDER",
    White = "WHITE",
    Unknown = "UNKNOWN",
    HispanicLatino = "HISPANIC-LATINO",
});

codes! {
    Ethnicity {
        Hispanic = "hispanic" / "H",
        NotHispanic = "not_hispanic" / "N",
        Unknown = "unknown" / "U",
    }
}

codes! {
    EyeColor {
        Black = "black" / "BLK",
        Blue = "blue" / "BLU",
        Brown = "brown" / "BRO",
        Green = "green" / "GRN",
        Gray = "gray" / "GRY",
        Hazel = "hazel" / "HAZ",
        Maroon = "maroon" / "MAR",
        Multicolored = "multicolored" / "MUL",
        Pink = "pink" / "PNK",
        Unknown = "unknown" / "XXX",
    }
}
niem_codes!(EyeColor {
    Black = "BLACK",
    Blue = "BLUE",
    Brown = "BROWN",
    Green = "GREEN",
    Gray = "GRAY",
    Hazel = "HAZEL",
    Maroon = "MAROON",
    Multicolored = "MULTICOLORED",
    Pink = "PINK",
    Unknown = "UNKNOWN",
});

codes! {
    HairColor {
        Bald = "bald" / "BLD",
        Black = "black" / "BLK",
        /// Blond or strawberry blond.
        Blond = "blond" / "BLN",
        Blue = "blue" / "BLU",
        Brown = "brown" / "BRO",
        Green = "green" / "GRN",
        /// Gray or partially gray.
        Gray = "gray" / "GRY",
        Orange = "orange" / "ONG",
        Purple = "purple" / "PLE",
        Pink = "pink" / "PNK",
        /// Red or auburn.
        Red = "red" / "RED",
        Sandy = "sandy" / "SDY",
        White = "white" / "WHI",
        Unknown = "unknown" / "XXX",
    }
}
niem_codes!(HairColor {
    Bald = "BALD",
    Black = "BLACK",
    Blond = "BLONDE-STRAWBERRY",
    Blue = "BLUE",
    Brown = "BROWN",
    Green = "GREEN",
    Gray = "GRAY-PARTIALLY_GRAY",
    Orange = "ORANGE",
    Purple = "PURPLE",
    Pink = "PINK",
    Red = "RED_AUBURN",
    Sandy = "SANDY",
    White = "WHITE",
    Unknown = "UNKNOWN",
});

codes! {
    SkinTone {
        Albino = "albino" / "ALB",
        Black = "black" / "BLK",
        DarkBrown = "dark_brown" / "DBR",
        Dark = "dark" / "DRK",
        Fair = "fair" / "FAR",
        LightBrown = "light_brown" / "LBR",
        Light = "light" / "LGT",
        MediumBrown = "medium_brown" / "MBR",
        Medium = "medium" / "MED",
        Olive = "olive" / "OLV",
        Ruddy = "ruddy" / "RUD",
        Sallow = "sallow" / "SAL",
        Yellow = "yellow" / "YEL",
    }
}

codes! {
    /// The type of a scar, mark or tattoo.
    MarkKind {
        Scar = "scar" / "SC",
        Tattoo = "tattoo" / "TAT",
        Mole = "mole" / "MOLE",
        Piercing = "piercing" / "PRCD",
        ArtificialPart = "artificial_part" / "ART",
        Birthmark = "birthmark" / "BRTHMK",
        Discoloration = "discoloration" / "DISC",
    }
}

codes! {
    Side {
        Left = "left" / "L",
        Right = "right" / "R",
    }
}

codes! {
    BloodType {
        APos = "a_pos" / "APOS",
        ANeg = "a_neg" / "ANEG",
        BPos = "b_pos" / "BPOS",
        BNeg = "b_neg" / "BNEG",
        AbPos = "ab_pos" / "ABPOS",
        AbNeg = "ab_neg" / "ABNEG",
        OPos = "o_pos" / "OPOS",
        ONeg = "o_neg" / "ONEG",
        Unknown = "unknown" / "UNKWN",
    }
}

codes! {
    Circumcision {
        Circumcised = "circumcised" / "C",
        NotCircumcised = "not_circumcised" / "N",
        Unknown = "unknown" / "U",
    }
}

codes! {
    /// NCIC `MNP`, the missing-person type.
    MissingType {
        MissingPerson = "missing_person" / "MP",
        ChildAbduction = "child_abduction" / "CA",
        DomesticViolence = "domestic_violence" / "DV",
        AmberAlert = "amber_alert" / "AA",
    }
}

codes! {
    /// NCIC `MPC`, the circumstances.
    Circumstance {
        Runaway = "runaway" / "R",
        StrangerAbduction = "stranger_abduction" / "S",
        NonCustodialParent = "non_custodial_parent" / "N",
        AdultUnder21 = "adult_under_21" / "F",
    }
}

codes! {
    /// The category a missing-person entry was made in (the NCIC entry message key).
    EntryCategory {
        Disability = "disability" / "EMD",
        Endangered = "endangered" / "EME",
        Involuntary = "involuntary" / "EMI",
        Juvenile = "juvenile" / "EMJ",
        CatastropheVictim = "catastrophe_victim" / "EMV",
        Other = "other" / "EMO",
    }
}

codes! {
    /// The condition of an unidentified person (the NCIC entry message key; XML `ch:Condition`).
    Condition {
        Deceased = "deceased" / "EUD",
        Living = "living" / "EUL",
        CatastropheVictim = "catastrophe_victim" / "EUV",
    }
}

codes! {
    /// `gmcn:category` of an international child case.
    CaseCategory {
        FamilyAbduction = "family_abduction" / "",
        NonfamilyAbduction = "nonfamily_abduction" / "",
        Runaway = "runaway" / "",
        LostInjured = "lost_injured" / "",
        Unknown = "unknown" / "",
    }
}

codes! {
    /// NCIC `RPS`, the reason for a status change (also XML `ch:ActionReasonText`).
    StatusReason {
        Located = "located" / "LOCATED",
        VoluntaryReturn = "voluntary_return" / "VOL RETURN",
        NotMissing = "not_missing" / "NOT MISSING",
        Identified = "identified" / "IDENTIFIED",
        HitNcic = "hit_ncic" / "HIT NCIC",
    }
}

codes! {
    /// The kind of an identifying number.
    IdentifierKind {
        AlienRegistration = "alien_registration" / "AR",
        Passport = "passport" / "PP",
        StateId = "state_id" / "SS",
        Other = "other" / "OA",
        /// NCIC `SOC`.
        SocialSecurity = "social_security" / "SOC",
    }
}

codes! {
    /// PFIF note status.
    NoteStatus {
        InformationSought = "information_sought" / "",
        IsNoteAuthor = "is_note_author" / "",
        BelievedAlive = "believed_alive" / "",
        BelievedMissing = "believed_missing" / "",
        BelievedDead = "believed_dead" / "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ncic_and_niem_tables_round_trip() {
        for e in EyeColor::ALL {
            assert_eq!(EyeColor::from_ncic(e.ncic()), Some(*e));
            assert_eq!(EyeColor::from_niem(e.niem()), Some(*e));
        }
        for h in HairColor::ALL {
            assert_eq!(HairColor::from_ncic(h.ncic()), Some(*h));
            assert_eq!(HairColor::from_niem(h.niem()), Some(*h));
        }
        for r in Race::ALL {
            assert_eq!(Race::from_niem(r.niem()), Some(*r));
            if !r.ncic().is_empty() {
                assert_eq!(Race::from_ncic(r.ncic()), Some(*r));
            }
        }
        for s in Sex::ALL {
            assert_eq!(Sex::from_niem(s.niem()), Some(*s));
        }
        assert_eq!(Sex::from_ncic(""), None);
        assert_eq!(
            StatusReason::from_ncic("VOL RETURN"),
            Some(StatusReason::VoluntaryReturn)
        );
    }

    #[test]
    fn json_names_are_stable() {
        assert_eq!(
            serde_json::to_string(&HairColor::Blond).unwrap(),
            "\"blond\""
        );
        assert_eq!(
            serde_json::from_str::<Kind>("\"unclaimed\"").unwrap(),
            Kind::Unclaimed
        );
        for k in Kind::ALL {
            assert_eq!(Kind::from_name(k.as_str()), Some(*k));
        }
    }
}
