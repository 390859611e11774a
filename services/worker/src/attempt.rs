//! Running one attempt: heartbeat, watch for a cancel request, execute under the job's
//! deadline, store the result, and record the outcome (success, failure with backoff,
//! cancellation at a step boundary).

use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{CrawlPageKind, JobAttemptFailed, JobProgress, JobSucceeded};
use jetcrawl_streams::{Command, Job};
use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::egress::EgressTrail;
use crate::error::{ErrorClass, JobError};
use crate::execute::{Interrupt, Progress, ProgressSink, Stop};
use crate::handler::{Handler, Outcome, STORE_RETRY_DELAY, acknowledge};
use crate::hold::Heartbeat;
use crate::lifecycle::Concluded;
use crate::phase::Phase;
use crate::results::StoredResult;
use crate::watch::watch_attempt;

/// What one run produced, before it is recorded.
struct Ran {
    result: Result<StoredResult, JobError>,
    duration_ms: u64,
    /// The egress proxies it went through.
    proxy: String,
}

/// Publishes each progress report on the job's progress subject, in order, from one
/// task that ends with the attempt (core NATS, never waited for by the run: progress is
/// a hint for live watchers, not worth slowing a page).
fn publish_progress(client: &async_nats::Client, job_id: &str) -> ProgressSink {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<JobProgress>();
    let client = client.clone();
    let subject = jetcrawl_streams::subjects::progress_subject(job_id);
    tokio::spawn(async move {
        while let Some(progress) = rx.recv().await {
            let payload = prost::Message::encode_to_vec(&progress);
            if let Err(err) = client.publish(subject.clone(), payload.into()).await {
                tracing::debug!(error = %err, "progress not published");
            }
        }
    });
    std::sync::Arc::new(move |progress| {
        let _ = tx.send(progress);
    })
}

impl Handler {
    pub(crate) async fn run_attempt(
        &self,
        message: &Message,
        job: Job,
        attempt: u32,
        mut heartbeat: Heartbeat,
    ) -> Outcome {
        let client = self.recorder.store.context().client();
        let watching = Instant::now();
        let (interrupt, watch) = watch_attempt(&client, &self.recorder.store, &job, attempt).await;
        let started = Phase::Watch.done(watching);
        // Collects the egress proxies the run goes through, for its outcome event.
        let trail = EgressTrail::new();
        let progress = Progress::new(attempt, publish_progress(&client, &job.id));
        let result = trail
            .scope(progress.scope(self.execute(&job, attempt, &interrupt)))
            .await;
        let proxy = trail.summary();
        heartbeat.stop();
        drop(watch);
        let releasing = Instant::now();
        let result = self.slot_done(&job, result).await;
        let concluding = Phase::Release.done(releasing);
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let ran = Ran {
            result,
            duration_ms,
            proxy,
        };
        let outcome = self.settle(message, &job, attempt, ran, &interrupt).await;
        Phase::Conclude.done(concluding);
        outcome
    }

    /// Records how the attempt ended and settles its message.
    async fn settle(
        &self,
        message: &Message,
        job: &Job,
        attempt: u32,
        ran: Ran,
        interrupt: &Interrupt,
    ) -> Outcome {
        let Ran {
            result,
            duration_ms,
            proxy,
        } = ran;
        match (result, interrupt.stop()) {
            (Ok(stored), _) => {
                self.succeed(message, job, attempt, stored, duration_ms, proxy)
                    .await
            }
            (Err(err), Some(stop)) if err.class == ErrorClass::Interrupted => {
                self.stopped(message, job, stop).await
            }
            (Err(err), _) => {
                self.fail(message, job, attempt, err, duration_ms, proxy)
                    .await
            }
        }
    }

    async fn execute(
        &self,
        job: &Job,
        attempt: u32,
        interrupt: &Interrupt,
    ) -> Result<StoredResult, JobError> {
        let spec = job.spec.clone().unwrap_or_default();
        if jetcrawl_privacy::is_erased(&spec) {
            return Err(JobError::new(
                ErrorClass::InvalidSpec,
                "the job's personal data was erased (RGPD erasure of its data subject), so it \
                 cannot run; submit a new job if it is still wanted",
            ));
        }
        // On a paced domain, the request waits here for its gap (not on the deadline).
        // The wait is a step boundary: a job cancelled meanwhile (or a page whose crawl
        // was) never sends its request.
        self.gate.confirm(job).await;
        interrupt.check()?;
        let limit = self.config.job_deadline(spec.timeout_ms);
        let running = Instant::now();
        let deadline = running + limit;
        let listing = spec
            .page
            .as_ref()
            .map(|p| p.kind())
            .filter(|k| *k != CrawlPageKind::Page);
        let mut found = None;
        let running_spec = async {
            match (&spec.agent, listing) {
                (Some(_), _) => {
                    self.run_agent(job, attempt, &spec, deadline, interrupt)
                        .await
                }
                // A crawl's robots.txt or sitemap, read for its URLs (ADR 0047).
                (None, Some(kind)) => {
                    let url = spec.urls.first().map(String::as_str).unwrap_or_default();
                    let robots = kind == CrawlPageKind::Robots;
                    let (run, listed) =
                        crate::crawl_job::read_listing(&self.executor, url, robots, deadline)
                            .await?;
                    found = Some(listed);
                    Ok(run)
                }
                (None, None) => self.executor.run_until(&spec, deadline, interrupt).await,
            }
        };
        let mut run = tokio::time::timeout(limit, running_spec)
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
        let storing = Phase::Execute.done(running);
        run.politeness = self.gate.notes(job).report;
        let found = match found {
            Some(listed) => Some(listed),
            None => spec.page.as_ref().map(|_| crate::crawl_job::found(&run)),
        };
        let stored = self.results.store_run(&job.id, run).await;
        Phase::Store.done(storing);
        // A crawl's page queues what it found before its JobSucceeded (ADR 0047).
        if let (Ok(_), Some(of), Some(found)) = (&stored, &spec.page, found) {
            self.crawls.expand(job, of, found).await.map_err(|err| {
                JobError::new(
                    ErrorClass::Storage,
                    format!("the page's links could not be queued on its crawl: {err}"),
                )
            })?;
        }
        stored
    }

