//! The projector binary, as a deployment runs it, replaying the stream, and its lag on
//! live traffic afterwards.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use jetcrawl_projections::{JOBS_PROJECTION, Projection, checkpoint};
use jetcrawl_proto::v1::RenderMode;
use jetcrawl_streams::EventKind;
use jetcrawl_streams::envelope::{encode, envelope_headers};
use jetcrawl_streams::subjects::JOBS_STREAM;
use jetcrawl_streams::subjects::event_subject;
use jetcrawl_tests::ServiceProcess;
use sqlx::PgPool;
use tokio::time::Instant;

use crate::deployment::BenchNats;
use crate::jobs;
use crate::stack::BenchStack;
use crate::stats::Latencies;

/// How often the checkpoint is read.
const POLL: Duration = Duration::from_millis(5);

/// Longest a replay may take.
const REPLAY_LIMIT: Duration = Duration::from_secs(900);

/// A projector process.
pub struct Running {
    process: ServiceProcess,
    /// When it was spawned.
    pub started: Instant,
}

/// Spawns the projector binary running `projections` (`jobs`, or `all`) into
/// `database_url` with its default batching, or `batch` messages per batch.
pub async fn start(
    stack: &BenchStack,
    nats: &BenchNats,
    database_url: &str,
    projections: &str,
    batch: Option<usize>,
) -> anyhow::Result<Running> {
    let mut env = vec![("JETCRAWL_PROJECTIONS".to_owned(), projections.to_owned())];
    if let Some(batch) = batch {
        env.push(("JETCRAWL_PROJECTOR_BATCH".to_owned(), batch.to_string()));
    }
    let started = Instant::now();
    let process = stack.spawn_projector(nats, database_url, env).await?;
    Ok(Running { process, started })
}

impl Running {
    /// Stops it and reports a failure it ended with.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let status = self.process.stop().await;
        anyhow::ensure!(
            status.is_some_and(|s| s.success()),
            "the projector ended with {status:?}; its log: {}",
            self.process.log_path().display()
        );
        Ok(())
    }

    fn has_exited(&mut self) -> bool {
        !self.process.is_running()
    }
}

/// Waits until every checkpoint of `projections` over the JOBS stream reaches `last`;
/// returns the seconds since the start.
pub async fn caught_up(
    pool: &PgPool,
    running: &mut Running,
    projections: &[Projection],
    last: u64,
) -> anyhow::Result<f64> {
    loop {
        if slowest(pool, projections).await >= last {
            return Ok(running.started.elapsed().as_secs_f64());
        }
        anyhow::ensure!(
            running.started.elapsed() < REPLAY_LIMIT && !running.has_exited(),
            "the projector did not reach stream sequence {last} (stopped or over {REPLAY_LIMIT:?})"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The lowest checkpoint among `projections` that read the JOBS stream.
async fn slowest(pool: &PgPool, projections: &[Projection]) -> u64 {
    let mut lowest = u64::MAX;
    for projection in projections.iter().filter(|p| p.stream() == JOBS_STREAM) {
        lowest = lowest.min(checkpoint(pool, projection.name()).await.unwrap_or(0));
    }
    lowest
}

/// Publishes `rate` JobSubmitted/s for `duration` and measures, per event, the time from
/// its publish ack to the first checkpoint read covering it.
pub async fn live_lag(
    js: &Context,
    pool: &PgPool,
    url: &str,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Latencies> {
    let reads: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::default();
    let poller = tokio::spawn(poll_checkpoints(pool.clone(), reads.clone()));
    let acks = publish_at(js, url, rate, duration).await?;
    let last = acks.iter().map(|a| a.0).max().unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while checkpoint(pool, JOBS_PROJECTION).await.unwrap_or(0) < last && Instant::now() < deadline {
        tokio::time::sleep(POLL).await;
    }
    tokio::time::sleep(POLL * 4).await;
    poller.abort();
    let reads = reads
        .lock()
        .map_err(|_| anyhow::anyhow!("read list poisoned"))?;
    Ok(lags(&acks, &reads))
}

/// Publishes on a fixed schedule; returns each stream sequence with its ack time.
async fn publish_at(
    js: &Context,
    url: &str,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Vec<(u64, Instant)>> {
    let acks: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::default();
    let spec = jobs::spec(url, RenderMode::Http);
    let interval = Duration::from_secs_f64(1.0 / rate);
    let count = (rate * duration.as_secs_f64()) as usize;
    let t0 = Instant::now();
    let mut sends = Vec::with_capacity(count);
    for k in 0..count {
        tokio::time::sleep_until(t0 + interval * k as u32).await;
        let job_id = jobs::job_id();
        let event = jobs::submitted(&job_id, spec.clone());
        let message = PublishMessage::build()
            .headers(envelope_headers(&event))
            .payload(encode(&event));
        let ack = js
            .send_publish(event_subject(&job_id, EventKind::Submitted), message)
            .await?;
        let acks = acks.clone();
        sends.push(tokio::spawn(async move {
            if let Ok(ack) = ack.await
                && let Ok(mut acks) = acks.lock()
            {
                acks.push((ack.sequence, Instant::now()));
            }
        }));
    }
    futures::future::join_all(sends).await;
    let acks = acks
        .lock()
        .map_err(|_| anyhow::anyhow!("ack list poisoned"))?;
    Ok(acks.clone())
}

async fn poll_checkpoints(pool: PgPool, reads: Arc<Mutex<Vec<(Instant, u64)>>>) {
    loop {
        let cp = checkpoint(&pool, JOBS_PROJECTION).await.unwrap_or(0);
        if let Ok(mut reads) = reads.lock() {
            reads.push((Instant::now(), cp));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// For each acked sequence, the first read at or after its ack that covers it.
fn lags(acks: &[(u64, Instant)], reads: &[(Instant, u64)]) -> Latencies {
    let mut out = Latencies::new();
    for (seq, acked) in acks {
        if let Some((seen, _)) = reads.iter().find(|(at, cp)| at >= acked && cp >= seq) {
            out.record(seen.saturating_duration_since(*acked));
        }
    }
    out
}
