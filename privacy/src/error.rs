//! What can go wrong, grouped by how the caller reacts.

use thiserror::Error;

/// A privacy operation that failed.
#[derive(Debug, Error)]
pub enum PrivacyError {
    /// The key store (NATS KV `SUBJECT_KEYS`) is unreachable or refused the write; retry.
    #[error("subject key store unavailable: {0}; retry shortly")]
    Unavailable(String),
    /// A stored value or key is not what this build can read.
    #[error("unreadable privacy data: {0}")]
    Corrupt(String),
}

impl PrivacyError {
    pub(crate) fn unavailable(what: &str, err: impl std::fmt::Display) -> Self {
        Self::Unavailable(format!("{what}: {err}"))
    }
}
