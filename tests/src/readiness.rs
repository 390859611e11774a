//! Waiting for a spawned service to say it is ready.

use std::time::{Duration, Instant};

use crate::http::http_client;
use crate::service::ServiceProcess;

/// How long a service may take to become ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How often readiness is checked.
const INTERVAL: Duration = Duration::from_millis(200);

/// Polls `GET url` until it answers 200. Fails early if the process exits, and after
/// `timeout` otherwise; either error carries the process log.
pub async fn wait_http_ok(
    process: &mut ServiceProcess,
    url: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let client = http_client()?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = process.exit_status() {
            anyhow::bail!(
                "{} exited ({status}) before {url} answered 200; log {}:\n{}",
                process.name(),
                process.log_path().display(),
                process.log()
            );
        }
        let last = match client.get(url).timeout(Duration::from_secs(2)).send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => format!("HTTP {}", response.status()),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            anyhow::bail!(
                "{} not ready: {url} still failing after {timeout:?} ({last}); log {}:\n{}",
                process.name(),
                process.log_path().display(),
                process.log()
            );
        }
        tokio::time::sleep(INTERVAL).await;
    }
}
