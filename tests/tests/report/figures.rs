//! A seeded month through the reporter library against real Postgres and NATS: exact
//! counts and nearest-rank percentiles, tenant isolation, idempotence under concurrent
//! generation, and the HTML rendered in Chromium with the same figures in its DOM.

use std::sync::Arc;
use std::time::Duration;

use jetcrawl_reporter::clock::FixedClock;
use jetcrawl_reporter::figures::Report;
use jetcrawl_reporter::query::QueryOptions;
use jetcrawl_reporter::{GenerateRequest, Month, ReportError, Reporter};
use jetcrawl_streams::Topology;
use jetcrawl_tests::Stack;
use tokio::io::AsyncReadExt as _;

use crate::report::browser::{png_size, render};
use crate::report::seed::seed_month;

async fn reporter(stack: &Stack) -> anyhow::Result<Reporter> {
    let pool = stack.pg_pool().await?;
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "report-test").await?;
    Topology::default().apply(&js).await?;
    let bucket = jetcrawl_streams::reports::bind_reports(&js).await?;
    let clock = Arc::new(FixedClock("2026-11-15T08:00:00Z".parse()?));
    let options = QueryOptions { top_domains: 2 };
    Ok(Reporter::new(
        pool,
        js,
        bucket,
        clock,
        options,
        Duration::from_secs(5),
    ))
}

fn request(month: &str) -> GenerateRequest {
    GenerateRequest {
        month: month.parse().expect("month"),
        regenerate: false,
        requested_by: "key:test".to_owned(),
    }
}

async fn object(stack: &Stack, key: &str) -> anyhow::Result<Vec<u8>> {
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "report-read").await?;
    let mut object = js.get_object_store("REPORTS").await?.get(key).await?;
    let mut bytes = Vec::new();
    object.read_to_end(&mut bytes).await?;
    Ok(bytes)
}

#[tokio::test]
async fn a_seeded_month_has_exactly_the_expected_figures_and_renders_in_chromium() {
    jetcrawl_tests::init_test_tracing();
    let stack = Stack::start().await.expect("stack starts");
    let pool = stack.pg_pool().await.expect("postgres pool");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations");
    let month: Month = "2026-10".parse().expect("month parses");
    let head_hash = seed_month(&pool, month).await.expect("seeded month");
    let reporter = reporter(&stack).await.expect("reporter");

    let done = reporter
        .generate(request("2026-10"))
        .await
        .expect("report generated");
    assert!(done.generated);
    assert_eq!(done.report.revision, 1);
    let again = reporter
        .generate(request("2026-10"))
        .await
        .expect("report generated");
    assert!(
        !again.generated,
        "a second generation returns the existing report"
    );
    assert_eq!(again.report, done.report);
    // Two reporters (own pools, as two processes) racing on one month: one generates, the
    // other waits on the month's lock and gets that report.
    let other = self::reporter(&stack).await.expect("reporter");
    let (a, b) = tokio::join!(
        reporter.generate(request("2026-09")),
        other.generate(request("2026-09"))
    );
    let (a, b) = (a.expect("first reporter"), b.expect("second reporter"));
    assert!(
        a.generated ^ b.generated,
        "exactly one of two concurrent generations runs"
    );
    assert_eq!(a.report, b.report);
    let early = reporter.generate(request("2026-11")).await.unwrap_err();
    assert!(
        matches!(early, ReportError::Precondition(ref m) if m.contains("not over")),
        "{early}"
    );

    let files = jetcrawl_reporter::index::files(&pool, "2026-10", 1)
        .await
        .expect("indexed files");
    let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "all.html",
            "all.json",
            "tenant.acme.html",
            "tenant.acme.json",
            "tenant.globex.html",
            "tenant.globex.json"
        ]
    );
    let platform: Report = serde_json::from_slice(
        &object(&stack, "2026-10/r1/all.json")
            .await
            .expect("stored object"),
    )
    .expect("valid JSON");
    check_figures(&platform, &head_hash);

    let acme_json = object(&stack, "2026-10/r1/tenant.acme.json")
        .await
        .expect("stored object");
    let acme: Report = serde_json::from_slice(&acme_json).expect("valid JSON");
    assert_eq!(acme.overall, platform.tenants[0]);
    assert!(acme.tenants.is_empty());
    assert!(
        !String::from_utf8_lossy(&acme_json).contains("globex"),
        "a tenant's report names no other tenant"
    );

    let html = object(&stack, "2026-10/r1/all.html")
        .await
        .expect("stored object");
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).expect("page written");
    let profile = dir.path().join("profile");
    let rendered = tokio::task::spawn_blocking(move || render(&page, &profile))
        .await
        .expect("render task")
        .expect("report renders in Chromium");
    check_page(&rendered, &head_hash);
}

