//! Recording a job's attempt in its history: begin it (or defer it, or find there is
//! nothing to do), then conclude it. Each append expects the job's last sequence; on a
//! conflict the job is re-read and the command decided again, a bounded number of times.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::job::fold;
use jetcrawl_streams::{
    Command, DecideError, EventStore, Job, JobStatus, RecordedEvent, StoreError, decide,
};

use crate::gate::{AlwaysReady, AttemptOutcome, Slot, SlotGate};

/// Appends tried before giving up on a job that keeps changing under us.
const APPEND_TRIES: usize = 5;

/// What beginning an attempt led to.
#[derive(Debug)]
pub enum Started {
    /// Run attempt `attempt`; `job` already includes the JobStarted event.
    Run {
        /// The job after JobStarted.
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
        not_before: DateTime<Utc>,
    },
    /// The job is deferred until later: put the message back for this long.
    Wait(Duration),
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
    /// Opens sealed specs (ADR 0023); `None` only where every spec is stored in clear.
    pub privacy: Option<jetcrawl_privacy::SubjectKeys>,
    /// Names the proxy a starting attempt will use in `JobStarted.proxy` (ADR 0019).
    pub egress: Option<crate::egress::Egress>,
}

impl Recorder {
    /// Loads the job and records the start of its next attempt (no gate, any message).
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

    /// [`Self::begin`], starting from `submitted` when the work message is the job's
    /// JobSubmitted: a job whose history is that one event (the usual first attempt)
    /// then needs no read at all. The guess is safe because the append expects the
    /// job's last sequence to be the JobSubmitted's: if anything was appended since, the
    /// append is refused and the job is read and decided again. A decision not to append
    /// is never taken on the guess.
    pub async fn begin_from(
        &self,
        job_id: &str,
        submitted: Option<RecordedEvent>,
        work_sequence: u64,
        gate: &dyn SlotGate,
    ) -> Result<Started, RecordError> {
        let (mut job, mut guessed) = match submitted {
            Some(event) if is_submitted_of(&event, job_id) => {
                (self.open(fold([&event])).await?, true)
            }
            _ => (self.load(job_id).await?, false),
        };
        let mut slot = None;
        for _ in 0..APPEND_TRIES {
            if let Some(early) = precheck(&job, work_sequence) {
                if std::mem::take(&mut guessed) {
                    job = self.load(job_id).await?;
                    continue;
                }
                release_unused(gate, &job, slot.as_ref()).await;
                return Ok(early);
            }
            let start = Command::Start {
                worker_id: self.worker_id.clone(),
                max_attempts: self.max_attempts,
            };
            let mut payloads = match decide(&job, start) {
                Ok(payloads) => payloads,
                Err(_) if std::mem::take(&mut guessed) => {
                    job = self.load(job_id).await?;
                    continue;
                }
                Err(err) => {
                    release_unused(gate, &job, slot.as_ref()).await;
                    return Ok(Started::Discard(discard_reason(&err)));
                }
            };
            if matches!(payloads.first(), Some(Payload::JobStarted(_))) {
                if slot.is_none() {
                    slot = Some(gate.slot(&job).await);
                }
                if let Some(instead) = slot.as_ref().and_then(instead_of_start) {
                    payloads = match decide(&job, instead) {
                        Ok(payloads) => payloads,
                        Err(_) if std::mem::take(&mut guessed) => {
                            job = self.load(job_id).await?;
                            continue;
                        }
                        Err(err) => return Ok(Started::Discard(discard_reason(&err))),
                    };
                }
            }
            if let (Some(egress), Some(Payload::JobStarted(started))) =
                (&self.egress, payloads.first_mut())
            {
                started.proxy = egress.planned_proxy(&job);
            }
            match self.append(&job, &payloads).await {
                Ok(after) => {
                    let started = started(after, &payloads);
                    if !matches!(started, Started::Run { .. }) {
                        release_unused(gate, &job, slot.as_ref()).await;
                    }
                    return Ok(started);
                }
                Err(StoreError::Conflict { .. }) => {
                    guessed = false;
                    job = self.load(job_id).await?;
                }
                Err(err) => {
                    release_unused(gate, &job, slot.as_ref()).await;
                    return Err(err.into());
                }
            }
        }
        release_unused(gate, &job, slot.as_ref()).await;
        Err(RecordError::Contended(job_id.to_owned()))
    }

