//! HTTP render mode against a fixture site on loopback.

use crate::common::*;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{Click, ExtractKind, RenderMode};
use jetcrawl_worker::{ErrorClass, Mode};
use serde_json::json;

#[tokio::test]
async fn http_mode_extracts_text_attributes_html_and_lists_from_static_html() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let rules = vec![
        rule("title", "title"),
        rule("heading", "#heading"),
        rule_of("items", "li", ExtractKind::Text, "", true),
        rule_of("links", "a.nav", ExtractKind::Attribute, "href", true),
        rule_of("box", "#box", ExtractKind::Html, "", false),
        rule("absent", ".nothing-here"),
    ];
    let spec = spec(&[site.url("/static")], RenderMode::Http, rules, vec![]);
    let run = executor
        .run(&spec, deadline(20))
        .await
        .expect("static page runs");
    let page = &run.pages[0].result;
    assert_eq!(page.mode, Mode::Http);
    assert_eq!(page.status, 200);
    assert_eq!(page.data["title"], "Static Title");
    assert_eq!(page.data["heading"], "Hello static world");
    assert_eq!(page.data["items"], json!(["one", "two"]));
    assert_eq!(page.data["links"], json!(["/a", "/b"]));
    assert_eq!(page.data["box"], "<b>bold</b> text");
    assert_eq!(page.data["absent"], serde_json::Value::Null);
}

#[tokio::test]
async fn http_mode_sees_only_the_raw_html_of_a_javascript_page() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let spec = spec(
        &[site.url("/js")],
        RenderMode::Http,
        vec![rule("out", "#out"), rule("title", "title")],
        vec![],
    );
    let run = executor
        .run(&spec, deadline(20))
        .await
        .expect("js page fetched");
    let page = &run.pages[0].result;
    assert_eq!(page.data["title"], "JS Page");
    assert_eq!(page.data["out"], "", "no JavaScript runs in HTTP mode");
    assert_eq!(run.mode_used(), Mode::Http);
}

#[tokio::test]
async fn redirects_are_followed_and_reported() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let spec = spec(
        &[site.url("/redirect")],
        RenderMode::Http,
        vec![rule("title", "title")],
        vec![],
    );
    let run = executor
        .run(&spec, deadline(20))
        .await
        .expect("redirect followed");
    let page = &run.pages[0].result;
    assert_eq!(page.url, site.url("/redirect"));
    assert_eq!(page.final_url, site.url("/static"));
    assert_eq!(page.data["title"], "Static Title");
}

#[tokio::test]
async fn not_found_is_final_and_unavailable_is_retryable() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let missing = spec(&[site.url("/missing")], RenderMode::Http, vec![], vec![]);
    let err = executor
        .run(&missing, deadline(20))
        .await
        .expect_err("404 fails");
    assert_eq!(
        (err.class, err.retryable()),
        (ErrorClass::Http4xx, false),
        "{err}"
    );
    assert!(err.message.contains("404"), "{err}");
    let unavailable = spec(
        &[site.url("/unavailable")],
        RenderMode::Http,
        vec![],
        vec![],
    );
    let err = executor
        .run(&unavailable, deadline(20))
        .await
        .expect_err("503 fails");
    assert_eq!(
        (err.class, err.retryable()),
        (ErrorClass::Http5xx, true),
        "{err}"
    );
}

#[tokio::test]
async fn loopback_targets_are_refused_unless_private_targets_are_allowed() {
    let site = start_site().await;
    let mut config = config();
    config.allow_private_targets = false;
    let (executor, _pool) = executor(&config);
    for render in [RenderMode::Http, RenderMode::Browser, RenderMode::Auto] {
        let spec = spec(
            &[site.url("/static")],
            render,
            vec![rule("title", "title")],
            vec![],
        );
        let err = executor
            .run(&spec, deadline(20))
            .await
            .expect_err("loopback refused");
        assert_eq!(err.class, ErrorClass::TargetForbidden, "{render:?}: {err}");
        assert!(!err.retryable());
        assert!(
            err.message.contains("127.0.0.1") && err.message.contains("loopback"),
            "{err}"
        );
        assert!(
            err.message.contains("JETCRAWL_ALLOW_PRIVATE_TARGETS"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn browser_steps_in_http_mode_fail_without_retry() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let steps = vec![step(Kind::Click(Click {
        selector: "#go".into(),
    }))];
    let spec = spec(&[site.url("/form")], RenderMode::Http, vec![], steps);
    let err = executor
        .run(&spec, deadline(20))
        .await
        .expect_err("refused");
    assert_eq!(err.class, ErrorClass::InvalidSpec);
    assert!(!err.retryable());
    assert!(err.message.contains("BROWSER"), "{err}");
}
