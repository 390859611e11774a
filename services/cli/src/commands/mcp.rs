//! `jetcrawl mcp`: Jetcrawl's browser as an MCP server on stdin/stdout (ADR 0045). It
//! relays the client's calls to the gateway's `/mcp` with the configured API key, so a
//! stdio session obeys the same keys, roles, tenant policy, quotas and audit log as an
//! HTTP one; nothing is browsed from this process. Stdout carries the protocol only.

use std::collections::HashMap;

use anyhow::Context as _;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ListToolsResult, PaginatedRequestParams, ServerInfo,
};
use rmcp::service::{RequestContext, RoleClient, RoleServer, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ErrorData, ServiceExt as _};

use crate::args::Global;
use crate::exit::UsageError;

/// The header telling the gateway's audit log the call came over stdio.
const TRANSPORT_HEADER: &str = "x-jetcrawl-mcp-transport";

pub async fn run(global: &Global) -> anyhow::Result<()> {
    let key = global.api_key.clone().ok_or_else(|| {
        UsageError("jetcrawl mcp needs an API key: --api-key or JETCRAWL_API_KEY".to_owned())
    })?;
    let url = format!("{}/mcp", global.http_url.trim_end_matches('/'));
    let headers = HashMap::from([(
        TRANSPORT_HEADER.parse().context("header name")?,
        "stdio".parse().context("header value")?,
    )]);
    let config = StreamableHttpClientTransportConfig::with_uri(url.clone())
        .auth_header(key)
        .custom_headers(headers);
    let upstream = ()
        .serve(StreamableHttpClientTransport::from_config(config))
        .await
        .with_context(|| format!("cannot open an MCP session at {url} (JETCRAWL_HTTP_URL)"))?;
    let relay = Relay { upstream };
    let served = relay
        .serve(rmcp::transport::stdio())
        .await
        .context("serving MCP on stdin/stdout")?;
    served
        .waiting()
        .await
        .context("the MCP session on stdin/stdout")?;
    Ok(())
}

/// Relays each request to the gateway's session.
struct Relay {
    upstream: RunningService<RoleClient, ()>,
}

impl Relay {
    fn failed(err: impl std::fmt::Display) -> ErrorData {
        ErrorData::internal_error(format!("the gateway's /mcp failed: {err}"), None)
    }
}

impl ServerHandler for Relay {
    fn get_info(&self) -> ServerInfo {
        match self.upstream.peer_info() {
            Some(info) => (*info).clone(),
            None => ServerInfo::default(),
        }
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        self.upstream
            .list_tools(request)
            .await
            .map_err(Self::failed)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        self.upstream.call_tool(request).await.map_err(Self::failed)
    }
}
