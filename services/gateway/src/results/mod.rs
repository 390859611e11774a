//! Result objects: what the gateway needs to mint signed URLs (GetResult) and to serve
//! them (the handlers are in [`crate::http`]).

mod objects;

use std::sync::Arc;

use jetcrawl_results::{ResultStore, Retention, UrlSigner};

pub use objects::{Downloadable, downloadables};

/// The result store, the URL signer and the retention in force.
#[derive(Clone)]
pub struct ResultsAccess {
    pub(crate) store: Arc<dyn ResultStore>,
    pub(crate) signer: Option<UrlSigner>,
    pub(crate) retention: Retention,
}

impl std::fmt::Debug for ResultsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultsAccess")
            .field("backend", &self.store.backend())
            .field("signer", &self.signer)
            .field("retention", &self.retention)
            .finish()
    }
}

impl ResultsAccess {
    /// Downloads from `store`, signed by `signer` (`None`: downloads are off until
    /// signing keys are configured).
    pub fn new(
        store: Arc<dyn ResultStore>,
        signer: Option<UrlSigner>,
        retention: Retention,
    ) -> Self {
        Self {
            store,
            signer,
            retention,
        }
    }
}

/// The results access `config` sets up, over the `RESULTS` bucket.
pub async fn open(
    js: &async_nats::jetstream::Context,
    config: &crate::GatewayConfig,
) -> anyhow::Result<ResultsAccess> {
    use anyhow::Context as _;
    let store = jetcrawl_results::JetStreamResults::open(js)
        .await
        .context("opening the results store")?;
    let signer = config
        .signing
        .signer()
        .context("loading the result signing keys")?;
    if signer.is_none() {
        tracing::warn!(
            "no result signing key configured (JETCRAWL_RESULT_SIGNING_KEYS_FILE): GetResult \
             and result downloads answer UNAVAILABLE"
        );
    }
    Ok(ResultsAccess::new(
        Arc::new(store),
        signer,
        config.retention.retention(),
    ))
}
