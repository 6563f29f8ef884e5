//! `[admin]`: the administration API's listener and who may call it.
//!
//! ```toml
//! [admin]
//! listen = "127.0.0.1:9480"                  # loopback only
//! token_file = "/etc/homeward/admin-tokens"  # mode 0600; lines `NAME TOKEN`
//! ```
//!
//! Without an `[admin]` section the gateway runs no admin listener (and `homeward status`
//! has nothing to ask).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::auth::{TokenFileError, Tokens};
use crate::config::Config;
use crate::config::check::{CheckContext, Problem, Problems, Severity};

/// Where the admin API listens when `listen` is not given.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:9480";

/// `[admin]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// `address:port` on a loopback interface (127.0.0.1, ::1). The admin API is not for the
    /// network: put a reverse proxy with its own authentication in front if it must be.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The file of admin tokens, one `NAME TOKEN` a line (`#` comments). Relative paths are
    /// read from the configuration file's directory. Tokens are at least 32 characters; the
    /// name is what the audit log records. Never readable by group or others.
    pub token_file: PathBuf,
}

fn default_listen() -> String {
    DEFAULT_ADMIN_LISTEN.to_string()
}

impl AdminConfig {
    /// The listen address, when it parses.
    pub fn addr(&self) -> Result<SocketAddr, String> {
        self.listen
            .parse::<SocketAddr>()
            .map_err(|e| format!("`{}` is not address:port ({e})", self.listen))
    }
}

/// The semantic checks of `[admin]`.
pub fn check(cfg: &Config, ctx: &CheckContext, p: &mut Problems) {
    let Some(admin) = &cfg.admin else { return };
    match admin.addr() {
        Err(why) => p.error(
            "admin.listen",
            why,
            Some(format!("write listen = \"{DEFAULT_ADMIN_LISTEN}\"")),
        ),
        Ok(a) if !a.ip().is_loopback() => p.error(
            "admin.listen",
            format!("{a} is not a loopback address: the admin API must not face the network"),
            Some(format!(
                "listen on 127.0.0.1 or [::1] (e.g. \"127.0.0.1:{}\"), and reach it over SSH or a local proxy",
                a.port()
            )),
        ),
        Ok(_) => {}
    }
    if !ctx.filesystem {
        return;
    }
    let path = ctx.resolve(&admin.token_file);
    match Tokens::load(&path) {
        Ok(t) if t.is_empty() => p.error(
            "admin.token_file",
            format!("{} holds no token", path.display()),
            Some(format!(
                "add a line `NAME TOKEN`: `homeward admin token NAME >> {}`",
                path.display()
            )),
        ),
        Ok(_) => {}
        Err(TokenFileError::Io { source, .. }) => p.error(
            "admin.token_file",
            format!("{}: {source}", path.display()),
            Some(format!(
                "create it: `homeward admin token NAME > {0} && chmod 600 {0}`",
                path.display()
            )),
        ),
        Err(TokenFileError::Readable { mode, .. }) => p.error(
            "admin.token_file",
            format!(
                "{} can be read by group or others (mode {mode:o})",
                path.display()
            ),
            Some(format!("chmod 600 {}", path.display())),
        ),
        Err(TokenFileError::Lines { problems, .. }) => {
            for (line, message, fix) in problems {
                p.in_file(Problem {
                    severity: Severity::Error,
                    file: Some(path.clone()),
                    line: Some(line),
                    column: None,
                    path: String::new(),
                    message,
                    fix: Some(fix),
                });
            }
        }
    }
}
