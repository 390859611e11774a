//! The rules of starting an attempt: only the current work message starts one, not
//! before a deferral is over; a cancel request or used-up attempts end the job instead;
//! and the crawl controller's answer may turn the start into a deferral or a robots.txt
//! refusal.

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobCancelled, JobDeferred, JobStarted};

use crate::attempt::{cancel_reason, dead_letter, reason};
use crate::command::Admission;
use crate::error::DecideError;
use crate::recorded::to_timestamp;
use crate::robots::refuse_robots;
use crate::state::{Job, JobStatus};

/// A start from `Running` means the previous attempt's worker vanished (its message was
/// redelivered): that attempt counts, and the next one begins if any is left. A
/// deferral never consumes an attempt.
pub(crate) fn start(
    job: &Job,
    worker_id: String,
    max_attempts: u32,
    admission: Admission,
    proxy: String,
    now: DateTime<Utc>,
) -> Result<Vec<Payload>, DecideError> {
    if job.status == JobStatus::Queued
        && let Some(until) = job.not_before.filter(|until| *until > now)
    {
        return Err(DecideError::NotYet { until });
    }
    if let Some(requested) = &job.cancel_requested {
        return Ok(vec![Payload::JobCancelled(JobCancelled {
            reason: cancel_reason(&requested.by, &requested.reason),
        })]);
    }
    let attempt = job.attempts + 1;
    if attempt > max_attempts {
        return Ok(dead_letter(job, reason::WORKER_LOST.to_owned()));
    }
    Ok(match admission {
        Admission::Ready => vec![Payload::JobStarted(JobStarted {
            attempt,
            worker_id,
            proxy,
        })],
        Admission::Wait { not_before, reason } => vec![Payload::JobDeferred(JobDeferred {
            not_before: Some(to_timestamp(not_before)),
            reason,
            ..Default::default()
        })],
        Admission::Defer(deferred) => vec![Payload::JobDeferred(deferred)],
        Admission::Refuse(refused) => refuse_robots(job, refused),
    })
}
