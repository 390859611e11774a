//! The `ReportGenerated` audit action, recorded on `audit.report._all` of the
//! `AUDIT_ACTIONS` stream through the one audit appender.

use async_nats::jetstream::Context;
use jetcrawl_proto::v1::ReportGenerated;
use jetcrawl_streams::audit::{ALL_TENANTS, Action, append_action, new_action};
use jetcrawl_streams::envelope::new_traceparent;

use crate::error::ReportError;

/// Records the action as `actor` and returns its stream sequence once acknowledged.
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
    let action = new_action(
        ALL_TENANTS,
        actor,
        &new_traceparent(),
        Action::ReportGenerated(payload),
    );
    append_action(js, &action, Some(&dedupe))
        .await
        .map_err(|err| ReportError::nats("recording ReportGenerated", err))
}
