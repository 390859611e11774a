//! SubmitJob and GetJob over gRPC and HTTP: one event per job, permanent idempotency.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::{TestGateway, request, spec};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{GetJobRequest, JobState, RenderMode};
use serde_json::{Value, json};
use tonic::Code;

/// Asserts the stream holds exactly one event for `job_id`: its JobSubmitted, with the
/// routing headers, on `jobs.<id>.submitted`.
async fn assert_single_submitted(gw: &TestGateway, job_id: &str, sequence: u64) {
    let history = gw.store.history(job_id).await.expect("history");
    assert_eq!(
        history.len(),
        1,
        "exactly one event for {job_id}: {history:?}"
    );
    assert_eq!(history[0].sequence, sequence);
    assert!(matches!(
        history[0].payload(),
        Some(Payload::JobSubmitted(_))
    ));
    let stream = gw.js.get_stream("JOBS").await.expect("JOBS");
    let raw = stream
        .get_last_raw_message_by_subject(&format!("jobs.{job_id}.submitted"))
        .await
        .expect("message on jobs.<id>.submitted");
    assert_eq!(raw.sequence, sequence);
    let header = |name: &str| raw.headers.get(name).map(|v| v.as_str().to_owned());
    assert_eq!(
        header("Jetcrawl-Event-Type").as_deref(),
        Some("JobSubmitted")
    );
    assert_eq!(header("Jetcrawl-Job-Id").as_deref(), Some(job_id));
    assert_eq!(header("Jetcrawl-Tenant").as_deref(), Some("default"));
    let msg_id = header("Nats-Msg-Id").expect("Nats-Msg-Id");
    assert!(
        msg_id.starts_with(&format!("{job_id}.0.")),
        "id, expected sequence 0, payload hash: {msg_id}"
    );
    assert!(
        header("traceparent").is_some_and(|t| t.starts_with("00-")),
        "traceparent header"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grpc_submit_is_recorded_once_and_repeats_return_the_same_job() {
    let mut gw = common::start(|c| c.topology.duplicate_window_secs = 1).await;
    let mut stream = gw.js.get_stream("JOBS").await.expect("JOBS");
    let window = stream.info().await.expect("info").config.duplicate_window;
    assert_eq!(
        window,
        Duration::from_secs(1),
        "the configured duplicate window is applied"
    );
    let mut client = gw.grpc().await;
    let job_spec = spec(&["https://Example.com/a"]);

    let started = Instant::now();
    let first = client
        .submit_job(request(job_spec.clone(), "order-1"))
        .await
        .expect("accepted")
        .into_inner();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered in {:?}",
        started.elapsed()
    );
    assert!(!first.duplicate);
    assert_single_submitted(&gw, &first.job_id, first.stream_sequence).await;

    let job = client
        .get_job(GetJobRequest {
            job_id: first.job_id.clone(),
        })
        .await
        .expect("job found")
        .into_inner();
    assert_eq!(job.state, JobState::Queued as i32);
    assert_eq!(job.tenant, "default");
    assert_eq!(job.last_sequence, first.stream_sequence);
    let stored = job.spec.expect("spec");
    assert_eq!(stored.urls, ["https://example.com/a"]);
    assert_eq!(
        (stored.timeout_ms, stored.render),
        (60_000, RenderMode::Auto as i32)
    );

    // Inside the duplicate window, and after it: same job, nothing new in the stream.
    for wait in [Duration::ZERO, Duration::from_millis(1500)] {
        tokio::time::sleep(wait).await;
        let again = client
            .submit_job(request(job_spec.clone(), "order-1"))
            .await
            .expect("repeat")
            .into_inner();
        assert_eq!(
            (
                again.job_id.as_str(),
                again.stream_sequence,
                again.duplicate
            ),
            (first.job_id.as_str(), first.stream_sequence, true)
        );
        assert_single_submitted(&gw, &first.job_id, first.stream_sequence).await;
        assert_eq!(gw.last_sequence().await, first.stream_sequence);
    }

    let mut other = job_spec.clone();
    other.timeout_ms = 5_000;
    let conflict = client
        .submit_job(request(other, "order-1"))
        .await
        .expect_err("key reused");
    assert_eq!(conflict.code(), Code::AlreadyExists);
    assert!(
        conflict.message().contains(&first.job_id),
        "{}",
        conflict.message()
    );
    assert_eq!(gw.last_sequence().await, first.stream_sequence);

    let unkeyed = client
        .submit_job(request(job_spec, ""))
        .await
        .expect("accepted")
        .into_inner();
    assert_ne!(unkeyed.job_id, first.job_id);
    assert_single_submitted(&gw, &unkeyed.job_id, unkeyed.stream_sequence).await;

    let missing = client
        .get_job(GetJobRequest {
            job_id: "0190c0de-0000-7000-8000-000000000000".into(),
        })
        .await
        .expect_err("unknown job");
    assert_eq!(missing.code(), Code::NotFound);
    assert!(
        missing
            .message()
            .contains("0190c0de-0000-7000-8000-000000000000 not found"),
        "{}",
        missing.message()
    );
    let bad = client
        .get_job(GetJobRequest {
            job_id: "jobs.>".into(),
        })
        .await
        .expect_err("bad id");
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().starts_with("job_id:"), "{}", bad.message());
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_submit_is_recorded_once_and_readable_as_json() {
    let mut gw = common::start(|_| {}).await;
    let body = json!({
        "spec": {
            "urls": ["https://example.com/shop"],
            "steps": [{"wait_for": {"selector": "#x"}, "timeout_ms": 1000}, {"click": {"selector": "#go"}}, {"extract": {}}],
            "extract": [{"name": "title", "selector": "h1", "kind": "text"}, {"name": "link", "selector": "a", "kind": "attribute", "attribute": "href", "many": true}],
            "render": "browser",
            "timeout_ms": 30000,
            "labels": {"team": "growth"}
        },
        "idempotency_key": "http-1"
    });
    let post = |body: Value| gw.http.post(gw.url("/v1/jobs")).json(&body).send();
    let response = post(body.clone()).await.expect("POST");
    assert_eq!(response.status(), 202);
    let accepted: Value = response.json().await.expect("json");
    let job_id = accepted["job_id"].as_str().expect("job_id").to_owned();
    assert_eq!(accepted["duplicate"], false);
    let sequence = accepted["stream_sequence"].as_u64().expect("sequence");
    assert_single_submitted(&gw, &job_id, sequence).await;

    let job: Value = gw
        .http
        .get(gw.url(&format!("/v1/jobs/{job_id}")))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(job["state"], "queued");
    assert_eq!(job["spec"]["steps"][0]["wait_for"]["selector"], "#x");
    assert_eq!(job["spec"]["steps"][0]["timeout_ms"], 1000);
    assert_eq!(job["spec"]["extract"][1]["attribute"], "href");
    assert_eq!(job["spec"]["render"], "browser");
    assert_eq!(job["spec"]["labels"]["team"], "growth");
    assert_eq!(job["last_sequence"], sequence);

    let again: Value = post(body.clone())
        .await
        .expect("POST")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (again["job_id"].as_str(), again["duplicate"].as_bool()),
        (Some(job_id.as_str()), Some(true))
    );
    let mut changed = body;
    changed["spec"]["timeout_ms"] = json!(40000);
    let conflict = post(changed).await.expect("POST");
    assert_eq!(conflict.status(), 409);
    let conflict: Value = conflict.json().await.expect("json");
    assert_eq!(conflict["code"], "ALREADY_EXISTS");
    assert!(
        conflict["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&job_id)
    );
    assert_eq!(gw.last_sequence().await, sequence);

    let missing = gw
        .http
        .get(gw.url("/v1/jobs/nope"))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), 404);
    let missing: Value = missing.json().await.expect("json");
    assert_eq!(missing["detail"], "job nope not found");
    gw.shutdown().await;
}
