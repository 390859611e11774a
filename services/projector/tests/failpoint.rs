//! Done means 1: the projector binary aborts between a batch's commit and its ack
//! (`JETCRAWL_PROJECTOR_ABORT_AFTER_COMMIT`), is restarted, and every table holds each
//! message exactly once, with every checkpoint at its stream's last sequence; the rows
//! committed before the crash are unchanged.

use std::path::Path as FsPath;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;
use jetcrawl_projections::audit::verify_chain;

fn projector(infra: &Infra, log: &FsPath, abort_after: Option<u64>) -> std::process::Child {
    let bin = env!("CARGO_BIN_EXE_jetcrawl-projector");
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log file");
    let mut command = Command::new(bin);
    command
        .env("JETCRAWL_NATS_URL", infra.nats.url())
        .env("JETCRAWL_DATABASE_URL", infra.pg.url())
        .env("JETCRAWL_METRICS_ADDR", "127.0.0.1:0")
        .env("JETCRAWL_PROJECTOR_BATCH", "25")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log file"))
        .stderr(log_file);
    if let Some(n) = abort_after {
        command.env("JETCRAWL_PROJECTOR_ABORT_AFTER_COMMIT", n.to_string());
    }
    command.spawn().expect("projector spawns")
}

#[tokio::test]
async fn a_crash_between_commit_and_ack_loses_and_duplicates_nothing() {
    let infra = infra().await;
    let logs = tempfile::tempdir().expect("log dir");
    let log = logs.path().join("projector.log");
    for i in 0..60 {
        let tenant = if i % 3 == 0 { "globex" } else { "acme" };
        drive_job(&infra.store, &format!("job-{i:03}"), tenant, Path::of(i)).await;
    }

    // Aborts right after its 4th commit, that batch unacked.
    let mut crashing = projector(&infra, &log, Some(4));
    let status = tokio::task::spawn_blocking(move || crashing.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(!status.success(), "the failpoint aborted it: {status:?}");
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        log_text.contains("aborting before the ack"),
        "the abort came from the failpoint:\n{log_text}"
    );
    let committed = tables_snapshot(&infra.pool).await;
    let committed_rows: usize = committed.iter().map(|(_, rows)| rows.len()).sum();
    assert!(
        committed_rows > 0,
        "some batches committed before the crash"
    );
    let audit_before = audit_rows(&infra.pool).await;

    let mut restarted = projector(&infra, &log, None);
    wait_until(
        Duration::from_secs(60),
        "every checkpoint at its stream's end",
        || all_caught_up(&infra.pool, &infra.js),
    )
    .await;

    assert_matches_stream(&infra.pool, &infra.js).await;
    let after = tables_snapshot(&infra.pool).await;
    for ((table, before), (_, now)) in committed.iter().zip(&after) {
        if table == "job_events" || table == "job_domains" {
            assert_eq!(
                &now[..before.len()],
                &before[..],
                "{table}: committed rows unchanged"
            );
        }
    }
    let audit_after = audit_rows(&infra.pool).await;
    assert_eq!(
        &audit_after[..audit_before.len()],
        &audit_before[..],
        "audit rows written before the crash are unchanged"
    );
    let events = last_sequence(&infra.js).await;
    assert_eq!(
        audit_after.len() as u64,
        events,
        "one audit row per message, none twice"
    );
    let verdict = verify_chain(&infra.pool).await.expect("verify");
    assert!(verdict.ok, "{verdict:?}");
    let counted: (i64, i64) = sqlx::query_as(
        "SELECT sum(submitted)::int8, (SELECT count(*) FROM job_attempts)
         FROM tenant_usage_daily",
    )
    .fetch_one(&infra.pool)
    .await
    .expect("usage");
    // Path::of cycles Succeeds, RetriesThenSucceeds, Fails, StaysQueued: 1+2+1+0 starts.
    assert_eq!(
        counted,
        (60, 15 * 4),
        "counters count every event exactly once"
    );
    let _ = restarted.kill();
    let _ = restarted.wait();
}
