//! The durable `notifier` consumer of terminal events, and the loop that hands each to
//! [`Notifier::handle`] with heartbeats, then acks (settled) or NAKs with the backoff
//! delay (retry). A notifier killed mid-delivery never acks, so JetStream redelivers
//! the event after the ack wait and the retry carries the same `webhook-id`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::AckKind;
use async_nats::jetstream::Message;
use async_nats::jetstream::consumer::{Consumer, pull};
use futures::StreamExt;
use jetcrawl_streams::envelope::decode;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::handle::{Ack, Notifier};

/// Durable name of the notifiers' shared consumer.
pub use jetcrawl_streams::topology::NOTIFIER_CONSUMER;
/// Wait before retrying after the event log or a KV bucket failed.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// How long one pull waits for messages.
const FETCH_EXPIRES: Duration = Duration::from_secs(1);

/// Delivers until `shutdown`, at most `concurrency` at once; in-flight deliveries get
/// `grace` to finish, then are left to redelivery.
pub async fn consume(
    consumer: Consumer<pull::Config>,
    notifier: Arc<Notifier>,
    concurrency: usize,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let ack_wait = consumer.cached_info().config.ack_wait;
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
        };
        let batch = tokio::select! {
            () = &mut shutdown => break,
            batch = consumer.fetch().max_messages(1).expires(FETCH_EXPIRES).messages() => batch,
        };
        let mut batch = match batch {
            Ok(batch) => batch,
            Err(err) => {
                warn!(error = %err, "fetching terminal events failed; retrying");
                tokio::time::sleep(STORE_RETRY).await;
                continue;
            }
        };
        if let Some(message) = batch.next().await {
            match message {
                Ok(message) => {
                    let notifier = notifier.clone();
                    tasks.spawn(async move {
                        handle(&notifier, message, ack_wait).await;
                        drop(permit);
                    });
                }
                Err(err) => warn!(error = %err, "receiving a terminal event failed"),
            }
        }
        while tasks.try_join_next().is_some() {}
    }
    if !tasks.is_empty() {
        info!(in_flight = tasks.len(), "waiting for deliveries in flight");
        if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
            .await
            .is_err()
        {
            tasks.abort_all();
        }
    }
}

async fn handle(notifier: &Notifier, message: Message, ack_wait: Duration) {
    let sequence = match message.info() {
        Ok(info) => info.stream_sequence,
        Err(err) => {
            warn!(error = %err, "a message without JetStream metadata; dropping it");
            return acknowledge(&message, AckKind::Term).await;
        }
    };
    let event = match decode(sequence, &message.payload) {
        Ok(event) => event,
        Err(err) => {
            warn!(error = %err, "undecodable terminal event; it gets no webhook");
            return acknowledge(&message, AckKind::Term).await;
        }
    };
    let beat = tokio::spawn(heartbeat(message.clone(), ack_wait / 3));
    let outcome = notifier.handle(&event).await;
    beat.abort();
    let kind = match outcome {
        Ok(Ack::Done) => AckKind::Ack,
        Ok(Ack::RetryIn(delay)) => AckKind::Nak(Some(delay)),
        Err(err) if err.is_transient() => {
            warn!(job_id = %event.event.job_id, error = %err, "notification not settled; retrying shortly");
            AckKind::Nak(Some(STORE_RETRY))
        }
        // A bug or corrupt data: retrying cannot help, and the error log alarms.
        Err(err) => {
            tracing::error!(job_id = %event.event.job_id, error = %err, "notification cannot be settled; dropping it");
            AckKind::Term
        }
    };
    acknowledge(&message, kind).await;
}

async fn heartbeat(message: Message, every: Duration) {
    let every = every.max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        if let Err(err) = message.ack_with(AckKind::Progress).await {
            warn!(error = %err, "progress heartbeat failed");
        }
    }
}

async fn acknowledge(message: &Message, kind: AckKind) {
    if let Err(err) = message.ack_with(kind).await {
        warn!(error = %err, ?kind, "ack failed; JetStream will redeliver and the history settles it");
    }
}
