//! One delivery attempt: a signed POST, and what its answer means.

use std::time::{Duration, Instant};

use url::Url;

use crate::signature::sign;
use crate::target::{describe, resolve};

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Delivered {
        /// The status.
        status: u16,
    },
    /// 429, 5xx, a timeout or a network error: try again later.
    Retry {
        /// The status, 0 when there was none.
        status: u16,
        /// What went wrong.
        error: String,
        /// The endpoint's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// 3xx (never followed), another 4xx, or a refused target: never retried.
    Permanent {
        /// The status, 0 when there was none.
        status: u16,
        /// What went wrong.
        error: String,
    },
    /// 410: the endpoint asks never to be called again.
    Gone,
}

/// A signed delivery.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The endpoint.
    pub url: &'a Url,
    /// `webhook-id`, stable across attempts.
    pub webhook_id: &'a str,
    /// The tenant's `whsec_` secret.
    pub secret: &'a str,
    /// The JSON payload.
    pub body: &'a [u8],
}

/// POSTs `delivery` once, within `timeout`; loopback endpoints only when allowed.
pub async fn post(
    delivery: Delivery<'_>,
    timeout: Duration,
    allow_loopback: bool,
) -> (Outcome, Duration) {
    let started = Instant::now();
    let outcome = match send(delivery, timeout, allow_loopback).await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    (outcome, started.elapsed())
}

async fn send(
    delivery: Delivery<'_>,
    timeout: Duration,
    allow_loopback: bool,
) -> Result<Outcome, Outcome> {
    let permanent = |error: String| Outcome::Permanent { status: 0, error };
    let pinned = resolve(delivery.url, allow_loopback)
        .await
        .map_err(|err| permanent(describe(&err)))?;
    let timestamp = chrono::Utc::now().timestamp();
    let signature = sign(
        delivery.secret,
        delivery.webhook_id,
        timestamp,
        delivery.body,
    )
    .map_err(permanent)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .resolve_to_addrs(&pinned.host, &pinned.addrs)
        .user_agent(concat!("jetcrawl-notifier/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| permanent(format!("cannot build the HTTP client: {err}")))?;
    let response = client
        .post(delivery.url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", delivery.webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.body.to_vec())
        .send()
        .await
        .map_err(|err| Outcome::Retry {
            status: 0,
            error: if err.is_timeout() {
                format!("no answer within {} ms", timeout.as_millis())
            } else {
                format!("request failed: {}", without_url(&err))
            },
            retry_after: None,
        })?;
    Ok(classify(&response))
}

fn classify(response: &reqwest::Response) -> Outcome {
    let status = response.status();
    let code = status.as_u16();
    if status.is_success() {
        return Outcome::Delivered { status: code };
    }
    if code == 410 {
        return Outcome::Gone;
    }
    if code == 429 || status.is_server_error() {
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| jetcrawl_egress::parse_retry_after(v, chrono::Utc::now()));
        return Outcome::Retry {
            status: code,
            error: format!("the endpoint answered {status}"),
            retry_after,
        };
    }
    let error = if status.is_redirection() {
        format!(
            "the endpoint answered {status}; redirects are not followed, register the final URL"
        )
    } else {
        format!("the endpoint answered {status}; not retried")
    };
    Outcome::Permanent {
        status: code,
        error,
    }
}

/// reqwest errors name the URL, which may carry a client token in its query.
fn without_url(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text.replace(url.as_str(), "<webhook url>");
    }
    text
}
