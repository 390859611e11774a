//! `evolve`: the pure fold from events to state. No rules live here, only bookkeeping.

use jetcrawl_proto::v1::event::Payload;

use super::state::{Job, JobStatus};
use crate::envelope::RecordedEvent;

/// Applies one recorded event.
pub fn evolve(mut job: Job, recorded: &RecordedEvent) -> Job {
    let event = &recorded.event;
    job.last_sequence = recorded.sequence;
    job.updated_at = Some(recorded.occurred_at());
    match &event.payload {
        Some(Payload::JobSubmitted(submitted)) => {
            job.id = event.job_id.clone();
            job.tenant = event.tenant.clone();
            job.status = JobStatus::Queued;
            job.spec = submitted.spec.clone();
            job.idempotency_key = submitted.idempotency_key.clone();
            job.spec_sha256 = submitted.spec_sha256.clone();
            job.traceparent = event.traceparent.clone();
            job.submitted_at = Some(recorded.occurred_at());
            job.submitted_sequence = recorded.sequence;
        }
        Some(Payload::JobStarted(started)) => {
            job.status = JobStatus::Running;
            job.attempts = job.attempts.max(started.attempt);
            job.running_attempt = Some(started.attempt);
        }
        Some(Payload::JobAttemptFailed(failed)) => {
            job.running_attempt = None;
            if failed.retryable {
                job.status = JobStatus::Queued;
            }
            job.last_error = Some(failed.clone());
        }
        Some(Payload::JobSucceeded(succeeded)) => {
            job.status = JobStatus::Succeeded;
            job.running_attempt = None;
            job.result = Some(succeeded.clone());
        }
        Some(Payload::JobFailed(failed)) => {
            job.status = JobStatus::Failed;
            job.running_attempt = None;
            job.failure = Some(failed.clone());
        }
        Some(Payload::JobCancelled(_)) => {
            job.status = JobStatus::Cancelled;
            job.running_attempt = None;
        }
        // An event type newer than this build: keep the sequence, change nothing else.
        None => {}
    }
    job
}

/// Folds a whole history, oldest first.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a RecordedEvent>) -> Job {
    events.into_iter().fold(Job::default(), evolve)
}
