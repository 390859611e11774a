//! A throwaway or persistent Postgres cluster on a loopback port, as a child process.
//!
//! The postmaster runs in the foreground as our child (not detached by `pg_ctl`), so it
//! lives in our process group machinery and dies with its owner.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;
use nix::sys::signal::Signal;
use tempfile::TempDir;

use crate::pg_tools::{self, Account};
use crate::ports::free_port;
use crate::probe::{self, NotReady};
use crate::process::ChildGroup;
use crate::user;

/// How many times `start` picks a new port after losing a port race.
const PORT_ATTEMPTS: usize = 3;

/// How to start [`Postgres`].
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Directory for the cluster (`pgdata/`), its unix socket and its log. Reused across
    /// runs when given; a temporary directory removed on drop otherwise.
    pub data_dir: Option<PathBuf>,
    /// `false` turns off fsync, synchronous commit and full-page writes: much faster, and
    /// a crash loses data. Only for tests.
    pub fsync: bool,
    /// TCP port; a free one when `None`.
    pub port: Option<u16>,
    /// The database to create (if missing) and to put in [`Postgres::url`].
    pub database: String,
    /// How long to wait for the server to accept connections.
    pub startup_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            data_dir: None,
            fsync: true,
            port: None,
            database: "jetcrawl".to_owned(),
            startup_timeout: Duration::from_secs(60),
        }
    }
}

impl PostgresOptions {
    /// A temporary cluster without fsync, for tests.
    pub fn for_tests() -> Self {
        Self {
            fsync: false,
            ..Self::default()
        }
    }
}

/// A running Postgres server. Dropping it kills the server; a temporary data directory
/// is removed after that.
#[derive(Debug)]
pub struct Postgres {
    port: u16,
    database: String,
    bin_dir: PathBuf,
    dir: PathBuf,
    process: Option<ChildGroup>,
    opts: PostgresOptions,
    // Declared last: dropped after `process`.
    _temp: Option<TempDir>,
}

impl Postgres {
    /// Creates the cluster if the data directory has none, starts the server, waits until
    /// it accepts connections and creates the database if missing.
    pub async fn start(opts: PostgresOptions) -> anyhow::Result<Self> {
        anyhow::ensure!(
            is_identifier(&opts.database),
            "database name {:?} must be lowercase letters, digits and _",
            opts.database
        );
        let bin_dir = pg_tools::find_bin_dir()?;
        let account = if user::is_root() {
            Some(user::account("postgres")?)
        } else {
            None
        };
        let (dir, temp) = data_dir(opts.data_dir.as_deref(), account)?;
        let pgdata = dir.join("pgdata");
        if !pgdata.join("PG_VERSION").exists() {
            pg_tools::initdb(&bin_dir, &pgdata, account, opts.fsync).await?;
        }
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let mut server = Self {
                port: opts.port.map_or_else(free_port, Ok)?,
                database: opts.database.clone(),
                bin_dir: bin_dir.clone(),
                dir: dir.clone(),
                process: None,
                opts: opts.clone(),
                _temp: None,
            };
            let log_start = server.log().len();
            match server.launch(account, &opts).await {
                Ok(()) => {
                    server._temp = temp;
                    return Ok(server);
                }
                Err(e) if opts.port.is_none() && lost_port_race(&server, log_start) => {
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("postgres did not start")))
    }

