//! The Postgres read models match the stream exactly, also across a projector crash.

use std::time::Duration;

use anyhow::{bail, ensure};
use jetcrawl_proto::v1::{JobState, RenderMode};
use jetcrawl_streams::job::fold;
use jetcrawl_tests::eventually;
use sqlx::Row;

use crate::e2e::support::{Platform, spec, text};

/// Every job's `job_events` rows equal its stream history, its `jobs` row equals the
/// fold of that history, and `job_events` holds each stream message exactly once.
async fn projection_matches_stream(platform: &Platform, job_ids: &[String]) -> anyhow::Result<()> {
    let pool = platform.stack.pg_pool().await?;
    let (_client, js) = jetcrawl_streams::connect(&platform.stack.nats_url(), "e2e-check").await?;
    let mut stream = js
        .get_stream(jetcrawl_streams::subjects::JOBS_STREAM)
        .await?;
    let last = stream.info().await?.state.last_sequence as i64;
    let seqs: Vec<i64> =
        sqlx::query_scalar("SELECT stream_seq FROM job_events ORDER BY stream_seq")
            .fetch_all(&pool)
            .await?;
    ensure!(
        seqs == (1..=last).collect::<Vec<_>>(),
        "job_events must hold 1..={last} once each, got {seqs:?}"
    );

    for job_id in job_ids {
        let history = platform.history(job_id).await?;
        let rows = sqlx::query(
            "SELECT stream_seq, event_type FROM job_events WHERE job_id = $1 ORDER BY stream_seq",
        )
        .bind(job_id)
        .fetch_all(&pool)
        .await?;
        let projected: Vec<(i64, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let streamed: Vec<(i64, String)> = history
            .iter()
            .map(|e| (e.sequence as i64, e.event.event_type.clone()))
            .collect();
        ensure!(
            projected == streamed,
            "job {job_id}: rows {projected:?} != stream {streamed:?}"
        );

        let job = fold(&history);
        let row = sqlx::query(
            "SELECT status, attempts, last_seq, result_sha256 FROM jobs WHERE job_id = $1",
        )
        .bind(job_id)
        .fetch_one(&pool)
        .await?;
        let status: String = row.get(0);
        let attempts: i32 = row.get(1);
        let last_seq: i64 = row.get(2);
        let sha: Option<String> = row.get(3);
        ensure!(
            status == job.status.as_str(),
            "job {job_id}: status {status} != {}",
            job.status.as_str()
        );
        ensure!(
            attempts as u32 == job.attempts,
            "job {job_id}: attempts {attempts} != {}",
            job.attempts
        );
        ensure!(
            last_seq as u64 == job.last_sequence,
            "job {job_id}: last_seq {last_seq} != {}",
            job.last_sequence
        );
        ensure!(
            sha == job.result.map(|r| r.result_sha256),
            "job {job_id}: result sha256 differs"
        );
    }
    Ok(())
}

#[tokio::test]
async fn read_models_match_the_stream_across_a_projector_crash() {
    let mut platform = Platform::start().await.expect("platform starts");
    let page = |p: &str| {
        spec(
            platform.stack.site.url(p),
            RenderMode::Http,
            vec![text("title", "#title")],
        )
    };
    let mut job_ids = Vec::new();
    for path in ["/static", "/static/2", "/error/404"] {
        job_ids.push(platform.submit(page(path)).await.expect("submit"));
    }

    platform.projector.process.kill();
    for path in ["/static", "/", "/error/410"] {
        job_ids.push(
            platform
                .submit(page(path))
                .await
                .expect("submit while the projector is down"),
        );
    }
    for job_id in &job_ids {
        let job = platform.finished(job_id).await.expect("job ends");
        assert_ne!(job.state, JobState::Unspecified as i32);
    }
    platform.projector = platform
        .stack
        .spawn_projector()
        .await
        .expect("projector restarts");

    eventually(Duration::from_secs(30), || async {
        match projection_matches_stream(&platform, &job_ids).await {
            Ok(()) => Ok(()),
            Err(err) => bail!("{err:#}"),
        }
    })
    .await
    .expect("read models catch up and match the stream exactly");
}
