//! Bad specs over gRPC and HTTP: the right code, a message naming the field, and
//! nothing appended to the stream.

use crate::common;

use crate::common::{TestGateway, request, spec};
use jetcrawl_gateway::status::bad_request_of;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{Click, ExtractRule, JobSpec, RenderMode, Settle, SettleRule, Step};
use serde_json::{Value, json};
use tonic::Code;

fn rule(name: &str) -> ExtractRule {
    ExtractRule {
        name: name.into(),
        selector: "h1".into(),
        ..Default::default()
    }
}

fn click(selector: &str) -> Step {
    Step {
        kind: Some(Kind::Click(Click {
            selector: selector.into(),
        })),
        timeout_ms: 0,
    }
}

/// (case, spec, field the message must name).
fn grpc_cases() -> Vec<(&'static str, JobSpec, &'static str)> {
    let ok = || spec(&["https://example.com/"]);
    let many: Vec<String> = (0..21).map(|i| format!("https://e{i}.example/")).collect();
    vec![
        ("empty URL list", spec(&[]), "spec.urls"),
        ("ftp scheme", spec(&["ftp://x"]), "spec.urls[0]"),
        (
            "malformed URL",
            spec(&["https://ok.example/", "http//nope"]),
            "spec.urls[1]",
        ),
        (
            "credentials",
            spec(&["https://user:hunter2@example.com/"]),
            "spec.urls[0]",
        ),
        (
            "loopback",
            spec(&["http://127.0.0.1:8080/"]),
            "spec.urls[0]",
        ),
        (
            "step without kind",
            JobSpec {
                steps: vec![Step::default()],
                ..ok()
            },
            "spec.steps[0]",
        ),
        (
            "invalid CSS",
            JobSpec {
                steps: vec![click("div[")],
                ..ok()
            },
            "spec.steps[0].click.selector",
        ),
        (
            "timeout 500",
            JobSpec {
                timeout_ms: 500,
                ..ok()
            },
            "spec.timeout_ms",
        ),
        (
            "timeout 10,000,000",
            JobSpec {
                timeout_ms: 10_000_000,
                ..ok()
            },
            "spec.timeout_ms",
        ),
        ("21 URLs", JobSpec { urls: many, ..ok() }, "spec.urls"),
        (
            "duplicate rule",
            JobSpec {
                extract: vec![rule("title"), rule("title")],
                ..ok()
            },
            "spec.extract[1].name",
        ),
        (
            "http with click",
            JobSpec {
                render: RenderMode::Http as i32,
                steps: vec![click("#go")],
                ..ok()
            },
            "spec.render",
        ),
        (
            "unknown settle rule",
            JobSpec {
                settle: Some(Settle {
                    rule: 42,
                    ..Default::default()
                }),
                ..ok()
            },
            "spec.settle.rule",
        ),
        (
            "settle SELECTOR without a selector",
            JobSpec {
                settle: Some(Settle {
                    rule: SettleRule::Selector as i32,
                    ..Default::default()
                }),
                ..ok()
            },
            "spec.settle.selector",
        ),
    ]
}

/// (case, body, HTTP status, field the message must name).
fn http_cases() -> Vec<(&'static str, Value, u16, &'static str)> {
    let with = |spec: Value| json!({ "spec": spec });
    let many: Vec<String> = (0..21).map(|i| format!("https://e{i}.example/")).collect();
    vec![
        (
            "empty URL list",
            with(json!({"urls": []})),
            400,
            "spec.urls",
        ),
        (
            "ftp scheme",
            with(json!({"urls": ["ftp://x"]})),
            400,
            "spec.urls[0]",
        ),
        (
            "malformed URL",
            with(json!({"urls": ["http//nope"]})),
            400,
            "spec.urls[0]",
        ),
        (
            "credentials",
            with(json!({"urls": ["https://user:hunter2@example.com/"]})),
            400,
            "spec.urls[0]",
        ),
        (
            "loopback",
            with(json!({"urls": ["http://localhost/"]})),
            400,
            "spec.urls[0]",
        ),
        (
            "unknown step",
            with(
                json!({"urls": ["https://example.com/"], "steps": [{"click": {"selector": "#a"}}, {"hover": {"selector": "#b"}}]}),
            ),
            400,
            "spec.steps[1]",
        ),
        (
            "two kinds in a step",
            with(
                json!({"urls": ["https://example.com/"], "steps": [{"click": {"selector": "#a"}, "navigate": {"url": "https://example.com/"}}]}),
            ),
            400,
            "spec.steps[0]",
        ),
        (
            "invalid CSS",
            with(
                json!({"urls": ["https://example.com/"], "steps": [{"wait_for": {"selector": "div["}}]}),
            ),
            400,
            "spec.steps[0].wait_for.selector",
        ),
        (
            "timeout 500",
            with(json!({"urls": ["https://example.com/"], "timeout_ms": 500})),
            400,
            "spec.timeout_ms",
        ),
        (
            "timeout 10,000,000",
            with(json!({"urls": ["https://example.com/"], "timeout_ms": 10_000_000})),
            400,
            "spec.timeout_ms",
        ),
        ("21 URLs", with(json!({"urls": many})), 400, "spec.urls"),
        (
            "duplicate rule",
            with(
                json!({"urls": ["https://example.com/"], "extract": [{"name": "title", "selector": "h1"}, {"name": "title", "selector": "h2"}]}),
            ),
            400,
            "spec.extract[1].name",
        ),
        (
            "http with click",
            with(
                json!({"urls": ["https://example.com/"], "render": "http", "steps": [{"click": {"selector": "#go"}}]}),
            ),
            400,
            "spec.render",
        ),
        (
            "unknown field",
            with(json!({"urls": ["https://example.com/"], "colour": "red"})),
            400,
            "spec",
        ),
        (
            "unknown render",
            with(json!({"urls": ["https://example.com/"], "render": "fast"})),
            400,
            "spec.render",
        ),
        (
            "settle TEXT without a text",
            with(json!({"urls": ["https://example.com/"], "settle": {"rule": "text"}})),
            400,
            "spec.settle.text",
        ),
        (
            "wait_for_text without a text",
            with(
                json!({"urls": ["https://example.com/"], "steps": [{"wait_for_text": {"selector": "#a"}}]}),
            ),
            400,
            "spec.steps[0].wait_for_text.text",
        ),
        (
            "oversized body",
            with(json!({"urls": ["https://example.com/"], "labels": {"big": "x".repeat(2 << 20)}})),
            413,
            "1048576 bytes",
        ),
    ]
}

