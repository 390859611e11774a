//! A JetStream cluster of nats-server nodes on loopback ports, one child process each,
//! for tests of what happens when a node crashes, hangs or loses power.
//!
//! Node `i` is named `n<i>` (0-based, matching the index every method takes), lives in
//! `<data>/n<i>/` (config, log, `jetstream/` store) and is tagged `az:zone-<a|b|c>`;
//! `unique_tag: "az:"` makes JetStream place a stream's replicas in distinct zones, as
//! the reference configs in `infra/nats/cluster/` do across machines.

mod leaders;
mod node;

use std::path::PathBuf;
use std::time::Duration;

use nix::sys::signal::Signal;
use tempfile::TempDir;

use crate::launch::{self, LOG_FILE, PORT_ATTEMPTS, STORE_DIR};
use crate::nats::{data_dir, find_nats_server};
use crate::ports::free_port;
use crate::power::PowerCutDisk;
use crate::process::ChildGroup;
use node::Node;

/// How to start a [`NatsCluster`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Parent of the node directories `n0/`, `n1/`…; kept when given, a temporary
    /// directory removed on drop otherwise.
    pub data_dir: Option<PathBuf>,
    /// How many nodes (1 to 26; each gets its own zone).
    pub nodes: usize,
    /// Write `sync_interval: always` on every node. Off by default: replication, not
    /// fsync, is what makes a cluster's acknowledgement durable.
    pub sync_always: bool,
    /// Put each node's store on its own [`PowerCutDisk`], which enables
    /// [`NatsCluster::power_cut`]. Needs root and loop devices.
    pub power_cut_disk: bool,
    /// How long to wait for the nodes to report JetStream enabled, and again for a
    /// meta leader.
    pub startup_timeout: Duration,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            data_dir: None,
            nodes: 3,
            sync_always: false,
            power_cut_disk: false,
            startup_timeout: Duration::from_secs(30),
        }
    }
}

/// A running cluster. Methods taking a node index panic when it is out of range.
/// Dropping it kills every node, unmounts the disks and removes a temporary data dir.
#[derive(Debug)]
pub struct NatsCluster {
    nodes: Vec<Node>,
    binary: PathBuf,
    startup_timeout: Duration,
    // Declared last: removed only once the nodes are dead and their disks unmounted.
    _temp: Option<TempDir>,
}

impl NatsCluster {
    /// Writes each node's config and starts all of them, returning once every node
    /// reports JetStream enabled and they agree on a meta leader.
    pub async fn start(opts: ClusterOptions) -> anyhow::Result<Self> {
        anyhow::ensure!(
            (1..=26).contains(&opts.nodes),
            "a local cluster has 1 to 26 nodes, not {}",
            opts.nodes
        );
        let (dir, temp) = data_dir(opts.data_dir.as_deref())?;
        let mut cluster = Self {
            nodes: Vec::with_capacity(opts.nodes),
            binary: find_nats_server()?,
            startup_timeout: opts.startup_timeout,
            _temp: temp,
        };
        for (i, zone) in ('a'..='z').take(opts.nodes).enumerate() {
            let node = Node::create(&dir, i, zone, opts.power_cut_disk)?;
            cluster.nodes.push(node);
        }
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let log_starts = cluster.pick_ports(opts.sync_always)?;
            match cluster.launch_all().await {
                Ok(()) => return Ok(cluster),
                Err(e) if cluster.lost_port_race(&log_starts) => {
                    cluster.kill_all();
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("the NATS cluster did not start")))
    }

    /// How many nodes the cluster has.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a cluster has at least one node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every node's client URL, comma-separated: `nats://127.0.0.1:P0,nats://…`.
    ///
    /// async-nats 0.51 does not split this: `async_nats::connect(urls)` parses it as one
    /// invalid URL. Pass a list instead, e.g.
    /// `async_nats::connect(urls.split(',').collect::<Vec<_>>())`; the client then
    /// picks a node at random and fails over to the others.
    pub fn urls(&self) -> String {
        let urls: Vec<String> = (0..self.len()).map(|i| self.url(i)).collect();
        urls.join(",")
    }

    /// Node `i`'s client URL, `nats://127.0.0.1:PORT`.
    pub fn url(&self, i: usize) -> String {
        format!("nats://127.0.0.1:{}", self.nodes[i].port)
    }

