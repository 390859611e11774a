//! Dependency health, shared by `grpc.health.v1` and `/readyz`: NATS must be connected
//! and Postgres must answer `SELECT 1` within a second. A background task re-checks on
//! an interval and sets every gRPC service's status, plus `nats` and `postgres`.

use std::time::Duration;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// Longest wait for Postgres' `SELECT 1`.
pub const POSTGRES_CHECK: Duration = Duration::from_secs(1);
/// gRPC health names of the served services ("" is the whole server).
pub const SERVICES: &[&str] = &["", "jetcrawl.v1.Jobs"];

/// Longest wait for the event log to answer a stream info request.
pub const JETSTREAM_CHECK: Duration = Duration::from_secs(1);

/// What the gateway depends on.
#[derive(Clone)]
pub struct Dependencies {
    /// The NATS connection.
    pub nats: async_nats::Client,
    /// JetStream on it: answering only while the JOBS stream has a leader (on a
    /// cluster, while a quorum of its replicas is up).
    pub js: async_nats::jetstream::Context,
    /// The read-model pool.
    pub pool: PgPool,
}

/// One check's outcome: `Err` says why it is down and what to look at.
pub type Check = Result<(), String>;

impl Dependencies {
    /// NATS: connected, and the JOBS stream answers with a leader and a majority of its
    /// replicas up (a cluster without a quorum for it can record nothing, so it counts
    /// as down, even while a leader that lost its peers still answers).
    pub async fn nats(&self) -> Check {
        if let other @ (async_nats::connection::State::Disconnected
        | async_nats::connection::State::Pending) = self.nats.connection_state()
        {
            return Err(format!(
                "NATS is {other}; check that nats-server is running"
            ));
        }
        match tokio::time::timeout(
            JETSTREAM_CHECK,
            self.js.get_stream(jetcrawl_streams::subjects::JOBS_STREAM),
        )
        .await
        {
            Ok(Ok(stream)) => jetcrawl_streams::topology::has_quorum(stream.cached_info()),
            Ok(Err(err)) => Err(format!(
                "the JOBS stream does not answer ({err}); on a cluster, check that a quorum of nodes is up"
            )),
            Err(_) => Err(format!(
                "the JOBS stream did not answer within {} ms; on a cluster, check that a quorum of nodes is up",
                JETSTREAM_CHECK.as_millis()
            )),
        }
    }

    /// Postgres: `SELECT 1` within [`POSTGRES_CHECK`].
    pub async fn postgres(&self) -> Check {
        match tokio::time::timeout(POSTGRES_CHECK, sqlx::query("SELECT 1").execute(&self.pool))
            .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(format!("Postgres refused SELECT 1: {err}")),
            Err(_) => Err(format!(
                "Postgres did not answer SELECT 1 within {} ms",
                POSTGRES_CHECK.as_millis()
            )),
        }
    }
}

fn serving(ok: bool) -> ServingStatus {
    if ok {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}

/// Sets the gRPC health statuses every `interval` until `stop` is cancelled: every
/// service SERVING only while both NATS and Postgres are up; `nats` and `postgres`
/// each report their own dependency.
pub async fn report(
    reporter: HealthReporter,
    dependencies: Dependencies,
    interval: Duration,
    stop: CancellationToken,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        check_once(&reporter, &dependencies).await;
    }
}

/// Checks both dependencies once and sets every status from the outcome.
pub async fn check_once(reporter: &HealthReporter, dependencies: &Dependencies) {
    let nats = dependencies.nats().await.is_ok();
    let postgres = dependencies.postgres().await.is_ok();
    reporter.set_service_status("nats", serving(nats)).await;
    reporter
        .set_service_status("postgres", serving(postgres))
        .await;
    for service in SERVICES {
        reporter
            .set_service_status(*service, serving(nats && postgres))
            .await;
    }
}
