//! DESIGN.md pitfall 9: a JOBS stream that lost messages and grew past the checkpoint
//! again reuses the lost sequences. The projector halts rather than applying from
//! checkpoint + 1, whether the stream shows a new creation time (recreated) or keeps it
//! (a power cut: only the message at the checkpoint tells); after a rebuild accepting
//! the stream as it is now, it resumes by itself and /healthz is 200 again.

use std::time::Duration;

use crate::support::observe::{Observed, gauge};
use crate::support::recreate::{drive_jobs, read_models, recreate_jobs_stream, rows_of};
use crate::support::*;
use chrono::{DateTime, Utc};
use jetcrawl_projections::{Projection, checkpoint};
use jetcrawl_projector::metrics::STREAM_BEHIND;
use jetcrawl_projector::{ProjectorConfig, RebuildOptions, rebuild};
use jetcrawl_streams::subjects::JOBS_STREAM;

/// The read models only: the audit log is not rebuilt (see `stream_behind.rs`).
fn config(infra: &Infra) -> ProjectorConfig {
    ProjectorConfig {
        lock_check_ms: 100,
        projections: read_models(),
        ..ProjectorConfig::new(&infra.nats.url(), &infra.pg.url())
    }
}

async fn read_model_checkpoints(infra: &Infra) -> Vec<u64> {
    let mut out = Vec::new();
    for projection in Projection::READ_MODELS {
        out.push(
            checkpoint(&infra.pool, projection.name())
                .await
                .expect("checkpoint"),
        );
    }
    out
}

/// Starts the projector, waits for its alarm, and checks nothing moved.
async fn assert_halts(infra: &Infra, before: &[u64], cause: &str) {
    let projector = Observed::start(config(infra)).await;
    let body = projector
        .wait_for_healthz(503, Duration::from_secs(20))
        .await;
    assert!(body.contains(cause), "/healthz names {cause:?}: {body}");
    let halted = || async { gauge(STREAM_BEHIND, "jobs") == Some(1.0) };
    wait_until(Duration::from_secs(10), "the stream_behind gauge", halted).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        read_model_checkpoints(infra).await,
        before,
        "no checkpoint moved"
    );
    assert_eq!(
        rows_of(&infra.pool, "new").await,
        0,
        "nothing applied after the checkpoint"
    );
    projector.stop().await;
}

#[tokio::test]
async fn reused_sequences_halt_the_projector_rather_than_apply_after_the_checkpoint() {
    let infra = infra().await;
    drive_jobs(&infra.store, "old", 6).await;
    let projector = Observed::start(config(&infra)).await;
    let checkpoint = last_sequence(&infra.js).await;
    let caught_up = || async {
        read_model_checkpoints(&infra)
            .await
            .iter()
            .all(|c| *c == checkpoint)
    };
    wait_until(Duration::from_secs(30), "the first projection", caught_up).await;
    projector.stop().await;
    let before = read_model_checkpoints(&infra).await;

    // More messages than were applied: sequences 1..=checkpoint now hold other events.
    let store = recreate_jobs_stream(&infra).await;
    let mut n = 0;
    while last_sequence(&infra.js).await <= checkpoint + 5 {
        drive_jobs(&store, &format!("new{n}"), 1).await;
        n += 1;
    }
    assert_halts(&infra, &before, "was recreated").await;

    // A stream that lost its tail in a power cut keeps its creation time; record the new
    // one with the checkpoints, so only the message at the checkpoint can tell.
    let mut stream = infra.js.get_stream(JOBS_STREAM).await.expect("JOBS");
    let created = stream.info().await.expect("info").created;
    let created = DateTime::<Utc>::from_timestamp_nanos(created.unix_timestamp_nanos() as i64);
    sqlx::query("UPDATE projection_checkpoints SET stream_created = $1")
        .bind(created)
        .execute(&infra.pool)
        .await
        .expect("checkpoint rows");
    let cause = format!("another message at the checkpoint's sequence {checkpoint}");
    assert_halts(&infra, &before, &cause).await;

    // The operator accepts the stream as it is now; the projector resumes by itself.
    let projector = Observed::start(config(&infra)).await;
    projector
        .wait_for_healthz(503, Duration::from_secs(20))
        .await;
    let accept = RebuildOptions {
        accept_stream: true,
        ..RebuildOptions::default()
    };
    let report = rebuild(&nats_args(&infra), &database_args(&infra), accept)
        .await
        .expect("a rebuild accepting the stream");
    assert!(!report.accepted.is_empty(), "{report:?}");
    let body = projector
        .wait_for_healthz(200, Duration::from_secs(15))
        .await;
    assert_eq!(body, "ok");
    for projection in Projection::READ_MODELS {
        assert_eq!(
            gauge(STREAM_BEHIND, projection.name()),
            Some(0.0),
            "{projection:?}"
        );
    }
    assert_matches_stream(&infra.pool, &infra.js).await;
    drive_jobs(&store, "later", 3).await;
    let now = last_sequence(&infra.js).await;
    let projected_now = || async { projected(&infra.pool).await == now };
    wait_until(
        Duration::from_secs(20),
        "the later jobs projected",
        projected_now,
    )
    .await;
    assert_matches_stream(&infra.pool, &infra.js).await;
    projector.stop().await;
}
