//! Finding the workspace's built binaries from inside a test binary.

use std::path::{Path, PathBuf};

/// The path of the built binary `name`, e.g. `jetcrawl-gateway`.
///
/// A test binary runs from `<target>/<profile>/deps/`, so the binaries are one level up.
/// When `CARGO_TARGET_DIR` is set, `<CARGO_TARGET_DIR>/<profile>/` is tried first.
pub fn binary_path(name: &str) -> anyhow::Result<PathBuf> {
    let candidates = candidates(name)?;
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .ok_or_else(|| {
            let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
            anyhow::anyhow!(
                "binary {name} not built: run `cargo build --workspace --bins` first (looked in {})",
                looked.join(", ")
            )
        })
}

fn candidates(name: &str) -> anyhow::Result<Vec<PathBuf>> {
    let exe = std::env::current_exe()?;
    let exe_dir = exe.parent().unwrap_or(Path::new("."));
    // `<target>/<profile>/deps` for test binaries, `<target>/<profile>/examples` for
    // examples.
    let profile_dir = if exe_dir
        .file_name()
        .is_some_and(|n| n == "deps" || n == "examples")
    {
        exe_dir.parent().unwrap_or(exe_dir)
    } else {
        exe_dir
    };
    let mut candidates = Vec::new();
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        let profile = profile_dir.file_name().unwrap_or("debug".as_ref());
        candidates.push(PathBuf::from(target).join(profile).join(name));
    }
    candidates.push(profile_dir.join(name));
    Ok(candidates)
}
