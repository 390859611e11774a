//! `decide`: every rule about which events a command may produce. Pure: no I/O, no clock
//! (times arrive inside commands).

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    JobAttemptFailed, JobCancelled, JobFailed, JobSpec, JobStarted, JobSubmitted, JobSucceeded,
};
use thiserror::Error;

use super::state::{Job, JobStatus};

/// What someone asks of a job.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A client submits the job.
    Submit {
        /// Validated spec.
        spec: JobSpec,
        /// Client idempotency key, possibly empty.
        idempotency_key: String,
        /// sha256 of the spec's canonical encoding.
        spec_sha256: String,
    },
    /// A worker begins an attempt.
    Start {
        /// Worker identity.
        worker_id: String,
        /// Attempts allowed in all (1 + retries).
        max_attempts: u32,
    },
    /// The running attempt produced its result.
    Succeed(JobSucceeded),
    /// The running attempt failed.
    FailAttempt {
        /// The failure; `next_attempt_at` is the caller's backoff proposal.
        failure: JobAttemptFailed,
        /// Attempts allowed in all (1 + retries).
        max_attempts: u32,
    },
    /// Someone cancels the job.
    Cancel {
        /// Why.
        reason: String,
    },
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecideError {
    /// The job has no history.
    #[error("job does not exist")]
    NotFound,
    /// Submit of a job that already exists.
    #[error("job already submitted (stream sequence {sequence})")]
    AlreadySubmitted {
        /// Sequence of the original JobSubmitted.
        sequence: u64,
    },
    /// The job already ended.
    #[error("job is already {}", status.as_str())]
    Terminal {
        /// Its final status.
        status: JobStatus,
    },
    /// A command that does not fit the current state.
    #[error("cannot {action} a job that is {}{detail}", status.as_str())]
    InvalidTransition {
        /// What was attempted.
        action: &'static str,
        /// The job's status.
        status: JobStatus,
        /// Extra context, starting with a separator.
        detail: String,
    },
}

/// Decides which events `command` produces from `job`.
pub fn decide(job: &Job, command: Command) -> Result<Vec<Payload>, DecideError> {
    match command {
        Command::Submit {
            spec,
            idempotency_key,
            spec_sha256,
        } => submit(job, spec, idempotency_key, spec_sha256),
        Command::Start {
            worker_id,
            max_attempts,
        } => {
            live(job)?;
            start(job, worker_id, max_attempts)
        }
        Command::Succeed(succeeded) => {
            live(job)?;
            succeed(job, succeeded)
        }
        Command::FailAttempt {
            failure,
            max_attempts,
        } => {
            live(job)?;
            fail_attempt(job, failure, max_attempts)
        }
        Command::Cancel { reason } => {
            live(job)?;
            Ok(vec![Payload::JobCancelled(JobCancelled { reason })])
        }
    }
}

/// Only a job that exists and has not ended accepts commands other than Submit.
fn live(job: &Job) -> Result<(), DecideError> {
    match job.status {
        JobStatus::New => Err(DecideError::NotFound),
        status if status.is_terminal() => Err(DecideError::Terminal { status }),
        _ => Ok(()),
    }
}

fn submit(
    job: &Job,
    spec: JobSpec,
    idempotency_key: String,
    spec_sha256: String,
) -> Result<Vec<Payload>, DecideError> {
    if job.status != JobStatus::New {
        return Err(DecideError::AlreadySubmitted {
            sequence: job.submitted_sequence,
        });
    }
    Ok(vec![Payload::JobSubmitted(JobSubmitted {
        spec: Some(spec),
        idempotency_key,
        spec_sha256,
    })])
}

/// A start from `Running` means the previous attempt's worker vanished (its message was
/// redelivered): that attempt counts, and the next one begins if any is left.
fn start(job: &Job, worker_id: String, max_attempts: u32) -> Result<Vec<Payload>, DecideError> {
    let attempt = job.attempts + 1;
    if attempt > max_attempts {
        let message = match &job.last_error {
            Some(last) => format!(
                "{} attempts used; last error: {}",
                job.attempts, last.message
            ),
            None => format!(
                "{} attempts used; the last one never reported back",
                job.attempts
            ),
        };
        let error_class = match &job.last_error {
            Some(last) => last.error_class.clone(),
            None => "worker_lost".to_owned(),
        };
        return Ok(vec![Payload::JobFailed(JobFailed {
            attempts: job.attempts,
            error_class,
            message,
        })]);
    }
    Ok(vec![Payload::JobStarted(JobStarted { attempt, worker_id })])
}

fn succeed(job: &Job, mut succeeded: JobSucceeded) -> Result<Vec<Payload>, DecideError> {
    let attempt = running_attempt(job, "complete", succeeded.attempt)?;
    succeeded.attempt = attempt;
    Ok(vec![Payload::JobSucceeded(succeeded)])
}

fn fail_attempt(
    job: &Job,
    mut failure: JobAttemptFailed,
    max_attempts: u32,
) -> Result<Vec<Payload>, DecideError> {
    let attempt = running_attempt(job, "fail an attempt of", failure.attempt)?;
    let last = !failure.retryable || attempt >= max_attempts;
    if last {
        failure.retryable = false;
        failure.next_attempt_at = None;
    }
    let mut events = vec![Payload::JobAttemptFailed(failure.clone())];
    if last {
        events.push(Payload::JobFailed(JobFailed {
            attempts: attempt,
            error_class: failure.error_class,
            message: failure.message,
        }));
    }
    Ok(events)
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
