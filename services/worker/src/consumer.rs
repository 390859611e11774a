//! The fetch loop: pull work from the `workers` consumer no faster than there are free
//! slots, hand each message to the handler, and on shutdown let running jobs finish.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{Consumer, pull};
use futures::StreamExt;
use jetcrawl_streams::topology::WORKERS_CONSUMER;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::handler::Handler;

/// How long one pull request waits for messages.
const FETCH_EXPIRES: Duration = Duration::from_secs(1);
/// How often the pending gauge is refreshed.
const PENDING_EVERY: Duration = Duration::from_secs(5);

/// Runs jobs from `consumer` with at most `concurrency` at once until `shutdown`, then
/// waits up to `grace` for running jobs (unfinished ones are redelivered later).
pub async fn consume(
    consumer: Consumer<pull::Config>,
    handler: Arc<Handler>,
    concurrency: usize,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let ack_wait = consumer.cached_info().config.ack_wait;
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let gauge = tokio::spawn(pending_gauge(consumer.clone()));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
        };
        let want = 1 + slots.available_permits();
        let batch = tokio::select! {
            () = &mut shutdown => break,
            batch = consumer.fetch().max_messages(want).expires(FETCH_EXPIRES).messages() => batch,
        };
        let mut batch = match batch {
            Ok(batch) => batch,
            Err(err) => {
                warn!(error = %err, "fetching work failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut permit = Some(permit);
        // A batch is small and short-lived: take all of it, even during shutdown.
        while let Some(message) = batch.next().await {
            let message = match message {
                Ok(message) => message,
                Err(err) => {
                    warn!(error = %err, "receiving work failed");
                    continue;
                }
            };
            let slot = match permit.take() {
                Some(slot) => slot,
                None => match slots.clone().acquire_owned().await {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
            };
            let handler = handler.clone();
            tasks.spawn(async move {
                handler.handle(message, ack_wait).await;
                drop(slot);
            });
        }
        while tasks.try_join_next().is_some() {}
    }
    gauge.abort();
    drain(tasks, grace).await;
}

async fn drain(mut tasks: JoinSet<()>, grace: Duration) {
    if tasks.is_empty() {
        return;
    }
    info!(
        running = tasks.len(),
        grace_ms = grace.as_millis() as u64,
        "waiting for running jobs"
    );
    let finished =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if finished.is_err() {
        warn!(
            running = tasks.len(),
            "jobs still running after the grace period; abandoning them to redelivery"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

async fn pending_gauge(mut consumer: Consumer<pull::Config>) {
    loop {
        match consumer.info().await {
            Ok(info) => {
                metrics::gauge!("jetcrawl_consumer_pending", "consumer" => WORKERS_CONSUMER)
                    .set(info.num_pending as f64);
            }
            Err(err) => warn!(error = %err, "cannot read consumer info"),
        }
        tokio::time::sleep(PENDING_EVERY).await;
    }
}
