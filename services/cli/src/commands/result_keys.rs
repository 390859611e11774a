//! The result URL signing key of `jetcrawl up`: generated once into the data directory
//! (`result-signing.keys`, mode 0600) and shared by the gateway and the notifier.

use std::path::Path;

use anyhow::Context;
use jetcrawl_results::SigningConfig;

/// The file name of the keys in the data directory.
pub const KEYS_FILE: &str = "result-signing.keys";

/// Signing settings over the data directory's key file, creating it when missing;
/// URLs are prefixed with `public_base_url`.
pub fn ensure(data_dir: &Path, public_base_url: String) -> anyhow::Result<SigningConfig> {
    let path = data_dir.join(KEYS_FILE);
    if !path.exists() {
        let secret = jetcrawl_notifier::signature::new_secret();
        let secret = secret.trim_start_matches(jetcrawl_notifier::signature::SECRET_PREFIX);
        let text = format!(
            "# jetcrawl up: result URL signing keys (kid=secret); the first signs\ndev1={secret}\n"
        );
        std::fs::write(&path, text)
            .with_context(|| format!("writing the signing keys {}", path.display()))?;
        restrict(&path)?;
    }
    Ok(SigningConfig {
        keys_file: Some(path),
        url_ttl_secs: 900,
        url_max_ttl_secs: 3600,
        public_base_url: Some(public_base_url),
        ..SigningConfig::default()
    })
}

#[cfg(unix)]
fn restrict(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {}", path.display()))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}
