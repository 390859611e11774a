//! Signed downloads, one handler for both kinds:
//! `GET /results/{job_id}/{artifact}` and `GET /reports/{month}/{revision}/{file}`,
//! each with `?exp=…&kid=…&sig=…`.
//!
//! No credential is needed: the signature is the capability. It binds the path and its
//! owner (the job's tenant; for a report, the tenant or `all`). Every refusal is 403
//! with a reason that never repeats the signature; an object removed by retention is
//! 410. The steps are the same for both: check the signature's shape, find whose the
//! path is, verify, find the object, answer 304 to a matching `If-None-Match`, then
//! stream it.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jetcrawl_projections::reports::{Month, index};
use jetcrawl_results::{Denied, ResultStoreError, UrlQuery, is_valid_artifact_name, signing};
use jetcrawl_streams::JobStatus;
use jetcrawl_streams::reports::{PLATFORM_SCOPE, REPORTS_BUCKET, parse_report_file_name};
use jetcrawl_streams::subjects::is_valid_token;
use tokio_util::io::ReaderStream;

use crate::error::GatewayError;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::results::{Downloadable, downloadables};
use crate::service::{content_type, gone, report_error, report_path};

/// A report page is self-contained: nothing may load or run from it.
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// What a signed path names.
enum Target {
    Result {
        job_id: String,
        artifact: String,
    },
    Report {
        month: String,
        revision: String,
        name: String,
    },
}

/// The object a verified path names, before its bytes are read.
struct Found {
    /// Where its bytes are.
    source: Source,
    content_type: String,
    size: Option<u64>,
    sha256: String,
    csp: Option<&'static str>,
}

enum Source {
    Result {
        job_id: String,
        object: Downloadable,
    },
    Report {
        name: String,
        object_key: String,
    },
}

/// `GET /results/{job_id}/{artifact}`.
#[utoipa::path(
    get,
    path = "/results/{job_id}/{artifact}",
    tag = "downloads",
    summary = "Download a result file through its signed URL",
    description = "The URL comes from `GET /v1/jobs/{id}/result`; it needs no API key. \
        Supports `Range` and `If-None-Match` (the ETag is the sha256).",
    security(()),
    params(
        ("job_id" = String, Path, description = "Job id"),
        ("artifact" = String, Path, description = "`result.json`, `<screenshot>.png` or `<screenshot>.thumb.png`"),
        ("exp" = i64, Query, description = "Expiry, seconds since 1970"),
        ("kid" = String, Query, description = "Signing key id"),
        ("sig" = String, Query, description = "Signature"),
    ),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 206, description = "The requested range"),
        (status = 304, description = "Not modified"),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
