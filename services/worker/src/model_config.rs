//! The model endpoint agent jobs call (ADR 0045): an OpenAI-compatible chat-completions
//! API chosen by the operator. A worker without one takes agent jobs and fails their
//! attempt as retryable (`model_not_configured`), so a fleet where some workers have a
//! model still runs them, and none is lost where none has.

use std::path::PathBuf;
use std::time::Duration;

use jetcrawl_agent::{ApiKey, ChatClient, ModelConfig};

use crate::error::{ErrorClass, JobError};

/// The error class of an agent job on a worker without a model endpoint.
pub const MODEL_NOT_CONFIGURED: &str = "model_not_configured";

/// Where agent jobs' model is.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:8080/v1`; empty
    /// means this worker has no model and cannot run agent jobs.
    #[arg(
        long = "model-base-url",
        env = "JETCRAWL_MODEL_BASE_URL",
        default_value = ""
    )]
    pub base_url: String,
    /// Model name sent with each request.
    #[arg(long = "model", env = "JETCRAWL_MODEL", default_value = "default")]
    pub model: String,
    /// File holding the endpoint's bearer key, if it wants one (never logged).
    #[arg(long = "model-key-file", env = "JETCRAWL_MODEL_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Longest wait for one reply.
    #[arg(
        long = "model-timeout-ms",
        env = "JETCRAWL_MODEL_TIMEOUT_MS",
        default_value_t = 60_000
    )]
    pub timeout_ms: u64,
    /// Most tokens the model may write in one reply.
    #[arg(
        long = "model-max-reply-tokens",
        env = "JETCRAWL_MODEL_MAX_REPLY_TOKENS",
        default_value_t = 512
    )]
    pub max_reply_tokens: u32,
}

impl ModelArgs {
    /// The client, `None` when no endpoint is configured; an error names what is wrong
    /// with the configuration (an unreadable key file), at start rather than per job.
    pub fn client(&self) -> Result<Option<ChatClient>, JobError> {
        if self.base_url.trim().is_empty() {
            return Ok(None);
        }
        let api_key = match &self.key_file {
            Some(path) => Some(ApiKey::from_file(path).map_err(|err| {
                JobError::new(
                    ErrorClass::InvalidSpec,
                    format!(
                        "cannot read the model key file {} (JETCRAWL_MODEL_KEY_FILE): {err}",
                        path.display()
                    ),
                )
            })?),
            None => None,
        };
        let config = ModelConfig {
            base_url: self.base_url.trim().to_owned(),
            model: self.model.clone(),
            api_key,
            request_timeout: Duration::from_millis(self.timeout_ms),
            max_reply_tokens: self.max_reply_tokens,
        };
        ChatClient::new(config)
            .map(Some)
            .map_err(|err| JobError::new(ErrorClass::InvalidSpec, err.message))
    }
}

/// The error of an agent job on a worker without a model.
pub fn not_configured() -> JobError {
    JobError::new(
        ErrorClass::Model {
            class: MODEL_NOT_CONFIGURED,
            retryable: true,
        },
        "this worker has no model endpoint for agent jobs: set JETCRAWL_MODEL_BASE_URL (and \
         JETCRAWL_MODEL) on the workers; the job is retried and can be replayed once it is set",
    )
}
