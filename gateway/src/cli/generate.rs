//! `homeward generate`: a deterministic synthetic world in every wire format, with its truth.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use homeward_adapters::Registry;
use homeward_generate::{Config, generate, write};

use super::CliError;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many people the world has (each reported missing, found, or both).
    #[arg(long)]
    pub persons: usize,
    /// The seed: the same seed gives the same world.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The directory to write (`wire/` and `truth.csv` are created in it).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: GenerateArgs) -> Result<ExitCode, CliError> {
    let world = generate(&Config {
        persons: args.persons,
        seed: args.seed,
    });
    let written = write(&world, &args.out, &Registry::builtin())
        .map_err(|e| CliError::failed(format!("writing the world to {}", args.out.display()), e))?;
    // what the formats could not hold, by kind (field and detail without the record)
    let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
    for (_, l) in &written.losses {
        // the detail without its numbers, so one kind of loss counts once
        let detail: String = l.detail.chars().filter(|c| !c.is_ascii_digit()).collect();
        *kinds.entry(format!("{}: {detail}", l.field)).or_default() += 1;
    }
    for (k, n) in &kinds {
        eprintln!("not exact ({n}×): {k}");
    }
    eprintln!(
        "{}: {} people, {} files, {} records, {} transactions ({} fields not written exactly)",
        args.out.display(),
        args.persons,
        written.files,
        written.records,
        written.transactions,
        written.losses.len()
    );
    Ok(ExitCode::SUCCESS)
}
