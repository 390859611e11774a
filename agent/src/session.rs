//! Browser sessions over NATS (ADR 0045): an MCP client's session leases one tab of a
//! worker's pool and drives it with the step tools, under the same egress policy,
//! robots.txt view and pacing as an agent job. The gateway asks on [`OPEN_SUBJECT`]
//! (a queue group of the workers); the worker that takes it answers on the session's
//! own subject until the session closes or idles out.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a session is asked for (request/reply, one worker of the queue group answers).
pub const OPEN_SUBJECT: &str = "jetcrawl.browser.open";
/// The workers' queue group on [`OPEN_SUBJECT`].
pub const OPEN_QUEUE: &str = "jetcrawl-workers";
/// The tool that reads the page without acting on it.
pub const OBSERVE_TOOL: &str = "observe";

/// The subject a session's tool calls go to.
pub fn session_subject(session_id: &str) -> String {
    format!("jetcrawl.browser.session.{session_id}")
}

/// Asks a worker for a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequest {
    /// The tenant whose policy (robots.txt) and quotas apply; only its calls are served.
    pub tenant: String,
    /// A fresh UUID naming the session.
    pub session_id: String,
}

/// A worker's answer to [`OpenRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum OpenReply {
    /// The session is served on [`session_subject`] from now on.
    Opened {
        /// The worker serving it.
        worker_id: String,
        /// The session closes after this long without a call.
        idle_timeout_ms: u64,
    },
    /// This worker cannot serve one now (every session slot in use).
    Refused {
        /// Why, as an error class, e.g. `resource_exhausted`.
        class: String,
        /// What happened and what to do.
        message: String,
    },
}

/// One call on a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "call")]
pub enum SessionCall {
    /// Runs `tool` with `arguments` (a step tool, or [`OBSERVE_TOOL`]).
    Tool {
        /// The caller's tenant; a call of another tenant is refused.
        tenant: String,
        /// The tool's name.
        tool: String,
        /// Its arguments, a JSON object.
        arguments: Value,
    },
    /// Closes the session and gives its tab back.
    Close {
        /// The caller's tenant.
        tenant: String,
    },
}

/// A worker's answer to a [`SessionCall`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum SessionReply {
    /// The page after the call, as compact text.
    Observed {
        /// Where the tab is.
        url: String,
        /// The page as the model would see it: text with numbered elements.
        page: String,
    },
    /// The call was refused or failed; the session goes on unless `closed`.
    Refused {
        /// The class, e.g. `robots_disallowed`, `target_forbidden`, `invalid_argument`.
        class: String,
        /// What happened and what to do.
        message: String,
        /// Where the tab is, when it has a page.
        url: String,
    },
    /// The session is closed (asked, idle, or gone); open a new one.
    Closed,
}