#[tracing::instrument(name = "download", skip_all, fields(job_id = %job_id))]
pub async fn result(
    State(app): State<AppState>,
    Path((job_id, artifact)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let outcome = download(&app, Target::Result { job_id, artifact }, params, &headers).await;
    counted(outcome)
}

/// `GET /reports/{month}/{revision}/{file}`.
#[utoipa::path(
    get,
    path = "/reports/{month}/{revision}/{file}",
    tag = "downloads",
    summary = "Download a monthly report file through its signed URL",
    description = "The URL comes from the Reports service's GetReport; it needs no API key.",
    security(()),
    params(
        ("month" = String, Path, description = "YYYY-MM"),
        ("revision" = String, Path, description = "Report revision"),
        ("file" = String, Path, description = "`report.html` or `report.json`"),
        ("exp" = i64, Query, description = "Expiry, seconds since 1970"),
        ("kid" = String, Query, description = "Signing key id"),
        ("sig" = String, Query, description = "Signature"),
    ),
    responses(
        (status = 200, description = "The file"),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
#[tracing::instrument(name = "report_download", skip_all, fields(month = %month, file = %name))]
pub async fn report(
    State(app): State<AppState>,
    Path((month, revision, name)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let target = Target::Report {
        month,
        revision,
        name,
    };
    match download(&app, target, params, &headers).await {
        Ok(response) => response,
        Err(err) => {
            tracing::info!(error = %err, "report download refused");
            ApiError(err).into_response()
        }
    }
}

/// Result downloads are counted by outcome (`jetcrawl_result_downloads_total`).
fn counted(outcome: Result<Response, GatewayError>) -> Response {
    let (label, response) = match outcome {
        Ok(response) => ("served", response),
        Err(err) => {
            tracing::info!(error = %err, "download refused");
            let label = match &err {
                GatewayError::PermissionDenied(_) => "denied",
                GatewayError::Gone(_) => "gone",
                _ => "error",
            };
            (label, ApiError(err).into_response())
        }
    };
    metrics::counter!("jetcrawl_result_downloads_total", "outcome" => label).increment(1);
    response
}

async fn download(
    app: &AppState,
    target: Target,
    mut params: HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, GatewayError> {
    let signer = app
        .gateway
        .results_access()?
        .signer
        .as_ref()
        .ok_or_else(|| {
            GatewayError::unavailable("downloads are off: no signing key is configured")
        })?;
    let query = UrlQuery {
        exp: params.remove("exp"),
        kid: params.remove("kid"),
        sig: params.remove("sig"),
    };
    let now = Utc::now();
    signer.precheck(&query, now).map_err(denied)?;
    let found = match target {
        Target::Result { job_id, artifact } => {
            find_result(app, signer, &query, now, job_id, artifact).await?
        }
        Target::Report {
            month,
            revision,
            name,
        } => find_report(app, signer, &query, now, &month, &revision, name).await?,
    };
    let etag = format!("\"{}\"", found.sha256);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let (body, size) = open(app, found.source).await?;
    let mut response = Response::new(body);
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, header_value(&found.content_type));
    if let Some(size) = size.or(found.size) {
        out.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    out.insert(header::ETAG, header_value(&etag));
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-transform"),
    );
    out.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if let Some(csp) = found.csp {
        out.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    Ok(response)
}

/// A result object: its owner is the job's tenant.
async fn find_result(
    app: &AppState,
    signer: &jetcrawl_results::UrlSigner,
    query: &UrlQuery,
    now: chrono::DateTime<Utc>,
    job_id: String,
    artifact: String,
) -> Result<Found, GatewayError> {
    // Nothing this gateway signs has such a path: no need to read anything.
    if !is_valid_token(&job_id) || !is_valid_artifact_name(&artifact) {
        return Err(denied(Denied::BadSignature));
    }
    let view = app.gateway.load_result_view(&job_id).await?;
    if view.job.status == JobStatus::New {
        return Err(denied(Denied::BadSignature));
    }
    let path = signing::result_path(&job_id, &artifact);
    signer
        .verify("GET", &path, query, &view.job.tenant, now)
        .map_err(denied)?;
    if let Some(expired) = &view.expired {
        return Err(gone(&job_id, expired));
    }
    let object = view
        .succeeded()
        .map(|s| downloadables(&job_id, s))
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.name == artifact)
        .ok_or_else(|| {
            GatewayError::NotFound(format!(
                "job {job_id} has no current result object named {artifact} (replayed since?)"
            ))
        })?;
    Ok(Found {
        content_type: object.content_type.clone(),
        size: Some(object.size),
        sha256: object.sha256.clone(),
        csp: None,
        source: Source::Result { job_id, object },
    })
}

/// A report file: its owner is its tenant, or `all` for the platform report.
async fn find_report(
    app: &AppState,
    signer: &jetcrawl_results::UrlSigner,
    query: &UrlQuery,
    now: chrono::DateTime<Utc>,
    month: &str,
    revision: &str,
    name: String,
) -> Result<Found, GatewayError> {
    // Nothing this gateway signs has another shape: refuse before reading anything.
    let revision_number = revision
        .strip_prefix('r')
        .and_then(|r| r.parse::<i32>().ok());
    let (Ok(_), Some(revision_number), Some((tenant, format))) = (
        month.parse::<Month>(),
        revision_number,
        parse_report_file_name(&name),
    ) else {
        return Err(denied(Denied::BadSignature));
    };
    let owner = tenant.as_deref().unwrap_or(PLATFORM_SCOPE);
    let path = report_path(month, revision_number, &name);
    signer
        .verify("GET", &path, query, owner, now)
        .map_err(denied)?;
    let file = index::files(app.gateway.pool(), month, revision_number)
        .await
        .map_err(report_error)?
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| {
            GatewayError::NotFound(format!(
                "the {month} report r{revision_number} has no file {name}"
            ))
        })?;
    Ok(Found {
        content_type: content_type(&format).to_owned(),
        size: u64::try_from(file.size_bytes).ok(),
        sha256: file.sha256,
        csp: Some(REPORT_CSP),
        source: Source::Report {
            name,
            object_key: file.object_key,
        },
    })
}

/// The object's bytes as a streamed body, and its stored size when the store knows it.
async fn open(app: &AppState, source: Source) -> Result<(Body, Option<u64>), GatewayError> {
    match source {
        Source::Result { job_id, object } => {
            let store = &app.gateway.results_access()?.store;
            let body = store.get(&object.key).await.map_err(|err| match err {
                ResultStoreError::NotFound(_) => GatewayError::Gone(format!(
                    "the result object {} of job {job_id} is no longer stored (removed by retention)",
                    object.name
                )),
                err @ ResultStoreError::Unavailable { .. } => {
                    GatewayError::unavailable_because(format!("{err}; retry shortly"), err)
                }
            })?;
            Ok((
                Body::from_stream(ReaderStream::new(body.reader)),
                Some(body.size),
            ))
        }
        Source::Report { name, object_key } => {
            let js = app.gateway.store.context();
            let bucket = js.get_object_store(REPORTS_BUCKET).await.map_err(|err| {
                GatewayError::unavailable_because(
                    format!("the {REPORTS_BUCKET} bucket is unavailable: {err}; retry shortly"),
                    err,
                )
            })?;
            let object = bucket.get(&object_key).await.map_err(|err| {
                GatewayError::Gone(format!("the report file {name} is no longer stored: {err}"))
            })?;
            Ok((Body::from_stream(ReaderStream::new(object)), None))
        }
    }
}

fn denied(why: Denied) -> GatewayError {
    GatewayError::PermissionDenied(format!("download refused: {why}"))
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}
