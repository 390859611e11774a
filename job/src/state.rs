//! What a job's history folds into.

use chrono::{DateTime, Utc};

use crate::crawl::CrawlState;
use jetcrawl_proto::v1::{
    AttemptError, JobAttemptFailed, JobCancelRequested, JobDeferred, JobFailed, JobSpec, JobState,
    JobSucceeded,
};

/// Lifecycle status. `New` means no event has been recorded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobStatus {
    /// Nothing recorded.
    #[default]
    New,
    /// Submitted, or waiting for its next attempt.
    Queued,
    /// An attempt is in progress.
    Running,
    /// Ended with a result.
    Succeeded,
    /// Ended without a result.
    Failed,
    /// Cancelled before it ended.
    Cancelled,
}

impl JobStatus {
    /// True once nothing more can happen to the job.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }

    /// Lower-case name used in projections and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// The wire enum.
    pub fn to_proto(self) -> JobState {
        match self {
            Self::New => JobState::Unspecified,
            Self::Queued => JobState::Queued,
            Self::Running => JobState::Running,
            Self::Succeeded => JobState::Succeeded,
            Self::Failed => JobState::Failed,
            Self::Cancelled => JobState::Cancelled,
        }
    }
}

/// A job as its events describe it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Job {
    /// Job id.
    pub id: String,
    /// Owning tenant.
    pub tenant: String,
    /// Lifecycle status.
    pub status: JobStatus,
    /// The submitted spec.
    pub spec: Option<JobSpec>,
    /// The client's idempotency key, empty when none.
    pub idempotency_key: String,
    /// sha256 of the submitted spec.
    pub spec_sha256: String,
    /// The data subject whose key sealed the spec's personal fields; empty when the spec
    /// is in clear. An agent job's journal is sealed under the same key (ADR 0045).
    pub subject_ref: String,
    /// Attempts started in the current round (crashed ones included); a replay starts a
    /// new round at 0.
    pub attempts: u32,
    /// The attempt in progress, when running.
    pub running_attempt: Option<u32>,
    /// The most recent failed attempt.
    pub last_error: Option<JobAttemptFailed>,
    /// Set once succeeded.
    pub result: Option<JobSucceeded>,
    /// Set once failed.
    pub failure: Option<JobFailed>,
    /// Trace context of the submission, carried by later events.
    pub traceparent: String,
    /// When JobSubmitted happened.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the last event happened.
    pub updated_at: Option<DateTime<Utc>>,
    /// Stream sequence of the last event; 0 when there is none.
    pub last_sequence: u64,
    /// Stream sequence of JobSubmitted.
    pub submitted_sequence: u64,
    /// Stream sequence of the job's latest work event (JobSubmitted, JobReplayed or
    /// JobDeferred): the only work message that may run the job. Older ones are stale.
    pub work_sequence: u64,
    /// Set once a cancel was requested while running.
    pub cancel_requested: Option<JobCancelRequested>,
    /// While deferred by a politeness wait: when the job may start.
    pub not_before: Option<DateTime<Utc>>,
    /// While deferred: the deferral (its domain, cause and whether `not_before` is a
    /// crawl-delay slot reserved for the job).
    pub deferral: Option<JobDeferred>,
    /// The errors of this round's failed attempts, in order.
    pub attempt_errors: Vec<AttemptError>,
    /// True while the job sits in the dead-letter queue.
    pub dead_lettered: bool,
    /// How often the job was replayed.
    pub replays: u32,
    /// Set once retention removed the latest result (cleared by a new success).
    pub result_expired: bool,
    /// Recorded webhook delivery attempts, in order.
    pub webhooks: Vec<WebhookOutcome>,
    /// Entries the running attempt of an agent job journalled (0 once another starts).
    pub agent_entries: u32,
    /// Tokens an agent job's model spent over every attempt: prompt, completion.
    pub agent_tokens: (u64, u64),
    /// A crawl's frontier; `None` for every other job (ADR 0047).
    pub crawl: Option<CrawlState>,
}

/// One recorded webhook delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOutcome {
    /// The notification (`msg_<job>_<terminal sequence>`).
    pub webhook_id: String,
    /// Its attempt number.
    pub attempt: u32,
    /// Delivered (WebhookDelivered) or failed (WebhookFailed).
    pub delivered: bool,
}