    /// The run stopped at a step boundary: record the cancel, or leave a job that moved
    /// on without us (its current message is another worker's to ack).
    async fn stopped(&self, message: &Message, job: &Job, stop: Stop) -> Outcome {
        let reason = match stop {
            Stop::Cancelled(reason) => reason,
            Stop::Superseded(why) => {
                warn!(%why, "attempt superseded; leaving the job to its current attempt");
                return Outcome::Discarded;
            }
        };
        self.record(message, job, Command::Cancel { reason }, None)
            .await
    }

    async fn succeed(
        &self,
        message: &Message,
        job: &Job,
        attempt: u32,
        stored: StoredResult,
        duration_ms: u64,
        proxy: String,
    ) -> Outcome {
        let mode = stored.mode_used;
        let label = if mode == jetcrawl_proto::v1::RenderMode::Browser {
            "browser"
        } else {
            "http"
        };
        metrics::histogram!("jetcrawl_job_duration_seconds", "mode" => label)
            .record(duration_ms as f64 / 1000.0);
        let command = Command::Succeed(JobSucceeded {
            attempt,
            result_key: stored.result_key,
            result_size: stored.result_size,
            result_sha256: stored.result_sha256,
            artifacts: stored.artifacts,
            mode_used: mode as i32,
            duration_ms,
            proxy,
            crawl_delay_capped: stored.crawl_delay_capped,
            settle: stored.settle,
        });
        info!(duration_ms, mode = label, "job ran");
        self.record(message, job, command, None).await
    }

    async fn fail(
        &self,
        message: &Message,
        job: &Job,
        attempt: u32,
        err: JobError,
        duration_ms: u64,
        proxy: String,
    ) -> Outcome {
        let delay = self.backoff.delay(attempt, None);
        let next_at = chrono::Utc::now()
            + chrono::Duration::milliseconds(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        let failure = JobAttemptFailed {
            attempt,
            error_class: err.class.as_str().to_owned(),
            // Stored in clear: URLs in it are cut to their origin (ADR 0023).
            message: jetcrawl_privacy::redact_message(&err.message, job.spec.as_ref()),
            retryable: err.retryable(),
            next_attempt_at: Some(prost_types::Timestamp {
                seconds: next_at.timestamp(),
                nanos: next_at.timestamp_subsec_nanos() as i32,
            }),
            duration_ms,
            proxy,
        };
        warn!(error_class = err.class.as_str(), error = %err, "attempt failed");
        let command = Command::FailAttempt {
            failure,
            max_attempts: self.config.max_attempts,
        };
        self.record(message, job, command, Some(delay)).await
    }

    /// Records the outcome and settles the message: ack when the job is done with it,
    /// NAK with `retry_delay` when another attempt follows, nothing when superseded.
    async fn record(
        &self,
        message: &Message,
        job: &Job,
        command: Command,
        retry_delay: Option<Duration>,
    ) -> Outcome {
        match self.recorder.conclude(job, command).await {
            Ok(Concluded::Recorded(payloads)) => {
                let outcome = outcome_of(&payloads);
                match (outcome, retry_delay) {
                    (Outcome::Retrying, Some(delay)) => {
                        info!(
                            delay_ms = delay.as_millis() as u64,
                            "retrying after backoff"
                        );
                        acknowledge(message, AckKind::Nak(Some(delay))).await;
                    }
                    _ => acknowledge(message, AckKind::Ack).await,
                }
                info!(outcome = outcome.as_str(), "attempt recorded");
                outcome
            }
            Ok(Concluded::Ended(reason)) => {
                info!(%reason, "the job ended without this attempt");
                acknowledge(message, AckKind::Ack).await;
                Outcome::Discarded
            }
            Ok(Concluded::Superseded(reason)) => {
                warn!(%reason, "attempt outcome not recorded: another attempt runs the job");
                Outcome::Discarded
            }
            Err(err) => {
                error!(error = %err, "attempt outcome not recorded; the job will be redelivered");
                acknowledge(message, AckKind::Nak(Some(STORE_RETRY_DELAY))).await;
                Outcome::Retrying
            }
        }
    }
}

fn outcome_of(payloads: &[Payload]) -> Outcome {
    match payloads.last() {
        Some(Payload::JobSucceeded(_)) => Outcome::Succeeded,
        Some(Payload::JobFailed(_)) => Outcome::Failed,
        Some(Payload::JobCancelled(_)) => Outcome::Cancelled,
        _ => Outcome::Retrying,
    }
}
