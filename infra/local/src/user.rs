//! Who we run as, and the unprivileged account Postgres needs when we are root.

use anyhow::Context as _;
use nix::unistd::{Gid, Uid, User};

/// True when this process runs with effective uid 0.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The uid and gid of a system account, e.g. `postgres`.
pub fn account(name: &str) -> anyhow::Result<(Uid, Gid)> {
    let user = User::from_name(name)
        .with_context(|| format!("looking up the system user {name}"))?
        .with_context(|| {
            format!("system user {name} does not exist: run scripts/setup.sh (installing postgresql creates it)")
        })?;
    Ok((user.uid, user.gid))
}
