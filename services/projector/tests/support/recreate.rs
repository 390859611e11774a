//! Losing the JOBS stream the read models were built from: delete it and create it again
//! with the same definition, so it restarts at sequence 1 (what a stream that came back
//! shorter after a power cut looks like, plus a new creation time).

use jetcrawl_projections::{Projection, checkpoint};
use jetcrawl_streams::subjects::JOBS_STREAM;
use jetcrawl_streams::{EventStore, Topology};
use sqlx::PgPool;

use super::{Infra, Path, drive_job};

/// Deletes JOBS and applies the topology again; returns an event store on the new one.
pub async fn recreate_jobs_stream(infra: &Infra) -> EventStore {
    infra
        .js
        .delete_stream(JOBS_STREAM)
        .await
        .expect("JOBS can be deleted (deny_delete only refuses deleting messages)");
    Topology::default()
        .apply(&infra.js)
        .await
        .expect("the topology applies again");
    EventStore::open(infra.js.clone())
        .await
        .expect("store opens")
}

/// Drives `n` jobs named `<prefix>-<i>`.
pub async fn drive_jobs(store: &EventStore, prefix: &str, n: usize) {
    for i in 0..n {
        drive_job(store, &format!("{prefix}-{i:03}"), "acme", Path::of(i)).await;
    }
}

/// The checkpoints of every projection of JOBS, by name.
pub async fn jobs_checkpoints(pool: &PgPool) -> Vec<(&'static str, u64)> {
    let mut out = Vec::new();
    for projection in Projection::ALL {
        if projection.stream() == JOBS_STREAM {
            let at = checkpoint(pool, projection.name())
                .await
                .expect("checkpoint");
            out.push((projection.name(), at));
        }
    }
    out
}

/// The read models' projections, as `JETCRAWL_PROJECTIONS` lists them.
pub fn read_models() -> String {
    Projection::READ_MODELS.map(|p| p.name()).join(",")
}

/// `job_events` rows of jobs whose id starts with `prefix`.
pub async fn rows_of(pool: &PgPool, prefix: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM job_events WHERE job_id LIKE $1 || '%'")
        .bind(prefix)
        .fetch_one(pool)
        .await
        .expect("job_events")
}
