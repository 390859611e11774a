//! Errors as JSON: `{"error": {"code", "message", "field_violations": [...]}}`, with the
//! HTTP status that matches the gRPC code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{GatewayError, code_name};

/// A [`GatewayError`] answered over HTTP.
#[derive(Debug)]
pub struct ApiError(pub GatewayError);

impl From<GatewayError> for ApiError {
    fn from(err: GatewayError) -> Self {
        Self(err)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    field_violations: Vec<Violation<'a>>,
}

#[derive(Serialize)]
struct Violation<'a> {
    field: &'a str,
    description: &'a str,
}

/// The HTTP status of an error.
pub fn http_status(err: &GatewayError) -> StatusCode {
    match err {
        GatewayError::Invalid(_) => StatusCode::BAD_REQUEST,
        GatewayError::NotFound(_) => StatusCode::NOT_FOUND,
        GatewayError::AlreadyExists(_) => StatusCode::CONFLICT,
        GatewayError::FailedPrecondition(_) => StatusCode::CONFLICT,
        GatewayError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        GatewayError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        GatewayError::Gone(_) => StatusCode::GONE,
        GatewayError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        GatewayError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        GatewayError::PermissionDenied(_) => StatusCode::FORBIDDEN,
        GatewayError::Exhausted { .. } => StatusCode::TOO_MANY_REQUESTS,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = &self.0;
        let body = Body {
            error: ErrorBody {
                code: code_name(err.code()),
                message: err.to_string(),
                field_violations: err
                    .field_violations()
                    .iter()
                    .map(|v| Violation {
                        field: &v.field,
                        description: &v.description,
                    })
                    .collect(),
            },
        };
        let mut response = (http_status(err), Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = err.retry_after_secs() {
            headers.insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        if matches!(err, GatewayError::Unauthenticated(_)) {
            headers.insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if matches!(err, GatewayError::TooLarge(_)) {
            // The rest of an oversized body is never read, so this connection cannot
            // carry another request. Saying so keeps clients from reusing it and
            // failing their next call with a truncated response.
            headers.insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}