fn check_figures(report: &Report, head_hash: &str) {
    assert_eq!(report.month, "2026-10");
    assert_eq!(report.scope, "all");
    let (all, acme, globex) = (&report.overall, &report.tenants[0], &report.tenants[1]);
    assert_eq!(acme.tenant.as_deref(), Some("acme"));
    assert_eq!(globex.tenant.as_deref(), Some("globex"));
    let j = &acme.jobs;
    assert_eq!(
        (
            j.submitted,
            j.succeeded,
            j.failed,
            j.cancelled,
            j.dead_lettered,
            j.retries
        ),
        (101, 81, 10, 5, 5, 10)
    );
    assert_eq!(
        (all.jobs.submitted, all.jobs.succeeded, all.jobs.failed),
        (111, 91, 10)
    );
    assert_eq!(acme.success_rate, Some(81.0 / 91.0));
    assert_eq!(all.success_rate, Some(91.0 / 101.0));
    let p = |p: &jetcrawl_reporter::figures::Percentiles| (p.count, p.p50, p.p95, p.p99);
    assert_eq!(
        p(&acme.ack_latency_ms),
        (100, Some(50.0), Some(95.0), Some(99.0))
    );
    assert_eq!(
        p(&globex.ack_latency_ms),
        (10, Some(1005.0), Some(1010.0), Some(1010.0))
    );
    assert_eq!(
        p(&all.ack_latency_ms),
        (110, Some(55.0), Some(1005.0), Some(1009.0))
    );
    assert_eq!(
        p(&acme.duration_ms),
        (91, Some(45000.0), Some(86000.0), Some(90000.0))
    );
    assert_eq!(
        p(&globex.duration_ms),
        (10, Some(500.0), Some(500.0), Some(500.0))
    );
    assert_eq!(
        p(&all.duration_ms),
        (101, Some(40000.0), Some(85000.0), Some(89000.0))
    );
    assert_eq!((acme.robots.robots_denials, acme.robots.deferrals), (3, 4));
    let w = &acme.webhooks;
    assert_eq!(
        (w.attempts, w.delivered, w.failed, w.delivery_rate),
        (12, 9, 1, Some(0.9))
    );
    assert_eq!(
        (
            acme.subject_requests.erasures,
            acme.subject_requests.access_exports
        ),
        (2, 1)
    );
    assert_eq!(all.subject_requests.erasures, 2);
    let domains: Vec<_> = acme
        .top_domains
        .iter()
        .map(|d| (d.domain.as_str(), d.submitted, d.succeeded, d.failed))
        .collect();
    assert_eq!(
        domains,
        [("a.example", 60, 60, 0), ("b.example", 30, 20, 10)]
    );
    assert_eq!(all.top_domains[0].domain, "a.example");
    assert_eq!(&acme.daily_submitted[..6], &[23, 24, 24, 24, 5, 0]);
    assert_eq!(acme.daily_submitted[30], 1);
    assert_eq!(globex.daily_submitted[19], 10);
    assert_eq!(all.daily_submitted.iter().sum::<i64>(), 111);
    assert_eq!(report.retention.runs, 1);
    let removed: Vec<_> = report
        .retention
        .removed
        .iter()
        .map(|r| (r.kind.as_str(), r.count))
        .collect();
    assert_eq!(removed, [("audit_log", 0), ("results", 5)]);
    let chain = &report.audit_chain;
    assert!(chain.ok, "{chain:?}");
    assert_eq!(
        (chain.rows_checked, chain.head_seq, chain.head_hash.as_str()),
        (5, 5, head_hash)
    );
    assert!(report.methods.percentiles.contains("nearest-rank"));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

fn check_page(rendered: &crate::report::browser::Rendered, head_hash: &str) {
    let (width, height) = png_size(&rendered.screenshot).expect("a PNG screenshot");
    assert!(width >= 800 && height >= 600, "{width}x{height}");
    // A blank page of this size compresses to a few kB; text and charts do not.
    assert!(
        rendered.screenshot.len() > 20_000,
        "a blank screenshot: {} bytes",
        rendered.screenshot.len()
    );
    let f = &rendered.figures;
    let get = |k: &str| {
        f.get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {k} in the DOM: {f:?}"))
    };
    assert_eq!(get("month"), "2026-10");
    assert_eq!(get("overall.jobs.submitted"), "111");
    assert_eq!(get("tenant.acme.jobs.submitted"), "101");
    assert_eq!(get("tenant.acme.jobs.dead_lettered"), "5");
    assert_eq!(get("tenant.acme.ack_latency_ms.p50"), "50");
    assert_eq!(get("tenant.acme.ack_latency_ms.p95"), "95");
    assert_eq!(get("tenant.acme.ack_latency_ms.p99"), "99");
    assert_eq!(get("overall.ack_latency_ms.p99"), "1009");
    assert_eq!(get("tenant.acme.duration_ms.p95"), "86000");
    assert_eq!(get("tenant.globex.jobs.succeeded"), "10");
    assert_eq!(get("tenant.acme.webhooks.delivery_rate"), "0.9");
    assert_eq!(get("tenant.acme.subject_requests.erasures"), "2");
    assert_eq!(get("retention.runs"), "1");
    assert_eq!(get("audit_chain.ok"), "true");
    assert_eq!(get("audit_chain.head_hash"), head_hash);
    for chart in ["ack_latency", "duration", "daily", "domains", "jobs"] {
        assert!(
            rendered.charts.iter().any(|c| c == chart),
            "chart {chart} not laid out: {:?}",
            rendered.charts
        );
    }
    assert!(rendered.labels > 20, "{} chart labels", rendered.labels);
    assert!(
        rendered.overflowing.is_empty(),
        "chart labels clipped: {:?}",
        rendered.overflowing
    );
    // For a compliance officer: the month in words, the periods in force, and how to
    // check the chain's head hash.
    let summary = get("summary");
    assert!(
        summary.contains("111 job(s) were submitted")
            && summary.contains("2 erasure request(s)")
            && summary.contains("results 30 days")
            && summary.contains("audit log rows 180 days"),
        "{summary}"
    );
    assert_eq!(get("retention.period.results"), "30");
    assert_eq!(get("retention.period.audit_log"), "180");
    // Each request fulfilled, held against the one-month deadline: one with its receipt
    // date (on time), the others without (unknown, never guessed).
    assert_eq!(
        get("tenant.acme.subject_requests.handled.1.within_deadline"),
        "true"
    );
    assert_eq!(
        get("tenant.acme.subject_requests.handled.0.within_deadline"),
        "unknown"
    );
    let steps = get("audit_chain.verify_steps");
    assert!(
        steps.contains("jetcrawl audit verify") && steps.contains(head_hash),
        "{steps}"
    );
}
