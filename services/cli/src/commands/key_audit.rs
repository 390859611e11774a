//! Key rotations on the audit log: `jetcrawl keys create|revoke` record `ApiKeyIssued` /
//! `ApiKeyRevoked` (never a secret or its hash) on `audit.key.<tenant>` of the
//! `AUDIT_ACTIONS` stream, where the audit projection chains them.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::Context;
use jetcrawl_streams::audit::{Action, ActionKind, append_action, new_action};
use jetcrawl_streams::envelope::new_traceparent;

/// How long to wait for JetStream to store the record.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// The operator running the CLI, as recorded: `cli:<user>`.
pub fn operator() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
    )
}

/// Records `action` for `tenant` and waits until JetStream stored it (the stream
/// exists: opening the key store applied it).
pub async fn record(js: &Context, tenant: &str, action: Action) -> anyhow::Result<u64> {
    let subject = ActionKind::of(&action).subject(tenant);
    let action = new_action(tenant, &operator(), &new_traceparent(), action);
    tokio::time::timeout(ACK_TIMEOUT, append_action(js, &action, None))
        .await
        .with_context(|| {
            format!(
                "JetStream did not store the key audit record on {subject} within {ACK_TIMEOUT:?}"
            )
        })?
        .with_context(|| format!("recording the key audit record on {subject}"))
}
