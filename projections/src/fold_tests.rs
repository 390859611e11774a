//! The row fold agrees with the aggregate's `evolve` and fills the audit columns.

use jetcrawl_proto::v1::{
    JobAttemptFailed, JobCancelled, JobFailed, JobSpec, JobStarted, JobSucceeded, RenderMode,
};
use jetcrawl_streams::envelope::new_event;
use jetcrawl_streams::job::fold;

use chrono::SubsecRound as _;

use super::*;

fn history(payloads: Vec<Payload>) -> Vec<RecordedEvent> {
    payloads
        .into_iter()
        .enumerate()
        .map(|(i, p)| RecordedEvent {
            sequence: 10 + i as u64,
            event: new_event("job-1", "acme", "test", "", p),
        })
        .collect()
}

fn submitted() -> Payload {
    Payload::JobSubmitted(JobSubmitted {
        spec: Some(JobSpec {
            urls: vec![
                "https://Shop.Example.com:8443/a?b=c".into(),
                "https://other.org/".into(),
            ],
            render: RenderMode::Auto as i32,
            labels: [("env".to_owned(), "prod".to_owned())]
                .into_iter()
                .collect(),
            ..Default::default()
        }),
        idempotency_key: "k1".into(),
        spec_sha256: "s".into(),
        ..Default::default()
    })
}

fn started(attempt: u32) -> Payload {
    Payload::JobStarted(JobStarted {
        attempt,
        worker_id: "w".into(),
        ..Default::default()
    })
}

fn attempt_failed(attempt: u32, retryable: bool) -> Payload {
    Payload::JobAttemptFailed(JobAttemptFailed {
        attempt,
        error_class: "http_5xx".into(),
        message: format!("attempt {attempt}: 503"),
        retryable,
        ..Default::default()
    })
}

fn assert_agrees_with_evolve(events: &[RecordedEvent]) -> JobRow {
    let row = fold_rows(events).expect("a submitted job has a row");
    let job = fold(events);
    assert_eq!(row.status, job.status.as_str());
    assert_eq!(row.attempts as u32, job.attempts);
    assert_eq!(row.last_seq as u64, job.last_sequence);
    assert_eq!(row.submitted_seq, Some(job.submitted_sequence as i64));
    assert_eq!(
        Some(row.updated_at),
        job.updated_at.map(|t| t.trunc_subsecs(6))
    );
    row
}

#[test]
fn a_submission_creates_a_queued_row_with_domain_mode_and_labels() {
    let row = assert_agrees_with_evolve(&history(vec![submitted()]));
    assert_eq!(row.status, "queued");
    assert_eq!(row.domain.as_deref(), Some("shop.example.com"));
    assert_eq!(row.render_mode.as_deref(), Some("auto"));
    assert_eq!(row.labels, Some(serde_json::json!({"env": "prod"})));
    assert_eq!(row.idempotency_key.as_deref(), Some("k1"));
    assert_eq!(row.submitted_seq, Some(10));
}

#[test]
fn a_retryable_failure_requeues_and_a_success_ends_the_job() {
    let events = history(vec![
        submitted(),
        started(1),
        attempt_failed(1, true),
        started(2),
        Payload::JobSucceeded(JobSucceeded {
            attempt: 2,
            result_key: "job-1/result.json".into(),
            result_size: 77,
            result_sha256: "abcd".into(),
            mode_used: RenderMode::Browser as i32,
            ..Default::default()
        }),
    ]);
    let requeued = assert_agrees_with_evolve(&events[..3]);
    assert_eq!(requeued.status, "queued");
    assert_eq!(requeued.last_error.as_deref(), Some("attempt 1: 503"));
    assert_eq!(requeued.last_error_class.as_deref(), Some("http_5xx"));
    let done = assert_agrees_with_evolve(&events);
    assert_eq!(done.status, "succeeded");
    assert_eq!(done.attempts, 2);
    assert_eq!(done.result_key.as_deref(), Some("job-1/result.json"));
    assert_eq!(done.result_size, Some(77));
    assert_eq!(done.mode_used.as_deref(), Some("browser"));
    assert_eq!(done.started_at, Some(occurred_at(&events[3])));
    assert_eq!(done.finished_at, Some(occurred_at(&events[4])));
}

#[test]
fn a_final_failure_records_the_error_and_the_end() {
    let events = history(vec![
        submitted(),
        started(1),
        attempt_failed(1, false),
        Payload::JobFailed(JobFailed {
            attempts: 1,
            error_class: "robots".into(),
            message: "disallowed".into(),
        }),
    ]);
    let after_attempt = assert_agrees_with_evolve(&events[..3]);
    assert_eq!(
        after_attempt.status, "running",
        "a non-retryable attempt failure alone does not requeue"
    );
    let row = assert_agrees_with_evolve(&events);
    assert_eq!(row.status, "failed");
    assert_eq!(row.last_error_class.as_deref(), Some("robots"));
    assert_eq!(row.last_error.as_deref(), Some("disallowed"));
    assert!(row.finished_at.is_some());
}

#[test]
fn a_cancellation_and_an_unknown_event_still_move_the_sequence() {
    let mut events = history(vec![
        submitted(),
        Payload::JobCancelled(JobCancelled { reason: "r".into() }),
    ]);
    let mut future = events[1].clone();
    future.sequence = 99;
    future.event.payload = None;
    future.event.event_type = "JobArchived".into();
    events.push(future);
    let row = assert_agrees_with_evolve(&events);
    assert_eq!(row.status, "cancelled");
    assert_eq!(row.last_seq, 99);
}

#[test]
fn events_of_a_job_never_submitted_make_no_row() {
    assert_eq!(fold_rows(&history(vec![started(1)])), None);
}
