//! Roles and tenant isolation against a running gateway: another tenant's job is
//! NOT_FOUND on every read (GetJob, WatchJob, ListJobs, HTTP GET), and a role refusal is
//! PERMISSION_DENIED and lands on the AUDIT_ACTIONS stream.

use crate::common;

use std::time::Duration;

use crate::common::{Bearer, TestGateway, request, spec};
use futures::StreamExt as _;
use jetcrawl_gateway::auth::Role;
use jetcrawl_proto::v1::{AccessDenied, GetJobRequest, ListJobsRequest, WatchJobRequest};
use jetcrawl_streams::security::{AUDIT_ACTIONS_STREAM, audit_denied_subject};
use prost::Message as _;
use tonic::Code;

/// The last `AccessDenied` recorded for `tenant`.
async fn last_denial(gw: &TestGateway, tenant: &str) -> AccessDenied {
    let stream = gw
        .js
        .get_stream(AUDIT_ACTIONS_STREAM)
        .await
        .expect("stream");
    let raw = stream
        .get_last_raw_message_by_subject(&audit_denied_subject(tenant))
        .await
        .expect("a denial is recorded");
    AccessDenied::decode(raw.payload.as_ref()).expect("AccessDenied")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_jobs_are_not_found_on_every_read() {
    let mut gw = common::start(|_| {}).await;
    let mut owner = gw.grpc().await;
    let job_id = owner
        .submit_job(request(spec(&["https://example.com/"]), "iso-1"))
        .await
        .expect("submitted")
        .into_inner()
        .job_id;
    let intruder_key = gw.mint("intruder", Role::Client).await;
    let mut intruder = gw.grpc_with(Bearer::new(&intruder_key)).await;
    let admin_key = gw.mint("intruder", Role::Admin).await;
    let mut intruder_admin = gw.grpc_with(Bearer::new(&admin_key)).await;

    for client in [&mut intruder, &mut intruder_admin] {
        let get = client
            .get_job(GetJobRequest {
                job_id: job_id.clone(),
            })
            .await
            .expect_err("GetJob of another tenant");
        assert_eq!(get.code(), Code::NotFound, "{}", get.message());
        assert!(
            !get.message().contains("default"),
            "does not reveal the owner"
        );
        let watch = client
            .watch_job(WatchJobRequest {
                job_id: job_id.clone(),
                progress: false,
            })
            .await
            .expect_err("WatchJob of another tenant");
        assert_eq!(watch.code(), Code::NotFound);
    }
    // ListJobs reads the projection: fold the stream into it first.
    let pool = sqlx::PgPool::connect(&gw.postgres.url()).await.expect("pg");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations");
    let events = gw.store.history(&job_id).await.expect("history");
    let mut tx = pool.begin().await.expect("tx");
    jetcrawl_projections::apply_batch(&mut tx, jetcrawl_projections::JOBS_PROJECTION, &events)
        .await
        .expect("projected");
    tx.commit().await.expect("commit");
    let mine = owner
        .list_jobs(ListJobsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert_eq!(mine.jobs.len(), 1);
    let theirs = intruder
        .list_jobs(ListJobsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert!(theirs.jobs.is_empty(), "{theirs:?}");

    let http = reqwest::Client::new();
    let response = http
        .get(gw.url(&format!("/v1/jobs/{job_id}")))
        .bearer_auth(&intruder_key)
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 404);
    let own = gw
        .http
        .get(gw.url(&format!("/v1/jobs/{job_id}")))
        .send()
        .await
        .expect("GET");
    assert_eq!(own.status(), 200);
    // The same idempotency key in another tenant is another job.
    let other = intruder
        .submit_job(request(spec(&["https://example.com/"]), "iso-1"))
        .await
        .expect("own submit")
        .into_inner();
    assert_ne!(other.job_id, job_id);
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_refusals_are_permission_denied_and_audited() {
    let mut gw = common::start(|_| {}).await;
    let before = gw.last_sequence().await;
    let auditor = gw.mint("acme", Role::Auditor).await;
    let mut client = gw.grpc_with(Bearer::new(&auditor)).await;
    let refused = client
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await
        .expect_err("auditors are read-only");
    assert_eq!(
        refused.code(),
        Code::PermissionDenied,
        "{}",
        refused.message()
    );
    assert!(
        refused.message().contains("needs role client or admin"),
        "{}",
        refused.message()
    );
    let denial = last_denial(&gw, "acme").await;
    assert_eq!(denial.action, "jetcrawl.v1.Jobs/SubmitJob");
    assert_eq!(denial.role, "auditor");
    assert_eq!(denial.transport, "grpc");
    let auditor_id = auditor.split('_').nth(1).expect("id");
    assert_eq!(denial.actor, format!("key:{auditor_id}"));
    assert!(denial.occurred_at.is_some());

    let refused = client
        .get_job(GetJobRequest {
            job_id: "some-job".into(),
        })
        .await
        .expect_err("auditors do not read jobs");
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(
        last_denial(&gw, "acme").await.action,
        "jetcrawl.v1.Jobs/GetJob"
    );

    let response = reqwest::Client::new()
        .post(gw.url("/v1/jobs"))
        .bearer_auth(&auditor)
        .json(&serde_json::json!({"spec": {"urls": ["https://example.com/"]}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 403);
    let denial = last_denial(&gw, "acme").await;
    assert_eq!(
        (denial.action.as_str(), denial.transport.as_str()),
        ("jetcrawl.v1.Jobs/SubmitJob", "http")
    );
    assert!(
        !String::from_utf8_lossy(&denial.encode_to_vec()).contains(auditor.as_str()),
        "no secret in the record"
    );
    let mut info = gw
        .js
        .get_stream(AUDIT_ACTIONS_STREAM)
        .await
        .expect("stream");
    assert_eq!(
        info.info().await.expect("info").state.messages,
        3,
        "one record per refusal"
    );
    assert_eq!(gw.last_sequence().await, before, "nothing appended to JOBS");

    // An admin of the same tenant may submit; the watch of its own job works.
    let admin = gw.mint("acme", Role::Admin).await;
    let mut admin = gw.grpc_with(Bearer::new(&admin)).await;
    let done = admin
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await
        .expect("admin submits")
        .into_inner();
    let mut events = admin
        .watch_job(WatchJobRequest {
            job_id: done.job_id,
            progress: false,
        })
        .await
        .expect("watch own job")
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("an event")
        .expect("stream item")
        .expect("ok");
    assert_eq!(first.sequence, done.stream_sequence);
    gw.shutdown().await;
}
