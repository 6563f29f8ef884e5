//! Web-console accounts: a TOML file of users, each with a role, an optional agency and an
//! Argon2id password hash (salted, slow: the `argon2` crate's defaults, m = 19 MiB, t = 2).
//!
//! ```toml
//! # Homeward web console accounts (`homeward console user ...`). Mode 0600.
//! [[users]]
//! name = "ana"
//! role = "investigator"        # viewer | investigator | administrator
//! agency = "TX-DPS"            # optional: the source whose match notices this user reads
//! password = "$argon2id$v=19$m=19456,t=2,p=1$..."
//! disabled = false
//! ```
//!
//! The file is never readable by group or others (it is refused if it is), is written
//! atomically, and holds no password in clear. Passwords are at least
//! [`MIN_PASSWORD_LEN`] characters.

use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};

use crate::admin::roles::Role;

/// Shortest accepted password.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Longest accepted password (hashing a megabyte is a denial of service, not a password).
pub const MAX_PASSWORD_LEN: usize = 1024;

/// One console account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The PHC string of the password's Argon2id hash.
    pub password: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    users: Vec<Account>,
}

/// Why the accounts file or an account change could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} can be read by group or others (mode {mode:o}); chmod 600 it")]
    Readable { path: PathBuf, mode: u32 },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: user `{name}`: {message}")]
    Invalid {
        path: PathBuf,
        name: String,
        message: String,
    },
    #[error("no user `{0}`")]
    NoSuchUser(String),
    #[error("a user `{0}` exists already")]
    Exists(String),
    #[error("{0}")]
    Password(String),
    #[error("hashing the password: {0}")]
    Hash(String),
}

/// The accounts, as loaded from their file.
#[derive(Clone, Default)]
pub struct Accounts {
    users: Vec<Account>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field(
                "users",
                &self.users.iter().map(|u| &u.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A name is letters, digits and `. _ - @`, 1 to 64 characters (it appears in the audit log).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// Checks a new password against the policy.
pub fn check_password(password: &str) -> Result<(), AccountsError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(AccountsError::Password(format!(
            "the password is {n} characters; at least {MIN_PASSWORD_LEN} are needed"
        )));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(AccountsError::Password(format!(
            "the password is longer than {MAX_PASSWORD_LEN} bytes"
        )));
    }
    Ok(())
}

/// The Argon2id hash of `password` (a PHC string, with a fresh random salt).
pub fn hash_password(password: &str) -> Result<String, AccountsError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AccountsError::Hash(e.to_string()))
}

fn verify_hash(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so that an unknown name takes as
/// long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never valid").unwrap_or_default())
}

impl Accounts {
    /// Reads the accounts file. On Unix a file readable by group or others is refused.
    pub fn load(path: &Path) -> Result<Self, AccountsError> {
        let io = |source| AccountsError::Io {
            path: path.to_path_buf(),
            source,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(AccountsError::Readable {
                    path: path.to_path_buf(),
                    mode: mode & 0o7777,
                });
            }
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Self::parse(&text, path)
    }

    /// Parses accounts-file text (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, AccountsError> {
        let file: File = toml::from_str(text).map_err(|e| AccountsError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut seen = std::collections::HashSet::new();
        for u in &file.users {
            let invalid = |message: String| AccountsError::Invalid {
                path: path.to_path_buf(),
                name: u.name.clone(),
                message,
            };
            if !valid_name(&u.name) {
                return Err(invalid(
                    "names are 1 to 64 letters, digits and . _ - @".into(),
                ));
            }
            if !seen.insert(u.name.as_str()) {
                return Err(invalid("the name is used twice".into()));
            }
            if PasswordHash::new(&u.password).is_err() || !u.password.starts_with("$argon2") {
                return Err(invalid(format!(
                    "the password is not an Argon2 hash: set it with `homeward console user passwd {}`",
                    u.name
                )));
            }
        }
        Ok(Self { users: file.users })
    }

    /// Every account (hashes included: for writing back only).
    pub fn users(&self) -> &[Account] {
        &self.users
    }

