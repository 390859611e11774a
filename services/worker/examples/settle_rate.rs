//! Pages/s of a browser job without steps, through the worker's executor, on a static
//! page, a page a script fills 50 ms after load, and a page whose script replaces a
//! placeholder 150 ms after load; each also says how many pages came back with the
//! content a person sees (not the placeholder). The `wait_for` row is the old escape
//! for the placeholder: a step waiting for the final element.
//!
//! `cargo run --release -p jetcrawl-worker --example settle_rate [pages] [tabs]`

use std::time::{Duration, Instant};

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use futures::StreamExt as _;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{ExtractKind, ExtractRule, JobSpec, RenderMode, Step, WaitForSelector};
use jetcrawl_worker::{BrowserPool, Executor, WorkerConfig};

const STATIC: &str = r#"<!doctype html><html><head><title>Static</title></head><body>
<h1 id="title">Static Title</h1>
<ul><li class="item">one</li><li class="item">two</li><li class="item">three</li></ul>
</body></html>"#;

const SCRIPTED: &str = r#"<!doctype html><html><head><title>JS</title></head><body>
<div id="app"></div>
<script>setTimeout(function () {
  var t = document.createElement("h1"); t.id = "title"; t.textContent = "Rendered";
  var l = document.createElement("ul");
  ["alpha", "beta"].forEach(function (x) {
    var i = document.createElement("li"); i.className = "item"; i.textContent = x; l.appendChild(i);
  });
  document.getElementById("app").replaceWith(t, l);
}, 50);</script></body></html>"#;

const PLACEHOLDER: &str = r#"<!doctype html><html><head><title>Placeholder</title></head><body>
<h1 id="title">Loading…</h1><ul><li class="item">…</li></ul>
<script>setTimeout(function () {
  var t = document.getElementById("title"); t.textContent = "Rendered"; t.className = "ready";
  document.querySelector("li.item").textContent = "alpha";
}, 150);</script></body></html>"#;

fn rules() -> Vec<ExtractRule> {
    let rule = |name: &str, selector: &str, many| ExtractRule {
        name: name.into(),
        selector: selector.into(),
        kind: ExtractKind::Text as i32,
        many,
        ..Default::default()
    };
    vec![
        rule("title", "#title", false),
        rule("items", "li.item", true),
    ]
}

fn job(url: String, steps: Vec<Step>) -> JobSpec {
    JobSpec {
        urls: vec![url],
        steps,
        extract: rules(),
        render: RenderMode::Browser as i32,
        timeout_ms: 30_000,
        ..Default::default()
    }
}

/// Runs `pages` jobs on `path`, `tabs` at a time; returns pages/s and how many pages
/// returned `expected` as their title.
async fn measure(
    executor: &Executor,
    base: &str,
    path: &str,
    steps: &[Step],
    pages: usize,
    tabs: usize,
    expected: &str,
) -> (f64, usize) {
    let started = Instant::now();
    let titles: Vec<Option<String>> = futures::stream::iter(0..pages)
        .map(|i| {
            let spec = job(format!("{base}{path}?n={i}"), steps.to_vec());
            async move {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                let run = executor.run(&spec, deadline).await.ok()?;
                let page = &run.pages.first()?.result;
                if std::env::var_os("SETTLE_RATE_VERBOSE").is_some() {
                    println!("  {} ms: {:?}", page.elapsed_ms, page.settle);
                }
                let title = page.data.get("title")?.as_str()?;
                Some(title.to_owned())
            }
        })
        .buffer_unordered(tabs)
        .collect()
        .await;
    let rate = pages as f64 / started.elapsed().as_secs_f64();
    let right = titles.iter().flatten().filter(|t| *t == expected).count();
    (rate, right)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let pages: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(60);
    let tabs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let app = Router::new()
        .route("/static", get(|| async { Html(STATIC) }))
        .route("/scripted", get(|| async { Html(SCRIPTED) }))
        .route("/placeholder", get(|| async { Html(PLACEHOLDER) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut config = WorkerConfig::defaults();
    config.allow_private_targets = true;
    config.tabs = tabs;
    let egress = jetcrawl_worker::egress::Egress::new(config.egress_settings()?)?;
    let pool = BrowserPool::new(config.pool(), egress)?;
    let executor = Executor::new(config.executor(), pool.clone())?;
    // Warm up: launch the browser and open the tabs.
    measure(&executor, &base, "/static", &[], tabs * 2, tabs, "").await;

    let wait_for = Step {
        kind: Some(Kind::WaitFor(WaitForSelector {
            selector: "#title.ready".into(),
        })),
        timeout_ms: 0,
    };
    let rows: [(&str, &str, Vec<Step>, &str); 4] = [
        ("static", "/static", vec![], "Static Title"),
        ("scripted (50 ms)", "/scripted", vec![], "Rendered"),
        ("placeholder (150 ms)", "/placeholder", vec![], "Rendered"),
        (
            "placeholder + wait_for",
            "/placeholder",
            vec![wait_for],
            "Rendered",
        ),
    ];
    println!("{pages} pages per row, {tabs} tab(s)");
    for (name, path, steps, expected) in rows {
        let (rate, right) = measure(&executor, &base, path, &steps, pages, tabs, expected).await;
        println!("{name:<24} {rate:6.2} pages/s, {right}/{pages} with the final content");
    }
    pool.shutdown().await;
    Ok(())
}
