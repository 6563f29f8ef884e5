//! NCIC-style messages (format `ncic`), as `../shared/formats/ncic.md` defines them.
//!
//! One message per line: `1N01HEADER.<MKE>.<ORI>.<MFC>/<value>. ...`. The reader turns each
//! line into an entry (EMx, EUx), a transaction (MM, XM, LM, CM, MU, XU, CU) or a rejection
//! naming the line, column, field and reason; the writer turns records and transactions back
//! into lines, reporting per record what NCIC cannot hold. Choices the spec leaves open are in
//! `docs/formats/ncic.md`.

mod fields;
mod read;
mod write;

#[cfg(test)]
mod tests;

use crate::format::{Format, Reader, WriteContext, Writer};

pub use fields::{Mke, name_matches, parse_name};
pub use read::NcicReader;
pub(crate) use read::parse_mark;
pub use write::NcicWriter;

/// The format's name.
pub const NAME: &str = "ncic";

/// The fixed header every message starts with.
pub const HEADER: &str = "1N01HEADER";

/// The `ncic` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct NcicFormat;

impl Format for NcicFormat {
    fn name(&self) -> &str {
        NAME
    }

    fn description(&self) -> &str {
        "NCIC-style messages, one per line (1N01HEADER.MKE.ORI.MFC/value...)"
    }

    fn detect(&self, head: &[u8]) -> bool {
        // The first line that is neither blank nor a comment starts with the header.
        head.split(|b| *b == b'\n')
            .map(crate::format::trim_head)
            .find(|l| !l.is_empty() && !l.starts_with(b"#"))
            .is_some_and(|l| l.starts_with(HEADER.as_bytes()))
    }

    fn reader(&self) -> Box<dyn Reader> {
        Box::new(NcicReader)
    }

    fn writer(&self, _ctx: &WriteContext) -> Box<dyn Writer> {
        Box::new(NcicWriter)
    }
}
