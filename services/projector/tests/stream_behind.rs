//! DESIGN.md pitfall 9: a JOBS stream that comes back shorter than the projector's
//! checkpoint (here deleted and recreated, so it also has a new creation time) halts the
//! projector with an alarm instead of dropping the new events as "already applied". A
//! rebuild accepting the stream as it is now recovers the read models, and they resume
//! by themselves; the audit log, which is never rebuilt, stays halted.

use std::time::Duration;

use crate::support::observe::{Observed, gauge};
use crate::support::recreate::{drive_jobs, jobs_checkpoints, recreate_jobs_stream, rows_of};
use crate::support::*;
use chrono::{DateTime, Utc};
use jetcrawl_projections::Projection;
use jetcrawl_projector::metrics::{CHECKPOINT_SEQUENCE, STREAM_BEHIND, STREAM_LAST_SEQUENCE};
use jetcrawl_projector::{ProjectorConfig, RebuildOptions, rebuild};

fn config(infra: &Infra) -> ProjectorConfig {
    ProjectorConfig {
        lock_check_ms: 100,
        ..ProjectorConfig::new(&infra.nats.url(), &infra.pg.url())
    }
}

#[tokio::test]
async fn a_stream_shorter_than_the_checkpoint_halts_the_projector_until_a_rebuild_accepts_it() {
    let infra = infra().await;
    drive_jobs(&infra.store, "old", 8).await;
    let projector = Observed::start(config(&infra)).await;
    let caught_up = || all_caught_up(&infra.pool, &infra.js);
    wait_until(Duration::from_secs(30), "the first projection", caught_up).await;
    assert_eq!(projector.healthz().await.0, 200);
    projector.stop().await;
    let identity: (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT stream_created, last_stored_at FROM projection_checkpoints WHERE name = 'jobs'",
    )
    .fetch_one(&infra.pool)
    .await
    .expect("checkpoint row");
    assert!(
        identity.0.is_some() && identity.1.is_some(),
        "a commit records the stream identity: {identity:?}"
    );
    let checkpoint = last_sequence(&infra.js).await;
    let before = jobs_checkpoints(&infra.pool).await;
    let audit_before = audit_rows(&infra.pool).await;

    // The stream comes back with fewer messages than were applied.
    let store = recreate_jobs_stream(&infra).await;
    drive_jobs(&store, "new", 2).await;
    let last = last_sequence(&infra.js).await;
    assert!(0 < last && last < checkpoint, "{last} < {checkpoint}");

    let projector = Observed::start(config(&infra)).await;
    let body = projector
        .wait_for_healthz(503, Duration::from_secs(20))
        .await;
    for want in ["projection jobs halted", "recreated", "--accept-stream"] {
        assert!(body.contains(want), "/healthz names {want:?}: {body}");
    }
    let all_halted = || async {
        jobs_checkpoints(&infra.pool)
            .await
            .iter()
            .all(|(name, _)| gauge(STREAM_BEHIND, name) == Some(1.0))
    };
    wait_until(
        Duration::from_secs(10),
        "every JOBS projection halted",
        all_halted,
    )
    .await;
    assert_eq!(gauge(STREAM_BEHIND, "audit_actions"), Some(0.0));
    assert_eq!(gauge(CHECKPOINT_SEQUENCE, "jobs"), Some(checkpoint as f64));
    assert_eq!(gauge(STREAM_LAST_SEQUENCE, "jobs"), Some(last as f64));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        jobs_checkpoints(&infra.pool).await,
        before,
        "no checkpoint moved"
    );
    assert_eq!(
        rows_of(&infra.pool, "new").await,
        0,
        "no event of the new stream was applied"
    );
    assert_eq!(audit_rows(&infra.pool).await, audit_before);

    // A plain rebuild refuses another stream.
    let refused = rebuild(
        &nats_args(&infra),
        &database_args(&infra),
        RebuildOptions::default(),
    )
    .await
    .expect_err("a rebuild without --accept-stream refuses");
    assert!(
        format!("{refused:#}").contains("--accept-stream"),
        "{refused:#}"
    );
    assert!(rows_of(&infra.pool, "old").await > 0, "nothing was swapped");

    // The operator accepts the stream as it is now.
    let accept = RebuildOptions {
        accept_stream: true,
        ..RebuildOptions::default()
    };
    let report = rebuild(&nats_args(&infra), &database_args(&infra), accept)
        .await
        .expect("a rebuild accepting the stream");
    assert!(!report.accepted.is_empty(), "{report:?}");
    assert!(
        report.checkpoints.iter().all(|(_, at)| *at == last),
        "{report:?}"
    );
    let read_models_resumed = || async {
        Projection::READ_MODELS
            .iter()
            .all(|p| gauge(STREAM_BEHIND, p.name()) == Some(0.0))
    };
    wait_until(
        Duration::from_secs(10),
        "the read models resume",
        read_models_resumed,
    )
    .await;
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

    // The audit log is never rebuilt: audit_jobs stays halted, and /healthz names it alone.
    let (status, body) = projector.healthz().await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("projection audit_jobs halted"), "{body}");
    assert!(!body.contains("projection jobs halted"), "{body}");
    assert_eq!(gauge(STREAM_BEHIND, "audit_jobs"), Some(1.0));
    projector.stop().await;
}
