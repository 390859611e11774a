//! How one nats-server is configured, spawned and judged ready, from a directory
//! holding its config, its log and its JetStream store. Shared by the single server
//! ([`crate::nats`]) and each node of a cluster ([`crate::cluster`]).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;

use crate::probe::{self, NotReady};
use crate::process::ChildGroup;

/// How many times a start picks new ports after losing a port race.
pub(crate) const PORT_ATTEMPTS: usize = 3;

/// The readiness path: 200 once JetStream is enabled, without waiting for a cluster's
/// meta leader, so it suits a node restarting alone too.
pub(crate) const HEALTHZ_JS: &str = "/healthz?js-enabled-only=true";

/// The config file in a server's directory.
const CONFIG_FILE: &str = "nats-server.conf";
/// The log file in a server's directory.
pub(crate) const LOG_FILE: &str = "nats-server.log";
/// The JetStream store in a server's directory.
pub(crate) const STORE_DIR: &str = "jetstream";

/// Starts nats-server with the config in `dir`, logging to the log file there.
pub(crate) fn spawn(binary: &Path, dir: &Path, name: &str) -> anyhow::Result<ChildGroup> {
    let mut cmd = Command::new(binary);
    cmd.arg("-c").arg(dir.join(CONFIG_FILE)).current_dir(dir);
    ChildGroup::spawn(name, cmd, &dir.join(LOG_FILE))
}

/// Waits until `process` accepts clients on `port` and reports JetStream enabled on
/// `monitor_port`; kills it and returns its log tail otherwise.
pub(crate) async fn wait_healthy(
    mut process: ChildGroup,
    port: u16,
    monitor_port: u16,
    timeout: Duration,
) -> anyhow::Result<ChildGroup> {
    let ready = probe::wait_ready(&mut process, timeout, || async move {
        probe::tcp_accepts(port).await
            && probe::http_status(monitor_port, HEALTHZ_JS).await == Some(200)
    })
    .await;
    let failure = match ready {
        Ok(()) => return Ok(process),
        Err(NotReady::Exited(status)) => format!("exited during startup ({status})"),
        Err(NotReady::TimedOut) => format!("not healthy after {timeout:?}"),
    };
    let tail = process.log_tail(20);
    process.kill();
    anyhow::bail!(
        "{} on port {port} {failure}; log {}:\n{tail}",
        process.name(),
        process.log_path().display()
    )
}

/// True when the log written since `log_start` says a port was taken between picking
/// and binding.
pub(crate) fn lost_port_race(log: &str, log_start: usize) -> bool {
    log.get(log_start..)
        .is_some_and(|log| log.contains("address already in use"))
}

/// True when the port lost to a race ([`lost_port_race`]) is the monitoring port.
pub(crate) fn lost_monitor_port(log: &str, log_start: usize) -> bool {
    lost_port_race(log, log_start)
        && log
            .get(log_start..)
            .is_some_and(|log| log.contains("monitor port"))
}

/// The settings every nats-server config here has.
pub(crate) struct ServerConfig<'a> {
    pub(crate) name: &'a str,
    pub(crate) port: u16,
    pub(crate) monitor_port: u16,
    pub(crate) store_dir: &'a Path,
    /// `sync_interval: always`: fsync before every acknowledgement.
    pub(crate) sync_always: bool,
}

impl ServerConfig<'_> {
    /// Writes the config file into `dir`, with `top` (e.g. a cluster block) added at
    /// the top level and `jetstream` lines inside the `jetstream` block.
    pub(crate) fn write(&self, dir: &Path, top: &str, jetstream: &str) -> anyhow::Result<()> {
        let sync = if self.sync_always {
            "  sync_interval: always\n"
        } else {
            ""
        };
        let config = format!(
            "# Written by jetcrawl-local; rewritten at every start.\n\
             server_name: {name}\n\
             listen: 127.0.0.1:{port}\n\
             http: 127.0.0.1:{monitor}\n\
             {top}\
             jetstream {{\n  store_dir: {store:?}\n{sync}{jetstream}}}\n",
            name = self.name,
            port = self.port,
            monitor = self.monitor_port,
            store = self.store_dir.display().to_string(),
        );
        let path = dir.join(CONFIG_FILE);
        std::fs::write(&path, config).with_context(|| format!("writing {}", path.display()))
    }
}
