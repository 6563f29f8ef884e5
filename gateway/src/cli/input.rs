//! Finding input files, choosing their format, and opening them for a reader.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use homeward_adapters::{DETECT_HEAD_BYTES, Format, Registry};

use super::CliError;

/// `--format` on the command line: a registered format's name, or `auto`.
pub const AUTO: &str = "auto";

/// Every file under `paths` (directories recursively, in name order; hidden files skipped).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| CliError::io(p.display(), e))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CliError::io(dir.display(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// An input opened for reading, its format chosen.
pub struct OpenInput {
    pub format: Arc<dyn Format>,
    pub reader: Box<dyn BufRead + Send>,
}

/// Reads up to [`DETECT_HEAD_BYTES`] from `r` without losing them.
fn read_head(r: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(DETECT_HEAD_BYTES);
    r.take(DETECT_HEAD_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Chooses the format of `stream` (named `origin` in messages): `format` unless it is `auto`,
/// else by content. The bytes looked at are given back to the reader.
pub fn open_stream(
    registry: &Registry,
    format: &str,
    origin: &str,
    mut stream: Box<dyn Read + Send>,
) -> Result<OpenInput, CliError> {
    let head = read_head(&mut stream).map_err(|e| CliError::io(origin, e))?;
    let chosen = if format == AUTO {
        registry.detect(&head).ok_or_else(|| {
            CliError::Usage(format!(
                "{origin}: cannot tell its format from its content; name it with --format ({})",
                registry.names().join("|")
            ))
        })?
    } else {
        registry.get(format).ok_or_else(|| {
            CliError::Usage(format!(
                "unknown format `{format}` (known: {}, auto)",
                registry.names().join(", ")
            ))
        })?
    };
    let reader = BufReader::with_capacity(64 * 1024, Cursor::new(head).chain(stream));
    Ok(OpenInput {
        format: chosen,
        reader: Box::new(reader),
    })
}

/// Opens the file at `path` (`-` for standard input).
pub fn open_path(registry: &Registry, format: &str, path: &Path) -> Result<OpenInput, CliError> {
    let origin = path.display().to_string();
    let stream: Box<dyn Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(path).map_err(|e| CliError::io(&origin, e))?)
    };
    open_stream(registry, format, &origin, stream)
}
