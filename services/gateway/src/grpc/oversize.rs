//! tonic refuses a request above `max_decoding_message_size` with OUT_OF_RANGE; the
//! gRPC convention (and what clients retry-classify on) is RESOURCE_EXHAUSTED. This
//! response mapper rewrites that one status and says how to fix the request.

use axum::http::Response;
use tonic::body::Body;
use tonic::{Code, Status};

/// Start of tonic's message for a request above the decoding limit.
const TONIC_OVERSIZE: &str = "Error, decoded message length too large";

/// True when `status` is tonic's refusal of an oversized request.
pub fn is_oversize(status: &Status) -> bool {
    status.code() == Code::OutOfRange && status.message().starts_with(TONIC_OVERSIZE)
}

/// Rewrites tonic's OUT_OF_RANGE "decoded message length too large" (a trailers-only
/// response) into RESOURCE_EXHAUSTED; every other response passes unchanged.
pub fn oversize_as_resource_exhausted(mut response: Response<Body>) -> Response<Body> {
    let Some(status) = Status::from_header_map(response.headers()) else {
        return response;
    };
    if !is_oversize(&status) {
        return response;
    }
    let detail = status
        .message()
        .trim_start_matches(TONIC_OVERSIZE)
        .trim_start_matches(':')
        .trim();
    let rewritten = Status::resource_exhausted(format!(
        "request too large ({detail}); send a smaller spec (fewer URLs, steps or rules) or raise JETCRAWL_MAX_REQUEST_BYTES"
    ));
    if rewritten.add_header(response.headers_mut()).is_err() {
        tracing::warn!("could not rewrite an oversize status");
    }
    response
}
