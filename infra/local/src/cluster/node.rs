//! One node of a [`NatsCluster`](super::NatsCluster): its ports, directory, process and
//! disk. Ports are fixed once the cluster has started, so a restart keeps the node's
//! identity and its peers' routes stay valid.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use nix::sys::signal::Signal;

use crate::launch::{self, STORE_DIR, ServerConfig};
use crate::power::PowerCutDisk;
use crate::process::ChildGroup;

/// The cluster name in every node's config.
const CLUSTER_NAME: &str = "jetcrawl";

/// How long `stop` lets a node shut down after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub(super) struct Node {
    /// `n<i>`: the server name, which `/jsz` reports leaders by.
    pub(super) name: String,
    zone: char,
    pub(super) port: u16,
    pub(super) route_port: u16,
    pub(super) monitor_port: u16,
    pub(super) dir: PathBuf,
    pub(super) process: Option<ChildGroup>,
    pub(super) paused: bool,
    // Dropped after `process`: the disk is unmounted once the server is dead.
    pub(super) disk: Option<PowerCutDisk>,
}

impl Node {
    /// Creates node `i`'s directory under `parent` and, if asked, the disk for its
    /// store. Ports are set by the cluster before the first launch.
    pub(super) fn create(
        parent: &Path,
        i: usize,
        zone: char,
        power_cut_disk: bool,
    ) -> anyhow::Result<Self> {
        let name = format!("n{i}");
        let dir = parent.join(&name);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the NATS node dir {}", dir.display()))?;
        let disk = power_cut_disk
            .then(|| PowerCutDisk::create(&dir, &dir.join(STORE_DIR)))
            .transpose()?;
        Ok(Self {
            name,
            zone,
            port: 0,
            route_port: 0,
            monitor_port: 0,
            dir,
            process: None,
            paused: false,
            disk,
        })
    }

    /// Writes the config: the common settings plus the cluster block with `routes`
    /// (every node's, this one's included, which nats-server ignores), the zone tag
    /// and `unique_tag`.
    pub(super) fn write_config(&self, routes: &str, sync_always: bool) -> anyhow::Result<()> {
        let config = ServerConfig {
            name: &self.name,
            port: self.port,
            monitor_port: self.monitor_port,
            store_dir: &self.dir.join(STORE_DIR),
            sync_always,
        };
        let top = format!(
            "server_tags: [\"az:zone-{zone}\"]\n\
             cluster {{\n  name: {CLUSTER_NAME}\n  listen: 127.0.0.1:{route}\n  \
             routes: [{routes}]\n}}\n",
            zone = self.zone,
            route = self.route_port,
        );
        config.write(&self.dir, &top, "  unique_tag: \"az:\"\n")
    }

    /// Starts the server without waiting for it; see [`Self::wait_healthy`].
    pub(super) fn spawn(&self, binary: &Path) -> anyhow::Result<ChildGroup> {
        launch::spawn(binary, &self.dir, &self.name)
    }

    /// Waits for a spawned `process` to report JetStream enabled, then keeps it.
    pub(super) async fn wait_healthy(
        &mut self,
        process: ChildGroup,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        let process = launch::wait_healthy(process, self.port, self.monitor_port, timeout).await?;
        self.process = Some(process);
        Ok(())
    }

    /// True while the process exists, even when paused.
    pub(super) fn is_running(&mut self) -> bool {
        self.process.as_mut().is_some_and(ChildGroup::is_running)
    }

    /// Sends `signal` to the server process, failing when the node is down.
    pub(super) fn signal(&mut self, signal: Signal) -> anyhow::Result<()> {
        let name = &self.name;
        self.process
            .as_mut()
            .with_context(|| format!("node {name} is not running"))?
            .signal(signal)
    }

    /// SIGKILLs the process group.
    pub(super) fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
        self.paused = false;
    }

    /// SIGTERM (after SIGCONT if paused, or it would never see it), then SIGKILL after
    /// a grace period.
    pub(super) async fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            if self.paused {
                let _ = process.signal(Signal::SIGCONT);
            }
            process.stop(Signal::SIGTERM, STOP_GRACE).await;
        }
        self.paused = false;
    }
}