async fn check_grpc(gw: &TestGateway) {
    let mut client = gw.grpc().await;
    let before = gw.last_sequence().await;
    for (case, bad, field) in grpc_cases() {
        let status = client.submit_job(request(bad, "")).await.expect_err(case);
        assert_eq!(
            status.code(),
            Code::InvalidArgument,
            "{case}: {}",
            status.message()
        );
        assert!(
            status.message().contains(&format!("{field}:")),
            "{case}: {}",
            status.message()
        );
        assert!(
            !status.message().contains("hunter2"),
            "{case}: the password must not be echoed"
        );
        let details = bad_request_of(&status).expect("BadRequest details");
        assert!(
            details.field_violations.iter().any(|v| v.field == field),
            "{case}: {details:?}"
        );
        assert_eq!(gw.last_sequence().await, before, "{case}: nothing appended");
    }
    let mut huge = spec(&["https://example.com/"]);
    huge.labels.insert("big".into(), "x".repeat(2 << 20));
    let status = client
        .submit_job(request(huge, ""))
        .await
        .expect_err("2 MiB");
    assert_eq!(
        status.code(),
        Code::ResourceExhausted,
        "{}",
        status.message()
    );
    assert_eq!(
        gw.last_sequence().await,
        before,
        "oversized: nothing appended"
    );
}

async fn check_http(gw: &TestGateway) {
    let before = gw.last_sequence().await;
    for (case, body, code, field) in http_cases() {
        let response = gw
            .http
            .post(gw.url("/v1/jobs"))
            .json(&body)
            .send()
            .await
            .expect(case);
        assert_eq!(response.status().as_u16(), code, "{case}");
        if code == 413 {
            // The unread body poisons the connection: the client must be told to drop
            // it, or its next request on the pool fails half-way.
            assert_eq!(
                response.headers().get("connection").map(|v| v.as_bytes()),
                Some(&b"close"[..]),
                "{case}"
            );
        }
        let error: Value = response.json().await.expect("JSON error body");
        let message = error["detail"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{case}: {error}");
        assert!(
            !message.contains("hunter2"),
            "{case}: the password must not be echoed"
        );
        let expected = if code == 413 {
            "RESOURCE_EXHAUSTED"
        } else {
            "INVALID_ARGUMENT"
        };
        assert_eq!(error["code"], expected, "{case}");
        assert_eq!(gw.last_sequence().await, before, "{case}: nothing appended");
    }
    let unknown = gw
        .http
        .post(gw.url("/v1/jobs"))
        .json(&json!({"spec": {"urls": ["https://example.com/"], "steps": [{"hover": {}}]}}))
        .send()
        .await
        .expect("POST");
    let error: Value = unknown.json().await.expect("json");
    assert_eq!(
        error["errors"][0]["field"], "spec.steps[0].hover",
        "{error}"
    );
    let description = error["errors"][0]["detail"].as_str().unwrap_or_default();
    assert!(
        description.contains("expected one of `navigate`, `wait_for`"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_specs_are_refused_with_the_field_and_nothing_is_appended() {
    let mut gw = common::start(|_| {}).await;
    check_grpc(&gw).await;
    check_http(&gw).await;

    // An explicit 0 means the default deadline: accepted.
    let before = gw.last_sequence().await;
    let mut client = gw.grpc().await;
    let zero = jetcrawl_proto::v1::JobSpec {
        timeout_ms: 0,
        ..spec(&["https://example.com/"])
    };
    let accepted = client
        .submit_job(request(zero, ""))
        .await
        .expect("0 is the default")
        .into_inner();
    assert_eq!(accepted.stream_sequence, before + 1);
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_targets_are_accepted_when_allowed() {
    let mut gw = common::start(|c| c.allow_private_targets = true).await;
    let mut client = gw.grpc().await;
    let local = spec(&["http://127.0.0.1:8080/", "http://localhost/"]);
    let accepted = client
        .submit_job(request(local, ""))
        .await
        .expect("allowed")
        .into_inner();
    assert!(!accepted.job_id.is_empty());
    gw.shutdown().await;
}
