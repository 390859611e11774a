//! Why an attempt failed, classified by what should happen next: retry later, or stop.

use thiserror::Error;

/// The kinds of failure a job attempt can end with. The string form is the
/// `error_class` recorded in `JobAttemptFailed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The target answered 4xx (other than 429): asking again will not help.
    Http4xx,
    /// The target asked us to slow down.
    Http429,
    /// The target failed on its side.
    Http5xx,
    /// A deadline passed (page load, step, or the whole job).
    Timeout,
    /// Connection refused, reset, DNS failure and the like.
    Network,
    /// The browser crashed or disconnected.
    BrowserCrash,
    /// A `required` extraction rule matched nothing.
    ExtractionRequiredMissing,
    /// The target resolves to an address the worker may not reach.
    TargetForbidden,
    /// The spec cannot run as written (should have been refused at submit).
    InvalidSpec,
    /// The response body is larger than the worker accepts.
    BodyTooLarge,
    /// Results could not be stored.
    Storage,
    /// The run was stopped at a step boundary (cancel request, or the job moved on).
    Interrupted,
    /// An agent job's loop ended without an answer (a limit, an answer that failed the
    /// schema twice, a model that would not call a tool), e.g. `agent_step_limit`: the
    /// same job would end the same way, so it is final (ADR 0045).
    Agent(&'static str),
    /// The model endpoint of an agent job failed, e.g. `model_unreachable`; retried
    /// unless the endpoint refused the request for good (`model_unauthorized`,
    /// `model_rejected`).
    Model {
        /// The class, from the agent crate.
        class: &'static str,
        /// Whether a later attempt may succeed.
        retryable: bool,
    },
}

impl ErrorClass {
    /// The `error_class` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http4xx => "http_4xx",
            Self::Http429 => "http_429",
            Self::Http5xx => "http_5xx",
            Self::Timeout => "timeout",
            Self::Network => "network",
            Self::BrowserCrash => "browser_crash",
            Self::ExtractionRequiredMissing => "extraction_required_missing",
            Self::TargetForbidden => "target_forbidden",
            Self::InvalidSpec => "invalid_spec",
            Self::BodyTooLarge => "body_too_large",
            Self::Storage => "storage",
            Self::Interrupted => "interrupted",
            Self::Agent(class) | Self::Model { class, .. } => class,
        }
    }

    /// True when another attempt may succeed.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::Http429
                | Self::Http5xx
                | Self::Timeout
                | Self::Network
                | Self::BrowserCrash
                | Self::Storage
                | Self::Model {
                    retryable: true,
                    ..
                }
        )
    }

    /// The class named `name`, among those a step can fail with.
    pub fn of_step_class(name: &str) -> Option<Self> {
        [
            Self::Http4xx,
            Self::Http429,
            Self::Http5xx,
            Self::Timeout,
            Self::Network,
            Self::BrowserCrash,
            Self::TargetForbidden,
            Self::InvalidSpec,
            Self::BodyTooLarge,
            Self::Storage,
            Self::Interrupted,
        ]
        .into_iter()
        .find(|class| class.as_str() == name)
    }

    /// The class of an HTTP error status (400..=599).
    pub fn of_status(status: u16) -> Self {
        match status {
            429 => Self::Http429,
            500.. => Self::Http5xx,
            _ => Self::Http4xx,
        }
    }
}

/// A failed attempt: its class and a message that says what failed and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct JobError {
    /// How to react.
    pub class: ErrorClass,
    /// For the client and the logs.
    pub message: String,
    /// The site's `Retry-After` on a 429 or 503: the crawl controller pushes the
    /// domain's next slot past it.
    pub retry_after: Option<std::time::Duration>,
}

impl JobError {
    /// A new error.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same error, carrying the site's `Retry-After`.
    pub fn with_retry_after(mut self, retry_after: Option<std::time::Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// True when another attempt may succeed.
    pub fn retryable(&self) -> bool {
        self.class.retryable()
    }

    /// The error for an HTTP error status from `url`. The message stands for an
    /// attempt and for the job's final failure alike, so it promises no retry: whether
    /// one follows is the job's attempt count, shown beside it.
    pub fn status(url: &str, status: u16) -> Self {
        let class = ErrorClass::of_status(status);
        let hint = if class.retryable() {
            "the site's trouble may pass, so attempts left are retried with backoff"
        } else {
            "check the URL; retrying will not help"
        };
        Self::new(class, format!("{url} answered HTTP {status}; {hint}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_retryable_classes() {
        for (status, class, retryable) in [
            (404, "http_4xx", false),
            (410, "http_4xx", false),
            (403, "http_4xx", false),
            (429, "http_429", true),
            (500, "http_5xx", true),
            (503, "http_5xx", true),
        ] {
            let err = JobError::status("http://x/", status);
            assert_eq!(err.class.as_str(), class, "status {status}");
            assert_eq!(err.retryable(), retryable, "status {status}");
            assert!(err.message.contains(&status.to_string()));
            assert!(
                !err.message.contains("will retry"),
                "a final failure must not promise a retry: {}",
                err.message
            );
        }
    }
}
