//! The file-drop transport: files appear in an inbox, are claimed, and end in `done/` or
//! `failed/` only after their content is committed; outgoing files appear in an outbox whole.
//!
//! Layout under the drop directory: `inbox/` (partners write here), `processing/` (claimed,
//! being imported), `done/`, `failed/` (with a `.reason.txt` beside each file), `outbox/`.
//! A claim is a rename, so two workers never import one file; after a crash, files left in
//! `processing/` are claimed again (imports are idempotent, so that is harmless).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;

/// What went wrong with the drop directory.
#[derive(Debug, thiserror::Error)]
pub enum FileDropError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("file name `{name}` refused: {reason}")]
    UnsafeName { name: String, reason: &'static str },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileDropError + '_ {
    move |source| FileDropError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Checks that `name` is a plain file name: no directories, no `..`, not hidden, no control
/// characters, at most 200 bytes. Names from outside never become paths without this.
pub fn safe_name(name: &str) -> Result<&str, FileDropError> {
    let refuse = |reason| FileDropError::UnsafeName {
        name: name.chars().take(80).collect(),
        reason,
    };
    if name.is_empty() {
        return Err(refuse("empty"));
    }
    if name.len() > 200 {
        return Err(refuse("longer than 200 bytes"));
    }
    if name.contains(['/', '\\']) {
        return Err(refuse("contains a path separator"));
    }
    if name == "." || name == ".." || name.starts_with('.') {
        return Err(refuse("hidden or a relative path"));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(refuse("contains a control character"));
    }
    Ok(name)
}

/// An inbox entry refused by [`FileDrop::set_aside_refused`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedEntry {
    /// Its name as found, escaped (control characters shown as `\n`, `\u{1b}`...), at most
    /// 120 characters.
    pub name: String,
    pub reason: &'static str,
    /// Where it is now (under `failed/`).
    pub moved_to: PathBuf,
}

/// A drop directory.
#[derive(Debug, Clone)]
pub struct FileDrop {
    root: PathBuf,
}

/// A file claimed for import.
#[derive(Debug)]
pub struct Claimed {
    drop: FileDrop,
    name: String,
    path: PathBuf,
}

impl FileDrop {
    /// Opens (creating) the drop directory at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, FileDropError> {
        let root = root.into();
        for d in ["inbox", "processing", "done", "failed", "outbox"] {
            let p = root.join(d);
            fs::create_dir_all(&p).map_err(io(&p))?;
        }
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Files waiting in the inbox, by name: regular files only (no directories, no symbolic
    /// links), skipping hidden files and partial uploads (`*.part`, `*.tmp`).
    pub fn pending(&self) -> Result<Vec<String>, FileDropError> {
        let inbox = self.dir("inbox");
        let mut names = Vec::new();
        for entry in fs::read_dir(&inbox).map_err(io(&inbox))? {
            let entry = entry.map_err(io(&inbox))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(ft) = entry.file_type() else { continue };
            if !ft.is_file() || safe_name(&name).is_err() {
                continue;
            }
            if name.ends_with(".part") || name.ends_with(".tmp") {
                continue;
            }
            names.push(name);
        }
        names.sort();
        Ok(names)
    }

    /// Entries of the inbox that must never be read, moved to `failed/` under a name made
    /// here (`refused-<time>-<n>`, with `.reason.txt` beside it naming the original, escaped):
    /// symbolic links (wherever they point: a link to `/etc/passwd` or to another partner's
    /// drop is a path traversal), devices, FIFOs and sockets, and names that are not plain file
    /// names ([`safe_name`]: control characters, over 200 bytes, not UTF-8). A symbolic link is
    /// moved as a link; what it points to is never opened. Hidden files, partial uploads and
    /// directories are left where they are (an upload in progress, not an attack). The caller
    /// audits each one.
    pub fn set_aside_refused(&self) -> Result<Vec<RefusedEntry>, FileDropError> {
        let inbox = self.dir("inbox");
        let failed = self.dir("failed");
        let mut out = Vec::new();
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.f").to_string();
        for entry in fs::read_dir(&inbox).map_err(io(&inbox))? {
            let entry = entry.map_err(io(&inbox))?;
            let raw = entry.file_name();
            let name = raw.to_string_lossy().into_owned();
            let Ok(ft) = entry.file_type() else { continue };
            let reason = if ft.is_symlink() {
                "a symbolic link (never followed)"
            } else if ft.is_dir() {
                continue;
            } else if !ft.is_file() {
                "not a regular file (device, FIFO or socket)"
            } else if raw.to_str().is_none() {
                "name is not UTF-8"
            } else if name.starts_with('.') {
                continue;
            } else {
                match safe_name(&name) {
                    Ok(_) => continue,
                    Err(FileDropError::UnsafeName { reason, .. }) => reason,
                    Err(_) => "not a plain file name",
                }
            };
            let shown: String = name.escape_debug().take(120).collect();
            let to = free_name(&failed, &format!("refused-{stamp}-{}", out.len()));
            fs::rename(entry.path(), &to).map_err(io(&entry.path()))?;
            let mut reason_path = to.clone().into_os_string();
            reason_path.push(".reason.txt");
            let reason_path = PathBuf::from(reason_path);
            fs::write(
                &reason_path,
                format!(
                    "{}\nrefused inbox entry \"{shown}\": {reason}\n",
                    Utc::now().to_rfc3339()
                ),
            )
            .map_err(io(&reason_path))?;
            out.push(RefusedEntry {
                name: shown,
                reason,
                moved_to: to,
            });
        }
        if !out.is_empty() {
            sync_dir(&failed)?;
            sync_dir(&inbox)?;
        }
        Ok(out)
    }

    /// Claims `name` from the inbox (moves it to `processing/`). `None` when another worker
    /// took it first.
    pub fn claim(&self, name: &str) -> Result<Option<Claimed>, FileDropError> {
        let name = safe_name(name)?.to_string();
        let from = self.dir("inbox").join(&name);
        let to = self.dir("processing").join(&name);
        match fs::rename(&from, &to) {
            Ok(()) => Ok(Some(Claimed {
                drop: self.clone(),
                name,
                path: to,
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&from)(e)),
        }
    }

    /// Files left in `processing/` by a run that did not finish: claimed again.
    pub fn recover(&self) -> Result<Vec<Claimed>, FileDropError> {
        let dir = self.dir("processing");
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if safe_name(&name).is_ok() && entry.file_type().is_ok_and(|t| t.is_file()) {
                out.push(Claimed {
                    drop: self.clone(),
                    path: entry.path(),
                    name,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Writes an outgoing file whole: a temporary file, synced, then renamed into `outbox/`.
    /// A reader of the outbox never sees half a file.
    pub fn write_outbox(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, FileDropError> {
        let name = safe_name(name)?;
        let dir = self.dir("outbox");
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let target = dir.join(name);
        {
            let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, &target).map_err(io(&target))?;
        sync_dir(&dir)?;
        Ok(target)
    }
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), FileDropError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// A name not yet used in `dir`: `name`, else `name.<time>`.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    if !p.exists() {
        return p;
    }
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.f");
    dir.join(format!("{name}.{stamp}"))
}

impl Claimed {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the claimed file is now.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its content was committed: move it to `done/`.
    pub fn done(self) -> Result<PathBuf, FileDropError> {
        let dir = self.drop.dir("done");
        let to = free_name(&dir, &self.name);
        fs::rename(&self.path, &to).map_err(io(&self.path))?;
        sync_dir(&dir)?;
        Ok(to)
    }

    /// It could not be processed: move it to `failed/` with the reason beside it.
    pub fn failed(self, reason: &str) -> Result<PathBuf, FileDropError> {
        let dir = self.drop.dir("failed");
        let to = free_name(&dir, &self.name);
        fs::rename(&self.path, &to).map_err(io(&self.path))?;
        let mut reason_path = to.clone().into_os_string();
        reason_path.push(".reason.txt");
        let reason_path = PathBuf::from(reason_path);
        fs::write(
            &reason_path,
            format!("{}\n{reason}\n", Utc::now().to_rfc3339()),
        )
        .map_err(io(&reason_path))?;
        sync_dir(&dir)?;
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_outside_are_checked() {
        for bad in [
            "",
            "../etc/passwd",
            "a/b",
            "..",
            ".hidden",
            "a\\b",
            "x\u{0}y",
            &"n".repeat(300),
        ] {
            assert!(safe_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(safe_name("TX-state.ncic").unwrap(), "TX-state.ncic");
    }

    #[test]
    fn claim_done_failed_and_recover() {
        let dir = tempfile::tempdir().unwrap();
        let drop = FileDrop::open(dir.path()).unwrap();
        let inbox = drop.dir("inbox");
        fs::write(inbox.join("b.ncic"), "x").unwrap();
        fs::write(inbox.join("a.ncic"), "x").unwrap();
        fs::write(inbox.join("c.ncic.part"), "x").unwrap();
        fs::write(inbox.join(".d"), "x").unwrap();
        fs::create_dir(inbox.join("sub")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/passwd", inbox.join("link")).unwrap();
        assert_eq!(drop.pending().unwrap(), vec!["a.ncic", "b.ncic"]);
        let a = drop.claim("a.ncic").unwrap().unwrap();
        assert!(drop.claim("a.ncic").unwrap().is_none(), "claimed once only");
        let done = a.done().unwrap();
        assert!(done.starts_with(drop.dir("done")));
        let b = drop.claim("b.ncic").unwrap().unwrap();
        let failed = b.failed("not a known format").unwrap();
        let reason = fs::read_to_string(format!("{}.reason.txt", failed.display())).unwrap();
        assert!(reason.contains("not a known format"));
        // A crash while processing leaves the file in processing/: recovered.
        fs::write(inbox.join("e.ncic"), "x").unwrap();
        let e = drop.claim("e.ncic").unwrap().unwrap();
        std::mem::drop(e);
        let again = drop.recover().unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].name(), "e.ncic");
        assert!(drop.claim("../../x").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn entries_that_must_not_be_read_are_set_aside_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.ncic"), "x").unwrap();
        let drop = FileDrop::open(dir.path()).unwrap();
        let inbox = drop.dir("inbox");
        fs::write(inbox.join("good.ncic"), "x").unwrap();
        fs::write(inbox.join(".upload.part"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.ncic"), inbox.join("evil.ncic"))
            .unwrap();
        std::os::unix::fs::symlink("../../../etc", inbox.join("up")).unwrap();
        fs::write(inbox.join("bell\u{7}.ncic"), "x").unwrap();
        let refused = drop.set_aside_refused().unwrap();
        let mut names: Vec<_> = refused.iter().map(|r| r.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["bell\\u{7}.ncic", "evil.ncic", "up"]);
        for r in &refused {
            assert!(r.moved_to.starts_with(drop.dir("failed")));
            let why = fs::read_to_string(format!("{}.reason.txt", r.moved_to.display())).unwrap();
            assert!(why.contains(&r.name) && why.contains(r.reason), "{why}");
        }
        // the links were moved, not followed: the target is untouched
        assert!(outside.path().join("secret.ncic").exists());
        assert_eq!(drop.pending().unwrap(), vec!["good.ncic"]);
        assert!(
            inbox.join(".upload.part").exists(),
            "uploads in progress stay"
        );
        assert!(drop.set_aside_refused().unwrap().is_empty());
    }

    #[test]
    fn outbox_files_appear_whole() {
        let dir = tempfile::tempdir().unwrap();
        let drop = FileDrop::open(dir.path()).unwrap();
        let p = drop.write_outbox("out.xml", b"<x/>").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"<x/>");
        let leftovers: Vec<_> = fs::read_dir(drop.dir("outbox"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
        assert!(drop.write_outbox("../escape", b"x").is_err());
    }
}
