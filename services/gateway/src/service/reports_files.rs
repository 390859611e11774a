//! `GET /reports/{month}/{revision}/{file}?exp=…&kid=…&sig=…`: the signed download of a
//! report file from the `REPORTS` bucket. Like result downloads, the signature is the
//! capability (no credential); it binds the path and the scope (`all` or the tenant),
//! and every refusal is 403 with a reason that never repeats the signature.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jetcrawl_reporter::{Month, ReportError};
use jetcrawl_results::{Denied, UrlQuery};
use jetcrawl_streams::reports::{PLATFORM_SCOPE, REPORTS_BUCKET, parse_report_file_name};
use tokio_util::io::ReaderStream;

use crate::error::GatewayError;
use crate::http::AppState;
use crate::http::error::ApiError;

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

/// A reporter library error as the gateway's.
pub fn report_error(err: ReportError) -> GatewayError {
    match err {
        ReportError::Invalid { field, message } => GatewayError::invalid(field, message),
        ReportError::Precondition(m) => GatewayError::FailedPrecondition(m),
        ReportError::NotFound(m) => GatewayError::NotFound(m),
        ReportError::Unavailable(m) => GatewayError::Unavailable(m),
    }
}

/// Serves one report file of a signed URL.
#[tracing::instrument(name = "report_download", skip_all, fields(month = %month, file = %name))]
pub async fn download_report(
    State(app): State<AppState>,
    Path((month, revision, name)): Path<(String, String, String)>,
    Query(mut params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let query = UrlQuery {
        exp: params.remove("exp"),
        kid: params.remove("kid"),
        sig: params.remove("sig"),
    };
    match serve(&app, &month, &revision, &name, &query, &headers).await {
        Ok(response) => response,
        Err(err) => {
            tracing::info!(error = %err, "report download refused");
            ApiError(err).into_response()
        }
    }
}

async fn serve(
    app: &AppState,
    month: &str,
    revision: &str,
    name: &str,
    query: &UrlQuery,
    headers: &HeaderMap,
) -> Result<Response, GatewayError> {
    let gateway = &app.gateway;
    let signer = gateway.results_access()?.signer.as_ref().ok_or_else(|| {
        GatewayError::Unavailable("report downloads are off: no signing key is configured".into())
    })?;
    let now = Utc::now();
    signer.precheck(query, now).map_err(denied)?;
    // Nothing this gateway signs has another shape: refuse before reading anything.
    let revision_number = revision
        .strip_prefix('r')
        .and_then(|r| r.parse::<i32>().ok());
    let (Ok(_), Some(revision_number), Some((tenant, format))) = (
        month.parse::<Month>(),
        revision_number,
        parse_report_file_name(name),
    ) else {
        return Err(denied(Denied::BadSignature));
    };
    let owner = tenant.as_deref().unwrap_or(PLATFORM_SCOPE);
    let path = report_path(month, revision_number, name);
    signer
        .verify("GET", &path, query, owner, now)
        .map_err(denied)?;
    let file = jetcrawl_reporter::index::files(gateway.pool(), month, revision_number)
        .await
        .map_err(report_error)?
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| {
            GatewayError::NotFound(format!(
                "the {month} report r{revision_number} has no file {name}"
            ))
        })?;
    let etag = format!("\"{}\"", file.sha256);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let js = gateway.store.context();
    let bucket = js.get_object_store(REPORTS_BUCKET).await.map_err(|err| {
        GatewayError::Unavailable(format!(
            "the {REPORTS_BUCKET} bucket is unavailable: {err}; retry shortly"
        ))
    })?;
    let object = bucket.get(&file.object_key).await.map_err(|err| {
        GatewayError::Gone(format!("the report file {name} is no longer stored: {err}"))
    })?;
    let mut response = Response::new(Body::from_stream(ReaderStream::new(object)));
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&format)),
    );
    if let Ok(size) = u64::try_from(file.size_bytes) {
        out.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, value);
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-transform"),
    );
    out.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    // The page is self-contained: nothing may load or run from it.
    out.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    );
    Ok(response)
}

fn denied(why: Denied) -> GatewayError {
    GatewayError::PermissionDenied(format!("download refused: {why}"))
}
