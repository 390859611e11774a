//! Every limit a job spec must respect, in one place.
//!
//! The fixed limits protect the event log and the workers: a spec is copied into the
//! `JobSubmitted` event and replayed by every projector, so it stays small and bounded.
//! The two configurable ones ([`Limits`]) come from the gateway's configuration.

/// Most URLs one job may visit. More belong in several jobs.
pub const MAX_URLS: usize = 20;
/// Longest URL accepted, in characters (the de-facto browser and CDN limit).
pub const MAX_URL_CHARS: usize = 2048;
/// Most browser steps per job.
pub const MAX_STEPS: usize = 50;
/// Longest CSS selector accepted, in characters.
pub const MAX_SELECTOR_CHARS: usize = 1024;
/// Longest text a `type` step may enter, in characters.
pub const MAX_TYPE_TEXT_CHARS: usize = 4096;
/// Longest text a `wait_for_text` step or the TEXT settle rule may wait for.
pub const MAX_WAIT_TEXT_CHARS: usize = 1024;
/// Longest screenshot name; names match `[a-zA-Z0-9_-]{1,64}`.
pub const MAX_SCREENSHOT_NAME_CHARS: usize = 64;
/// Most extraction rules per job.
pub const MAX_EXTRACT_RULES: usize = 100;
/// Longest extraction rule name; names match `[a-zA-Z0-9_.-]{1,64}`.
pub const MAX_RULE_NAME_CHARS: usize = 64;
/// Longest attribute name of an ATTRIBUTE rule.
pub const MAX_ATTRIBUTE_CHARS: usize = 256;
/// Job deadline used when the spec says 0.
pub const DEFAULT_JOB_TIMEOUT_MS: u32 = 60_000;
/// Shortest job deadline accepted (explicit 0 means the default, not "no time").
pub const MIN_JOB_TIMEOUT_MS: u32 = 1_000;
/// Default of the configurable longest job deadline.
pub const DEFAULT_MAX_JOB_TIMEOUT_MS: u32 = 300_000;
/// Most labels per job.
pub const MAX_LABELS: usize = 32;
/// Longest label key; keys match `[a-z0-9_.-]{1,63}`.
pub const MAX_LABEL_KEY_CHARS: usize = 63;
/// Longest label value, in characters.
pub const MAX_LABEL_VALUE_CHARS: usize = 256;
/// Longest idempotency key; keys are printable ASCII.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;
/// Longest excerpt of a client value quoted back in an error message.
pub const MAX_QUOTED_CHARS: usize = 80;

/// The limits that depend on the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Accept URLs whose host is a loopback, private, link-local or unspecified IP or
    /// `localhost` (`JETCRAWL_ALLOW_PRIVATE_TARGETS`). Off in production: a job must not
    /// reach the cluster's own network.
    pub allow_private_targets: bool,
    /// Longest job deadline accepted, in milliseconds (`JETCRAWL_JOB_TIMEOUT_MAX_MS`).
    pub max_job_timeout_ms: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            max_job_timeout_ms: DEFAULT_MAX_JOB_TIMEOUT_MS,
        }
    }
}

impl Limits {
    /// Deadline used when the spec leaves `timeout_ms` at 0.
    pub fn default_job_timeout_ms(&self) -> u32 {
        DEFAULT_JOB_TIMEOUT_MS.min(self.max_job_timeout_ms)
    }
}

/// `value` quoted for an error message, cut to [`MAX_QUOTED_CHARS`].
pub fn quote(value: &str) -> String {
    if value.chars().count() <= MAX_QUOTED_CHARS {
        return format!("{value:?}");
    }
    let cut: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    format!("{cut:?}…")
}
