//! Waiting for the operating system to ask the gateway to stop.

/// Returns when the process receives SIGTERM or SIGINT (Ctrl-C); on other platforms, Ctrl-C.
/// If the signal handlers cannot be installed, waits for Ctrl-C alone, or returns at once when
/// even that fails (so the caller shuts down rather than running unstoppable).
pub async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received: stopping"),
                    _ = int.recv() => tracing::info!("SIGINT received: stopping"),
                }
                return;
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "cannot watch SIGTERM/SIGINT; Ctrl-C only");
            }
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::error!(error = %e, "cannot watch Ctrl-C");
    }
}
