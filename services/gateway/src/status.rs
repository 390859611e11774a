//! `google.rpc.Status` details for INVALID_ARGUMENT: a `google.rpc.BadRequest` listing
//! every field violation, so gRPC clients can show them per field.
//!
//! Only the two small messages are defined here (by hand, as prost structs) rather than
//! pulling in a crate of all Google error types.

use bytes::Bytes;
use prost::Message;

use crate::validate::Violations;

/// Type URL of `google.rpc.BadRequest` inside a `google.protobuf.Any`.
pub const BAD_REQUEST_TYPE_URL: &str = "type.googleapis.com/google.rpc.BadRequest";

/// `google.rpc.BadRequest`.
#[derive(Clone, PartialEq, Message)]
pub struct BadRequest {
    /// Every bad field.
    #[prost(message, repeated, tag = "1")]
    pub field_violations: Vec<FieldViolation>,
}

/// `google.rpc.BadRequest.FieldViolation`.
#[derive(Clone, PartialEq, Message)]
pub struct FieldViolation {
    /// Path of the field, e.g. `spec.urls[1]`.
    #[prost(string, tag = "1")]
    pub field: String,
    /// What is wrong and how to fix it.
    #[prost(string, tag = "2")]
    pub description: String,
}

/// `google.rpc.Status`, the envelope of `grpc-status-details-bin`.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    /// The gRPC code.
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// The message.
    #[prost(string, tag = "2")]
    pub message: String,
    /// Typed details.
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<prost_types::Any>,
}

/// Encoded `google.rpc.Status` carrying a `BadRequest` with `violations`.
pub fn bad_request_details(code: tonic::Code, message: &str, violations: &Violations) -> Bytes {
    let bad_request = BadRequest {
        field_violations: violations
            .as_slice()
            .iter()
            .map(|v| FieldViolation {
                field: v.field.clone(),
                description: v.description.clone(),
            })
            .collect(),
    };
    let status = RpcStatus {
        code: code as i32,
        message: message.to_owned(),
        details: vec![prost_types::Any {
            type_url: BAD_REQUEST_TYPE_URL.to_owned(),
            value: bad_request.encode_to_vec(),
        }],
    };
    Bytes::from(status.encode_to_vec())
}

/// The `BadRequest` inside a status' details, if there is one (for clients and tests).
pub fn bad_request_of(status: &tonic::Status) -> Option<BadRequest> {
    let rpc = RpcStatus::decode(status.details()).ok()?;
    let any = rpc
        .details
        .into_iter()
        .find(|any| any.type_url == BAD_REQUEST_TYPE_URL)?;
    BadRequest::decode(any.value.as_slice()).ok()
}
