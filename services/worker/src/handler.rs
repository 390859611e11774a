//! Handling one work message: begin the attempt (or defer it, or discard a stale or
//! duplicate message), run it (see `attempt`), and ack or NAK accordingly.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::headers;
use jetcrawl_streams::subjects::job_id_of;
use tokio::time::Instant;
use tracing::{Instrument, Span, error, info, info_span, warn};

use crate::backoff::Backoff;
use crate::config::WorkerConfig;
use crate::execute::Executor;
use crate::gate::SlotGate;
use crate::hold::{Claimed, Heartbeat, InFlight};
use crate::lifecycle::{Recorder, Started};
use crate::phase::Phase;
use crate::results::ResultStore;

/// Delay before a message whose history could not be written is tried again.
pub(crate) const STORE_RETRY_DELAY: Duration = Duration::from_secs(5);

/// How a message ended, for `jetcrawl_jobs_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The job produced its result.
    Succeeded,
    /// The job ended without a result.
    Failed,
    /// The attempt failed; another follows after the backoff.
    Retrying,
    /// The job was cancelled.
    Cancelled,
    /// A politeness wait deferred the job; no attempt was used.
    Deferred,
    /// Nothing was done (duplicate or stale delivery, unknown job, superseded attempt).
    Discarded,
    /// A crawl's start pages were queued (ADR 0047).
    CrawlStarted,
}

impl Outcome {
    /// Metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Retrying => "retrying",
            Self::Cancelled => "cancelled",
            Self::Deferred => "deferred",
            Self::Discarded => "discarded",
            Self::CrawlStarted => "crawl_started",
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
    /// Politeness: may the job start now?
    pub gate: Arc<dyn SlotGate>,
    /// Jobs this process handles now.
    pub in_flight: InFlight,
    /// The model agent jobs call; `None` when this worker has none (ADR 0045).
    pub agent: Option<jetcrawl_agent::ChatClient>,
    /// Crawls' frontiers (ADR 0047).
    pub crawls: crate::crawl_job::Frontier,
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
        // The submit's trace goes on here: every event of a job carries the traceparent
        // the gateway gave it (ADR 42).
        if let Some(traceparent) = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get(headers::TRACEPARENT))
        {
            jetcrawl_telemetry::continue_trace(&span, traceparent.as_str());
        }
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
        let sequence = message.info().map(|i| i.stream_sequence).unwrap_or(0);
        // Beats while a newer message of a job in hand waits for the claim, too.
        let mut heartbeat = Heartbeat::start(message, ack_wait);
        let _claim = match self.in_flight.claim(job_id, sequence).await {
            Claimed::Now(claim) => claim,
            Claimed::Duplicate => {
                // This very message, ours already: its ack wait ran out while we handle
                // it. The running handling settles it; starting again would run the job
                // twice.
                heartbeat.stop();
                info!("this worker already handles this message; leaving the redelivery to it");
                return Outcome::Discarded;
            }
        };
        let began = Instant::now();
        // The work message is an event; when it is the job's JobSubmitted it is the
        // likely whole history, which spares reading it (see `begin_from`).
        let work = decode(sequence, &message.payload)
            .ok()
            .filter(|_| sequence != 0);
        if let Some(crawl) = work.as_ref().filter(|w| is_crawl_submitted(w, job_id)) {
            let outcome = self.start_crawl(crawl).await;
            heartbeat.stop();
            let kind = match outcome {
                Outcome::Retrying => AckKind::Nak(Some(STORE_RETRY_DELAY)),
                _ => AckKind::Ack,
            };
            acknowledge(message, kind).await;
            return outcome;
        }
        match self.crawls.cancel_if_crawl_cancelled(job_id).await {
            Ok(false) => {}
            Ok(true) => {
                info!("the page's crawl was cancelled; the page is cancelled, not fetched");
                heartbeat.stop();
                acknowledge(message, AckKind::Ack).await;
                return Outcome::Cancelled;
            }
            Err(err) => {
                error!(error = %err, "cannot tell whether the page's crawl was cancelled; it will be redelivered");
                heartbeat.stop();
                acknowledge(message, AckKind::Nak(Some(STORE_RETRY_DELAY))).await;
                return Outcome::Retrying;
            }
        }
        let begun = self
            .recorder
            .begin_from(job_id, work, sequence, self.gate.as_ref())
            .await;
        Phase::Begin.done(began);
        let outcome = match begun {
            Ok(Started::Run { job, attempt }) => {
                Span::current()
                    .record("attempt", attempt)
                    .record("traceparent", job.traceparent.as_str());
                return self.run_attempt(message, *job, attempt, heartbeat).await;
            }
            Ok(Started::Exhausted) => Outcome::Failed,
            Ok(Started::Cancelled) => Outcome::Cancelled,
            Ok(Started::Refused(rule)) => {
                info!(%rule, "robots.txt disallows the job; it failed without an attempt");
                Outcome::Failed
            }
            Ok(Started::Deferred { not_before }) => {
                info!(%not_before, "deferred by a politeness wait; no attempt used");
                Outcome::Deferred
            }
            Ok(Started::Wait(until)) => {
                heartbeat.stop();
                let wait = (until - chrono::Utc::now()).to_std().unwrap_or_default();
                acknowledge(message, AckKind::Nak(Some(wait))).await;
                return Outcome::Deferred;
            }
            Ok(Started::Discard(reason)) => {
                info!(%reason, "nothing to do");
                Outcome::Discarded
            }
            Err(err) => {
                error!(error = %err, "cannot start the job; it will be redelivered");
                heartbeat.stop();
                acknowledge(message, AckKind::Nak(Some(STORE_RETRY_DELAY))).await;
                return Outcome::Retrying;
            }
        };
        heartbeat.stop();
        acknowledge(message, AckKind::Ack).await;
        outcome
    }
}

impl Handler {
    /// Queues a crawl's start pages; its page jobs do the rest (ADR 0047).
    async fn start_crawl(&self, submitted: &jetcrawl_streams::RecordedEvent) -> Outcome {
        let crawl = jetcrawl_streams::job::fold([submitted]);
        // The worker's one decryption point, as for any job's start.
        let opened = match self.recorder.open(crawl.clone()).await {
            Ok(opened) => opened.spec.unwrap_or_default(),
            Err(err) => {
                error!(error = %err, "cannot open the crawl's spec; it will be redelivered");
                return Outcome::Retrying;
            }
        };
        match self.crawls.start(&crawl, &opened).await {
            Ok(()) => {
                info!("crawl started: start pages queued");
                Outcome::CrawlStarted
            }
            Err(err) => {
                error!(error = %err, "cannot queue the crawl's start pages; it will be redelivered");
                Outcome::Retrying
            }
        }
    }
}

/// True when `event` is the JobSubmitted of crawl `job_id`.
fn is_crawl_submitted(event: &jetcrawl_streams::RecordedEvent, job_id: &str) -> bool {
    event.event.job_id == job_id
        && matches!(
            event.payload(),
            Some(jetcrawl_proto::v1::event::Payload::JobSubmitted(s))
                if s.spec.as_ref().is_some_and(|spec| spec.crawl.is_some())
        )
}

pub(crate) async fn acknowledge(message: &Message, kind: AckKind) {
    if let Err(err) = message.ack_with(kind).await {
        warn!(error = %err, ?kind, "ack failed; JetStream will redeliver and the duplicate will be discarded");
    }
}
