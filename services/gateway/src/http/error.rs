//! Errors as `application/problem+json` (RFC 9457): `type`, `title`, `status` and
//! `detail`, plus `code` (the gRPC code's name, the same on both APIs) and, for a bad
//! request, `errors` naming each wrong field and how to fix it.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{GatewayError, code_name};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A [`GatewayError`] answered over HTTP.
#[derive(Debug)]
pub struct ApiError(pub GatewayError);

impl From<GatewayError> for ApiError {
    fn from(err: GatewayError) -> Self {
        Self(err)
    }
}

/// One problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` says which problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The status's reason phrase.
    pub title: &'static str,
    /// The HTTP status, repeated for clients that lose the response line.
    pub status: u16,
    /// What went wrong and what to do about it.
    pub detail: String,
    /// The gRPC code's name, e.g. `INVALID_ARGUMENT`.
    pub code: &'static str,
    /// Each wrong field, for a bad request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One wrong field of a request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Its path, e.g. `spec.urls[0]` or `page_size`.
    pub field: String,
    /// What is wrong with it and the fix.
    pub detail: String,
}

impl Problem {
    /// A problem with `status`, gRPC code name `code` and `detail`.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            code,
            errors: Vec::new(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
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

impl From<&GatewayError> for Problem {
    fn from(err: &GatewayError) -> Self {
        let mut problem = Problem::new(http_status(err), code_name(err.code()), err.to_string());
        problem.errors = err
            .field_violations()
            .iter()
            .map(|v| FieldError {
                field: v.field.clone(),
                detail: v.description.clone(),
            })
            .collect();
        problem
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = &self.0;
        let mut response = Problem::from(err).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = err.retry_after_secs() {
            headers.insert(header::RETRY_AFTER, secs.into());
        }
        if matches!(err, GatewayError::Unauthenticated(_)) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if matches!(err, GatewayError::TooLarge(_)) {
            // The rest of an oversized body is never read, so this connection cannot
            // carry another request. Saying so keeps clients from reusing it and
            // failing their next call with a truncated response.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// The answer to a path no route serves.
pub async fn no_route(method: Method, uri: Uri) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!(
            "no route {method} {}; GET /openapi.json lists the HTTP routes",
            uri.path()
        ),
    )
}

/// The answer to a method a route does not serve; axum adds the `Allow` header.
pub async fn wrong_method(method: Method, uri: Uri) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "UNIMPLEMENTED",
        format!(
            "{} does not answer {method}; the Allow header lists the methods it answers",
            uri.path()
        ),
    )
}
