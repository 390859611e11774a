//! The `ReportGenerated` audit action, published on `audit.report._all` of the
//! `AUDIT_ACTIONS` stream as a `jetcrawl.v1.Event` with an empty job id.

use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use jetcrawl_proto::v1::ReportGenerated;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::envelope::{encode, envelope_headers, new_traceparent};
use jetcrawl_streams::new_event;
use jetcrawl_streams::reports::{ALL_TENANTS, REPORT_AUDIT_KIND};
use jetcrawl_streams::security::audit_action_subject;

use crate::error::ReportError;

/// Publishes the event as `actor` and returns its stream sequence once acknowledged.
pub async fn publish(
    js: &Context,
    actor: &str,
    payload: ReportGenerated,
) -> Result<u64, ReportError> {
    // The sha256 of the JSON file identifies this exact generation: a retry after a lost
    // ack is deduplicated, another generation of the same revision is not.
    let dedupe = format!(
        "report-{}-r{}-{}",
        payload.month,
        payload.revision,
        payload
            .files
            .first()
            .map(|f| f.sha256.as_str())
            .unwrap_or_default()
    );
    let event = new_event(
        "",
        ALL_TENANTS,
        actor,
        &new_traceparent(),
        Payload::ReportGenerated(payload),
    );
    let mut headers = envelope_headers(&event);
    headers.insert(async_nats::header::NATS_MESSAGE_ID, dedupe.as_str());
    let message = PublishMessage::build()
        .payload(encode(&event))
        .headers(headers);
    let subject = audit_action_subject(REPORT_AUDIT_KIND, ALL_TENANTS);
    let ack = js
        .send_publish(subject, message)
        .await
        .map_err(|err| ReportError::nats("publishing ReportGenerated", err))?
        .await
        .map_err(|err| ReportError::nats("awaiting the ReportGenerated ack", err))?;
    Ok(ack.sequence)
}
