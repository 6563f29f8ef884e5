//! Homeward's canonical record.
//!
//! Every format reads into and writes out of [`Record`] (an entry) and [`Transaction`] (a
//! change to a record sent before). The JSON Schema of both is generated from these types by
//! [`json_schema`] and shipped as `schemas/json/record.schema.json`; a test keeps the file
//! equal to the types.
#![forbid(unsafe_code)]

pub mod codes;
pub mod date;
pub mod geo;
pub mod record;
pub mod translit;
pub mod units;

pub use codes::*;
pub use date::{DateError, PartialDate};
pub use record::*;
pub use units::Range;

/// The canonical JSON Schema document for an exchangeable item: a [`Record`] or a
/// [`Transaction`], pretty-printed, with a trailing newline.
pub fn json_schema() -> String {
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    #[schemars(
        title = "Homeward canonical item",
        description = "A canonical record (an entry) or a transaction on one, schema version 1."
    )]
    #[serde(untagged)]
    enum CanonicalItem {
        Record(Box<Record>),
        Transaction(Box<Transaction>),
    }
    let schema = schemars::schema_for!(CanonicalItem);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    /// The checked-in schema file is what the types generate. Regenerate with
    /// `UPDATE_SCHEMA=1 cargo test -p homeward-schemas`.
    #[test]
    fn checked_in_json_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/json/record.schema.json");
        let generated = super::json_schema();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "schemas/json/record.schema.json is stale: run UPDATE_SCHEMA=1 cargo test -p homeward-schemas"
        );
    }

    #[test]
    fn schema_validates_shape_of_a_record() {
        let schema: serde_json::Value = serde_json::from_str(&super::json_schema()).unwrap();
        let defs = schema.get("$defs").unwrap();
        for t in [
            "Record",
            "Transaction",
            "Name",
            "Place",
            "Mark",
            "Dental",
            "PartialDate",
        ] {
            assert!(defs.get(t).is_some(), "schema lacks {t}");
        }
    }
}
