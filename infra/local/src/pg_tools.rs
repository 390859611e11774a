//! The Postgres command-line tools: where they are, and running them as the right user.

use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::Context as _;
use nix::unistd::{Gid, Uid};
use tokio::process::Command;

use crate::binaries;

/// Environment variable naming the directory that holds `initdb`, `postgres`, `psql`.
pub const PG_BIN_ENV: &str = "JETCRAWL_PG_BIN";

/// Where Debian installs each major version's server binaries.
const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

/// The account to run `initdb` and `postgres` as, when it is not the current one
/// (Postgres refuses to run as root).
pub(crate) type Account = Option<(Uid, Gid)>;

/// The directory of `initdb` and `postgres`: `$JETCRAWL_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<major>/bin`, else the directory of `initdb` on `PATH`.
pub fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(PG_BIN_ENV).map(PathBuf::from) {
        anyhow::ensure!(
            binaries::is_executable(&dir.join("initdb")),
            "{PG_BIN_ENV}={} has no initdb",
            dir.display()
        );
        return Ok(dir);
    }
    newest_debian_bin_dir()
        .or_else(|| binaries::find_in_path("initdb").and_then(|p| p.parent().map(Path::to_owned)))
        .context("postgres (initdb) not found: run scripts/setup.sh (or set JETCRAWL_PG_BIN)")
}

fn newest_debian_bin_dir() -> Option<PathBuf> {
    let entries = std::fs::read_dir(DEBIAN_PG_ROOT).ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let major: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            binaries::is_executable(&bin.join("initdb")).then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major)
        .map(|(_, bin)| bin)
}

/// A tool command, run as `account` when given.
pub(crate) fn tool(bin_dir: &Path, name: &str, account: Account) -> Command {
    let mut cmd = Command::new(bin_dir.join(name));
    if let Some((uid, gid)) = account {
        cmd.uid(uid.as_raw()).gid(gid.as_raw());
    }
    cmd.env_remove("PGDATA").kill_on_drop(true);
    cmd
}

/// Runs a tool to completion; an error carries its output.
pub(crate) async fn run(mut cmd: Command, what: &str) -> anyhow::Result<Output> {
    let output = cmd
        .output()
        .await
        .with_context(|| format!("running {what}"))?;
    anyhow::ensure!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(output)
}

/// Creates a cluster in `pgdata` whose superuser `postgres` logs in without a password
/// (trust) over loopback and the unix socket.
pub(crate) async fn initdb(
    bin_dir: &Path,
    pgdata: &Path,
    account: Account,
    fsync: bool,
) -> anyhow::Result<()> {
    let mut cmd = tool(bin_dir, "initdb", account);
    cmd.arg("-D")
        .arg(pgdata)
        .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
        .arg("--no-instructions");
    if !fsync {
        cmd.arg("--no-sync");
    }
    if let Some(parent) = pgdata.parent() {
        // initdb fails when it cannot read its working directory, e.g. root's home.
        cmd.current_dir(parent);
    }
    run(cmd, "initdb").await.map(drop)
}

/// True when the server on `port` accepts connections.
pub(crate) async fn is_ready(bin_dir: &Path, port: u16) -> bool {
    let mut cmd = tool(bin_dir, "pg_isready", None);
    cmd.args([
        "-q",
        "-t",
        "2",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        "postgres",
    ])
    .arg("-p")
    .arg(port.to_string());
    cmd.status().await.is_ok_and(|s| s.success())
}

/// Runs one SQL statement as `postgres` in the `postgres` database; returns stdout.
pub(crate) async fn psql(bin_dir: &Path, port: u16, sql: &str) -> anyhow::Result<String> {
    let mut cmd = tool(bin_dir, "psql", None);
    cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"])
        .arg("-p")
        .arg(port.to_string())
        .arg("-c")
        .arg(sql);
    let output = run(cmd, &format!("psql -c {sql:?}")).await?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
