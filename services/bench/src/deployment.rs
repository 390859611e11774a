//! The NATS deployments a scenario can run against, as ADR 29 ships them: a single node
//! with the default sync interval, a single node with `sync_interval: always`, and a
//! 3-node cluster with every stream R3 and the default interval.

use jetcrawl_local::{ClusterOptions, NatsCluster, NatsOptions, NatsServer};
use jetcrawl_streams::Topology;

/// One way of running NATS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    /// One node, default sync interval (what the raw ceilings and most rows use).
    Single,
    /// One node fsyncing every acknowledged write (`jetcrawl up`'s configuration).
    SingleAlways,
    /// Three nodes on loopback, every stream and bucket R3, default sync interval.
    Cluster,
}

impl Deployment {
    /// Every deployment, the reference first.
    pub const ALL: [Deployment; 3] = [Self::Single, Self::SingleAlways, Self::Cluster];

    /// Replicas of every stream and bucket.
    pub fn replicas(self) -> usize {
        match self {
            Self::Single | Self::SingleAlways => 1,
            Self::Cluster => 3,
        }
    }

    /// What this deployment's row keys start with: a row measured on the reference
    /// deployment as `K` is `sync.K` or `r3.K` on the others.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Single => "",
            Self::SingleAlways => "sync.",
            Self::Cluster => "r3.",
        }
    }

    /// The scenario measuring it: `submit`, `durability` or `cluster`.
    pub fn scenario(self) -> &'static str {
        match self {
            Self::Single => "submit",
            Self::SingleAlways => "durability",
            Self::Cluster => "cluster",
        }
    }

    /// For people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Single => "single node, default sync",
            Self::SingleAlways => "single node, sync always",
            Self::Cluster => "3-node R3 cluster",
        }
    }
}

/// A running deployment with the topology applied, as `jetcrawl admin apply` does. Every
/// service given [`url`](Self::url) and [`replicas`](Self::replicas) verifies it.
/// Dropping it stops the servers.
pub struct BenchNats {
    url: String,
    replicas: usize,
    _servers: Servers,
}

/// Held only to keep the servers alive.
enum Servers {
    Single(NatsServer),
    Cluster(NatsCluster),
}

impl BenchNats {
    /// Starts fresh servers for `deployment` and applies its topology.
    pub async fn start(deployment: Deployment) -> anyhow::Result<Self> {
        let servers = match deployment {
            Deployment::Single | Deployment::SingleAlways => {
                let options = NatsOptions {
                    sync_always: deployment == Deployment::SingleAlways,
                    ..NatsOptions::default()
                };
                Servers::Single(NatsServer::start(options).await?)
            }
            Deployment::Cluster => {
                Servers::Cluster(NatsCluster::start(ClusterOptions::default()).await?)
            }
        };
        let url = match &servers {
            Servers::Single(server) => server.url(),
            Servers::Cluster(cluster) => cluster.urls(),
        };
        let nats = Self {
            url,
            replicas: deployment.replicas(),
            _servers: servers,
        };
        let (_client, js) = jetcrawl_streams::connect(&nats.url, "jetcrawl-bench-admin").await?;
        nats.topology().apply(&js).await?;
        Ok(nats)
    }

    /// The client URL; a comma-separated list of every node on a cluster, which every
    /// service and `jetcrawl_streams::connect` accept.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Process ids of every running nats-server of the deployment.
    pub fn pids(&self) -> Vec<u32> {
        match &self._servers {
            Servers::Single(server) => server.pid().into_iter().collect(),
            Servers::Cluster(cluster) => {
                (0..cluster.len()).filter_map(|i| cluster.pid(i)).collect()
            }
        }
    }

    /// Replicas of every stream and bucket (the services' `JETCRAWL_REPLICAS`).
    pub fn replicas(&self) -> usize {
        self.replicas
    }

    fn topology(&self) -> Topology {
        Topology {
            replicas: self.replicas,
            ..Topology::default()
        }
    }
}
