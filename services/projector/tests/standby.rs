//! One active projector per projection: while another session holds the leader lock a
//! projector stands by and applies nothing; it takes over when the holder goes away.

use std::time::Duration;

use crate::support::*;
use jetcrawl_projector::{ProjectorConfig, lock_name, run};
use sqlx::{Connection, PgConnection};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

type Running = (oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>);

fn spawn_projector(infra: &Infra) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let config = ProjectorConfig {
        lock_check_ms: 100,
        ..ProjectorConfig::new(&infra.nats.url(), &infra.pg.url())
    };
    let task = tokio::spawn(run(config, async move {
        let _ = stopped.await;
    }));
    (stop, task)
}

async fn stop(projector: Running) {
    let _ = projector.0.send(());
    let result = tokio::time::timeout(Duration::from_secs(10), projector.1).await;
    result
        .expect("the projector stops within 10 s")
        .expect("no panic")
        .expect("stops cleanly");
}

async fn event_rows(infra: &Infra) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM job_events")
        .fetch_one(&infra.pool)
        .await
        .unwrap_or(-1)
}

async fn tables_exist(infra: &Infra) -> bool {
    let found: Option<String> = sqlx::query_scalar("SELECT to_regclass('job_events')::text")
        .fetch_one(&infra.pool)
        .await
        .unwrap_or(None);
    found.is_some()
}

async fn caught_up(infra: &Infra) {
    let last = last_sequence(&infra.js).await;
    wait_until(
        Duration::from_secs(30),
        &format!("checkpoint {last}"),
        || async { projected(&infra.pool).await == last },
    )
    .await;
}

#[tokio::test]
async fn a_standby_applies_nothing_while_another_holds_the_lock_then_takes_over() {
    let infra = infra().await;
    // The "active projector": a session holding the projection's leader lock.
    let mut active = PgConnection::connect(&infra.pg.url())
        .await
        .expect("connects");
    sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
        .bind(lock_name("all"))
        .execute(&mut active)
        .await
        .expect("lock taken");

    let standby = spawn_projector(&infra);
    for i in 0..6 {
        drive_job(&infra.store, &format!("job-{i}"), "acme", Path::of(i)).await;
    }
    wait_until(Duration::from_secs(30), "the standby's migrations", || {
        tables_exist(&infra)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        event_rows(&infra).await,
        0,
        "a standby never applies events"
    );
    assert_eq!(projected(&infra.pool).await, 0);

    active.close().await.expect("the active session ends");
    caught_up(&infra).await;
    assert_matches_stream(&infra.pool, &infra.js).await;
    stop(standby).await;
}

#[tokio::test]
async fn when_the_active_projector_stops_the_standby_continues_from_its_checkpoint() {
    let infra = infra().await;
    let first = spawn_projector(&infra);
    drive_job(&infra.store, "job-a", "acme", Path::Succeeds).await;
    caught_up(&infra).await;
    let second = spawn_projector(&infra);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop(first).await;

    drive_job(&infra.store, "job-b", "globex", Path::Fails).await;
    drive_job(&infra.store, "job-c", "acme", Path::RetriesThenSucceeds).await;
    caught_up(&infra).await;
    assert_matches_stream(&infra.pool, &infra.js).await;
    stop(second).await;
}
