//! What can go wrong with the model endpoint, grouped by what the worker does next: try
//! again later with backoff, or fail the job.

use std::time::Duration;

/// Why a call to the model endpoint failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelErrorKind {
    /// Nothing listens at the base URL, or the connection broke.
    Unreachable,
    /// No reply within the request timeout (or the job's remaining time).
    Timeout,
    /// 429: the endpoint asks to slow down.
    RateLimited,
    /// A 5xx status.
    Server,
    /// A reply that is not a chat completion (not JSON, no choice).
    Malformed,
    /// 401 or 403: the key is wrong or lacks the right.
    Unauthorized,
    /// Another 4xx: the endpoint refuses the request itself (unknown model, context too
    /// long); sending it again would fail the same way.
    Rejected,
}

/// A failed call to the model endpoint.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ModelError {
    /// The failure's kind.
    pub kind: ModelErrorKind,
    /// What failed and what to do, for the job's error.
    pub message: String,
    /// The endpoint's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

impl ModelError {
    pub(crate) fn new(kind: ModelErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Whether a later attempt may succeed (the worker retries with backoff); the job
    /// fails at once otherwise.
    pub fn retryable(&self) -> bool {
        !matches!(
            self.kind,
            ModelErrorKind::Unauthorized | ModelErrorKind::Rejected
        )
    }

    /// The error class recorded with the failed attempt.
    pub fn class(&self) -> &'static str {
        match self.kind {
            ModelErrorKind::Unreachable => "model_unreachable",
            ModelErrorKind::Timeout => "model_timeout",
            ModelErrorKind::RateLimited => "model_rate_limited",
            ModelErrorKind::Server => "model_server_error",
            ModelErrorKind::Malformed => "model_malformed_reply",
            ModelErrorKind::Unauthorized => "model_unauthorized",
            ModelErrorKind::Rejected => "model_rejected",
        }
    }
}
