//! Output files of the commands (`--out`): written whole or not at all.
//!
//! A regular file (or a new one) is written to a temporary file beside it, synced, and renamed
//! onto it, so a reader sees the old file or the whole new one. Anything else that already
//! exists — `/dev/null`, a terminal, a FIFO — is written in place: renaming onto a device
//! would replace the device node itself with a regular file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::CliError;

/// An output file being written; [`OutFile::commit`] makes it visible.
pub struct OutFile {
    target: PathBuf,
    /// The temporary file, when the output is a regular file.
    tmp: Option<PathBuf>,
    file: Option<BufWriter<File>>,
}

impl OutFile {
    /// Opens `path` for writing (see the module documentation).
    pub fn create(path: &Path) -> Result<Self, CliError> {
        let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        if special {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| CliError::io(path.display(), e))?;
            return Ok(Self {
                target: path.to_path_buf(),
                tmp: None,
                file: Some(BufWriter::new(f)),
            });
        }
        let tmp = temp_path(path);
        let f = File::create(&tmp).map_err(|e| CliError::io(tmp.display(), e))?;
        Ok(Self {
            target: path.to_path_buf(),
            tmp: Some(tmp),
            file: Some(BufWriter::new(f)),
        })
    }

    /// Flushes, syncs and (for a regular file) renames the temporary file into place.
    pub fn commit(mut self) -> Result<(), CliError> {
        let io = |e| CliError::io(self.target.display(), e);
        if let Some(w) = self.file.take() {
            let f = w.into_inner().map_err(|e| io(e.into_error()))?;
            if self.tmp.is_some() {
                f.sync_all().map_err(io)?;
            }
        }
        if let Some(tmp) = self.tmp.take() {
            std::fs::rename(&tmp, &self.target).map_err(io)?;
        }
        Ok(())
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("output already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for OutFile {
    /// An output never committed leaves no temporary file behind.
    fn drop(&mut self) {
        self.file = None;
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes `bytes` to `path` whole or not at all.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut out = OutFile::create(path)?;
    out.write_all(bytes)
        .map_err(|e| CliError::io(path.display(), e))?;
    out.commit()
}

/// A temporary file beside `path`, to be renamed onto it once complete.
fn temp_path(path: &Path) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_file_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        std::fs::write(&p, b"old").unwrap();
        let mut o = OutFile::create(&p).unwrap();
        o.write_all(b"new contents").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        o.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new contents");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn abandoned_output_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        let mut o = OutFile::create(&p).unwrap();
        o.write_all(b"partial").unwrap();
        drop(o);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn dev_null_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        let p = Path::new("/dev/null");
        write_atomically(p, b"discarded").unwrap();
        let m = std::fs::metadata(p).unwrap();
        assert!(m.file_type().is_char_device(), "/dev/null was replaced");
    }
}
