//! `homeward log`: the evidence log (every exchange sent and received, every refusal).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use homeward_exchange::evidence::{EvidenceLog, TrustedKeys, verify_log};
use homeward_exchange::keys::{KeyFiles, PublicKey};

use super::{CliError, Env};
use crate::federation::StoreBackend;
use crate::service::{load_registry, previous_keys};

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Re-check the whole evidence log offline: every stored hash, the chain, and every
    /// envelope and receipt signature. With a configuration (`[gateway]`, `[identity]`,
    /// `[[partners]]`), each signature must also be by a key of the gateway that signed.
    /// Names the first bad entry and exits 1.
    Verify(VerifyArgs),
    /// List evidence entries.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Check signatures against the logged keys only, not against the configuration's.
    #[arg(long)]
    pub no_trust: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// First entry (0-based).
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    /// Most entries shown.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// The last N entries instead.
    #[arg(long, conflicts_with = "from")]
    pub tail: Option<u64>,
    /// One JSON object per entry.
    #[arg(long)]
    pub json: bool,
}

pub fn run(env: &Env, cmd: LogCommand) -> Result<ExitCode, CliError> {
    match cmd {
        LogCommand::Verify(a) => verify(env, a),
        LogCommand::Show(a) => show(env, a),
    }
}

/// The keys each gateway signs with, from the configuration: partners' registered keys and
/// this gateway's current (`signing.pub`) and previous keys.
fn trusted_keys(env: &Env) -> Result<Option<TrustedKeys>, CliError> {
    let Some(g) = &env.config.gateway else {
        return Ok(None);
    };
    let registry = load_registry(&env.config)
        .map_err(|e| CliError::failed("reading the partner registry", e))?;
    let files = KeyFiles::in_dir(&env.config.identity_dir());
    let pem = std::fs::read_to_string(&files.signing_pub)
        .map_err(|e| CliError::io(files.signing_pub.display(), e))?;
    let own = PublicKey::from_pem(&pem)
        .map_err(|e| CliError::failed(format!("reading {}", files.signing_pub.display()), e))?;
    let mut keys = previous_keys(&env.config)
        .map_err(|e| CliError::failed("reading [identity] previous_keys", e))?;
    keys.push(own);
    Ok(Some(TrustedKeys::from_registry(&registry, &g.id, &keys)))
}

fn verify(env: &Env, args: VerifyArgs) -> Result<ExitCode, CliError> {
    let trust = if args.no_trust {
        None
    } else {
        trusted_keys(env)?
    };
    let store = Arc::new(env.open_store()?);
    let storage = StoreBackend::new(store);
    let result = verify_log(
        &storage,
        trust
            .as_ref()
            .map(|t| t as &dyn homeward_exchange::evidence::KeyTrust),
    );
    match result {
        Ok(s) => {
            println!(
                "evidence log verified: {} entries, head {}, Merkle root {}",
                s.entries,
                hex(&s.head_hash),
                hex(&s.merkle_root)
            );
            if trust.is_none() {
                println!(
                    "(signatures checked against the keys logged with them; give --config with [gateway] and [[partners]] to check who signed)"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(fault) => Err(CliError::failed(
            format!(
                "the evidence log in {} does not verify",
                env.data_dir.display()
            ),
            fault,
        )),
    }
}

fn hex(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn show(env: &Env, args: ShowArgs) -> Result<ExitCode, CliError> {
    let store = Arc::new(env.open_store()?);
    let log = EvidenceLog::open(Arc::new(StoreBackend::new(store)))
        .map_err(|e| CliError::failed("opening the evidence log", e))?;
    let from = match args.tail {
        Some(n) => log.len().saturating_sub(n),
        None => args.from,
    };
    let entries = log
        .entries(from, args.limit)
        .map_err(|e| CliError::failed("reading the evidence log", e))?;
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::io("standard output", e);
    for e in entries {
        if args.json {
            let v = serde_json::json!({
                "seq": e.seq,
                "time": e.time,
                "kind": e.kind.as_str(),
                "partner": e.partner,
                "exchange_id": e.exchange_id,
                "envelope_sha256": hex(&e.envelope_sha256),
                "signed_envelope": e.envelope.is_some(),
                "receipt": e.receipt.is_some(),
                "status": e.outcome.status,
                "code": e.outcome.code,
                "detail": e.outcome.detail,
            });
            writeln!(out, "{v}").map_err(io)?;
        } else {
            writeln!(
                out,
                "{:>6}  {}  {:<24} {:<28} {:<32} {:>3} {:<20} {}",
                e.seq,
                e.time.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                e.kind.as_str(),
                e.partner,
                if e.exchange_id.is_empty() {
                    "-"
                } else {
                    &e.exchange_id
                },
                e.outcome.status,
                e.outcome.code,
                e.outcome.detail
            )
            .map_err(io)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
