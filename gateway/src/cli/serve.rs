//! `homeward serve --config FILE`: run the gateway until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;

use super::{CliError, Env};
use crate::service::{Gateway, signals};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen for partners here instead of `[listen] partners`.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Worker threads [default: one per CPU].
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Runs the gateway: opens the store, serves the partner API with mutual TLS, runs the
/// pushers and pullers of `[federation]`, the `[[jobs]]` and the admin API of `[admin]`;
/// reloads the configuration on SIGHUP; on SIGTERM/SIGINT stops gracefully (requests, runs
/// and exchanges in flight finish; nothing is half-applied) and exits 0.
///
/// Without `--config` it runs on embedded defaults kept in the data directory
/// (`crate::service::defaults`), made on the first start.
pub fn run(env: &Env, args: ServeArgs) -> Result<ExitCode, CliError> {
    let defaults;
    let env = if env.config_path.is_none() {
        let (path, first) = crate::service::defaults::prepare(&env.data_dir)
            .map_err(|e| CliError::failed("setting up the embedded defaults", e))?;
        if let Some(f) = &first {
            eprintln!(
                "homeward: first start in {}: wrote {} (embedded defaults), keys, an admin token and a console administrator `{}` (password in {})",
                env.data_dir.display(),
                f.config.display(),
                f.admin_user,
                f.password_file.display()
            );
        } else {
            eprintln!(
                "homeward: no --config: using {} (embedded defaults of {})",
                path.display(),
                env.data_dir.display()
            );
        }
        let config = crate::config::Config::load(&path)
            .map_err(|e| CliError::failed("reading the configuration", e))?;
        defaults = Env {
            config,
            data_dir: env.data_dir.clone(),
            config_path: Some(path),
        };
        &defaults
    } else {
        env
    };
    if env.config.base_dir.is_none() {
        return Err(CliError::Usage(
            "serve needs a configuration file: homeward serve --config FILE".into(),
        ));
    }
    let mut config = env.config.clone();
    if let Some(addr) = args.listen {
        config.listen = Some(crate::service::config::ListenSection { partners: addr });
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = args.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = rt
        .build()
        .map_err(|e| CliError::failed("starting the runtime", e))?;
    rt.block_on(async {
        let mut running = Gateway::start(&config, &env.data_dir)
            .await
            .map_err(|e| CliError::failed("starting the gateway", e))?;
        let attached = crate::operations::attach(&mut running, &config, env.config_path.clone())
            .await;
        let attached = match attached {
            Ok(a) => a,
            Err(e) => {
                running.shutdown().await;
                return Err(CliError::failed("starting jobs and the admin API", e));
            }
        };
        let id = &running.federation().identity.id;
        eprintln!(
            "homeward: gateway {id} serving partners on {} (store {}); {} job(s){}; SIGTERM or Ctrl-C stops it, SIGHUP reloads",
            running.partner_addr(),
            env.data_dir.display(),
            attached.ops.job_views().len(),
            attached
                .admin_addr
                .map(|a| format!(", admin API on {a}"))
                .unwrap_or_default()
        );
        if let (Some(a), Some(_)) = (attached.admin_addr, &config.console) {
            eprintln!("homeward: web console at http://{a}/console/");
        }
        let failed = running.failed();
        tokio::select! {
            _ = signals::terminated() => {
                eprintln!("homeward: stopping (exchanges in flight finish)");
                running.shutdown().await;
                eprintln!("homeward: stopped");
                Ok(ExitCode::SUCCESS)
            }
            why = failed => {
                eprintln!("homeward: {why}");
                running.shutdown().await;
                eprintln!("homeward: stopped (exit {})", crate::service::watchdog::EXIT_STORE_FAILED);
                Ok(ExitCode::from(crate::service::watchdog::EXIT_STORE_FAILED))
            }
        }
    })
}
