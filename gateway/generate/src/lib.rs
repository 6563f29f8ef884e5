//! Homeward's synthetic world: people who go missing, are found, or both; every agency's
//! reports of them in the three wire formats; and the truth (which records are one person).
//!
//! The reports differ the way real ones do: nicknames (WILLIAM/BILL), romanisations
//! (ALEKSANDR/ALEXANDR, YULIA/IULIA), names in their own script beside a Latin form, one-letter
//! typos and transpositions, given and family names swapped, middle names and second surnames
//! dropped, dates of birth missing, with day and month swapped or a year off, heights in feet
//! and inches or centimetres, weights ±10 %, eye and hair colours that drift or are dyed,
//! last-contact dates a day apart. Remains carry estimates: an age range and a height range
//! sometimes a few years or centimetres off, sex or race unknown or wrong, weights lower than
//! in life, found nearby, in a neighbouring state or across a border, months to years after
//! the last contact and occasionally days before it; marks partly lost, dental charts with
//! later work and gaps. Later transactions modify, locate, clear, cancel, expire and identify.
//!
//! A seed gives the same world on every machine. [`generate`] builds it in memory as
//! canonical records; [`write`] writes it through the adapters' writers
//! (`wire/*.ncic`, `wire/*.xml`, `wire/*.atom.xml`) with `truth.csv`
//! (`native_id,pid,kind,format,status`).
#![forbid(unsafe_code)]

pub mod names;
pub mod person;
pub mod places;
pub mod rng;
pub mod world;

use std::io::Write;
use std::path::{Path, PathBuf};

use homeward_adapters::{Loss, Registry, WriteContext, WriteError};

pub use world::{AgencyFile, Config, Item, TruthRow, World, generate};

/// Why a world could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no `{0}` format in the registry")]
    Format(String),
    #[error("writing {file}: {source}")]
    Write {
        file: String,
        #[source]
        source: WriteError,
    },
}

/// What writing a world did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub records: u64,
    pub transactions: u64,
    /// What a format could not hold exactly (reported by its writer), with the file.
    pub losses: Vec<(String, Loss)>,
}

/// Writes `world` under `dir`: `wire/<agency file>` and `truth.csv`.
pub fn write(world: &World, dir: &Path, registry: &Registry) -> Result<Written, GenerateError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenerateError::Io { path, source }
    };
    let wire = dir.join("wire");
    std::fs::create_dir_all(&wire).map_err(io(&wire))?;
    let mut out = Written::default();
    let now = person::today()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    for f in &world.files {
        let format = registry
            .get(f.format)
            .ok_or_else(|| GenerateError::Format(f.format.to_string()))?;
        let ctx = WriteContext {
            sender: f.sender.clone(),
            now,
            feed_url: f.feed_url.clone(),
        };
        let mut writer = format.writer(&ctx);
        let mut buf: Vec<u8> = Vec::new();
        let werr = |source| GenerateError::Write {
            file: f.file.clone(),
            source,
        };
        writer.begin(&mut buf).map_err(werr)?;
        for r in &f.entries {
            let lost = writer.record(&mut buf, r).map_err(werr)?;
            out.losses
                .extend(lost.into_iter().map(|l| (f.file.clone(), l)));
            out.records += 1;
        }
        for t in &f.transactions {
            let lost = writer.transaction(&mut buf, t).map_err(werr)?;
            out.losses
                .extend(lost.into_iter().map(|l| (f.file.clone(), l)));
            out.transactions += 1;
        }
        writer.finish(&mut buf).map_err(werr)?;
        let path = wire.join(&f.file);
        std::fs::write(&path, &buf).map_err(io(&path))?;
        out.files += 1;
    }
    let truth = dir.join("truth.csv");
    let mut t = std::fs::File::create(&truth).map_err(io(&truth))?;
    t.write_all(world.truth_csv().as_bytes())
        .map_err(io(&truth))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
