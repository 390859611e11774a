//! The event envelope: type names, schema versions, and the (de)serialisation of
//! `jetcrawl.v1.Event` to NATS messages.

use async_nats::HeaderMap;
use bytes::Bytes;
use chrono::{DateTime, Utc};
pub use jetcrawl_job::RecordedEvent;
use jetcrawl_proto::v1::{Event, event::Payload};
use prost::Message;

use crate::error::StoreError;
use crate::headers;

/// Schema version written for every payload today.
pub const SCHEMA_VERSION: u32 = 1;

/// The kinds of event a job's history can hold. Audit actions are not job events: see
/// [`crate::audit::ActionKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A client submitted the job.
    Submitted,
    /// A worker started an attempt.
    Started,
    /// The job produced its result.
    Succeeded,
    /// One attempt failed.
    AttemptFailed,
    /// The job ended without a result.
    Failed,
    /// The job was cancelled.
    Cancelled,
    /// A politeness wait deferred the job (work subject: picked up again later).
    Deferred,
    /// The job entered the dead-letter queue.
    DeadLettered,
    /// An admin replayed the dead-lettered job (work subject).
    Replayed,
    /// Someone asked to cancel the running job.
    CancelRequested,
    /// Retention removed the job's stored result.
    ResultExpired,
    /// A webhook delivery attempt succeeded.
    WebhookDelivered,
    /// A webhook delivery attempt failed.
    WebhookFailed,
    /// robots.txt disallows one of the job's URLs (the job ends).
    RobotsDisallowed,
    /// An agent job's model replied (its journal, ADR 0045).
    AgentTurn,
    /// An agent job ran a tool call.
    StepExecuted,
    /// An agent job's loop ended.
    AgentFinished,
    /// A crawl queued pages (ADR 0047).
    CrawlPagesQueued,
    /// One of a crawl's page jobs ended.
    CrawlPageFinished,
}

impl EventKind {
    /// Every kind, in lifecycle order.
    pub const ALL: [EventKind; 19] = [
        Self::Submitted,
        Self::Started,
        Self::Succeeded,
        Self::AttemptFailed,
        Self::Failed,
        Self::Cancelled,
        Self::Deferred,
        Self::DeadLettered,
        Self::Replayed,
        Self::CancelRequested,
        Self::ResultExpired,
        Self::WebhookDelivered,
        Self::WebhookFailed,
        Self::RobotsDisallowed,
        Self::AgentTurn,
        Self::StepExecuted,
        Self::AgentFinished,
        Self::CrawlPagesQueued,
        Self::CrawlPageFinished,
    ];

    /// Kinds whose message is work for the workers: each gives the job a new work
    /// message (ADR 0009), and only the latest one may run it.
    pub const WORK: [EventKind; 3] = [Self::Submitted, Self::Replayed, Self::Deferred];
    /// The events that end a job's life (and so get a webhook).
    pub const TERMINAL: [EventKind; 3] = [Self::Succeeded, Self::Failed, Self::Cancelled];

    /// Stable past-tense type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Submitted => "JobSubmitted",
            Self::Started => "JobStarted",
            Self::Succeeded => "JobSucceeded",
            Self::AttemptFailed => "JobAttemptFailed",
            Self::Failed => "JobFailed",
            Self::Cancelled => "JobCancelled",
            Self::Deferred => "JobDeferred",
            Self::DeadLettered => "JobDeadLettered",
            Self::Replayed => "JobReplayed",
            Self::CancelRequested => "JobCancelRequested",
            Self::ResultExpired => "ResultExpired",
            Self::WebhookDelivered => "WebhookDelivered",
            Self::WebhookFailed => "WebhookFailed",
            Self::RobotsDisallowed => "RobotsDisallowed",
            Self::AgentTurn => "AgentTurn",
            Self::StepExecuted => "StepExecuted",
            Self::AgentFinished => "AgentFinished",
            Self::CrawlPagesQueued => "CrawlPagesQueued",
            Self::CrawlPageFinished => "CrawlPageFinished",
        }
    }

    /// Last token of the event's subject.
    pub fn token(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Started => "started",
            Self::Succeeded => "succeeded",
            Self::AttemptFailed => "attempt_failed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Deferred => "deferred",
            Self::DeadLettered => "dead_lettered",
            Self::Replayed => "replayed",
            Self::CancelRequested => "cancel_requested",
            Self::ResultExpired => "result_expired",
            Self::WebhookDelivered => "webhook_delivered",
            Self::WebhookFailed => "webhook_failed",
            Self::RobotsDisallowed => "robots_disallowed",
            Self::AgentTurn => "agent_turn",
            Self::StepExecuted => "step_executed",
            Self::AgentFinished => "agent_finished",
            Self::CrawlPagesQueued => "crawl_pages_queued",
            Self::CrawlPageFinished => "crawl_page_finished",
        }
    }

    /// The kind of a payload.
    pub fn of(payload: &Payload) -> Self {
        match payload {
            Payload::JobSubmitted(_) => Self::Submitted,
            Payload::JobStarted(_) => Self::Started,
            Payload::JobSucceeded(_) => Self::Succeeded,
            Payload::JobAttemptFailed(_) => Self::AttemptFailed,
            Payload::JobFailed(_) => Self::Failed,
            Payload::JobCancelled(_) => Self::Cancelled,
            Payload::JobDeferred(_) => Self::Deferred,
            Payload::JobDeadLettered(_) => Self::DeadLettered,
            Payload::JobReplayed(_) => Self::Replayed,
            Payload::JobCancelRequested(_) => Self::CancelRequested,
            Payload::ResultExpired(_) => Self::ResultExpired,
            Payload::WebhookDelivered(_) => Self::WebhookDelivered,
            Payload::WebhookFailed(_) => Self::WebhookFailed,
            Payload::RobotsDisallowed(_) => Self::RobotsDisallowed,
            Payload::AgentTurn(_) => Self::AgentTurn,
            Payload::StepExecuted(_) => Self::StepExecuted,
            Payload::AgentFinished(_) => Self::AgentFinished,
            Payload::CrawlPagesQueued(_) => Self::CrawlPagesQueued,
            Payload::CrawlPageFinished(_) => Self::CrawlPageFinished,
        }
    }

    /// The kind with this type name.
    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.type_name() == name)
    }
}

