//! The JetStream side of gateway security: the `API_KEYS` bucket (hashed API keys, read
//! on every request so issuing and revoking take effect at once) and the `AUDIT_ACTIONS`
//! stream, where refused calls are recorded for the audit log to fold.

use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::kv;
use async_nats::jetstream::stream::{self, DiscardPolicy, RetentionPolicy};
use tracing::info;

use crate::error::StoreError;
use crate::topology::Topology;

/// KV bucket of API key records, keyed by key id. Values never hold a secret.
pub const API_KEYS_BUCKET: &str = "API_KEYS";
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

/// Creates the bucket and the stream when missing (idempotent).
pub async fn apply_security(topology: &Topology, js: &Context) -> Result<kv::Store, StoreError> {
    let keys = match js.get_key_value(API_KEYS_BUCKET).await {
        Ok(store) => store,
        Err(_) => {
            let store = js
                .create_key_value(api_keys_bucket(topology))
                .await
                .map_err(StoreError::unavailable)?;
            info!(bucket = API_KEYS_BUCKET, "key-value bucket created");
            store
        }
    };
    match js.get_stream(AUDIT_ACTIONS_STREAM).await {
        Err(_) => {
            js.get_or_create_stream(audit_actions_stream(topology))
                .await
                .map_err(StoreError::unavailable)?;
            info!(stream = AUDIT_ACTIONS_STREAM, "stream created");
        }
        Ok(mut stream) => widen_audit_subjects(js, &mut stream, topology).await?,
    }
    Ok(keys)
}

/// A stream created before admin actions existed only took `audit.denied.>`: widen it.
async fn widen_audit_subjects(
    js: &Context,
    stream: &mut async_nats::jetstream::stream::Stream,
    topology: &Topology,
) -> Result<(), StoreError> {
    let info = stream.info().await.map_err(StoreError::unavailable)?;
    if info.config.subjects.iter().any(|s| s == AUDIT_ACTIONS_ALL) {
        return Ok(());
    }
    js.update_stream(audit_actions_stream(topology))
        .await
        .map_err(StoreError::unavailable)?;
    info!(
        stream = AUDIT_ACTIONS_STREAM,
        "stream subjects widened to {AUDIT_ACTIONS_ALL}"
    );
    Ok(())
}
