//! An HTTP client for tests.

use std::time::Duration;

use anyhow::Context as _;

/// A reqwest client that follows redirects and gives up on a request after 30 s.
///
/// The workspace builds reqwest without a bundled crypto provider, so this installs
/// rustls' `ring` provider first (a no-op when one is installed already).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    client_builder()
        .build()
        .context("building the test HTTP client")
}

/// The builder behind [`http_client`], for tests that need e.g. no redirects.
pub fn client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(30))
}
