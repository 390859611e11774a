//! The rules of outside control: cancellation, politeness deferrals and replays.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobCancelRequested, JobCancelled, JobDeferred, JobReplayed};

use super::attempt::cancel_reason;
use super::decide::DecideError;
use super::state::{Job, JobStatus};

pub(super) fn cancel(reason: String) -> Vec<Payload> {
    vec![Payload::JobCancelled(JobCancelled { reason })]
}

/// Queued: cancelled at once, it never starts. Running: the worker is asked to stop; a
/// second request adds nothing.
pub(super) fn request_cancel(job: &Job, reason: String, by: String) -> Vec<Payload> {
    match job.status {
        JobStatus::Running if job.cancel_requested.is_some() => Vec::new(),
        JobStatus::Running => vec![Payload::JobCancelRequested(JobCancelRequested {
            reason,
            by,
        })],
        _ => cancel(cancel_reason(&by, &reason)),
    }
}

/// A deferral never counts as an attempt; from `Running` (a redelivered message whose
/// worker vanished) the lost attempt stays counted.
pub(super) fn defer(not_before: prost_types::Timestamp, reason: String) -> Vec<Payload> {
    vec![Payload::JobDeferred(JobDeferred {
        not_before: Some(not_before),
        reason,
        ..Default::default()
    })]
}

/// Only a failed (dead-lettered) job can be replayed.
pub(super) fn replay(job: &Job, by: String, reason: String) -> Result<Vec<Payload>, DecideError> {
    match job.status {
        JobStatus::New => Err(DecideError::NotFound),
        JobStatus::Failed => Ok(vec![Payload::JobReplayed(JobReplayed { by, reason })]),
        status => Err(DecideError::InvalidTransition {
            action: "replay",
            status,
            detail: "; only a failed (dead-lettered) job can be replayed".to_owned(),
        }),
    }
}
