//! The projector's life: connect, migrate, take the leader lock (or stand by), then
//! project batches until shutdown, the loss of the lock, or an error to recover from.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream;
use futures::future::{FutureExt as _, Shared};
use jetcrawl_projections::migrate;
use jetcrawl_streams::Topology;
use tracing::{error, info, warn};

use crate::config::ProjectorConfig;
use crate::leader::LeaderLock;
use crate::session::{Session, Stop};
use crate::{metrics, postgres};

/// Pause after an error before projecting again.
const RECOVERY_PAUSE: Duration = Duration::from_secs(1);

/// Runs the projector until `shutdown` completes.
pub async fn run(
    config: ProjectorConfig,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let shutdown = shutdown.shared();
    let topology = Topology::default();
    let (_client, js) = jetcrawl_streams::connect(&config.nats_url, "jetcrawl-projector")
        .await
        .context("connecting to NATS (check JETCRAWL_NATS_URL)")?;
    if !apply_topology(&topology, &js, shutdown.clone()).await {
        return Ok(());
    }
    let Some(pool) = postgres::connect(&config.database_url, shutdown.clone()).await? else {
        return Ok(());
    };
    migrate(&pool)
        .await
        .context("migrating the projection tables")?;
    let session = Session {
        config: &config,
        topology: &topology,
        js: &js,
        pool: &pool,
    };
    metrics::leader(false);
    loop {
        let retry = config.lock_check();
        let lock = LeaderLock::acquire(
            &config.database_url,
            &config.projection,
            retry,
            shutdown.clone(),
        );
        let Some(mut lock) = lock.await? else {
            return Ok(());
        };
        metrics::leader(true);
        let outcome = lead(&session, &mut lock, shutdown.clone()).await;
        metrics::leader(false);
        match outcome {
            Ok(Stop::Shutdown) => {
                lock.release().await;
                info!(projection = %config.projection, "projector stopped");
                return Ok(());
            }
            Ok(Stop::LostLock) | Ok(Stop::Gap) => {
                warn!(projection = %config.projection, "leader lock lost; standing by again");
            }
            Err(err) => {
                error!(projection = %config.projection, error = %format!("{err:#}"),
                    "projection failed; handing over the lock and retrying from the checkpoint");
                lock.release().await;
                tokio::select! {
                    () = shutdown.clone() => return Ok(()),
                    () = tokio::time::sleep(RECOVERY_PAUSE) => {}
                }
            }
        }
    }
}

/// Applies the topology, retrying while NATS is unreachable; false when `shutdown` comes
/// first.
async fn apply_topology<F>(
    topology: &Topology,
    js: &jetstream::Context,
    shutdown: Shared<F>,
) -> bool
where
    F: Future<Output = ()>,
{
    info!("applying the JetStream topology (waits for NATS)");
    let mut attempts = 0u32;
    loop {
        let outcome = tokio::select! {
            () = shutdown.clone() => return false,
            outcome = topology.apply(js) => outcome,
        };
        match outcome {
            Ok(_) => return true,
            Err(err) => {
                attempts += 1;
                if attempts == 1 || attempts.is_multiple_of(30) {
                    warn!(error = %err, attempts,
                        "cannot apply the JetStream topology yet; retrying (check JETCRAWL_NATS_URL and that nats-server runs with JetStream)");
                }
            }
        }
        tokio::select! {
            () = shutdown.clone() => return false,
            () = tokio::time::sleep(RECOVERY_PAUSE) => {}
        }
    }
}

/// Projects while this instance holds the lock; a gap only repositions the consumer.
async fn lead<F>(
    session: &Session<'_>,
    lock: &mut LeaderLock,
    shutdown: Shared<F>,
) -> anyhow::Result<Stop>
where
    F: Future<Output = ()>,
{
    let mut after_gap = false;
    loop {
        match session.project(lock, after_gap, shutdown.clone()).await? {
            Stop::Gap => after_gap = true,
            stop => return Ok(stop),
        }
    }
}
