//! The browser as an MCP tool server (issue 16, ADR 0045), at `/mcp` on the HTTP
//! listener (streamable HTTP, the official `rmcp` SDK). Behind the same API keys and
//! roles as the API: a client key opens sessions for its own tenant only, and another
//! tenant's key cannot reach them. Each MCP session leases one tab of a worker's pool
//! over NATS on its first tool call ([`lease`]), so the egress policy, robots.txt and
//! pacing of the tenant apply as to its jobs, and every call is recorded in the audit
//! log.

mod audit;
mod config;
mod guard;
mod lease;
mod quota;
mod server;

use std::sync::Arc;

use axum::Router;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

pub use config::McpArgs;
use guard::{Owners, guard};
use quota::SessionQuota;
use server::BrowserServer;

use crate::http::AppState;

/// The path MCP clients connect to.
pub const MCP_PATH: &str = "/mcp";

/// `/mcp`, served with `state`'s gateway and NATS client.
pub fn router(state: AppState) -> Router {
    let settings = state.mcp.clone();
    let quota = SessionQuota::new(settings.sessions_per_tenant);
    let nats = state.nats.clone();
    let gateway = state.gateway.clone();
    let call_timeout = settings.call_timeout();
    let sessions = Arc::new(LocalSessionManager::default());
    let service = StreamableHttpService::new(
        move || {
            Ok(BrowserServer::new(
                nats.clone(),
                gateway.clone(),
                quota.clone(),
                call_timeout,
            ))
        },
        sessions.clone(),
        StreamableHttpServerConfig::default().with_allowed_hosts(settings.allowed_hosts()),
    );
    let owners = Owners::default();
    let limit = state.max_request_bytes;
    Router::new()
        .nest_service(MCP_PATH, service)
        // The SDK reads whole bodies: hold them to the API's limit.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .layer(axum::middleware::from_fn_with_state(
            (state, owners, sessions),
            guard,
        ))
}
