//! Handling one work message: start the attempt, run the spec under its deadline while
//! heartbeating, store the result, record the outcome, and ack or NAK with backoff.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobAttemptFailed, JobSucceeded};
use jetcrawl_streams::subjects::job_id_of;
use jetcrawl_streams::{Command, Job};
use tokio::time::Instant;
use tracing::{Instrument, Span, error, info, info_span, warn};

use crate::backoff::Backoff;
use crate::config::WorkerConfig;
use crate::error::{ErrorClass, JobError};
use crate::execute::Executor;
use crate::lifecycle::{Recorder, Started};
use crate::results::{ResultStore, StoredResult};

/// Delay before a message whose history could not be written is tried again.
const STORE_RETRY_DELAY: Duration = Duration::from_secs(5);

/// How a message ended, for `jetcrawl_jobs_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The job produced its result.
    Succeeded,
    /// The job ended without a result.
    Failed,
    /// The attempt failed; another follows after the backoff.
    Retrying,
    /// Nothing was done (duplicate delivery, unknown job, superseded attempt).
    Discarded,
}

impl Outcome {
    /// Metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Retrying => "retrying",
            Self::Discarded => "discarded",
        }
    }
}

/// Runs jobs; one per worker, shared by its tasks.
#[derive(Debug)]
pub struct Handler {
    /// Appends events.
    pub recorder: Recorder,
    /// Stores results.
    pub results: ResultStore,
    /// Runs specs.
    pub executor: Executor,
    /// Deadlines and attempts.
    pub config: WorkerConfig,
    /// Retry delays.
    pub backoff: Backoff,
}

impl Handler {
    /// Handles one message from the `workers` consumer, acking or NAKing it.
    pub async fn handle(self: Arc<Self>, message: Message, ack_wait: Duration) -> Outcome {
        let span = info_span!(
            "job",
            job_id = tracing::field::Empty,
            attempt = tracing::field::Empty,
            traceparent = tracing::field::Empty
        );
        let outcome = self
            .handle_in_span(&message, ack_wait)
            .instrument(span)
            .await;
        metrics::counter!("jetcrawl_jobs_total", "outcome" => outcome.as_str()).increment(1);
        outcome
    }

    async fn handle_in_span(&self, message: &Message, ack_wait: Duration) -> Outcome {
        let Some(job_id) = job_id_of(&message.subject) else {
            warn!(subject = %message.subject, "work message on an unexpected subject; dropping it");
            acknowledge(message, AckKind::Ack).await;
            return Outcome::Discarded;
        };
        Span::current().record("job_id", job_id);
        let outcome = match self.recorder.start(job_id).await {
            Ok(Started::Run { job, attempt }) => {
                Span::current()
                    .record("attempt", attempt)
                    .record("traceparent", job.traceparent.as_str());
                return self.run_attempt(message, *job, attempt, ack_wait).await;
            }
            Ok(Started::Exhausted) => Outcome::Failed,
            Ok(Started::Discard(reason)) => {
                info!(%reason, "nothing to do");
                Outcome::Discarded
            }
            Err(err) => {
                error!(error = %err, "cannot start the job; it will be redelivered");
                acknowledge(message, AckKind::Nak(Some(STORE_RETRY_DELAY))).await;
                return Outcome::Retrying;
            }
        };
        acknowledge(message, AckKind::Ack).await;
        outcome
    }

