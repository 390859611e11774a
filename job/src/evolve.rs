//! `evolve`: the pure fold from events to state. No rules live here, only bookkeeping.

use jetcrawl_proto::v1::AttemptError;
use jetcrawl_proto::v1::event::Payload;

use crate::crawl::CrawlState;
use crate::recorded::{RecordedEvent, to_datetime};
use crate::state::{Job, JobStatus, WebhookOutcome};

/// Applies one recorded event.
pub fn evolve(mut job: Job, recorded: &RecordedEvent) -> Job {
    let event = &recorded.event;
    job.last_sequence = recorded.sequence;
    job.updated_at = Some(recorded.occurred_at());
    let Some(payload) = &event.payload else {
        // An event type newer than this build: keep the sequence, change nothing else.
        return job;
    };
    match payload {
        Payload::JobSubmitted(_) => {
            job.id = event.job_id.clone();
            job.tenant = event.tenant.clone();
            job.traceparent = event.traceparent.clone();
            job.submitted_at = Some(recorded.occurred_at());
            job.submitted_sequence = recorded.sequence;
            job.work_sequence = recorded.sequence;
        }
        Payload::JobDeferred(_) | Payload::JobReplayed(_) => {
            job.work_sequence = recorded.sequence;
        }
        _ => {}
    }
    apply(job, payload)
}

/// What `payload` changes in the job, apart from its envelope and stream sequence.
/// `decide` also uses it to see the job as one of its own events leaves it.
pub(crate) fn apply(mut job: Job, payload: &Payload) -> Job {
    match payload {
        Payload::JobSubmitted(submitted) => {
            job.status = JobStatus::Queued;
            job.spec = submitted.spec.clone();
            job.idempotency_key = submitted.idempotency_key.clone();
            job.spec_sha256 = submitted.spec_sha256.clone();
            job.subject_ref = submitted.subject_ref.clone();
            job.crawl = submitted
                .spec
                .as_ref()
                .and_then(|spec| spec.crawl.as_ref())
                .map(|crawl| CrawlState::new(crawl.max_pages));
        }
        Payload::JobStarted(started) => {
            job.status = JobStatus::Running;
            job.attempts = job.attempts.max(started.attempt);
            job.running_attempt = Some(started.attempt);
            job.agent_entries = 0;
            job.not_before = None;
            job.deferral = None;
        }
        Payload::JobAttemptFailed(failed) => {
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
        Payload::JobSucceeded(succeeded) => {
            job.status = JobStatus::Succeeded;
            job.running_attempt = None;
            job.result = Some(succeeded.clone());
            job.result_expired = false;
        }
        Payload::JobFailed(failed) => {
            job.status = JobStatus::Failed;
            job.running_attempt = None;
            job.failure = Some(failed.clone());
        }
        Payload::JobCancelled(_) => {
            job.status = JobStatus::Cancelled;
            job.running_attempt = None;
        }
        Payload::JobDeferred(deferred) => {
            // From Running, the lost attempt stays counted in `attempts`.
            job.status = JobStatus::Queued;
            job.running_attempt = None;
            job.not_before = deferred.not_before.as_ref().map(to_datetime);
            job.deferral = Some(deferred.clone());
        }
        Payload::JobDeadLettered(_) => job.dead_lettered = true,
        Payload::JobReplayed(_) => job = replayed(job),
        Payload::JobCancelRequested(requested) => {
            job.cancel_requested = Some(requested.clone());
        }
        Payload::ResultExpired(_) => job.result_expired = true,
        Payload::WebhookDelivered(delivered) => job.webhooks.push(WebhookOutcome {
            webhook_id: delivered.webhook_id.clone(),
            attempt: delivered.attempt,
            delivered: true,
        }),
        Payload::WebhookFailed(failed) => job.webhooks.push(WebhookOutcome {
            webhook_id: failed.webhook_id.clone(),
            attempt: failed.attempt,
            delivered: false,
        }),
        // The JobFailed of the same batch ends the job.
        Payload::RobotsDisallowed(_) => {}
        Payload::AgentTurn(turn) => {
            job.agent_entries = turn.entry;
            job.agent_tokens.0 += turn.prompt_tokens;
            job.agent_tokens.1 += turn.completion_tokens;
        }
        Payload::StepExecuted(step) => job.agent_entries = step.entry,
        Payload::AgentFinished(finished) => job.agent_entries = finished.entry,
        Payload::CrawlPagesQueued(_) | Payload::CrawlPageFinished(_) => {
            if job.status == JobStatus::Queued {
                job.status = JobStatus::Running;
            }
            if let Some(crawl) = job.crawl.as_mut() {
                crawl.apply(payload);
            }
        }
    }
    job
}

/// A fresh round: attempts start again at 1, the history stays.
fn replayed(job: Job) -> Job {
    Job {
        status: JobStatus::Queued,
        attempts: 0,
        running_attempt: None,
        last_error: None,
        failure: None,
        result: None,
        attempt_errors: Vec::new(),
        dead_lettered: false,
        cancel_requested: None,
        not_before: None,
        deferral: None,
        replays: job.replays + 1,
        ..job
    }
}

/// Folds a whole history, oldest first.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a RecordedEvent>) -> Job {
    events.into_iter().fold(Job::default(), evolve)
}
