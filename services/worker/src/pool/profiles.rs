//! The pool's profile root `$TMPDIR/jetcrawl-browsers-*`: created with an owner file
//! (host and pid), removed on shutdown, and swept by the next pool when its worker died
//! without removing it (SIGKILL, a crash).

use std::fs;
use std::path::Path;
use std::time::Duration;

use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::reap;
use crate::error::{ErrorClass, JobError};

/// Prefix of every profile root.
pub const ROOT_PREFIX: &str = "jetcrawl-browsers-";

/// The file naming the worker that owns a root: `<hostname> <pid>`.
const OWNER_FILE: &str = "owner";

/// A root without an owner file (made before owner files existed, or caught between
/// creation and writing it) is stale only once this old.
const UNOWNED_GRACE: Duration = Duration::from_secs(600);

/// Creates a root for this process.
pub fn create_root() -> Result<tempfile::TempDir, JobError> {
    let failed = |err: std::io::Error| {
        JobError::new(
            ErrorClass::BrowserCrash,
            format!(
                "cannot create a browser profile directory in {}: {err}; check TMPDIR",
                std::env::temp_dir().display()
            ),
        )
    };
    let root = tempfile::Builder::new()
        .prefix(ROOT_PREFIX)
        .tempdir()
        .map_err(failed)?;
    fs::write(root.path().join(OWNER_FILE), owner_line()).map_err(failed)?;
    Ok(root)
}

/// Removes a root whose browsers are dead.
pub fn remove_root(root: &Path) {
    if let Err(err) = fs::remove_dir_all(root)
        && err.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(root = %root.display(), error = %err, "cannot remove the browser profile root");
    }
}

/// Removes the roots in `dir` whose worker is gone and that no process names; returns
/// how many.
pub fn sweep_stale(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let candidates: Vec<_> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(ROOT_PREFIX))
        .map(|e| e.path())
        .filter(|path| path.is_dir() && is_stale(path))
        .collect();
    if candidates.is_empty() {
        return 0;
    }
    let running = reap::command_lines();
    let mut removed = 0;
    for path in candidates {
        let marker = path.to_string_lossy();
        if running.iter().any(|cmd| cmd.contains(marker.as_ref())) {
            continue;
        }
        if fs::remove_dir_all(&path).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, dir = %dir.display(), "removed browser profile roots of dead workers");
    }
    removed
}

fn is_stale(root: &Path) -> bool {
    match fs::read_to_string(root.join(OWNER_FILE)) {
        Ok(owner) => {
            let mut parts = owner.split_whitespace();
            let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
                return old_enough(root);
            };
            // Another machine sharing the directory judges its own roots.
            host == hostname() && pid.parse::<i32>().is_ok_and(|pid| !alive(pid))
        }
        Err(_) => old_enough(root),
    }
}

fn old_enough(root: &Path) -> bool {
    fs::metadata(root)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > UNOWNED_GRACE)
}

fn alive(pid: i32) -> bool {
    // EPERM means it exists under another user.
    !matches!(
        kill(Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH)
    )
}

fn owner_line() -> String {
    format!("{} {}\n", hostname(), std::process::id())
}

fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_of_dead_workers_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let make = |name: &str, owner: Option<String>| {
            let path = dir.path().join(format!("{ROOT_PREFIX}{name}"));
            fs::create_dir_all(path.join("browser-1")).expect("root");
            if let Some(owner) = owner {
                fs::write(path.join(OWNER_FILE), owner).expect("owner");
            }
            path
        };
        let mine = make("live", Some(owner_line()));
        // Pid 0x3fff_fff0 is above any pid_max: no such process.
        let dead = make("dead", Some(format!("{} {}\n", hostname(), 0x3fff_fff0)));
        let foreign = make("foreign", Some("another-host 1\n".to_owned()));
        let fresh_unowned = make("unowned", None);
        let other = dir.path().join("something-else");
        fs::create_dir_all(&other).expect("other");
        assert_eq!(sweep_stale(dir.path()), 1);
        assert!(mine.exists() && foreign.exists() && fresh_unowned.exists() && other.exists());
        assert!(!dead.exists());
    }
}
