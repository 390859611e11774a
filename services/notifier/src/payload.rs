//! The JSON a webhook carries: `{"type", "timestamp", "data": {...}}`, with the job id,
//! its state, the signed result URL, timings, attempts and the error.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_results::SignedUrl;
use jetcrawl_streams::{Job, RecordedEvent};
use serde_json::{Value, json};

/// The notification type of a terminal event, `None` for any other event.
pub fn notification_type(event: &RecordedEvent) -> Option<&'static str> {
    match event.payload()? {
        Payload::JobSucceeded(_) => Some("job.succeeded"),
        Payload::JobFailed(_) => Some("job.failed"),
        Payload::JobCancelled(_) => Some("job.cancelled"),
        _ => None,
    }
}

/// The payload for `job` (folded up to `terminal`) reaching `terminal`.
pub fn payload(job: &Job, terminal: &RecordedEvent, result_url: Option<&SignedUrl>) -> Value {
    let finished_at = terminal.occurred_at();
    let duration_ms = job
        .submitted_at
        .map(|submitted| (finished_at - submitted).num_milliseconds().max(0));
    let (state, error, result) = match terminal.payload() {
        Some(Payload::JobSucceeded(done)) => (
            "succeeded",
            Value::Null,
            json!({
                "url": result_url.map(|u| u.url.clone()),
                "url_expires_at": result_url.map(|u| u.expires_at.to_rfc3339()),
                "sha256": done.result_sha256,
                "size": done.result_size,
                "run_ms": done.duration_ms,
            }),
        ),
        Some(Payload::JobFailed(failed)) => (
            "failed",
            json!({"class": failed.error_class, "message": failed.message}),
            Value::Null,
        ),
        Some(Payload::JobCancelled(cancelled)) => (
            "cancelled",
            json!({"class": "cancelled", "message": cancelled.reason}),
            Value::Null,
        ),
        _ => ("unknown", Value::Null, Value::Null),
    };
    json!({
        "type": notification_type(terminal).unwrap_or("job.unknown"),
        "timestamp": finished_at.to_rfc3339(),
        "data": {
            "job_id": terminal.event.job_id,
            "state": state,
            "attempts": job.attempts,
            "submitted_at": job.submitted_at.map(|t| t.to_rfc3339()),
            "finished_at": finished_at.to_rfc3339(),
            "duration_ms": duration_ms,
            "result": result,
            "error": error,
        }
    })
}
