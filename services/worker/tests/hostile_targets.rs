//! The shared hostile-address table in the worker (ADR 0032): every entry is refused
//! as a job URL (HTTP and browser), as a redirect hop (HTTP and browser) and as a
//! browser subresource (a page script's `fetch`, through the egress proxy), each time
//! naming the class the gateway and the notifier name for it. The worker allows the
//! fixture site's port only (`JETCRAWL_ALLOW_TARGETS`), and a loopback listener on the
//! entries' port proves nothing reached it.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{config, deadline, executor, rule, spec};
use axum::Router;
use axum::extract::Query;
use axum::response::{Html, Redirect};
use axum::routing::get;
use jetcrawl_egress::hostile::{HOSTILE, Hostile};
use jetcrawl_proto::v1::RenderMode;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{Step, WaitForSelector};
use jetcrawl_worker::{ErrorClass, Executor};

/// A loopback port counting the connections made to it.
fn counter() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

/// A page whose script fetches every hostile URL and shows what came back.
fn subresource_page(port: u16) -> String {
    let urls: Vec<String> = HOSTILE.iter().map(|h| h.url(port)).collect();
    let urls = serde_json::to_string(&urls).expect("json");
    format!(
        r#"<!doctype html><html><body><pre id="result"></pre><script>
const urls = {urls};
Promise.all(urls.map(u => fetch(u, {{cache: "no-store"}})
  .then(r => r.text().then(t => ({{url: u, status: r.status, body: t}})))
  .catch(e => ({{url: u, status: 0, body: String(e)}}))))
  .then(all => {{
    const out = document.getElementById("result");
    out.textContent = JSON.stringify(all);
    out.setAttribute("data-done", "1");
  }});
</script></body></html>"#
    )
}

/// The fixture site: `/redirect?to=URL` and `/subresources`.
async fn start_site(hostile_port: u16) -> String {
    let page = subresource_page(hostile_port);
    let app = Router::new()
        .route(
            "/redirect",
            get(
                |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    Redirect::to(q.get("to").map_or("/", String::as_str))
                },
            ),
        )
        .route("/subresources", get(move || async move { Html(page) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind fixture site");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("fixture site") });
    base
}

/// An executor refusing every internal target but the fixture site's port.
fn strict_executor(site: &str) -> (Executor, jetcrawl_worker::BrowserPool) {
    let mut config = config();
    config.allow_private_targets = false;
    config.egress.allow_targets = site.trim_start_matches("http://").to_owned();
    executor(&config)
}

async fn assert_refused(executor: &Executor, url: &str, render: RenderMode, hostile: &Hostile) {
    let job = spec(&[url.to_owned()], render, vec![rule("t", "title")], vec![]);
    let err = executor
        .run(&job, deadline(30))
        .await
        .expect_err("a hostile target is refused");
    let named = hostile.named();
    assert_eq!(
        err.class,
        ErrorClass::TargetForbidden,
        "{} via {url} ({render:?}): {err}",
        hostile.host
    );
    assert!(
        err.message.contains(&named),
        "{} via {url} ({render:?}): {:?} must say {named:?}",
        hostile.host,
        err.message
    );
}

fn redirect_to(site: &str, target: &str) -> String {
    url::Url::parse_with_params(&format!("{site}/redirect"), [("to", target)])
        .expect("redirect URL")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_address_is_refused_as_job_url_and_redirect_hop() {
    let (port, connections) = counter();
    let site = start_site(port).await;
    let (executor, pool) = strict_executor(&site);
    for hostile in HOSTILE {
        let target = hostile.url(port);
        let hop = redirect_to(&site, &target);
        for render in [RenderMode::Http, RenderMode::Browser] {
            assert_refused(&executor, &target, render, hostile).await;
            assert_refused(&executor, &hop, render, hostile).await;
        }
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing was reached");
    assert_eq!(
        pool.tabs_opened(),
        1,
        "a refusal hands its healthy tab back for the next page instead of closing it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_address_is_refused_as_a_browser_subresource() {
    let (port, connections) = counter();
    let site = start_site(port).await;
    let (executor, _pool) = strict_executor(&site);
    let wait = Step {
        kind: Some(Kind::WaitFor(WaitForSelector {
            selector: "#result[data-done]".into(),
        })),
        timeout_ms: 20_000,
    };
    let job = spec(
        &[format!("{site}/subresources")],
        RenderMode::Browser,
        vec![rule("result", "#result")],
        vec![wait],
    );
    let run = executor
        .run(&job, deadline(60))
        .await
        .expect("the page runs");
    let shown = run.pages[0].result.data["result"]
        .as_str()
        .expect("the script's result")
        .to_owned();
    let answers: Vec<serde_json::Value> = serde_json::from_str(&shown).expect("json");
    assert_eq!(answers.len(), HOSTILE.len());
    for (hostile, answer) in HOSTILE.iter().zip(&answers) {
        let named = hostile.named();
        let body = answer["body"].as_str().unwrap_or_default();
        assert_eq!(answer["status"], 403, "{}: {answer}", hostile.host);
        assert!(
            body.contains(&named),
            "{}: {body:?} must say {named:?}",
            hostile.host
        );
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing was reached");
}
