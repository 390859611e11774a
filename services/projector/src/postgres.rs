//! Reaching Postgres: retried until it answers, so a projector may start first.

use std::time::Duration;

use futures::future::Shared;
use jetcrawl_projections::DatabaseArgs;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tracing::{info, warn};

const RETRY: Duration = Duration::from_secs(1);

/// Pool size for `projections` running at once: one connection each, so no projection
/// waits for another's transaction to hand back a connection, and one for the gauges
/// and the stream checks.
pub(crate) fn connections_for(projections: usize) -> u32 {
    u32::try_from(projections)
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

/// A pool of `connections`, once Postgres answers; `None` when `shutdown` comes first.
pub(crate) async fn connect<F>(
    database: &DatabaseArgs,
    connections: u32,
    shutdown: Shared<F>,
) -> anyhow::Result<Option<PgPool>>
where
    F: Future<Output = ()>,
{
    let opts = database.connect_options()?;
    let target = database.describe();
    let mut attempts = 0u32;
    loop {
        let pool = PgPoolOptions::new()
            .max_connections(connections)
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
