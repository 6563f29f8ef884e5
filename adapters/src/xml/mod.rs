//! Format `xml` (not yet implemented on this branch).

use std::io::{BufRead, Write};

use homeward_schemas::{Record, Transaction};

use crate::format::{Format, ReadContext, Reader, WriteContext, WriteError, Writer};
use crate::item::{Loss, Position, ReadItem};

pub const NAME: &str = "xml";

/// The `xml` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct XmlFormat;

impl Format for XmlFormat {
    fn name(&self) -> &str {
        NAME
    }

    fn description(&self) -> &str {
        "xml (not yet implemented)"
    }

    fn detect(&self, _head: &[u8]) -> bool {
        false
    }

    fn reader(&self) -> Box<dyn Reader> {
        Box::new(XmlReader)
    }

    fn writer(&self, _ctx: &WriteContext) -> Box<dyn Writer> {
        Box::new(XmlWriter)
    }
}

struct XmlReader;

impl Reader for XmlReader {
    fn read<'a>(
        &self,
        _input: Box<dyn BufRead + Send + 'a>,
        _ctx: ReadContext,
    ) -> Box<dyn Iterator<Item = ReadItem> + Send + 'a> {
        Box::new(std::iter::once(ReadItem::rejected(
            NAME,
            None,
            "format not implemented",
            Position::default(),
            Vec::new(),
        )))
    }
}

struct XmlWriter;

impl Writer for XmlWriter {
    fn begin(&mut self, _out: &mut dyn Write) -> Result<(), WriteError> {
        Ok(())
    }

    fn record(&mut self, _out: &mut dyn Write, _r: &Record) -> Result<Vec<Loss>, WriteError> {
        Err(WriteError::Unsupported {
            format: NAME,
            what: "records (not implemented)".into(),
        })
    }

    fn transaction(
        &mut self,
        _out: &mut dyn Write,
        _t: &Transaction,
    ) -> Result<Vec<Loss>, WriteError> {
        Err(WriteError::Unsupported {
            format: NAME,
            what: "transactions (not implemented)".into(),
        })
    }

    fn finish(&mut self, _out: &mut dyn Write) -> Result<(), WriteError> {
        Ok(())
    }
}
