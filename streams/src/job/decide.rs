//! `decide`: every rule about which events a command may produce. Pure: no I/O, no clock
//! (times arrive inside commands).

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    JobAttemptFailed, JobDeferred, JobSpec, JobSubmitted, JobSucceeded, RobotsDisallowed,
};
use thiserror::Error;

use super::attempt::{dead_letter, fail_attempt, start, succeed};
use super::control::{cancel, defer, replay, request_cancel};
use super::robots::refuse_robots;
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
    /// End the job as cancelled now (a queued job, or the worker stopping a running one
    /// at a step boundary).
    Cancel {
        /// Why.
        reason: String,
    },
    /// A client asks to cancel: a queued job is cancelled at once, a running one gets
    /// JobCancelRequested and its worker stops at the next step boundary.
    RequestCancel {
        /// Why.
        reason: String,
        /// Who asks, e.g. `client:<tenant>`.
        by: String,
    },
    /// A politeness wait: the job may not start before `not_before`. Never consumes an
    /// attempt.
    Defer {
        /// When the job may start.
        not_before: prost_types::Timestamp,
        /// Why, e.g. the domain's crawl-delay.
        reason: String,
    },
    /// A politeness wait with its domain and cause (see `Defer`). Never consumes an
    /// attempt.
    Wait(JobDeferred),
    /// robots.txt disallows one of the job's URLs: end it without an attempt (not
    /// retryable, dead-lettered so an admin can replay it after a robots override).
    RefuseRobots(RobotsDisallowed),
    /// The job's work message ran out of deliveries (MAX_DELIVERIES advisory): fail it
    /// and put it in the dead-letter queue.
    DeadLetter {
        /// Why, e.g. `max_deliveries`.
        reason: String,
        /// Stream sequence of the exhausted work message; refused unless it is still
        /// the job's work message (0: do not check).
        work_sequence: u64,
    },
    /// An admin replays a dead-lettered job with a fresh set of attempts.
    Replay {
        /// Who replays it, e.g. `admin:<name>`.
        by: String,
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

/// Decides which events `command` produces from `job`. An empty list means the command
/// is already satisfied (e.g. a second cancel request).
pub fn decide(job: &Job, command: Command) -> Result<Vec<Payload>, DecideError> {
    if let Command::Submit {
        spec,
        idempotency_key,
        spec_sha256,
    } = command
    {
        return submit(job, spec, idempotency_key, spec_sha256);
    }
    if let Command::Replay { by, reason } = command {
        return replay(job, by, reason);
    }
    live(job)?;
    match command {
        Command::Start {
            worker_id,
            max_attempts,
        } => Ok(start(job, worker_id, max_attempts)),
        Command::Succeed(succeeded) => succeed(job, succeeded),
        Command::FailAttempt {
            failure,
            max_attempts,
        } => fail_attempt(job, failure, max_attempts),
        Command::Cancel { reason } => Ok(cancel(reason)),
        Command::RequestCancel { reason, by } => Ok(request_cancel(job, reason, by)),
        Command::Defer { not_before, reason } => Ok(defer(not_before, reason)),
        Command::Wait(deferred) => Ok(vec![Payload::JobDeferred(deferred)]),
        Command::RefuseRobots(disallowed) => Ok(refuse_robots(job, disallowed)),
        Command::DeadLetter {
            reason,
            work_sequence,
        } => {
            if work_sequence != 0 && work_sequence != job.work_sequence {
                return Err(DecideError::InvalidTransition {
                    action: "dead-letter",
                    status: job.status,
                    detail: format!(
                        ": work message {work_sequence} is stale, the job's is {}",
                        job.work_sequence
                    ),
                });
            }
            Ok(dead_letter(job, reason))
        }
        Command::Submit { .. } | Command::Replay { .. } => Ok(Vec::new()),
    }
}

/// Only a job that exists and has not ended accepts commands other than Submit/Replay.
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
        ..Default::default()
    })])
}
