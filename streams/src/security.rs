//! The JetStream side of gateway security: the `API_KEYS` bucket (hashed API keys, read
//! on every request so issuing and revoking take effect at once) and the `AUDIT_ACTIONS`
//! stream, where refused calls are recorded for the audit log to fold.

use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::kv;
use async_nats::jetstream::stream::{self, DiscardPolicy, RetentionPolicy};

use crate::error::StoreError;
use crate::topology::Topology;

/// KV bucket of API key records, keyed by key id. Values never hold a secret.
pub const API_KEYS_BUCKET: &str = "API_KEYS";
/// KV bucket of the per-data-subject keys.
pub const SUBJECT_KEYS_BUCKET: &str = "SUBJECT_KEYS";
/// Stream of actions worth auditing that belong to no job: refused calls
/// (`audit.denied.<tenant>`) and admin actions such as erasures, robots overrides, key
/// rotations and reports (`audit.<kind>.<tenant>`, an `Event` envelope with no job id).
pub const AUDIT_ACTIONS_STREAM: &str = "AUDIT_ACTIONS";
/// Every subject of [`AUDIT_ACTIONS_STREAM`].
pub const AUDIT_ACTIONS_ALL: &str = "audit.>";
/// How long access decisions are kept: the audit retention (180 days).
pub const AUDIT_ACTIONS_MAX_AGE: Duration = Duration::from_secs(180 * 24 * 3600);

/// Subject of a refused call of `tenant` (a subject token; see `is_valid_token`).
pub fn audit_denied_subject(tenant: &str) -> String {
    format!("audit.denied.{tenant}")
}

/// Subject of an admin action of `kind` (a lower-case token such as `erasure`,
/// `robots_override`, `key`, `report`) for `tenant` (`_all` when it spans tenants).
pub fn audit_action_subject(kind: &str, tenant: &str) -> String {
    format!("audit.{kind}.{tenant}")
}

/// The audit-actions stream: immutable like `JOBS`.
pub fn audit_actions_stream(topology: &Topology) -> stream::Config {
    stream::Config {
        name: AUDIT_ACTIONS_STREAM.to_owned(),
        description: Some(
            "Jetcrawl access decisions and admin actions: audit.<kind>.<tenant>".to_owned(),
        ),
        subjects: vec![AUDIT_ACTIONS_ALL.to_owned()],
        retention: RetentionPolicy::Limits,
        discard: DiscardPolicy::Old,
        storage: topology.storage,
        num_replicas: topology.replicas,
        max_age: AUDIT_ACTIONS_MAX_AGE,
        deny_delete: true,
        deny_purge: true,
        ..Default::default()
    }
}

/// The API key records.
pub fn api_keys_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: API_KEYS_BUCKET.to_owned(),
        description: "Jetcrawl API keys: sha256 of the secret, tenant and role".to_owned(),
        history: 5,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// Per-data-subject encryption keys (RGPD crypto-shredding): one revision per key, so
/// an erasure's purge leaves no key material behind.
pub fn subject_keys_bucket(topology: &Topology) -> kv::Config {
    kv::Config {
        bucket: SUBJECT_KEYS_BUCKET.to_owned(),
        description: "Jetcrawl per-data-subject encryption keys (RGPD crypto-shredding)".to_owned(),
        history: 1,
        storage: topology.storage,
        num_replicas: topology.replicas,
        ..Default::default()
    }
}

/// Binds to the API key bucket, which `jetcrawl admin apply` created.
pub async fn bind_api_keys(js: &Context) -> Result<kv::Store, StoreError> {
    bind_bucket(js, API_KEYS_BUCKET).await
}

/// Binds to KV bucket `bucket` of the topology; a missing one names the fix.
pub async fn bind_bucket(js: &Context, bucket: &str) -> Result<kv::Store, StoreError> {
    js.get_key_value(bucket).await.map_err(|err| {
        StoreError::Unavailable(format!(
            "KV bucket {bucket}: {err}; run `{}` to create the topology",
            crate::topology::APPLY_COMMAND
        ))
    })
}
