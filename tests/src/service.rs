//! One of the workspace's service binaries, run as a child process.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

use anyhow::Context as _;
use jetcrawl_local::ChildGroup;
use nix::sys::signal::Signal;
use tempfile::TempDir;

pub use crate::target_dir::binary_path;

/// How long `stop` waits after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// How many log lines a failing test prints when a service is dropped during a panic.
const TAIL_ON_PANIC: usize = 80;

/// A service binary running in its own process group, stdout and stderr in a log file.
///
/// Dropping it kills the group. When the drop happens during a panic (a failing
/// test), the log is kept on disk and its tail printed.
#[derive(Debug)]
pub struct ServiceProcess {
    group: ChildGroup,
    dir: Option<TempDir>,
}

impl ServiceProcess {
    /// Runs the workspace binary `bin` (e.g. `jetcrawl-worker`) with `args`, the test's
    /// environment plus `env`.
    pub fn spawn<A, S, E, K, V>(bin: &str, args: A, env: E) -> anyhow::Result<Self>
    where
        A: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
        E: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        Self::spawn_path(&binary_path(bin)?, args, env)
    }

    /// Runs any executable the same way, named by its path.
    pub fn spawn_path<A, S, E, K, V>(program: &Path, args: A, env: E) -> anyhow::Result<Self>
    where
        A: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
        E: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let name = program.file_name().map_or_else(
            || program.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        let dir = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir()
            .context("creating a log dir")?;
        let mut cmd = Command::new(program);
        cmd.args(args).envs(env).current_dir(dir.path());
        let group = ChildGroup::spawn(&name, cmd, &dir.path().join(format!("{name}.log")))?;
        Ok(Self {
            group,
            dir: Some(dir),
        })
    }

    /// The binary's file name.
    pub fn name(&self) -> &str {
        self.group.name()
    }

    /// The pid, also the process group id.
    pub fn pid(&self) -> u32 {
        self.group.pid()
    }

    /// The log file (stdout and stderr).
    pub fn log_path(&self) -> PathBuf {
        self.group.log_path().to_owned()
    }

    /// Everything the process wrote so far.
    pub fn log(&self) -> String {
        self.group.log()
    }

    /// True until the process exits.
    pub fn is_running(&mut self) -> bool {
        self.group.is_running()
    }

    /// The exit status, once it has exited.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.group.exit_status()
    }

    /// SIGKILLs the whole group and waits for the process, as a crash would.
    pub fn kill(&mut self) {
        self.group.kill();
    }

    /// SIGTERM, up to 10 s for a graceful exit, then SIGKILL to the group.
    pub async fn stop(&mut self) -> Option<ExitStatus> {
        self.group.stop(Signal::SIGTERM, STOP_GRACE).await
    }

    /// Sends `signal` to the process only.
    pub fn signal(&mut self, signal: Signal) -> anyhow::Result<()> {
        self.group.signal(signal)
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.group.kill();
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            let kept = dir.keep();
            eprintln!(
                "--- {} log kept in {} (last {TAIL_ON_PANIC} lines) ---\n{}\n---",
                self.group.name(),
                kept.display(),
                self.group.log_tail(TAIL_ON_PANIC)
            );
        }
    }
}
