//! The replayed stream: jobs submitted, started and succeeded in waves of interleaved
//! jobs (as a busy platform writes them), published to a fresh JOBS stream.

use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use jetcrawl_proto::v1::{Event, RenderMode};
use jetcrawl_streams::envelope::{encode, envelope_headers};
use jetcrawl_streams::subjects::event_subject;
use jetcrawl_streams::{EventKind, RecordedEvent};

use crate::jobs;

/// Jobs whose events are interleaved with each other in the stream.
const WAVE: usize = 1000;

/// Publishes outstanding at once.
const WINDOW: usize = 1000;

/// `total` events: per wave of jobs, every JobSubmitted, then every JobStarted, then
/// every JobSucceeded.
pub fn generate(total: usize, url: &str) -> Vec<Event> {
    let spec = jobs::spec(url, RenderMode::Http);
    let mut events = Vec::with_capacity(total);
    while events.len() < total {
        let ids: Vec<String> = (0..WAVE).map(|_| jobs::job_id()).collect();
        for make in [
            |id: &str, spec: &jetcrawl_proto::v1::JobSpec| jobs::submitted(id, spec.clone()),
            |id: &str, _: &jetcrawl_proto::v1::JobSpec| jobs::started(id),
            |id: &str, _: &jetcrawl_proto::v1::JobSpec| jobs::succeeded(id),
        ] {
            events.extend(ids.iter().map(|id| make(id, &spec)));
        }
    }
    events.truncate(total);
    events
}

/// Publishes `events` in order and returns them with their stream sequences.
pub async fn publish(js: &Context, events: Vec<Event>) -> anyhow::Result<Vec<RecordedEvent>> {
    let mut recorded = Vec::with_capacity(events.len());
    let mut in_flight = FuturesUnordered::new();
    for (index, event) in events.into_iter().enumerate() {
        if in_flight.len() >= WINDOW
            && let Some(ack) = in_flight.next().await
        {
            settle(&mut recorded, ack)?;
        }
        let message = PublishMessage::build()
            .headers(envelope_headers(&event))
            .payload(encode(&event));
        let subject = event_subject(&event.job_id, kind(&event));
        let ack = js.send_publish(subject, message).await?;
        in_flight.push(async move { (index, event, ack.await) });
    }
    while let Some(ack) = in_flight.next().await {
        settle(&mut recorded, ack)?;
    }
    recorded.sort_by_key(|r| r.sequence);
    Ok(recorded)
}

type Acked = (
    usize,
    Event,
    Result<
        async_nats::jetstream::publish::PublishAck,
        async_nats::jetstream::context::PublishError,
    >,
);

fn settle(recorded: &mut Vec<RecordedEvent>, (_, event, ack): Acked) -> anyhow::Result<()> {
    recorded.push(RecordedEvent {
        sequence: ack?.sequence,
        event,
    });
    Ok(())
}

fn kind(event: &Event) -> EventKind {
    event
        .payload
        .as_ref()
        .map_or(EventKind::Submitted, EventKind::of)
}