    /// Node `i`'s monitoring base URL, `http://127.0.0.1:PORT`.
    pub fn monitor_url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.nodes[i].monitor_port)
    }

    /// Node `i`'s JetStream store directory.
    pub fn store_dir(&self, i: usize) -> PathBuf {
        self.nodes[i].dir.join(STORE_DIR)
    }

    /// Node `i`'s log so far, appended to across restarts.
    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(self.nodes[i].dir.join(LOG_FILE)).unwrap_or_default()
    }

    /// Node `i`'s pid (paused or not); `None` once killed, stopped or cut off here.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.nodes[i].process.as_ref().map(ChildGroup::pid)
    }

    /// True while node `i`'s process exists, even when paused.
    pub fn is_running(&mut self, i: usize) -> bool {
        self.nodes[i].is_running()
    }

    /// SIGKILLs node `i`'s process group, as a crash would. `restart` brings it back.
    pub fn kill(&mut self, i: usize) {
        self.nodes[i].kill();
    }

    /// SIGKILLs every node.
    pub fn kill_all(&mut self) {
        self.nodes.iter_mut().for_each(Node::kill);
    }

    /// SIGSTOPs node `i`: it keeps its sockets but answers nothing, like a hung machine.
    pub fn pause(&mut self, i: usize) -> anyhow::Result<()> {
        self.nodes[i].signal(Signal::SIGSTOP)?;
        self.nodes[i].paused = true;
        Ok(())
    }

    /// SIGCONTs node `i` after [`pause`](Self::pause).
    pub fn resume(&mut self, i: usize) -> anyhow::Result<()> {
        self.nodes[i].signal(Signal::SIGCONT)?;
        self.nodes[i].paused = false;
        Ok(())
    }

    /// SIGKILLs node `i` and cuts the power of its store's disk, losing whatever it
    /// wrote without fsync. It stays down until [`restart`](Self::restart). Fails
    /// unless started with [`ClusterOptions::power_cut_disk`].
    pub fn power_cut(&mut self, i: usize) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.nodes[i].disk.is_some(),
            "NatsCluster::power_cut needs a cluster started with ClusterOptions::power_cut_disk"
        );
        self.kill(i);
        self.nodes[i]
            .disk
            .as_mut()
            .map_or(Ok(()), PowerCutDisk::power_cut)
    }

    /// Stops node `i` if it runs, then starts it again on the same ports with the same
    /// store, returning once it reports JetStream enabled. It catches up with the
    /// others in the background.
    pub async fn restart(&mut self, i: usize) -> anyhow::Result<()> {
        let node = &mut self.nodes[i];
        node.stop().await;
        let process = node.spawn(&self.binary)?;
        node.wait_healthy(process, self.startup_timeout).await
    }

    /// Stops the nodes still running, then starts all of them at once (a node alone
    /// has no quorum), returning once each reports JetStream enabled and they agree on
    /// a meta leader.
    pub async fn restart_all(&mut self) -> anyhow::Result<()> {
        for node in &mut self.nodes {
            node.stop().await;
        }
        self.launch_all().await
    }

    /// Gives every node new free ports and rewrites the configs, returning the length
    /// of each log before the launch.
    fn pick_ports(&mut self, sync_always: bool) -> anyhow::Result<Vec<usize>> {
        for node in &mut self.nodes {
            (node.port, node.route_port, node.monitor_port) =
                (free_port()?, free_port()?, free_port()?);
        }
        let routes: Vec<String> = self
            .nodes
            .iter()
            .map(|node| format!("nats-route://127.0.0.1:{}", node.route_port))
            .collect();
        let routes = routes.join(", ");
        for node in &self.nodes {
            node.write_config(&routes, sync_always)?;
        }
        Ok((0..self.len()).map(|i| self.log(i).len()).collect())
    }

    fn lost_port_race(&self, log_starts: &[usize]) -> bool {
        let lost = |(i, start): (usize, &usize)| launch::lost_port_race(&self.log(i), *start);
        log_starts.iter().enumerate().any(lost)
    }

    /// Spawns every node that is down before waiting for any, then waits for each to
    /// report JetStream enabled and for a meta leader.
    async fn launch_all(&mut self) -> anyhow::Result<()> {
        let mut spawned = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if node.process.is_none() {
                spawned.push((i, node.spawn(&self.binary)?));
            }
        }
        // An early return drops the processes not yet waited for, which kills them.
        for (i, process) in spawned {
            self.nodes[i]
                .wait_healthy(process, self.startup_timeout)
                .await?;
        }
        let leader = self.wait_for_meta_leader(self.startup_timeout).await?;
        tracing::info!(urls = %self.urls(), leader = %self.nodes[leader].name, "NATS cluster ready");
        Ok(())
    }
}
