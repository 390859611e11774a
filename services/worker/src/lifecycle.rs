//! Recording a job's attempt in its history: start it, then conclude it. Each append
//! expects the job's last sequence; on a conflict the job is re-read and the command
//! decided again, a bounded number of times.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::{
    Command, DecideError, EventStore, Job, RecordedEvent, StoreError, decide, evolve, new_event,
};

/// Appends tried before giving up on a job that keeps changing under us.
const APPEND_TRIES: usize = 5;

/// What starting an attempt led to.
#[derive(Debug)]
pub enum Started {
    /// Run attempt `attempt`; `job` already includes the JobStarted event.
    Run {
        /// The job after JobStarted.
        job: Box<Job>,
        /// The attempt number.
        attempt: u32,
    },
    /// Attempts ran out (earlier workers vanished): JobFailed was recorded.
    Exhausted,
    /// Nothing to do: the job ended already, or does not exist.
    Discard(String),
}

/// Why a history write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The event log is unreachable; try again later.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The job kept changing concurrently.
    #[error("job {0} changed {APPEND_TRIES} times while recording; giving up for now")]
    Contended(String),
}

/// Records events through `decide`, retrying on concurrent changes.
#[derive(Clone)]
pub struct Recorder {
    /// The event log.
    pub store: EventStore,
    /// `worker:<id>`.
    pub actor: String,
    /// Worker id for JobStarted.
    pub worker_id: String,
    /// Attempts allowed in all.
    pub max_attempts: u32,
}

impl Recorder {
    /// Loads the job and records the start of its next attempt.
    pub async fn start(&self, job_id: &str) -> Result<Started, RecordError> {
        let mut job = self.store.load(job_id).await?;
        for _ in 0..APPEND_TRIES {
            let command = Command::Start {
                worker_id: self.worker_id.clone(),
                max_attempts: self.max_attempts,
            };
            let payloads = match decide(&job, command) {
                Ok(payloads) => payloads,
                Err(err) => return Ok(Started::Discard(discard_reason(&err))),
            };
            match self.append(&job, &payloads).await {
                Ok(after) => return Ok(started(after, &payloads)),
                Err(StoreError::Conflict { .. }) => job = self.store.load(job_id).await?,
                Err(err) => return Err(err.into()),
            }
        }
        Err(RecordError::Contended(job_id.to_owned()))
    }

    /// Records the end of the running attempt (`Succeed` or `FailAttempt`). Returns the
    /// payloads recorded, or `None` when the job moved on without us (it ended, or
    /// another worker took the attempt over).
    pub async fn conclude(
        &self,
        job: &Job,
        command: Command,
    ) -> Result<Option<Vec<Payload>>, RecordError> {
        let mut job = job.clone();
        for _ in 0..APPEND_TRIES {
            let payloads = match decide(&job, command.clone()) {
                Ok(payloads) => payloads,
                Err(err) => {
                    tracing::warn!(reason = %discard_reason(&err), "attempt outcome not recorded");
                    return Ok(None);
                }
            };
            match self.append(&job, &payloads).await {
                Ok(_) => return Ok(Some(payloads)),
                Err(StoreError::Conflict { .. }) => job = self.store.load(&job.id).await?,
                Err(err) => return Err(err.into()),
            }
        }
        Err(RecordError::Contended(job.id.clone()))
    }

    /// Appends `payloads` after the job's last event; returns the job with them applied.
    async fn append(&self, job: &Job, payloads: &[Payload]) -> Result<Job, StoreError> {
        let events: Vec<_> = payloads
            .iter()
            .map(|p| {
                new_event(
                    &job.id,
                    &job.tenant,
                    &self.actor,
                    &job.traceparent,
                    p.clone(),
                )
            })
            .collect();
        let appended = self.store.append(job.last_sequence, &events).await?;
        let count = events.len() as u64;
        let first = appended.sequence + 1 - count;
        let folded = events
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
            });
        Ok(folded)
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("actor", &self.actor)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

fn started(job: Job, payloads: &[Payload]) -> Started {
    match payloads.first() {
        Some(Payload::JobStarted(s)) => Started::Run {
            attempt: s.attempt,
            job: Box::new(job),
        },
        _ => Started::Exhausted,
    }
}

fn discard_reason(err: &DecideError) -> String {
    match err {
        DecideError::Terminal { status } => {
            format!("job already {} (duplicate delivery)", status.as_str())
        }
        DecideError::NotFound => "job has no history".to_owned(),
        other => other.to_string(),
    }
}
