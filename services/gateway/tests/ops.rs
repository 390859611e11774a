//! Operations surface: readiness, liveness, metrics, gRPC health, and ListJobs.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::{TestGateway, request, spec};
use jetcrawl_proto::v1::{JobState, ListJobsRequest};
use serde_json::Value;
use tonic::Code;

async fn ready(gw: &TestGateway) -> (u16, Value) {
    let response = gw
        .http
        .get(gw.url("/readyz"))
        .send()
        .await
        .expect("GET /readyz");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON readiness"))
}

/// Polls `/readyz` until `want` or 15 s.
async fn ready_becomes(gw: &TestGateway, want: u16) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = ready(gw).await;
        if status == want {
            return body;
        }
        assert!(Instant::now() < deadline, "/readyz stayed {status}: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_dependencies_and_metrics_show_submits() {
    let mut gw = common::start(|_| {}).await;
    let body = ready_becomes(&gw, 200).await;
    assert_eq!(body["down"], serde_json::json!([]));
    let health = gw
        .http
        .get(gw.url("/healthz"))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(health.status(), 200);

    let mut client = gw.grpc().await;
    client
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await
        .expect("submit");
    let metrics = gw
        .http
        .get(gw.url("/metrics"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("jetcrawl_submit_ack_seconds"), "{metrics}");
    assert!(
        metrics.contains("jetcrawl_submits_total{code=\"OK\"}"),
        "{metrics}"
    );

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", gw.grpc_addr))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let serving = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "jetcrawl.v1.Jobs".into(),
        })
        .await
        .expect("health check")
        .into_inner();
    assert_eq!(
        serving.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    gw.nats.stop().await.expect("nats stops");
    let body = ready_becomes(&gw, 503).await;
    assert_eq!(body["down"], serde_json::json!(["nats"]), "{body}");

    // No ack within the budget: UNAVAILABLE, in time, with what to do.
    let started = Instant::now();
    let refused = client
        .submit_job(request(spec(&["https://example.com/"]), "k-1"))
        .await
        .expect_err("no NATS");
    assert_eq!(refused.code(), Code::Unavailable, "{}", refused.message());
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "answered in {:?}",
        started.elapsed()
    );
    assert!(
        refused
            .message()
            .contains("retry with the same idempotency key"),
        "{}",
        refused.message()
    );
    let post =
        serde_json::json!({"spec": {"urls": ["https://example.com/"]}, "idempotency_key": "k-2"});
    let response = gw
        .http
        .post(gw.url("/v1/jobs"))
        .json(&post)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 503);
    gw.postgres.stop().await.expect("postgres stops");
    let body = ready_becomes_down(&gw, &["nats", "postgres"]).await;
    assert!(
        body["checks"]["postgres"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("Postgres")),
        "{body}"
    );
    gw.shutdown().await;
}

async fn ready_becomes_down(gw: &TestGateway, down: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = ready(gw).await;
        if status == 503 && body["down"] == serde_json::json!(down) {
            return body;
        }
        assert!(Instant::now() < deadline, "/readyz stayed {status}: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_jobs_pages_through_the_projection() {
    let mut gw = common::start(|_| {}).await;
    let mut client = gw.grpc().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let url = format!("https://site{i}.example/");
        let done = client
            .submit_job(request(spec(&[&url]), ""))
            .await
            .expect("submit")
            .into_inner();
        ids.push(done.job_id);
    }
    // Stand in for the projector: fold the stream into Postgres.
    let pool = sqlx::PgPool::connect(&gw.postgres.url()).await.expect("pg");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations");
    let mut events = Vec::new();
    for id in &ids {
        events.extend(gw.store.history(id).await.expect("history"));
    }
    let mut tx = pool.begin().await.expect("tx");
    jetcrawl_projections::apply_batch(&mut tx, jetcrawl_projections::JOBS_PROJECTION, &events)
        .await
        .expect("projected");
    tx.commit().await.expect("commit");

    let first = client
        .list_jobs(ListJobsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .expect("page 1")
        .into_inner();
    assert_eq!(first.jobs.len(), 2);
    assert!(!first.next_page_token.is_empty());
    let second = client
        .list_jobs(ListJobsRequest {
            page_size: 2,
            page_token: first.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .expect("page 2")
        .into_inner();
    assert_eq!(second.jobs.len(), 1);
    assert!(second.next_page_token.is_empty());
    let mut listed: Vec<String> = first
        .jobs
        .iter()
        .chain(&second.jobs)
        .map(|j| j.job_id.clone())
        .collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
    assert!(
        first
            .jobs
            .iter()
            .all(|j| j.state == JobState::Queued as i32 && j.domain.ends_with(".example"))
    );

    let queued = client
        .list_jobs(ListJobsRequest {
            state: JobState::Running as i32,
            ..Default::default()
        })
        .await
        .expect("filter")
        .into_inner();
    assert!(queued.jobs.is_empty());
    let too_big = client
        .list_jobs(ListJobsRequest {
            page_size: 501,
            ..Default::default()
        })
        .await
        .expect_err("501");
    assert_eq!(too_big.code(), Code::InvalidArgument);
    assert!(
        too_big.message().starts_with("page_size:"),
        "{}",
        too_big.message()
    );
    let bad_token = client
        .list_jobs(ListJobsRequest {
            page_token: "garbage!".into(),
            ..Default::default()
        })
        .await
        .expect_err("token");
    assert_eq!(bad_token.code(), Code::InvalidArgument);
    assert!(
        bad_token.message().starts_with("page_token:"),
        "{}",
        bad_token.message()
    );
    gw.shutdown().await;
}

/// Accepts connections and never answers: a Postgres that hangs (overloaded, paused,
/// behind a dead network path), the case a connection refusal does not cover.
async fn silent_listener() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submits_succeed_while_postgres_hangs_and_the_caps_fail_open_counted() {
    let (addr, _silent) = silent_listener().await;
    let mut gw = common::start(|c| {
        c.database.url = Some(format!("postgres://postgres@{addr}/jetcrawl"));
    })
    .await;
    let mut client = gw.grpc().await;
    for n in 0..10 {
        let answer = client
            .submit_job(request(
                spec(&["https://example.com/"]),
                &format!("pg-hung-{n}"),
            ))
            .await;
        assert!(
            answer.is_ok(),
            "submit {n} failed while Postgres hangs: {:?}",
            answer.err()
        );
    }
    let metrics = gw
        .http
        .get(gw.url("/metrics"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("text");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("jetcrawl_quota_fail_open_total{reason=\"timeout\"}")),
        "the fail-open is counted: {metrics}"
    );
    gw.shutdown().await;
}
