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
