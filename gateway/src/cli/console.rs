//! `homeward console user ...`: the web console's accounts.
//!
//! The accounts file is `--file`, else `[console] users_file` of `--config`, else
//! `DATA_DIR/console-users.toml` (what `homeward serve` on embedded defaults uses). A running
//! gateway sees a change at the next sign-in (and on reload).

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{CliError, Env};
use crate::admin::roles::Role;
use crate::console::accounts::{Accounts, AccountsError, random_password};

#[derive(Debug, Subcommand)]
pub enum ConsoleCommand {
    /// Manage the console's accounts.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Args)]
pub struct FileArg {
    /// The accounts file [default: `[console] users_file` of --config, else
    /// DATA_DIR/console-users.toml].
    #[arg(long)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input (for scripts).
    #[arg(long)]
    pub password_stdin: bool,
    /// Make a random password and print it once.
    #[arg(long, conflicts_with = "password_stdin")]
    pub generate: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account (asks for its password on a terminal).
    Add {
        name: String,
        /// viewer, investigator or administrator.
        #[arg(long)]
        role: String,
        /// The agency (record source) whose match notices the user reads.
        #[arg(long)]
        agency: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        file: FileArg,
    },
    /// Set an account's password.
    Passwd {
        name: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        file: FileArg,
    },
    /// Change an account's role or agency, or disable or enable it.
    Set {
        name: String,
        #[arg(long)]
        role: Option<String>,
        #[arg(long, conflicts_with = "no_agency")]
        agency: Option<String>,
        #[arg(long)]
        no_agency: bool,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
        #[command(flatten)]
        file: FileArg,
    },
    /// Remove an account.
    Remove {
        name: String,
        #[command(flatten)]
        file: FileArg,
    },
    /// List the accounts (never their hashes).
    List {
        #[command(flatten)]
        file: FileArg,
    },
}

fn accounts_file(env: &Env, file: &FileArg) -> PathBuf {
    if let Some(f) = &file.file {
        return f.clone();
    }
    if let Some(c) = &env.config.console {
        return env.config.resolve(&c.users_file);
    }
    env.data_dir.join("console-users.toml")
}

fn load_or_new(path: &std::path::Path) -> Result<Accounts, CliError> {
    if path.exists() {
        Accounts::load(path).map_err(|e| CliError::failed("reading the accounts", e))
    } else {
        Ok(Accounts::default())
    }
}

fn role(s: &str) -> Result<Role, CliError> {
    Role::parse(s).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown role `{s}` (known: viewer, investigator, administrator)"
        ))
    })
}

/// The new password: generated, read from stdin, or asked twice on the terminal.
fn new_password(p: &PasswordArgs) -> Result<(String, bool), CliError> {
    if p.generate {
        return Ok((random_password(), true));
    }
    if p.password_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::io("standard input", e))?;
        return Ok((line.trim_end_matches(['\r', '\n']).to_string(), false));
    }
    let a = rpassword::prompt_password("New password: ")
        .map_err(|e| CliError::io("the terminal", e))?;
    let b = rpassword::prompt_password("Again: ").map_err(|e| CliError::io("the terminal", e))?;
    if a != b {
        return Err(CliError::Usage("the two passwords differ".into()));
    }
    Ok((a, false))
}

fn usage(e: AccountsError) -> CliError {
    match e {
        AccountsError::Io { .. } | AccountsError::Hash(_) => {
            CliError::failed("updating the accounts", e)
        }
        other => CliError::Usage(other.to_string()),
    }
}

pub fn run(env: &Env, cmd: ConsoleCommand) -> Result<ExitCode, CliError> {
    let ConsoleCommand::User(cmd) = cmd;
    match cmd {
        UserCommand::Add {
            name,
            role: r,
            agency,
            password,
            file,
        } => {
            let path = accounts_file(env, &file);
            let mut a = load_or_new(&path)?;
            let role = role(&r)?;
            let (pw, generated) = new_password(&password)?;
            a.add(&name, role, agency, &pw).map_err(usage)?;
            a.save(&path).map_err(usage)?;
            eprintln!("added {name} ({role}) to {}", path.display());
            if generated {
                println!("{pw}");
            }
        }
        UserCommand::Passwd {
            name,
            password,
            file,
        } => {
            let path = accounts_file(env, &file);
            let mut a = load_or_new(&path)?;
            let (pw, generated) = new_password(&password)?;
            a.set_password(&name, &pw).map_err(usage)?;
            a.save(&path).map_err(usage)?;
            eprintln!("password of {name} changed in {}", path.display());
            if generated {
                println!("{pw}");
            }
        }
        UserCommand::Set {
            name,
            role: r,
            agency,
            no_agency,
            disable,
            enable,
            file,
        } => {
            let path = accounts_file(env, &file);
            let mut a = load_or_new(&path)?;
            let role = r.as_deref().map(role).transpose()?;
            let agency = if no_agency {
                Some(None)
            } else {
                agency.map(Some)
            };
            let disabled = if disable {
                Some(true)
            } else if enable {
                Some(false)
            } else {
                None
            };
            a.update(&name, role, agency, disabled).map_err(usage)?;
            a.save(&path).map_err(usage)?;
            eprintln!("{name} updated in {}", path.display());
        }
        UserCommand::Remove { name, file } => {
            let path = accounts_file(env, &file);
            let mut a = load_or_new(&path)?;
            a.remove(&name).map_err(usage)?;
            a.save(&path).map_err(usage)?;
            eprintln!("{name} removed from {}", path.display());
        }
        UserCommand::List { file } => {
            let path = accounts_file(env, &file);
            let a = load_or_new(&path)?;
            for u in a.users() {
                println!(
                    "{}\t{}\t{}{}",
                    u.name,
                    u.role,
                    u.agency.as_deref().unwrap_or("-"),
                    if u.disabled { "\tdisabled" } else { "" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
