//! More bad inputs (beyond `invalid.rs`), across gRPC and HTTP: each answers the right
//! code with a field violation naming the field, and the JOBS stream's last sequence
//! is unchanged. Also the server-side deadline when the client sends none.

use crate::common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::common::{TestGateway, request, spec};
use jetcrawl_gateway::status::bad_request_of;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    Click, ExtractKind, ExtractNow, ExtractRule, GetJobRequest, JobSpec, ListJobsRequest,
    Screenshot, Scroll, Step, SubmitJobRequest, TypeText, WatchJobRequest,
};
use serde_json::{Value, json};
use tonic::Code;

fn step(kind: Kind) -> Step {
    Step {
        kind: Some(kind),
        timeout_ms: 0,
    }
}

fn ok() -> JobSpec {
    spec(&["https://example.com/"])
}

fn rule(name: &str) -> ExtractRule {
    ExtractRule {
        name: name.into(),
        selector: "h1".into(),
        ..Default::default()
    }
}

/// (case, request, field the violation must name).
fn submit_cases() -> Vec<(&'static str, SubmitJobRequest, String)> {
    let long_url = format!("https://example.com/{}", "a".repeat(2100));
    let with = |spec: JobSpec| request(spec, "");
    let labels: HashMap<String, String> = (0..33).map(|i| (format!("k{i}"), "v".into())).collect();
    vec![
        (
            "URL over 2048 characters",
            with(spec(&[&long_url])),
            "spec.urls[0]".into(),
        ),
        (
            "51 steps",
            with(JobSpec {
                steps: (0..51)
                    .map(|_| {
                        step(Kind::Click(Click {
                            selector: "#a".into(),
                        }))
                    })
                    .collect(),
                ..ok()
            }),
            "spec.steps".into(),
        ),
        (
            "selector over 1024 characters",
            with(JobSpec {
                steps: vec![step(Kind::Click(Click {
                    selector: format!("#{}", "a".repeat(1100)),
                }))],
                ..ok()
            }),
            "spec.steps[0].click.selector".into(),
        ),
        (
            "typed text over 4096 characters",
            with(JobSpec {
                steps: vec![step(Kind::Type(TypeText {
                    selector: "#q".into(),
                    text: "x".repeat(5000),
                }))],
                ..ok()
            }),
            "spec.steps[0].type.text".into(),
        ),
        (
            "scroll with nothing",
            with(JobSpec {
                steps: vec![step(Kind::Scroll(Scroll {
                    selector: String::new(),
                    pixels: 0,
                }))],
                ..ok()
            }),
            "spec.steps[0].scroll".into(),
        ),
        (
            "screenshot name with a slash",
            with(JobSpec {
                steps: vec![step(Kind::Screenshot(Screenshot {
                    name: "../etc".into(),
                    full_page: false,
                }))],
                ..ok()
            }),
            "spec.steps[0].screenshot.name".into(),
        ),
        (
            "extract step naming no rule",
            with(JobSpec {
                steps: vec![step(Kind::Extract(ExtractNow {
                    rules: vec!["ghost".into()],
                }))],
                ..ok()
            }),
            "spec.steps[0].extract.rules[0]".into(),
        ),
        (
            "rule name with a space",
            with(JobSpec {
                extract: vec![rule("bad name")],
                ..ok()
            }),
            "spec.extract[0].name".into(),
        ),
        (
            "101 extract rules",
            with(JobSpec {
                extract: (0..101).map(|i| rule(&format!("r{i}"))).collect(),
                ..ok()
            }),
            "spec.extract".into(),
        ),
        (
            "attribute rule without attribute",
            with(JobSpec {
                extract: vec![ExtractRule {
                    kind: ExtractKind::Attribute as i32,
                    ..rule("href")
                }],
                ..ok()
            }),
            "spec.extract[0].attribute".into(),
        ),
        (
            "unknown extract kind",
            with(JobSpec {
                extract: vec![ExtractRule {
                    kind: 42,
                    ..rule("t")
                }],
                ..ok()
            }),
            "spec.extract[0].kind".into(),
        ),
        (
            "33 labels",
            with(JobSpec { labels, ..ok() }),
            "spec.labels".into(),
        ),
        (
            "label key in capitals",
            with(JobSpec {
                labels: HashMap::from([("Team".into(), "x".into())]),
                ..ok()
            }),
            "spec.labels[\"Team\"]".into(),
        ),
        (
            "idempotency key over 128 characters",
            request(ok(), &"k".repeat(200)),
            "idempotency_key".into(),
        ),
        (
            "idempotency key with a newline",
            request(ok(), "a\nb"),
            "idempotency_key".into(),
        ),
        (
            "missing spec",
            SubmitJobRequest {
                spec: None,
                idempotency_key: String::new(),
            },
            "spec".into(),
        ),
    ]
}

fn assert_violation(case: &str, status: &tonic::Status, field: &str) {
    assert_eq!(
        status.code(),
        Code::InvalidArgument,
        "{case}: {}",
        status.message()
    );
    let details = bad_request_of(status).unwrap_or_else(|| panic!("{case}: BadRequest details"));
    assert!(
        details.field_violations.iter().any(|v| v.field == field),
        "{case}: want {field}, got {details:?}"
    );
}

