//! `rebuild`: the read models replayed into a fresh schema and swapped in atomically.
//! A rebuild of a caught-up projection gives exactly the tables the live projector built
//! incrementally; readers never fail or see the tables go backwards while it runs; the
//! live projector keeps going across the swap; and replaying twice gives identical tables.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::*;
use jetcrawl_projector::{ProjectorConfig, RebuildOptions, rebuild, run};
use tokio::sync::oneshot;

#[tokio::test]
async fn a_rebuild_swaps_in_identical_tables_while_readers_and_writers_go_on() {
    let infra = infra().await;
    for i in 0..40 {
        let tenant = if i % 2 == 0 { "acme" } else { "globex" };
        drive_job(&infra.store, &format!("job-{i:03}"), tenant, Path::of(i)).await;
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let config = ProjectorConfig {
        lock_check_ms: 100,
        ..ProjectorConfig::new(&infra.nats.url(), &infra.pg.url())
    };
    let projector = tokio::spawn(run(config, async move {
        let _ = stopped.await;
    }));
    let caught_up = || all_caught_up(&infra.pool, &infra.js);
    wait_until(Duration::from_secs(30), "the live projection", caught_up).await;
    let live = tables_snapshot(&infra.pool).await;

    // 1. Quiet stream: the rebuilt tables equal the incrementally built ones.
    let report = rebuild(&nats_args(&infra), &database_args(&infra), batch(64))
        .await
        .expect("rebuild");
    assert_eq!(report.schema, "public");
    assert!(
        report.replayed >= last_sequence(&infra.js).await,
        "{report:?}"
    );
    assert_eq!(tables_snapshot(&infra.pool).await, live, "rebuilt == live");
    let previous: i64 = sqlx::query_scalar("SELECT count(*) FROM jetcrawl_previous.jobs")
        .fetch_one(&infra.pool)
        .await
        .expect("the old tables are kept aside");
    assert_eq!(previous, 40);

    // 2. Writers append and readers query while the rebuild runs.
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (store, writing) = (infra.store.clone(), writing.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while writing.load(Ordering::Relaxed) {
                drive_job(&store, &format!("late-{n:04}"), "acme", Path::of(n)).await;
                n += 1;
            }
            n
        })
    };
    let reader = {
        let (pool, reading) = (infra.pool.clone(), writing.clone());
        tokio::spawn(async move {
            let mut floor = 0i64;
            let mut reads = 0;
            while reading.load(Ordering::Relaxed) {
                let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
                    .fetch_one(&pool)
                    .await
                    .expect("jobs stays readable during the rebuild");
                assert!(jobs >= floor, "jobs went backwards: {jobs} < {floor}");
                floor = jobs;
                reads += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            reads
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    rebuild(&nats_args(&infra), &database_args(&infra), batch(64))
        .await
        .expect("rebuild under load");
    tokio::time::sleep(Duration::from_millis(300)).await;
    writing.store(false, Ordering::Relaxed);
    let written = writer.await.expect("writer");
    let reads = reader.await.expect("reader never failed");
    assert!(
        written > 0 && reads > 10,
        "{written} jobs written, {reads} reads"
    );
    wait_until(
        Duration::from_secs(60),
        "the projector after the swap",
        caught_up,
    )
    .await;
    assert_matches_stream(&infra.pool, &infra.js).await;
    let after_load = tables_snapshot(&infra.pool).await;

    // 3. Replaying again gives identical tables.
    rebuild(&nats_args(&infra), &database_args(&infra), batch(1000))
        .await
        .expect("third rebuild");
    assert_eq!(
        tables_snapshot(&infra.pool).await,
        after_load,
        "replaying twice is identical"
    );

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), projector)
        .await
        .expect("stops")
        .expect("no panic")
        .expect("clean stop");
}

fn batch(batch_size: usize) -> RebuildOptions {
    RebuildOptions {
        batch_size,
        ..RebuildOptions::default()
    }
}
