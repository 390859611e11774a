//! The event store against a real nats-server: per-job optimistic concurrency, atomic
//! batches, history reads and the idempotent topology.

use std::time::Duration;

use futures::StreamExt;
use jetcrawl_local::{NatsOptions, NatsServer};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobAttemptFailed, JobFailed, JobSpec, JobStarted, JobSubmitted};
use jetcrawl_streams::job::JobStatus;
use jetcrawl_streams::subjects::JOBS_STREAM;
use jetcrawl_streams::{EventStore, StoreError, Topology, connect, new_event};

async fn store() -> (NatsServer, EventStore, async_nats::jetstream::Context) {
    let nats = NatsServer::start(NatsOptions::default())
        .await
        .expect("nats-server starts");
    let (_client, js) = connect(&nats.url(), "streams-test")
        .await
        .expect("connects");
    Topology::default()
        .apply(&js)
        .await
        .expect("topology applies");
    let store = EventStore::open(js.clone()).await.expect("store opens");
    (nats, store, js)
}

fn submitted(job: &str) -> jetcrawl_proto::v1::Event {
    let spec = JobSpec {
        urls: vec!["https://example.com/".into()],
        ..Default::default()
    };
    let payload = Payload::JobSubmitted(JobSubmitted {
        spec: Some(spec),
        idempotency_key: String::new(),
        spec_sha256: "s".into(),
        ..Default::default()
    });
    new_event(job, "acme", "client:acme", "", payload)
}

fn started(job: &str, attempt: u32) -> jetcrawl_proto::v1::Event {
    new_event(
        job,
        "acme",
        "worker:w",
        "",
        Payload::JobStarted(JobStarted {
            attempt,
            worker_id: "w".into(),
            ..Default::default()
        }),
    )
}

async fn last_sequence(js: &async_nats::jetstream::Context) -> u64 {
    let mut stream = js.get_stream(JOBS_STREAM).await.expect("stream");
    stream.info().await.expect("info").state.last_sequence
}

#[tokio::test]
async fn a_second_writer_with_a_stale_sequence_is_refused() {
    let (_nats, store, js) = store().await;
    let first = store
        .append(0, &[submitted("job-a")])
        .await
        .expect("first append");
    // Another job's events move the stream on but not job-a's subject sequence.
    store
        .append(0, &[submitted("job-b")])
        .await
        .expect("other job");

    let winner = store
        .append(first.sequence, &[started("job-a", 1)])
        .await
        .expect("winner");
    let loser = store.append(first.sequence, &[started("job-a", 1)]).await;
    assert!(
        matches!(loser, Err(StoreError::Conflict { expected, .. }) if expected == first.sequence),
        "{loser:?}"
    );

    let again = store.append(0, &[submitted("job-a")]).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "a job is submitted once: {again:?}"
    );

    let history = store.history("job-a").await.expect("history");
    let seqs: Vec<u64> = history.iter().map(|e| e.sequence).collect();
    assert_eq!(seqs, vec![first.sequence, winner.sequence]);
    assert_eq!(last_sequence(&js).await, winner.sequence);
}

#[tokio::test]
async fn a_repeated_append_is_never_stored_twice() {
    let (_nats, store, js) = store().await;
    let first = store
        .append(0, &[submitted("job-r")])
        .await
        .expect("append");
    // The per-job sequence check runs before the dedupe window, so a repeat is a conflict
    // (the caller re-reads and finds its own event) rather than a second copy.
    let retry = store.append(0, &[submitted("job-r")]).await;
    assert!(
        matches!(retry, Err(StoreError::Conflict { .. })),
        "{retry:?}"
    );
    assert_eq!(last_sequence(&js).await, first.sequence);
    assert_eq!(store.history("job-r").await.expect("history").len(), 1);
}

#[tokio::test]
async fn events_that_belong_together_land_atomically() {
    let (_nats, store, js) = store().await;
    let submitted_at = store
        .append(0, &[submitted("job-f")])
        .await
        .expect("submit")
        .sequence;
    let started_at = store
        .append(submitted_at, &[started("job-f", 1)])
        .await
        .expect("start")
        .sequence;
    let failure = [
        new_event(
            "job-f",
            "acme",
            "worker:w",
            "",
            Payload::JobAttemptFailed(JobAttemptFailed {
                attempt: 1,
                error_class: "http_4xx".into(),
                message: "404".into(),
                ..Default::default()
            }),
        ),
        new_event(
            "job-f",
            "acme",
            "worker:w",
            "",
            Payload::JobFailed(JobFailed {
                attempts: 1,
                error_class: "http_4xx".into(),
                message: "404".into(),
            }),
        ),
    ];
    let stale = store.append(submitted_at, &failure).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "stale batch refused: {stale:?}"
    );
    assert_eq!(
        last_sequence(&js).await,
        started_at,
        "nothing of a refused batch is stored"
    );

    let landed = store
        .append(started_at, &failure)
        .await
        .expect("batch commits");
    assert_eq!(landed.sequence, started_at + 2);
    let job = store.load("job-f").await.expect("load");
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.last_sequence, landed.sequence);
    assert_eq!(job.attempts, 1);
}

