//! The notifier's buckets: per-tenant webhook secrets and endpoints disabled by a
//! `410 Gone`. Defined here with every other bucket so `jetcrawl admin apply` owns them.

use async_nats::jetstream::kv;

use crate::topology::Topology;

/// Per-tenant endpoint secrets (`whsec_…`), keyed by tenant.
pub const SECRETS_BUCKET: &str = "WEBHOOK_SECRETS";
/// Endpoints disabled by a `410 Gone`, keyed by tenant and URL hash.
pub const DISABLED_BUCKET: &str = "WEBHOOK_DISABLED";

/// `WEBHOOK_SECRETS`.
pub fn secrets_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: SECRETS_BUCKET.to_owned(),
        description: "Jetcrawl webhook secrets per tenant".to_owned(),
        history: 1,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// `WEBHOOK_DISABLED`.
pub fn disabled_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: DISABLED_BUCKET.to_owned(),
        description: "Jetcrawl webhook endpoints disabled by 410".to_owned(),
        history: 1,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}
