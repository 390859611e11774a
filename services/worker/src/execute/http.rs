//! HTTP fetches with reqwest through the worker's [`Egress`]: redirects followed by hand
//! so every hop passes the SSRF check (the client's resolver refuses internal answers
//! while connecting), through the domain's proxy with failover to the next when it is
//! unreachable, under a per-request deadline and a cap on the body size.

use reqwest::header::LOCATION;
use tokio::time::Instant;
use url::Url;

use crate::egress::{Egress, EgressTrail, MAX_REDIRECTS, Route};
use crate::error::{ErrorClass, JobError};

/// Largest body accepted.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// After redirects.
    pub final_url: String,
    /// HTTP status.
    pub status: u16,
    /// Body decoded as text.
    pub body: String,
}

/// Fetches pages over plain HTTP.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    egress: Egress,
}

impl HttpFetcher {
    /// A fetcher going out through `egress`.
    pub fn new(egress: Egress) -> Self {
        Self { egress }
    }

    /// GETs `url`, following up to [`MAX_REDIRECTS`] redirects, before `deadline`.
    /// Error statuses are returned as [`JobError::status`].
    pub async fn fetch(&self, url: &str, deadline: Instant) -> Result<Fetched, JobError> {
        let (final_url, status, body) = self.fetch_bytes(url, deadline).await?;
        Ok(Fetched {
            final_url,
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    /// [`Self::fetch`], the body as bytes (a gzipped sitemap): final URL, status, body.
    pub async fn fetch_bytes(
        &self,
        url: &str,
        deadline: Instant,
    ) -> Result<(String, u16, Vec<u8>), JobError> {
        let mut current = parse(url)?;
        for _ in 0..=MAX_REDIRECTS {
            let response = self.send(&current, deadline).await?;
            let status = response.status();
            if status.is_redirection()
                && let Some(next) = redirect_target(&current, &response)
            {
                current = next;
                continue;
            }
            if status.is_client_error() || status.is_server_error() {
                let error = JobError::status(current.as_str(), status.as_u16());
                return Err(error.with_retry_after(retry_after(&response)));
            }
            let body = read_capped(&current, response).await?;
            return Ok((current.to_string(), status.as_u16(), body));
        }
        Err(JobError::new(
            ErrorClass::Http4xx,
            format!(
                "{url} redirected more than {MAX_REDIRECTS} times; fetch the final URL directly"
            ),
        ))
    }

    /// Sends one hop through the route of its domain; a proxy that cannot be reached is
    /// retired and the hop goes through the next one.
    async fn send(&self, url: &Url, deadline: Instant) -> Result<reqwest::Response, JobError> {
        let host = url.host_str().unwrap_or_default();
        let mut last = None;
        for _ in 0..=self.egress.proxy_count() {
            let route = self.egress.route(host);
            if self.egress.needs_precheck(url, route) {
                self.egress.check_url(url).await?;
            } else {
                crate::egress::check_scheme(url)?;
            }
            EgressTrail::record(&self.egress.label(route));
            let remaining = deadline.saturating_duration_since(Instant::now());
            let sent = self
                .egress
                .http_client(route)
                .get(url.clone())
                .timeout(remaining)
                .send()
                .await;
            match sent {
                Ok(response) => {
                    self.egress.answered(route, response.status().as_u16());
                    return Ok(response);
                }
                Err(err) if route != Route::Direct && proxy_unreachable(&err) => {
                    tracing::warn!(proxy = %self.egress.label(route), error = %error_chain(&err), "egress proxy failed; trying the next");
                    self.egress.connect_failed(route);
                    last = Some(request_error(url, &err));
                }
                Err(err) => return Err(request_error(url, &err)),
            }
        }
        Err(last.unwrap_or_else(|| JobError::new(ErrorClass::Network, "no egress route")))
    }
}

/// A connection error that is the proxy's, not the target's (a tunnel the proxy
/// refused to open is the target's).
fn proxy_unreachable(err: &reqwest::Error) -> bool {
    err.is_connect() && Egress::refusal_in(err).is_none() && !error_chain(err).contains("tunnel")
}

/// The `Retry-After` of a 429 or 503, for the crawl controller's back-pressure.
fn retry_after(response: &reqwest::Response) -> Option<std::time::Duration> {
    let status = response.status().as_u16();
    if status != 429 && status != 503 {
        return None;
    }
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    jetcrawl_egress::parse_retry_after(value.to_str().ok()?, chrono::Utc::now())
}

fn parse(url: &str) -> Result<Url, JobError> {
    Url::parse(url).map_err(|err| {
        JobError::new(
            ErrorClass::InvalidSpec,
            format!("{url:?} is not a valid URL: {err}"),
        )
    })
}

fn redirect_target(current: &Url, response: &reqwest::Response) -> Option<Url> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    current.join(location).ok()
}

fn request_error(url: &Url, err: &reqwest::Error) -> JobError {
    if let Some(refused) = Egress::refusal_in(err) {
        refused
    } else if err.is_timeout() {
        JobError::new(
            ErrorClass::Timeout,
            format!("{url} did not answer before the deadline"),
        )
    } else {
        JobError::new(
            ErrorClass::Network,
            format!("request to {url} failed: {}", error_chain(err)),
        )
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn read_capped(url: &Url, mut response: reqwest::Response) -> Result<Vec<u8>, JobError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| request_error(url, &err))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(JobError::new(
                ErrorClass::BodyTooLarge,
                format!(
                    "{url} returned more than {} MiB; Jetcrawl does not process bodies that large",
                    MAX_BODY_BYTES >> 20
                ),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