async fn check_grpc(gw: &TestGateway) -> usize {
    let mut client = gw.grpc().await;
    let before = gw.last_sequence().await;
    let mut count = 0;
    for (case, bad, field) in submit_cases() {
        let status = client.submit_job(bad).await.expect_err(case);
        assert_violation(case, &status, &field);
        assert_eq!(gw.last_sequence().await, before, "{case}: nothing appended");
        count += 1;
    }
    let bad_id = "a.b*".to_owned();
    let get = client
        .get_job(GetJobRequest {
            job_id: bad_id.clone(),
        })
        .await
        .expect_err("get");
    assert_violation("GetJob with a subject wildcard", &get, "job_id");
    let watch = client
        .watch_job(WatchJobRequest {
            job_id: String::new(),
            progress: false,
        })
        .await
        .expect_err("watch");
    assert_violation("WatchJob with an empty id", &watch, "job_id");
    let list = |r: ListJobsRequest| {
        let mut client = client.clone();
        async move { client.list_jobs(r).await.expect_err("list") }
    };
    let page = list(ListJobsRequest {
        page_size: 501,
        ..Default::default()
    })
    .await;
    assert_violation("ListJobs page of 501", &page, "page_size");
    let state = list(ListJobsRequest {
        state: 99,
        ..Default::default()
    })
    .await;
    assert_violation("ListJobs unknown state", &state, "state");
    assert_eq!(gw.last_sequence().await, before);
    count + 4
}

/// (case, body, field the violation must name).
fn http_cases() -> Vec<(&'static str, String, &'static str)> {
    let body = |v: Value| v.to_string();
    vec![
        ("truncated JSON", "{\"spec\": ".to_owned(), "spec"),
        ("not JSON at all", "hello".to_owned(), "body"),
        (
            "spec is a string",
            body(json!({"spec": "https://example.com/"})),
            "spec",
        ),
        (
            "urls is not a list",
            body(json!({"spec": {"urls": "https://example.com/"}})),
            "spec.urls",
        ),
        (
            "negative timeout",
            body(json!({"spec": {"urls": ["https://example.com/"], "timeout_ms": -5}})),
            "spec.timeout_ms",
        ),
        (
            "many is a string",
            body(
                json!({"spec": {"urls": ["https://example.com/"], "extract": [{"name": "t", "selector": "h1", "many": "yes"}]}}),
            ),
            "spec.extract[0].many",
        ),
        (
            "a tenant in the body",
            body(json!({"spec": {"urls": ["https://example.com/"]}, "tenant": "acme"})),
            "tenant",
        ),
        (
            "trailing data",
            format!(
                "{} {{}}",
                json!({"spec": {"urls": ["https://example.com/"]}})
            ),
            "body",
        ),
        (
            "URL over 2048 characters",
            body(json!({"spec": {"urls": [format!("https://example.com/{}", "a".repeat(2100))]}})),
            "spec.urls[0]",
        ),
        (
            "idempotency key over 128 characters",
            body(
                json!({"spec": {"urls": ["https://example.com/"]}, "idempotency_key": "k".repeat(200)}),
            ),
            "idempotency_key",
        ),
        (
            "selector over 1024 characters",
            body(
                json!({"spec": {"urls": ["https://example.com/"], "steps": [{"click": {"selector": format!("#{}", "a".repeat(1100))}}]}}),
            ),
            "spec.steps[0].click.selector",
        ),
    ]
}

async fn check_http(gw: &TestGateway) -> usize {
    let before = gw.last_sequence().await;
    let mut count = 0;
    for (case, body, field) in http_cases() {
        let response = gw
            .http
            .post(gw.url("/v1/jobs"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect(case);
        assert_eq!(response.status(), 400, "{case}");
        let error: Value = response.json().await.expect("JSON error");
        assert_eq!(error["code"], "INVALID_ARGUMENT", "{case}");
        let violations = error["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            violations.iter().any(|v| v["field"] == field),
            "{case}: want {field}, got {error}"
        );
        assert_eq!(gw.last_sequence().await, before, "{case}: nothing appended");
        count += 1;
    }
    let response = gw
        .http
        .get(gw.url("/v1/jobs/a*b"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["errors"][0]["field"], "job_id", "{error}");
    count + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_bad_inputs_name_their_field_and_append_nothing() {
    let mut gw = common::start(|_| {}).await;
    let grpc = check_grpc(&gw).await;
    let http = check_http(&gw).await;
    // With invalid.rs (13 gRPC + 17 HTTP cases), the battery has over 40 distinct inputs.
    assert!(grpc + http >= 31, "{grpc} + {http}");
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_without_a_client_deadline_still_ends_at_the_server_deadline() {
    let mut gw = common::start(|c| {
        c.request_timeout_ms = 500;
        c.submit_budget_ms = 10_000;
    })
    .await;
    let mut client = gw.grpc().await;
    // Warm the key view, then take NATS away: the append can never be acknowledged.
    client
        .submit_job(request(ok(), ""))
        .await
        .expect("first submit");
    gw.nats.stop().await.expect("nats stops");
    let started = Instant::now();
    let status = client
        .submit_job(request(ok(), "deadline-1"))
        .await
        .expect_err("no NATS");
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(2_000),
        "answered after {took:?}"
    );
    assert!(
        matches!(
            status.code(),
            Code::DeadlineExceeded | Code::Cancelled | Code::Unavailable
        ),
        "{status:?}"
    );
    gw.shutdown().await;
}
