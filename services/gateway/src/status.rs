//! `google.rpc.Status` details (`grpc-status-details-bin`), built with `tonic-types`:
//! a `BadRequest` listing every field violation of an INVALID_ARGUMENT, and a
//! `RetryInfo` beside the `retry-after` metadata of a RESOURCE_EXHAUSTED, so gRPC
//! clients can show errors per field and back off as told.

use std::time::Duration;

use tonic_types::{BadRequest, ErrorDetails, StatusExt as _};

use crate::validate::Violations;

/// A status with `code`, `message` and a `BadRequest` listing `violations`.
pub fn with_bad_request(
    code: tonic::Code,
    message: String,
    violations: &Violations,
) -> tonic::Status {
    let mut details = ErrorDetails::new();
    for violation in violations.as_slice() {
        details.add_bad_request_violation(violation.field.clone(), violation.description.clone());
    }
    tonic::Status::with_error_details(code, message, details)
}

/// A status with `code`, `message` and a `RetryInfo` of `retry_after`.
pub fn with_retry_info(code: tonic::Code, message: String, retry_after: Duration) -> tonic::Status {
    tonic::Status::with_error_details(
        code,
        message,
        ErrorDetails::with_retry_info(Some(retry_after)),
    )
}

/// The `BadRequest` inside a status' details, if there is one (for clients and tests).
pub fn bad_request_of(status: &tonic::Status) -> Option<BadRequest> {
    status.get_details_bad_request()
}

/// The delay a status' `RetryInfo` asks for, if it has one.
pub fn retry_delay_of(status: &tonic::Status) -> Option<Duration> {
    status.get_details_retry_info()?.retry_delay
}
