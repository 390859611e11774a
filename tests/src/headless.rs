//! Headless Chromium as the kit's browser tests launch it: the binary the project installs,
//! the platform's launch flags, no sandbox when running as root (CI), and a profile
//! directory of the test's own.

use std::ffi::OsStr;
use std::path::Path;

use headless_chrome::LaunchOptionsBuilder;

/// Launch options for a headless Chromium with `profile` as its user-data directory; a
/// test adds its own window size or idle timeout before `build()`.
pub fn headless_options(profile: &Path) -> anyhow::Result<LaunchOptionsBuilder<'static>> {
    let is_root = jetcrawl_local::user::is_root();
    let args: Vec<&'static OsStr> = jetcrawl_local::chromium::launch_args(is_root)
        .into_iter()
        .map(OsStr::new)
        .collect();
    let mut options = headless_chrome::LaunchOptions::default_builder();
    options
        .path(Some(jetcrawl_local::chromium_path()?))
        .headless(true)
        .sandbox(!is_root)
        .user_data_dir(Some(profile.to_path_buf()))
        .args(args);
    Ok(options)
}
