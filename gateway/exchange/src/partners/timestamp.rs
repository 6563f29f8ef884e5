//! An instant in the configuration: an RFC 3339 string or a TOML datetime.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant written as RFC 3339 (`"2026-01-01T00:00:00Z"`) or as a TOML offset
/// datetime (`2026-01-01T00:00:00Z`, unquoted). A date or time without an offset is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn parse(s: &str) -> Result<Self, String> {
        DateTime::parse_from_rfc3339(s.trim())
            .map(|d| Timestamp(d.with_timezone(&Utc)))
            .map_err(|e| {
                format!(
                    "`{s}` is not an RFC 3339 instant with an offset (2026-01-01T00:00:00Z): {e}"
                )
            })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

struct TsVisitor;

impl<'de> Visitor<'de> for TsVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 instant such as 2026-01-01T00:00:00Z")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse(v).map_err(E::custom)
    }

    // A TOML datetime arrives as a one-entry map holding its text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Timestamp, A::Error> {
        let Some((_k, v)) = map.next_entry::<String, String>()? else {
            return Err(de::Error::custom("empty datetime"));
        };
        Timestamp::parse(&v).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TsVisitor)
    }
}
