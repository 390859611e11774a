//! The rows of the read models, as plain structs.

use chrono::{DateTime, Utc};
use jetcrawl_streams::JobStatus;
use serde_json::Value;

/// One row of `jobs`: the current state of a submitted job.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobRow {
    /// Job id.
    pub job_id: String,
    /// Owning tenant.
    pub tenant: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// Host of the first submitted URL.
    pub domain: Option<String>,
    /// Requested render mode (`http`, `browser`, `auto`, `unspecified`).
    pub render_mode: Option<String>,
    /// Render mode that actually ran, once succeeded.
    pub mode_used: Option<String>,
    /// Attempts started so far.
    pub attempts: i32,
    /// When JobSubmitted happened.
    pub submitted_at: DateTime<Utc>,
    /// When the latest attempt started.
    pub started_at: Option<DateTime<Utc>>,
    /// When the job ended (succeeded, failed or cancelled).
    pub finished_at: Option<DateTime<Utc>>,
    /// When the job's latest event happened.
    pub updated_at: DateTime<Utc>,
    /// Class of the latest error, e.g. `http_5xx`.
    pub last_error_class: Option<String>,
    /// Message of the latest error.
    pub last_error: Option<String>,
    /// Object Store key of the result.
    pub result_key: Option<String>,
    /// Result size in bytes.
    pub result_size: Option<i64>,
    /// sha256 of the result.
    pub result_sha256: Option<String>,
    /// The spec's labels as a JSON object.
    pub labels: Option<Value>,
    /// The client's idempotency key, when one was given.
    pub idempotency_key: Option<String>,
    /// Stream sequence of JobSubmitted.
    pub submitted_seq: Option<i64>,
    /// Stream sequence of the job's latest event.
    pub last_seq: i64,
    /// Submit ACK latency: JetStream's stored time of JobSubmitted minus its occurred_at.
    pub ack_latency_ms: Option<f64>,
    /// From JobSubmitted to the terminal event, once finished.
    pub duration_ms: Option<i64>,
}

impl JobRow {
    /// The status as the domain enum; `None` only for a value this build does not know.
    pub fn job_status(&self) -> Option<JobStatus> {
        parse_status(&self.status)
    }
}

/// The domain status named by `name` (as written by [`JobStatus::as_str`]).
pub fn parse_status(name: &str) -> Option<JobStatus> {
    [
        JobStatus::New,
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ]
    .into_iter()
    .find(|status| status.as_str() == name)
}

/// One row of `job_events`: one stream message.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobEventRow {
    /// Stream sequence in `JOBS`.
    pub stream_seq: i64,
    /// Job id.
    pub job_id: String,
    /// Owning tenant.
    pub tenant: String,
    /// Type name, e.g. `JobSubmitted`, or `Undecodable`.
    pub event_type: String,
    /// Payload schema version (0 for undecodable messages).
    pub schema_version: i32,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// Who caused it.
    pub actor: String,
    /// W3C trace context, when the event carried one.
    pub traceparent: Option<String>,
    /// JSON rendering of the payload.
    pub payload: Value,
    /// When the projector wrote the row.
    pub recorded_at: DateTime<Utc>,
}
