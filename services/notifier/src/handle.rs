//! One terminal event in, at most one delivery attempt out, and its outcome recorded.
//!
//! Nothing is kept in memory between attempts: the attempt number and whether the
//! notification is settled come from the job's own history (WebhookDelivered /
//! WebhookFailed carry the `webhook-id`), so any notifier may pick up any redelivery.

use std::time::Duration;

use chrono::Utc;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{WebhookDelivered, WebhookFailed};
use jetcrawl_results::artifacts::artifact_name;
use jetcrawl_results::{SignedUrl, UrlSigner};
use jetcrawl_streams::job::fold;
use jetcrawl_streams::{Command, EventStore, Job, RecordedEvent};
use url::Url;

use crate::attempt::{Delivery, Outcome, post};
use crate::backoff::Backoff;
use crate::disabled::DisabledEndpoints;
use crate::payload::payload;
use crate::record::{NotifyError, record};
use crate::secrets::WebhookSecrets;

/// What to do with the message after handling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Settled (delivered, given up, or nothing to deliver): acknowledge.
    Done,
    /// Try again after this long (NAK with delay).
    RetryIn(Duration),
}

/// Everything a delivery needs; shared by every task.
#[derive(Clone)]
pub struct Notifier {
    /// The event log.
    pub store: EventStore,
    /// Per-tenant secrets.
    pub secrets: WebhookSecrets,
    /// Endpoints disabled by 410.
    pub disabled: DisabledEndpoints,
    /// Signs result URLs in payloads (none configured: payloads carry no URL).
    pub signer: Option<UrlSigner>,
    /// Waits between attempts.
    pub backoff: Backoff,
    /// How long after the terminal event attempts continue.
    pub window: Duration,
    /// One attempt's deadline.
    pub timeout: Duration,
    /// Deliver to loopback endpoints (development and tests).
    pub allow_loopback: bool,
    /// Opens sealed webhook URLs (ADR 0023); `None` only where specs are stored in clear.
    pub privacy: Option<jetcrawl_privacy::SubjectKeys>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("window", &self.window)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The `webhook-id` of the notification of `terminal`: stable across retries,
/// redeliveries and notifier restarts.
pub fn webhook_id(terminal: &RecordedEvent) -> String {
    format!("msg_{}_{}", terminal.event.job_id, terminal.sequence)
}

/// One attempt at one notification.
struct Attempt<'a> {
    job: Job,
    terminal: &'a RecordedEvent,
    id: String,
    number: u32,
    raw_url: String,
    host: String,
}

impl Attempt<'_> {
    fn failed(&self, error: String, status: u16) -> WebhookFailed {
        WebhookFailed {
            webhook_id: self.id.clone(),
            attempt: self.number,
            status_code: status.into(),
            error,
            event_type: self.terminal.event.event_type.clone(),
            endpoint_host: self.host.clone(),
            ..Default::default()
        }
    }
}

impl Notifier {
    /// Handles terminal event `terminal` of its job.
    #[tracing::instrument(name = "notify", skip_all, fields(job_id = %terminal.event.job_id, seq = terminal.sequence))]
    pub async fn handle(&self, terminal: &RecordedEvent) -> Result<Ack, NotifyError> {
        let history = self.store.history(&terminal.event.job_id).await?;
        let job = fold(history.iter().filter(|e| e.sequence <= terminal.sequence));
        let raw_url = self.webhook_url(&job).await?;
        if raw_url.is_empty() {
            return Ok(Ack::Done);
        }
        let id = webhook_id(terminal);
        let (settled, failures) = progress(&history, &id);
        if settled {
            return Ok(Ack::Done);
        }
        let mut attempt = Attempt {
            job,
            terminal,
            id,
            number: failures + 1,
            raw_url,
            host: String::new(),
        };
        let url = match Url::parse(&attempt.raw_url) {
            Ok(url) => url,
            Err(err) => {
                let event = attempt.failed(format!("invalid webhook URL: {err}"), 0);
                return self.record_failed(&attempt.job, event).await;
            }
        };
        attempt.host = url.host_str().unwrap_or_default().to_owned();
        let disabled = self
            .disabled
            .is_disabled(&attempt.job.tenant, &attempt.raw_url)
            .await;
        if disabled.map_err(NotifyError::Disabled)? {
            let mut event = attempt.failed(
                "the endpoint is disabled: it answered 410 Gone before".into(),
                0,
            );
            event.endpoint_disabled = true;
            return self.record_failed(&attempt.job, event).await;
        }
        let (outcome, took) = self.deliver(&attempt, &url).await?;
        tracing::info!(webhook_id = %attempt.id, attempt = attempt.number, ?outcome, duration_ms = took, "webhook attempt");
        crate::metrics::attempt(&outcome);
        self.settle(&attempt, outcome, took).await
    }

