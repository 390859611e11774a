//! Recording a job's attempt in its history: begin it (or defer it, or find there is
//! nothing to do), then conclude it. Both go through the job's one write path,
//! `EventStore::execute`: `decide` on the job's state, append at its last sequence, and
//! on a concurrent change read and decide again.

mod intent;

use chrono::Utc;
use jetcrawl_privacy::PrivacyError;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::job::fold;
use jetcrawl_streams::{
    Basis, Command, DecideError, EventStore, ExecuteError, Job, RecordedEvent, Retry,
};

use crate::gate::{AlwaysReady, SlotGate};
use intent::StartIntent;

/// What beginning an attempt led to.
#[derive(Debug)]
pub enum Started {
    /// Run attempt `attempt`; `job` already includes the JobStarted event.
    Run {
        /// The job after JobStarted, its spec opened.
        job: Box<Job>,
        /// The attempt number.
        attempt: u32,
    },
    /// Attempts ran out (earlier workers vanished): JobDeadLettered and JobFailed were
    /// recorded.
    Exhausted,
    /// A cancel had been requested: JobCancelled was recorded instead of a start.
    Cancelled,
    /// The gate asked to wait: JobDeferred was recorded; its own message carries on.
    Deferred {
        /// When the job may start.
        not_before: chrono::DateTime<Utc>,
    },
    /// The job is deferred until this instant: put the message back until then. The
    /// delay is computed when the message is put back, so the time spent reading the
    /// history is not added to the politeness wait.
    Wait(chrono::DateTime<Utc>),
    /// Nothing to do: the job ended already, does not exist, or this message is stale.
    Discard(String),
    /// robots.txt disallows one of the job's URLs: RobotsDisallowed, JobDeadLettered and
    /// JobFailed were recorded (the rule that matched).
    Refused(String),
}

/// How recording an attempt's outcome went.
#[derive(Debug)]
pub enum Concluded {
    /// These events were recorded.
    Recorded(Vec<Payload>),
    /// The job ended without us (cancelled, dead-lettered): the message is done.
    Ended(String),
    /// Another attempt runs the job now: leave its message alone.
    Superseded(String),
}

/// Why a history write did not happen; the message is redelivered and tried again.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Beginning the attempt failed (the event log, or opening the job's spec).
    #[error(transparent)]
    Begin(#[from] ExecuteError<PrivacyError>),
    /// Recording the attempt's outcome failed.
    #[error(transparent)]
    Conclude(#[from] ExecuteError),
}

/// Records a job's attempts as one worker.
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
    /// Opens sealed specs (ADR 0023); `None` only where every spec is stored in clear.
    pub privacy: Option<jetcrawl_privacy::SubjectKeys>,
    /// Names the proxy a starting attempt will use in `JobStarted.proxy` (ADR 0019).
    pub egress: Option<crate::egress::Egress>,
}

impl Recorder {
    /// Records the start of the job's next attempt (no gate, any message).
    pub async fn start(&self, job_id: &str) -> Result<Started, RecordError> {
        self.begin(job_id, 0, &AlwaysReady).await
    }

    /// Begins the next attempt of `job_id` for its work message at stream sequence
    /// `work_sequence` (0: do not check): a stale message is discarded, a deferred job
    /// waits, and the gate may defer the start.
    pub async fn begin(
        &self,
        job_id: &str,
        work_sequence: u64,
        gate: &dyn SlotGate,
    ) -> Result<Started, RecordError> {
        self.begin_from(job_id, None, work_sequence, gate).await
    }