    /// `postgres://postgres@127.0.0.1:PORT/<database>` (trust auth, no password).
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            self.port, self.database
        )
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding `pgdata/`, the socket and the log.
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    /// The directory of `psql`, `pg_isready` and friends used for this server.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The server log, appended to across starts.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The postmaster's process id while it runs (its backends are its children).
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ChildGroup::pid)
    }

    /// True while the postmaster runs.
    pub fn is_running(&mut self) -> bool {
        self.process.as_mut().is_some_and(ChildGroup::is_running)
    }

    /// Fast shutdown (SIGINT: disconnect clients, checkpoint), SIGKILL after 30 s.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut process) = self.process.take() {
            process.stop(Signal::SIGINT, Duration::from_secs(30)).await;
        }
        Ok(())
    }

    /// Starts the server again on the same port and data directory after [`Self::kill`]
    /// or [`Self::stop`] (crash recovery replays the WAL); waits until it accepts.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop().await?;
        let account = if user::is_root() {
            Some(user::account("postgres")?)
        } else {
            None
        };
        let opts = self.opts.clone();
        self.launch(account, &opts).await
    }

    /// SIGKILLs the postmaster and its backends, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }

    async fn launch(&mut self, account: Account, opts: &PostgresOptions) -> anyhow::Result<()> {
        let mut cmd = Command::new(self.bin_dir.join("postgres"));
        cmd.arg("-D")
            .arg(self.dir.join("pgdata"))
            .args(["-p", &self.port.to_string(), "-h", "127.0.0.1", "-k"])
            .arg(&self.dir)
            .args(["-c", "shared_buffers=32MB", "-c", "max_connections=200"])
            .current_dir(&self.dir)
            .env_remove("PGDATA");
        if !opts.fsync {
            cmd.args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off"]);
        }
        if let Some((uid, gid)) = account {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        let mut process = ChildGroup::spawn("postgres", cmd, &self.log_path())?;
        let (bin_dir, port) = (self.bin_dir.clone(), self.port);
        let ready = probe::wait_ready(&mut process, opts.startup_timeout, || {
            let bin_dir = bin_dir.clone();
            async move { pg_tools::is_ready(&bin_dir, port).await }
        })
        .await;
        let failure = match ready {
            Ok(()) => {
                self.process = Some(process);
                self.ensure_database().await?;
                tracing::info!(url = %self.url(), dir = %self.dir.display(), "postgres ready");
                return Ok(());
            }
            Err(NotReady::Exited(status)) => format!("exited during startup ({status})"),
            Err(NotReady::TimedOut) => format!("not ready after {:?}", opts.startup_timeout),
        };
        let tail = process.log_tail(20);
        process.kill();
        anyhow::bail!(
            "postgres on port {} {failure}; log {}:\n{tail}",
            self.port,
            self.log_path().display()
        )
    }

    async fn ensure_database(&self) -> anyhow::Result<()> {
        let name = &self.database;
        let exists = pg_tools::psql(
            &self.bin_dir,
            self.port,
            &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        )
        .await?;
        if exists != "1" {
            pg_tools::psql(
                &self.bin_dir,
                self.port,
                &format!("CREATE DATABASE \"{name}\""),
            )
            .await?;
        }
        Ok(())
    }
}

/// True when the log written since `log_start` says the port was taken between picking
/// and binding.
fn lost_port_race(server: &Postgres, log_start: usize) -> bool {
    server
        .log()
        .get(log_start..)
        .is_some_and(|log| log.contains("Address already in use"))
}

/// Safe to splice into SQL unquoted and as an identifier.
fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The given directory (created if needed) or a fresh temporary one, owned by the
/// account the server runs as.
fn data_dir(given: Option<&Path>, account: Account) -> anyhow::Result<(PathBuf, Option<TempDir>)> {
    let (dir, temp) = match given {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the Postgres data dir {}", dir.display()))?;
            let dir = std::path::absolute(dir).context("resolving the Postgres data dir")?;
            (dir, None)
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("jetcrawl-pg-")
                .tempdir()
                .context("creating a temporary Postgres data dir")?;
            (temp.path().to_owned(), Some(temp))
        }
    };
    if let Some((uid, gid)) = account {
        std::os::unix::fs::chown(&dir, Some(uid.as_raw()), Some(gid.as_raw()))
            .with_context(|| format!("giving {} to the postgres user", dir.display()))?;
    }
    Ok((dir, temp))
}
