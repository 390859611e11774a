//! The rules of attempts: concluding one, and the
//! dead-letter batch that ends a job whose attempts are used up.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    AttemptError, JobAttemptFailed, JobCancelled, JobDeadLettered, JobFailed, JobSucceeded,
};

use crate::error::DecideError;
use crate::evolve::apply;
use crate::state::Job;

/// Dead-letter reasons.
pub mod reason {
    /// The last allowed attempt failed with a retryable error.
    pub const ATTEMPTS_EXHAUSTED: &str = "attempts_exhausted";
    /// An attempt failed with an error no retry can fix (404, robots.txt, ...).
    pub const NON_RETRYABLE: &str = "non_retryable";
    /// The last allowed attempt's worker vanished (seen on redelivery).
    pub const WORKER_LOST: &str = "worker_lost";
    /// The work message ran out of deliveries (MAX_DELIVERIES advisory).
    pub const MAX_DELIVERIES: &str = "max_deliveries";
}

/// Error class of an attempt that never reported back.
pub const WORKER_LOST_CLASS: &str = "worker_lost";

pub(crate) fn succeed(job: &Job, mut succeeded: JobSucceeded) -> Result<Vec<Payload>, DecideError> {
    let attempt = running_attempt(job, "complete", succeeded.attempt)?;
    succeeded.attempt = attempt;
    Ok(vec![Payload::JobSucceeded(succeeded)])
}

/// A failed attempt; the last one (no attempt left, or not retryable) also dead-letters
/// and fails the job in the same batch. After a cancel request nothing is retried.
pub(crate) fn fail_attempt(
    job: &Job,
    mut failure: JobAttemptFailed,
    max_attempts: u32,
) -> Result<Vec<Payload>, DecideError> {
    let attempt = running_attempt(job, "fail an attempt of", failure.attempt)?;
    let retryable = failure.retryable;
    let cancelled = job.cancel_requested.as_ref();
    let last = !retryable || attempt >= max_attempts || cancelled.is_some();
    if last {
        failure.retryable = false;
        failure.next_attempt_at = None;
    }
    let mut events = vec![Payload::JobAttemptFailed(failure.clone())];
    if let Some(requested) = cancelled {
        events.push(Payload::JobCancelled(JobCancelled {
            reason: cancel_reason(&requested.by, &requested.reason),
        }));
    } else if last {
        // Dead-lettered as the job stands once this failure is recorded.
        let after = apply(job.clone(), &Payload::JobAttemptFailed(failure));
        let why = if retryable {
            reason::ATTEMPTS_EXHAUSTED
        } else {
            reason::NON_RETRYABLE
        };
        events.extend(dead_letter(&after, why.to_owned()));
    }
    Ok(events)
}

/// JobDeadLettered (with every attempt's error) then JobFailed: one atomic batch, the
/// terminal event last so a watcher that stops at it has seen both.
pub(crate) fn dead_letter(job: &Job, reason: String) -> Vec<Payload> {
    let attempts = attempt_errors(job);
    let (error_class, message) = final_error(job, &reason);
    vec![
        Payload::JobDeadLettered(JobDeadLettered {
            reason,
            attempts,
            error_class: error_class.clone(),
            message: message.clone(),
        }),
        Payload::JobFailed(JobFailed {
            attempts: job.attempts,
            error_class,
            message,
        }),
    ]
}

/// One error per attempt of this round; an attempt without a recorded failure was lost.
pub(crate) fn attempt_errors(job: &Job) -> Vec<AttemptError> {
    (1..=job.attempts)
        .map(|n| {
            job.attempt_errors
                .iter()
                .rev()
                .find(|e| e.attempt == n)
                .cloned()
                .unwrap_or_else(|| AttemptError {
                    attempt: n,
                    error_class: WORKER_LOST_CLASS.to_owned(),
                    message: format!(
                        "attempt {n} never reported back: its worker stopped or lost the job"
                    ),
                })
        })
        .collect()
}

/// The error the job fails with: the last attempt's, or a lost worker's.
fn final_error(job: &Job, reason: &str) -> (String, String) {
    let lost_last = job.running_attempt.is_some()
        || job.last_error.as_ref().map(|e| e.attempt) != Some(job.attempts);
    match &job.last_error {
        Some(last) if !lost_last => (
            last.error_class.clone(),
            format!("{}: {}", attempts_used(job.attempts), last.message),
        ),
        _ if job.attempts == 0 => (
            reason.to_owned(),
            format!(
                "the job's work message ran out of deliveries ({reason}) before any attempt started"
            ),
        ),
        _ => (
            WORKER_LOST_CLASS.to_owned(),
            format!(
                "{}: the last one never reported back (its worker stopped)",
                attempts_used(job.attempts)
            ),
        ),
    }
}

fn attempts_used(attempts: u32) -> String {
    match attempts {
        1 => "failed after 1 attempt".to_owned(),
        n => format!("failed after {n} attempts"),
    }
}

/// The JobCancelled reason after a cancel request by `by`.
pub fn cancel_reason(by: &str, reason: &str) -> String {
    if reason.is_empty() {
        format!("cancel requested by {by}")
    } else {
        format!("cancel requested by {by}: {reason}")
    }
}

fn running_attempt(job: &Job, action: &'static str, attempt: u32) -> Result<u32, DecideError> {
    match job.running_attempt {
        Some(running) if running == attempt => Ok(running),
        Some(running) => Err(DecideError::InvalidTransition {
            action,
            status: job.status,
            detail: format!(": attempt {attempt} is stale, attempt {running} is running"),
        }),
        None => Err(DecideError::InvalidTransition {
            action,
            status: job.status,
            detail: format!(": attempt {attempt} is not running"),
        }),
    }
}
