//! `homeward config check FILE`: every problem of a configuration file, with its line and
//! the fix; exits 1 when there is an error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::CliError;
use crate::config::check::{Severity, check_file_with};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a configuration file: TOML syntax, unknown keys, cron expressions and time
    /// zones, paths, partner keys and certificates, layouts, jobs naming unknown partners or
    /// formats, duplicate ids. Prints every problem as FILE:LINE:COLUMN with the fix; exits 1
    /// if there is any error (warnings alone exit 0).
    Check {
        /// The configuration file.
        file: PathBuf,
        /// Print the problems as JSON (one array).
        #[arg(long)]
        json: bool,
        /// Check the file alone: do not look at the paths, token and layout files, or CA
        /// files it names (for a configuration written for another machine).
        #[arg(long)]
        no_files: bool,
    },
}

pub fn run(cmd: ConfigCommand) -> Result<ExitCode, CliError> {
    match cmd {
        ConfigCommand::Check {
            file,
            json,
            no_files,
        } => {
            let result = check_file_with(&file, !no_files);
            let report = result.report;
            let mut out = std::io::stdout().lock();
            let io = |e| CliError::io("standard output", e);
            if json {
                let text = serde_json::to_string_pretty(&report.problems)
                    .map_err(|e| CliError::failed("writing JSON", e))?;
                writeln!(out, "{text}").map_err(io)?;
            } else {
                for p in &report.problems {
                    writeln!(out, "{p}").map_err(io)?;
                }
                let errors = report
                    .problems
                    .iter()
                    .filter(|p| p.severity == Severity::Error)
                    .count();
                let warnings = report.problems.len() - errors;
                if errors == 0 {
                    let jobs = report.config.as_ref().map_or(0, |c| c.jobs.len());
                    let partners = report.config.as_ref().map_or(0, |c| c.partners.len());
                    let layouts = report
                        .config
                        .as_ref()
                        .map_or(0, |c| c.all_layouts().count());
                    writeln!(
                        out,
                        "{}: ok ({jobs} job(s), {partners} partner(s), {layouts} layout(s){})",
                        file.display(),
                        if warnings > 0 {
                            format!(", {warnings} warning(s)")
                        } else {
                            String::new()
                        }
                    )
                    .map_err(io)?;
                } else {
                    writeln!(
                        out,
                        "{}: {errors} error(s), {warnings} warning(s)",
                        file.display()
                    )
                    .map_err(io)?;
                }
            }
            Ok(if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
