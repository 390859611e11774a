//! Browser and AUTO render modes against real Chromium and a fixture site.

use crate::common::*;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    Click, ExtractKind, ExtractNow, RenderMode, Screenshot, Scroll, Step, TypeText, WaitForSelector,
};
use jetcrawl_worker::{ErrorClass, Mode};
use serde_json::json;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

#[tokio::test]
async fn browser_mode_runs_javascript_and_normalises_text_like_http_mode() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let js = spec(
        &[site.url("/js")],
        RenderMode::Browser,
        vec![rule("out", "#out"), rule("title", "title")],
        vec![],
    );
    let run = executor
        .run(&js, deadline(30))
        .await
        .expect("js page renders");
    let page = &run.pages[0].result;
    assert_eq!(page.mode, Mode::Browser);
    assert_eq!(page.status, 200);
    assert_eq!(page.data["out"], "Rendered by JS");
    assert_eq!(page.data["title"], "JS Page");

    let rules = vec![
        rule("heading", "#heading"),
        rule_of("items", "li", ExtractKind::Text, "", true),
        rule_of("links", "a.nav", ExtractKind::Attribute, "href", true),
        rule_of("box", "#box", ExtractKind::Html, "", false),
        rule("absent", ".nothing-here"),
    ];
    let urls = [site.url("/static")];
    let in_browser = executor
        .run(
            &spec(&urls, RenderMode::Browser, rules.clone(), vec![]),
            deadline(30),
        )
        .await
        .expect("browser");
    let over_http = executor
        .run(&spec(&urls, RenderMode::Http, rules, vec![]), deadline(30))
        .await
        .expect("http");
    assert_eq!(
        in_browser.pages[0].result.data,
        over_http.pages[0].result.data
    );
    assert_eq!(
        in_browser.pages[0].result.data["heading"],
        "Hello static world"
    );
}

#[tokio::test]
async fn auto_mode_uses_http_for_static_pages_and_the_browser_for_javascript_pages() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let static_spec = spec(
        &[site.url("/static")],
        RenderMode::Auto,
        vec![rule("heading", "#heading")],
        vec![],
    );
    let run = executor
        .run(&static_spec, deadline(30))
        .await
        .expect("static");
    assert_eq!(run.pages[0].result.mode, Mode::Http);
    assert_eq!(run.mode_used(), Mode::Http);

    let js_spec = spec(
        &[site.url("/js")],
        RenderMode::Auto,
        vec![rule("out", "#out")],
        vec![],
    );
    let run = executor.run(&js_spec, deadline(30)).await.expect("js");
    assert_eq!(run.pages[0].result.mode, Mode::Browser);
    assert_eq!(run.pages[0].result.data["out"], "Rendered by JS");

    let both = spec(
        &[site.url("/static"), site.url("/js")],
        RenderMode::Auto,
        vec![rule("title", "title")],
        vec![],
    );
    let run = executor.run(&both, deadline(30)).await.expect("both");
    assert_eq!(
        run.pages.iter().map(|p| p.result.mode).collect::<Vec<_>>(),
        [Mode::Http, Mode::Http]
    );

    let with_step = spec(
        &[site.url("/static")],
        RenderMode::Auto,
        vec![rule("heading", "#heading")],
        vec![wait_for("#heading")],
    );
    let run = executor.run(&with_step, deadline(30)).await.expect("step");
    assert_eq!(
        run.mode_used(),
        Mode::Browser,
        "a browser step forces the browser"
    );
}

fn wait_for(selector: &str) -> Step {
    step(Kind::WaitFor(WaitForSelector {
        selector: selector.into(),
    }))
}

