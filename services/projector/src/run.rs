//! The projector's life: connect, verify the topology and the schema, take the leader lock (or stand by), then run
//! one session per projection (each with its own consumer and checkpoint) until
//! shutdown, the loss of the lock, or an error to recover from.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream;
use futures::future::{FutureExt as _, Shared};
use jetcrawl_projections::{Projection, verify_schema};
use jetcrawl_streams::{Topology, TopologyError};
use sqlx::PgPool;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::config::ProjectorConfig;
use crate::failpoint::Failpoint;
use crate::health::ProjectorHealth;
use crate::leader::LeaderLock;
use crate::session::Session;
use crate::{metrics, postgres};

/// Why leading ended.
enum Stop {
    Shutdown,
    LostLock,
}

/// What every session of this instance shares.
struct Instance {
    config: ProjectorConfig,
    projections: Vec<Projection>,
    topology: Topology,
    js: jetstream::Context,
    pool: PgPool,
    failpoint: Failpoint,
    health: ProjectorHealth,
}

/// Pause after an error before projecting again.
const RECOVERY_PAUSE: Duration = Duration::from_secs(1);

/// Runs the projector until `shutdown` completes.
pub async fn run(
    config: ProjectorConfig,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    run_with_health(config, ProjectorHealth::default(), shutdown).await
}

/// [`run`], reporting halted projections to `health` (what `/healthz` serves).
pub async fn run_with_health(
    config: ProjectorConfig,
    health: ProjectorHealth,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let shutdown = shutdown.shared();
    let projections = config.selected()?;
    let group = config.lock_group();
    let topology = config.topology.topology();
    let (_client, js) = config
        .nats
        .connect("jetcrawl-projector")
        .await
        .context("connecting to NATS (check JETCRAWL_NATS_URL)")?;
    if !verify_topology(&topology, &js, shutdown.clone()).await? {
        return Ok(());
    }
    let connections = postgres::connections_for(projections.len());
    let Some(pool) = postgres::connect(&config.database, connections, shutdown.clone()).await?
    else {
        return Ok(());
    };
    verify_schema(&pool)
        .await
        .context("verifying the projection tables")?;
    let shared = Instance {
        failpoint: Failpoint::new(config.abort_after_commit),
        config,
        projections,
        topology,
        js,
        pool,
        health,
    };
    metrics::leader(false);
    loop {
        let retry = shared.config.lock_check();
        let lock = LeaderLock::acquire(&shared.config.database, &group, retry, shutdown.clone());
        let Some(mut lock) = lock.await? else {
            return Ok(());
        };
        metrics::leader(true);
        let outcome = lead(&shared, &mut lock, shutdown.clone()).await;
        metrics::leader(false);
        match outcome {
            Ok(Stop::Shutdown) => {
                lock.release().await;
                info!(projections = %group, "projector stopped");
                return Ok(());
            }
            Ok(Stop::LostLock) => {
                warn!(projections = %group, "leader lock lost; standing by again");
            }
            Err(err) => {
                error!(projections = %group, error = %format!("{err:#}"),
                    "projection failed; handing over the lock and retrying from the checkpoints");
                lock.release().await;
                tokio::select! {
                    () = shutdown.clone() => return Ok(()),
                    () = tokio::time::sleep(RECOVERY_PAUSE) => {}
                }
            }
        }
    }
}

/// Verifies the topology, retrying while NATS is unreachable; false when `shutdown`
/// comes first, an error when the server runs another topology.
async fn verify_topology<F>(
    topology: &Topology,
    js: &jetstream::Context,
    shutdown: Shared<F>,
) -> anyhow::Result<bool>
where
    F: Future<Output = ()>,
{
    info!("verifying the JetStream topology (waits for NATS)");
    let mut attempts = 0u32;
    loop {
        let outcome = tokio::select! {
            () = shutdown.clone() => return Ok(false),
            outcome = topology.verify(js) => outcome,
        };
        match outcome {
            Ok(()) => return Ok(true),
            Err(err @ TopologyError::Unavailable { .. }) => {
                attempts += 1;
                if attempts == 1 || attempts.is_multiple_of(30) {
                    warn!(error = %err, attempts,
                        "cannot verify the JetStream topology yet; retrying (check JETCRAWL_NATS_URL and that nats-server runs with JetStream)");
                }
            }
            Err(err) => return Err(err.into()),
        }
        tokio::select! {
            () = shutdown.clone() => return Ok(false),
            () = tokio::time::sleep(RECOVERY_PAUSE) => {}
        }
    }
}

/// Runs every projection while this instance holds the lock; the first error stops
/// them all (each resumes from its own checkpoint on the next lead).
async fn lead<F>(
    shared: &Instance,
    lock: &mut LeaderLock,
    shutdown: Shared<F>,
) -> anyhow::Result<Stop>
where
    F: Future<Output = ()>,
{
    let stop = CancellationToken::new();
    let sessions = shared.projections.iter().map(|&projection| {
        let session = Session {
            projection,
            config: &shared.config,
            topology: &shared.topology,
            js: &shared.js,
            pool: &shared.pool,
            failpoint: &shared.failpoint,
            health: &shared.health,
        };
        let stop = stop.clone();
        async move {
            let outcome = session.run(stop.clone()).await;
            // One failing projection stops the others, so the lock is handed over whole.
            stop.cancel();
            outcome.with_context(|| format!("projection {}", projection.name()))
        }
    });
    let all = futures::future::join_all(sessions);
    tokio::pin!(all);
    let mut lock_check = tokio::time::interval(shared.config.lock_check());
    lock_check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut why = None;
    let results = loop {
        tokio::select! {
            results = &mut all => break results,
            () = shutdown.clone(), if why.is_none() => {
                why = Some(Stop::Shutdown);
                stop.cancel();
            }
            _ = lock_check.tick(), if why.is_none() => {
                if !lock.is_held().await {
                    why = Some(Stop::LostLock);
                    stop.cancel();
                }
            }
        }
    };
    for result in results {
        result?;
    }
    Ok(why.unwrap_or(Stop::Shutdown))
}
