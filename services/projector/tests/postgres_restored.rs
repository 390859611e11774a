//! Postgres goes back in time under a running projector: an operator restores last
//! night's backup, or a failover promotes a replica that missed the last commits. The
//! read models' checkpoints are then older than what the projector applied. It must
//! re-project from the checkpoint Postgres holds, never go on from its own position
//! and leave a hole in the read models.

use std::path::Path as FsPath;
use std::process::Command;
use std::time::Duration;

use crate::support::observe::{Observed, gauge};
use crate::support::recreate::{drive_jobs, jobs_checkpoints, rows_of};
use crate::support::*;
use jetcrawl_projections::Projection;
use jetcrawl_projector::ProjectorConfig;

/// The leader lock's session dies with the old Postgres, and a lock check would end the
/// session and restart it from the restored checkpoints. A restore quicker than a lock
/// check must be caught too: checks here are a minute apart, so only the batches
/// themselves can notice.
fn config(infra: &Infra) -> ProjectorConfig {
    ProjectorConfig {
        lock_check_ms: 60_000,
        ..ProjectorConfig::new(&infra.nats.url(), &infra.pg.url())
    }
}

/// Waits until every projection of JOBS reached the stream's last sequence.
async fn wait_projected(infra: &Infra, what: &str) -> u64 {
    let last = last_sequence(&infra.js).await;
    let caught_up = || async {
        jobs_checkpoints(&infra.pool)
            .await
            .iter()
            .all(|(_, at)| *at == last)
    };
    wait_until(Duration::from_secs(30), what, caught_up).await;
    last
}

/// `cp -a from to`: keeps owners and modes, as Postgres wants its data directory.
fn copy_dir(from: &FsPath, to: &FsPath) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp runs");
    assert!(status.success(), "copying {from:?} to {to:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restored_from_a_backup_is_re_projected_from_its_checkpoint() {
    let mut infra = infra().await;
    let projector = Observed::start(config(&infra)).await;
    drive_jobs(&infra.store, "backed", 4).await;
    let backed_up = wait_projected(&infra, "the jobs in the backup").await;

    // A cold backup: a clean stop, a copy of the data directory, a start.
    let pgdata = infra.pg.data_dir().join("pgdata");
    let backup = tempfile::tempdir().expect("a temp dir");
    let saved = backup.path().join("pgdata");
    infra.pg.stop().await.expect("postgres stops");
    copy_dir(&pgdata, &saved);
    infra.pg.restart().await.expect("postgres starts again");

    drive_jobs(&infra.store, "lost", 4).await;
    let applied = wait_projected(&infra, "the jobs after the backup").await;
    assert!(applied > backed_up);

    // The restore: Postgres comes back with the backup's rows and checkpoints.
    infra.pg.stop().await.expect("postgres stops");
    std::fs::remove_dir_all(&pgdata).expect("the data directory is removed");
    copy_dir(&saved, &pgdata);
    infra
        .pg
        .restart()
        .await
        .expect("postgres starts from the backup");
    assert_eq!(
        rows_of(&infra.pool, "lost").await,
        0,
        "the restored database misses the jobs after the backup"
    );

    // New events arrive; the projector fills the hole first, then applies them.
    drive_jobs(&infra.store, "after", 2).await;
    wait_projected(&infra, "the hole and the new jobs").await;
    assert_matches_stream(&infra.pool, &infra.js).await;
    assert!(rows_of(&infra.pool, "lost").await > 0, "the hole is filled");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT stream_seq) FROM audit_log WHERE source = 'jobs'",
    )
    .fetch_one(&infra.pool)
    .await
    .expect("audit_log");
    assert_eq!(
        audited as u64,
        last_sequence(&infra.js).await,
        "one audit row per JOBS message, none missing and none twice"
    );
    let jobs = Projection::Jobs.name();
    let rewound = gauge("jetcrawl_projector_rewound_total", jobs).unwrap_or(0.0);
    assert!(rewound >= 1.0, "the operator sees the rewind counted");
    projector.stop().await;
}
