//! Shared helpers of the projector tests: real nats-server and Postgres, a load
//! generator that drives jobs through the state machine, and the checks that compare
//! the read models with the stream.

#![allow(dead_code)]

pub mod observe;
pub mod recreate;

use std::time::{Duration, Instant};

use async_nats::jetstream::Context;
use chrono::Utc;
use jetcrawl_local::{NatsOptions, NatsServer, Postgres, PostgresOptions};
use jetcrawl_projections::{
    JOBS_PROJECTION, JobRow, checkpoint, fold_rows, get_job_row, job_events_for,
};
use jetcrawl_proto::v1::{JobAttemptFailed, JobSpec, JobSucceeded};
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::job::fold;
use jetcrawl_streams::subjects::JOBS_STREAM;
use jetcrawl_streams::{
    Admission, Basis, Command, EventStore, Job, RecordedEvent, Retry, Topology,
};
use sqlx::PgPool;

/// Attempts allowed per job in the generated load.
pub const MAX_ATTEMPTS: u32 = 2;

/// nats-server and Postgres for one test.
pub struct Infra {
    /// The NATS server.
    pub nats: NatsServer,
    /// The Postgres server.
    pub pg: Postgres,
    /// A pool on the database.
    pub pool: PgPool,
    /// JetStream with the topology applied.
    pub js: Context,
    /// The event store.
    pub store: EventStore,
}

/// Starts both servers and applies the topology; tables are left to the projector.
pub async fn infra() -> Infra {
    infra_with(NatsOptions::default()).await
}

/// [`infra`] with a nats-server started with `nats`.
pub async fn infra_with(nats: NatsOptions) -> Infra {
    let (nats, pg) = tokio::join!(
        NatsServer::start(nats),
        Postgres::start(PostgresOptions::for_tests())
    );
    let (nats, pg) = (
        nats.expect("nats-server starts"),
        pg.expect("postgres starts"),
    );
    let pool = PgPool::connect(&pg.url())
        .await
        .expect("connects to postgres");
    let (_client, js) = jetcrawl_streams::connect(&nats.url(), "projector-test")
        .await
        .expect("connects to nats");
    Topology::default()
        .apply(&js)
        .await
        .expect("topology applies");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations apply");
    let store = EventStore::open(js.clone()).await.expect("store opens");
    Infra {
        nats,
        pg,
        pool,
        js,
        store,
    }
}

/// Polls `check` every 50 ms until it returns true, panicking with `what` after `limit`.
pub async fn wait_until<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The NATS settings of `infra`, as a service or the CLI takes them.
pub fn nats_args(infra: &Infra) -> jetcrawl_streams::NatsArgs {
    jetcrawl_streams::NatsArgs::new(infra.nats.url())
}

/// The Postgres settings of `infra`.
pub fn database_args(infra: &Infra) -> jetcrawl_projections::DatabaseArgs {
    jetcrawl_projections::DatabaseArgs::new(infra.pg.url())
}

/// The projection's checkpoint, 0 while its tables do not exist yet.
pub async fn projected(pool: &PgPool) -> u64 {
    checkpoint(pool, JOBS_PROJECTION).await.unwrap_or(0)
}

/// The stream's last sequence.
pub async fn last_sequence(js: &Context) -> u64 {
    let mut stream = js.get_stream(JOBS_STREAM).await.expect("stream");
    stream
        .info()
        .await
        .expect("stream info")
        .state
        .last_sequence
}

/// Which path a generated job takes.
#[derive(Debug, Clone, Copy)]
pub enum Path {
    /// Submitted, started, succeeded.
    Succeeds,
    /// A retryable failure, then success on attempt 2.
    RetriesThenSucceeds,
    /// A permanent failure: JobAttemptFailed + JobFailed in one atomic batch.
    Fails,
    /// Submitted only.
    StaysQueued,
}

impl Path {
    /// The path of the `i`-th generated job.
    pub fn of(i: usize) -> Self {
        [
            Self::Succeeds,
            Self::RetriesThenSucceeds,
            Self::Fails,
            Self::StaysQueued,
        ][i % 4]
    }
}

/// Drives one job along `path` through `decide` and the event store.
pub async fn drive_job(store: &EventStore, job_id: &str, tenant: &str, path: Path) {
    let url = format!("https://{tenant}.example/{job_id}");
    let spec = JobSpec {
        urls: vec![url],
        ..Default::default()
    };
    let mut job = Job {
        id: job_id.to_owned(),
        tenant: tenant.to_owned(),
        ..Job::default()
    };
    let submit = Command::Submit {
        spec: Box::new(spec),
        idempotency_key: String::new(),
        spec_sha256: "sha".into(),
        subject_ref: String::new(),
        domain: format!("{tenant}.example"),
    };
    step(store, &mut job, job_id, submit).await;
    let steps: Vec<Command> = match path {
        Path::Succeeds => vec![start(), succeed(1)],
        Path::RetriesThenSucceeds => vec![start(), fail(1, true), start(), succeed(2)],
        Path::Fails => vec![start(), fail(1, false)],
        Path::StaysQueued => vec![],
    };
    for command in steps {
        step(store, &mut job, job_id, command).await;
    }
}

fn start() -> Command {
    Command::Start {
        worker_id: "w1".into(),
        max_attempts: MAX_ATTEMPTS,
        work_sequence: 0,
        admission: Admission::Ready,
        proxy: String::new(),
    }
}

fn succeed(attempt: u32) -> Command {
    Command::Succeed(JobSucceeded {
        attempt,
        result_key: format!("r/{attempt}.json"),
        result_size: 42,
        ..Default::default()
    })
}

