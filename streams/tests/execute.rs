//! `EventStore::execute`, the one write path of a job, against a real nats-server: the
//! fast path from a known state, a wrong guess corrected by a read, a repeat recognised
//! by its message id, and programming errors never classed as "retry later".

use chrono::{DateTime, Utc};
use jetcrawl_local::{NatsOptions, NatsServer};
use jetcrawl_proto::v1::JobSpec;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::{
    Admission, Basis, Command, DecideError, EventStore, ExecuteError, Job, JobStatus, Retry,
    StoreError, Topology, connect,
};

async fn store() -> (NatsServer, EventStore) {
    let nats = NatsServer::start(NatsOptions::default())
        .await
        .expect("nats-server starts");
    let (_client, js) = connect(&nats.url(), "execute-test")
        .await
        .expect("connects");
    Topology::default()
        .apply(&js)
        .await
        .expect("topology applies");
    (nats, EventStore::open(js).await.expect("store opens"))
}

fn submit(sha: &str) -> Command {
    Command::Submit {
        spec: Box::new(JobSpec {
            urls: vec!["https://example.com/".into()],
            ..Default::default()
        }),
        idempotency_key: "key-1".into(),
        spec_sha256: sha.into(),
        subject_ref: String::new(),
        domain: "example.com".into(),
    }
}

fn fresh(id: &str) -> Basis {
    Basis::Guess(Box::new(Job {
        id: id.into(),
        tenant: "acme".into(),
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into(),
        ..Job::default()
    }))
}

fn start() -> Command {
    Command::Start {
        worker_id: "w1".into(),
        max_attempts: 3,
        work_sequence: 0,
        admission: Admission::Ready,
        proxy: String::new(),
    }
}

async fn run(
    store: &EventStore,
    id: &str,
    basis: Basis,
    command: Command,
    now: DateTime<Utc>,
) -> Result<jetcrawl_streams::Executed, ExecuteError> {
    store
        .execute(id, basis, "test", command, now, Retry::CONFLICTS_ONLY)
        .await
}

#[tokio::test]
async fn a_fresh_submit_is_recorded_and_a_repeat_is_answered_from_the_history() {
    let (_nats, store) = store().await;
    let now = Utc::now();
    let done = run(&store, "job-1", fresh("job-1"), submit("a"), now)
        .await
        .expect("submitted");
    assert!(!done.duplicate);
    assert_eq!(done.job.status, JobStatus::Queued);
    assert_eq!(done.job.tenant, "acme");
    assert_eq!(done.job.submitted_sequence, done.job.last_sequence);
    let history = store.history("job-1").await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].occurred_at(),
        done.job.submitted_at.expect("time")
    );
    assert_eq!(history[0].event.actor, "test");

    // A repeat (the same events again, or a later submit with the same id) is refused
    // by the per-job sequence check, which runs before JetStream's duplicate window;
    // it is then decided on the history it read: the original job comes back with the
    // refusal, for the caller to compare.
    for repeat in [submit("a"), submit("b")] {
        let later = run(&store, "job-1", fresh("job-1"), repeat, now).await;
        match later {
            Err(ExecuteError::Refused { job, error }) => {
                assert_eq!(
                    error,
                    DecideError::AlreadySubmitted {
                        sequence: done.job.submitted_sequence
                    }
                );
                assert_eq!(job.spec_sha256, "a");
            }
            other => panic!("expected AlreadySubmitted, got {other:?}"),
        }
    }
    assert_eq!(store.history("job-1").await.expect("history").len(), 1);
}

#[tokio::test]
async fn a_stale_guess_is_corrected_by_reading_the_job() {
    let (_nats, store) = store().await;
    let submitted = run(&store, "job-2", fresh("job-2"), submit("a"), Utc::now())
        .await
        .expect("submitted")
        .job;
    let first = run(
        &store,
        "job-2",
        Basis::Guess(Box::new(submitted.clone())),
        start(),
        Utc::now(),
    )
    .await
    .expect("attempt 1");
    assert_eq!(first.job.running_attempt, Some(1));
    // A second worker still believes the job is only submitted: its append is refused,
    // it reads the job and decides on what it finds (attempt 1 was lost: attempt 2).
    let second = run(
        &store,
        "job-2",
        Basis::Guess(Box::new(submitted)),
        start(),
        Utc::now(),
    )
    .await
    .expect("attempt 2");
    assert!(matches!(
        second.payloads.as_slice(),
        [Payload::JobStarted(s)] if s.attempt == 2
    ));
    assert_eq!(store.history("job-2").await.expect("history").len(), 3);
}

#[tokio::test]
async fn a_refusal_is_never_taken_on_a_guess() {
    let (_nats, store) = store().await;
    run(&store, "job-3", fresh("job-3"), submit("a"), Utc::now())
        .await
        .expect("submitted");
    // Guessing the job does not exist would refuse a cancel (NotFound); the job is read
    // instead and the cancel recorded.
    let cancel = Command::RequestCancel {
        reason: "not needed".into(),
        by: "client:acme".into(),
    };
    let done = run(&store, "job-3", fresh("job-3"), cancel.clone(), Utc::now())
        .await
        .expect("cancelled");
    assert_eq!(done.job.status, JobStatus::Cancelled);
    // Decided on the history read, a refusal is final and says why.
    let again = run(&store, "job-3", Basis::Load, cancel, Utc::now()).await;
    assert!(matches!(
        again,
        Err(ExecuteError::Refused {
            error: DecideError::Terminal {
                status: JobStatus::Cancelled
            },
            ..
        })
    ));
}

#[tokio::test]
async fn an_impossible_append_is_a_bug_not_a_reason_to_retry() {
    let (_nats, store) = store().await;
    let err = store.append(0, &[]).await.expect_err("zero events");
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(!err.is_transient());
    let mut event = jetcrawl_streams::new_event(
        "job-4",
        "acme",
        "test",
        "",
        Payload::JobCancelled(Default::default()),
    );
    event.payload = None;
    let err = store.append(0, &[event]).await.expect_err("no payload");
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(!err.is_transient());
}
