//! HTTP fetches with reqwest: redirects followed by hand so every hop passes the SSRF
//! check, a per-request deadline, and a cap on the body size.

use std::time::Duration;

use reqwest::header::LOCATION;
use tokio::time::Instant;
use url::Url;

use crate::error::{ErrorClass, JobError};
use crate::ssrf;

/// Redirect hops followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
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
    client: reqwest::Client,
    allow_private: bool,
}

impl HttpFetcher {
    /// A fetcher sending `user_agent`.
    pub fn new(user_agent: &str, allow_private: bool) -> Result<Self, JobError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|err| {
                JobError::new(
                    ErrorClass::Network,
                    format!("cannot build the HTTP client: {err}"),
                )
            })?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// GETs `url`, following up to [`MAX_REDIRECTS`] redirects, before `deadline`.
    /// Error statuses are returned as [`JobError::status`].
    pub async fn fetch(&self, url: &str, deadline: Instant) -> Result<Fetched, JobError> {
        let mut current = parse(url)?;
        for _ in 0..=MAX_REDIRECTS {
            ssrf::check_target(&current, self.allow_private).await?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let response = self
                .client
                .get(current.clone())
                .timeout(remaining)
                .send()
                .await
                .map_err(|err| request_error(&current, &err))?;
            let status = response.status();
            if status.is_redirection()
                && let Some(next) = redirect_target(&current, &response)
            {
                current = next;
                continue;
            }
            if status.is_client_error() || status.is_server_error() {
                return Err(JobError::status(current.as_str(), status.as_u16()));
            }
            let body = read_capped(&current, response).await?;
            return Ok(Fetched {
                final_url: current.to_string(),
                status: status.as_u16(),
                body,
            });
        }
        Err(JobError::new(
            ErrorClass::Http4xx,
            format!(
                "{url} redirected more than {MAX_REDIRECTS} times; fetch the final URL directly"
            ),
        ))
    }
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
    if err.is_timeout() {
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

async fn read_capped(url: &Url, mut response: reqwest::Response) -> Result<String, JobError> {
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
    Ok(String::from_utf8_lossy(&body).into_owned())
}
