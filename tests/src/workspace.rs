//! The workspace's own files, for tests that read its manifests, configs and sources.

use std::path::{Path, PathBuf};

/// The workspace's root: the directory above this crate's.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_path_buf()
}
