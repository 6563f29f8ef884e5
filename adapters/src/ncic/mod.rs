//! Format `ncic` (not yet implemented on this branch).

use std::io::{BufRead, Write};

use homeward_schemas::{Record, Transaction};

use crate::format::{Format, ReadContext, Reader, WriteContext, WriteError, Writer};
use crate::item::{Loss, Position, ReadItem};

pub const NAME: &str = "ncic";

/// The `ncic` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct NcicFormat;

impl Format for NcicFormat {
    fn name(&self) -> &str {
        NAME
    }

    fn description(&self) -> &str {
        "ncic (not yet implemented)"
    }

    fn detect(&self, _head: &[u8]) -> bool {
        false
    }

    fn reader(&self) -> Box<dyn Reader> {
        Box::new(NcicReader)
    }

    fn writer(&self, _ctx: &WriteContext) -> Box<dyn Writer> {
        Box::new(NcicWriter)
    }
}

struct NcicReader;

impl Reader for NcicReader {
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

struct NcicWriter;

impl Writer for NcicWriter {
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
