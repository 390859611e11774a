//! An orphan watchdog: a tiny shell process that waits for the worker to die and then
//! kills every process naming the pool's profile directory and removes the directory.
//! `Drop` covers normal exits; this covers SIGKILL and crashes, where Chromium would
//! otherwise run on forever and the profile root stay in the temp directory. It runs in
//! its own process group, so a kill of the worker's whole group (a supervisor, the test
//! kit) does not take it along before it has cleaned up.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const SCRIPT: &str = r#"while kill -0 "$1" 2>/dev/null; do sleep 1; done
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ "$pid" = "$$" ] && continue
  case "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" in *"$2"*) kill -9 "$pid" 2>/dev/null;; esac
done
rm -rf "$2""#;

/// The running watchdog; killed (it has nothing left to do) when dropped.
#[derive(Debug)]
pub struct Watchdog(Child);

impl Watchdog {
    /// Starts watching this process on behalf of the profiles under `root`.
    pub fn start(root: &Path) -> std::io::Result<Self> {
        Command::new("/bin/sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("jetcrawl-browser-watchdog")
            .arg(std::process::id().to_string())
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map(Self)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
