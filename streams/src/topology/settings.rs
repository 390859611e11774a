//! The topology's tunables, declared once: `jetcrawl admin apply` and every service
//! flatten [`TopologyArgs`] into their configuration, so the owner that applies the
//! topology and the services that verify it read the same settings.

use std::time::Duration;

use async_nats::jetstream::stream::StorageType;

/// Tunables of the topology; they come from configuration per environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    /// Stream and bucket replicas (1 on a single node, 3 on a cluster).
    pub replicas: usize,
    /// File in every real deployment; memory only for throwaway runs.
    pub storage: StorageType,
    /// How long JetStream remembers `Nats-Msg-Id`s.
    pub duplicate_window: Duration,
    /// How long results and artifacts are kept by the bucket itself (the backstop
    /// behind the notifier's purge job).
    pub results_max_age: Duration,
    /// How long a worker may hold a job without a progress heartbeat.
    pub worker_ack_wait: Duration,
    /// Deliveries of a work message before JetStream gives up on it (and publishes the
    /// MAX_DELIVERIES advisory the dead-letter component turns into JobDeadLettered).
    pub worker_max_deliver: i64,
    /// How long the notifier may hold a terminal event before it is redelivered.
    pub notifier_ack_wait: Duration,
    /// How long captured advisories are kept.
    pub advisories_max_age: Duration,
}

impl Default for Topology {
    fn default() -> Self {
        Self {
            replicas: 1,
            storage: StorageType::File,
            duplicate_window: Duration::from_secs(120),
            // 30 days of retention plus a day of grace (jetcrawl-results' default).
            results_max_age: Duration::from_secs(31 * 24 * 3600),
            // Heartbeats go every quarter of it, so a job whose worker died is picked up
            // by another within this bound (ADR 0009).
            worker_ack_wait: Duration::from_secs(20),
            // Attempts are counted from the job's own history; this is only the
            // backstop for a message nobody can ever handle.
            worker_max_deliver: 20,
            notifier_ack_wait: Duration::from_secs(30),
            advisories_max_age: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Where streams and buckets are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Storage {
    /// On disk: every real deployment.
    File,
    /// In memory: throwaway runs only; a restart loses everything.
    Memory,
}

/// The topology settings as command-line flags and environment variables.
#[derive(Debug, Clone, clap::Args)]
pub struct TopologyArgs {
    /// Replicas of every stream and bucket: 1 on a single node, 3 on a cluster.
    #[arg(long, env = "JETCRAWL_REPLICAS", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=5))]
    pub replicas: u8,
    /// Storage of every stream and bucket.
    #[arg(long, env = "JETCRAWL_STORAGE", value_enum, default_value_t = Storage::File)]
    pub storage: Storage,
    /// How long JetStream deduplicates a repeated submit by its message id.
    #[arg(long, env = "JETCRAWL_DUPLICATE_WINDOW_SECS", default_value_t = 120)]
    pub duplicate_window_secs: u64,
    /// How long a worker may hold a job without a heartbeat before another takes it.
    #[arg(long, env = "JETCRAWL_WORKER_ACK_WAIT_MS", default_value_t = 20_000)]
    pub worker_ack_wait_ms: u64,
    /// Deliveries of one work message before it is dead-lettered (a backstop; attempts
    /// are counted from the job's history).
    #[arg(long, env = "JETCRAWL_WORKER_MAX_DELIVER", default_value_t = 20)]
    pub worker_max_deliver: i64,
    /// How long the notifier may hold a terminal event before it is redelivered.
    #[arg(long, env = "JETCRAWL_NOTIFIER_ACK_WAIT_MS", default_value_t = 30_000)]
    pub notifier_ack_wait_ms: u64,
}

impl Default for TopologyArgs {
    fn default() -> Self {
        Self::from(&Topology::default())
    }
}

impl TopologyArgs {
    /// The topology these settings describe (results kept for the default retention).
    pub fn topology(&self) -> Topology {
        Topology {
            replicas: usize::from(self.replicas),
            storage: match self.storage {
                Storage::File => StorageType::File,
                Storage::Memory => StorageType::Memory,
            },
            duplicate_window: Duration::from_secs(self.duplicate_window_secs.max(1)),
            worker_ack_wait: Duration::from_millis(self.worker_ack_wait_ms.max(1_000)),
            worker_max_deliver: self.worker_max_deliver,
            notifier_ack_wait: Duration::from_millis(self.notifier_ack_wait_ms.max(1_000)),
            ..Topology::default()
        }
    }
}

impl From<&Topology> for TopologyArgs {
    fn from(topology: &Topology) -> Self {
        Self {
            replicas: u8::try_from(topology.replicas).unwrap_or(u8::MAX),
            storage: match topology.storage {
                StorageType::File => Storage::File,
                StorageType::Memory => Storage::Memory,
            },
            duplicate_window_secs: topology.duplicate_window.as_secs(),
            worker_ack_wait_ms: millis(topology.worker_ack_wait),
            worker_max_deliver: topology.worker_max_deliver,
            notifier_ack_wait_ms: millis(topology.notifier_ack_wait),
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_args_describe_the_default_topology() {
        assert_eq!(TopologyArgs::default().topology(), Topology::default());
    }
}
