//! Applying the topology: what `jetcrawl admin apply` runs. It creates what is missing
//! and updates what differs in place; what JetStream cannot change on a live stream
//! (storage, retention) is refused with the way out.

use async_nats::jetstream::Context;
use async_nats::jetstream::consumer::pull;
use tracing::{info, warn};

use super::catalog::{ConsumerDef, Resource};
use super::compare::{Difference, consumer_differences, resource_differences, updated};
use super::placement::patiently;
use super::{Topology, TopologyError, lookup::running_consumer, lookup::running_stream};

impl Topology {
    /// Creates every missing stream, bucket and consumer and updates those that differ.
    /// Returns what it found different (and changed) or created; empty when the server
    /// already matched. Idempotent.
    pub async fn apply(&self, js: &Context) -> Result<Vec<String>, TopologyError> {
        let mut changes = Vec::new();
        let mut refused = Vec::new();
        for resource in self.resources() {
            match running_stream(js, &resource.stream_name()).await? {
                None => {
                    create(js, &resource).await?;
                    info!(what = %resource.label(), replicas = self.replicas, "created");
                    changes.push(format!("{}: created", resource.label()));
                }
                Some(running) => {
                    let differences = resource_differences(&resource, &running);
                    let (fixable, fixed): (Vec<_>, Vec<_>) =
                        differences.into_iter().partition(|d| d.updatable);
                    refused.extend(fixed);
                    if fixable.is_empty() {
                        continue;
                    }
                    warn!(what = %resource.label(), differences = ?fixable.iter().map(ToString::to_string).collect::<Vec<_>>(), "updating");
                    js.update_stream(updated(&resource, &running))
                        .await
                        .map_err(|err| {
                            TopologyError::unavailable(
                                format!("updating {}", resource.label()),
                                err,
                            )
                        })?;
                    changes.extend(fixable.iter().map(short));
                }
            }
        }
        for consumer in self.consumers() {
            changes.extend(apply_consumer(js, &consumer).await?);
        }
        if !refused.is_empty() {
            return Err(TopologyError::Immutable(refused));
        }
        Ok(changes)
    }
}

/// `field: running X, defined Y` without the resource (kept short for logs and tests).
fn short(difference: &Difference) -> String {
    format!(
        "{}: running {}, defined {} ({})",
        difference.field, difference.running, difference.defined, difference.what
    )
}

/// Creates `resource`, waiting out a cluster that briefly counts a peer offline.
async fn create(js: &Context, resource: &Resource) -> Result<(), TopologyError> {
    let what = format!("creating {}", resource.label());
    let failed = |err: async_nats::Error| TopologyError::unavailable(what.clone(), err);
    match resource {
        Resource::Stream(config) => patiently(&what, || async {
            js.create_stream(config.as_ref().clone()).await.map(drop)
        })
        .await
        .map_err(|e| failed(e.into())),
        Resource::KeyValue(config) => patiently(&what, || async {
            js.create_key_value(config.clone()).await.map(drop)
        })
        .await
        .map_err(|e| failed(e.into())),
        Resource::Objects(config) => patiently(&what, || async {
            js.create_object_store(config.clone()).await.map(drop)
        })
        .await
        .map_err(|e| failed(e.into())),
    }
}

async fn apply_consumer(js: &Context, def: &ConsumerDef) -> Result<Vec<String>, TopologyError> {
    let what = format!("consumer {} on {}", def.name(), def.stream);
    let unavailable =
        |err: async_nats::Error| TopologyError::unavailable(format!("applying {what}"), err);
    let Some(running) = running_consumer(js, def.stream, def.name()).await? else {
        let stream = js
            .get_stream(def.stream)
            .await
            .map_err(|e| unavailable(e.into()))?;
        stream
            .create_consumer(def.config.clone())
            .await
            .map_err(|e| unavailable(e.into()))?;
        info!(%what, "created");
        return Ok(vec![format!("{what}: created")]);
    };
    let differences = consumer_differences(what.clone(), &pull_config(&running), &def.config);
    if differences.is_empty() {
        return Ok(Vec::new());
    }
    let fixed: Vec<_> = differences
        .iter()
        .filter(|d| !d.updatable)
        .cloned()
        .collect();
    if !fixed.is_empty() {
        return Err(TopologyError::Immutable(fixed));
    }
    warn!(%what, differences = ?differences.iter().map(ToString::to_string).collect::<Vec<_>>(), "updating");
    js.update_consumer_on_stream(def.config.clone(), def.stream)
        .await
        .map_err(|e| unavailable(e.into()))?;
    Ok(differences.iter().map(short).collect())
}

/// A running consumer's definition in the shape of a pull definition.
pub(super) fn pull_config(running: &async_nats::jetstream::consumer::Config) -> pull::Config {
    pull::Config {
        durable_name: running.durable_name.clone(),
        filter_subject: running.filter_subject.clone(),
        filter_subjects: running.filter_subjects.clone(),
        ack_policy: running.ack_policy,
        ack_wait: running.ack_wait,
        max_deliver: running.max_deliver,
        max_ack_pending: running.max_ack_pending,
        ..Default::default()
    }
}
