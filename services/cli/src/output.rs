//! Rendering jobs and events for humans (text) and scripts (JSON).

use jetcrawl_proto::v1::{Job, JobEvent, JobState, RenderMode};
use serde_json::{Value, json};

/// Lower-case state name.
pub fn state_name(state: i32) -> &'static str {
    match JobState::try_from(state).unwrap_or(JobState::Unspecified) {
        JobState::Unspecified => "unknown",
        JobState::Queued => "queued",
        JobState::Running => "running",
        JobState::Succeeded => "succeeded",
        JobState::Failed => "failed",
        JobState::Cancelled => "cancelled",
    }
}

fn mode_name(mode: i32) -> &'static str {
    match RenderMode::try_from(mode).unwrap_or(RenderMode::Unspecified) {
        RenderMode::Http => "http",
        RenderMode::Browser => "browser",
        RenderMode::Auto | RenderMode::Unspecified => "auto",
    }
}

pub fn timestamp(ts: Option<&prost_types::Timestamp>) -> Value {
    datetime(ts).map_or(Value::Null, |t| Value::String(t.to_rfc3339()))
}

/// A protobuf timestamp as a UTC time; `None` when unset or out of range.
pub fn datetime(ts: Option<&prost_types::Timestamp>) -> Option<chrono::DateTime<chrono::Utc>> {
    ts.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
}

/// A job as JSON.
pub fn job_json(job: &Job) -> Value {
    let spec = job.spec.clone().unwrap_or_default();
    json!({
        "job_id": job.job_id,
        "tenant": job.tenant,
        "state": state_name(job.state),
        "attempts": job.attempts,
        "urls": spec.urls,
        "render": mode_name(spec.render),
        "submitted_at": timestamp(job.submitted_at.as_ref()),
        "updated_at": timestamp(job.updated_at.as_ref()),
        "last_sequence": job.last_sequence,
        "result": job.result.as_ref().map(|r| json!({
            "key": r.result_key,
            "size": r.result_size,
            "sha256": r.result_sha256,
            "mode_used": mode_name(r.mode_used),
            "duration_ms": r.duration_ms,
        })),
        "failure": job.failure.as_ref().map(|f| json!({
            "error_class": f.error_class,
            "message": f.message,
            "attempts": f.attempts,
        })),
        "crawl": job.crawl.as_ref().map(|p| json!({
            "queued": p.queued,
            "done": p.done,
            "failed": p.failed,
            "skipped_robots": p.skipped_robots,
            "cancelled": p.cancelled,
            "skipped_scope": p.skipped_scope,
            "skipped_limit": p.skipped_limit,
            "discovered": p.discovered,
            "pending": p.pending,
            "sitemaps_read": p.sitemaps_read,
        })),
        "crawl_id": spec.page.as_ref().map(|p| p.crawl_id.clone()),
    })
}

/// A job as a few aligned lines.
pub fn job_text(job: &Job) -> String {
    let mut lines = vec![
        format!("job       {}", job.job_id),
        format!("state     {}", state_name(job.state)),
        format!("attempts  {}", job.attempts),
    ];
    if let Some(spec) = &job.spec {
        lines.push(format!("urls      {}", spec.urls.join(" ")));
    }
    if let Some(result) = &job.result {
        lines.push(format!(
            "result    {} ({} bytes, sha256 {}, ran in {} mode, {} ms)",
            result.result_key,
            result.result_size,
            result.result_sha256,
            mode_name(result.mode_used),
            result.duration_ms
        ));
    }
    if let Some(failure) = &job.failure {
        lines.push(format!(
            "error     {}: {}",
            failure.error_class, failure.message
        ));
    }
    if let Some(p) = &job.crawl {
        lines.push(format!(
            "crawl     {} queued: {} done, {} failed, {} disallowed by robots.txt, {} cancelled, {} pending; {} discovered, {} out of scope, {} past the limit",
            p.queued, p.done, p.failed, p.skipped_robots, p.cancelled, p.pending, p.discovered, p.skipped_scope, p.skipped_limit
        ));
    }
    if let Some(page) = job.spec.as_ref().and_then(|s| s.page.as_ref()) {
        lines.push(format!(
            "crawl     page of {} (depth {})",
            page.crawl_id, page.depth
        ));
    }
    lines.join("\n")
}

/// One event as JSON.
pub fn event_json(event: &JobEvent) -> Value {
    let envelope = event.event.clone().unwrap_or_default();
    json!({
        "sequence": event.sequence,
        "event_type": envelope.event_type,
        "occurred_at": timestamp(envelope.occurred_at.as_ref()),
        "actor": envelope.actor,
        "state": state_name(event.state),
    })
}

/// One event as a progress line; an agent job's journal says what the model did.
pub fn event_text(event: &JobEvent) -> String {
    let envelope = event.event.clone().unwrap_or_default();
    let line = format!(
        "#{:<6} {:<18} -> {:<10} ({})",
        event.sequence,
        envelope.event_type,
        state_name(event.state),
        envelope.actor
    );
    match crate::agent_output::agent_text(event) {
        Some(detail) => format!("{line} {detail}"),
        None => line,
    }
}

/// Writes one line to stdout. A closed pipe (`jetcrawl list | head -1`) ends the
/// process quietly and successfully: the reader wanted no more, and a panic would only
/// print noise.
pub fn line(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let written = writeln!(out, "{args}").and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(err) => eprintln!("cannot write to stdout: {err}"),
    }
}
