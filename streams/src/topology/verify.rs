//! Verifying the topology: what every service does at start. It reads and compares,
//! never changes anything, and refuses with every difference and the command that
//! fixes them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream::Context;

use super::apply::pull_config;
use super::compare::{Difference, consumer_differences, resource_differences};
use super::lookup::{running_consumer, running_stream};
use super::{Topology, TopologyError};
use crate::retry::Retry;

/// How long a starting service waits for JetStream to answer its topology check: a
/// cluster still electing leaders, or a server started a moment after the service.
pub const STARTUP_PATIENCE: Duration = Duration::from_secs(60);

impl Topology {
    /// Ok when every stream, bucket and consumer exists as defined; otherwise
    /// [`TopologyError::Differs`] listing what is missing or different.
    pub async fn verify(&self, js: &Context) -> Result<(), TopologyError> {
        let mut found = Vec::new();
        for resource in self.resources() {
            match running_stream(js, &resource.stream_name()).await? {
                None => found.push(missing(resource.label())),
                Some(running) => found.extend(
                    resource_differences(&resource, &running)
                        .into_iter()
                        .filter(|d| !is_tunable(d)),
                ),
            }
        }
        for def in self.consumers() {
            let what = format!("consumer {} on {}", def.name(), def.stream);
            match running_consumer(js, def.stream, def.name()).await? {
                None => found.push(missing(what)),
                Some(running) => {
                    found.extend(
                        consumer_differences(what, &pull_config(&running), &def.config)
                            .into_iter()
                            .filter(|d| !is_tunable(d)),
                    );
                }
            }
        }
        if found.is_empty() {
            Ok(())
        } else {
            Err(TopologyError::Differs(found))
        }
    }

    /// [`verify`](Self::verify), checking again under the event log's retry policy
    /// while JetStream is unavailable (no quorum yet, no answer in time) until
    /// `patience` runs out; then the last failure is returned. A topology that differs
    /// is refused at once: waiting would not change it.
    pub async fn verify_patiently(
        &self,
        js: &Context,
        patience: Duration,
    ) -> Result<(), TopologyError> {
        let deadline = Instant::now() + patience;
        let warned = AtomicBool::new(false);
        let unavailable = |err: &TopologyError| {
            let again =
                matches!(err, TopologyError::Unavailable { .. }) && Instant::now() < deadline;
            if again && !warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(error = %err, ?patience, "cannot verify the JetStream topology yet; retrying (check JETCRAWL_NATS_URL and that nats-server runs with JetStream)");
            }
            again
        };
        Retry::UNTIL_DEADLINE
            .transient(|| self.verify(js), unavailable)
            .await
    }
}

/// Timings and retention (ack waits, delivery caps, ages, the duplicate window) are
/// tunables `jetcrawl admin apply` owns and services adapt to (a worker heartbeats at a
/// quarter of its consumer's running ack wait). What services verify is the shape the
/// platform's guarantees rest on: presence, storage, replicas, subjects, retention
/// policy, immutability, history.
fn is_tunable(difference: &Difference) -> bool {
    matches!(
        difference.field,
        "ack_wait" | "max_deliver" | "max_ack_pending" | "max_age" | "duplicate_window"
    )
}

fn missing(what: String) -> Difference {
    Difference {
        what,
        field: "existence",
        running: "missing".to_owned(),
        defined: "present".to_owned(),
        updatable: true,
    }
}
