//! Why the crawl controller could not answer, grouped by how the caller reacts.

use thiserror::Error;

/// A failure of the controller itself (not a politeness decision).
#[derive(Debug, Error)]
pub enum CrawlError {
    /// A bucket is unreachable or refused the operation; try again later.
    #[error("JetStream KV bucket {bucket}: {message}; check that NATS is reachable")]
    Kv {
        /// The bucket.
        bucket: &'static str,
        /// What failed.
        message: String,
    },
    /// A domain's state kept changing under us.
    #[error("the state of domain {0} kept changing concurrently; try again")]
    Contended(String),
    /// A record could not be encoded.
    #[error("cannot encode a crawl record: {0}")]
    Encode(String),
    /// The AUDIT_ACTIONS stream refused the audit record.
    #[error("cannot record the audit event on AUDIT_ACTIONS: {0}; nothing was changed")]
    Audit(String),
}

impl CrawlError {
    /// A KV failure on `bucket`.
    pub fn kv(bucket: &'static str, err: impl std::fmt::Display) -> Self {
        Self::Kv {
            bucket,
            message: err.to_string(),
        }
    }

    /// An encoding failure.
    pub fn encode(err: impl std::fmt::Display) -> Self {
        Self::Encode(err.to_string())
    }
}