/// Builds an envelope around `payload`, stamped now.
pub fn new_event(
    job_id: &str,
    tenant: &str,
    actor: &str,
    traceparent: &str,
    payload: Payload,
) -> Event {
    new_event_at(job_id, tenant, actor, traceparent, payload, Utc::now())
}

/// Builds an envelope around `payload` that happened at `now`.
pub fn new_event_at(
    job_id: &str,
    tenant: &str,
    actor: &str,
    traceparent: &str,
    payload: Payload,
    now: DateTime<Utc>,
) -> Event {
    Event {
        event_type: EventKind::of(&payload).type_name().to_owned(),
        schema_version: SCHEMA_VERSION,
        job_id: job_id.to_owned(),
        tenant: tenant.to_owned(),
        occurred_at: Some(jetcrawl_job::to_timestamp(now)),
        actor: actor.to_owned(),
        traceparent: traceparent.to_owned(),
        payload: Some(payload),
    }
}

/// Headers mirroring the envelope's routing fields.
pub fn envelope_headers(event: &Event) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert(headers::EVENT_TYPE, event.event_type.as_str());
    map.insert(
        headers::SCHEMA_VERSION,
        event.schema_version.to_string().as_str(),
    );
    map.insert(headers::JOB_ID, event.job_id.as_str());
    map.insert(headers::TENANT, event.tenant.as_str());
    if !event.traceparent.is_empty() {
        map.insert(headers::TRACEPARENT, event.traceparent.as_str());
    }
    map
}

/// Encodes the envelope as the message payload.
pub fn encode(event: &Event) -> Bytes {
    Bytes::from(event.encode_to_vec())
}

/// Decodes a stored message payload.
pub fn decode(sequence: u64, payload: &[u8]) -> Result<RecordedEvent, StoreError> {
    let event = Event::decode(payload).map_err(|source| StoreError::Corrupt {
        sequence,
        reason: source.to_string(),
    })?;
    Ok(RecordedEvent { sequence, event })
}

/// A fresh W3C `traceparent` with random trace and span ids.
pub fn new_traceparent() -> String {
    let trace = uuid::Uuid::new_v4().simple().to_string();
    let span = &uuid::Uuid::new_v4().simple().to_string()[..16];
    format!("00-{trace}-{span}-01")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jetcrawl_proto::v1::JobStarted;

    #[test]
    fn an_event_round_trips_through_its_encoding() {
        let event = new_event(
            "job-1",
            "acme",
            "worker:w1",
            &new_traceparent(),
            Payload::JobStarted(JobStarted {
                attempt: 1,
                worker_id: "w1".into(),
                ..Default::default()
            }),
        );
        assert_eq!(event.event_type, "JobStarted");
        let decoded = decode(7, &encode(&event)).expect("decodes");
        assert_eq!(decoded.sequence, 7);
        assert_eq!(decoded.event, event);
        assert_eq!(
            EventKind::from_type_name("JobStarted"),
            Some(EventKind::Started)
        );
    }

    #[test]
    fn a_truncated_payload_is_reported_with_its_sequence() {
        let event = new_event(
            "j",
            "t",
            "a",
            "",
            Payload::JobStarted(JobStarted::default()),
        );
        let bytes = encode(&event);
        let err = decode(9, &bytes[..bytes.len() - 1]).expect_err("truncated");
        assert!(err.to_string().contains("sequence 9"), "{err}");
    }
}
