//! The rules of outside control: cancellation and replays.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobCancelRequested, JobCancelled, JobReplayed};

use crate::attempt::cancel_reason;
use crate::error::DecideError;
use crate::state::{Job, JobStatus};

pub(crate) fn cancel(reason: String) -> Vec<Payload> {
    vec![Payload::JobCancelled(JobCancelled { reason })]
}

/// Queued: cancelled at once, it never starts. Running: the worker is asked to stop; a
/// second request adds nothing.
pub(crate) fn request_cancel(job: &Job, reason: String, by: String) -> Vec<Payload> {
    match job.status {
        JobStatus::Running if job.cancel_requested.is_some() => Vec::new(),
        JobStatus::Running => vec![Payload::JobCancelRequested(JobCancelRequested {
            reason,
            by,
        })],
        _ => cancel(cancel_reason(&by, &reason)),
    }
}

/// Only a failed (dead-lettered) job can be replayed.
pub(crate) fn replay(job: &Job, by: String, reason: String) -> Result<Vec<Payload>, DecideError> {
    match job.status {
        JobStatus::New => Err(DecideError::NotFound),
        // A crawl's pages are its work: it never runs as an attempt to replay (ADR 0047).
        JobStatus::Failed if job.crawl.is_some() => Err(DecideError::InvalidTransition {
            action: "replay",
            status: job.status,
            detail: "; a crawl is not replayed: submit it again".to_owned(),
        }),
        JobStatus::Failed => Ok(vec![Payload::JobReplayed(JobReplayed { by, reason })]),
        status => Err(DecideError::InvalidTransition {
            action: "replay",
            status,
            detail: "; only a failed (dead-lettered) job can be replayed".to_owned(),
        }),
    }
}
