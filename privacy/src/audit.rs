//! Publishing the RGPD audit actions (SubjectErased, SubjectDataExported, RetentionRun)
//! on the `AUDIT_ACTIONS` stream, as `jetcrawl.v1.Event` envelopes with no job id.

use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::envelope::{encode, envelope_headers, new_traceparent};
use jetcrawl_streams::new_event;
use jetcrawl_streams::security::audit_action_subject;

use crate::error::PrivacyError;

/// Kind token of erasures: `audit.erasure.<tenant>`.
pub const ERASURE_KIND: &str = "erasure";
/// Kind token of access exports: `audit.access.<tenant>`.
pub const ACCESS_KIND: &str = "access";
/// Kind token of retention runs: `audit.retention._all`.
pub const RETENTION_KIND: &str = "retention";
/// Tenant token of actions that span tenants.
pub const ALL_TENANTS: &str = "_all";

/// Publishes `payload` as `actor` on `audit.<kind>.<tenant>`; returns its stream
/// sequence once JetStream acknowledged it.
pub async fn publish_action(
    js: &Context,
    kind: &str,
    tenant: &str,
    actor: &str,
    payload: Payload,
) -> Result<u64, PrivacyError> {
    let event = new_event("", tenant, actor, &new_traceparent(), payload);
    let message = PublishMessage::build()
        .payload(encode(&event))
        .headers(envelope_headers(&event));
    let what = format!("recording {} on AUDIT_ACTIONS", event.event_type);
    let ack = js
        .send_publish(audit_action_subject(kind, tenant), message)
        .await
        .map_err(|e| PrivacyError::unavailable(&what, e))?
        .await
        .map_err(|e| PrivacyError::unavailable(&what, e))?;
    Ok(ack.sequence)
}
