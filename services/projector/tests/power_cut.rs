//! DESIGN.md pitfall 9 for real: a nats-server with lazy fsync loses power, JOBS comes
//! back shorter than the running projector's checkpoint (with the same creation time),
//! and new events reuse the lost sequences. The projector halts instead of skipping or
//! applying them after its checkpoint; a rebuild accepting the stream recovers it.
//! Needs root and loop devices (`PowerCutDisk::supported`); skipped otherwise.

use std::time::Duration;

use crate::support::observe::Observed;
use crate::support::recreate::{drive_jobs, read_models, rows_of};
use crate::support::*;
use jetcrawl_local::{NatsOptions, PowerCutDisk};
use jetcrawl_projections::{Projection, checkpoint, checkpoint_identity};
use jetcrawl_projector::{ProjectorConfig, RebuildOptions, rebuild};
use jetcrawl_streams::EventStore;
use jetcrawl_streams::subjects::JOBS_STREAM;

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
                .unwrap_or(0),
        );
    }
    out
}

async fn wait_projected(infra: &Infra, what: &str) -> u64 {
    let last = last_sequence(&infra.js).await;
    let caught_up = || async {
        read_model_checkpoints(infra)
            .await
            .iter()
            .all(|c| *c == last)
    };
    wait_until(Duration::from_secs(30), what, caught_up).await;
    last
}

#[tokio::test]
async fn a_power_cut_losing_applied_messages_halts_the_running_projector() {
    if !PowerCutDisk::supported() {
        eprintln!("skipped: a power cut needs root, loop devices and mkfs.ext4");
        return;
    }
    let nats = NatsOptions {
        power_cut_disk: true,
        ..NatsOptions::default()
    };
    let mut infra = infra_with(nats).await;
    let projector = Observed::start(config(&infra)).await;
    drive_jobs(&infra.store, "synced", 4).await;
    let synced = wait_projected(&infra, "the synced jobs").await;
    // What is on disk so far survives; the next events stay in the page cache
    // (nats-server fsyncs every 2 minutes by default).
    let status = std::process::Command::new("sync")
        .status()
        .expect("sync runs");
    assert!(status.success());
    drive_jobs(&infra.store, "lost", 4).await;
    let at = wait_projected(&infra, "the jobs the power cut loses").await;
    let before = read_model_checkpoints(&infra).await;

    infra.nats.power_cut().expect("power cut");
    infra.nats.restart().await.expect("nats-server restarts");
    let back = || async { infra.js.get_stream(JOBS_STREAM).await.is_ok() };
    wait_until(Duration::from_secs(20), "JOBS back", back).await;
    let last = last_sequence(&infra.js).await;
    assert!(
        synced <= last && last < at,
        "the power cut lost applied messages: JOBS ends at {last}, synced {synced}, checkpoint {at}"
    );
    let recorded = checkpoint_identity(&infra.pool, "jobs").await.expect("row");
    let mut stream = infra.js.get_stream(JOBS_STREAM).await.expect("JOBS");
    let created = stream.info().await.expect("info").created;
    assert_eq!(
        recorded.stream_created.map(|c| c.timestamp()),
        Some(created.unix_timestamp()),
        "the same stream, with the same creation time"
    );

    // The running projector sees it once reconnected, before any new event.
    let behind = format!("behind the checkpoint {at}");
    let halted = || async { projector.healthz().await.1.contains(&behind) };
    wait_until(Duration::from_secs(10), &behind, halted).await;

    // New events take the lost sequences and go past the checkpoint.
    let store = EventStore::open(infra.js.clone()).await.expect("store");
    let mut n = 0;
    while last_sequence(&infra.js).await <= at + 3 {
        drive_jobs(&store, &format!("new{n}"), 1).await;
        n += 1;
    }
    let cause = format!("another message at the checkpoint's sequence {at}");
    let reused = || async { projector.healthz().await.1.contains(&cause) };
    wait_until(Duration::from_secs(30), &cause, reused).await;
    assert_eq!(projector.healthz().await.0, 503);
    assert_eq!(
        read_model_checkpoints(&infra).await,
        before,
        "no checkpoint moved"
    );
    assert_eq!(
        rows_of(&infra.pool, "new").await,
        0,
        "nothing applied after the checkpoint"
    );

    let accept = RebuildOptions {
        accept_stream: true,
        ..RebuildOptions::default()
    };
    rebuild(&nats_args(&infra), &database_args(&infra), accept)
        .await
        .expect("a rebuild accepting the stream");
    projector
        .wait_for_healthz(200, Duration::from_secs(15))
        .await;
    assert_eq!(
        rows_of(&infra.pool, "lost").await,
        0,
        "the lost jobs are gone"
    );
    assert_matches_stream(&infra.pool, &infra.js).await;
    projector.stop().await;
}
