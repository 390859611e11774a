//! Reaching Postgres: retried until it answers, so a projector may start first.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use futures::future::Shared;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tracing::{info, warn};

const RETRY: Duration = Duration::from_secs(1);

/// Host and port of a database URL, for logs (never the password).
pub(crate) fn describe(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(opts) => format!(
            "{}:{}/{}",
            opts.get_host(),
            opts.get_port(),
            opts.get_database().unwrap_or("")
        ),
        Err(_) => "<unparsable JETCRAWL_DATABASE_URL>".to_owned(),
    }
}

/// A pool, once Postgres answers; `None` when `shutdown` comes first.
pub(crate) async fn connect<F>(url: &str, shutdown: Shared<F>) -> anyhow::Result<Option<PgPool>>
where
    F: Future<Output = ()>,
{
    let opts = PgConnectOptions::from_str(url)
        .context("JETCRAWL_DATABASE_URL is not a valid postgres:// URL")?;
    let target = describe(url);
    let mut attempts = 0u32;
    loop {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts.clone())
            .await;
        match pool {
            Ok(pool) => {
                info!(database = %target, "connected to Postgres");
                return Ok(Some(pool));
            }
            Err(err) => {
                attempts += 1;
                if attempts == 1 || attempts.is_multiple_of(30) {
                    warn!(database = %target, error = %err, attempts,
                        "Postgres is not reachable yet; retrying every second (check JETCRAWL_DATABASE_URL and that the server runs)");
                }
            }
        }
        tokio::select! {
            () = shutdown.clone() => return Ok(None),
            () = tokio::time::sleep(RETRY) => {}
        }
    }
}
