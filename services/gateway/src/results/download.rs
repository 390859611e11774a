//! `GET /results/{job_id}/{artifact}?exp=…&kid=…&sig=…`: the signed download.
//!
//! No credential is needed: the signature is the capability. Every refusal is 403 with
//! a reason that never repeats the signature; a result removed by retention is 410.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jetcrawl_results::{Denied, ResultStoreError, UrlQuery, is_valid_artifact_name, signing};
use jetcrawl_streams::JobStatus;
use jetcrawl_streams::subjects::is_valid_token;
use tokio_util::io::ReaderStream;

use crate::error::GatewayError;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::results::downloadables;
use crate::service::gone;

/// Serves one artifact of a signed URL, streamed from the result store.
#[tracing::instrument(name = "download", skip_all, fields(job_id = %job_id))]
pub async fn download(
    State(app): State<AppState>,
    Path((job_id, artifact)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match serve(&app, &job_id, &artifact, params, &headers).await {
        Ok(response) => {
            outcome("served");
            response
        }
        Err(err) => {
            outcome(match &err {
                GatewayError::PermissionDenied(_) => "denied",
                GatewayError::Gone(_) => "gone",
                _ => "error",
            });
            tracing::info!(error = %err, "download refused");
            ApiError(err).into_response()
        }
    }
}

async fn serve(
    app: &AppState,
    job_id: &str,
    artifact: &str,
    mut params: HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, GatewayError> {
    let results = app.gateway.results_access()?;
    let signer = results.signer.as_ref().ok_or_else(|| {
        GatewayError::Unavailable("result downloads are off: no signing key is configured".into())
    })?;
    let query = UrlQuery {
        exp: params.remove("exp"),
        kid: params.remove("kid"),
        sig: params.remove("sig"),
    };
    let now = Utc::now();
    signer.precheck(&query, now).map_err(denied)?;
    // Nothing this gateway signs has such a path: no need to read anything.
    if !is_valid_token(job_id) || !is_valid_artifact_name(artifact) {
        return Err(denied(Denied::BadSignature));
    }
    let view = app.gateway.load_result_view(job_id).await?;
    if view.job.status == JobStatus::New {
        return Err(denied(Denied::BadSignature));
    }
    let path = signing::result_path(job_id, artifact);
    signer
        .verify("GET", &path, &query, &view.job.tenant, now)
        .map_err(denied)?;
    if let Some(expired) = &view.expired {
        return Err(gone(job_id, expired));
    }
    let object = view
        .succeeded()
        .map(|s| downloadables(job_id, s))
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.name == artifact)
        .ok_or_else(|| {
            GatewayError::NotFound(format!(
                "job {job_id} has no current result object named {artifact} (replayed since?)"
            ))
        })?;
    let etag = format!("\"{}\"", object.sha256);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let body = results.store.get(&object.key).await.map_err(|err| match err {
        ResultStoreError::NotFound(_) => GatewayError::Gone(format!(
            "the result object {artifact} of job {job_id} is no longer stored (removed by retention)"
        )),
        ResultStoreError::Unavailable(why) => {
            GatewayError::Unavailable(format!("{why}; retry shortly"))
        }
    })?;
    let mut response = Response::new(Body::from_stream(ReaderStream::new(body.reader)));
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, header_value(&object.content_type));
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(body.size));
    out.insert(header::ETAG, header_value(&etag));
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-transform"),
    );
    out.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

fn denied(why: Denied) -> GatewayError {
    GatewayError::PermissionDenied(format!("download refused: {why}"))
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}

fn outcome(what: &'static str) {
    metrics::counter!("jetcrawl_result_downloads_total", "outcome" => what).increment(1);
}
