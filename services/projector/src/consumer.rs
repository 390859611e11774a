//! A projection's durable consumer, positioned by its Postgres checkpoint.
//!
//! Postgres, not the consumer, is the source of truth for progress. When a projector
//! takes over (or finds a gap), messages an earlier instance received but never acked
//! would come back only after `ack_wait`, behind newer ones; applying the newer ones
//! first would move the checkpoint past them and lose them. So unless the consumer sits
//! exactly at the checkpoint with nothing in flight, it is recreated to deliver from
//! checkpoint + 1.

use async_nats::jetstream::Context;
use async_nats::jetstream::consumer::{Consumer, DeliverPolicy, pull};
use async_nats::jetstream::stream::Stream;
use jetcrawl_projections::Projection;
use jetcrawl_streams::Topology;
use jetcrawl_streams::security::{AUDIT_ACTIONS_ALL, AUDIT_ACTIONS_STREAM};
use jetcrawl_streams::topology::ensure_consumer_on;
use tracing::info;

/// The durable consumer of `projection`, delivering the message after `checkpoint` next.
pub(crate) async fn open(
    js: &Context,
    topology: &Topology,
    projection: Projection,
    checkpoint: u64,
) -> anyhow::Result<Consumer<pull::Config>> {
    let stream_name = projection.stream();
    let name = projection.consumer();
    let stream = js
        .get_stream(stream_name)
        .await
        .map_err(|err| anyhow::anyhow!("cannot open stream {stream_name}: {err}"))?;
    if let Some(consumer) = reusable(&stream, &name, checkpoint).await {
        info!(
            consumer = %name,
            checkpoint, "resuming the durable consumer at the checkpoint"
        );
        return Ok(consumer);
    }
    match stream.delete_consumer(&name).await {
        Ok(_) => info!(
            consumer = %name,
            checkpoint, "consumer was not at the checkpoint; recreated from it"
        ),
        Err(_) => info!(consumer = %name, checkpoint, "creating the durable consumer"),
    }
    let mut config = topology.projector_consumer(&name);
    if stream_name == AUDIT_ACTIONS_STREAM {
        config.filter_subject = AUDIT_ACTIONS_ALL.to_owned();
        config.description = Some("Jetcrawl audit projector: every audit action".to_owned());
    }
    config.deliver_policy = DeliverPolicy::ByStartSequence {
        start_sequence: checkpoint + 1,
    };
    ensure_consumer_on(js, stream_name, config)
        .await
        .map_err(|err| anyhow::anyhow!("cannot create the projector consumer {name}: {err}"))
}

/// The existing consumer when everything up to `checkpoint` is acked and nothing else is
/// in flight.
async fn reusable(stream: &Stream, name: &str, checkpoint: u64) -> Option<Consumer<pull::Config>> {
    let mut consumer: Consumer<pull::Config> = stream.get_consumer(name).await.ok()?;
    let info = consumer.info().await.ok()?;
    let clean = info.ack_floor.stream_sequence == checkpoint
        && info.delivered.stream_sequence == checkpoint
        && info.num_ack_pending == 0;
    clean.then_some(consumer)
}