    async fn run_attempt(
        &self,
        message: &Message,
        job: Job,
        attempt: u32,
        ack_wait: Duration,
    ) -> Outcome {
        let heartbeat = tokio::spawn(heartbeat(message.clone(), ack_wait / 3).in_current_span());
        let started = Instant::now();
        let result = self.execute(&job).await;
        heartbeat.abort();
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(stored) => {
                self.succeed(message, &job, attempt, stored, duration_ms)
                    .await
            }
            Err(err) => self.fail(message, &job, attempt, err, duration_ms).await,
        }
    }

    async fn execute(&self, job: &Job) -> Result<StoredResult, JobError> {
        let spec = job.spec.clone().unwrap_or_default();
        let limit = self.config.job_deadline(spec.timeout_ms);
        let deadline = Instant::now() + limit;
        let run = tokio::time::timeout(limit, self.executor.run(&spec, deadline))
            .await
            .map_err(|_| {
                JobError::new(
                    ErrorClass::Timeout,
                    format!(
                        "the job did not finish within its deadline of {} ms",
                        limit.as_millis()
                    ),
                )
            })??;
        self.results.store_run(&job.id, run).await
    }

    async fn succeed(
        &self,
        message: &Message,
        job: &Job,
        attempt: u32,
        stored: StoredResult,
        duration_ms: u64,
    ) -> Outcome {
        let mode = stored.mode_used;
        let command = Command::Succeed(JobSucceeded {
            attempt,
            result_key: stored.result_key,
            result_size: stored.result_size,
            result_sha256: stored.result_sha256,
            artifacts: stored.artifacts,
            mode_used: mode as i32,
            duration_ms,
        });
        match self.recorder.conclude(job, command).await {
            Ok(recorded) => {
                let label = if mode == jetcrawl_proto::v1::RenderMode::Browser {
                    "browser"
                } else {
                    "http"
                };
                metrics::histogram!("jetcrawl_job_duration_seconds", "mode" => label)
                    .record(duration_ms as f64 / 1000.0);
                info!(duration_ms, mode = label, "job succeeded");
                acknowledge(message, AckKind::Ack).await;
                if recorded.is_some() {
                    Outcome::Succeeded
                } else {
                    Outcome::Discarded
                }
            }
            Err(err) => {
                error!(error = %err, "result stored but success not recorded; the job will be redelivered");
                acknowledge(message, AckKind::Nak(Some(STORE_RETRY_DELAY))).await;
                Outcome::Retrying
            }
        }
    }

    async fn fail(
        &self,
        message: &Message,
        job: &Job,
        attempt: u32,
        err: JobError,
        duration_ms: u64,
    ) -> Outcome {
        let delay = self.backoff.delay(attempt, &mut rand::rng());
        let next_at = chrono::Utc::now()
            + chrono::Duration::milliseconds(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        let failure = JobAttemptFailed {
            attempt,
            error_class: err.class.as_str().to_owned(),
            message: err.message.clone(),
            retryable: err.retryable(),
            next_attempt_at: Some(prost_types::Timestamp {
                seconds: next_at.timestamp(),
                nanos: next_at.timestamp_subsec_nanos() as i32,
            }),
            duration_ms,
        };
        let command = Command::FailAttempt {
            failure,
            max_attempts: self.config.max_attempts,
        };
        match self.recorder.conclude(job, command).await {
            Ok(Some(payloads)) if payloads.iter().any(|p| matches!(p, Payload::JobFailed(_))) => {
                error!(error_class = err.class.as_str(), error = %err, "job failed");
                acknowledge(message, AckKind::Ack).await;
                Outcome::Failed
            }
            Ok(Some(_)) => {
                warn!(error_class = err.class.as_str(), error = %err, delay_ms = delay.as_millis() as u64, "attempt failed; retrying after backoff");
                acknowledge(message, AckKind::Nak(Some(delay))).await;
                Outcome::Retrying
            }
            Ok(None) => {
                acknowledge(message, AckKind::Ack).await;
                Outcome::Discarded
            }
            Err(store_err) => {
                error!(error = %err, record_error = %store_err, "attempt failed and could not be recorded; the job will be redelivered");
                acknowledge(message, AckKind::Nak(Some(STORE_RETRY_DELAY))).await;
                Outcome::Retrying
            }
        }
    }
}

/// Tells JetStream the job is still running, so it is not redelivered meanwhile.
async fn heartbeat(message: Message, every: Duration) {
    let every = every.max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        if let Err(err) = message.ack_with(AckKind::Progress).await {
            warn!(error = %err, "progress heartbeat failed");
        }
    }
}

async fn acknowledge(message: &Message, kind: AckKind) {
    if let Err(err) = message.ack_with(kind).await {
        warn!(error = %err, ?kind, "ack failed; JetStream will redeliver and the duplicate will be discarded");
    }
}
