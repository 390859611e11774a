//! One MCP session's server: the browser tools (the step vocabulary an agent job's model
//! gets, without `finish`, plus `observe`), run on the tab the session leases on its
//! first call.

use std::sync::Arc;
use std::time::Duration;

use jetcrawl_agent::session::{OBSERVE_TOOL, SessionReply};
use jetcrawl_agent::tools::browser_tools;
use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, Content, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerInfo, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::lease::{CallError, Lease};
use super::quota::{QuotaSlot, SessionQuota};
use crate::service::{Caller, Gateway};

/// What an MCP client is told about the server.
const INSTRUCTIONS: &str = "Jetcrawl's browser: navigate to a page, then observe it as text whose interactive \
elements are numbered [n]; click, type_text and scroll address those numbers. robots.txt, \
the site's Crawl-delay and the platform's network policy apply: a refused page says why.";

/// The server of one MCP session.
pub struct BrowserServer {
    nats: async_nats::Client,
    gateway: Arc<Gateway>,
    quota: SessionQuota,
    call_timeout: Duration,
    /// The leased tab and the tenant's slot, from the first tool call on.
    lease: Mutex<Option<(Lease, QuotaSlot)>>,
}

impl BrowserServer {
    /// A session's server; it leases nothing until its first tool call.
    pub fn new(
        nats: async_nats::Client,
        gateway: Arc<Gateway>,
        quota: SessionQuota,
        call_timeout: Duration,
    ) -> Self {
        Self {
            nats,
            gateway,
            quota,
            call_timeout,
            lease: Mutex::new(None),
        }
    }

    /// Runs one call on the session's tab, leasing it first if needed. A closed lease
    /// (idle on the worker, its browser gone) is given up, so the next call leases anew.
    async fn run(
        &self,
        caller: &Caller,
        tool: &str,
        arguments: Value,
    ) -> Result<(String, SessionReply), CallError> {
        let mut held = self.lease.lock().await;
        if held.is_none() {
            let slot = self
                .quota
                .take(&caller.tenant)
                .map_err(|message| CallError {
                    class: "resource_exhausted".to_owned(),
                    message,
                })?;
            let lease = Lease::open(&self.nats, &caller.tenant).await?;
            *held = Some((lease, slot));
        }
        let Some((lease, _)) = held.as_ref() else {
            return Err(CallError {
                class: "internal".to_owned(),
                message: "no lease".to_owned(),
            });
        };
        let worker = lease.worker_id.clone();
        let reply = lease.call(tool, arguments, self.call_timeout).await?;
        if reply == SessionReply::Closed {
            *held = None;
        }
        Ok((worker, reply))
    }
}

impl ServerHandler for BrowserServer {
    fn get_info(&self) -> ServerInfo {
        ServerInfo::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "jetcrawl-browser",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let parts = context.extensions.get::<axum::http::request::Parts>();
        let caller = parts
            .and_then(|parts| parts.extensions.get::<Caller>())
            .cloned()
            .ok_or_else(|| {
                ErrorData::internal_error("the call has no authenticated caller", None)
            })?;
        let header = |name: &str| {
            parts
                .and_then(|parts| parts.headers.get(name))
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let session_id = header("mcp-session-id");
        // `jetcrawl mcp` relays a stdio session here and says so (as the client declares
        // it: the audit row's actor is what the key proves).
        let transport = match header("x-jetcrawl-mcp-transport").as_str() {
            "stdio" => "stdio",
            _ => "http",
        };
        let tool = request.name.to_string();
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        // A refused navigation is recorded with the origin it asked for, not the page
        // the tab stayed on: SSRF probes must show in the audit log.
        let target = arguments["url"].as_str().unwrap_or_default().to_owned();
        let started = Instant::now();
        let ran = self.run(&caller, &tool, arguments).await;
        let elapsed = started.elapsed();
        let (result, record) = match ran {
            Ok((worker, SessionReply::Observed { url, page })) => (
                CallToolResult::success(vec![Content::text(page)]),
                super::audit::Call::observed(&tool, &url, &worker),
            ),
            Ok((
                worker,
                SessionReply::Refused {
                    class,
                    message,
                    url,
                },
            )) => {
                let asked = if tool == "navigate" && !target.is_empty() {
                    &target
                } else {
                    &url
                };
                (
                    CallToolResult::error(vec![Content::text(format!("{class}: {message}"))]),
                    super::audit::Call::refused(&tool, &class, asked, &worker),
                )
            }
            Ok((worker, SessionReply::Closed)) => (
                CallToolResult::error(vec![Content::text(
                    "session_closed: the browser session closed (idle, or its browser failed); call again to open a new one",
                )]),
                super::audit::Call::failed(&tool, "session_closed", &worker),
            ),
            Err(err) => (
                CallToolResult::error(vec![Content::text(format!(
                    "{}: {}",
                    err.class, err.message
                ))]),
                super::audit::Call::failed(&tool, &err.class, ""),
            ),
        };
        if let Err(err) = super::audit::record(
            &self.gateway,
            &caller,
            (&session_id, transport),
            record,
            elapsed,
        )
        .await
        {
            // Nothing is served unrecorded: the page is withheld and the tab given up;
            // the next call leases anew and is withheld the same way until the audit
            // log takes it.
            tracing::error!(error = %err, tenant = %caller.tenant, "an MCP tool call could not be recorded in the audit log; its result is withheld");
            metrics::counter!("jetcrawl_mcp_unrecorded_calls_total").increment(1);
            self.lease.lock().await.take();
            return Ok(CallToolResult::error(vec![Content::text(
                "unavailable: the call could not be recorded in the audit log, so its result is withheld; try again shortly",
            )]));
        }
        Ok(result)
    }
}

/// The step tools and `observe`.
fn tools() -> Vec<Tool> {
    let mut tools: Vec<Tool> = browser_tools()
        .into_iter()
        .map(|t| Tool::new(t.name, t.description, schema(t.parameters)))
        .collect();
    tools.push(Tool::new(
        OBSERVE_TOOL,
        "Read the current page as text, its interactive elements numbered [n].",
        schema(json!({"type": "object", "properties": {}})),
    ));
    tools
}

fn schema(value: Value) -> Arc<serde_json::Map<String, Value>> {
    Arc::new(match value {
        Value::Object(object) => object,
        _ => serde_json::Map::new(),
    })
}
