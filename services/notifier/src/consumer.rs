//! The durable `notifier` consumer of terminal events, and the loop that hands each to
//! [`Notifier::handle`] with heartbeats, then acks (settled) or NAKs with the backoff
//! delay (retry). A notifier killed mid-delivery never acks, so JetStream redelivers
//! the event after the ack wait and the retry carries the same `webhook-id`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::AckKind;
use async_nats::jetstream::Message;
use async_nats::jetstream::consumer::{self, Consumer};
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::pull::{self, PullOptions};
use tracing::warn;

use crate::handle::{Ack, Notifier};

/// Durable name of the notifiers' shared consumer.
pub use jetcrawl_streams::topology::NOTIFIER_CONSUMER;
/// Wait before retrying after the event log or a KV bucket failed.
const STORE_RETRY: Duration = Duration::from_secs(1);

/// Delivers until `shutdown`, at most `concurrency` at once; in-flight deliveries get
/// `grace` to finish, then are left to redelivery.
pub async fn consume(
    consumer: Consumer<consumer::pull::Config>,
    notifier: Arc<Notifier>,
    concurrency: usize,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let options = PullOptions {
        concurrency,
        grace,
        what: "terminal events",
    };
    pull::consume(consumer, options, shutdown, |message, ack_wait| {
        let notifier = notifier.clone();
        async move { handle(&notifier, message, ack_wait).await }
    })
    .await;
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
