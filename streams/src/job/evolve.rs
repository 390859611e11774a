//! `evolve`: the pure fold from events to state. No rules live here, only bookkeeping.

use jetcrawl_proto::v1::AttemptError;
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
            job.work_sequence = recorded.sequence;
        }
        Some(Payload::JobStarted(started)) => {
            job.status = JobStatus::Running;
            job.attempts = job.attempts.max(started.attempt);
            job.running_attempt = Some(started.attempt);
            job.not_before = None;
            job.deferral = None;
        }
        Some(Payload::JobAttemptFailed(failed)) => {
            job.running_attempt = None;
            if failed.retryable {
                job.status = JobStatus::Queued;
            }
            job.attempt_errors.push(AttemptError {
                attempt: failed.attempt,
                error_class: failed.error_class.clone(),
                message: failed.message.clone(),
            });
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
        Some(Payload::JobDeferred(deferred)) => {
            // From Running, the lost attempt stays counted in `attempts`.
            job.status = JobStatus::Queued;
            job.running_attempt = None;
            job.not_before = deferred.not_before.as_ref().map(to_datetime);
            job.deferral = Some(deferred.clone());
            job.work_sequence = recorded.sequence;
        }
        Some(Payload::JobDeadLettered(_)) => job.dead_lettered = true,
        Some(Payload::JobReplayed(_)) => replayed(&mut job, recorded.sequence),
        Some(Payload::JobCancelRequested(requested)) => {
            job.cancel_requested = Some(requested.clone());
        }
        // Facts about the job's outputs (retention, webhooks): its lifecycle is over.
        Some(
            Payload::ResultExpired(_) | Payload::WebhookDelivered(_) | Payload::WebhookFailed(_),
        ) => {}
        // The JobFailed of the same batch ends the job.
        Some(Payload::RobotsDisallowed(_)) => {}
        // Audit actions (AUDIT_ACTIONS stream): never part of a job's history.
        Some(
            Payload::RobotsPolicyChanged(_)
            | Payload::SubjectErased(_)
            | Payload::SubjectDataExported(_)
            | Payload::RetentionRun(_)
            | Payload::ReportGenerated(_)
            | Payload::ApiKeyIssued(_)
            | Payload::ApiKeyRevoked(_),
        ) => {}
        // An event type newer than this build: keep the sequence, change nothing else.
        None => {}
    }
    job
}

/// A fresh round: attempts start again at 1, the history stays.
fn replayed(job: &mut Job, sequence: u64) {
    job.status = JobStatus::Queued;
    job.attempts = 0;
    job.running_attempt = None;
    job.last_error = None;
    job.failure = None;
    job.result = None;
    job.attempt_errors.clear();
    job.dead_lettered = false;
    job.cancel_requested = None;
    job.not_before = None;
    job.deferral = None;
    job.replays += 1;
    job.work_sequence = sequence;
}

fn to_datetime(t: &prost_types::Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32)
        .unwrap_or(chrono::DateTime::UNIX_EPOCH)
}

/// Folds a whole history, oldest first.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a RecordedEvent>) -> Job {
    events.into_iter().fold(Job::default(), evolve)
}
