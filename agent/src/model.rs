//! The model endpoint: an OpenAI-compatible `POST {base_url}/chat/completions`, asked
//! for one deterministic reply (temperature 0) with the tools offered.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;

use crate::error::{ModelError, ModelErrorKind};
use crate::wire::{ChatMessage, ChatRequest, ChatResponse, ToolDefinition, WireUsage};

/// Where the model is and how to call it.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    /// The model name sent with each request.
    pub model: String,
    /// Bearer key, when the endpoint wants one.
    pub api_key: Option<ApiKey>,
    /// Longest wait for one reply (less when the job has less time left).
    pub request_timeout: Duration,
    /// Most tokens the model may write in one reply.
    pub max_reply_tokens: u32,
}

/// An API key; never printed.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// The key in `path` (surrounding whitespace trimmed).
    pub fn from_file(path: &Path) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(Self(text.trim().to_owned()))
    }

    /// A key given in full.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(redacted)")
    }
}

/// One reply of the model.
#[derive(Debug, Clone)]
pub(crate) struct Completion {
    /// The assistant message (text, tool calls, or both).
    pub message: ChatMessage,
    /// The response body as received, for the audit trail.
    pub raw: String,
    /// Tokens of this call.
    pub usage: WireUsage,
}

/// A client of the model endpoint.
#[derive(Debug, Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    url: String,
    config: ModelConfig,
}

impl ChatClient {
    /// A client of `config`'s endpoint. The endpoint is the operator's, so it does not go
    /// through the egress policy that job targets do (and no proxy from the environment).
    pub fn new(config: ModelConfig) -> Result<Self, ModelError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|err| {
                ModelError::new(
                    ModelErrorKind::Rejected,
                    format!("cannot build the model client: {err}"),
                )
            })?;
        let url = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        Ok(Self { http, url, config })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Asks for the next reply to `messages`, waiting at most `budget` (and the request
    /// timeout).
    pub(crate) async fn complete(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolDefinition],
        budget: Duration,
    ) -> Result<Completion, ModelError> {
        let timeout = budget.min(self.config.request_timeout);
        let body = ChatRequest {
            model: &self.config.model,
            messages,
            tools,
            // Every reply must call a tool (`finish` included): a server that constrains
            // replies to its tool-call format does so from the first token, so a small
            // model cannot drift into prose or fenced JSON.
            tool_choice: "required",
            temperature: 0.0,
            max_tokens: self.config.max_reply_tokens,
        };
        let mut request = self.http.post(&self.url).timeout(timeout).json(&body);
        if let Some(ApiKey(key)) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request
            .send()
            .await
            .map_err(|err| self.transport(err, timeout))?;
        let status = response.status();
        let retry_after = retry_after(&response);
        let raw = response
            .text()
            .await
            .map_err(|err| self.transport(err, timeout))?;
        if !status.is_success() {
            let mut error = status_error(status, &self.url, &raw);
            error.retry_after = retry_after;
            return Err(error);
        }
        parse(raw)
    }

    fn transport(&self, err: reqwest::Error, timeout: Duration) -> ModelError {
        // A connect timeout is also a timeout to reqwest; it means nothing listens.
        if err.is_timeout() && !err.is_connect() {
            return ModelError::new(
                ModelErrorKind::Timeout,
                format!(
                    "the model at {} did not answer within {} ms; a later attempt retries",
                    self.url,
                    timeout.as_millis()
                ),
            );
        }
        ModelError::new(
            ModelErrorKind::Unreachable,
            format!(
                "cannot reach the model at {}: {err}; check that it runs and the base URL",
                self.url
            ),
        )
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn status_error(status: StatusCode, url: &str, body: &str) -> ModelError {
    let excerpt: String = body.chars().take(300).collect();
    let (kind, advice) = match status.as_u16() {
        429 => (
            ModelErrorKind::RateLimited,
            "it asks to slow down; a later attempt retries",
        ),
        408 => (ModelErrorKind::Timeout, "a later attempt retries"),
        401 | 403 => (
            ModelErrorKind::Unauthorized,
            "check the worker's model key file",
        ),
        500..=599 => (ModelErrorKind::Server, "a later attempt retries"),
        _ => (
            ModelErrorKind::Rejected,
            "the request itself was refused; check the model name and the endpoint",
        ),
    };
    ModelError::new(
        kind,
        format!("the model at {url} answered {status}: {excerpt}; {advice}"),
    )
}

fn parse(raw: String) -> Result<Completion, ModelError> {
    let malformed = |why: String| {
        let excerpt: String = raw.chars().take(300).collect();
        ModelError::new(
            ModelErrorKind::Malformed,
            format!("the model's reply is not a chat completion ({why}): {excerpt}"),
        )
    };
    let response: ChatResponse =
        serde_json::from_str(&raw).map_err(|err| malformed(err.to_string()))?;
    let usage = response.usage.unwrap_or_default();
    let Some(choice) = response.choices.into_iter().next() else {
        return Err(malformed("no choice".to_owned()));
    };
    Ok(Completion {
        message: choice.message,
        raw,
        usage,
    })
}
