//! Fixed-width layouts declared by an administrator (format `<layout name>`).
//!
//! A state's flat-file export is read with no code change: the configuration declares its
//! columns (name, start, length, canonical field, code mapping, date format, unit) and the
//! layout becomes a format of the registry under its own name. See `docs/formats/layout.md`.

mod read;
mod spec;
mod write;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::format::{Format, Reader, WriteContext, Writer};

pub use read::LayoutReader;
pub use spec::{Column, Field, LayoutError, LayoutSpec};
pub use write::LayoutWriter;

/// A declared layout as a format.
#[derive(Debug, Clone)]
pub struct LayoutFormat {
    spec: Arc<LayoutSpec>,
    description: String,
}

/// Format names a layout may not take.
pub const RESERVED: &[&str] = &["ncic", "xml", "pfif", "auto", "canonical"];

impl LayoutFormat {
    /// A format from a declaration; every problem of the declaration when it is not usable.
    pub fn new(spec: LayoutSpec) -> Result<Self, Vec<LayoutError>> {
        let mut errors = spec.validate();
        if RESERVED.contains(&spec.name.as_str()) {
            errors.push(LayoutError::Column {
                layout: spec.name.clone(),
                column: "-".into(),
                reason: format!("`{}` is a built-in format's name", spec.name),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let description = spec
            .description
            .clone()
            .unwrap_or_else(|| format!("fixed-width layout `{}`", spec.name));
        Ok(Self {
            spec: Arc::new(spec),
            description,
        })
    }

    pub fn spec(&self) -> &LayoutSpec {
        &self.spec
    }

    /// The format name recorded on records read with it (`layout:<name>`).
    pub fn record_format(&self) -> String {
        format!("layout:{}", self.spec.name)
    }
}

impl Format for LayoutFormat {
    fn name(&self) -> &str {
        &self.spec.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    /// Fixed-width files carry no signature: a layout is always named explicitly.
    fn detect(&self, _head: &[u8]) -> bool {
        false
    }

    fn reader(&self) -> Box<dyn Reader> {
        Box::new(LayoutReader {
            spec: self.spec.clone(),
            format_name: self.record_format(),
        })
    }

    fn writer(&self, _ctx: &WriteContext) -> Box<dyn Writer> {
        Box::new(LayoutWriter {
            spec: self.spec.clone(),
            format_name: self.record_format(),
        })
    }
}
