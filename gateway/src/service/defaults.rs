//! `homeward serve` without `--config`: embedded defaults, kept in the data directory.
//!
//! On the first start in a data directory (default `./homeward-data`) the gateway writes
//! there what a production install puts under /etc: a starter configuration
//! (`homeward.toml`), its keys (`keys/`), an admin token (`admin-tokens`, mode 0600) and a
//! console administrator whose random password is written to `console-admin-password`
//! (mode 0600) — never printed or logged. Later starts use the same files, so whatever was
//! changed in the configuration (by hand, or in the console) stays.
//!
//! The starter configuration listens on loopback only (partners on 127.0.0.1:9443, the admin
//! API and console on 127.0.0.1:9480), stores records with sled in the data directory, and
//! has one job: files dropped in `inbox/inbox/` are imported every minute, their format
//! detected from their content.

use std::path::{Path, PathBuf};

use homeward_exchange::keys::GatewayIdentity;

use crate::admin::roles::Role;
use crate::console::accounts::{Accounts, random_password};

/// The gateway id of the embedded defaults.
pub const DEFAULT_GATEWAY_ID: &str = "homeward-local";
/// Where the embedded defaults' partner API listens.
pub const DEFAULT_PARTNER_LISTEN: &str = "127.0.0.1:9443";

/// Why the embedded defaults could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum DefaultsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

/// What a first start made.
#[derive(Debug, Clone)]
pub struct FirstStart {
    pub config: PathBuf,
    /// The file holding the console administrator's password.
    pub password_file: PathBuf,
    pub admin_user: String,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DefaultsError + '_ {
    move |source| DefaultsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `text` to `path` with mode 0600 (a new file; an existing one is kept).
fn write_private(path: &Path, text: &str) -> Result<(), DefaultsError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io(path))?;
    f.write_all(text.as_bytes()).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// The starter configuration's text.
pub fn starter_config() -> String {
    format!(
        "# Homeward: the configuration `homeward serve` wrote on its first start in this data\n\
         # directory (embedded defaults). Change it here or in the web console; SIGHUP or the\n\
         # console reloads it. A production example: deploy/homeward.toml.\n\n\
         [gateway]\nid = \"{DEFAULT_GATEWAY_ID}\"\nname = \"Local gateway\"\n\n\
         [listen]\npartners = \"{DEFAULT_PARTNER_LISTEN}\"    # the partner API (mutual TLS)\n\n\
         [identity]\ndir = \"keys\"\n\n\
         [store]\nengine = \"sled\"\npath = \".\"                     # this directory\n\n\
         [admin]\nlisten = \"{}\"        # the admin API and the web console\ntoken_file = \"admin-tokens\"\n\n\
         [console]\nusers_file = \"console-users.toml\"\n\n\
         # Files dropped in inbox/inbox/ are imported every minute (format detected from content);\n\
         # each moves to inbox/done/ or inbox/failed/ once committed.\n\
         [[jobs]]\nid = \"inbox\"\ntransport = \"file_drop\"\ndir = \"inbox\"\nformat = \"auto\"\n\
         schedule = \"0 * * * * *\"\ntime_zone = \"UTC\"\n",
        crate::admin::config::DEFAULT_ADMIN_LISTEN
    )
}

/// The configuration of `data_dir`, made on the first start. Returns its path, and what was
/// made when it was made now.
pub fn prepare(data_dir: &Path) -> Result<(PathBuf, Option<FirstStart>), DefaultsError> {
    let config = data_dir.join("homeward.toml");
    if config.exists() {
        return Ok((config, None));
    }
    std::fs::create_dir_all(data_dir.join("inbox/inbox")).map_err(io(data_dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io(data_dir))?;
    }
    let keys = data_dir.join("keys");
    if !keys.join("signing.key").exists() {
        let identity = GatewayIdentity::generate(DEFAULT_GATEWAY_ID, 365)
            .map_err(|e| DefaultsError::Setup(format!("generating the gateway's keys: {e}")))?;
        identity
            .save_dir(&keys, &format!("https://{DEFAULT_PARTNER_LISTEN}"), false)
            .map_err(|e| DefaultsError::Setup(format!("writing the keys: {e}")))?;
    }
    let tokens = data_dir.join("admin-tokens");
    if !tokens.exists() {
        let t = crate::admin::auth::new_token()
            .map_err(|e| DefaultsError::Setup(format!("drawing an admin token: {e}")))?;
        write_private(&tokens, &format!("admin {t}\n"))?;
    }
    let users = data_dir.join("console-users.toml");
    let password_file = data_dir.join("console-admin-password");
    if !users.exists() {
        let password = random_password();
        let mut a = Accounts::default();
        a.add("admin", Role::Administrator, None, &password)
            .map_err(|e| DefaultsError::Setup(e.to_string()))?;
        write_private(&password_file, &format!("{password}\n"))?;
        a.save(&users)
            .map_err(|e| DefaultsError::Setup(e.to_string()))?;
    }
    // last: its presence says the rest is there
    let tmp = data_dir.join("homeward.toml.new");
    std::fs::write(&tmp, starter_config()).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &config).map_err(io(&config))?;
    Ok((
        config.clone(),
        Some(FirstStart {
            config,
            password_file,
            admin_user: "admin".into(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_start_writes_a_configuration_that_checks_and_keeps_it_after() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (path, first) = prepare(&data).unwrap();
        let first = first.unwrap();
        let report = crate::config::check::check_file(&path);
        assert!(
            report.report.config.is_some(),
            "{:?}",
            report.report.problems
        );
        let pw = std::fs::read_to_string(&first.password_file).unwrap();
        let accounts = Accounts::load(&data.join("console-users.toml")).unwrap();
        assert!(accounts.verify("admin", pw.trim()).is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in [
                "admin-tokens",
                "console-admin-password",
                "console-users.toml",
            ] {
                let mode = std::fs::metadata(data.join(f))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o077, 0, "{f} is private");
            }
        }
        std::fs::write(&path, format!("{}\n# changed\n", starter_config())).unwrap();
        let (again, first) = prepare(&data).unwrap();
        assert!(first.is_none());
        assert!(
            std::fs::read_to_string(again)
                .unwrap()
                .contains("# changed")
        );
    }
}
