//! Where Chromium is and the flags every launch must use.

use std::path::PathBuf;

use crate::binaries;

/// Environment variable that overrides the Chromium binary.
pub const CHROMIUM_ENV: &str = "JETCRAWL_CHROMIUM";

/// The Debian package's launcher, used when `JETCRAWL_CHROMIUM` is not set.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// The Chromium binary: `$JETCRAWL_CHROMIUM`, else `/usr/bin/chromium`.
pub fn chromium_path() -> anyhow::Result<PathBuf> {
    if let Some(path) = binaries::from_env(CHROMIUM_ENV)? {
        return Ok(path);
    }
    let path = PathBuf::from(DEFAULT_CHROMIUM);
    anyhow::ensure!(
        binaries::is_executable(&path),
        "chromium not found at {DEFAULT_CHROMIUM}: run scripts/setup.sh or set {CHROMIUM_ENV}"
    );
    Ok(path)
}

/// Command-line flags for every headless Chromium launch.
///
/// The sandbox cannot start as root, so `--no-sandbox` is added only then. The rest turn
/// off background traffic and features a crawler never needs, which keeps a launch fast
/// and its network traffic limited to the pages it is told to load.
pub fn launch_args(is_root: bool) -> Vec<&'static str> {
    let mut args = vec!["--headless=new"];
    if is_root {
        args.push("--no-sandbox");
    }
    args.extend([
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--disable-extensions",
    ]);
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sandbox_only_as_root() {
        assert!(launch_args(true).contains(&"--no-sandbox"));
        assert!(!launch_args(false).contains(&"--no-sandbox"));
        assert_eq!(launch_args(false)[0], "--headless=new");
    }
}
