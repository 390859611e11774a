//! What can go wrong, grouped by how the caller reacts.

use thiserror::Error;

/// A privacy operation that failed.
#[derive(Debug, Error)]
pub enum PrivacyError {
    /// The key store (NATS KV `SUBJECT_KEYS`) is unreachable or refused the write; retry.
    #[error("subject key store unavailable: {0}; retry shortly")]
    Unavailable(String),
    /// A subject's key is gone but no erasure was recorded: the key store lost data.
    /// Never treated as an erasure; the job waits and an operator is alarmed.
    #[error(
        "the data key of subject {reference} of tenant {tenant} is missing and no erasure \
         was recorded: the SUBJECT_KEYS bucket lost data; restore it from a backup or a \
         replica (docs/reliability.md, \"A subject key is missing\")"
    )]
    KeyMissing {
        /// The tenant.
        tenant: String,
        /// The subject's reference.
        reference: String,
    },
    /// A stored value or key is not what this build can read.
    #[error("unreadable privacy data: {0}")]
    Corrupt(String),
}

impl PrivacyError {
    pub(crate) fn unavailable(what: &str, err: impl std::fmt::Display) -> Self {
        Self::Unavailable(format!("{what}: {err}"))
    }
}
