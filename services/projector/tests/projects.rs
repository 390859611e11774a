//! The projector in-process against real nats-server and Postgres: events appended
//! through the event store become exactly matching rows, and a restart changes nothing.

use std::time::Duration;

use crate::support::*;
use jetcrawl_projector::{ProjectorConfig, run};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

fn spawn_projector(infra: &Infra) -> (oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>) {
    spawn_with(ProjectorConfig::new(&infra.nats.url(), &infra.pg.url()))
}

fn spawn_with(config: ProjectorConfig) -> (oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(run(config, async move {
        let _ = stopped.await;
    }));
    (stop, task)
}

async fn stop(projector: (oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>)) {
    let _ = projector.0.send(());
    let result = tokio::time::timeout(Duration::from_secs(10), projector.1).await;
    result
        .expect("the projector stops within 10 s")
        .expect("no panic")
        .expect("stops cleanly");
}

async fn drive(infra: &Infra, range: std::ops::Range<usize>) {
    for i in range {
        let tenant = if i % 2 == 0 { "acme" } else { "globex" };
        drive_job(&infra.store, &format!("job-{i:03}"), tenant, Path::of(i)).await;
    }
}

async fn wait_caught_up(infra: &Infra) {
    let last = last_sequence(&infra.js).await;
    wait_until(
        Duration::from_secs(30),
        &format!("checkpoint {last}"),
        || async { projected(&infra.pool).await == last },
    )
    .await;
}

#[tokio::test]
async fn appended_events_become_exactly_matching_rows_and_a_restart_changes_nothing() {
    let infra = infra().await;
    drive(&infra, 0..12).await;
    let projector = spawn_projector(&infra);
    wait_caught_up(&infra).await;
    assert_matches_stream(&infra.pool, &infra.js).await;

    // Live events, while it runs.
    drive(&infra, 12..20).await;
    wait_caught_up(&infra).await;
    assert_matches_stream(&infra.pool, &infra.js).await;
    let statuses: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM jobs GROUP BY status ORDER BY status")
            .fetch_all(&infra.pool)
            .await
            .expect("statuses");
    let want = [("failed", 5), ("queued", 5), ("succeeded", 10)];
    assert_eq!(statuses, want.map(|(s, n)| (s.to_owned(), n)).to_vec());
    stop(projector).await;

    // A restart resumes at the checkpoint: nothing is applied twice.
    let before: Vec<String> =
        sqlx::query_scalar("SELECT row_to_json(e)::text FROM job_events e ORDER BY stream_seq")
            .fetch_all(&infra.pool)
            .await
            .expect("rows");
    let projector = spawn_projector(&infra);
    drive(&infra, 20..24).await;
    wait_caught_up(&infra).await;
    stop(projector).await;
    assert_matches_stream(&infra.pool, &infra.js).await;
    let after: Vec<String> =
        sqlx::query_scalar("SELECT row_to_json(e)::text FROM job_events e ORDER BY stream_seq")
            .fetch_all(&infra.pool)
            .await
            .expect("rows");
    assert_eq!(
        after[..before.len()],
        before[..],
        "rows written before the restart are untouched"
    );
}

#[tokio::test]
async fn a_backlog_applied_in_many_small_batches_matches_the_stream_exactly() {
    let infra = infra().await;
    drive(&infra, 0..24).await;
    // Three messages a batch: dozens of batches per projection, and a batch boundary
    // inside nearly every job's history. Any batch applied out of order, twice or not at
    // all shows as a row that differs from the stream, or a checkpoint that never
    // arrives.
    let config = ProjectorConfig {
        batch_size: 3,
        ..ProjectorConfig::new(&infra.nats.url(), &infra.pg.url())
    };
    let projector = spawn_with(config);
    wait_until(
        Duration::from_secs(30),
        "every projection caught up",
        || all_caught_up(&infra.pool, &infra.js),
    )
    .await;
    assert_matches_stream(&infra.pool, &infra.js).await;
    let started = stream_events(&infra.js)
        .await
        .iter()
        .filter(|e| e.event.event_type == "JobStarted")
        .count();
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM job_attempts")
        .fetch_one(&infra.pool)
        .await
        .expect("attempts");
    assert!(
        started >= 24,
        "the backlog started every job but the queued ones, {started} starts"
    );
    assert_eq!(attempts, started as i64, "one attempt row per JobStarted");
    stop(projector).await;
}

#[tokio::test]
async fn an_undecodable_message_is_recorded_counted_and_passed() {
    let metrics = jetcrawl_telemetry::install_metrics();
    let infra = infra().await;
    drive_job(&infra.store, "job-before", "acme", Path::Succeeds).await;
    infra
        .js
        .publish("jobs.job-bad.submitted", bytes_of(&[0xff, 0xff, 0xff]))
        .await
        .expect("publish")
        .await
        .expect("stored");
    drive_job(&infra.store, "job-after", "acme", Path::Fails).await;
    let projector = spawn_projector(&infra);
    wait_caught_up(&infra).await;
    stop(projector).await;

    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT stream_seq, event_type, job_id FROM job_events ORDER BY stream_seq")
            .fetch_all(&infra.pool)
            .await
            .expect("rows");
    assert_eq!(
        rows.len() as u64,
        last_sequence(&infra.js).await,
        "no message is dropped"
    );
    assert_eq!(rows[3], (4, "Undecodable".to_owned(), "job-bad".to_owned()));
    let after: String = sqlx::query_scalar("SELECT status FROM jobs WHERE job_id = 'job-after'")
        .fetch_one(&infra.pool)
        .await
        .expect("job-after");
    assert_eq!(after, "failed", "events after the bad one are applied");

    let text = metrics.render();
    for metric in [
        "jetcrawl_projector_events_total{projection=\"jobs\",event_type=\"Undecodable\"} 1",
        "jetcrawl_projector_batch_seconds_bucket",
        "jetcrawl_projector_checkpoint",
        "jetcrawl_consumer_pending{consumer=\"projector-jobs\"}",
        "jetcrawl_projector_lag_seconds",
    ] {
        assert!(text.contains(metric), "/metrics lacks {metric}:\n{text}");
    }
}

fn bytes_of(raw: &[u8]) -> bytes::Bytes {
    bytes::Bytes::copy_from_slice(raw)
}
