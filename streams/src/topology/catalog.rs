//! Everything the platform keeps in JetStream, in one list: the streams, the KV and
//! Object Store buckets, and the durable consumers. `jetcrawl admin apply` creates and
//! updates this list; services verify it and never change it.

use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::stream;
use async_nats::jetstream::{kv, object_store};

use super::{Topology, definitions};
use crate::subjects::{ADVISORIES_STREAM, JOBS_STREAM};

/// One stream or bucket of the topology.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "a dozen built once at start; boxing buckets too would only add noise"
)]
pub enum Resource {
    /// A plain stream (boxed: a stream definition is several times a bucket's).
    Stream(Box<stream::Config>),
    /// A KV bucket (stream `KV_<bucket>`).
    KeyValue(kv::Config),
    /// An Object Store bucket (stream `OBJ_<bucket>`).
    Objects(object_store::Config),
}

impl Resource {
    /// How operators call it: `stream JOBS`, `KV bucket API_KEYS`.
    pub fn label(&self) -> String {
        match self {
            Self::Stream(config) => format!("stream {}", config.name),
            Self::KeyValue(config) => format!("KV bucket {}", config.bucket),
            Self::Objects(config) => format!("object store {}", config.bucket),
        }
    }

    /// The stream that holds it.
    pub fn stream_name(&self) -> String {
        match self {
            Self::Stream(config) => config.name.clone(),
            Self::KeyValue(config) => format!("KV_{}", config.bucket),
            Self::Objects(config) => format!("OBJ_{}", config.bucket),
        }
    }
}

/// A durable consumer of the topology.
#[derive(Debug, Clone)]
pub struct ConsumerDef {
    /// The stream it reads.
    pub stream: &'static str,
    /// Its definition.
    pub config: pull::Config,
}

impl ConsumerDef {
    /// Its durable name.
    pub fn name(&self) -> &str {
        self.config.durable_name.as_deref().unwrap_or_default()
    }
}

impl Topology {
    /// Every stream and bucket, the event log first.
    pub fn resources(&self) -> Vec<Resource> {
        vec![
            Resource::Stream(Box::new(self.jobs_stream())),
            Resource::Stream(Box::new(self.advisories_stream())),
            Resource::Stream(Box::new(definitions::audit_actions_stream(self))),
            Resource::KeyValue(definitions::subject_keys_bucket(self)),
            Resource::KeyValue(definitions::api_keys_bucket(self)),
            Resource::KeyValue(definitions::robots_bucket(self)),
            Resource::KeyValue(definitions::domains_bucket(self)),
            Resource::KeyValue(definitions::tenant_policy_bucket(self)),
            Resource::KeyValue(definitions::secrets_bucket(self)),
            Resource::KeyValue(definitions::disabled_bucket(self)),
            Resource::Objects(self.results_bucket()),
            Resource::Objects(definitions::reports_bucket(self)),
        ]
    }

    /// Every durable consumer whose definition is fixed. Projector consumers are not
    /// here: each projector positions its own at its Postgres checkpoint.
    pub fn consumers(&self) -> Vec<ConsumerDef> {
        vec![
            ConsumerDef {
                stream: JOBS_STREAM,
                config: self.workers_consumer(),
            },
            ConsumerDef {
                stream: ADVISORIES_STREAM,
                config: self.deadletter_consumer(),
            },
            ConsumerDef {
                stream: JOBS_STREAM,
                config: self.notifier_consumer(),
            },
            ConsumerDef {
                stream: JOBS_STREAM,
                config: self.crawls_consumer(),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{
        CRAWLS_CONSUMER, DEADLETTER_CONSUMER, NOTIFIER_CONSUMER, WORKERS_CONSUMER,
    };

    #[test]
    fn every_resource_and_consumer_takes_the_configured_replicas() {
        let topology = Topology {
            replicas: 3,
            ..Topology::default()
        };
        for resource in topology.resources() {
            let replicas = match &resource {
                Resource::Stream(c) => c.num_replicas,
                Resource::KeyValue(c) => c.num_replicas,
                Resource::Objects(c) => c.num_replicas,
            };
            assert_eq!(replicas, 3, "{}", resource.label());
        }
        let names: Vec<_> = topology
            .consumers()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                WORKERS_CONSUMER,
                DEADLETTER_CONSUMER,
                NOTIFIER_CONSUMER,
                CRAWLS_CONSUMER
            ]
        );
    }
}
