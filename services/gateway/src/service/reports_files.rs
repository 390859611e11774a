//! Report files as URLs name them: their signed path, their content type, and the
//! index's errors as the gateway's.

use jetcrawl_projections::ProjectionError;

use crate::error::GatewayError;

/// The download path of a report file.
pub fn report_path(month: &str, revision: i32, name: &str) -> String {
    format!("/reports/{month}/r{revision}/{name}")
}

/// Content type of a report file format.
pub fn content_type(format: &str) -> &'static str {
    if format == "html" {
        "text/html; charset=utf-8"
    } else {
        "application/json"
    }
}

/// A reports index error as the gateway's: Postgres did not answer.
pub fn report_error(err: ProjectionError) -> GatewayError {
    GatewayError::unavailable_because(err.to_string(), err)
}
