//! `homeward keys`: the gateway's signing key and TLS certificate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::partners::check_gateway_id;

use super::CliError;

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate an ed25519 signing key and a self-signed TLS certificate.
    ///
    /// Writes signing.key and tls.key (PKCS#8 PEM, mode 0600), signing.pub, tls.crt, and
    /// partner.toml: the registry entry to give partners (key, key id, certificate
    /// fingerprint). Never prints private key material.
    Generate(GenerateArgs),
    /// Print the registry entry partners need, from keys generated before.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write the keys into (created with mode 0700 if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// This gateway's id, as partners will register it (letters, digits, `. _ : -`).
    #[arg(long)]
    pub id: String,
    /// Days the TLS certificate is valid.
    #[arg(long, default_value_t = 825)]
    pub days: u32,
    /// This gateway's partner API address, written into partner.toml.
    #[arg(long, default_value = "https://CHANGE-ME.example.org:8443")]
    pub endpoint: String,
    /// Replace keys already in the directory.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Directory the keys were generated into.
    #[arg(long)]
    pub dir: PathBuf,
    /// This gateway's id.
    #[arg(long)]
    pub id: String,
    /// This gateway's partner API address.
    #[arg(long, default_value = "https://CHANGE-ME.example.org:8443")]
    pub endpoint: String,
}

pub fn run(args: KeysArgs) -> Result<ExitCode, CliError> {
    match args.command {
        KeysCommand::Generate(a) => generate(a),
        KeysCommand::Show(a) => show(a),
    }
}

fn generate(args: GenerateArgs) -> Result<ExitCode, CliError> {
    check_gateway_id(&args.id).map_err(|m| CliError::Usage(format!("--id: gateway id {m}")))?;
    if args.days == 0 {
        return Err(CliError::Usage("--days must be at least 1".into()));
    }
    let identity = GatewayIdentity::generate(&args.id, args.days)
        .map_err(|e| CliError::failed("generating keys", e))?;
    let files = identity
        .save_dir(&args.out, &args.endpoint, args.force)
        .map_err(|e| CliError::failed(format!("writing keys to {}", args.out.display()), e))?;
    let entry = std::fs::read_to_string(&files.partner_entry)
        .map_err(|e| CliError::io(files.partner_entry.display(), e))?;
    eprintln!(
        "wrote {}, {} (mode 0600), {}, {} and {}",
        files.signing_key.display(),
        files.tls_key.display(),
        files.signing_pub.display(),
        files.tls_cert.display(),
        files.partner_entry.display()
    );
    print!("{entry}");
    Ok(ExitCode::SUCCESS)
}

fn show(args: ShowArgs) -> Result<ExitCode, CliError> {
    let identity = GatewayIdentity::load_dir(&args.id, &args.dir)
        .map_err(|e| CliError::failed(format!("loading keys from {}", args.dir.display()), e))?;
    print!("{}", identity.partner_entry(&args.endpoint));
    Ok(ExitCode::SUCCESS)
}
