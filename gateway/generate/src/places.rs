//! Where people live, go missing and are found: US states and partner countries as boxes of
//! latitude and longitude, with population weights and made-up town names.

use crate::rng::Rng;

/// A region: a US state (`US-TX`) or a whole partner country (`MX`).
#[derive(Debug, Clone, Copy)]
pub struct Region {
    /// Two letters: the state or the country.
    pub code: &'static str,
    /// ISO 3166-1 alpha-2 country.
    pub country: &'static str,
    pub lat: (f64, f64),
    pub lon: (f64, f64),
    /// Relative population (for where people live).
    pub weight: f64,
}

impl Region {
    pub fn is_us(&self) -> bool {
        self.country == "US"
    }

    /// ISO 3166-2 code for a US state (`US-TX`); `None` for a country.
    pub fn iso_region(&self) -> Option<String> {
        self.is_us().then(|| format!("US-{}", self.code))
    }

    pub fn center(&self) -> (f64, f64) {
        (
            (self.lat.0 + self.lat.1) / 2.0,
            (self.lon.0 + self.lon.1) / 2.0,
        )
    }

    fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.lat.0..=self.lat.1).contains(&lat) && (self.lon.0..=self.lon.1).contains(&lon)
    }

    /// A point inside the region's box.
    pub fn point(&self, rng: &mut Rng) -> (f64, f64) {
        (
            rng.uniform(self.lat.0, self.lat.1),
            rng.uniform(self.lon.0, self.lon.1),
        )
    }
}

macro_rules! us {
    ($($c:literal $la0:literal $la1:literal $lo0:literal $lo1:literal $w:literal;)+) => {
        &[$(Region { code: $c, country: "US", lat: ($la0, $la1), lon: ($lo0, $lo1), weight: $w }),+]
    };
}

/// The US states (approximate boxes).
pub const STATES: &[Region] = us! {
    "AL" 30.2 35.0 -88.5 -84.9 5.0;
    "AZ" 31.3 37.0 -114.8 -109.0 7.3;
    "AR" 33.0 36.5 -94.6 -89.6 3.0;
    "CA" 32.5 42.0 -124.0 -114.1 39.0;
    "CO" 37.0 41.0 -109.1 -102.0 5.8;
    "CT" 41.0 42.05 -73.7 -71.8 3.6;
    "DE" 38.45 39.84 -75.8 -75.05 1.0;
    "FL" 25.2 31.0 -87.6 -80.1 22.0;
    "GA" 30.4 35.0 -85.6 -80.8 10.9;
    "ID" 42.0 49.0 -117.2 -111.0 1.9;
    "IL" 37.0 42.5 -91.5 -87.5 12.6;
    "IN" 37.8 41.8 -88.1 -84.8 6.8;
    "IA" 40.4 43.5 -96.6 -90.1 3.2;
    "KS" 37.0 40.0 -102.05 -94.6 2.9;
    "KY" 36.5 39.1 -89.6 -81.96 4.5;
    "LA" 29.0 33.0 -94.0 -89.0 4.6;
    "ME" 43.1 47.5 -71.1 -66.9 1.4;
    "MD" 37.9 39.7 -79.5 -75.05 6.2;
    "MA" 41.2 42.9 -73.5 -69.9 7.0;
    "MI" 41.7 46.0 -86.5 -82.4 10.0;
    "MN" 43.5 49.0 -97.2 -89.5 5.7;
    "MS" 30.2 35.0 -91.7 -88.1 2.9;
    "MO" 36.0 40.6 -95.8 -89.1 6.2;
    "MT" 44.4 49.0 -116.05 -104.04 1.1;
    "NE" 40.0 43.0 -104.05 -95.3 2.0;
    "NV" 35.0 42.0 -120.0 -114.0 3.2;
    "NH" 42.7 45.3 -72.6 -70.6 1.4;
    "NJ" 38.9 41.36 -75.56 -73.9 9.3;
    "NM" 31.33 37.0 -109.05 -103.0 2.1;
    "NY" 40.5 45.0 -79.76 -71.85 19.6;
    "NC" 33.8 36.59 -84.32 -75.46 10.7;
    "ND" 45.9 49.0 -104.05 -96.55 0.8;
    "OH" 38.4 41.98 -84.82 -80.52 11.8;
    "OK" 33.6 37.0 -103.0 -94.43 4.0;
    "OR" 41.99 46.29 -124.57 -116.46 4.2;
    "PA" 39.72 42.27 -80.52 -74.69 13.0;
    "RI" 41.15 42.02 -71.86 -71.12 1.1;
    "SC" 32.03 35.22 -83.35 -78.54 5.3;
    "SD" 42.48 45.94 -104.06 -96.44 0.9;
    "TN" 34.98 36.68 -90.31 -81.65 7.0;
    "TX" 25.84 36.5 -106.65 -93.51 30.0;
    "UT" 37.0 42.0 -114.05 -109.04 3.4;
    "VT" 42.73 45.02 -73.44 -71.46 0.65;
    "VA" 36.54 39.47 -83.68 -75.24 8.7;
    "WA" 45.54 49.0 -124.76 -116.92 7.8;
    "WV" 37.2 40.64 -82.64 -77.72 1.8;
    "WI" 42.49 47.08 -92.89 -86.25 5.9;
    "WY" 40.99 45.01 -111.06 -104.05 0.6;
};