    /// Records the end of the running attempt (`Succeed`, `FailAttempt` or `Cancel`).
    pub async fn conclude(&self, job: &Job, command: Command) -> Result<Concluded, RecordError> {
        let mut job = job.clone();
        for _ in 0..APPEND_TRIES {
            let payloads = match decide(&job, command.clone()) {
                Ok(payloads) => payloads,
                Err(err @ DecideError::Terminal { .. }) => {
                    return Ok(Concluded::Ended(discard_reason(&err)));
                }
                Err(err) => return Ok(Concluded::Superseded(discard_reason(&err))),
            };
            match self.append(&job, &payloads).await {
                Ok(_) => return Ok(Concluded::Recorded(payloads)),
                Err(StoreError::Conflict { .. }) => job = self.load(&job.id).await?,
                Err(err) => return Err(err.into()),
            }
        }
        Err(RecordError::Contended(job.id.clone()))
    }

    /// Loads the job with its spec opened: the worker's one decryption point, so the gate
    /// and the executor see plain URLs (or `[erased]` once the subject was erased).
    async fn load(&self, job_id: &str) -> Result<Job, StoreError> {
        self.open(self.store.load(job_id).await?).await
    }

    /// Opens the job's sealed spec.
    async fn open(&self, mut job: Job) -> Result<Job, StoreError> {
        if let (Some(privacy), Some(spec)) = (&self.privacy, &job.spec) {
            let opened = privacy.open_spec(&job.tenant, spec).await.map_err(|err| {
                if matches!(err, jetcrawl_privacy::PrivacyError::KeyMissing { .. }) {
                    // Not an erasure: the job waits (redelivered) and an operator is alarmed.
                    metrics::counter!("jetcrawl_subject_key_missing_total").increment(1);
                    tracing::error!(job_id = %job.id, error = %err, "subject key missing without an erasure");
                }
                StoreError::Unavailable(err.to_string())
            })?;
            job.spec = Some(opened.spec);
        }
        Ok(job)
    }

    /// Appends `payloads` after the job's last event; returns the job with them applied.
    async fn append(&self, job: &Job, payloads: &[Payload]) -> Result<Job, StoreError> {
        self.store.append_decided(job, &self.actor, payloads).await
    }
}

/// True when `event` is the JobSubmitted of `job_id`.
fn is_submitted_of(event: &RecordedEvent, job_id: &str) -> bool {
    event.event.job_id == job_id && matches!(event.payload(), Some(Payload::JobSubmitted(_)))
}

/// What to do before deciding a start: nothing left to do, a stale message, or a
/// deferral still running.
fn precheck(job: &Job, work_sequence: u64) -> Option<Started> {
    if job.status == JobStatus::New || job.status.is_terminal() {
        return None;
    }
    if work_sequence != 0 && job.work_sequence != work_sequence {
        return Some(Started::Discard(format!(
            "stale work message (stream sequence {work_sequence}); the job's current one is {}",
            job.work_sequence
        )));
    }
    let not_before = job.not_before.filter(|_| job.status == JobStatus::Queued)?;
    let wait = (not_before - Utc::now()).to_std().ok()?;
    (!wait.is_zero()).then_some(Started::Wait(wait))
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
        Some(Payload::JobDeferred(_)) => Started::Deferred {
            not_before: job.not_before.unwrap_or_else(Utc::now),
        },
        Some(Payload::JobCancelled(_)) => Started::Cancelled,
        Some(Payload::RobotsDisallowed(refused)) => Started::Refused(refused.rule.clone()),
        _ => Started::Exhausted,
    }
}

/// What the gate's answer records instead of a start, if anything.
fn instead_of_start(slot: &Slot) -> Option<Command> {
    match slot {
        Slot::Ready => None,
        Slot::Wait { not_before, reason } => Some(Command::Defer {
            not_before: timestamp(*not_before),
            reason: reason.clone(),
        }),
        Slot::Defer(deferred) => Some(Command::Wait(deferred.clone())),
        Slot::Refuse(refused) => Some(Command::RefuseRobots(refused.clone())),
    }
}

/// A granted slot whose attempt never started gives its leases back.
async fn release_unused(gate: &dyn SlotGate, job: &Job, slot: Option<&Slot>) {
    if slot == Some(&Slot::Ready) {
        let unused = AttemptOutcome {
            error: Some(crate::error::ErrorClass::Interrupted),
            retry_after: None,
        };
        gate.finished(job, unused).await;
    }
}

fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
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