fn fail(attempt: u32, retryable: bool) -> Command {
    let failure = JobAttemptFailed {
        attempt,
        error_class: "http_5xx".into(),
        message: "503 Service Unavailable".into(),
        retryable,
        ..Default::default()
    };
    Command::FailAttempt {
        failure,
        max_attempts: MAX_ATTEMPTS,
    }
}

/// Records `command` through the job's one write path, from the state known so far.
async fn step(store: &EventStore, job: &mut Job, id: &str, command: Command) {
    let basis = Basis::Guess(Box::new(std::mem::take(job)));
    let done = store
        .execute(
            id,
            basis,
            "test",
            command,
            Utc::now(),
            Retry::CONFLICTS_ONLY,
        )
        .await
        .expect("command recorded");
    *job = done.job;
}

/// Every message of the stream, decoded, in order.
pub async fn stream_events(js: &Context) -> Vec<RecordedEvent> {
    let stream = js.get_stream(JOBS_STREAM).await.expect("stream");
    let last = last_sequence(js).await;
    let mut events = Vec::with_capacity(last as usize);
    for seq in 1..=last {
        let message = stream.get_raw_message(seq).await.expect("stream message");
        events.push(decode(seq, &message.payload).expect("stream message decodes"));
    }
    events
}

/// Asserts the read models are exactly what the stream says: one `job_events` row per
/// message (same seqs, types, jobs), and each job's row equal to a fresh fold of its
/// history, with the status `evolve` gives.
pub async fn assert_matches_stream(pool: &PgPool, js: &Context) {
    let events = stream_events(js).await;
    let last = events.len() as u64;
    assert_eq!(
        projected(pool).await,
        last,
        "checkpoint equals the stream's last sequence"
    );
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT stream_seq, event_type, job_id FROM job_events ORDER BY stream_seq")
            .fetch_all(pool)
            .await
            .expect("job_events");
    let want: Vec<(i64, String, String)> = events
        .iter()
        .map(|e| {
            (
                e.sequence as i64,
                e.event.event_type.clone(),
                e.event.job_id.clone(),
            )
        })
        .collect();
    assert_eq!(
        rows.len(),
        want.len(),
        "one job_events row per stream message"
    );
    assert_eq!(
        rows, want,
        "job_events rows are the stream's messages, seqs 1..={last}"
    );
    let mut by_job: std::collections::BTreeMap<&str, Vec<&RecordedEvent>> = Default::default();
    for e in &events {
        by_job.entry(e.event.job_id.as_str()).or_default().push(e);
    }
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(jobs as usize, by_job.len(), "one jobs row per job");
    for (job_id, history) in by_job {
        let mut fresh = fold_rows(history.iter().copied()).expect("a submitted job");
        let row: JobRow = get_job_row(pool, &fresh.tenant, job_id)
            .await
            .expect("query")
            .expect("job row");
        // The ack latency comes from JetStream's stored time, which a fold of the
        // events alone does not know.
        let latency = row.ack_latency_ms.expect("ack latency of a projected job");
        assert!(
            (0.0..60_000.0).contains(&latency),
            "{job_id}: ack latency {latency} ms"
        );
        fresh.ack_latency_ms = row.ack_latency_ms;
        assert_eq!(
            row, fresh,
            "jobs row of {job_id} equals a fresh fold of its history"
        );
        assert_eq!(row.status, fold(history.iter().copied()).status.as_str());
        assert_eq!(
            job_events_for(pool, job_id).await.expect("events").len(),
            history.len()
        );
    }
}

/// Every read-model table and the audit log as JSON rows in a stable order; only
/// `job_events.recorded_at` (when the projector wrote the row) is left out.
pub async fn tables_snapshot(pool: &PgPool) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (table, order) in [
        ("job_events", "stream_seq"),
        ("jobs", "job_id"),
        ("job_attempts", "job_id, started_seq"),
        ("dead_letters", "job_id"),
        ("tenant_usage_daily", "tenant, day"),
        ("tenant_usage_monthly", "tenant, month"),
        ("domain_stats", "tenant, domain, day"),
        ("job_domains", "job_id"),
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT (to_jsonb(t) - 'recorded_at')::text FROM {table} t ORDER BY {order}"
        )))
        .fetch_all(pool)
        .await
        .unwrap_or_else(|err| panic!("reading {table}: {err}"));
        out.push((table.to_owned(), rows));
    }
    out
}

/// The audit log rows (without `recorded_at`), in chain order.
pub async fn audit_rows(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT (to_jsonb(a) - 'recorded_at')::text FROM audit_log a ORDER BY seq")
        .fetch_all(pool)
        .await
        .expect("audit_log")
}

/// The last sequence of the AUDIT_ACTIONS stream.
pub async fn last_audit_sequence(js: &Context) -> u64 {
    let mut stream = js
        .get_stream(jetcrawl_streams::security::AUDIT_ACTIONS_STREAM)
        .await
        .expect("stream");
    stream.info().await.expect("info").state.last_sequence
}

/// True when every projection's checkpoint equals its stream's last sequence.
pub async fn all_caught_up(pool: &PgPool, js: &Context) -> bool {
    let jobs = last_sequence(js).await;
    let actions = last_audit_sequence(js).await;
    for projection in jetcrawl_projections::Projection::ALL {
        let want = if projection == jetcrawl_projections::Projection::AuditActions {
            actions
        } else {
            jobs
        };
        if checkpoint(pool, projection.name()).await.unwrap_or(0) != want {
            return false;
        }
    }
    true
}
