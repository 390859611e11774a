//! The result URL signing key of `jetcrawl up`: generated once into the data directory
//! (`result-signing.keys`, mode 0600) and shared by the gateway and the notifier.

use std::path::Path;

use anyhow::Context;
use jetcrawl_results::SigningConfig;

/// The file name of the keys in the data directory.
pub const KEYS_FILE: &str = "result-signing.keys";

/// `configured` signing settings, over the data directory's key file (created when
/// missing) unless keys are configured; URLs are prefixed with `public_base_url` unless
/// one is configured.
pub fn ensure(
    data_dir: &Path,
    configured: SigningConfig,
    public_base_url: String,
) -> anyhow::Result<SigningConfig> {
    let mut signing = SigningConfig {
        public_base_url: configured.public_base_url.clone().or(Some(public_base_url)),
        ..configured
    };
    if signing.keys.is_some() || signing.keys_file.is_some() {
        return Ok(signing);
    }
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
    signing.keys_file = Some(path);
    Ok(signing)
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
