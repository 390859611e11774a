//! Shared test helpers: a fixture website on a loopback port and spec builders.
#![allow(dead_code)]

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{ExtractKind, ExtractRule, JobSpec, RenderMode, Step};
use jetcrawl_worker::{BrowserPool, Executor, WorkerConfig};

pub const STATIC_PAGE: &str = r#"<!doctype html><html><head><title>Static Title</title></head>
<body><h1 id="heading">  Hello
   static world </h1>
<ul><li>one</li><li> two </li></ul>
<a class="nav" href="/a">A</a><a class="nav" href="/b">B</a>
<div id="box"><b>bold</b> text</div></body></html>"#;

pub const JS_PAGE: &str = r#"<!doctype html><html><head><title>JS Page</title></head>
<body><div id="out"></div>
<script>setTimeout(function () { document.getElementById('out').textContent = 'Rendered by JS'; }, 100);</script>
</body></html>"#;

pub const LATE_PAGE: &str = r#"<!doctype html><html><head><title>Late</title></head>
<body><script>setTimeout(function () {
  var d = document.createElement('div'); d.id = 'late'; d.textContent = 'arrived late';
  document.body.appendChild(d);
}, 1200);</script></body></html>"#;

pub const FORM_PAGE: &str = r#"<!doctype html><html><head><title>Form</title></head>
<body style="margin:0">
<input id="name" type="text"><button id="go" onclick="document.getElementById('greeting').textContent = 'Hello, ' + document.getElementById('name').value;">Go</button>
<p id="greeting"></p>
<div style="height:4000px"></div>
<div id="footer">bottom</div><p id="scrolled">no</p>
<script>window.addEventListener('scroll', function () { if (window.scrollY > 1000) document.getElementById('scrolled').textContent = 'yes'; });</script>
</body></html>"#;

/// A placeholder that a script replaces 150 ms after the load event.
pub const PLACEHOLDER_PAGE: &str = r#"<!doctype html><html><head><title>Placeholder</title></head>
<body><h1 id="title">Loading…</h1><ul id="list"><li class="item">…</li></ul>
<script>window.addEventListener('load', function () { setTimeout(function () {
  var title = document.getElementById('title');
  title.textContent = 'Rendered content'; title.className = 'ready';
  document.getElementById('list').innerHTML = '<li class="item">alpha</li><li class="item">beta</li>';
}, 150); });</script></body></html>"#;

/// Content that arrives late, in a chain: a fetch (answered after 300 ms) fills the
/// list, then an XHR (200 ms) and a timer set the title, and a script inserted after
/// load (200 ms) fills the note.
pub const FETCHED_PAGE: &str = r#"<!doctype html><html><head><title>Fetched</title></head>
<body><h1 id="title">Loading…</h1><ul id="list"></ul><p id="note"></p>
<script>
fetch('/api/items').then(function (r) { return r.json(); }).then(function (items) {
  document.getElementById('list').innerHTML =
    items.map(function (x) { return '<li class="item">' + x + '</li>'; }).join('');
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/api/title');
  xhr.onload = function () {
    setTimeout(function () { document.getElementById('title').textContent = xhr.responseText; }, 30);
  };
  xhr.send();
});
window.addEventListener('load', function () {
  var s = document.createElement('script'); s.src = '/late.js'; document.body.appendChild(s);
});
</script></body></html>"#;

/// No `<script>`, but an inline handler changes the title two frames after the load
/// event, through a channel the tracker does not see (`requestAnimationFrame`).
pub const HANDLER_PAGE: &str = r#"<!doctype html><html><head><title>Handler</title></head>
<body onload="requestAnimationFrame(function () { requestAnimationFrame(function () { document.getElementById('title').textContent = 'Set by a handler'; }); })">
<h1 id="title">Loading…</h1></body></html>"#;

/// Never quiet: a timer changes the DOM every 20 ms.
pub const TICKING_PAGE: &str = r#"<!doctype html><html><head><title>Ticking</title></head>
<body><h1 id="title">Ticking</h1><p id="tick">0</p>
<script>var n = 0; setInterval(function () { document.getElementById('tick').textContent = String(++n); }, 20);</script>
</body></html>"#;

