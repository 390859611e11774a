//! When a browser page counts as ready (ADR 0035): the default returns what a person
//! sees once the page has settled, a job may choose another rule, the result records
//! which one ran, and a page that never settles is read at its bound and says so.

use std::time::{Duration, Instant};

use crate::common::*;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    ExtractKind, JobSpec, RenderMode, Settle, SettleRule as ProtoRule, WaitForSelector, WaitForText,
};
use jetcrawl_worker::execute::settle::QUIET_MS;
use jetcrawl_worker::execute::{PageResult, SettleRule};
use jetcrawl_worker::{ErrorClass, Mode};
use serde_json::json;

fn title_and_items(url: String) -> JobSpec {
    spec(
        &[url],
        RenderMode::Browser,
        vec![
            rule("title", "#title"),
            rule_of("items", "li.item", ExtractKind::Text, "", true),
        ],
        vec![],
    )
}

fn settle(rule: ProtoRule, selector: &str, text: &str, timeout_ms: u32) -> Option<Settle> {
    Some(Settle {
        rule: rule as i32,
        selector: selector.into(),
        text: text.into(),
        timeout_ms,
    })
}

fn assert_settled(page: &PageResult, rule: SettleRule) {
    let settle = page
        .settle
        .as_ref()
        .expect("a browser page records its settle");
    assert_eq!(settle.rule, rule, "{settle:?}");
    assert!(settle.settled, "{settle:?}");
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
}

#[tokio::test]
async fn the_default_returns_the_content_a_script_puts_in_place_of_a_placeholder() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    // Several times, on a tab that is reused: the early stop returned "Loading…" here.
    for _ in 0..3 {
        let run = executor
            .run(&title_and_items(site.url("/placeholder")), deadline(30))
            .await
            .expect("placeholder page renders");
        let page = &run.pages[0].result;
        assert_eq!(page.mode, Mode::Browser);
        assert_eq!(page.data["title"], "Rendered content");
        assert_eq!(page.data["items"], json!(["alpha", "beta"]));
        assert_settled(page, SettleRule::Quiet);
        let report = run
            .settle_report()
            .expect("a browser job reports its settle");
        assert_eq!(report.rule, ProtoRule::Quiet as i32);
        assert_eq!((report.settled_pages, report.unsettled_pages), (1, 0));
    }
}

#[tokio::test]
async fn content_inserted_after_requests_timers_and_late_scripts_is_returned() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let mut job = title_and_items(site.url("/fetched"));
    job.extract.push(rule("note", "#note"));
    let run = executor.run(&job, deadline(30)).await.expect("renders");
    let page = &run.pages[0].result;
    assert_eq!(
        page.data["items"],
        json!(["alpha", "beta"]),
        "after a fetch"
    );
    assert_eq!(
        page.data["title"], "Fetched content",
        "after an XHR and a timer"
    );
    assert_eq!(page.data["note"], "from a late script");
    assert_settled(page, SettleRule::Quiet);
}

#[tokio::test]
async fn a_page_that_never_settles_ends_at_its_bound_with_what_it_has_and_says_so() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());

    // The DOM never stops changing: bounded by the job's settle timeout.
    let mut ticking = title_and_items(site.url("/ticking"));
    ticking.settle = settle(ProtoRule::Unspecified, "", "", 800);
    let started = Instant::now();
    let run = executor
        .run(&ticking, deadline(30))
        .await
        .expect("read at the bound");
    assert!(started.elapsed() < Duration::from_secs(10), "bounded");
    let page = &run.pages[0].result;
    assert_eq!(page.data["title"], "Ticking");
    let settle = page.settle.as_ref().expect("settle recorded");
    assert!(!settle.settled, "{settle:?}");
    assert_eq!(settle.pending.as_deref(), Some("DOM changes"));
    assert_eq!(page.warnings.len(), 1, "{:?}", page.warnings);
    assert!(
        page.warnings[0].contains("did not settle"),
        "{:?}",
        page.warnings
    );
    let report = run.settle_report().expect("report");
    assert_eq!((report.settled_pages, report.unsettled_pages), (0, 1));
    let stored = serde_json::to_value(page).expect("json");
    assert_eq!(stored["settle"]["settled"], false);
    assert_eq!(stored["settle"]["rule"], "quiet");

    // A request never ends, and the job deadline comes before the settle bound.
    let long_poll = title_and_items(site.url("/long-poll"));
    let started = Instant::now();
    let run = executor
        .run(
            &long_poll,
            tokio::time::Instant::now() + Duration::from_millis(2_500),
        )
        .await
        .expect("read before the job deadline");
    assert!(
        started.elapsed() < Duration::from_millis(2_500),
        "within the deadline"
    );
    let page = &run.pages[0].result;
    assert_eq!(page.data["title"], "Waiting for news");
    let settle = page.settle.as_ref().expect("settle recorded");
    assert!(!settle.settled, "{settle:?}");
    assert_eq!(settle.pending.as_deref(), Some("1 request(s) in flight"));
    assert!(
        page.warnings[0].contains("did not settle"),
        "{:?}",
        page.warnings
    );
}

