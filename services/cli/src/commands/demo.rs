//! The demo behind `jetcrawl up --demo`: a page on loopback whose content only exists
//! after its JavaScript runs, and one browser job against it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use super::submit;
use crate::args::{Global, Output, Render, SubmitArgs, UpArgs};

const PAGE: &str = r#"<!doctype html>
<html><head><title>Jetcrawl demo</title></head>
<body>
<div id="app">Loading…</div>
<script>
setTimeout(() => {
  document.getElementById('app').innerHTML =
    '<h1 id="title">Hello from JavaScript</h1>' +
    '<ul><li class="item">events</li><li class="item">browsers</li><li class="item">results</li></ul>';
}, 50);
</script>
</body></html>"#;

/// Serves the demo page and runs `jetcrawl submit --render browser --wait` against it.
pub async fn run(args: &UpArgs, nats_url: &str, api_key: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let site = Router::new().route("/", get(|| async { Html(PAGE) }));
    tokio::spawn(async move { axum::serve(listener, site).await });
    let url = format!("http://{addr}/");
    eprintln!("demo: rendering {url} in the browser…");
    let global = Global {
        gateway: format!("http://{}", args.grpc_addr),
        http_url: format!("http://{}", args.http_addr),
        nats: jetcrawl_streams::NatsArgs::new(nats_url),
        output: Output::Text,
        api_key: Some(api_key.to_owned()),
        ca: None,
    };
    let submit_args = SubmitArgs {
        urls: vec![url],
        render: Some(Render::Browser),
        extract: vec!["title=#title".to_owned(), "items[]=li.item".to_owned()],
        timeout_ms: 30_000,
        wait: true,
        ..SubmitArgs::default()
    };
    submit::run(&global, submit_args).await
}

/// Polls the gateway's `/readyz` until it answers 200.
pub async fn wait_ready(http_addr: SocketAddr, within: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    let url = format!("http://{http_addr}/readyz");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .context("building the HTTP client")?;
    loop {
        let ready = http
            .get(&url)
            .send()
            .await
            .is_ok_and(|answer| answer.status().is_success());
        if ready {
            return Ok(());
        }
        if started.elapsed() > within {
            bail!(
                "the gateway at http://{http_addr} was not ready after {within:?}; see the logs above"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
