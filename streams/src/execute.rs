//! Running a command against a job's history: load, `decide`, append with the job's last
//! sequence expected, and on a concurrent change re-read and decide again.

use jetcrawl_proto::v1::event::Payload;
use thiserror::Error;

use crate::envelope::{RecordedEvent, new_event};
use crate::error::StoreError;
use crate::job::{Command, DecideError, Job, decide, evolve};
use crate::store::EventStore;

/// Appends tried before giving up on a job that keeps changing under us.
const TRIES: usize = 5;

/// What a command recorded.
#[derive(Debug, Clone)]
pub struct Executed {
    /// The job after the events.
    pub job: Job,
    /// The events recorded; empty when the command was already satisfied.
    pub payloads: Vec<Payload>,
}

/// Why a command recorded nothing.
#[derive(Debug, Error)]
pub enum ExecuteError {
    /// The state machine refused it; `job` is the state it was decided on.
    #[error("{error}")]
    Refused {
        /// The job as read.
        job: Box<Job>,
        /// The refusal.
        error: DecideError,
    },
    /// The event log is unreachable; retry later.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The job kept changing concurrently.
    #[error("job {0} changed {TRIES} times while recording; retry")]
    Contended(String),
}

impl EventStore {
    /// Decides `command` on the job's current history and appends its events as `actor`.
    pub async fn execute(
        &self,
        job_id: &str,
        actor: &str,
        command: Command,
    ) -> Result<Executed, ExecuteError> {
        for _ in 0..TRIES {
            let job = self.load(job_id).await?;
            let payloads =
                decide(&job, command.clone()).map_err(|error| ExecuteError::Refused {
                    job: Box::new(job.clone()),
                    error,
                })?;
            if payloads.is_empty() {
                return Ok(Executed { job, payloads });
            }
            match self.append_decided(&job, actor, &payloads).await {
                Ok(job) => return Ok(Executed { job, payloads }),
                Err(StoreError::Conflict { .. }) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(ExecuteError::Contended(job_id.to_owned()))
    }

    /// Appends `payloads` (decided on `job`) after its last event, as one atomic batch,
    /// and returns the job with them applied.
    pub async fn append_decided(
        &self,
        job: &Job,
        actor: &str,
        payloads: &[Payload],
    ) -> Result<Job, StoreError> {
        let events: Vec<_> = payloads
            .iter()
            .map(|p| new_event(&job.id, &job.tenant, actor, &job.traceparent, p.clone()))
            .collect();
        let appended = self.append(job.last_sequence, &events).await?;
        let first = appended.sequence + 1 - events.len() as u64;
        Ok(events
            .into_iter()
            .enumerate()
            .fold(job.clone(), |job, (i, event)| {
                evolve(
                    job,
                    &RecordedEvent {
                        sequence: first + i as u64,
                        event,
                    },
                )
            }))
    }
}
