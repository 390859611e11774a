//! The rules of facts about a job's outputs (webhook deliveries, result retention).
//! They are recorded after the job ended, and a repeat of one already recorded (an
//! append that landed although its answer was lost) records nothing.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{ResultExpired, WebhookDelivered, WebhookFailed};

use crate::error::DecideError;
use crate::state::{Job, JobStatus};

pub(crate) fn record_delivery(
    job: &Job,
    delivered: WebhookDelivered,
) -> Result<Vec<Payload>, DecideError> {
    exists(job)?;
    let known = job
        .webhooks
        .iter()
        .any(|w| w.delivered && w.webhook_id == delivered.webhook_id);
    Ok(match known {
        true => Vec::new(),
        false => vec![Payload::WebhookDelivered(delivered)],
    })
}

pub(crate) fn record_delivery_failure(
    job: &Job,
    failed: WebhookFailed,
) -> Result<Vec<Payload>, DecideError> {
    exists(job)?;
    let known = job
        .webhooks
        .iter()
        .any(|w| !w.delivered && w.webhook_id == failed.webhook_id && w.attempt == failed.attempt);
    Ok(match known {
        true => Vec::new(),
        false => vec![Payload::WebhookFailed(failed)],
    })
}

/// The latest result expires once; a new success (after a replay) may expire again.
pub(crate) fn expire_result(
    job: &Job,
    expired: ResultExpired,
) -> Result<Vec<Payload>, DecideError> {
    exists(job)?;
    Ok(match job.result_expired {
        true => Vec::new(),
        false => vec![Payload::ResultExpired(expired)],
    })
}

fn exists(job: &Job) -> Result<(), DecideError> {
    match job.status {
        JobStatus::New => Err(DecideError::NotFound),
        _ => Ok(()),
    }
}
