//! Where signing keys and URL lifetimes come from: flags and `JETCRAWL_*` variables,
//! shared by the gateway (which mints and serves) and the notifier (which mints).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::keys::{KeyError, SigningKeys};
use super::url::UrlSigner;

/// Signed-URL settings.
#[derive(Debug, Clone, Args, Default)]
pub struct SigningConfig {
    /// Signing keys as `kid=secret` entries separated by commas or newlines (at least 32
    /// bytes each). Prefer the file form in production.
    #[arg(
        long = "result-signing-keys",
        env = "JETCRAWL_RESULT_SIGNING_KEYS",
        hide_env_values = true
    )]
    pub keys: Option<String>,
    /// File holding the signing keys, one `kid=secret` a line (`#` comments).
    #[arg(
        long = "result-signing-keys-file",
        env = "JETCRAWL_RESULT_SIGNING_KEYS_FILE"
    )]
    pub keys_file: Option<PathBuf>,
    /// Id of the key that signs; the first listed by default. Every listed key verifies.
    #[arg(long = "result-signing-key-id", env = "JETCRAWL_RESULT_SIGNING_KEY_ID")]
    pub active_key_id: Option<String>,
    /// Lifetime of a signed URL when the caller asks for none, in seconds.
    #[arg(
        long = "result-url-ttl-secs",
        env = "JETCRAWL_RESULT_URL_TTL_SECS",
        default_value_t = 900
    )]
    pub url_ttl_secs: u64,
    /// Longest lifetime of a signed URL, in seconds.
    #[arg(
        long = "result-url-max-ttl-secs",
        env = "JETCRAWL_RESULT_URL_MAX_TTL_SECS",
        default_value_t = 3600
    )]
    pub url_max_ttl_secs: u64,
    /// Public base URL of the gateway's HTTP listener (e.g. `https://api.example.com`),
    /// prefixed to signed URLs; without it they are paths.
    #[arg(long = "public-base-url", env = "JETCRAWL_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
}

impl SigningConfig {
    /// The signer, `Ok(None)` when no key is configured (downloads are then off).
    pub fn signer(&self) -> Result<Option<UrlSigner>, KeyError> {
        let mut text = String::new();
        if let Some(path) = &self.keys_file {
            text = std::fs::read_to_string(path).map_err(|err| {
                KeyError(format!(
                    "cannot read the signing keys file {}: {err}",
                    path.display()
                ))
            })?;
        }
        if let Some(keys) = &self.keys {
            text.push('\n');
            text.push_str(keys);
        }
        if text.trim().is_empty() {
            return Ok(None);
        }
        let keys = SigningKeys::parse(&text, self.active_key_id.as_deref())?;
        Ok(Some(UrlSigner::new(
            keys,
            Duration::from_secs(self.url_ttl_secs.max(1)),
            Duration::from_secs(self.url_max_ttl_secs.max(1)),
            self.public_base_url.clone(),
        )))
    }
}