macro_rules! country {
    ($($c:literal $la0:literal $la1:literal $lo0:literal $lo1:literal $w:literal;)+) => {
        &[$(Region { code: $c, country: $c, lat: ($la0, $la1), lon: ($lo0, $lo1), weight: $w }),+]
    };
}

/// The partner countries (inland boxes), weighted by how many cases they exchange.
pub const COUNTRIES: &[Region] = country! {
    "MX" 18.0 28.5 -106.0 -97.0 27.0;
    "CA" 43.5 53.5 -123.0 -70.0 9.0;
    "GB" 50.8 55.8 -4.5 -0.5 19.0;
    "DE" 47.8 54.5 6.5 14.5 4.0;
    "BR" -25.0 -5.0 -55.0 -38.0 10.0;
    "RU" 52.0 58.5 30.0 60.0 8.0;
    "UA" 46.5 51.5 23.5 38.0 3.0;
    "CN" 23.0 40.0 103.0 120.0 3.0;
    "IN" 12.0 28.0 73.0 87.0 8.0;
    "EG" 24.0 31.0 29.0 33.0 4.0;
    "NZ" -46.0 -35.0 167.0 178.0 1.0;
};

/// The region holding a point: the state or country whose box contains it (the nearest
/// centre among several), else the nearest centre.
pub fn region_at(lat: f64, lon: f64) -> &'static Region {
    let d = |r: &Region| {
        let (a, b) = r.center();
        (a - lat).powi(2) + ((b - lon) * lat.to_radians().cos()).powi(2)
    };
    let all = || STATES.iter().chain(COUNTRIES.iter());
    all()
        .filter(|r| r.contains(lat, lon))
        .min_by(|x, y| d(x).total_cmp(&d(y)))
        .or_else(|| all().min_by(|x, y| d(x).total_cmp(&d(y))))
        .unwrap_or(&STATES[0])
}

/// A region by its two-letter code (state first, then country).
pub fn region(code: &str) -> Option<&'static Region> {
    STATES
        .iter()
        .chain(COUNTRIES.iter())
        .find(|r| r.code == code)
}

/// A partner country by its ISO 3166-1 code.
pub fn country(code: &str) -> Option<&'static Region> {
    COUNTRIES.iter().find(|r| r.code == code)
}

