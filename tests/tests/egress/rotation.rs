//! Done means 5: two local forward proxies both carry traffic, HTTP and browser; a
//! domain sticks to its proxy; one proxy going down is retired and its domains move to
//! the other without losing an attempt; every attempt's events name its proxy.

use std::collections::HashMap;

use jetcrawl_proto::v1::{JobState, RenderMode};
use jetcrawl_tests::TestProxy;

use crate::egress::support::{Platform, data, env, proxies_recorded, spec, text};

const DOMAINS: [&str; 4] = ["a.test", "b.test", "c.test", "d.test"];

#[tokio::test(flavor = "multi_thread")]
async fn traffic_rotates_over_two_proxies_and_leaves_a_failed_one() -> anyhow::Result<()> {
    let first = TestProxy::start()?;
    let second = TestProxy::start()?;
    let proxies = format!("{},{}", first.url(), second.url());
    let platform = Platform::start(|stack| {
        env(&[
            ("JETCRAWL_ALLOW_PRIVATE_TARGETS", "false"),
            (
                "JETCRAWL_ALLOW_TARGETS",
                &format!("127.0.0.1:{}", stack.site.addr().port()),
            ),
            ("JETCRAWL_RESOLVE", "*.test=127.0.0.1"),
            ("JETCRAWL_PROXIES", &proxies),
            ("JETCRAWL_PROXY_COOLDOWN_MS", "600000"),
            ("JETCRAWL_MAX_ATTEMPTS", "1"),
        ])
    })
    .await?;
    let port = platform.stack.site.addr().port();
    let page = |host: &str, render| {
        spec(
            format!("http://{host}:{port}/static"),
            render,
            vec![text("title", "#title")],
            Vec::new(),
        )
    };

    // One job per domain, one after the other so the round-robin order is known; then
    // a subdomain of the first and a browser page on the second.
    let mut used: HashMap<&str, String> = HashMap::new();
    for domain in DOMAINS {
        let proxy = run(&platform, page(domain, RenderMode::Http)).await?;
        used.insert(domain, proxy);
    }
    assert_eq!(
        used["a.test"],
        first.url(),
        "round-robin starts at the first"
    );
    assert_eq!(used["b.test"], second.url());
    assert_eq!(used["c.test"], first.url());
    assert_eq!(used["d.test"], second.url());
    assert_eq!(
        run(&platform, page("www.a.test", RenderMode::Http)).await?,
        first.url(),
        "a subdomain shares its registrable domain's proxy"
    );
    assert_eq!(
        run(&platform, page("b.test", RenderMode::Browser)).await?,
        second.url()
    );
    let (first_before, second_before) = (first.count(), second.count());
    assert!(
        first_before >= 3 && second_before >= 3,
        "both carried traffic: {first_before}, {second_before}"
    );
    assert!(
        second
            .requests()
            .iter()
            .any(|r| r.target == format!("http://b.test:{port}/static") && r.method == "GET"),
        "the browser's page went through the domain's proxy: {:?}",
        second.requests()
    );

    // The first proxy goes down: its domains move to the second, in both modes, and
    // the attempt that found it down still succeeded.
    first.set_down(true);
    let moved = run(&platform, page("a.test", RenderMode::Http)).await?;
    assert_eq!(
        moved,
        format!("{}, {}", first.url(), second.url()),
        "tried, then moved"
    );
    assert_eq!(
        run(&platform, page("c.test", RenderMode::Browser)).await?,
        second.url()
    );
    assert_eq!(
        run(&platform, page("www.a.test", RenderMode::Http)).await?,
        second.url()
    );
    assert_eq!(
        run(&platform, page("d.test", RenderMode::Http)).await?,
        second.url()
    );
    assert_eq!(
        first.count(),
        first_before,
        "nothing went through the retired proxy"
    );
    assert!(second.count() >= second_before + 4);
    let metrics = platform.metrics().await?;
    let retired = format!("proxy=\"{}\"", first.url());
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("jetcrawl_egress_proxy_retired_total") && l.contains(&retired)),
        "the retirement is counted:\n{metrics}"
    );
    Ok(())
}

/// Runs one job to success; returns the proxies its JobSucceeded names, after checking
/// that JobStarted planned the first of them.
async fn run(platform: &Platform, job: jetcrawl_proto::v1::JobSpec) -> anyhow::Result<String> {
    let url = job.urls[0].clone();
    let job_id = platform.submit(job).await?;
    let job = platform.finished(&job_id).await?;
    anyhow::ensure!(
        job.state == JobState::Succeeded as i32,
        "{url}: {:?}\n{}",
        job.failure,
        platform.worker.process.log()
    );
    let result = platform.result(&job).await?;
    anyhow::ensure!(data(&result)["title"] == "Static Title", "{url}: {result}");
    let recorded = proxies_recorded(&platform.payloads(&job_id).await?);
    let started = recorded.iter().find(|(kind, _)| *kind == "JobStarted");
    let succeeded = recorded.iter().find(|(kind, _)| *kind == "JobSucceeded");
    let (Some((_, planned)), Some((_, used))) = (started, succeeded) else {
        anyhow::bail!("{url}: no start or success event: {recorded:?}");
    };
    anyhow::ensure!(
        used.starts_with(planned.as_str()),
        "{url}: planned {planned}, used {used}"
    );
    Ok(used.clone())
}

/// A SOCKS5 proxy carries both paths: the worker resolves and checks the name, then
/// asks the proxy for the checked address.
#[tokio::test(flavor = "multi_thread")]
async fn a_socks5_proxy_carries_http_and_browser_traffic() -> anyhow::Result<()> {
    let proxy = TestProxy::start()?;
    let socks = proxy.socks5_url();
    let platform = Platform::start(|stack| {
        env(&[
            ("JETCRAWL_ALLOW_PRIVATE_TARGETS", "false"),
            (
                "JETCRAWL_ALLOW_TARGETS",
                &format!("127.0.0.1:{}", stack.site.addr().port()),
            ),
            ("JETCRAWL_RESOLVE", "*.test=127.0.0.1"),
            ("JETCRAWL_PROXIES", &socks),
            ("JETCRAWL_MAX_ATTEMPTS", "1"),
        ])
    })
    .await?;
    let port = platform.stack.site.addr().port();
    for render in [RenderMode::Http, RenderMode::Browser] {
        let job = spec(
            format!("http://e.test:{port}/static"),
            render,
            vec![text("title", "#title")],
            Vec::new(),
        );
        assert_eq!(run(&platform, job).await?, socks, "{render:?}");
    }
    let carried = proxy.requests();
    let to_site = format!("127.0.0.1:{port}");
    assert!(
        carried
            .iter()
            .filter(|r| r.method == "SOCKS5" && r.target == to_site)
            .count()
            >= 2,
        "both jobs went through the SOCKS5 proxy to the checked address: {carried:?}"
    );
    Ok(())
}