/// Never idle: a long poll that the server does not answer for 60 s.
pub const LONG_POLL_PAGE: &str = r#"<!doctype html><html><head><title>Long poll</title></head>
<body><h1 id="title">Waiting for news</h1>
<script>fetch('/hang').then(function () { document.getElementById('title').textContent = 'News'; },
  function (e) { document.getElementById('title').textContent = 'The poll failed: ' + e; });</script>
</body></html>"#;

/// A fixture website; it stops when the test's runtime ends.
pub struct Site {
    pub base: String,
}

impl Site {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

pub async fn start_site() -> Site {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    let app = Router::new()
        .route("/static", get(|| async { Html(STATIC_PAGE) }))
        .route("/js", get(|| async { Html(JS_PAGE) }))
        .route("/late", get(|| async { Html(LATE_PAGE) }))
        .route("/form", get(|| async { Html(FORM_PAGE) }))
        .route("/placeholder", get(|| async { Html(PLACEHOLDER_PAGE) }))
        .route("/fetched", get(|| async { Html(FETCHED_PAGE) }))
        .route("/ticking", get(|| async { Html(TICKING_PAGE) }))
        .route("/handler", get(|| async { Html(HANDLER_PAGE) }))
        .route("/long-poll", get(|| async { Html(LONG_POLL_PAGE) }))
        .route(
            "/api/items",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                axum::Json(["alpha", "beta"])
            }),
        )
        .route(
            "/api/title",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                "Fetched content"
            }),
        )
        .route(
            "/late.js",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                (
                    [(axum::http::header::CONTENT_TYPE, "text/javascript")],
                    "document.getElementById('note').textContent = 'from a late script';",
                )
            }),
        )
        .route("/redirect", get(|| async { Redirect::to("/static") }))
        .route(
            "/missing",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    Html("<html><body><h1>Not here</h1></body></html>"),
                )
            }),
        )
        .route(
            "/unavailable",
            get(|| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Html("<html><body><h1>Try later</h1></body></html>"),
                )
            }),
        )
        .route(
            "/hang",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Html("<html><body>too late</body></html>").into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind fixture site");
    let base = format!("http://{}", listener.local_addr().expect("fixture address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("fixture site") });
    Site { base }
}

pub fn config() -> WorkerConfig {
    let mut config = WorkerConfig::defaults();
    config.allow_private_targets = true;
    config.navigation_timeout_ms = 3_000;
    config.step_timeout_ms = 5_000;
    config.tabs = 2;
    config
}

pub fn executor(config: &WorkerConfig) -> (Executor, BrowserPool) {
    let settings = config.egress_settings().expect("egress settings");
    let egress = jetcrawl_worker::egress::Egress::new(settings).expect("egress");
    let pool = BrowserPool::new(config.pool(), egress).expect("pool");
    let executor = Executor::new(config.executor(), pool.clone()).expect("executor");
    (executor, pool)
}

pub fn rule(name: &str, selector: &str) -> ExtractRule {
    ExtractRule {
        name: name.into(),
        selector: selector.into(),
        ..Default::default()
    }
}

pub fn rule_of(
    name: &str,
    selector: &str,
    kind: ExtractKind,
    attribute: &str,
    many: bool,
) -> ExtractRule {
    ExtractRule {
        name: name.into(),
        selector: selector.into(),
        kind: kind as i32,
        attribute: attribute.into(),
        many,
        required: false,
    }
}

pub fn spec(
    urls: &[String],
    render: RenderMode,
    extract: Vec<ExtractRule>,
    steps: Vec<Step>,
) -> JobSpec {
    JobSpec {
        urls: urls.to_vec(),
        steps,
        extract,
        render: render as i32,
        timeout_ms: 30_000,
        labels: Default::default(),
        ..Default::default()
    }
}

pub fn step(kind: Kind) -> Step {
    Step {
        kind: Some(kind),
        timeout_ms: 0,
    }
}

pub fn deadline(secs: u64) -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(secs)
}
