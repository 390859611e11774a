//! Crawl jobs end to end (issue 17, "Done means" 1, 2 and 4): the fixture's `/site/`
//! of a few hundred pages, crawled by real worker processes through gateway and
//! JetStream, checked against the fixture's request log and the crawl's JSONL.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{CancelJobRequest, CrawlSpec, Job, JobSpec, JobState, RenderMode};
use jetcrawl_streams::topology::RESULTS_BUCKET;
use jetcrawl_tests::fixture::graph;
use jetcrawl_tests::{FixtureSite, RequestRecord};
use serde_json::Value;
use tokio::io::AsyncReadExt as _;

use crate::crawl::support::{Platform, smallest_gap_ms, state};

const CRAWL_WAIT: Duration = Duration::from_secs(240);

fn crawl_spec(site: &FixtureSite, crawl: CrawlSpec) -> JobSpec {
    JobSpec {
        urls: vec![site.url("/site/")],
        render: RenderMode::Http as i32,
        timeout_ms: 30_000,
        crawl: Some(crawl),
        ..Default::default()
    }
}

fn robots(delay: &str) -> String {
    format!(
        "User-agent: *\n{}Crawl-delay: {delay}\n",
        graph::ROBOTS_RULES
    )
}

/// `path?query` of a request, its query normalised (pairs sorted) like the crawl's.
fn page_of(request: &RequestRecord) -> String {
    match &request.query {
        Some(query) if !query.is_empty() => {
            let mut pairs: Vec<&str> = query.split('&').collect();
            pairs.sort_unstable();
            format!("{}?{}", request.path, pairs.join("&"))
        }
        _ => request.path.clone(),
    }
}

/// How often each page of `/site/` on 127.0.0.1 was requested.
fn fetch_counts(site: &FixtureSite) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in site.requests_to_host("127.0.0.1") {
        if request.path.starts_with("/site/") {
            *counts.entry(page_of(&request)).or_default() += 1;
        }
    }
    counts
}

async fn jsonl(platform: &Platform, crawl: &Job) -> anyhow::Result<Vec<Value>> {
    let result = crawl
        .result
        .as_ref()
        .expect("a crawl that ended has its JSONL");
    let (_client, js) =
        jetcrawl_streams::connect(&platform.stack.nats_url(), "crawl-jsonl").await?;
    let bucket = js.get_object_store(RESULTS_BUCKET).await?;
    let mut object = bucket.get(&result.result_key).await?;
    let mut bytes = Vec::new();
    object.read_to_end(&mut bytes).await?;
    assert_eq!(bytes.len() as u64, result.result_size);
    Ok(bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).expect("a JSON line"))
        .collect())
}