#[tokio::test]
async fn history_folds_into_state_and_unknown_jobs_are_empty() {
    let (_nats, store, _js) = store().await;
    let s = store
        .append(0, &[submitted("job-h")])
        .await
        .expect("submit")
        .sequence;
    store
        .append(s, &[started("job-h", 1)])
        .await
        .expect("start");
    let job = store.load("job-h").await.expect("load");
    assert_eq!(job.status, JobStatus::Running);
    assert_eq!(job.tenant, "acme");
    assert_eq!(job.submitted_sequence, s);
    assert!(
        store
            .history("no-such-job")
            .await
            .expect("empty history")
            .is_empty()
    );
    assert_eq!(
        store.load("no-such-job").await.expect("load").status,
        JobStatus::New
    );
}

#[tokio::test]
async fn watch_replays_the_past_then_follows_live_events() {
    let (_nats, store, _js) = store().await;
    let s = store
        .append(0, &[submitted("job-w")])
        .await
        .expect("submit")
        .sequence;
    let mut watch = Box::pin(store.watch("job-w").await.expect("watch"));
    let first = tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .expect("past event")
        .expect("some")
        .expect("ok");
    assert_eq!(first.sequence, s);
    let live = store
        .append(s, &[started("job-w", 1)])
        .await
        .expect("start")
        .sequence;
    let second = tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .expect("live event")
        .expect("some")
        .expect("ok");
    assert_eq!(second.sequence, live);
    assert_eq!(second.event.event_type, "JobStarted");
}

#[tokio::test]
async fn applying_the_topology_is_idempotent_and_reports_drift() {
    let (_nats, _store, js) = store().await;
    let topology = Topology::default();
    assert!(
        topology.apply(&js).await.expect("reapply").is_empty(),
        "no drift right after apply"
    );

    let mut changed = topology.jobs_stream();
    changed.duplicate_window = Duration::from_secs(30);
    js.update_stream(&changed)
        .await
        .expect("operator changes the stream");
    let drift = topology.apply(&js).await.expect("apply again");
    assert!(
        drift.iter().any(|d| d.starts_with("duplicate_window")),
        "{drift:?}"
    );
    assert!(
        topology.apply(&js).await.expect("repaired").is_empty(),
        "apply repaired the drift"
    );
}

#[tokio::test]
async fn two_writers_racing_at_one_position_never_both_report_success() {
    let (_nats, store, js) = store().await;
    let submitted_at = store
        .append(0, &[submitted("job-race")])
        .await
        .expect("submit")
        .sequence;
    for round in 0..20u32 {
        let expected = store.load("job-race").await.expect("load").last_sequence;
        let (first, second) = (
            [started("job-race", round * 2 + 1)],
            [started("job-race", round * 2 + 2)],
        );
        let (a, b) = tokio::join!(
            store.append(expected, &first),
            store.append(expected, &second)
        );
        let results = [&a, &b];
        let won = results
            .iter()
            .filter(|r| matches!(r, Ok(done) if !done.duplicate))
            .count();
        let lost = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict { .. })))
            .count();
        assert_eq!(
            (won, lost),
            (1, 1),
            "round {round}: exactly one writer wins: {a:?} {b:?}"
        );
    }
    assert_eq!(
        last_sequence(&js).await,
        submitted_at + 20,
        "one stored event per round"
    );
}

#[tokio::test]
async fn a_history_holds_exactly_its_jobs_events_among_many_others() {
    let (_nats, store, _js) = store().await;
    // Other jobs before, between and after; one whose id extends this one's.
    let mut expected = Vec::new();
    store
        .append(0, &[submitted("before")])
        .await
        .expect("before");
    let first = store.append(0, &[submitted("job-h")]).await.expect("first");
    expected.push(first.sequence);
    let mut last = first.sequence;
    for attempt in 1..=3 {
        for other in ["job-h2", "other"] {
            let id = format!("{other}-{attempt}");
            store.append(0, &[submitted(&id)]).await.expect("other");
        }
        let appended = store
            .append(last, &[started("job-h", attempt)])
            .await
            .expect("started");
        expected.push(appended.sequence);
        last = appended.sequence;
    }
    store.append(0, &[submitted("after")]).await.expect("after");

    let history = store.history("job-h").await.expect("history");
    let seqs: Vec<u64> = history.iter().map(|e| e.sequence).collect();
    assert_eq!(
        seqs, expected,
        "every event of job-h, oldest first, and no other"
    );
    assert!(history.iter().all(|e| e.event.job_id == "job-h"));
    assert_eq!(store.last_sequence("job-h").await.expect("last"), last);
    assert_eq!(store.last_sequence("no-such-job").await.expect("last"), 0);

    let only = store.history("before").await.expect("history");
    assert_eq!(only.len(), 1, "a job with only JobSubmitted has one event");
}
