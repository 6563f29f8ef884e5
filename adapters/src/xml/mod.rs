//! Format `xml`: clearinghouse exchange documents (NIEM 5.2 with the `ch:` extension).
//!
//! The contract is `shared/formats/clearinghouse-xml.md`; the choices it leaves open are in
//! `docs/formats/xml.md`. The reader streams a `ch:ClearinghouseExchange` one report at a time
//! (see [`crate::xmlcore`]); each report becomes an entry, a transaction, or a rejection with
//! its byte offset and reason. The writer writes NIEM element order, centimetres and kilograms,
//! and validates against `schemas/xsd/clearinghouse/clearinghouse.xsd`.

use crate::format::{Format, Reader, WriteContext, Writer, trim_head};

mod read;
mod write;

#[cfg(test)]
mod tests;

pub use read::XmlReader;
pub use write::XmlWriter;

pub(crate) use read::parse_mark_place;
pub use read::sender_may_send_unclaimed;
pub(crate) use write::mark_place;

pub const NAME: &str = "xml";

/// `ch:` — our extension namespace.
pub const CH_NS: &str = "urn:homeward:clearinghouse:1";
/// `nc:` — NIEM Core 5.0 (as released in NIEM 5.2).
pub const NC_NS: &str = "http://release.niem.gov/niem/niem-core/5.0/";
/// `j:` — NIEM Justice 7.2 (NIEM 5.2).
pub const J_NS: &str = "http://release.niem.gov/niem/domains/jxdm/7.2/";
/// `iso_3166:` — ISO 3166 code lists in NIEM.
pub const ISO_NS: &str = "http://release.niem.gov/niem/codes/iso_3166-1/5.0/";
/// `structures:` — NIEM structures.
pub const STRUCTURES_NS: &str = "http://release.niem.gov/niem/structures/5.0/";

/// Why one report was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("report has no ch:CaseIdentification/nc:IdentificationID")]
    MissingCaseId,
    #[error("ch:ReportAction `{0}` is not enter, modify, cancel, locate or clear")]
    BadAction(String),
    #[error("{field}: `{value}` is not a date (YYYY-MM-DD, YYYY-MM or YYYY as the element says)")]
    BadDate { field: String, value: String },
    #[error("{field}: `{value}` is not a date and time (RFC 3339 / xs:dateTime with zone)")]
    BadDateTime { field: String, value: String },
    #[error("{field}: code `{code}` is not in its list")]
    UnknownCode { field: String, code: String },
    #[error("{field}: unit `{unit}` is not one of {allowed}")]
    BadUnit {
        field: String,
        unit: String,
        allowed: &'static str,
    },
    #[error("{field}: `{value}` is not a number")]
    BadNumber { field: String, value: String },
    #[error("{field}: `{value}` is out of range")]
    OutOfRange { field: String, value: String },
    #[error("{field} is required")]
    Missing { field: String },
    #[error(
        "unclaimed-person reports are accepted only from medical examiners and coroners; sender `{sender}` is neither"
    )]
    UnclaimedNotAllowed { sender: String },
    #[error(
        "no sender: the document has no ch:ExchangeHeader/ch:SenderIdentification before this report and no source was configured"
    )]
    NoSender,
    #[error(
        "`{0}` is not a report (expected ch:MissingPersonReport, ch:UnidentifiedPersonReport or ch:UnclaimedPersonReport)"
    )]
    UnknownElement(String),
    #[error("{field}: {reason}")]
    Malformed { field: String, reason: String },
    #[error(
        "report is larger than the item limit of {limit} bytes (in bytes, or in the memory its elements take)"
    )]
    Oversize { limit: usize },
}

impl ReportError {
    /// The element at fault, for [`crate::Rejection::field`].
    pub fn field(&self) -> Option<&str> {
        match self {
            ReportError::MissingCaseId => Some("ch:CaseIdentification"),
            ReportError::BadAction(_) => Some("ch:ReportAction"),
            ReportError::BadDate { field, .. }
            | ReportError::BadDateTime { field, .. }
            | ReportError::UnknownCode { field, .. }
            | ReportError::BadUnit { field, .. }
            | ReportError::BadNumber { field, .. }
            | ReportError::OutOfRange { field, .. }
            | ReportError::Missing { field }
            | ReportError::Malformed { field, .. } => Some(field),
            ReportError::UnclaimedNotAllowed { .. } => Some("ch:UnclaimedPersonReport"),
            ReportError::NoSender => Some("ch:SenderIdentification"),
            ReportError::UnknownElement(e) => Some(e),
            ReportError::Oversize { .. } => None,
        }
    }
}

/// The `xml` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct XmlFormat;

impl Format for XmlFormat {
    fn name(&self) -> &str {
        NAME
    }

    fn description(&self) -> &str {
        "clearinghouse XML (NIEM 5.2 ch:ClearinghouseExchange)"
    }

    /// A document whose root is `ch:ClearinghouseExchange` in `urn:homeward:clearinghouse:1`.
    fn detect(&self, head: &[u8]) -> bool {
        crate::xmlcore::sniff_root(trim_head(head))
            .is_some_and(|n| n.is(CH_NS, "ClearinghouseExchange"))
    }

    fn reader(&self) -> Box<dyn Reader> {
        Box::new(XmlReader)
    }

    fn writer(&self, ctx: &WriteContext) -> Box<dyn Writer> {
        Box::new(XmlWriter::new(ctx.clone()))
    }

    /// A report element in a `ch:ClearinghouseExchange` declaring the usual prefixes, with a
    /// header naming `source` as the sender (a sender decides the records' source and whether
    /// it may send unclaimed-person reports); a whole document as it is.
    fn standalone(&self, raw: &[u8], source: Option<&str>) -> Vec<u8> {
        if crate::format::is_document(raw, "ch:ClearinghouseExchange") {
            return raw.to_vec();
        }
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ch:ClearinghouseExchange xmlns:ch=\"{CH_NS}\" xmlns:nc=\"{NC_NS}\" xmlns:j=\"{J_NS}\" xmlns:iso_3166=\"{ISO_NS}\" xmlns:structures=\"{STRUCTURES_NS}\">\n"
        )
        .into_bytes();
        if let Some(s) = source.filter(|s| !s.is_empty()) {
            let esc = quick_xml::escape::escape(s);
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            out.extend_from_slice(
                format!(
                    "<ch:ExchangeHeader><ch:SenderIdentification>{esc}</ch:SenderIdentification><ch:ExchangeDateTime>{now}</ch:ExchangeDateTime></ch:ExchangeHeader>\n"
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(raw);
        out.extend_from_slice(b"\n</ch:ClearinghouseExchange>\n");
        out
    }
}