/// `path?query` of a JSONL line's URL.
fn line_page(line: &Value) -> String {
    let url = url::Url::parse(line["url"].as_str().unwrap_or_default()).expect("a URL");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_fetches_each_in_scope_allowed_page_once_and_lists_them_in_its_jsonl() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots_for("127.0.0.1", 200, robots("0.01"));
    let _worker = platform.worker(&[]).await.expect("worker");

    let whole_site = CrawlSpec {
        max_pages: 1_000,
        ..Default::default()
    };
    let id = platform
        .submit(crawl_spec(site, whole_site))
        .await
        .expect("submit");
    let crawl = platform
        .finish(&id, CRAWL_WAIT)
        .await
        .expect("the crawl ends");
    assert_eq!(state(&crawl), JobState::Succeeded, "{crawl:?}");

    // Exactly the in-scope, allowed pages; each once, but the 503 page, once per attempt.
    let counts = fetch_counts(site);
    let expected: BTreeSet<String> = graph::site_pages().into_iter().collect();
    let fetched: BTreeSet<String> = counts.keys().cloned().collect();
    assert_eq!(fetched, expected, "fetched set");
    for (page, count) in &counts {
        let want = if page == "/site/down" { 4 } else { 1 };
        assert_eq!(*count, want, "{page} fetched {count} times");
    }
    assert!(
        site.requests_to_host("localhost").is_empty(),
        "the other host is out of scope"
    );

    let progress = crawl.crawl.expect("a crawl's progress");
    let pages = expected.len() as u32;
    // Queued: the pages fetched and the 12 private ones robots.txt disallows.
    let private = graph::SECTIONS as u32;
    assert_eq!(progress.queued, pages + private);
    assert_eq!(progress.skipped_robots, private);
    assert_eq!(
        progress.done,
        pages - 2,
        "all but /site/gone and /site/down"
    );
    assert_eq!(progress.failed, 2);
    assert_eq!(progress.pending, 0);
    assert!(progress.skipped_scope > 0, "{progress:?}");

    // The JSONL lists each queued page once, with its outcome and (when it has one) its
    // page: the pages fetched, and the private ones robots.txt refused.
    let lines = jsonl(&platform, &crawl).await.expect("jsonl");
    let listed: Vec<String> = lines.iter().map(line_page).collect();
    let private_pages: BTreeSet<String> = (0..graph::SECTIONS)
        .map(|s| format!("/site/private/{s}"))
        .collect();
    let queued: BTreeSet<String> = expected.union(&private_pages).cloned().collect();
    assert_eq!(listed.iter().cloned().collect::<BTreeSet<_>>(), queued);
    assert_eq!(listed.len(), queued.len(), "each page once");
    let refused = lines
        .iter()
        .find(|l| line_page(l) == "/site/private/4")
        .expect("a private page");
    assert_eq!(refused["error"]["class"], "robots_disallowed", "{refused}");
    let gone = lines
        .iter()
        .find(|l| line_page(l) == "/site/gone")
        .expect("gone");
    assert_eq!(gone["state"], "failed");
    assert_eq!(gone["error"]["class"], "http_4xx");
    let item = lines
        .iter()
        .find(|l| line_page(l) == "/site/s3/p7")
        .expect("item");
    assert_eq!(item["state"], "succeeded");
    assert_eq!(item["depth"], 2);
    assert_eq!(item["page"]["formats"]["metadata"]["title"], "Item 3.7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_crawl_loses_no_page_and_the_crawl_delay_holds_across_workers() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots_for("127.0.0.1", 200, robots("0.2"));
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(platform.worker(&[]).await.expect("worker"));
    }
    let spec = crawl_spec(
        site,
        CrawlSpec {
            include_paths: vec!["^/site/s[0-2]/".into()],
            ..Default::default()
        },
    );
    let id = platform.submit(spec).await.expect("submit");
    // Kill one worker once the crawl is well under way.
    jetcrawl_tests::eventually(Duration::from_secs(60), || async {
        let pages = fetch_counts(site).len();
        anyhow::ensure!(pages >= 15, "{pages} pages fetched so far");
        Ok(())
    })
    .await
    .expect("the crawl gets under way");
    workers[0].process.kill();
    let crawl = platform
        .finish(&id, CRAWL_WAIT)
        .await
        .expect("the crawl ends");
    assert_eq!(state(&crawl), JobState::Succeeded, "{crawl:?}");

    let mut expected: BTreeSet<String> = (0..3)
        .flat_map(|s| {
            let mut pages = vec![format!("/site/s{s}/")];
            pages.extend((0..graph::ITEMS).map(|i| format!("/site/s{s}/p{i}")));
            pages
        })
        .collect();
    expected.insert("/site/".to_owned());
    let counts = fetch_counts(site);
    assert_eq!(counts.keys().cloned().collect::<BTreeSet<_>>(), expected);
    // Each page is in the results once (a page the killed worker had in hand may have
    // been fetched again after its attempt was lost, never twice at once).
    let lines = jsonl(&platform, &crawl).await.expect("jsonl");
    let listed: Vec<String> = lines.iter().map(line_page).collect();
    assert_eq!(listed.len(), expected.len(), "each page once: {listed:?}");
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), expected);
    assert!(lines.iter().all(|l| l["state"] == "succeeded"), "{lines:?}");
    // Every request to the domain, robots.txt included, at least the Crawl-delay apart.
    let requests = site.requests_to_host("127.0.0.1");
    let gap = smallest_gap_ms(&requests).expect("gaps");
    assert!(gap >= 200, "two requests to 127.0.0.1 only {gap} ms apart");
    let refetched: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        refetched.len() <= 2,
        "at most the killed worker's pages again: {refetched:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_cancels_and_failures_all_end_the_crawl() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots_for("127.0.0.1", 200, robots("0.05"));
    let _worker = platform.worker(&[]).await.expect("worker");

    // A page limit: exactly that many pages, the rest counted.
    let limited = crawl_spec(
        site,
        CrawlSpec {
            max_pages: 10,
            ..Default::default()
        },
    );
    let id = platform.submit(limited).await.expect("submit");
    let crawl = platform.finish(&id, CRAWL_WAIT).await.expect("ends");
    assert_eq!(state(&crawl), JobState::Succeeded);
    let progress = crawl.crawl.expect("progress");
    assert_eq!(progress.queued, 10);
    assert!(progress.skipped_limit > 0, "{progress:?}");
    assert_eq!(fetch_counts(site).values().sum::<usize>(), 10);
    assert_eq!(jsonl(&platform, &crawl).await.expect("jsonl").len(), 10);

    // A crawl whose every page fails still ends, its failure listed.
    site.clear_requests();
    let mut failing = crawl_spec(site, CrawlSpec::default());
    failing.urls = vec![site.url("/site/gone")];
    let id = platform.submit(failing).await.expect("submit");
    let crawl = platform.finish(&id, CRAWL_WAIT).await.expect("ends");
    assert_eq!(state(&crawl), JobState::Succeeded);
    assert_eq!(crawl.crawl.as_ref().map(|p| p.failed), Some(1));
    let lines = jsonl(&platform, &crawl).await.expect("jsonl");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["error"]["class"], "http_4xx");

    // Cancel: the crawl stops within a page (one worker) and ends cancelled.
    site.set_robots_for("127.0.0.1", 200, robots("0.3"));
    site.clear_requests();
    let id = platform
        .submit(crawl_spec(site, CrawlSpec::default()))
        .await
        .expect("submit");
    jetcrawl_tests::eventually(Duration::from_secs(60), || async {
        anyhow::ensure!(fetch_counts(site).len() >= 5, "not yet");
        Ok(())
    })
    .await
    .expect("under way");
    let mut jobs = platform.jobs().await.expect("client");
    jobs.cancel_job(CancelJobRequest {
        job_id: id.clone(),
        reason: "enough".into(),
    })
    .await
    .expect("cancel");
    let at_cancel = fetch_counts(site).values().sum::<usize>();
    let crawl = platform.finish(&id, CRAWL_WAIT).await.expect("ends");
    assert_eq!(state(&crawl), JobState::Cancelled, "{crawl:?}");
    let after = fetch_counts(site).values().sum::<usize>() - at_cancel;
    assert!(
        after <= 1,
        "{after} pages fetched after the cancel with one worker"
    );
    let progress = crawl.crawl.expect("progress");
    assert!(progress.cancelled > 0, "{progress:?}");
    let history = platform.history(&id).await.expect("history");
    assert!(
        history
            .iter()
            .any(|e| matches!(e.payload(), Some(Payload::CrawlPageFinished(f)) if f.outcome == "cancelled")),
        "the cancelled pages are recorded on the crawl"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemaps_named_by_robots_txt_add_the_pages_nothing_links_to() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    let index = site.url("/site/sitemap_index.xml");
    site.set_robots_for(
        "127.0.0.1",
        200,
        format!("{}Sitemap: {index}\n", robots("0.01")),
    );
    let _worker = platform.worker(&[]).await.expect("worker");
    let spec = crawl_spec(
        site,
        CrawlSpec {
            include_paths: vec!["^/site/orphan/".into()],
            sitemaps: true,
            ..Default::default()
        },
    );
    let id = platform.submit(spec).await.expect("submit");
    let crawl = platform.finish(&id, CRAWL_WAIT).await.expect("ends");
    assert_eq!(state(&crawl), JobState::Succeeded, "{crawl:?}");

    // The index, its plain and its gzipped child were read; the orphans they list (and
    // the start page) are the crawl's pages; what the include pattern leaves out is not.
    let counts = fetch_counts(site);
    for sitemap in [
        "/site/sitemap_index.xml",
        "/site/sitemap-pages.xml",
        "/site/sitemap-orphans.xml.gz",
    ] {
        assert_eq!(counts.get(sitemap), Some(&1), "{sitemap}: {counts:?}");
    }
    let mut expected: BTreeSet<String> = graph::sitemap_only_pages().into_iter().collect();
    expected.insert("/site/".to_owned());
    let pages: BTreeSet<String> = counts
        .keys()
        .filter(|p| !p.contains("sitemap"))
        .cloned()
        .collect();
    assert_eq!(pages, expected);
    let lines = jsonl(&platform, &crawl).await.expect("jsonl");
    let listed: BTreeSet<String> = lines
        .iter()
        .filter(|l| l.get("kind").is_none())
        .map(line_page)
        .collect();
    assert_eq!(listed, expected);
    let progress = crawl.crawl.expect("progress");
    assert_eq!(progress.queued, expected.len() as u32);
    assert_eq!(
        progress.sitemaps_read, 4,
        "robots.txt, the index and its two children"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_crawl_follows_links_a_script_inserts() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots_for("127.0.0.1", 200, robots("0.01"));
    let _worker = platform.worker(&[]).await.expect("worker");
    let mut spec = crawl_spec(
        site,
        CrawlSpec {
            include_paths: vec!["^/site/js/".into()],
            ..Default::default()
        },
    );
    spec.urls = vec![site.url("/site/js/")];
    spec.render = RenderMode::Browser as i32;
    let id = platform.submit(spec).await.expect("submit");
    let crawl = platform.finish(&id, CRAWL_WAIT).await.expect("ends");
    assert_eq!(state(&crawl), JobState::Succeeded, "{crawl:?}");
    let mut expected: BTreeSet<String> = graph::script_pages().into_iter().collect();
    expected.insert("/site/js/".to_owned());
    let fetched: BTreeSet<String> = fetch_counts(site).keys().cloned().collect();
    assert_eq!(fetched, expected, "the script's links were followed");
}

/// Crawls `/site/<section>/` at depth 1 with a worker that dies right after the
/// section's links are queued on the crawl, before one of their page jobs exists; returns
/// the crawl once that worker is gone.
async fn crawl_until_the_first_expansion_crashes(platform: &Platform, section: &str) -> String {
    let site = &platform.stack.site;
    let mut crashing = platform
        .worker(&[("JETCRAWL_WORKER_ABORT_AFTER_QUEUE", "1")])
        .await
        .expect("worker");
    let mut spec = crawl_spec(
        site,
        CrawlSpec {
            include_paths: vec![format!("^/site/{section}/")],
            max_depth: Some(1),
            ..Default::default()
        },
    );
    spec.urls = vec![site.url(&format!("/site/{section}/"))];
    let id = platform.submit(spec).await.expect("submit");
    let aborted = tokio::time::Instant::now() + Duration::from_secs(30);
    while crashing.process.is_running() {
        assert!(
            tokio::time::Instant::now() < aborted,
            "the worker aborts at the failpoint"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_queueing_and_submitting_loses_no_page() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots_for("127.0.0.1", 200, robots("0.01"));
    let id = crawl_until_the_first_expansion_crashes(&platform, "s7").await;
    let _worker = platform.worker(&[]).await.expect("worker");
    let crawl = platform
        .finish(&id, CRAWL_WAIT)
        .await
        .expect("the crawl ends");
    assert_eq!(state(&crawl), JobState::Succeeded, "{crawl:?}");
    let progress = crawl.crawl.expect("progress");
    assert_eq!((progress.queued, progress.done), (21, 21), "{progress:?}");
    let lines = jsonl(&platform, &crawl).await.expect("jsonl");
    assert_eq!(lines.len(), 21);
    let fetched: BTreeSet<String> = fetch_counts(site).keys().cloned().collect();
    assert_eq!(fetched.len(), 21, "{fetched:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_queued_by_a_page_that_then_failed_are_still_fetched() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots_for("127.0.0.1", 200, robots("0.01"));
    let id = crawl_until_the_first_expansion_crashes(&platform, "s8").await;
    // The section's lost attempt was its only one: it fails without running again, so
    // its page jobs, queued but never submitted, must come from the crawl's history.
    let _worker = platform
        .worker(&[("JETCRAWL_MAX_ATTEMPTS", "1")])
        .await
        .expect("worker");
    let crawl = platform
        .finish(&id, CRAWL_WAIT)
        .await
        .expect("the crawl ends");
    assert_eq!(state(&crawl), JobState::Succeeded, "{crawl:?}");
    let progress = crawl.crawl.expect("progress");
    assert_eq!(
        (progress.queued, progress.done, progress.failed),
        (21, 20, 1),
        "{progress:?}"
    );
    let counts = fetch_counts(site);
    assert_eq!(counts.len(), 21, "{counts:?}");
    assert!(
        counts.values().all(|n| *n == 1),
        "each page once: {counts:?}"
    );
}
