//! The gateway's errors, grouped by how the client should react, and their mapping to
//! gRPC statuses (the HTTP API maps from the same codes, see `http::error`).

use jetcrawl_streams::Cause;
use thiserror::Error;
use tonic::Code;

use crate::validate::{FieldViolation, Violations};

/// Why a request was not served.
#[derive(Debug, Error)]
pub enum GatewayError {
    /// The client sent something invalid; every bad field is listed.
    #[error("{0}")]
    Invalid(Violations),
    /// The job does not exist for this tenant.
    #[error("{0}")]
    NotFound(String),
    /// The idempotency key is already bound to another spec.
    #[error("{0}")]
    AlreadyExists(String),
    /// The request body is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// A dependency did not answer in time; retrying (with the same key) is safe.
    /// `message` is what the client reads; `source` the failure, for logs and callers.
    #[error("{message}")]
    Unavailable {
        /// What the client reads: what failed and what to do.
        message: String,
        /// The dependency's error, when there is one.
        #[source]
        source: Option<Cause>,
    },
    /// A bug or corrupt data on our side.
    #[error("{message}")]
    Internal {
        /// What the client reads.
        message: String,
        /// The failure, when there is one.
        #[source]
        source: Option<Cause>,
    },
    /// The job is not in a state that allows this (e.g. cancelling a finished job); the
    /// message names the state.
    #[error("{0}")]
    FailedPrecondition(String),
    /// No valid credential: missing, malformed, unknown, revoked, expired or forged.
    #[error("{0}")]
    Unauthenticated(String),
    /// The credential is valid but its role may not take this action.
    #[error("{0}")]
    PermissionDenied(String),
    /// The thing asked for existed but is gone for good (a result removed by retention):
    /// gRPC NOT_FOUND, HTTP 410.
    #[error("{0}")]
    Gone(String),
    /// The tenant is over a quota; retrying after `retry_after` may succeed.
    #[error("{message}")]
    Exhausted {
        /// What limit was hit and what to do.
        message: String,
        /// When a retry may succeed.
        retry_after: std::time::Duration,
    },
}

impl GatewayError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut violations = Violations::default();
        violations.add(field, description);
        Self::Invalid(violations)
    }

    /// A dependency failed without an error of its own to keep.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: None,
        }
    }

    /// A dependency failed with `source`; `message` (what the client reads) says what
    /// failed and what to do.
    pub fn unavailable_because(message: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A bug or corrupt data on our side.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal {
            message: message.into(),
            source: None,
        }
    }

    /// A bug or corrupt data on our side, found through `source`.
    pub fn internal_because(message: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Internal {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The gRPC code of this error.
    pub fn code(&self) -> Code {
        match self {
            Self::Invalid(_) => Code::InvalidArgument,
            Self::NotFound(_) => Code::NotFound,
            Self::AlreadyExists(_) => Code::AlreadyExists,
            Self::TooLarge(_) => Code::ResourceExhausted,
            Self::Unavailable { .. } => Code::Unavailable,
            Self::Gone(_) => Code::NotFound,
            Self::Internal { .. } => Code::Internal,
            Self::FailedPrecondition(_) => Code::FailedPrecondition,
            Self::Unauthenticated(_) => Code::Unauthenticated,
            Self::PermissionDenied(_) => Code::PermissionDenied,
            Self::Exhausted { .. } => Code::ResourceExhausted,
        }
    }

    /// Seconds a client should wait before retrying (rounded up), for `Exhausted`.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Exhausted { retry_after, .. } => {
                Some(retry_after.as_millis().div_ceil(1000).max(1) as u64)
            }
            _ => None,
        }
    }

    /// The field violations, empty unless `Invalid`.
    pub fn field_violations(&self) -> &[FieldViolation] {
        match self {
            Self::Invalid(violations) => violations.as_slice(),
            _ => &[],
        }
    }
}

impl From<Violations> for GatewayError {
    fn from(violations: Violations) -> Self {
        Self::Invalid(violations)
    }
}

impl From<GatewayError> for tonic::Status {
    fn from(err: GatewayError) -> Self {
        let code = err.code();
        let message = err.to_string();
        match &err {
            GatewayError::Invalid(violations) => {
                crate::status::with_bad_request(code, message, violations)
            }
            GatewayError::Exhausted { retry_after, .. } => {
                let secs = err.retry_after_secs().unwrap_or(1);
                let mut status = crate::status::with_retry_info(code, message, *retry_after);
                // The same hint as plain metadata, for clients without the details.
                status.metadata_mut().insert("retry-after", secs.into());
                status
            }
            _ => tonic::Status::new(code, message),
        }
    }
}

/// `SCREAMING_SNAKE` name of a gRPC code, as used in JSON errors and metric labels.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}
