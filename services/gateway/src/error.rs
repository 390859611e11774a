//! The gateway's errors, grouped by how the client should react, and their mapping to
//! gRPC statuses (the HTTP API maps from the same codes, see `http::error`).

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
    #[error("{0}")]
    Unavailable(String),
    /// A bug or corrupt data on our side.
    #[error("{0}")]
    Internal(String),
}

impl GatewayError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut violations = Violations::default();
        violations.add(field, description);
        Self::Invalid(violations)
    }

    /// The gRPC code of this error.
    pub fn code(&self) -> Code {
        match self {
            Self::Invalid(_) => Code::InvalidArgument,
            Self::NotFound(_) => Code::NotFound,
            Self::AlreadyExists(_) => Code::AlreadyExists,
            Self::TooLarge(_) => Code::ResourceExhausted,
            Self::Unavailable(_) => Code::Unavailable,
            Self::Internal(_) => Code::Internal,
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
                let details = crate::status::bad_request_details(code, &message, violations);
                tonic::Status::with_details(code, message, details)
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
