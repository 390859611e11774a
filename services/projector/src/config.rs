//! How a projector is configured: from flags and environment in the binary, from code in
//! `jetcrawl up` and tests.

use std::time::Duration;

use jetcrawl_streams::topology::PROJECTOR_CONSUMER;

/// Settings of one projector instance.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectorConfig {
    /// NATS server URL.
    #[arg(
        long,
        env = "JETCRAWL_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats_url: String,
    /// Postgres URL of the read models, e.g. postgres://user@host:5432/jetcrawl.
    #[arg(long, env = "JETCRAWL_DATABASE_URL")]
    pub database_url: String,
    /// Most messages applied in one Postgres transaction.
    #[arg(long, env = "JETCRAWL_PROJECTOR_BATCH", default_value_t = 500)]
    pub batch_size: usize,
    /// Longest wait, in milliseconds, for a batch to fill once its first message arrived.
    #[arg(long, env = "JETCRAWL_PROJECTOR_BATCH_WAIT_MS", default_value_t = 50)]
    pub batch_wait_ms: u64,
    /// Projection name: the checkpoint row and the leader lock.
    #[arg(long, env = "JETCRAWL_PROJECTION", default_value = jetcrawl_projections::JOBS_PROJECTION)]
    pub projection: String,
    /// Durable JetStream consumer the projection reads.
    #[arg(long, env = "JETCRAWL_PROJECTOR_CONSUMER", default_value = PROJECTOR_CONSUMER)]
    pub consumer: String,
    /// How often, in milliseconds, a standby retries the leader lock and the leader checks
    /// it still holds it.
    #[arg(long, env = "JETCRAWL_PROJECTOR_LOCK_CHECK_MS", default_value_t = 1000)]
    pub lock_check_ms: u64,
}

impl ProjectorConfig {
    /// Defaults for everything but the two servers.
    pub fn new(nats_url: &str, database_url: &str) -> Self {
        Self {
            nats_url: nats_url.to_owned(),
            database_url: database_url.to_owned(),
            batch_size: 500,
            batch_wait_ms: 50,
            projection: jetcrawl_projections::JOBS_PROJECTION.to_owned(),
            consumer: PROJECTOR_CONSUMER.to_owned(),
            lock_check_ms: 1000,
        }
    }

    pub(crate) fn batch_wait(&self) -> Duration {
        Duration::from_millis(self.batch_wait_ms.max(1))
    }

    pub(crate) fn lock_check(&self) -> Duration {
        Duration::from_millis(self.lock_check_ms.max(10))
    }
}
