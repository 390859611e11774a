//! `apply_batch` against a real Postgres: rows match the events, and redelivery is a no-op.

use crate::support::*;
use jetcrawl_projections::{
    JOBS_PROJECTION, Message, Undecodable, apply_batch, apply_messages, checkpoint, get_job_row,
    job_events_for,
};
use sqlx::PgPool;

async fn apply(pool: &PgPool, events: &[jetcrawl_streams::RecordedEvent]) -> u64 {
    let mut tx = pool.begin().await.expect("begin");
    let last = apply_batch(&mut tx, JOBS_PROJECTION, events)
        .await
        .expect("batch applies");
    tx.commit().await.expect("commit");
    last
}

async fn snapshot(pool: &PgPool) -> (Vec<String>, Vec<String>) {
    let events: Vec<String> =
        sqlx::query_scalar("SELECT row_to_json(e)::text FROM job_events e ORDER BY stream_seq")
            .fetch_all(pool)
            .await
            .expect("job_events");
    let jobs: Vec<String> =
        sqlx::query_scalar("SELECT row_to_json(j)::text FROM jobs j ORDER BY job_id")
            .fetch_all(pool)
            .await
            .expect("jobs");
    (events, jobs)
}

fn three_jobs() -> History {
    let mut h = History::new();
    h.push("job-a", "acme", 100, submitted("https://a.example/x"))
        .push("job-b", "acme", 101, submitted("https://b.example/"))
        .push("job-a", "acme", 102, started(1))
        .push("job-c", "globex", 103, submitted("https://c.example/"))
        .push("job-a", "acme", 104, succeeded(1))
        .push("job-b", "acme", 105, started(1))
        .push("job-b", "acme", 106, attempt_failed(1, true))
        .push("job-b", "acme", 107, started(2))
        .push("job-b", "acme", 108, attempt_failed(2, false))
        .push("job-b", "acme", 109, failed(2));
    h
}

#[tokio::test]
async fn a_batch_becomes_one_event_row_per_message_and_folded_job_rows() {
    let (_pg, pool) = database().await;
    let history = three_jobs();
    assert_eq!(apply(&pool, &history.events).await, 10);
    assert_eq!(
        checkpoint(&pool, JOBS_PROJECTION)
            .await
            .expect("checkpoint"),
        10
    );

    let b_events = job_events_for(&pool, "job-b").await.expect("events");
    let types: Vec<&str> = b_events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "JobSubmitted",
            "JobStarted",
            "JobAttemptFailed",
            "JobStarted",
            "JobAttemptFailed",
            "JobFailed"
        ]
    );
    assert_eq!(
        b_events.iter().map(|e| e.stream_seq).collect::<Vec<_>>(),
        [2, 6, 7, 8, 9, 10]
    );
    assert_eq!(b_events[2].payload["retryable"], true);
    assert!(
        b_events[0]
            .traceparent
            .as_deref()
            .is_some_and(|t| t.starts_with("00-"))
    );

    let a = get_job_row(&pool, "acme", "job-a")
        .await
        .expect("query")
        .expect("job-a");
    assert_eq!(
        (a.status.as_str(), a.attempts, a.last_seq),
        ("succeeded", 1, 5)
    );
    assert_eq!(a.domain.as_deref(), Some("a.example"));
    assert_eq!(a.result_key.as_deref(), Some("r.json"));
    let b = get_job_row(&pool, "acme", "job-b")
        .await
        .expect("query")
        .expect("job-b");
    assert_eq!(
        (b.status.as_str(), b.attempts, b.last_seq),
        ("failed", 2, 10)
    );
    assert_eq!(b.last_error_class.as_deref(), Some("http_5xx"));
    let c = get_job_row(&pool, "globex", "job-c")
        .await
        .expect("query")
        .expect("job-c");
    assert_eq!(c.status, "queued");
    assert_eq!(
        get_job_row(&pool, "acme", "job-c").await.expect("query"),
        None,
        "tenants are isolated"
    );
}

#[tokio::test]
async fn applying_the_same_batch_again_changes_nothing() {
    let (_pg, pool) = database().await;
    let history = three_jobs();
    apply(&pool, &history.events[..6]).await;
    apply(&pool, &history.events).await;
    let before = snapshot(&pool).await;
    assert_eq!(before.0.len(), 10);

    assert_eq!(
        apply(&pool, &history.events).await,
        10,
        "the checkpoint stays"
    );
    assert_eq!(
        apply(&pool, &history.events[2..7]).await,
        10,
        "an older slice is skipped"
    );
    assert_eq!(
        snapshot(&pool).await,
        before,
        "no row changed, not even recorded_at"
    );
}

#[tokio::test]
async fn an_undecodable_message_is_recorded_and_does_not_block_later_events() {
    let (_pg, pool) = database().await;
    let mut history = History::new();
    history.push("job-a", "acme", 100, submitted("https://a.example/"));
    history.next_seq = 3;
    history.push("job-a", "acme", 102, started(1));
    let bad = Undecodable {
        sequence: 2,
        subject: "jobs.job-a.started".into(),
        job_id: "job-a".into(),
        tenant: "acme".into(),
        reason: "buffer underflow".into(),
        raw: vec![0xde, 0xad],
    };
    let messages = vec![
        Message::Event(history.events[0].clone()),
        Message::Undecodable(bad),
        Message::Event(history.events[1].clone()),
    ];
    let mut tx = pool.begin().await.expect("begin");
    assert_eq!(
        apply_messages(&mut tx, JOBS_PROJECTION, &messages)
            .await
            .expect("applies"),
        3
    );
    tx.commit().await.expect("commit");
    let events = job_events_for(&pool, "job-a").await.expect("events");
    assert_eq!(
        events
            .iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
        ["JobSubmitted", "Undecodable", "JobStarted"]
    );
    assert_eq!(events[1].payload["raw_hex"], "dead");
    assert_eq!(events[1].payload["error"], "buffer underflow");
    let row = get_job_row(&pool, "acme", "job-a")
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.status, "running");
}