/// Moves a point `km` kilometres in a random direction.
pub fn displace(rng: &mut Rng, lat: f64, lon: f64, km: f64) -> (f64, f64) {
    let bearing = rng.uniform(0.0, std::f64::consts::TAU);
    let dlat = km * bearing.cos() / 111.0;
    let dlon = km * bearing.sin() / (111.32 * lat.to_radians().cos().max(0.1));
    let lat2 = (lat + dlat).clamp(-89.0, 89.0);
    let mut lon2 = lon + dlon;
    if lon2 > 180.0 {
        lon2 -= 360.0;
    }
    if lon2 < -180.0 {
        lon2 += 360.0;
    }
    (lat2, lon2)
}

const EN_PREFIX: &[&str] = &[
    "", "", "", "New ", "Lake ", "East ", "West ", "North ", "South ", "Port ", "Fort ",
];
const EN_SUFFIX: &[&str] = &[
    "ton", "ville", "port", "berg", "haven", "chester", "land", "fort", "stad", "bury", "view",
    "side", "mouth", "field", "borough", "burgh", "wood", "ford", "dale", "shire",
];
const ES_TOWNS: &[&str] = &[
    "San Josefina",
    "Villa Hidalgo",
    "Santa Rosa",
    "San Miguel",
    "El Carmen",
    "Los Reyes",
    "San Pedro",
    "La Esperanza",
    "Santa Cruz",
    "San Juan",
    "Ciudad Nueva",
    "Villa Juárez",
    "Nuevo Progreso",
    "San Isidro",
    "Las Palmas",
    "Vieja Esperanza",
];
const PT_TOWNS: &[&str] = &[
    "Castro",
    "Siqueira",
    "Nova Esperança",
    "São João",
    "Santa Luzia",
    "Porto Novo",
    "Vila Rica",
    "Campo Grande",
    "Boa Vista",
    "Três Rios",
];
const DE_TOWNS: &[&str] = &[
    "Grimmen",
    "Neustadt",
    "Altdorf",
    "Bergheim",
    "Lindenfeld",
    "Rosenau",
    "Waldhausen",
    "Kirchberg",
    "Mühlhausen",
    "Steinbach",
];
const RU_TOWNS: &[&str] = &[
    "п. Советский",
    "Листвянка",
    "Серпухов",
    "Йошкар-Ола",
    "Каргополь",
    "Кострома",
    "Торжок",
    "Вышний Волочёк",
    "Ржев",
    "Рыбинск",
    "Кашин",
    "Углич",
];
const UA_TOWNS: &[&str] = &[
    "Полтава",
    "Кременчук",
    "Умань",
    "Біла Церква",
    "Житомир",
    "Вінниця",
    "Черкаси",
    "Ніжин",
];
const CN_TOWNS: &[&str] = &[
    "长沙", "武汉", "南昌", "合肥", "郑州", "贵阳", "桂林", "温州",
];
const IN_TOWNS: &[&str] = &[
    "नागपुर",
    "भोपाल",
    "इंदौर",
    "कानपुर",
    "पटना",
    "रांची",
    "जबलपुर",
    "गया",
];
const EG_TOWNS: &[&str] = &[
    "المنيا",
    "أسيوط",
    "سوهاج",
    "قنا",
    "الأقصر",
    "بني سويف",
    "الفيوم",
];

/// A made-up town name in the region's language and script.
pub fn town(rng: &mut Rng, r: &Region, root: &str) -> String {
    let pick = |rng: &mut Rng, xs: &[&str]| -> String {
        rng.pick(xs).map(|s| s.to_string()).unwrap_or_default()
    };
    match r.country {
        "MX" => pick(rng, ES_TOWNS),
        "BR" => pick(rng, PT_TOWNS),
        "DE" => pick(rng, DE_TOWNS),
        "RU" => pick(rng, RU_TOWNS),
        "UA" => pick(rng, UA_TOWNS),
        "CN" => pick(rng, CN_TOWNS),
        "IN" => pick(rng, IN_TOWNS),
        "EG" => pick(rng, EG_TOWNS),
        _ => {
            let p = pick(rng, EN_PREFIX);
            let s = pick(rng, EN_SUFFIX);
            format!("{p}{root}{s}")
        }
    }
}
