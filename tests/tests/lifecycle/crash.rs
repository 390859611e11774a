//! Done means 3: a worker killed with SIGKILL in the middle of a job; a second worker
//! picks the job up within the ack bound, the lost attempt is counted, and the job
//! completes exactly once, in the stream and in the projection.

use std::time::{Duration, Instant};

use jetcrawl_proto::v1::JobState;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_tests::eventually;

use crate::lifecycle::support::{ACK_WAIT_MS, Platform, http_spec, starts};

#[tokio::test]
async fn a_job_whose_worker_is_killed_completes_once_on_another_worker() {
    let platform = Platform::start().await.expect("platform starts");
    let mut first = platform.worker(&[]).await.expect("first worker");
    let url = platform.stack.site.url("/slow?ms=4000");
    let job_id = platform.submit(http_spec(vec![url])).await.expect("submit");

    eventually(Duration::from_secs(20), || async {
        anyhow::ensure!(platform.stack.site.count("/slow") >= 1, "not fetched yet");
        Ok(())
    })
    .await
    .expect("the first worker runs the job");
    first.process.kill();
    let killed_at = chrono::Utc::now();
    let since_kill = Instant::now();
    let second = platform.worker(&[]).await.expect("second worker");

    let job = platform
        .until_state(&job_id, JobState::Succeeded, Duration::from_secs(30))
        .await
        .expect("the job completes on the second worker");
    assert_eq!(job.attempts, 2, "the crashed attempt is counted");

    let history = platform.history(&job_id).await.expect("history");
    let started = starts(&history);
    assert_eq!(started.len(), 2, "{history:#?}");
    assert_eq!(started[0].2, first.worker_id);
    assert_eq!(
        (started[1].1, started[1].2.as_str()),
        (2, second.worker_id.as_str())
    );
    let picked_up = (started[1].0.occurred_at() - killed_at).num_milliseconds();
    assert!(
        picked_up <= ACK_WAIT_MS as i64 + 5_000,
        "picked up {picked_up} ms after the kill; the bound is the ack wait ({ACK_WAIT_MS} ms) plus start-up"
    );
    let successes = history
        .iter()
        .filter(|e| matches!(e.payload(), Some(Payload::JobSucceeded(_))))
        .count();
    assert_eq!(successes, 1, "exactly one JobSucceeded");
    eprintln!(
        "crash: picked up {picked_up} ms after the kill, completed {} ms after it",
        since_kill.elapsed().as_millis()
    );

    let pool = platform.stack.pg_pool().await.expect("postgres");
    eventually(Duration::from_secs(20), || async {
        let rows: Vec<(String, i32)> =
            sqlx::query_as("SELECT status, attempts FROM jobs WHERE job_id = $1")
                .bind(&job_id)
                .fetch_all(&pool)
                .await?;
        anyhow::ensure!(
            rows == [("succeeded".to_owned(), 2)],
            "projection row: {rows:?}"
        );
        let projected: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM job_events WHERE job_id = $1 AND event_type = 'JobSucceeded'",
        )
        .bind(&job_id)
        .fetch_one(&pool)
        .await?;
        anyhow::ensure!(projected == 1, "{projected} JobSucceeded rows");
        Ok(())
    })
    .await
    .expect("the projection shows one completion with the crash counted");
}
