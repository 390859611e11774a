//! The dead-letter component: turns the workers consumer's MAX_DELIVERIES advisories,
//! captured durably in the `ADVISORIES` stream, into JobDeadLettered + JobFailed for the
//! job whose work message ran out of deliveries (e.g. its worker died on the last one).
//! Every worker runs it; the durable consumer hands each advisory to one of them, and
//! `decide` makes a repeat harmless.

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::consumer::{Consumer, pull};
use async_nats::jetstream::{AckKind, Context, Message};
use futures::StreamExt;
use jetcrawl_streams::job::reason;
use jetcrawl_streams::subjects::{ADVISORIES_STREAM, JOBS_STREAM, job_id_of};
use jetcrawl_streams::topology::{DEADLETTER_CONSUMER, WORKERS_CONSUMER, bind_consumer};
use jetcrawl_streams::{Basis, Command, DecideError, EventStore, ExecuteError, Retry, StoreError};
use serde::Deserialize;
use tracing::{Instrument, error, info, info_span, warn};

/// Delay before an advisory that could not be handled is tried again.
const RETRY: Duration = Duration::from_secs(5);

/// The fields of `io.nats.jetstream.advisory.v1.max_deliver` we use.
#[derive(Debug, Deserialize)]
pub struct MaxDeliveries {
    /// Stream of the exhausted message.
    pub stream: String,
    /// Consumer it ran out of deliveries on.
    pub consumer: String,
    /// Its stream sequence.
    pub stream_seq: u64,
    /// Deliveries made.
    #[serde(default)]
    pub deliveries: u64,
}

/// Consumes captured advisories until `shutdown`, dead-lettering as `actor`.
pub async fn run(
    js: Context,
    store: EventStore,
    actor: String,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StoreError> {
    let consumer = bind_consumer(&js, ADVISORIES_STREAM, DEADLETTER_CONSUMER).await?;
    tokio::pin!(shutdown);
    loop {
        let batch = tokio::select! {
            () = &mut shutdown => return Ok(()),
            batch = fetch(&consumer) => batch,
        };
        let mut batch = match batch {
            Ok(batch) => batch,
            Err(err) => {
                warn!(error = %err, "fetching advisories failed; retrying");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        while let Some(message) = batch.next().await {
            match message {
                Ok(message) => handle(&js, &store, &actor, &message).await,
                Err(err) => warn!(error = %err, "receiving an advisory failed"),
            }
        }
    }
}

async fn fetch(
    consumer: &Consumer<pull::Config>,
) -> Result<pull::Batch, async_nats::jetstream::consumer::pull::BatchError> {
    consumer
        .fetch()
        .max_messages(10)
        .expires(Duration::from_secs(1))
        .messages()
        .await
}

async fn handle(js: &Context, store: &EventStore, actor: &str, message: &Message) {
    let advisory: MaxDeliveries = match serde_json::from_slice(&message.payload) {
        Ok(advisory) => advisory,
        Err(err) => {
            warn!(error = %err, subject = %message.subject, "not a MAX_DELIVERIES advisory; dropping it");
            ack(message, AckKind::Ack).await;
            return;
        }
    };
    if advisory.stream != JOBS_STREAM || advisory.consumer != WORKERS_CONSUMER {
        ack(message, AckKind::Ack).await;
        return;
    }
    let span = info_span!(
        "dead_letter",
        job_id = tracing::field::Empty,
        stream_seq = advisory.stream_seq
    );
    let kind = dead_letter(js, store, actor, &advisory)
        .instrument(span)
        .await;
    ack(message, kind).await;
}

/// Dead-letters the job of the exhausted message, if that message is still its work.
async fn dead_letter(
    js: &Context,
    store: &EventStore,
    actor: &str,
    advisory: &MaxDeliveries,
) -> AckKind {
    let job_id = match job_of(js, advisory.stream_seq).await {
        Ok(Some(job_id)) => job_id,
        Ok(None) => return AckKind::Ack,
        Err(err) => {
            error!(error = %err, "cannot read the exhausted message; retrying");
            return AckKind::Nak(Some(RETRY));
        }
    };
    tracing::Span::current().record("job_id", job_id.as_str());
    let command = Command::DeadLetter {
        reason: reason::MAX_DELIVERIES.to_owned(),
        work_sequence: advisory.stream_seq,
    };
    let executed = store
        .execute(
            &job_id,
            Basis::Load,
            actor,
            command,
            chrono::Utc::now(),
            Retry::CONFLICTS_ONLY,
        )
        .await;
    match executed {
        Ok(done) => {
            info!(
                deliveries = advisory.deliveries,
                events = done.payloads.len(),
                "work message out of deliveries: job dead-lettered"
            );
            AckKind::Ack
        }
        Err(ExecuteError::Refused { error, .. }) => {
            let benign = matches!(
                error,
                DecideError::Terminal { .. }
                    | DecideError::StaleWork { .. }
                    | DecideError::InvalidTransition { .. }
                    | DecideError::NotFound
            );
            info!(%error, benign, "advisory needs no dead letter");
            AckKind::Ack
        }
        Err(err) => {
            error!(error = %err, "cannot dead-letter the job; retrying");
            AckKind::Nak(Some(RETRY))
        }
    }
}

/// The job id of the message at `sequence` in `JOBS`.
async fn job_of(js: &Context, sequence: u64) -> Result<Option<String>, StoreError> {
    let stream = js
        .get_stream(JOBS_STREAM)
        .await
        .map_err(StoreError::unavailable)?;
    let raw = stream
        .get_raw_message(sequence)
        .await
        .map_err(StoreError::unavailable)?;
    Ok(job_id_of(&raw.subject).map(str::to_owned))
}

async fn ack(message: &Message, kind: AckKind) {
    if let Err(err) = message.ack_with(kind).await {
        warn!(error = %err, "advisory ack failed; it will be redelivered and handled again harmlessly");
    }
}
