//! The proto → JSON renderings auditors read.

use super::*;
use jetcrawl_proto::v1::{Click, Navigate, Screenshot};
use serde_json::json;

#[test]
fn a_submission_renders_its_spec_with_readable_enums() {
    let spec = JobSpec {
        urls: vec!["https://example.com/a?q=1".into()],
        steps: vec![
            Step {
                kind: Some(Kind::Navigate(Navigate {
                    url: "https://example.com/b".into(),
                })),
                timeout_ms: 0,
            },
            Step {
                kind: Some(Kind::Click(Click {
                    selector: "#go".into(),
                })),
                timeout_ms: 1500,
            },
            Step {
                kind: Some(Kind::Screenshot(Screenshot {
                    name: "home".into(),
                    full_page: true,
                })),
                timeout_ms: 0,
            },
        ],
        extract: vec![ExtractRule {
            name: "title".into(),
            selector: "h1".into(),
            kind: ExtractKind::Text as i32,
            many: false,
            required: true,
            ..Default::default()
        }],
        render: RenderMode::Browser as i32,
        timeout_ms: 30_000,
        labels: [("team".to_owned(), "growth".to_owned())]
            .into_iter()
            .collect(),
        webhook_url: "https://hooks.example.com/j".into(),
        ..Default::default()
    };
    let payload = Payload::JobSubmitted(JobSubmitted {
        spec: Some(spec),
        idempotency_key: "key-1".into(),
        spec_sha256: "abc".into(),
        ..Default::default()
    });
    let value = payload_json(Some(&payload));
    assert_eq!(value["idempotency_key"], "key-1");
    assert_eq!(value["spec_sha256"], "abc");
    assert_eq!(value["spec"]["urls"], json!(["https://example.com/a?q=1"]));
    assert_eq!(value["spec"]["render"], "browser");
    assert_eq!(value["spec"]["timeout_ms"], 30_000);
    assert_eq!(value["spec"]["labels"], json!({"team": "growth"}));
    assert_eq!(value["spec"]["webhook_url"], "https://hooks.example.com/j");
    assert_eq!(
        value["spec"]["steps"][0],
        json!({"navigate": {"url": "https://example.com/b"}})
    );
    assert_eq!(
        value["spec"]["steps"][1],
        json!({"click": {"selector": "#go"}, "timeout_ms": 1500})
    );
    assert_eq!(value["spec"]["steps"][2]["screenshot"]["full_page"], true);
    assert_eq!(value["spec"]["extract"][0]["kind"], "text");
    assert_eq!(value["spec"]["extract"][0]["required"], true);
}

#[test]
fn a_success_renders_its_result_and_artifacts() {
    let payload = Payload::JobSucceeded(JobSucceeded {
        attempt: 2,
        result_key: "job-1/result.json".into(),
        result_size: 1234,
        result_sha256: "ff00".into(),
        artifacts: vec![Artifact {
            name: "home".into(),
            key: "job-1/home.png".into(),
            content_type: "image/png".into(),
            size: 99,
            sha256: "aa".into(),
        }],
        mode_used: RenderMode::Http as i32,
        duration_ms: 812,
        ..Default::default()
    });
    assert_eq!(
        payload_json(Some(&payload)),
        json!({
            "attempt": 2,
            "result_key": "job-1/result.json",
            "result_size": 1234,
            "result_sha256": "ff00",
            "artifacts": [{"name": "home", "key": "job-1/home.png", "content_type": "image/png", "size": 99, "sha256": "aa"}],
            "mode_used": "http",
            "duration_ms": 812,
        })
    );
}

#[test]
fn failures_render_their_class_message_and_next_attempt() {
    let attempt = Payload::JobAttemptFailed(JobAttemptFailed {
        attempt: 1,
        error_class: "http_5xx".into(),
        message: "503 from https://example.com/".into(),
        retryable: true,
        next_attempt_at: Some(prost_types::Timestamp {
            seconds: 1_767_225_600,
            nanos: 0,
        }),
        duration_ms: 40,
        ..Default::default()
    });
    let value = payload_json(Some(&attempt));
    assert_eq!(value["error_class"], "http_5xx");
    assert_eq!(value["retryable"], true);
    assert_eq!(value["next_attempt_at"], "2026-01-01T00:00:00+00:00");

    let last = Payload::JobAttemptFailed(JobAttemptFailed {
        retryable: false,
        ..Default::default()
    });
    assert_eq!(payload_json(Some(&last))["next_attempt_at"], Value::Null);

    let failed = Payload::JobFailed(JobFailed {
        attempts: 4,
        error_class: "timeout".into(),
        message: "gave up".into(),
    });
    assert_eq!(
        payload_json(Some(&failed)),
        json!({"attempts": 4, "error_class": "timeout", "message": "gave up"})
    );
}

#[test]
fn start_cancel_and_unknown_payloads_render() {
    let started = Payload::JobStarted(JobStarted {
        attempt: 3,
        worker_id: "w-7".into(),
        ..Default::default()
    });
    assert_eq!(
        payload_json(Some(&started)),
        json!({"attempt": 3, "worker_id": "w-7"})
    );
    let cancelled = Payload::JobCancelled(JobCancelled {
        reason: "client asked".into(),
    });
    assert_eq!(
        payload_json(Some(&cancelled)),
        json!({"reason": "client asked"})
    );
    assert_eq!(payload_json(None), json!({}));
}

#[test]
fn unknown_enum_values_render_as_unspecified() {
    assert_eq!(render_mode_name(42), "unspecified");
    assert_eq!(render_mode_name(RenderMode::Auto as i32), "auto");
}
