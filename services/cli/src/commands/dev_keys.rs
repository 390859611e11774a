//! The development keys of `jetcrawl up`: on first start, one client and one admin key
//! of tenant `dev`, kept in the data directory (mode 0600) and printed, so a newcomer
//! can call the API at once while the gateway still refuses anonymous calls.

use std::path::{Path, PathBuf};

use anyhow::Context;
use jetcrawl_gateway::auth::{KeyStore, Role};

use super::keys;

/// Tenant of the development keys.
pub const DEV_TENANT: &str = "dev";

/// The development keys.
pub struct DevKeys {
    /// Client key of tenant `dev`.
    pub client: String,
    /// Admin key of tenant `dev`.
    pub admin: String,
}

/// Reuses the keys saved in `data_dir` while they are still valid, else issues new ones.
pub async fn ensure(nats_url: &str, data_dir: &Path) -> anyhow::Result<DevKeys> {
    let store = keys::open(nats_url).await?;
    Ok(DevKeys {
        client: ensure_one(&store, &file(data_dir, Role::Client), Role::Client).await?,
        admin: ensure_one(&store, &file(data_dir, Role::Admin), Role::Admin).await?,
    })
}

/// Tells the newcomer how to use them.
pub fn print(keys: &DevKeys, data_dir: &Path) {
    eprintln!(
        "dev keys  tenant {DEV_TENANT}, saved in {}",
        data_dir.display()
    );
    eprintln!("          export JETCRAWL_API_KEY={}", keys.client);
    eprintln!("          admin: {}", keys.admin);
    eprintln!("          curl -H \"authorization: Bearer $JETCRAWL_API_KEY\" …");
}

fn file(data_dir: &Path, role: Role) -> PathBuf {
    data_dir.join(format!("dev-{role}.key"))
}

async fn ensure_one(store: &KeyStore, path: &Path, role: Role) -> anyhow::Result<String> {
    if let Ok(saved) = std::fs::read_to_string(path) {
        let saved = saved.trim().to_owned();
        if still_valid(store, &saved).await {
            return Ok(saved);
        }
    }
    let (_, token) = keys::issue(store, DEV_TENANT, role, Vec::new()).await?;
    write_private(path, &token)?;
    Ok(token)
}

async fn still_valid(store: &KeyStore, token: &str) -> bool {
    let Some(id) = token.split('_').nth(1) else {
        return false;
    };
    matches!(store.lookup(id).await, Ok(Some(record)) if record.revoked_at.is_none())
}

fn write_private(path: &Path, token: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("saving a dev key in {}", path.display()))?;
    writeln!(file, "{token}").with_context(|| format!("writing {}", path.display()))
}
