//! Why a poster could not be made.

use std::path::PathBuf;

use homeward_schemas::Kind;

/// Why a poster or its PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PosterError {
    /// Posters are for missing persons only.
    #[error("record {record} is a {kind} record: posters are made for missing-person records only")]
    NotMissing { record: String, kind: Kind },
    /// The record has expired: its personal data was removed (or is due to be).
    #[error("record {record} has expired: its personal data is removed, no poster can be made")]
    Expired { record: String },
    /// A configured font directory cannot be read.
    #[error("font directory {}: {source}", path.display())]
    FontDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No usable font face was found, so no text could be drawn.
    #[error("no usable font found in {}", list_dirs(searched))]
    NoFonts { searched: Vec<PathBuf> },
    /// A font face that was found could not be loaded when it was needed.
    #[error("font {family} ({}) could not be loaded: {reason}", path.display())]
    FontLoad {
        family: String,
        path: PathBuf,
        reason: String,
    },
    /// The PDF writer refused the document.
    #[error("writing the PDF of poster {record}: {reason}")]
    Pdf { record: String, reason: String },
}

fn list_dirs(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "no directory".to_string();
    }
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
