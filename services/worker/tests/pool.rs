//! The browser pool: hung pages are killed at their deadline, browsers are recycled,
//! and no Chromium process outlives the pool.

use std::time::{Duration, Instant};

use crate::common::*;
use jetcrawl_proto::v1::RenderMode;
use jetcrawl_worker::ErrorClass;
use jetcrawl_worker::pool::reap::processes_matching;

async fn wait_until_gone(dir: &std::path::Path) -> Vec<i32> {
    let started = Instant::now();
    loop {
        let left = processes_matching(dir);
        if left.is_empty() || started.elapsed() > Duration::from_secs(10) {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_hung_page_is_killed_at_its_deadline_and_the_slot_works_again() {
    let site = start_site().await;
    let mut config = config();
    config.tabs = 1;
    config.navigation_timeout_ms = 2_000;
    let (executor, pool) = executor(&config);
    let root = pool.root_dir().to_owned();

    let fine = spec(
        &[site.url("/js")],
        RenderMode::Browser,
        vec![rule("out", "#out")],
        vec![],
    );
    executor
        .run(&fine, deadline(20))
        .await
        .expect("warm-up page renders");

    let hung = spec(
        &[site.url("/hang")],
        RenderMode::Browser,
        vec![rule("body", "body")],
        vec![],
    );
    let started = Instant::now();
    let err = executor
        .run(&hung, deadline(30))
        .await
        .expect_err("hung page times out");
    assert_eq!(err.class, ErrorClass::Timeout, "{err}");
    assert!(err.retryable());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "killed at the deadline, took {:?}",
        started.elapsed()
    );

    // The only slot is free again once the hung tab is gone, and it works.
    let run = tokio::time::timeout(Duration::from_secs(20), executor.run(&fine, deadline(20)))
        .await
        .expect("slot released after cleanup")
        .expect("next page renders");
    assert_eq!(run.pages[0].result.data["out"], "Rendered by JS");

    assert!(
        !processes_matching(&root).is_empty(),
        "chromium runs while the pool lives"
    );
    drop(executor);
    drop(pool);
    let left = wait_until_gone(&root).await;
    assert!(
        left.is_empty(),
        "orphaned chromium processes after the pool was dropped: {left:?}"
    );
}

#[tokio::test]
async fn a_whole_job_deadline_kills_the_page_too() {
    let site = start_site().await;
    let mut config = config();
    config.tabs = 1;
    config.navigation_timeout_ms = 30_000;
    let (executor, pool) = executor(&config);
    let fine = spec(
        &[site.url("/static")],
        RenderMode::Browser,
        vec![rule("title", "title")],
        vec![],
    );
    executor
        .run(&fine, deadline(20))
        .await
        .expect("warm-up page renders");
    let hung = spec(&[site.url("/hang")], RenderMode::Browser, vec![], vec![]);
    let started = Instant::now();
    let err = executor
        .run(
            &hung,
            tokio::time::Instant::now() + Duration::from_millis(1_500),
        )
        .await
        .expect_err("deadline");
    assert_eq!(err.class, ErrorClass::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    let run = executor
        .run(&fine, deadline(20))
        .await
        .expect("slot works again");
    assert_eq!(run.pages[0].result.data["title"], "Static Title");
    let root = pool.root_dir().to_owned();
    pool.shutdown().await;
    assert!(
        wait_until_gone(&root.join("browser-1")).await.is_empty(),
        "shutdown kills every browser"
    );
}

#[tokio::test]
async fn browsers_are_recycled_after_their_page_quota() {
    let site = start_site().await;
    let mut config = config();
    config.tabs = 1;
    config.recycle_pages = 2;
    let (executor, pool) = executor(&config);
    let root = pool.root_dir().to_owned();
    let page = spec(
        &[site.url("/static")],
        RenderMode::Browser,
        vec![rule("title", "title")],
        vec![],
    );
    for _ in 0..2 {
        executor
            .run(&page, deadline(20))
            .await
            .expect("page renders");
    }
    assert!(
        wait_until_gone(&root.join("browser-1")).await.is_empty(),
        "first browser retired after 2 pages"
    );
    let run = executor
        .run(&page, deadline(20))
        .await
        .expect("a fresh browser serves the next page");
    assert_eq!(run.pages[0].result.data["title"], "Static Title");
    assert!(
        !processes_matching(&root.join("browser-2")).is_empty(),
        "second browser runs"
    );
    drop(executor);
    drop(pool);
    assert!(wait_until_gone(&root).await.is_empty());
}
