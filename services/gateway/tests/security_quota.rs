//! Per-tenant quotas against a running gateway: one tenant over its submit rate gets
//! RESOURCE_EXHAUSTED with a retry-after hint while another tenant's submits succeed; a
//! forged X-Forwarded-For changes nothing; the queued and running caps read the real
//! projection (projector running in-process).

use crate::common;

use std::time::{Duration, Instant};

use crate::common::{Bearer, TestGateway, request, spec};
use jetcrawl_gateway::auth::Role;
use jetcrawl_gateway::status::retry_delay_of;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobStarted, SubmitJobResponse};
use jetcrawl_streams::envelope::new_traceparent;
use jetcrawl_streams::new_event;
use serde_json::json;
use tonic::Code;

async fn submit(gw: &TestGateway, key: &str) -> Result<SubmitJobResponse, tonic::Status> {
    gw.grpc_with(Bearer::new(key))
        .await
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await
        .map(|r| r.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_submit_rate_limits_one_tenant_and_not_the_others() {
    let mut gw = common::start(|c| {
        c.quota.quota_submits_per_sec = 1;
        c.quota.quota_submit_burst = 3;
    })
    .await;
    let noisy = gw.api_key.clone();
    let quiet = gw.mint("quiet", Role::Client).await;
    for i in 0..3 {
        submit(&gw, &noisy)
            .await
            .unwrap_or_else(|s| panic!("burst submit {i}: {s:?}"));
    }
    let before = gw.last_sequence().await;
    let refused = submit(&gw, &noisy).await.expect_err("over the rate");
    assert_eq!(
        refused.code(),
        Code::ResourceExhausted,
        "{}",
        refused.message()
    );
    assert!(
        refused
            .message()
            .contains("tenant default is over its submit rate"),
        "{}",
        refused.message()
    );
    let retry_after: u64 = refused
        .metadata()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("retry-after metadata");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let delay = retry_delay_of(&refused).expect("google.rpc.RetryInfo in the status details");
    assert!(
        delay > Duration::ZERO && delay <= Duration::from_secs(retry_after),
        "RetryInfo {delay:?} agrees with retry-after {retry_after}"
    );

    // HTTP, with a forged X-Forwarded-For: still this tenant's bucket.
    let response = gw
        .http
        .post(gw.url("/v1/jobs"))
        .header("x-forwarded-for", "203.0.113.7")
        .header("forwarded", "for=198.51.100.9")
        .json(&json!({"spec": {"urls": ["https://example.com/"]}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 429);
    assert!(
        response.headers().get("retry-after").is_some(),
        "Retry-After header"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "RESOURCE_EXHAUSTED");
    assert_eq!(
        gw.last_sequence().await,
        before,
        "nothing appended while limited"
    );

    // Another tenant is untouched, at once.
    for _ in 0..3 {
        submit(&gw, &quiet).await.expect("the quiet tenant submits");
    }
    // After the hint, the noisy tenant may submit again.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    submit(&gw, &noisy).await.expect("after retry-after");
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_and_running_caps_come_from_the_projection() {
    let mut gw = common::start(|c| {
        c.quota.quota_max_queued = 2;
        c.quota.quota_max_running = 1;
        c.quota.quota_count_ttl_ms = 200;
    })
    .await;
    let projector = jetcrawl_projector::ProjectorConfig::new(&gw.nats.url(), &gw.postgres.url());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let projecting = tokio::spawn(jetcrawl_projector::run(projector, async move {
        let _ = stopped.await;
    }));
    let key = gw.api_key.clone();
    let first = submit(&gw, &key).await.expect("1st queued");
    submit(&gw, &key).await.expect("2nd queued");
    // The caps read the projection: wait until the projector has folded both jobs.
    let pool = sqlx::PgPool::connect(&gw.postgres.url()).await.expect("pg");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let projected: Result<i64, _> =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE tenant = 'default'")
                .fetch_one(&pool)
                .await;
        if projected.is_ok_and(|n| n == 2) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the projector never folded the jobs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refused = submit(&gw, &key).await.expect_err("3rd is over max queued");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert!(
        refused.message().contains("2 queued jobs, its limit is 2"),
        "{}",
        refused.message()
    );
    assert!(refused.metadata().get("retry-after").is_some());
    assert!(
        retry_delay_of(&refused).is_some(),
        "RetryInfo beside retry-after"
    );
    let other = gw.mint("other", Role::Client).await;
    submit(&gw, &other)
        .await
        .expect("another tenant is not capped by this one");

    // A worker starts the first job: once projected, the tenant has 1 queued and
    // 1 running, which is its running cap.
    let started = new_event(
        &first.job_id,
        "default",
        "worker:w1",
        &new_traceparent(),
        Payload::JobStarted(JobStarted {
            attempt: 1,
            worker_id: "w1".into(),
            ..Default::default()
        }),
    );
    gw.store
        .append(first.stream_sequence, &[started])
        .await
        .expect("started");
    let deadline = Instant::now() + Duration::from_secs(15);
    let message = loop {
        let status = submit(&gw, &key).await.expect_err("still capped");
        if status.message().contains("running jobs") {
            break status.message().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "never saw the running cap: {}",
            status.message()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        message.contains("1 running jobs, its limit is 1"),
        "{message}"
    );
    let _ = stop.send(());
    projecting
        .await
        .expect("projector task")
        .expect("projector stops");
    gw.shutdown().await;
}
