//! The worker end to end against a real nats-server: submitted jobs end with a stored,
//! verifiable result, or with JobFailed after their attempts are used up.

use std::time::Duration;

use crate::common::*;
use jetcrawl_local::{NatsOptions, NatsServer};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{JobSpec, JobSubmitted, RenderMode, Screenshot};
use jetcrawl_streams::envelope::new_traceparent;
use jetcrawl_streams::topology::RESULTS_BUCKET;
use jetcrawl_streams::{EventStore, RecordedEvent, Topology, new_event};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

async fn submit(store: &EventStore, job_id: &str, spec: JobSpec, traceparent: &str) {
    let submitted = Payload::JobSubmitted(JobSubmitted {
        spec: Some(spec),
        ..Default::default()
    });
    let event = new_event(job_id, "acme", "client:acme", traceparent, submitted);
    store.append(0, &[event]).await.expect("submit");
}

async fn until_terminal(store: &EventStore, job_id: &str) -> Vec<RecordedEvent> {
    let started = std::time::Instant::now();
    loop {
        let history = store.history(job_id).await.expect("history");
        let ended = history.iter().any(|e| {
            matches!(
                e.payload(),
                Some(Payload::JobSucceeded(_) | Payload::JobFailed(_))
            )
        });
        if ended {
            return history;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "job {job_id} did not end: {history:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn types(history: &[RecordedEvent]) -> Vec<&str> {
    history
        .iter()
        .map(|e| e.event.event_type.as_str())
        .collect()
}

async fn read_object(js: &async_nats::jetstream::Context, key: &str) -> Vec<u8> {
    let bucket = js.get_object_store(RESULTS_BUCKET).await.expect("bucket");
    let mut object = bucket.get(key).await.expect("object stored");
    let mut bytes = Vec::new();
    object
        .read_to_end(&mut bytes)
        .await
        .expect("object readable");
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_end_with_a_stored_result_or_with_job_failed_after_retries() {
    let site = start_site().await;
    let nats = NatsServer::start(NatsOptions::default())
        .await
        .expect("nats-server");
    let (_client, js) = jetcrawl_streams::connect(&nats.url(), "worker-test")
        .await
        .expect("connect");
    Topology::default().apply(&js).await.expect("topology");
    let store = EventStore::open(js.clone()).await.expect("store");

    let mut config = config();
    config.nats.url = nats.url();
    config.worker_id = "test-worker".into();
    config.max_attempts = 2;
    config.backoff_base_ms = 50;
    config.backoff_cap_ms = 200;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(jetcrawl_worker::run(config, async move {
        let _ = stopped.await;
    }));

    let traceparent = new_traceparent();
    let steps = vec![step(Kind::Screenshot(Screenshot {
        name: "shot".into(),
        full_page: false,
    }))];
    let good = spec(
        &[site.url("/js")],
        RenderMode::Browser,
        vec![rule("out", "#out"), rule("title", "title")],
        steps,
    );
    submit(&store, "job-ok", good, &traceparent).await;
    let bad = spec(
        &[site.url("/unavailable")],
        RenderMode::Http,
        vec![],
        vec![],
    );
    submit(&store, "job-503", bad, &new_traceparent()).await;

    let history = until_terminal(&store, "job-ok").await;
    assert_eq!(
        types(&history),
        ["JobSubmitted", "JobStarted", "JobSucceeded"]
    );
    for event in &history[1..] {
        assert_eq!(event.event.actor, "worker:test-worker");
        assert_eq!(
            event.event.traceparent, traceparent,
            "the job's trace context is carried on"
        );
    }
    let Some(Payload::JobSucceeded(done)) = history[2].payload() else {
        panic!("not a success")
    };
    assert_eq!(done.result_key, "job-ok/result.json");
    assert_eq!(done.mode_used, RenderMode::Browser as i32);
    let json = read_object(&js, &done.result_key).await;
    assert_eq!(json.len() as u64, done.result_size);
    assert_eq!(hex::encode(Sha256::digest(&json)), done.result_sha256);
    let result: serde_json::Value = serde_json::from_slice(&json).expect("result is JSON");
    assert_eq!(result["job_id"], "job-ok");
    assert_eq!(result["mode_used"], "browser");
    assert_eq!(result["pages"][0]["data"]["out"], "Rendered by JS");
    assert_eq!(result["pages"][0]["status"], 200);
    assert_eq!(
        result["pages"][0]["screenshots"][0]["key"],
        "job-ok/shot.png"
    );
    let artifact = &done.artifacts[0];
    let png = read_object(&js, &artifact.key).await;
    assert!(png.starts_with(b"\x89PNG"), "screenshot is a PNG");
    assert_eq!(hex::encode(Sha256::digest(&png)), artifact.sha256);

    // A duplicate delivery of the finished job changes nothing.
    let recorder = jetcrawl_worker::lifecycle::Recorder {
        store: store.clone(),
        actor: "worker:other".into(),
        worker_id: "other".into(),
        max_attempts: 2,
        privacy: None,
        egress: None,
    };
    let again = recorder.start("job-ok").await.expect("start decided");
    assert!(
        matches!(again, jetcrawl_worker::lifecycle::Started::Discard(ref why) if why.contains("succeeded")),
        "{again:?}"
    );
    assert_eq!(store.history("job-ok").await.expect("history").len(), 3);
    // The same, as the worker sees a redelivered work message: its JobSubmitted is not
    // the whole history, so the guess from it must not start a second run.
    let submitted = store.history("job-ok").await.expect("history")[0].clone();
    let work_sequence = submitted.sequence;
    let again = recorder
        .begin_from(
            "job-ok",
            Some(submitted),
            work_sequence,
            &jetcrawl_worker::AlwaysReady,
        )
        .await
        .expect("start decided");
    assert!(
        matches!(again, jetcrawl_worker::lifecycle::Started::Discard(ref why) if why.contains("succeeded")),
        "{again:?}"
    );
    assert_eq!(store.history("job-ok").await.expect("history").len(), 3);

    let history = until_terminal(&store, "job-503").await;
    assert_eq!(
        types(&history),
        [
            "JobSubmitted",
            "JobStarted",
            "JobAttemptFailed",
            "JobStarted",
            "JobAttemptFailed",
            "JobDeadLettered",
            "JobFailed"
        ]
    );
    let Some(Payload::JobAttemptFailed(first)) = history[2].payload() else {
        panic!("not a failure")
    };
    assert_eq!(
        (first.error_class.as_str(), first.retryable),
        ("http_5xx", true)
    );
    assert!(first.next_attempt_at.is_some());
    let Some(Payload::JobDeadLettered(dead)) = history[5].payload() else {
        panic!("not dead-lettered")
    };
    assert_eq!(dead.reason, "attempts_exhausted");
    assert_eq!(dead.attempts.len(), 2, "every attempt's error: {dead:?}");
    let Some(Payload::JobFailed(failed)) = history[6].payload() else {
        panic!("not failed")
    };
    assert_eq!(
        (failed.attempts, failed.error_class.as_str()),
        (2, "http_5xx")
    );

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(30), worker)
        .await
        .expect("worker stops")
        .expect("joins")
        .expect("runs cleanly");
}