    pub fn get(&self, name: &str) -> Option<&Account> {
        self.users.iter().find(|u| u.name == name)
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The account of `name` when `password` is its password and it is not disabled. Takes
    /// as long for an unknown name as for a wrong password.
    pub fn verify(&self, name: &str, password: &str) -> Option<&Account> {
        if password.len() > MAX_PASSWORD_LEN {
            return None;
        }
        match self.get(name) {
            Some(u) => (verify_hash(password, &u.password) && !u.disabled).then_some(u),
            None => {
                let _ = verify_hash(password, decoy_hash());
                None
            }
        }
    }

    /// Adds an account.
    pub fn add(
        &mut self,
        name: &str,
        role: Role,
        agency: Option<String>,
        password: &str,
    ) -> Result<(), AccountsError> {
        if !valid_name(name) {
            return Err(AccountsError::Password(format!(
                "`{name}` is not a valid user name (1 to 64 letters, digits and . _ - @)"
            )));
        }
        if self.get(name).is_some() {
            return Err(AccountsError::Exists(name.into()));
        }
        check_password(password)?;
        self.users.push(Account {
            name: name.into(),
            role,
            agency: agency.filter(|a| !a.trim().is_empty()),
            password: hash_password(password)?,
            disabled: false,
        });
        Ok(())
    }

    fn get_mut(&mut self, name: &str) -> Result<&mut Account, AccountsError> {
        self.users
            .iter_mut()
            .find(|u| u.name == name)
            .ok_or_else(|| AccountsError::NoSuchUser(name.into()))
    }

    /// Sets an account's password.
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<(), AccountsError> {
        check_password(password)?;
        let hash = hash_password(password)?;
        self.get_mut(name)?.password = hash;
        Ok(())
    }

    /// Changes an account's role, agency or whether it is disabled.
    pub fn update(
        &mut self,
        name: &str,
        role: Option<Role>,
        agency: Option<Option<String>>,
        disabled: Option<bool>,
    ) -> Result<(), AccountsError> {
        let u = self.get_mut(name)?;
        if let Some(r) = role {
            u.role = r;
        }
        if let Some(a) = agency {
            u.agency = a.filter(|a| !a.trim().is_empty());
        }
        if let Some(d) = disabled {
            u.disabled = d;
        }
        Ok(())
    }

    /// Removes an account.
    pub fn remove(&mut self, name: &str) -> Result<(), AccountsError> {
        let before = self.users.len();
        self.users.retain(|u| u.name != name);
        if self.users.len() == before {
            return Err(AccountsError::NoSuchUser(name.into()));
        }
        Ok(())
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let body = toml::to_string(&File {
            users: self.users.clone(),
        })
        .unwrap_or_default();
        format!(
            "# Homeward web console accounts: manage with `homeward console user ...`.\n# Keep this file mode 0600; it holds password hashes, never passwords.\n\n{body}"
        )
    }

    /// Writes the accounts to `path` atomically, mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), AccountsError> {
        let io = |source| AccountsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(io)?;
        }
        tmp.write_all(self.to_text().as_bytes()).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// A random password for generated accounts (the demo, a first start): 20 characters from
/// an alphabet without look-alikes.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    let _ = getrandom::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_verify_change_and_remove() {
        let mut a = Accounts::default();
        a.add(
            "ana",
            Role::Investigator,
            Some("TX-DPS".into()),
            "correct horse battery",
        )
        .unwrap();
        assert!(a.verify("ana", "correct horse battery").is_some());
        assert!(a.verify("ana", "wrong horse battery").is_none());
        assert!(a.verify("bob", "correct horse battery").is_none());
        assert!(matches!(
            a.add("ana", Role::Viewer, None, "another long password"),
            Err(AccountsError::Exists(_))
        ));
        assert!(matches!(
            a.add("bo b", Role::Viewer, None, "another long password"),
            Err(AccountsError::Password(_))
        ));
        assert!(matches!(
            a.add("short", Role::Viewer, None, "too short"),
            Err(AccountsError::Password(_))
        ));
        a.set_password("ana", "a new long password").unwrap();
        assert!(a.verify("ana", "correct horse battery").is_none());
        assert!(a.verify("ana", "a new long password").is_some());
        a.update("ana", None, None, Some(true)).unwrap();
        assert!(a.verify("ana", "a new long password").is_none(), "disabled");
        a.remove("ana").unwrap();
        assert!(a.is_empty());
    }

    #[test]
    fn the_file_holds_hashes_only_is_private_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        let mut a = Accounts::default();
        a.add("root", Role::Administrator, None, "a long enough secret")
            .unwrap();
        a.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("a long enough secret"));
        assert!(text.contains("$argon2id$"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                Accounts::load(&path),
                Err(AccountsError::Readable { .. })
            ));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let back = Accounts::load(&path).unwrap();
        assert_eq!(back.get("root").map(|u| u.role), Some(Role::Administrator));
        assert!(back.verify("root", "a long enough secret").is_some());
    }

    #[test]
    fn a_clear_password_in_the_file_is_refused() {
        let text = "[[users]]\nname = \"x\"\nrole = \"viewer\"\npassword = \"hunter2hunter2\"\n";
        let e = Accounts::parse(text, Path::new("u.toml")).unwrap_err();
        assert!(e.to_string().contains("not an Argon2 hash"), "{e}");
        let text = "[[users]]\nname = \"x\"\nrole = \"root\"\npassword = \"x\"\n";
        assert!(matches!(
            Accounts::parse(text, Path::new("u.toml")),
            Err(AccountsError::Syntax { .. })
        ));
    }

    #[test]
    fn random_passwords_pass_the_policy() {
        let p = random_password();
        assert_eq!(p.len(), 20);
        check_password(&p).unwrap();
        assert_ne!(p, random_password());
    }
}
