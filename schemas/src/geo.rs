//! Country and US-state codes, and the coarse geography needed to tell them apart.
//!
//! NCIC writes a place as `<city>, <state or country code>`, and several two-letter codes are
//! both a US state and an ISO 3166-1 country (`CA` California / Canada, `GA` Georgia / Georgia,
//! `DE`, `IN`, `AL`, ...). Coordinates, when given, decide: a state code whose coordinates lie
//! outside the United States is read as the country.

/// ISO 3166-1 alpha-2 country codes (officially assigned).
pub const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// US state, district and territory postal codes (the NCIC state codes).
pub const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

pub fn is_country(code: &str) -> bool {
    COUNTRIES.binary_search(&code).is_ok()
}

pub fn is_us_state(code: &str) -> bool {
    US_STATES.contains(&code)
}

/// Whether a point lies in (a coarse box around) the United States and its territories.
pub fn in_united_states(lat: f64, lon: f64) -> bool {
    const BOXES: &[(f64, f64, f64, f64)] = &[
        // (lat_min, lat_max, lon_min, lon_max)
        (24.3, 49.5, -125.0, -66.8),    // contiguous states
        (51.0, 71.6, -180.0, -129.9),   // Alaska
        (51.0, 53.1, 172.0, 180.0),     // western Aleutians
        (18.8, 22.4, -160.4, -154.7),   // Hawaii
        (17.8, 18.6, -67.4, -65.2),     // Puerto Rico
        (17.6, 18.5, -65.1, -64.5),     // US Virgin Islands
        (13.2, 20.6, 144.5, 146.1),     // Guam, Northern Mariana Islands
        (-14.6, -11.0, -171.2, -168.1), // American Samoa
    ];
    BOXES
        .iter()
        .any(|(a, b, c, d)| (*a..=*b).contains(&lat) && (*c..=*d).contains(&lon))
}

/// What a two-letter NCIC place code denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceCode<'a> {
    /// A US state: ISO 3166-2 is `US-<code>`.
    UsState(&'a str),
    /// An ISO 3166-1 country.
    Country(&'a str),
}

/// Reads an NCIC state-or-country code, using coordinates (when known) to choose between a
/// state and a country that share the code. `None` when the code is neither.
pub fn resolve_place_code(code: &str, coords: Option<(f64, f64)>) -> Option<PlaceCode<'_>> {
    let state = is_us_state(code);
    let country = is_country(code);
    match (state, country, coords) {
        (true, true, Some((lat, lon))) if !in_united_states(lat, lon) => {
            Some(PlaceCode::Country(code))
        }
        (true, _, _) => Some(PlaceCode::UsState(code)),
        (false, true, _) => Some(PlaceCode::Country(code)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_list_is_sorted_and_complete_enough() {
        let mut sorted = COUNTRIES.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, COUNTRIES, "binary search needs a sorted list");
        assert_eq!(COUNTRIES.len(), 249);
        for c in [
            "US", "MX", "CA", "GB", "RU", "UA", "EG", "IN", "CN", "NZ", "BR", "DE",
        ] {
            assert!(is_country(c), "{c}");
        }
    }

    #[test]
    fn coordinates_disambiguate_shared_codes() {
        // Saskatchewan, not California.
        assert_eq!(
            resolve_place_code("CA", Some((52.69, -103.63))),
            Some(PlaceCode::Country("CA"))
        );
        assert_eq!(
            resolve_place_code("CA", Some((36.7, -119.4))),
            Some(PlaceCode::UsState("CA"))
        );
        assert_eq!(
            resolve_place_code("CA", None),
            Some(PlaceCode::UsState("CA"))
        );
        assert_eq!(
            resolve_place_code("DE", Some((53.12, 8.07))),
            Some(PlaceCode::Country("DE"))
        );
        assert_eq!(
            resolve_place_code("MX", None),
            Some(PlaceCode::Country("MX"))
        );
        assert_eq!(
            resolve_place_code("TX", Some((31.1, -98.6))),
            Some(PlaceCode::UsState("TX"))
        );
        assert_eq!(resolve_place_code("QQ", None), None);
    }
}
