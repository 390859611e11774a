//! How a projector is configured: from flags and environment in the binary, from code in
//! `jetcrawl up` and tests.

use std::time::Duration;

use jetcrawl_projections::Projection;

/// Messages per batch unless configured; measured with `jetcrawl-bench --only projector
/// --projector-batch N` (ADR 43, and its addendum once batches were pipelined).
pub const DEFAULT_BATCH: usize = 5000;

/// Settings of one projector instance.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectorConfig {
    /// NATS: URL, credentials and TLS.
    #[command(flatten)]
    pub nats: jetcrawl_streams::NatsArgs,
    /// Postgres of the read models.
    #[command(flatten)]
    pub database: jetcrawl_projections::DatabaseArgs,
    /// The JetStream topology this projector verifies at start.
    #[command(flatten)]
    pub topology: jetcrawl_streams::TopologyArgs,
    /// Most messages applied in one Postgres transaction. Catching up, larger batches
    /// spread each transaction's fixed cost (checkpoint, commit, ack) over more events;
    /// live, a batch closes `batch_wait_ms` after its first message anyway.
    #[arg(long, env = "JETCRAWL_PROJECTOR_BATCH", default_value_t = DEFAULT_BATCH)]
    pub batch_size: usize,
    /// Longest wait, in milliseconds, for a batch to fill once its first message arrived.
    #[arg(long, env = "JETCRAWL_PROJECTOR_BATCH_WAIT_MS", default_value_t = 50)]
    pub batch_wait_ms: u64,
    /// Which projections this instance runs: `all`, or a comma-separated list of
    /// jobs, job_attempts, dead_letters, usage, domain_stats, audit_jobs, audit_actions.
    /// Instances running the same list share one leader lock.
    #[arg(long, env = "JETCRAWL_PROJECTIONS", default_value = "all")]
    pub projections: String,
    /// How often, in milliseconds, a standby retries the leader lock and the leader checks
    /// it still holds it.
    #[arg(long, env = "JETCRAWL_PROJECTOR_LOCK_CHECK_MS", default_value_t = 1000)]
    pub lock_check_ms: u64,
    /// Fault injection for tests: abort the process right after the Nth batch commit
    /// (counted over every projection), before that batch is acked.
    #[arg(long, env = "JETCRAWL_PROJECTOR_ABORT_AFTER_COMMIT", hide = true)]
    pub abort_after_commit: Option<u64>,
}

impl ProjectorConfig {
    /// Defaults for everything but the two servers.
    pub fn new(nats_url: &str, database_url: &str) -> Self {
        Self {
            nats: jetcrawl_streams::NatsArgs::new(nats_url),
            database: jetcrawl_projections::DatabaseArgs::new(database_url),
            topology: jetcrawl_streams::TopologyArgs::default(),
            batch_size: DEFAULT_BATCH,
            batch_wait_ms: 50,
            projections: "all".to_owned(),
            lock_check_ms: 1000,
            abort_after_commit: None,
        }
    }

    /// The projections to run, or what is wrong with the list.
    pub fn selected(&self) -> anyhow::Result<Vec<Projection>> {
        let list = self.projections.trim();
        if list.is_empty() || list == "all" {
            return Ok(Projection::ALL.to_vec());
        }
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim) {
            let projection = Projection::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Projection::ALL.iter().map(|p| p.name()).collect();
                anyhow::anyhow!(
                    "JETCRAWL_PROJECTIONS names {name:?}, which is no projection; use all or some of {}",
                    known.join(", ")
                )
            })?;
            if !out.contains(&projection) {
                out.push(projection);
            }
        }
        Ok(out)
    }

    /// The leader lock's group: every instance running the same projections shares it.
    pub fn lock_group(&self) -> String {
        match self.selected() {
            Ok(list) if list.len() == Projection::ALL.len() => "all".to_owned(),
            Ok(list) => list.iter().map(|p| p.name()).collect::<Vec<_>>().join(","),
            Err(_) => self.projections.clone(),
        }
    }

    pub(crate) fn batch_wait(&self) -> Duration {
        Duration::from_millis(self.batch_wait_ms.max(1))
    }

    pub(crate) fn lock_check(&self) -> Duration {
        Duration::from_millis(self.lock_check_ms.max(10))
    }
}
