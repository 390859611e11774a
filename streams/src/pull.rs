//! The one pull-consumer loop the worker and the notifier share: pull no more messages
//! than there are free slots, hand each to the service's handler on its own task (with
//! the consumer's ack wait, for heartbeats), and on shutdown give running handlers a
//! grace period before leaving their messages to redelivery.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::Message;
use async_nats::jetstream::consumer::{Consumer, pull};
use futures::StreamExt as _;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{info, warn};

/// How long one pull request waits for messages.
const FETCH_EXPIRES: Duration = Duration::from_secs(1);
/// Wait before pulling again after a failed pull.
const FETCH_RETRY: Duration = Duration::from_secs(1);
/// How often the pending gauge is refreshed.
const PENDING_EVERY: Duration = Duration::from_secs(5);
/// The gauge of messages the consumer has not delivered yet, labelled `consumer`.
pub const CONSUMER_PENDING: &str = "jetcrawl_consumer_pending";

/// How a service pulls.
#[derive(Debug, Clone, Copy)]
pub struct PullOptions {
    /// Handlers running at once (at least 1).
    pub concurrency: usize,
    /// How long running handlers get to finish after shutdown.
    pub grace: Duration,
    /// What the messages are, for logs ("jobs", "terminal events").
    pub what: &'static str,
}

/// Runs `handle(message, ack_wait)` for every message of `consumer` until `shutdown`,
/// with at most `options.concurrency` at once, and keeps `jetcrawl_consumer_pending`
/// current for it.
pub async fn consume<H, Fut>(
    consumer: Consumer<pull::Config>,
    options: PullOptions,
    shutdown: impl Future<Output = ()>,
    handle: H,
) where
    H: Fn(Message, Duration) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let what = options.what;
    let ack_wait = consumer.cached_info().config.ack_wait;
    let slots = Arc::new(Semaphore::new(options.concurrency.max(1)));
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
                warn!(error = %err, what, "pulling failed; retrying");
                tokio::time::sleep(FETCH_RETRY).await;
                continue;
            }
        };
        let mut permit = Some(permit);
        // A batch is small and short-lived: take all of it, even during shutdown.
        while let Some(message) = batch.next().await {
            let message = match message {
                Ok(message) => message,
                Err(err) => {
                    warn!(error = %err, what, "receiving a message failed");
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
            let work = handle(message, ack_wait);
            tasks.spawn(async move {
                work.await;
                drop(slot);
            });
        }
        while tasks.try_join_next().is_some() {}
    }
    gauge.abort();
    drain(tasks, options).await;
}

async fn drain(mut tasks: JoinSet<()>, options: PullOptions) {
    if tasks.is_empty() {
        return;
    }
    info!(
        running = tasks.len(),
        what = options.what,
        grace_ms = options.grace.as_millis() as u64,
        "waiting for running handlers"
    );
    let finished = tokio::time::timeout(options.grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        warn!(
            running = tasks.len(),
            what = options.what,
            "still running after the grace period; abandoning them to redelivery"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

async fn pending_gauge(mut consumer: Consumer<pull::Config>) {
    loop {
        match consumer.info().await {
            Ok(info) => {
                let name = info.name.clone();
                metrics::gauge!(CONSUMER_PENDING, "consumer" => name).set(info.num_pending as f64);
            }
            Err(err) => warn!(error = %err, "cannot read consumer info"),
        }
        tokio::time::sleep(PENDING_EVERY).await;
    }
}