    /// [`Self::begin`], deciding first on the job as `submitted` leaves it when the work
    /// message is the job's JobSubmitted: a job whose history is that one event (the
    /// usual first attempt) then needs no read at all (`execute`'s fast path).
    pub async fn begin_from(
        &self,
        job_id: &str,
        submitted: Option<RecordedEvent>,
        work_sequence: u64,
        gate: &dyn SlotGate,
    ) -> Result<Started, RecordError> {
        let basis = match submitted {
            Some(event) if is_submitted_of(&event, job_id) => {
                Basis::Guess(Box::new(fold([&event])))
            }
            _ => Basis::Load,
        };
        let mut intent = StartIntent {
            recorder: self,
            work_sequence,
            gate,
            slot: None,
            opened: None,
        };
        let now = Utc::now();
        let executed = self
            .store
            .execute(
                job_id,
                basis,
                &self.actor,
                &mut intent,
                now,
                Retry::CONFLICTS_ONLY,
            )
            .await;
        let started = match executed {
            Ok(done) => Ok(started(done.job, &done.payloads, intent.opened.take())),
            Err(ExecuteError::Refused {
                error: DecideError::NotYet { until },
                ..
            }) => Ok(Started::Wait(until)),
            Err(ExecuteError::Refused { error, .. }) => {
                Ok(Started::Discard(discard_reason(&error)))
            }
            Err(err) => Err(err.into()),
        };
        if !matches!(started, Ok(Started::Run { .. })) {
            intent.release_unused().await;
        }
        started
    }

    /// Records the end of the running attempt (`Succeed`, `FailAttempt` or `Cancel`),
    /// deciding first on the job as the attempt began.
    pub async fn conclude(&self, job: &Job, command: Command) -> Result<Concluded, RecordError> {
        let executed = self
            .store
            .execute(
                &job.id,
                Basis::Guess(Box::new(job.clone())),
                &self.actor,
                command,
                Utc::now(),
                Retry::CONFLICTS_ONLY,
            )
            .await;
        match executed {
            Ok(done) => Ok(Concluded::Recorded(done.payloads)),
            Err(ExecuteError::Refused {
                error: error @ DecideError::Terminal { .. },
                ..
            }) => Ok(Concluded::Ended(discard_reason(&error))),
            Err(ExecuteError::Refused { error, .. }) => {
                Ok(Concluded::Superseded(discard_reason(&error)))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Opens the job's sealed spec: the worker's one decryption point, so the gate and
    /// the executor see plain URLs (or `[erased]` once the subject was erased).
    pub(crate) async fn open(&self, mut job: Job) -> Result<Job, PrivacyError> {
        if let (Some(privacy), Some(spec)) = (&self.privacy, &job.spec) {
            let opened = privacy.open_spec(&job.tenant, spec).await.inspect_err(|err| {
                if matches!(err, PrivacyError::KeyMissing { .. }) {
                    // Not an erasure: the job waits (redelivered) and an operator is alarmed.
                    metrics::counter!("jetcrawl_subject_key_missing_total").increment(1);
                    tracing::error!(job_id = %job.id, error = %err, "subject key missing without an erasure");
                }
            })?;
            job.spec = Some(opened.spec);
        }
        Ok(job)
    }
}

/// True when `event` is the JobSubmitted of `job_id`.
fn is_submitted_of(event: &RecordedEvent, job_id: &str) -> bool {
    event.event.job_id == job_id && matches!(event.payload(), Some(Payload::JobSubmitted(_)))
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("actor", &self.actor)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

/// What the recorded events mean for the message; a started job carries the spec
/// opened for the slot (the recorded state holds it sealed).
fn started(mut job: Job, payloads: &[Payload], opened: Option<Job>) -> Started {
    match payloads.first() {
        Some(Payload::JobStarted(s)) => {
            if let Some(opened) = opened {
                job.spec = opened.spec;
            }
            Started::Run {
                attempt: s.attempt,
                job: Box::new(job),
            }
        }
        Some(Payload::JobDeferred(_)) => Started::Deferred {
            not_before: job.not_before.unwrap_or_else(Utc::now),
        },
        Some(Payload::JobCancelled(_)) => Started::Cancelled,
        Some(Payload::RobotsDisallowed(refused)) => Started::Refused(refused.rule.clone()),
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