    /// Signs and POSTs the payload once; the outcome and its duration in ms.
    async fn deliver(
        &self,
        attempt: &Attempt<'_>,
        url: &Url,
    ) -> Result<(Outcome, u64), NotifyError> {
        let job = &attempt.job;
        let secret = self.secrets.get_or_create(&job.tenant).await?;
        let body = serde_json::to_vec(&payload(
            job,
            attempt.terminal,
            self.result_url(job).as_ref(),
        ))?;
        let delivery = Delivery {
            url,
            webhook_id: &attempt.id,
            secret: &secret,
            body: &body,
        };
        let (outcome, took) = post(delivery, self.timeout, self.allow_loopback).await;
        Ok((outcome, took.as_millis() as u64))
    }

    /// Records the outcome and says whether to ack or retry.
    async fn settle(
        &self,
        attempt: &Attempt<'_>,
        outcome: Outcome,
        duration_ms: u64,
    ) -> Result<Ack, NotifyError> {
        let job = &attempt.job;
        let mut event = match outcome {
            Outcome::Delivered { status } => {
                let event = WebhookDelivered {
                    webhook_id: attempt.id.clone(),
                    attempt: attempt.number,
                    status_code: status.into(),
                    duration_ms,
                    event_type: attempt.terminal.event.event_type.clone(),
                    endpoint_host: attempt.host.clone(),
                };
                record(&self.store, &job.id, Command::RecordDelivery(event)).await?;
                return Ok(Ack::Done);
            }
            Outcome::Gone => {
                self.disabled
                    .disable(&job.tenant, &attempt.raw_url, "answered 410 Gone")
                    .await
                    .map_err(NotifyError::Disabled)?;
                let mut event =
                    attempt.failed("the endpoint answered 410 Gone; it is disabled".into(), 410);
                event.endpoint_disabled = true;
                event
            }
            Outcome::Permanent { status, error } => attempt.failed(error, status),
            Outcome::Retry {
                status,
                error,
                retry_after,
            } => {
                let mut event = attempt.failed(error, status);
                event.duration_ms = duration_ms;
                return self.retry_or_give_up(attempt, event, retry_after).await;
            }
        };
        event.duration_ms = duration_ms;
        self.record_failed(job, event).await
    }

    /// A retryable failure: retry after the backoff, unless that falls past the window.
    async fn retry_or_give_up(
        &self,
        attempt: &Attempt<'_>,
        mut event: WebhookFailed,
        retry_after: Option<Duration>,
    ) -> Result<Ack, NotifyError> {
        let delay = self.backoff.delay(attempt.number, retry_after);
        let next = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        let deadline = attempt.terminal.occurred_at()
            + chrono::Duration::from_std(self.window).unwrap_or_default();
        if next > deadline {
            event.error = format!(
                "{}; giving up: the retry window of {} s is over",
                event.error,
                self.window.as_secs()
            );
            return self.record_failed(&attempt.job, event).await;
        }
        event.retrying = true;
        event.next_attempt_at = Some(prost_types::Timestamp {
            seconds: next.timestamp(),
            nanos: 0,
        });
        self.record_failed(&attempt.job, event).await?;
        Ok(Ack::RetryIn(delay))
    }

    async fn record_failed(&self, job: &Job, event: WebhookFailed) -> Result<Ack, NotifyError> {
        record(&self.store, &job.id, Command::RecordDeliveryFailure(event)).await?;
        Ok(Ack::Done)
    }

    fn result_url(&self, job: &Job) -> Option<SignedUrl> {
        let signer = self.signer.as_ref()?;
        let result = job.result.as_ref()?;
        let name = artifact_name(&job.id, &result.result_key)?;
        Some(signer.sign(&job.tenant, &job.id, name, signer.expiry(None, Utc::now())))
    }
}

/// Whether notification `id` is settled (delivered or given up), and how many attempts
/// failed so far.
fn progress(history: &[RecordedEvent], id: &str) -> (bool, u32) {
    let mut failures = 0;
    for event in history {
        match event.payload() {
            Some(Payload::WebhookDelivered(d)) if d.webhook_id == id => return (true, failures),
            Some(Payload::WebhookFailed(f)) if f.webhook_id == id => {
                if !f.retrying {
                    return (true, failures);
                }
                failures = failures.max(f.attempt);
            }
            _ => {}
        }
    }
    (false, failures)
}
