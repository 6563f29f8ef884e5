//! Message keys and the value syntax of every NCIC field, both directions.

use homeward_schemas::geo::{self, PlaceCode};
use homeward_schemas::translit::match_key;
use homeward_schemas::{Kind, Name, NameRole, PartialDate, Place, Range, Record, YearRange, units};

/// A message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mke {
    Emd,
    Eme,
    Emi,
    Emj,
    Emv,
    Emo,
    Mm,
    Xm,
    Lm,
    Cm,
    Eud,
    Eul,
    Euv,
    Mu,
    Xu,
    Cu,
}

impl Mke {
    pub const ALL: &'static [Mke] = &[
        Mke::Emd,
        Mke::Eme,
        Mke::Emi,
        Mke::Emj,
        Mke::Emv,
        Mke::Emo,
        Mke::Mm,
        Mke::Xm,
        Mke::Lm,
        Mke::Cm,
        Mke::Eud,
        Mke::Eul,
        Mke::Euv,
        Mke::Mu,
        Mke::Xu,
        Mke::Cu,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Mke::Emd => "EMD",
            Mke::Eme => "EME",
            Mke::Emi => "EMI",
            Mke::Emj => "EMJ",
            Mke::Emv => "EMV",
            Mke::Emo => "EMO",
            Mke::Mm => "MM",
            Mke::Xm => "XM",
            Mke::Lm => "LM",
            Mke::Cm => "CM",
            Mke::Eud => "EUD",
            Mke::Eul => "EUL",
            Mke::Euv => "EUV",
            Mke::Mu => "MU",
            Mke::Xu => "XU",
            Mke::Cu => "CU",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Mke::ALL.iter().copied().find(|m| m.code() == s)
    }

    /// The file the key belongs to.
    pub fn kind(self) -> Kind {
        match self {
            Mke::Emd | Mke::Eme | Mke::Emi | Mke::Emj | Mke::Emv | Mke::Emo => Kind::Missing,
            Mke::Mm | Mke::Xm | Mke::Lm | Mke::Cm => Kind::Missing,
            _ => Kind::Unidentified,
        }
    }

    pub fn is_entry(self) -> bool {
        matches!(
            self,
            Mke::Emd
                | Mke::Eme
                | Mke::Emi
                | Mke::Emj
                | Mke::Emv
                | Mke::Emo
                | Mke::Eud
                | Mke::Eul
                | Mke::Euv
        )
    }
}

/// A field value that breaks the spec: the reason, in words.
pub type FieldResult<T> = Result<T, String>;

