//! Finding executables on disk.

use std::path::{Path, PathBuf};

/// True when `path` is a regular file with an execute bit set.
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Searches `PATH` for `name`, skipping pyenv shims: a shim re-resolves the Python
/// version on every call and fails when the active version lacks the package.
pub(crate) fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.to_string_lossy().contains("/.pyenv/shims"))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// A binary named by an environment variable, which must exist when the variable is set.
pub(crate) fn from_env(var: &str) -> anyhow::Result<Option<PathBuf>> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(value) => {
            let path = PathBuf::from(value);
            anyhow::ensure!(
                is_executable(&path),
                "{var}={} is not an executable file",
                path.display()
            );
            Ok(Some(path))
        }
    }
}
