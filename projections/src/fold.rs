//! The pure fold of events into `jobs` rows. Status and attempts come from
//! `jetcrawl_streams::job::evolve` itself, so the read model can never disagree with the
//! state machine; this file only adds the columns the aggregate does not keep.

use chrono::{DateTime, SubsecRound as _, Utc};
use jetcrawl_proto::v1::JobSubmitted;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::{Job, JobStatus, RecordedEvent, evolve};

use crate::payload_json::{labels_json, render_mode_name};
use crate::rows::{JobRow, parse_status};

/// The job's row after `recorded`, given its row before (`None`: no row yet).
///
/// A job gets a row with its JobSubmitted; any other event of a job without a row (which
/// the append rules make impossible) leaves it without one, as `job_events` still keeps
/// the event.
pub fn apply_event(row: Option<JobRow>, recorded: &RecordedEvent) -> Option<JobRow> {
    let occurred_at = occurred_at(recorded);
    let mut row = match (row, recorded.payload()) {
        (_, Some(Payload::JobSubmitted(submitted))) => submitted_row(recorded, submitted),
        (Some(row), _) => row,
        (None, _) => return None,
    };
    let job = evolve(aggregate_of(&row), recorded);
    // `New` cannot follow an event; keep the row's status rather than write an invalid one.
    if job.status != JobStatus::New {
        row.status = job.status.as_str().to_owned();
    }
    row.attempts = i32::try_from(job.attempts).unwrap_or(i32::MAX);
    row.last_seq = seq(recorded.sequence);
    row.updated_at = occurred_at;
    match recorded.payload() {
        Some(Payload::JobStarted(_)) => row.started_at = Some(occurred_at),
        Some(Payload::JobAttemptFailed(failed)) => {
            row.last_error_class = Some(failed.error_class.clone());
            row.last_error = Some(failed.message.clone());
        }
        Some(Payload::JobSucceeded(succeeded)) => {
            row.duration_ms = Some(millis_between(row.submitted_at, occurred_at));
            row.result_key = non_empty(&succeeded.result_key);
            row.result_size = Some(i64::try_from(succeeded.result_size).unwrap_or(i64::MAX));
            row.result_sha256 = non_empty(&succeeded.result_sha256);
            row.mode_used = Some(render_mode_name(succeeded.mode_used).to_owned());
            row.finished_at = Some(occurred_at);
        }
        Some(Payload::JobFailed(failed)) => {
            row.last_error_class = Some(failed.error_class.clone());
            row.last_error = Some(failed.message.clone());
            row.finished_at = Some(occurred_at);
            row.duration_ms = Some(millis_between(row.submitted_at, occurred_at));
        }
        Some(Payload::JobCancelled(_)) => {
            row.finished_at = Some(occurred_at);
            row.duration_ms = Some(millis_between(row.submitted_at, occurred_at));
        }
        Some(Payload::JobReplayed(_)) => {
            row.finished_at = None;
            row.duration_ms = None;
            row.result_key = None;
            row.result_size = None;
            row.result_sha256 = None;
            row.mode_used = None;
        }
        Some(
            Payload::JobSubmitted(_)
            | Payload::JobDeferred(_)
            | Payload::JobDeadLettered(_)
            | Payload::JobCancelRequested(_)
            | Payload::ResultExpired(_)
            | Payload::WebhookDelivered(_)
            | Payload::WebhookFailed(_)
            | Payload::RobotsDisallowed(_)
            | Payload::AgentTurn(_)
            | Payload::StepExecuted(_)
            | Payload::AgentFinished(_)
            | Payload::CrawlPagesQueued(_)
            | Payload::CrawlPageFinished(_),
        )
        | None => {}
    }
    Some(row)
}

/// Folds a whole history into the row a fresh projection would hold.
pub fn fold_rows<'a>(events: impl IntoIterator<Item = &'a RecordedEvent>) -> Option<JobRow> {
    events.into_iter().fold(None, apply_event)
}

/// A fresh row from the job's JobSubmitted.
fn submitted_row(recorded: &RecordedEvent, submitted: &JobSubmitted) -> JobRow {
    let event = &recorded.event;
    let spec = submitted.spec.as_ref();
    JobRow {
        job_id: event.job_id.clone(),
        tenant: event.tenant.clone(),
        status: JobStatus::Queued.as_str().to_owned(),
        domain: submitted_domain(submitted),
        render_mode: spec.map(|s| render_mode_name(s.render).to_owned()),
        mode_used: None,
        attempts: 0,
        submitted_at: occurred_at(recorded),
        started_at: None,
        finished_at: None,
        updated_at: occurred_at(recorded),
        last_error_class: None,
        last_error: None,
        result_key: None,
        result_size: None,
        result_sha256: None,
        labels: spec.map(|s| labels_json(&s.labels)),
        idempotency_key: non_empty(&submitted.idempotency_key),
        submitted_seq: Some(seq(recorded.sequence)),
        last_seq: seq(recorded.sequence),
        ack_latency_ms: None,
        duration_ms: None,
    }
}

/// The aggregate fields `evolve` reads, rebuilt from a row.
fn aggregate_of(row: &JobRow) -> Job {
    Job {
        id: row.job_id.clone(),
        tenant: row.tenant.clone(),
        status: parse_status(&row.status).unwrap_or_default(),
        attempts: u32::try_from(row.attempts).unwrap_or_default(),
        last_sequence: u64::try_from(row.last_seq).unwrap_or_default(),
        submitted_sequence: row
            .submitted_seq
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(0),
        submitted_at: Some(row.submitted_at),
        updated_at: Some(row.updated_at),
        ..Job::default()
    }
}

/// The job's domain. A sealed spec's URLs do not parse: its host comes in clear in
/// JobSubmitted's `domain`; otherwise the host of the first URL.
pub fn submitted_domain(submitted: &JobSubmitted) -> Option<String> {
    non_empty(&submitted.domain).or_else(|| {
        submitted
            .spec
            .as_ref()
            .and_then(|s| s.urls.first())
            .and_then(|u| domain_of(u))
    })
}

/// Host of an absolute URL, lower-cased; `None` for anything unparsable (e.g. an
/// encrypted URL).
pub fn domain_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .host_str()
        .map(str::to_ascii_lowercase)
}

/// When the event happened, at the microsecond precision Postgres stores, so a fold in
/// memory equals the row read back.
pub(crate) fn occurred_at(recorded: &RecordedEvent) -> DateTime<Utc> {
    recorded.occurred_at().trunc_subsecs(6)
}

/// Submit ACK latency of a JobSubmitted stored by JetStream at `stored_at`: the stored
/// time minus the event's occurred_at (stamped when the request reached the gateway), in
/// milliseconds with microsecond precision; `None` for other events.
pub fn ack_latency_ms(recorded: &RecordedEvent, stored_at: DateTime<Utc>) -> Option<f64> {
    let Some(Payload::JobSubmitted(_)) = recorded.payload() else {
        return None;
    };
    let micros = (stored_at - recorded.occurred_at()).num_microseconds()?;
    Some(micros as f64 / 1000.0)
}

fn millis_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_milliseconds()
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// Stream sequences fit in BIGINT (JetStream caps them far below 2^63).
pub(crate) fn seq(sequence: u64) -> i64 {
    i64::try_from(sequence).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "fold_tests.rs"]
mod tests;
