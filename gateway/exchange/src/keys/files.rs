//! Key files: where they live and how they are written (mode 0600, atomically) and checked.

use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::KeyError;

/// The files `homeward keys generate` writes into a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    /// ed25519 private key, PKCS#8 PEM, mode 0600.
    pub signing_key: PathBuf,
    /// ed25519 public key, SPKI PEM.
    pub signing_pub: PathBuf,
    /// TLS private key (ECDSA P-256), PKCS#8 PEM, mode 0600.
    pub tls_key: PathBuf,
    /// TLS certificate, PEM.
    pub tls_cert: PathBuf,
    /// The registry entry to give partners.
    pub partner_entry: PathBuf,
}

impl KeyFiles {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            signing_key: dir.join("signing.key"),
            signing_pub: dir.join("signing.pub"),
            tls_key: dir.join("tls.key"),
            tls_cert: dir.join("tls.crt"),
            partner_entry: dir.join("partner.toml"),
        }
    }
}

/// Creates `dir` (and parents) if missing; a directory we create gets mode 0700.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| KeyError::io(dir, e))
}

/// Writes `bytes` to `path` readable by the owner only (0600), atomically (a temporary file in
/// the same directory, fsynced, then renamed). Refuses to replace an existing file unless
/// `overwrite`.
pub fn write_private_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), KeyError> {
    write_file(path, bytes, overwrite, 0o600)
}

/// Writes a public file (certificate, public key) with mode 0644, atomically.
pub fn write_public_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), KeyError> {
    write_file(path, bytes, overwrite, 0o644)
}

fn write_file(path: &Path, bytes: &[u8], overwrite: bool, mode: u32) -> Result<(), KeyError> {
    if !overwrite && path.exists() {
        return Err(KeyError::Exists {
            path: path.to_path_buf(),
        });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = crate::clock::random_bytes::<6>().map(hex::encode)?;
    let tmp = dir.join(format!(".{name}.{suffix}.tmp"));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        KeyError::io(path, e)
    })
}

/// Fails if `path` can be read or written by group or others (any of the 0o077 bits).
pub fn check_private_file(path: &Path) -> Result<(), KeyError> {
    let meta = std::fs::metadata(path).map_err(|e| KeyError::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Permissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

/// Reads a private key file after checking its mode; the buffer is wiped when dropped.
pub(crate) fn read_private_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    check_private_file(path)?;
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| KeyError::io(path, e))
}
