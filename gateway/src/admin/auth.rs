//! Admin tokens: read from a file, compared in constant time, never logged.
//!
//! The token file holds one `NAME TOKEN` a line; blank lines and `#` comments are ignored.
//! A token is 32 to 512 printable ASCII characters without spaces (`homeward admin token NAME`
//! prints a line with a fresh random one). The name is what the audit log records; the token
//! itself appears nowhere but in the file and the caller's `Authorization: Bearer` header.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Shortest accepted token.
pub const MIN_TOKEN_LEN: usize = 32;
/// Longest accepted token.
pub const MAX_TOKEN_LEN: usize = 512;

/// Why a token file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} can be read by group or others (mode {mode:o}); chmod 600 it")]
    Readable { path: PathBuf, mode: u32 },
    /// Lines that are not `NAME TOKEN` (line number, message, fix); no token is echoed.
    #[error("{path}: {}", .problems.iter().map(|(l, m, _)| format!("line {l}: {m}")).collect::<Vec<_>>().join("; "))]
    Lines {
        path: PathBuf,
        problems: Vec<(usize, String, String)>,
    },
}

/// The admin tokens, by name. Only their SHA-256 digests are kept in memory.
#[derive(Clone, Default)]
pub struct Tokens {
    entries: Vec<(String, [u8; 32])>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("names", &self.names())
            .finish_non_exhaustive()
    }
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// Constant-time equality of two digests: every byte is looked at whatever differs.
fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        diff |= x ^ y;
    }
    diff == 0
}

impl Tokens {
    /// Reads a token file. On Unix a file readable by group or others is refused.
    pub fn load(path: &Path) -> Result<Self, TokenFileError> {
        let io = |source| TokenFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(TokenFileError::Readable {
                    path: path.to_path_buf(),
                    mode: mode & 0o7777,
                });
            }
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Self::parse(&text).map_err(|problems| TokenFileError::Lines {
            path: path.to_path_buf(),
            problems,
        })
    }

    /// Parses token-file text; every bad line is reported (line, message, fix).
    #[allow(clippy::type_complexity)]
    pub fn parse(text: &str) -> Result<Self, Vec<(usize, String, String)>> {
        let mut entries: Vec<(String, [u8; 32])> = Vec::new();
        let mut problems = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(name), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
                problems.push((
                    n,
                    "not `NAME TOKEN` (two words)".into(),
                    "write the name, a space, then the token".into(),
                ));
                continue;
            };
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
            {
                problems.push((
                    n,
                    "the name has characters other than letters, digits and . _ - @".into(),
                    "rename it".into(),
                ));
                continue;
            }
            if token.len() < MIN_TOKEN_LEN || token.len() > MAX_TOKEN_LEN {
                problems.push((
                    n,
                    format!(
                        "the token of `{name}` is {} characters; tokens are {MIN_TOKEN_LEN} to {MAX_TOKEN_LEN}",
                        token.len()
                    ),
                    format!("replace it: `homeward admin token {name}` prints a new line"),
                ));
                continue;
            }
            if !token.chars().all(|c| c.is_ascii_graphic()) {
                problems.push((
                    n,
                    format!("the token of `{name}` has characters other than printable ASCII"),
                    format!("replace it: `homeward admin token {name}` prints a new line"),
                ));
                continue;
            }
            let d = digest(token.as_bytes());
            if entries.iter().any(|(other, _)| other == name) {
                problems.push((
                    n,
                    format!("the name `{name}` is used twice"),
                    "give every token its own name".into(),
                ));
                continue;
            }
            if entries.iter().any(|(_, od)| ct_eq(od, &d)) {
                problems.push((
                    n,
                    format!("the token of `{name}` is also another name's"),
                    "give every name its own token".into(),
                ));
                continue;
            }
            entries.push((name.to_string(), d));
        }
        if problems.is_empty() {
            Ok(Self { entries })
        } else {
            Err(problems)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The name of the token `presented`, if it is one. Compares digests in constant time
    /// against every entry (the time does not tell which entry, or how much, matched).
    pub fn check(&self, presented: &str) -> Option<&str> {
        let d = digest(presented.as_bytes());
        let mut found = None;
        for (name, known) in &self.entries {
            if ct_eq(known, &d) && found.is_none() {
                found = Some(name.as_str());
            }
        }
        found
    }
}

/// Reads the token named `name` (the first one when `None`) from a token file, for clients
/// such as `homeward status`. The token is returned to the caller only.
pub fn read_token(path: &Path, name: Option<&str>) -> Result<(String, String), TokenFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| TokenFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        if let (Some(n), Some(t)) = (parts.next(), parts.next())
            && name.is_none_or(|want| want == n)
        {
            return Ok((n.to_string(), t.to_string()));
        }
    }
    Err(TokenFileError::Lines {
        path: path.to_path_buf(),
        problems: vec![(
            0,
            match name {
                Some(n) => format!("no token named `{n}`"),
                None => "no token".into(),
            },
            "add one: `homeward admin token NAME >> FILE`".into(),
        )],
    })
}

/// A fresh random token (48 characters of URL-safe base64 from 36 random bytes).
pub fn new_token() -> Result<String, getrandom::Error> {
    use base64::Engine;
    let mut bytes = [0u8; 36];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn tokens_are_checked_by_name_and_never_shown() {
        let t = Tokens::parse(&format!("# admins\nops {A}\n\nci {B}\n")).unwrap();
        assert_eq!(t.check(A), Some("ops"));
        assert_eq!(t.check(B), Some("ci"));
        assert_eq!(t.check("aaaa"), None);
        assert_eq!(t.check(""), None);
        let debug = format!("{t:?}");
        assert!(debug.contains("ops") && !debug.contains(A));
    }

    #[test]
    fn bad_lines_are_reported_without_the_token() {
        let err = Tokens::parse(&format!("ops short\nx\nops {A}\nops {B}\nci {A}\n")).unwrap_err();
        let lines: Vec<usize> = err.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(lines, vec![1, 2, 4, 5]);
        assert!(err.iter().all(|(_, m, f)| !m.contains(A) && !f.contains(A)));
        assert!(err[0].1.contains("5 characters"));
    }

    #[test]
    fn new_tokens_are_long_and_different() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 48);
        assert_ne!(a, b);
        assert!(Tokens::parse(&format!("x {a}")).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_token_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tokens");
        std::fs::write(&p, format!("ops {A}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Tokens::load(&p),
            Err(TokenFileError::Readable { .. })
        ));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Tokens::load(&p).unwrap().names(), vec!["ops"]);
    }
}
