//! JSON views of the paged lists (`GET /v1/jobs`, `GET /v1/dead-letters`) and of the
//! answers to cancel and replay, converted from the `jetcrawl.v1` responses.

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::{
    CancelJobResponse, DeadLetter, JobState, JobSummary, ReplayDeadLetterResponse,
};
use serde::Serialize;

/// `queued`, `running`, `succeeded`, `failed` or `cancelled`, as `GET /v1/jobs/{id}`
/// says it; `unknown` for a value this gateway does not know.
pub fn state_name(state: i32) -> &'static str {
    match JobState::try_from(state) {
        Ok(JobState::Queued) => "queued",
        Ok(JobState::Running) => "running",
        Ok(JobState::Succeeded) => "succeeded",
        Ok(JobState::Failed) => "failed",
        Ok(JobState::Cancelled) => "cancelled",
        Ok(JobState::Unspecified) | Err(_) => "unknown",
    }
}

/// The state a `state` query parameter names.
pub fn parse_state(name: &str) -> Option<JobState> {
    match name {
        "queued" => Some(JobState::Queued),
        "running" => Some(JobState::Running),
        "succeeded" => Some(JobState::Succeeded),
        "failed" => Some(JobState::Failed),
        "cancelled" => Some(JobState::Cancelled),
        _ => None,
    }
}

/// A protobuf timestamp as a date, `None` when unset or out of range.
pub fn time(at: Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    at.and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).ok()?))
}

fn some(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// One page of jobs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobPage {
    /// Newest first.
    pub jobs: Vec<JobSummaryView>,
    /// Pass as `page_token` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A job in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobSummaryView {
    /// Job id.
    pub job_id: String,
    /// Its state.
    pub state: &'static str,
    /// Attempts started so far.
    pub attempts: u32,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When its last event happened.
    pub updated_at: Option<DateTime<Utc>>,
    /// Host of its first URL.
    pub domain: Option<String>,
    /// The last error's message, if any.
    pub last_error: Option<String>,
    /// Object Store key of its result, once succeeded.
    pub result_key: Option<String>,
}

impl From<JobSummary> for JobSummaryView {
    fn from(job: JobSummary) -> Self {
        Self {
            state: state_name(job.state),
            job_id: job.job_id,
            attempts: job.attempts,
            submitted_at: time(job.submitted_at),
            updated_at: time(job.updated_at),
            domain: some(job.domain),
            last_error: some(job.last_error),
            result_key: some(job.result_key),
        }
    }
}

/// What a cancel did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CancelView {
    /// Job id.
    pub job_id: String,
    /// `cancelled` when it was queued; `running` while its worker stops.
    pub state: &'static str,
    /// The cancel is recorded; with `running`, the worker has yet to stop.
    pub cancel_requested: bool,
    /// Stream sequence of the job's last event after the cancel.
    pub last_sequence: u64,
}

impl From<CancelJobResponse> for CancelView {
    fn from(done: CancelJobResponse) -> Self {
        Self {
            state: state_name(done.state),
            job_id: done.job_id,
            cancel_requested: done.cancel_requested,
            last_sequence: done.last_sequence,
        }
    }
}

/// One page of the dead-letter queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadLetterPage {
    /// Newest first.
    pub dead_letters: Vec<DeadLetterView>,
    /// Pass as `page_token` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A dead-lettered job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadLetterView {
    /// Job id.
    pub job_id: String,
    /// Owning tenant.
    pub tenant: String,
    /// Host of its first URL.
    pub domain: String,
    /// `attempts_exhausted`, `non_retryable`, `worker_lost` or `max_deliveries`.
    pub reason: String,
    /// Class of the last error, e.g. `http_4xx`.
    pub error_class: String,
    /// The last error's message.
    pub message: String,
    /// Attempts it had.
    pub attempts: u32,
    /// Each failed attempt's error.
    pub attempt_errors: Vec<AttemptErrorView>,
    /// When it was dead-lettered.
    pub dead_lettered_at: Option<DateTime<Utc>>,
    /// Times it was replayed before.
    pub replays: u32,
}

/// One failed attempt.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttemptErrorView {
    /// Attempt number.
    pub attempt: u32,
    /// Error class.
    pub error_class: String,
    /// Error message.
    pub message: String,
}

impl From<DeadLetter> for DeadLetterView {
    fn from(letter: DeadLetter) -> Self {
        Self {
            job_id: letter.job_id,
            tenant: letter.tenant,
            domain: letter.domain,
            reason: letter.reason,
            error_class: letter.error_class,
            message: letter.message,
            attempts: letter.attempts,
            attempt_errors: letter
                .attempt_errors
                .into_iter()
                .map(|e| AttemptErrorView {
                    attempt: e.attempt,
                    error_class: e.error_class,
                    message: e.message,
                })
                .collect(),
            dead_lettered_at: time(letter.dead_lettered_at),
            replays: letter.replays,
        }
    }
}

/// What a replay did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplayView {
    /// Jobs queued again, each with the stream sequence of its JobReplayed.
    pub replayed: Vec<ReplayedView>,
    /// Jobs a filter matched that could not be replayed, with why.
    pub skipped: Vec<SkippedView>,
}

/// A replayed job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplayedView {
    /// Job id.
    pub job_id: String,
    /// Stream sequence of its JobReplayed.
    pub sequence: u64,
}

/// A job a replay left alone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkippedView {
    /// Job id.
    pub job_id: String,
    /// Why.
    pub reason: String,
}

impl From<ReplayDeadLetterResponse> for ReplayView {
    fn from(done: ReplayDeadLetterResponse) -> Self {
        Self {
            replayed: done
                .replayed
                .into_iter()
                .map(|r| ReplayedView {
                    job_id: r.job_id,
                    sequence: r.sequence,
                })
                .collect(),
            skipped: done
                .skipped
                .into_iter()
                .map(|s| SkippedView {
                    job_id: s.job_id,
                    reason: s.reason,
                })
                .collect(),
        }
    }
}
