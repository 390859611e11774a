//! A child process in its own process group, reaped as a whole.
//!
//! Servers and services fork helpers (Postgres backends, Chromium renderers), so killing
//! only the direct child would leave them running. Each child therefore gets its own
//! process group; `kill`, `stop` and `Drop` signal the whole group. A small shell
//! watchdog joins that group and kills it within a second once this process is gone,
//! which covers the cases where `Drop` never runs (SIGKILL, a test-runner timeout).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use std::os::unix::process::CommandExt as _;

/// Polls whether its parent is alive once a second; when it is not, kills its own group.
/// dash's `kill` takes `-9 -PGID` but not `--`.
const WATCHDOG_SCRIPT: &str = r#"while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "-$2""#;

/// How often `stop` checks whether the child has exited.
const POLL: Duration = Duration::from_millis(50);

/// A running child process that owns its process group and a log file.
#[derive(Debug)]
pub struct ChildGroup {
    name: String,
    child: Child,
    watchdog: Option<Child>,
    log_path: PathBuf,
    exit: Option<ExitStatus>,
    reaped: bool,
}

impl ChildGroup {
    /// Spawns `cmd` in a new process group with stdin closed and stdout and stderr
    /// appended to `log_path`. `name` appears in errors and logs.
    pub fn spawn(name: &str, mut cmd: Command, log_path: &Path) -> anyhow::Result<Self> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .with_context(|| format!("opening the log file {}", log_path.display()))?;
        let stdout = log.try_clone().context("duplicating the log file handle")?;
        cmd.stdin(Stdio::null())
            .stdout(stdout)
            .stderr(log)
            .process_group(0);
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {name} ({})", cmd.get_program().display()))?;
        let watchdog = spawn_watchdog(child.id())
            .inspect_err(|e| tracing::warn!(%name, error = %e, "no orphan watchdog"))
            .ok();
        tracing::debug!(%name, pid = child.id(), log = %log_path.display(), "child started");
        Ok(Self {
            name: name.to_owned(),
            child,
            watchdog,
            log_path: log_path.to_owned(),
            exit: None,
            reaped: false,
        })
    }

    /// The name given at spawn.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child's pid, which is also its process group id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where stdout and stderr go.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The whole log so far (lossy UTF-8; empty if unreadable).
    pub fn log(&self) -> String {
        std::fs::read(&self.log_path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// The last `lines` lines of the log, for error messages.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The exit status, once the direct child has exited.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// True while the direct child has not exited.
    pub fn is_running(&mut self) -> bool {
        self.exit_status().is_none()
    }

    /// Sends `signal` to the direct child only, e.g. SIGTERM for a graceful shutdown
    /// that lets it close its own helpers.
    pub fn signal(&mut self, signal: Signal) -> anyhow::Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        kill(self.pgid(), signal)
            .with_context(|| format!("sending {signal} to {} ({})", self.name, self.pid()))
    }

    /// SIGKILLs the whole group and reaps the child and the watchdog. Idempotent.
    pub fn kill(&mut self) {
        if self.reaped {
            return;
        }
        // ESRCH means the group is already empty, which is what we want.
        let _ = killpg(self.pgid(), Signal::SIGKILL);
        if let Ok(status) = self.child.wait() {
            self.exit.get_or_insert(status);
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        self.reaped = true;
    }

    /// Sends `signal` to the child, waits up to `grace` for it to exit, then SIGKILLs
    /// the group (which also ends any helper it left behind). Returns the exit status.
    pub async fn stop(&mut self, signal: Signal, grace: Duration) -> Option<ExitStatus> {
        if self.signal(signal).is_ok() {
            let deadline = Instant::now() + grace;
            while self.is_running() && Instant::now() < deadline {
                tokio::time::sleep(POLL).await;
            }
            if self.is_running() {
                tracing::warn!(name = %self.name, ?grace, "did not exit after {signal}; killing");
            }
        }
        self.kill();
        self.exit
    }

    fn pgid(&self) -> Pid {
        Pid::from_raw(i32::try_from(self.child.id()).unwrap_or(i32::MAX))
    }
}

impl Drop for ChildGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the watchdog inside the child's process group, so killing the group ends it
/// too and it never outlives the child.
fn spawn_watchdog(pgid: u32) -> std::io::Result<Child> {
    let group = i32::try_from(pgid).map_err(std::io::Error::other)?;
    Command::new("/bin/sh")
        .arg("-c")
        .arg(WATCHDOG_SCRIPT)
        .arg("jetcrawl-watchdog")
        .arg(std::process::id().to_string())
        .arg(pgid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(group)
        .spawn()
}
