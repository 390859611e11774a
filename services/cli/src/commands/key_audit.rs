//! Key rotations on the audit log: `jetcrawl keys create|revoke` publish `ApiKeyIssued` /
//! `ApiKeyRevoked` (never a secret or its hash) on `audit.key.<tenant>` of the
//! `AUDIT_ACTIONS` stream, where the audit projection chains them.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::envelope::{encode, envelope_headers, new_event, new_traceparent};
use jetcrawl_streams::security::audit_action_subject;

/// The audit kind of key rotations (`audit.key.<tenant>`).
pub const KEY_AUDIT_KIND: &str = "key";

/// How long to wait for JetStream to store the record.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// The operator running the CLI, as recorded: `cli:<user>`.
pub fn operator() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
    )
}

/// Publishes `payload` for `tenant` and waits until JetStream stored it (the stream
/// exists: opening the key store applied it).
pub async fn record(js: &Context, tenant: &str, payload: Payload) -> anyhow::Result<u64> {
    let event = new_event("", tenant, &operator(), &new_traceparent(), payload);
    let message = PublishMessage::build()
        .headers(envelope_headers(&event))
        .payload(encode(&event));
    let subject = audit_action_subject(KEY_AUDIT_KIND, tenant);
    let ack = js
        .send_publish(subject.clone(), message)
        .await
        .with_context(|| format!("publishing the key audit record on {subject}"))?;
    let ack = tokio::time::timeout(ACK_TIMEOUT, ack)
        .await
        .with_context(|| {
            format!(
                "JetStream did not store the key audit record on {subject} within {ACK_TIMEOUT:?}"
            )
        })?
        .with_context(|| format!("JetStream refused the key audit record on {subject}"))?;
    Ok(ack.sequence)
}
