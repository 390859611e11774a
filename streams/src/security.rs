//! The JetStream side of gateway security: the `API_KEYS` bucket (hashed API keys, read
//! on every request so issuing and revoking take effect at once) and the `AUDIT_ACTIONS`
//! stream, where refused calls are recorded for the audit log to fold.

use async_nats::jetstream::Context;
use async_nats::jetstream::kv;

use crate::error::StoreError;

pub use crate::topology::definitions::{
    API_KEYS_BUCKET, AUDIT_ACTIONS_ALL, AUDIT_ACTIONS_MAX_AGE, AUDIT_ACTIONS_STREAM,
    SUBJECT_KEYS_BUCKET, api_keys_bucket, audit_actions_stream, subject_keys_bucket,
};

/// Subject of a refused call of `tenant` (a subject token; see `is_valid_token`).
pub fn audit_denied_subject(tenant: &str) -> String {
    format!("audit.denied.{tenant}")
}

/// True when `subject` carries a refused call (an `AccessDenied`, not an audit action).
pub fn is_audit_denied_subject(subject: &str) -> bool {
    subject.starts_with("audit.denied.")
}

/// Subject of an audit action of `kind` (a lower-case token such as `erasure`,
/// `robots_override`, `key`, `report`; see `audit::ActionKind::subject_token`) for
/// `tenant` (`_all` when it spans tenants).
pub fn audit_action_subject(kind: &str, tenant: &str) -> String {
    format!("audit.{kind}.{tenant}")
}

/// Binds to the API key bucket, which `jetcrawl admin apply` created.
pub async fn bind_api_keys(js: &Context) -> Result<kv::Store, StoreError> {
    bind_bucket(js, API_KEYS_BUCKET).await
}

/// Binds to KV bucket `bucket` of the topology; a missing one names the fix.
pub async fn bind_bucket(js: &Context, bucket: &str) -> Result<kv::Store, StoreError> {
    js.get_key_value(bucket).await.map_err(|err| {
        StoreError::unavailable_while(
            format!(
                "KV bucket {bucket} (run `{}` to create the topology)",
                crate::topology::APPLY_COMMAND
            ),
            err,
        )
    })
}
