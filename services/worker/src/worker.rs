//! Wiring: connect, apply the topology, build the handler, and run the fetch loop and the
//! dead-letter component.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::Context;
use jetcrawl_streams::pull::{PullOptions, consume};
use jetcrawl_streams::subjects::JOBS_STREAM;
use jetcrawl_streams::topology::WORKERS_CONSUMER;
use jetcrawl_streams::{EventStore, StoreError, topology};
use thiserror::Error;
use tracing::{info, warn};

use crate::config::WorkerConfig;
use crate::crawl_job::Frontier;
use crate::egress::Egress;
use crate::error::JobError;
use crate::execute::Executor;
use crate::gate::SlotGate;
use crate::handler::Handler;
use crate::lifecycle::Recorder;
use crate::politeness::CrawlGate;
use crate::pool::BrowserPool;
use crate::results::ResultStore;

/// Why the worker could not start.
#[derive(Debug, Error)]
pub enum WorkerError {
    /// NATS or JetStream is unreachable or refused the topology.
    #[error("JetStream: {0}")]
    Store(#[from] StoreError),
    /// The browser pool, HTTP client or result store could not be set up.
    #[error("worker set-up: {0}")]
    Setup(#[from] JobError),
}

/// Connects to NATS, verifies the topology, and runs jobs until `shutdown` completes.
pub async fn run(
    config: WorkerConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), WorkerError> {
    let (_client, js) = config
        .nats
        .connect_verified("jetcrawl-worker", &config.topology())
        .await?;
    run_with(config, js, shutdown).await
}

/// Runs jobs on an existing JetStream context (topology already verified), each one
/// admitted by the crawl controller (robots.txt, per-domain politeness).
pub async fn run_with(
    config: WorkerConfig,
    js: Context,
    shutdown: impl Future<Output = ()>,
) -> Result<(), WorkerError> {
    let egress = Egress::new(config.egress_settings()?)?;
    let gate = CrawlGate::open(&config, &js, egress.clone()).await?;
    run_with_parts(config, js, egress, Arc::new(gate), shutdown).await
}

/// [`run_with`], asking `gate` for a politeness slot before every attempt.
pub async fn run_with_gate(
    config: WorkerConfig,
    js: Context,
    gate: Arc<dyn SlotGate>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), WorkerError> {
    let egress = Egress::new(config.egress_settings()?)?;
    run_with_parts(config, js, egress, gate, shutdown).await
}

async fn run_with_parts(
    config: WorkerConfig,
    js: Context,
    egress: Egress,
    gate: Arc<dyn SlotGate>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), WorkerError> {
    let worker_id = config.resolved_worker_id();
    let actor = format!("worker:{worker_id}");
    let consumer = topology::bind_consumer(&js, JOBS_STREAM, WORKERS_CONSUMER).await?;
    let pool = BrowserPool::new(config.pool(), egress)?;
    let store = EventStore::open(js.clone()).await?;
    let sessions = crate::browser_session::serve(
        js.client(),
        pool.clone(),
        gate.clone(),
        config.sessions(),
        worker_id.clone(),
    )
    .await;
    let privacy = jetcrawl_privacy::SubjectKeys::open(&js)
        .await
        .map_err(StoreError::unavailable)?;
    let results = ResultStore::open(&js).await?;
    let crawls = Frontier::new(
        store.clone(),
        results.clone(),
        Some(privacy.clone()),
        actor.clone(),
    )
    .abort_after_queue(config.abort_after_queue);
    let frontier = serve_frontier(&js, crawls.clone()).await?;
    let handler = Arc::new(Handler {
        recorder: Recorder {
            store: store.clone(),
            actor: actor.clone(),
            worker_id: worker_id.clone(),
            max_attempts: config.max_attempts.max(1),
            privacy: Some(privacy),
            egress: Some(pool.egress().clone()),
        },
        results,
        crawls,
        executor: Executor::new(config.executor(), pool.clone())?,
        backoff: config.backoff(),
        gate,
        config: config.clone(),
        in_flight: Default::default(),
        agent: config.model.client()?,
    });
    let dead_letters = config.dead_letters.then(|| {
        tokio::spawn(async move {
            if let Err(err) =
                crate::deadletter::run(js, store, actor, std::future::pending::<()>()).await
            {
                warn!(error = %err, "dead-letter component stopped; advisories wait in their stream");
            }
        })
    });
    info!(
        worker_id,
        tabs = config.tabs,
        concurrency = config.job_concurrency(),
        browsers = config.browsers,
        ack_wait_ms = config.topology.worker_ack_wait_ms,
        "worker running"
    );
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    let options = PullOptions {
        concurrency: config.job_concurrency(),
        grace,
        what: "jobs",
    };
    consume(consumer, options, shutdown, |message, ack_wait| {
        let handler = handler.clone();
        async move {
            handler.handle(message, ack_wait).await;
        }
    })
    .await;
    // An advisory being handled is acked only once handled; one cut short is redelivered.
    if let Some(dead_letters) = dead_letters {
        dead_letters.abort();
    }
    if let Some(sessions) = sessions {
        sessions.abort();
    }
    frontier.abort();
    pool.shutdown().await;
    info!(worker_id, "worker stopped");
    Ok(())
}

/// Runs the `crawls` consumer (ADR 0047) on its own task until aborted: a message cut
/// short is redelivered, and every write it makes is idempotent.
async fn serve_frontier(
    js: &Context,
    frontier: Frontier,
) -> Result<tokio::task::JoinHandle<()>, WorkerError> {
    let consumer = topology::bind_consumer(js, JOBS_STREAM, topology::CRAWLS_CONSUMER).await?;
    let options = PullOptions {
        concurrency: 2,
        grace: Duration::from_secs(1),
        what: "crawl frontier messages",
    };
    Ok(tokio::spawn(async move {
        consume(
            consumer,
            options,
            std::future::pending::<()>(),
            |message, ack_wait| {
                let frontier = frontier.clone();
                async move { frontier.handle(message, ack_wait).await }
            },
        )
        .await;
    }))
}
