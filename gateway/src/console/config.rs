//! `[console]`: the web console, served on the admin listener (`[admin] listen`).
//!
//! ```toml
//! [console]
//! users_file = "console-users.toml"   # accounts (`homeward console user add`); mode 0600
//! session_idle_minutes = 30           # signed out after this long without a request
//! session_max_hours = 12              # and after this long in any case
//! secure_cookies = true               # `Secure` on the session cookie (keep it: browsers
//!                                     # accept it on http://127.0.0.1 and behind TLS)
//! allowed_origins = []                # more origins that may post forms, e.g. a TLS proxy's
//!                                     # "https://homeward.example.org"
//! font_dirs = []                      # more fonts for PDF posters (system fonts are searched)
//! ```
//!
//! Without `[console]` there is no console (the admin API alone). It needs `[admin]`.

use std::path::PathBuf;

use serde::Deserialize;

use super::accounts::{Accounts, AccountsError};
use crate::config::Config;
use crate::config::check::{CheckContext, Problems};

/// `[console]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// The accounts file (relative: to the configuration file's directory).
    pub users_file: PathBuf,
    #[serde(default = "default_idle")]
    pub session_idle_minutes: u64,
    #[serde(default = "default_max")]
    pub session_max_hours: u64,
    #[serde(default = "default_true")]
    pub secure_cookies: bool,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub font_dirs: Vec<PathBuf>,
}

fn default_idle() -> u64 {
    30
}
fn default_max() -> u64 {
    12
}
fn default_true() -> bool {
    true
}

impl ConsoleConfig {
    /// A section with the defaults and this accounts file.
    pub fn with_users_file(users_file: PathBuf) -> Self {
        Self {
            users_file,
            session_idle_minutes: default_idle(),
            session_max_hours: default_max(),
            secure_cookies: true,
            allowed_origins: Vec::new(),
            font_dirs: Vec::new(),
        }
    }
}

/// The semantic checks of `[console]`.
pub fn check(cfg: &Config, ctx: &CheckContext, p: &mut Problems) {
    let Some(c) = &cfg.console else { return };
    if cfg.admin.is_none() {
        p.error(
            "console",
            "the console is served on the admin listener, and there is no [admin]",
            Some("add [admin] with listen and token_file, or remove [console]".into()),
        );
    }
    if c.session_idle_minutes == 0 {
        p.error(
            "console.session_idle_minutes",
            "must be at least 1",
            Some("remove it for the default (30)".into()),
        );
    }
    if c.session_max_hours == 0 {
        p.error(
            "console.session_max_hours",
            "must be at least 1",
            Some("remove it for the default (12)".into()),
        );
    }
    for (i, o) in c.allowed_origins.iter().enumerate() {
        let ok = (o.starts_with("https://") || o.starts_with("http://"))
            && !o.trim_end_matches('/').contains(['?', '#'])
            && o.split("://").nth(1).is_some_and(|h| !h.is_empty());
        if !ok {
            p.error(
                format!("console.allowed_origins[{i}]"),
                format!("`{o}` is not an origin (scheme://host[:port])"),
                Some(
                    "write it as the browser shows it, e.g. \"https://homeward.example.org\""
                        .into(),
                ),
            );
        }
    }
    if !ctx.filesystem {
        return;
    }
    let path = ctx.resolve(&c.users_file);
    match Accounts::load(&path) {
        Ok(a) if a.is_empty() => p.warning(
            "console.users_file",
            format!("{} holds no account: nobody can sign in", path.display()),
            Some(format!(
                "add one: `homeward console user add NAME --role administrator --file {}`",
                path.display()
            )),
        ),
        Ok(_) => {}
        Err(AccountsError::Io { source, .. }) => p.error(
            "console.users_file",
            format!("{}: {source}", path.display()),
            Some(format!(
                "create it: `homeward console user add NAME --role administrator --file {}`",
                path.display()
            )),
        ),
        Err(e @ AccountsError::Readable { .. }) => p.error(
            "console.users_file",
            e.to_string(),
            Some(format!("chmod 600 {}", path.display())),
        ),
        Err(e) => p.error(
            "console.users_file",
            e.to_string(),
            Some("fix the file, or rewrite the account with `homeward console user`".into()),
        ),
    }
    for (i, d) in c.font_dirs.iter().enumerate() {
        let d = ctx.resolve(d);
        if !d.is_dir() {
            p.warning(
                format!("console.font_dirs[{i}]"),
                format!("{} is not a directory", d.display()),
                Some("remove it, or install the fonts there".into()),
            );
        }
    }
}
