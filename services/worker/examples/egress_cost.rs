//! What the browser's egress proxy costs: pages/s of headless Chromium loading a
//! small page with two uncacheable subresources, through the worker's forward proxy
//! and directly, in alternating rounds of the same run, 4 tabs each.
//!
//! `cargo run --release -p jetcrawl-worker --example egress_cost [pages-per-round]`

use std::ffi::OsStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use headless_chrome::{Browser, LaunchOptions};
use jetcrawl_worker::egress::{Egress, EgressSettings, ForwardProxy};

const TABS: usize = 4;
const ROUNDS: usize = 3;

const PAGE: &str = r#"<!doctype html><html><head><title>Cost</title>
<link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head>
<body><h1 id="title">Egress cost</h1></body></html>"#;

/// Waits until the document at `?n=<n>` and its subresources are loaded (not the
/// previous page of the tab), returns the title.
fn ready(n: usize) -> String {
    format!(
        r#"new Promise((resolve) => {{
  const check = () => location.search === '?n={n}' && document.readyState === 'complete'
    && document.querySelector('#title')
    ? resolve(document.querySelector('#title').textContent) : setTimeout(check, 5);
  check();
}})"#
    )
}

fn uncached(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
}

fn main() -> anyhow::Result<()> {
    let pages: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let runtime = tokio::runtime::Runtime::new()?;
    let _guard = runtime.enter();
    let app = Router::new()
        .route("/", get(|| async { uncached("text/html", PAGE) }))
        .route(
            "/style.css",
            get(|| async { uncached("text/css", "h1 { color: teal; }") }),
        )
        .route(
            "/app.js",
            get(|| async { uncached("text/javascript", "window.x = 1;") }),
        );
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}/", listener.local_addr()?);
    runtime.spawn(async move { axum::serve(listener, app).await });
    let egress = Egress::new(EgressSettings::direct("egress-cost", true))?;
    let proxy = ForwardProxy::start(egress)?;
    let proxied = launch(Some(&proxy.url()))?;
    let direct = launch(None)?;
    let (mut via_proxy, mut straight) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        straight.push(measure(&direct, &url, pages)?);
        via_proxy.push(measure(&proxied, &url, pages)?);
        println!(
            "round {round}: direct {:.1} pages/s, through the egress proxy {:.1} pages/s",
            straight[round], via_proxy[round]
        );
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (d, p) = (mean(&straight), mean(&via_proxy));
    println!(
        "mean over {ROUNDS} rounds of {pages} pages, {TABS} tabs: direct {d:.1} pages/s, \
         proxy {p:.1} pages/s ({:+.1}%)",
        (p / d - 1.0) * 100.0
    );
    Ok(())
}

fn launch(proxy: Option<&str>) -> anyhow::Result<Browser> {
    let is_root = nix::unistd::geteuid().is_root();
    let flag = proxy.map(|p| format!("--proxy-server={p}"));
    let mut args: Vec<&OsStr> = jetcrawl_local::chromium::launch_args(is_root)
        .into_iter()
        .map(OsStr::new)
        .collect();
    if let Some(flag) = &flag {
        args.push(OsStr::new(flag));
        args.push(OsStr::new("--proxy-bypass-list=<-loopback>"));
    }
    let options = LaunchOptions::default_builder()
        .path(Some(jetcrawl_local::chromium_path()?))
        .headless(true)
        .sandbox(!is_root)
        .idle_browser_timeout(Duration::from_secs(600))
        .args(args)
        .build()
        .map_err(|err| anyhow::anyhow!("launch options: {err}"))?;
    Browser::new(options).context("launching Chromium")
}

/// Loads `url` `pages` times over 4 tabs; returns pages/s.
fn measure(browser: &Browser, url: &str, pages: usize) -> anyhow::Result<f64> {
    let tabs = (0..TABS)
        .map(|_| browser.new_tab())
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let per_tab = pages.div_ceil(TABS);
    let url: Arc<str> = Arc::from(url);
    let workers: Vec<_> = tabs
        .into_iter()
        .map(|tab| {
            let url = url.clone();
            std::thread::spawn(move || -> anyhow::Result<()> {
                for n in 0..per_tab {
                    tab.navigate_to(&format!("{url}?n={n}"))?;
                    let title = tab.evaluate(&ready(n), true)?.value;
                    anyhow::ensure!(title.is_some(), "page without a title");
                }
                let _ = tab.close(false);
                Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("tab thread panicked"))??;
    }
    Ok((per_tab * TABS) as f64 / started.elapsed().as_secs_f64())
}
