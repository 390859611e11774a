//! Browser sessions for MCP clients (ADR 0045): a worker leases one tab of its pool to
//! a session the gateway asks for, and runs the session's tool calls on an
//! [`AgentPage`](crate::execute::agent::AgentPage), so an MCP client's browsing obeys
//! the same egress (SSRF) policy, robots.txt view and Crawl-delay pacing as an agent
//! job. A worker serves at most `JETCRAWL_BROWSER_SESSIONS` sessions at once; a session
//! closes when asked, after `JETCRAWL_BROWSER_SESSION_IDLE_MS` without a call, or when
//! its browser fails.

mod serve;
mod session;

pub use serve::{SessionSettings, serve};
