//! The browser as an MCP tool server (issue 16): the `rmcp` client connects to the
//! gateway's `/mcp` and to `jetcrawl mcp` over stdio, lists the tools, navigates and
//! reads the fixture shop; robots.txt and the network policy refuse pages through MCP
//! too; another tenant's key cannot reach a session; every call is in the audit log.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context as _;
use jetcrawl_gateway::auth::Role;
use jetcrawl_tests::{FixtureSite, Stack, eventually};
use rmcp::ServiceExt as _;
use rmcp::model::{CallToolRequestParams, CallToolResult, RawContent};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Value, json};

type Client = RunningService<RoleClient, ()>;

/// The text of a tool result.
fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| match &c.raw {
            RawContent::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn call(client: &Client, tool: &str, arguments: Value) -> anyhow::Result<CallToolResult> {
    let Value::Object(arguments) = arguments else {
        anyhow::bail!("arguments must be an object");
    };
    Ok(client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await?)
}

async fn http_client(url: &str, key: &str) -> anyhow::Result<Client> {
    let config = StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(key);
    Ok(
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await?,
    )
}

/// `initialize` by hand, for the session id the gateway gives.
async fn raw_session(url: &str, key: &str) -> anyhow::Result<String> {
    let response = jetcrawl_tests::http_client()?
        .post(url)
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "test", "version": "0"}}
        }))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "initialize: {}",
        response.status()
    );
    Ok(response
        .headers()
        .get("mcp-session-id")
        .context("a session id")?
        .to_str()?
        .to_owned())
}