#[tokio::test]
async fn steps_type_click_scroll_wait_extract_and_screenshot() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let steps = vec![
        step(Kind::Type(TypeText {
            selector: "#name".into(),
            text: "Ada".into(),
        })),
        step(Kind::Click(Click {
            selector: "#go".into(),
        })),
        step(Kind::Extract(ExtractNow {
            rules: vec!["greeting".into()],
        })),
        step(Kind::Screenshot(Screenshot {
            name: "shot".into(),
            full_page: false,
        })),
        step(Kind::Scroll(Scroll {
            selector: String::new(),
            pixels: 2500,
        })),
        step(Kind::Scroll(Scroll {
            selector: "#footer".into(),
            pixels: 0,
        })),
        step(Kind::Extract(ExtractNow {
            rules: vec!["scrolled".into()],
        })),
        step(Kind::Screenshot(Screenshot {
            name: "whole".into(),
            full_page: true,
        })),
        step(Kind::Navigate(jetcrawl_proto::v1::Navigate {
            url: site.url("/late"),
        })),
        wait_for("#late"),
    ];
    let rules = vec![
        rule("greeting", "#greeting"),
        rule("scrolled", "#scrolled"),
        rule("late", "#late"),
    ];
    let spec = spec(&[site.url("/form")], RenderMode::Browser, rules, steps);
    let run = executor.run(&spec, deadline(40)).await.expect("steps run");
    let page = &run.pages[0];
    assert_eq!(
        page.result.data["greeting"], "Hello, Ada",
        "captured by the extract step"
    );
    assert_eq!(
        page.result.data["scrolled"], "yes",
        "the scroll handler ran"
    );
    assert_eq!(page.result.data["late"], "arrived late");
    assert_eq!(page.result.final_url, site.url("/late"));
    let names: Vec<_> = page.captures.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["shot", "whole"]);
    for capture in &page.captures {
        assert!(
            capture.png.starts_with(PNG_MAGIC),
            "{} is a PNG",
            capture.name
        );
        assert!(capture.png.len() > 1000, "{} has content", capture.name);
    }
    let height = |png: &[u8]| u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert!(
        height(&page.captures[1].png) > height(&page.captures[0].png),
        "full page is taller than the viewport"
    );
}

#[tokio::test]
async fn a_required_rule_without_match_fails_without_retry_naming_the_rule() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let mut price = rule("price", ".price");
    price.required = true;
    for render in [RenderMode::Browser, RenderMode::Http] {
        let spec = spec(
            &[site.url("/static")],
            render,
            vec![rule("title", "title"), price.clone()],
            vec![],
        );
        let err = executor
            .run(&spec, deadline(30))
            .await
            .expect_err("required rule missing");
        assert_eq!(
            err.class,
            ErrorClass::ExtractionRequiredMissing,
            "{render:?}: {err}"
        );
        assert!(!err.retryable());
        assert!(
            err.message.contains("\"price\"") && err.message.contains(&site.url("/static")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn browser_mode_classifies_error_statuses_and_step_timeouts() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let missing = spec(
        &[site.url("/missing")],
        RenderMode::Browser,
        vec![rule("h1", "h1")],
        vec![],
    );
    let err = executor.run(&missing, deadline(30)).await.expect_err("404");
    assert_eq!(
        (err.class, err.retryable()),
        (ErrorClass::Http4xx, false),
        "{err}"
    );
    let unavailable = spec(
        &[site.url("/unavailable")],
        RenderMode::Browser,
        vec![],
        vec![],
    );
    let err = executor
        .run(&unavailable, deadline(30))
        .await
        .expect_err("503");
    assert_eq!(
        (err.class, err.retryable()),
        (ErrorClass::Http5xx, true),
        "{err}"
    );

    let mut never = wait_for("#never");
    never.timeout_ms = 500;
    let started = std::time::Instant::now();
    let timing_out = spec(
        &[site.url("/static")],
        RenderMode::Browser,
        vec![],
        vec![never],
    );
    let err = executor
        .run(&timing_out, deadline(30))
        .await
        .expect_err("wait_for times out");
    assert_eq!(err.class, ErrorClass::Timeout, "{err}");
    assert!(
        err.message.contains("#never") && err.message.contains("500 ms"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "step deadline respected"
    );
    let ok = spec(
        &[site.url("/js")],
        RenderMode::Browser,
        vec![rule("out", "#out")],
        vec![],
    );
    assert_eq!(
        executor
            .run(&ok, deadline(30))
            .await
            .expect("tab reusable")
            .pages[0]
            .result
            .data["out"],
        json!("Rendered by JS")
    );
}