#[tokio::test]
async fn a_page_without_scripts_is_read_at_its_load_and_an_inline_handler_is_waited_for() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());

    // Nothing can change a loaded document that has no script: it needs no quiet window,
    // so it settles within a bound well under the window.
    let bound = u32::try_from(QUIET_MS / 2).expect("small") - 5;
    let mut job = spec(
        &[site.url("/static")],
        RenderMode::Browser,
        vec![rule("heading", "#heading")],
        vec![],
    );
    job.settle = settle(ProtoRule::Quiet, "", "", bound);
    let run = executor.run(&job, deadline(30)).await.expect("renders");
    let page = &run.pages[0].result;
    assert_settled(page, SettleRule::Quiet);
    assert_eq!(page.data["heading"], "Hello static world");

    // An inline event handler is a script: the change it makes two frames after the load
    // event is waited for, and read.
    let job = title_and_items(site.url("/handler"));
    let run = executor.run(&job, deadline(30)).await.expect("renders");
    let page = &run.pages[0].result;
    assert_settled(page, SettleRule::Quiet);
    assert_eq!(page.data["title"], "Set by a handler");
}

#[tokio::test]
async fn each_settle_rule_is_selectable_and_recorded() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let rules = [
        (settle(ProtoRule::Load, "", "", 0), SettleRule::Load, "load"),
        (
            settle(ProtoRule::NetworkIdle, "", "", 0),
            SettleRule::NetworkIdle,
            "network_idle",
        ),
        (
            settle(ProtoRule::Quiet, "", "", 0),
            SettleRule::Quiet,
            "quiet",
        ),
        (
            settle(ProtoRule::Selector, "#title.ready", "", 0),
            SettleRule::Selector,
            "selector",
        ),
        (
            settle(ProtoRule::Text, "", "Rendered content", 0),
            SettleRule::Text,
            "text",
        ),
    ];
    for (chosen, rule, name) in rules {
        let mut job = title_and_items(site.url("/placeholder"));
        job.settle = chosen;
        let run = executor.run(&job, deadline(30)).await.expect("renders");
        let page = &run.pages[0].result;
        assert_settled(page, rule);
        assert_eq!(
            serde_json::to_value(page).expect("json")["settle"]["rule"],
            name
        );
        assert_eq!(
            run.settle_report().expect("report").rule,
            rule.to_proto() as i32
        );
        if matches!(
            rule,
            SettleRule::Quiet | SettleRule::Selector | SettleRule::Text
        ) {
            assert_eq!(page.data["title"], "Rendered content", "{name}");
        }
    }

    // A selector that never matches: the page is read at the bound, the job succeeds.
    let mut job = title_and_items(site.url("/static"));
    job.settle = settle(ProtoRule::Selector, "#never", "", 500);
    let run = executor
        .run(&job, deadline(30))
        .await
        .expect("read at the bound");
    let page = &run.pages[0].result;
    let settle = page.settle.as_ref().expect("settle recorded");
    assert_eq!(settle.rule, SettleRule::Selector);
    assert!(!settle.settled);
    assert_eq!(settle.pending.as_deref(), Some("selector \"#never\""));
    assert!(page.warnings[0].contains("#never"), "{:?}", page.warnings);
}

#[tokio::test]
async fn wait_for_and_wait_for_text_return_once_their_condition_holds() {
    let site = start_site().await;
    let (executor, _pool) = executor(&config());
    let wait_text = |text: &str, selector: &str, timeout_ms| jetcrawl_proto::v1::Step {
        kind: Some(Kind::WaitForText(WaitForText {
            text: text.into(),
            selector: selector.into(),
        })),
        timeout_ms,
    };
    // Step deadlines far beyond the 1.2 s the text takes: a wait that ended at its
    // deadline would fail the job, and the sanity bound below is far from it too.
    let steps = [
        vec![wait_text("arrived late", "", 20_000)],
        vec![wait_text("arrived   late", "#late", 20_000)],
        vec![jetcrawl_proto::v1::Step {
            kind: Some(Kind::WaitFor(WaitForSelector {
                selector: "#late".into(),
            })),
            timeout_ms: 20_000,
        }],
    ];
    for steps in steps {
        let mut job = spec(
            &[site.url("/late")],
            RenderMode::Browser,
            vec![rule("late", "#late")],
            steps,
        );
        job.settle = settle(ProtoRule::Load, "", "", 0);
        let run = executor.run(&job, deadline(60)).await.expect("waits");
        let page = &run.pages[0].result;
        assert_eq!(page.data["late"], "arrived late");
        assert!(page.elapsed_ms < 15_000, "{} ms", page.elapsed_ms);
    }

    let job = spec(
        &[site.url("/static")],
        RenderMode::Browser,
        vec![],
        vec![wait_text("never there", "", 500)],
    );
    let err = executor
        .run(&job, deadline(30))
        .await
        .expect_err("times out");
    assert_eq!(err.class, ErrorClass::Timeout, "{err}");
    assert!(
        err.message.contains("\"never there\"") && err.message.contains("500 ms"),
        "{err}"
    );
}