/// A `tools/list` on `session` with `key`: the HTTP status.
async fn list_with(url: &str, key: &str, session: &str) -> anyhow::Result<u16> {
    let response = jetcrawl_tests::http_client()?
        .post(url)
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-06-18")
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}))
        .send()
        .await?;
    Ok(response.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_clients_browse_the_shop_over_http_and_stdio_within_the_tenants_rules()
-> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let site = FixtureSite::start()?;
    site.set_robots("User-agent: *\nDisallow: /private\n");
    let stack = Stack::start().await?;
    let gateway = stack
        .spawn_gateway_with(&[("JETCRAWL_MCP_CALL_TIMEOUT_MS", "5000")])
        .await?;
    // Private targets refused, the fixture site allowed by address: as in production.
    let allowed = site.addr().to_string();
    let _worker = stack
        .spawn_worker(&[
            ("JETCRAWL_ALLOW_PRIVATE_TARGETS", "false"),
            ("JETCRAWL_ALLOW_TARGETS", &allowed),
        ])
        .await?;
    let _projector = stack.spawn_projector().await?;
    let url = format!("{}/mcp", gateway.http_url);

    // Over HTTP.
    let client = http_client(&url, &gateway.api_key).await?;
    let tools: Vec<String> = client
        .list_all_tools()
        .await?
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    for tool in [
        "navigate",
        "click",
        "type_text",
        "scroll",
        "wait_for_text",
        "observe",
    ] {
        assert!(
            tools.iter().any(|t| t == tool),
            "{tool} missing from {tools:?}"
        );
    }
    assert!(
        !tools.iter().any(|t| t == "finish"),
        "finish is an agent job's"
    );
    let page = call(
        &client,
        "navigate",
        json!({"url": site.url("/shop/kettle")}),
    )
    .await?;
    assert_eq!(page.is_error, Some(false), "{}", text(&page));
    assert!(
        text(&page).contains("Price: 39.90 EUR") && text(&page).contains("[2] Show stock"),
        "{}",
        text(&page)
    );
    let clicked = call(&client, "click", json!({"element": 2})).await?;
    assert!(text(&clicked).contains("12 in stock"), "{}", text(&clicked));
    let observed = call(&client, "observe", json!({})).await?;
    assert!(
        text(&observed).contains("12 in stock"),
        "observe reads the same tab"
    );

    let disallowed = call(
        &client,
        "navigate",
        json!({"url": site.url("/private/secret")}),
    )
    .await?;
    assert_eq!(disallowed.is_error, Some(true));
    assert!(
        text(&disallowed).starts_with("robots_disallowed:"),
        "{}",
        text(&disallowed)
    );
    let private = call(&client, "navigate", json!({"url": "http://10.1.2.3/admin"})).await?;
    assert_eq!(private.is_error, Some(true));
    assert!(
        text(&private).starts_with("target_forbidden:"),
        "{}",
        text(&private)
    );
    assert_eq!(
        site.count("/private/secret"),
        0,
        "a refused page is never requested"
    );
    // A call past the gateway's call timeout is said so, and the session goes on.
    let slow = call(
        &client,
        "navigate",
        json!({"url": site.url("/slow?ms=7000")}),
    )
    .await?;
    assert!(
        text(&slow).starts_with("deadline_exceeded:"),
        "{}",
        text(&slow)
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = call(&client, "observe", json!({})).await?;
    assert_eq!(after.is_error, Some(false), "{}", text(&after));
    client.cancel().await?;

    // Another tenant's key cannot reach a session; its own key can.
    let other = stack.mint_api_key("globex", Role::Client).await?;
    let session = raw_session(&url, &gateway.api_key).await?;
    assert_eq!(list_with(&url, &other, &session).await?, 404);
    assert_eq!(list_with(&url, &gateway.api_key, &session).await?, 200);
    // No key, no session.
    let anonymous = jetcrawl_tests::http_client()?
        .post(&url)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}))
        .send()
        .await?;
    assert_eq!(anonymous.status().as_u16(), 401);

    // Over stdio, through `jetcrawl mcp`.
    let bin = jetcrawl_tests::target_dir::binary_path("jetcrawl")?;
    let mut command = tokio::process::Command::new(bin);
    command
        .arg("mcp")
        .env("JETCRAWL_HTTP_URL", &gateway.http_url)
        .env("JETCRAWL_API_KEY", &gateway.api_key);
    let stdio = ().serve(TokioChildProcess::new(command)?).await?;
    let tools = stdio.list_all_tools().await?;
    assert!(tools.iter().any(|t| t.name == "navigate"), "{tools:?}");
    let page = call(
        &stdio,
        "navigate",
        json!({"url": site.url("/shop/kettle/reviews")}),
    )
    .await?;
    assert!(
        text(&page).contains("Rating: 4.6 out of 5 (128 reviews)"),
        "{}",
        text(&page)
    );
    let refused = call(&stdio, "navigate", json!({"url": site.url("/private/x")})).await?;
    assert!(
        text(&refused).starts_with("robots_disallowed:"),
        "{}",
        text(&refused)
    );
    stdio.cancel().await?;

    // Every call is in the audit log, with its outcome and origin, never the full URL.
    let pool = stack.pg_pool().await?;
    let origin = format!("http://{}", site.addr());
    let rows: Vec<(String, Value)> = eventually(Duration::from_secs(30), || {
        let pool = pool.clone();
        async move {
            let rows: Vec<(String, Value)> = sqlx::query_as(
                "SELECT tenant, details FROM audit_log WHERE action = 'BrowserToolCalled' ORDER BY seq",
            )
            .fetch_all(&pool)
            .await?;
            anyhow::ensure!(rows.len() == 9, "{} calls recorded: {rows:?}", rows.len());
            Ok(rows)
        }
    })
    .await?;
    let summary: Vec<(String, String, String)> = rows
        .iter()
        .map(|(_, p)| {
            let field = |f: &str| p[f].as_str().unwrap_or_default().to_owned();
            (field("tool"), field("outcome"), field("transport"))
        })
        .collect();
    let expected: HashMap<&str, usize> = HashMap::from([("http", 7), ("stdio", 2)]);
    for (transport, count) in expected {
        assert_eq!(
            summary.iter().filter(|(_, _, t)| t == transport).count(),
            count,
            "{summary:?}"
        );
    }
    assert!(summary.contains(&("navigate".into(), "refused".into(), "http".into())));
    assert!(
        rows.iter()
            .all(|(tenant, _)| tenant == jetcrawl_tests::stack::TEST_TENANT)
    );
    let recorded = serde_json::to_string(&rows)?;
    assert!(recorded.contains(&origin), "{recorded}");
    assert!(
        recorded.contains("http://10.1.2.3"),
        "a refused navigation names the origin it asked for: {recorded}"
    );
    assert!(
        !recorded.contains("/private/secret"),
        "no full URL: {recorded}"
    );
    Ok(())
}