/// `[A-Z]{2}[A-Z0-9]{7}`.
pub fn is_ori(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `M` or `U` then 9 digits.
pub fn parse_nic(s: &str, kind: Kind) -> FieldResult<String> {
    let b = s.as_bytes();
    let prefix = match kind {
        Kind::Unidentified => b'U',
        _ => b'M',
    };
    if b.len() != 10 || !b[1..].iter().all(u8::is_ascii_digit) || !matches!(b[0], b'M' | b'U') {
        return Err(format!(
            "`{s}` is not an NCIC number (M or U then 9 digits)"
        ));
    }
    if b[0] != prefix {
        return Err(format!(
            "`{s}` is not a {} record's NCIC number (must start with {})",
            kind.as_str(),
            prefix as char
        ));
    }
    Ok(s.to_string())
}

pub fn is_nic(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && matches!(b[0], b'M' | b'U') && b[1..].iter().all(u8::is_ascii_digit)
}

/// 1–20 of `A-Z 0-9 -`.
pub fn parse_oca(s: &str) -> FieldResult<String> {
    if is_oca(s) {
        Ok(s.to_string())
    } else {
        Err(format!("`{s}` is not a case number (1-20 of A-Z, 0-9, -)"))
    }
}

pub fn is_oca(s: &str) -> bool {
    (1..=20).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

const SUFFIXES: &[&str] = &["JR", "SR", "II", "III", "IV", "V"];

/// Parses `LAST, FIRST MIDDLE SUFFIX` (≤ 30 characters of A–Z, space, hyphen, apostrophe).
pub fn parse_name(s: &str, role: NameRole) -> FieldResult<Name> {
    if s.len() > 30 {
        return Err(format!("name is {} characters long, at most 30", s.len()));
    }
    if let Some(bad) = s
        .chars()
        .find(|c| !(c.is_ascii_uppercase() || matches!(c, ' ' | '-' | '\'' | ',')))
    {
        return Err(format!(
            "`{bad}` is not allowed in a name (A-Z, space, hyphen, apostrophe)"
        ));
    }
    let Some((family, rest)) = s.split_once(',') else {
        return Err("name must be LAST, FIRST MIDDLE SUFFIX (no comma)".into());
    };
    if rest.contains(',') {
        return Err("name has more than one comma".into());
    }
    let family = family.trim();
    if family.is_empty() {
        return Err("name has no last name before the comma".into());
    }
    let mut tokens: Vec<&str> = rest.split_whitespace().collect();
    let suffix = if tokens.len() >= 2 && tokens.last().is_some_and(|t| SUFFIXES.contains(t)) {
        tokens.pop().map(str::to_string)
    } else {
        None
    };
    let given = tokens.first().map(|t| (*t).to_string());
    let middle = (tokens.len() > 1).then(|| tokens[1..].join(" "));
    Ok(Name {
        role,
        family: Some(family.to_string()),
        given,
        middle,
        suffix,
        script: Some("Latn".into()),
        ..Name::default()
    })
}

/// A name in the NAM form, from its parts (upper-cased). `None` without a family name.
pub fn format_name_parts(name: &Name) -> Option<String> {
    let family = name.family.as_deref()?;
    let mut rest: Vec<&str> = Vec::new();
    for p in [&name.given, &name.middle, &name.suffix]
        .into_iter()
        .flatten()
    {
        rest.push(p);
    }
    Some(
        format!("{}, {}", family, rest.join(" "))
            .trim_end()
            .to_uppercase(),
    )
}

/// Whether the NAM of a transaction names `record` (any of its names, compared by
/// [`match_key`]: case, accents, punctuation and script do not matter).
pub fn name_matches(nam: &str, record: &Record) -> bool {
    let wanted = match_key(nam);
    record.names.iter().any(|n| {
        let mut forms = Vec::new();
        if let Some(f) = format_name_parts(n) {
            forms.push(f);
        }
        if let Some(l) = &n.latin
            && let Some(fam) = &l.family
        {
            forms.push(format!("{fam}, {}", l.given.clone().unwrap_or_default()));
        }
        forms.iter().any(|f| match_key(f) == wanted)
    })
}

/// `CCYYMMDD`.
pub fn parse_date(s: &str) -> FieldResult<PartialDate> {
    PartialDate::parse_compact(s).map_err(|e| e.to_string())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `LOW-HIGH` or a single value; ranges only where `ranges_allowed`.
fn split_range(s: &str, ranges_allowed: bool) -> FieldResult<(&str, Option<&str>)> {
    match s.split_once('-') {
        Some(_) if !ranges_allowed => {
            Err("ranges (LOW-HIGH) are only allowed in unidentified records".into())
        }
        Some((a, b)) => Ok((a, Some(b))),
        None => Ok((s, None)),
    }
}

/// `HGT`: `FII`, or `FII-FII` in unidentified records; centimetres.
pub fn parse_height(s: &str, ranges_allowed: bool) -> FieldResult<Range> {
    let one = |v: &str| {
        units::ncic_height_to_cm(v)
            .ok_or_else(|| format!("`{v}` is not a height (feet then two-digit inches, e.g. 510)"))
    };
    let (a, b) = split_range(s, ranges_allowed)?;
    let lo = one(a)?;
    let hi = match b {
        Some(b) => one(b)?,
        None => lo,
    };
    Range::new(lo, hi).ok_or_else(|| format!("range `{s}` is reversed"))
}

/// `WGT`: 3 digits of pounds, or `LLL-HHH` in unidentified records; kilograms.
pub fn parse_weight(s: &str, ranges_allowed: bool) -> FieldResult<Range> {
    let one = |v: &str| {
        if v.len() == 3 && all_digits(v) {
            v.parse::<u32>()
                .map(|lb| units::pounds_to_kg(f64::from(lb)))
                .map_err(|e| e.to_string())
        } else {
            Err(format!("`{v}` is not a weight (3 digits of pounds)"))
        }
    };
    let (a, b) = split_range(s, ranges_allowed)?;
    let lo = one(a)?;
    let hi = match b {
        Some(b) => one(b)?,
        None => lo,
    };
    Range::new(lo, hi).ok_or_else(|| format!("range `{s}` is reversed"))
}

/// Centimetres as `HGT` (a range only when `min != max`); `None` beyond the format.
pub fn format_height(r: &Range) -> Option<String> {
    let lo = units::cm_to_ncic_height(r.min)?;
    if r.is_exact() {
        return Some(lo);
    }
    Some(format!("{lo}-{}", units::cm_to_ncic_height(r.max)?))
}

/// Kilograms as `WGT`; `None` beyond 999 lb.
pub fn format_weight(r: &Range) -> Option<String> {
    let one = |kg: f64| {
        let lb = units::kg_to_pounds(kg).round();
        (0.0..=999.0)
            .contains(&lb)
            .then(|| format!("{:03}", lb as u32))
    };
    let lo = one(r.min)?;
    if r.is_exact() {
        return Some(lo);
    }
    Some(format!("{lo}-{}", one(r.max)?))
}

/// `EYB`: `CCYY` or `CCYY-CCYY`.
pub fn parse_birth_years(s: &str) -> FieldResult<YearRange> {
    let year = |v: &str| {
        if v.len() == 4 && all_digits(v) {
            v.parse::<i32>().map_err(|e| e.to_string())
        } else {
            Err(format!("`{v}` is not a year (CCYY)"))
        }
    };
    let (a, b) = split_range(s, true)?;
    let min = year(a)?;
    let max = match b {
        Some(b) => year(b)?,
        None => min,
    };
    if min > max {
        return Err(format!("range `{s}` is reversed"));
    }
    Ok(YearRange { min, max })
}

pub fn format_birth_years(y: &YearRange) -> String {
    if y.min == y.max {
        format!("{:04}", y.min)
    } else {
        format!("{:04}-{:04}", y.min, y.max)
    }
}

/// `LOC`: `<city>, <state or country code>[ @DDMMSS{N,S}DDDMMSS{E,W}]`.
pub fn parse_location(s: &str) -> FieldResult<Place> {
    let (text, coords) = match s.rsplit_once(" @") {
        Some((t, c)) => (t, Some(parse_coordinates(c)?)),
        None => (s, None),
    };
    let Some((city, code)) = text.rsplit_once(',') else {
        return Err("place must be `<city>, <state or country code>`".into());
    };
    let city = city.trim();
    let code = code.trim();
    let resolved = geo::resolve_place_code(code, coords)
        .ok_or_else(|| format!("`{code}` is not a US state or ISO 3166 country code"))?;
    let mut place = Place {
        city: (!city.is_empty() && city != "UNKNOWN").then(|| city.to_string()),
        lat: coords.map(|c| c.0),
        lon: coords.map(|c| c.1),
        ..Place::default()
    };
    match resolved {
        PlaceCode::UsState(st) => {
            place.region = Some(format!("US-{st}"));
            place.country = Some("US".into());
        }
        PlaceCode::Country(c) => place.country = Some(c.to_string()),
    }
    Ok(place)
}

/// The `LOC` text for a place, and whether the city had to change (characters NCIC cannot
/// carry in it replaced by spaces); or why the place cannot be written.
pub fn format_location(p: &Place) -> Result<(String, bool), String> {
    let code = match (&p.region, &p.country) {
        (Some(r), _) if r.starts_with("US-") && geo::is_us_state(&r[3..]) => r[3..].to_string(),
        (_, Some(c)) if geo::is_country(c) => c.clone(),
        (Some(r), _) => {
            // A subdivision abroad: NCIC holds only the country.
            match r.split_once('-') {
                Some((c, _)) if geo::is_country(c) => c.to_string(),
                _ => return Err(format!("region `{r}` has no NCIC code")),
            }
        }
        _ => return Err("place has no state or country".into()),
    };
    let coords = match (p.lat, p.lon) {
        (Some(lat), Some(lon)) => Some((lat, lon)),
        _ => None,
    };
    let raw_city = p.city.as_deref().unwrap_or("UNKNOWN");
    let city = raw_city
        .replace(['.', ',', '@', '\n', '\r'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let city = if city.is_empty() {
        "UNKNOWN".to_string()
    } else {
        city
    };
    let changed = p.city.is_some() && city != raw_city;
    let mut s = format!("{city}, {code}");
    if let Some((lat, lon)) = coords {
        s.push_str(" @");
        s.push_str(&format_coordinates(lat, lon)?);
    }
    Ok((s, changed))
}

fn dms(s: &str, deg_digits: usize, pos: u8, neg: u8, max_deg: u32) -> FieldResult<f64> {
    let b = s.as_bytes();
    if b.len() != deg_digits + 5 || !all_digits(&s[..deg_digits + 4]) {
        return Err(format!(
            "`{s}` is not degrees-minutes-seconds with a hemisphere"
        ));
    }
    let deg: u32 = s[..deg_digits]
        .parse()
        .map_err(|_| format!("bad degrees in `{s}`"))?;
    let min: u32 = s[deg_digits..deg_digits + 2]
        .parse()
        .map_err(|_| format!("bad minutes in `{s}`"))?;
    let sec: u32 = s[deg_digits + 2..deg_digits + 4]
        .parse()
        .map_err(|_| format!("bad seconds in `{s}`"))?;
    if min >= 60 || sec >= 60 || deg * 3600 + min * 60 + sec > max_deg * 3600 {
        return Err(format!("`{s}` is out of range"));
    }
    let v = f64::from(deg) + f64::from(min) / 60.0 + f64::from(sec) / 3600.0;
    match b[b.len() - 1] {
        h if h == pos => Ok(v),
        h if h == neg => Ok(-v),
        _ => Err(format!(
            "`{s}` must end in {} or {}",
            pos as char, neg as char
        )),
    }
}

/// `DDMMSS{N,S}DDDMMSS{E,W}` → (lat, lon) in decimal degrees.
pub fn parse_coordinates(s: &str) -> FieldResult<(f64, f64)> {
    if s.len() != 15 || !s.is_ascii() {
        return Err(format!(
            "`{s}` is not a position (DDMMSS N/S then DDDMMSS E/W, e.g. 323457N0883209W)"
        ));
    }
    let lat = dms(&s[..7], 2, b'N', b'S', 90)?;
    let lon = dms(&s[7..], 3, b'E', b'W', 180)?;
    Ok((lat, lon))
}

/// Decimal degrees → `DDMMSS{N,S}DDDMMSS{E,W}`, rounded to the second.
pub fn format_coordinates(lat: f64, lon: f64) -> Result<String, String> {
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(format!("coordinates {lat},{lon} are out of range"));
    }
    let part = |v: f64| {
        let total = (v.abs() * 3600.0).round() as u32;
        (total / 3600, (total / 60) % 60, total % 60)
    };
    let (ad, am, as_) = part(lat);
    let (od, om, os) = part(lon);
    Ok(format!(
        "{ad:02}{am:02}{as_:02}{}{od:03}{om:02}{os:02}{}",
        if lat < 0.0 { 'S' } else { 'N' },
        if lon < 0.0 { 'W' } else { 'E' }
    ))
}

/// Whether coordinates survive the round to whole seconds unchanged.
pub fn coordinates_exact(lat: f64, lon: f64) -> bool {
    let ok = |v: f64| {
        let s = v.abs() * 3600.0;
        (s - s.round()).abs() < 1e-6
    };
    ok(lat) && ok(lon)
}

/// Free text as NCIC carries it: periods replaced by spaces. Returns the text and whether it
/// changed.
pub fn clean_text(s: &str) -> (String, bool) {
    let cleaned: String = s
        .chars()
        .map(|c| match c {
            '.' => ' ',
            '\n' | '\r' | '\t' => ' ',
            c => c,
        })
        .collect();
    let changed = cleaned != s;
    (cleaned, changed)
}

/// Whether a message field code is plausibly one (2–4 upper-case letters or digits).
pub fn is_mfc(s: &str) -> bool {
    (2..=4).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        let n = parse_name("SMITH, JOHN JAMES", NameRole::Primary).unwrap();
        assert_eq!(n.family.as_deref(), Some("SMITH"));
        assert_eq!(n.given.as_deref(), Some("JOHN"));
        assert_eq!(n.middle.as_deref(), Some("JAMES"));
        assert_eq!(format_name_parts(&n).as_deref(), Some("SMITH, JOHN JAMES"));
        let j = parse_name("KING, CHARLES TREVOR JR", NameRole::Primary).unwrap();
        assert_eq!(j.suffix.as_deref(), Some("JR"));
        assert_eq!(j.middle.as_deref(), Some("TREVOR"));
        assert_eq!(
            format_name_parts(&j).as_deref(),
            Some("KING, CHARLES TREVOR JR")
        );
        let o = parse_name("O'BRIEN-SMITH, ANN", NameRole::Alias).unwrap();
        assert_eq!(o.family.as_deref(), Some("O'BRIEN-SMITH"));
        assert!(parse_name("SMITH JOHN", NameRole::Primary).is_err());
        assert!(parse_name("Smith, John", NameRole::Primary).is_err());
        assert!(parse_name("A, BCDEFGHIJKLMNOPQRSTUVWXYZABCDE", NameRole::Primary).is_err());
    }

    #[test]
    fn locations_round_trip() {
        let p = parse_location("SPRINGFIELD, IL @394653N0893900W").unwrap();
        assert_eq!(p.region.as_deref(), Some("US-IL"));
        assert_eq!(p.country.as_deref(), Some("US"));
        assert!((p.lat.unwrap() - 39.7813888).abs() < 1e-6);
        assert!(p.lon.unwrap() < 0.0);
        assert_eq!(
            format_location(&p).unwrap().0,
            "SPRINGFIELD, IL @394653N0893900W"
        );
        let ca = parse_location("AYERSTON, CA @524122N1033735W").unwrap();
        assert_eq!(ca.country.as_deref(), Some("CA"));
        assert_eq!(ca.region, None);
        assert_eq!(
            format_location(&ca).unwrap().0,
            "AYERSTON, CA @524122N1033735W"
        );
        let unknown = parse_location("UNKNOWN, EG @271035N0293837E").unwrap();
        assert_eq!(unknown.city, None);
        assert_eq!(
            format_location(&unknown).unwrap().0,
            "UNKNOWN, EG @271035N0293837E"
        );
        let dotted = Place {
            city: Some("п. Советский".into()),
            country: Some("RU".into()),
            ..Place::default()
        };
        assert_eq!(
            format_location(&dotted).unwrap(),
            ("п Советский, RU".to_string(), true)
        );
        assert!(parse_location("NOWHERE").is_err());
        assert!(parse_location("NOWHERE, QQ").is_err());
        assert!(parse_location("X, TX @996000N0883209W").is_err());
        assert!(parse_location("X, TX @323457X0883209W").is_err());
    }

    #[test]
    fn measures() {
        let h = parse_height("510", false).unwrap();
        assert!((h.min - 177.8).abs() < 1e-9);
        assert!(parse_height("502-506", false).is_err());
        let r = parse_height("502-506", true).unwrap();
        assert_eq!(format_height(&r).as_deref(), Some("502-506"));
        assert!(
            parse_height("511-508", true)
                .unwrap_err()
                .contains("reversed")
        );
        assert!(parse_height("5100", false).is_err());
        let w = parse_weight("082", false).unwrap();
        assert_eq!(format_weight(&w).as_deref(), Some("082"));
        assert!(parse_weight("82", false).is_err());
        assert_eq!(
            format_weight(&parse_weight("150-180", true).unwrap()).as_deref(),
            Some("150-180")
        );
        let y = parse_birth_years("1973-1979").unwrap();
        assert_eq!(format_birth_years(&y), "1973-1979");
        assert!(parse_birth_years("1979-1973").is_err());
    }

    #[test]
    fn nic_and_ori() {
        assert!(is_ori("TX0101300"));
        assert!(!is_ori("tx0101300"));
        assert!(!is_ori("TX010130"));
        assert!(parse_nic("M000000123", Kind::Missing).is_ok());
        assert!(parse_nic("U000000123", Kind::Missing).is_err());
        assert!(parse_nic("M00000012", Kind::Missing).is_err());
    }
}
