//! Fetching a robots.txt (RFC 9309 §2.3): up to five redirects, at most 500 KiB read,
//! and the status classes mapped to "rules", "allow all" or "unreachable".
//!
//! The request goes through the worker's shared HTTP client, so it leaves through the
//! same egress path (SSRF checks, proxies) as every other request of the worker.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use tokio::time::Instant;
use url::Url;

/// Redirects followed before the file counts as unavailable.
pub const MAX_REDIRECTS: usize = 5;
/// Bytes of the file that are read and parsed (RFC 9309 asks for at least 500 KiB).
pub const MAX_BYTES: usize = robotxt::BYTE_LIMIT;

/// What fetching gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// A 2xx: these rules apply (cut to [`MAX_BYTES`], plus one byte telling the parser
    /// the last line was cut).
    Rules {
        /// The status.
        status: u16,
        /// The file.
        body: Vec<u8>,
    },
    /// A 4xx (not 429) or too many redirects: everything is allowed.
    AllowAll {
        /// The status (0 after too many redirects).
        status: u16,
    },
    /// A 5xx, a 429 or a network error: everything is disallowed for now.
    Unreachable {
        /// The status (0 for a network error).
        status: u16,
        /// What went wrong.
        error: String,
    },
}

/// How robots.txt leaves the worker: the worker's egress (its SSRF policy and shared
/// client). The controller never builds egress rules of its own.
pub trait RobotsEgress: Send + Sync + std::fmt::Debug {
    /// The client to fetch robots.txt with (it may follow redirects itself).
    fn client(&self) -> reqwest::Client;
    /// `Err(why)` when the worker may not reach `url` at all.
    fn check<'a>(
        &'a self,
        url: &'a Url,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// A plain client that may reach anything (tools and tests).
#[derive(Debug, Clone)]
pub struct PlainEgress(pub reqwest::Client);

impl RobotsEgress for PlainEgress {
    fn client(&self) -> reqwest::Client {
        self.0.clone()
    }

    fn check<'a>(
        &'a self,
        _url: &'a Url,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async { Ok(()) })
    }
}

/// The robots.txt URL of `url`'s origin.
pub fn robots_url(url: &Url) -> Option<Url> {
    let mut robots = url.clone();
    robots.set_fragment(None);
    robots.set_query(None);
    robots.set_path("/robots.txt");
    robots.set_username("").ok()?;
    robots.set_password(None).ok()?;
    Some(robots)
}

/// Fetches `robots` through `egress` within `timeout`. A robots.txt the worker may not
/// reach counts as missing: the job's own URL meets the same egress check and is
/// refused there with a clear error.
pub async fn fetch(egress: &dyn RobotsEgress, robots: &Url, timeout: Duration) -> Fetched {
    let deadline = Instant::now() + timeout;
    let client = egress.client();
    let mut current = robots.clone();
    for _ in 0..=MAX_REDIRECTS {
        if let Err(why) = egress.check(&current).await {
            tracing::info!(url = %current, %why, "robots.txt not fetched: the egress policy refuses it");
            return Fetched::AllowAll { status: 0 };
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        let response = match client.get(current.clone()).timeout(remaining).send().await {
            Ok(response) => response,
            // The client followed more redirects than it allows.
            Err(err) if err.is_redirect() => return Fetched::AllowAll { status: 0 },
            Err(err) => {
                return unreachable(0, format!("request to {current} failed: {}", chain(&err)));
            }
        };
        let status = response.status();
        if status.is_redirection() {
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| current.join(l).ok());
            match next {
                Some(next) => {
                    current = next;
                    continue;
                }
                None => {
                    return Fetched::AllowAll {
                        status: status.as_u16(),
                    };
                }
            }
        }
        return classify(&current, status, response).await;
    }
    Fetched::AllowAll { status: 0 }
}

async fn classify(url: &Url, status: StatusCode, response: reqwest::Response) -> Fetched {
    let code = status.as_u16();
    if status.is_success() {
        return match read_capped(response).await {
            Ok(body) => Fetched::Rules { status: code, body },
            Err(err) => unreachable(code, format!("reading {url} failed: {}", chain(&err))),
        };
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return unreachable(code, format!("{url} answered HTTP {code}"));
    }
    if status.is_client_error() {
        return Fetched::AllowAll { status: code };
    }
    unreachable(code, format!("{url} answered HTTP {code}"))
}

/// Reads at most [`MAX_BYTES`] + 1 bytes and drops the rest of the body unread.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = (MAX_BYTES + 1).saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() > MAX_BYTES {
            break;
        }
    }
    Ok(body)
}

fn unreachable(status: u16, error: String) -> Fetched {
    Fetched::Unreachable { status, error }
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
