//! The JetStream topology as code: every stream, bucket and durable consumer, built from
//! one set of settings ([`TopologyArgs`]). `jetcrawl admin apply` is its one owner
//! ([`Topology::apply`]); services [`Topology::verify`] it at start and refuse to run
//! against anything else, naming the difference and the command that fixes it.

mod apply;
mod catalog;
mod compare;
pub mod definitions;
mod lookup;
mod placement;
mod quorum;
mod settings;
mod streams;
mod verify;

pub use catalog::{ConsumerDef, Resource};
pub use compare::Difference;
pub use placement::PLACEMENT_PATIENCE;
pub use quorum::{PEER_SILENCE, has_quorum};
pub use settings::{Storage, Topology, TopologyArgs};
pub use streams::{
    CRAWLS_CONSUMER, DEADLETTER_CONSUMER, NOTIFIER_CONSUMER, PROJECTOR_CONSUMER, RESULTS_BUCKET,
    WORKERS_CONSUMER,
};
pub use verify::STARTUP_PATIENCE;

use thiserror::Error;

/// The command that owns the topology, named in every refusal.
pub const APPLY_COMMAND: &str = "jetcrawl admin apply";

/// Why the topology could not be applied or verified.
#[derive(Debug, Error)]
pub enum TopologyError {
    /// JetStream did not answer (or has no quorum); retrying later may work.
    #[error("JetStream unavailable: {context}: {source}")]
    Unavailable {
        /// What was being done.
        context: String,
        /// The client's error.
        #[source]
        source: crate::error::Cause,
    },
    /// The server runs something else than the definition (services verifying).
    #[error(
        "the JetStream topology differs from this service's definition ({}); run `{APPLY_COMMAND}` \
         with the same JETCRAWL_REPLICAS/JETCRAWL_STORAGE settings, then start the service again",
        list(.0)
    )]
    Differs(Vec<Difference>),
    /// What JetStream cannot change on a live stream (apply).
    #[error(
        "cannot change in place: {}; create a new stream with the wanted setting and move the \
         data (nats stream backup/restore), or keep the running setting in the configuration",
        list(.0)
    )]
    Immutable(Vec<Difference>),
}

impl TopologyError {
    pub(crate) fn unavailable(doing: String, err: impl Into<crate::error::Cause>) -> Self {
        Self::Unavailable {
            context: doing,
            source: err.into(),
        }
    }
}

fn list(differences: &[Difference]) -> String {
    differences
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Creates the durable consumer or, when it exists with another definition, updates it.
/// Only for consumers outside the catalog (a projector's, positioned at its checkpoint).
pub async fn ensure_consumer_on(
    js: &async_nats::jetstream::Context,
    stream_name: &str,
    config: async_nats::jetstream::consumer::pull::Config,
) -> Result<
    async_nats::jetstream::consumer::Consumer<async_nats::jetstream::consumer::pull::Config>,
    crate::StoreError,
> {
    let stream = js
        .get_stream(stream_name)
        .await
        .map_err(crate::StoreError::unavailable)?;
    match stream.create_consumer(config.clone()).await {
        Ok(consumer) => Ok(consumer),
        Err(first) => {
            tracing::warn!(consumer = ?config.durable_name, error = %first, "consumer differs from its definition; updating");
            js.update_consumer_on_stream(config, stream_name)
                .await
                .map_err(crate::StoreError::unavailable)
        }
    }
}

/// Binds to a durable consumer of the catalog, which `jetcrawl admin apply` created.
pub async fn bind_consumer(
    js: &async_nats::jetstream::Context,
    stream_name: &str,
    name: &str,
) -> Result<
    async_nats::jetstream::consumer::Consumer<async_nats::jetstream::consumer::pull::Config>,
    crate::StoreError,
> {
    let stream = js
        .get_stream(stream_name)
        .await
        .map_err(crate::StoreError::unavailable)?;
    stream.get_consumer(name).await.map_err(|err| {
        crate::StoreError::unavailable_while(
            format!("consumer {name} on {stream_name} (run `{APPLY_COMMAND}`)"),
            err,
        )
    })
}
