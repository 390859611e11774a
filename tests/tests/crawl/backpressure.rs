//! Done means 4 and 7: `Retry-After` pushes the domain's next slot out, and the circuit
//! breaker opens after the configured failures and closes after recovery, visible in
//! `jetcrawl domains` and in the worker's metrics.

use std::time::Duration;

use jetcrawl_proto::v1::JobState;

use crate::crawl::support::{
    Platform, attempts, cli_json, deferral_causes, http_spec, metric_until, state, types,
};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_holds_the_whole_domain_back() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    let _worker = platform.worker(&[]).await.expect("worker");

    let throttled = platform
        .submit(http_spec(site.url("/throttled?key=a&fail=1&retry_after=2")))
        .await
        .expect("submit");
    jetcrawl_tests::eventually(WAIT, || async {
        anyhow::ensure!(site.count("/throttled") == 1, "not yet throttled");
        Ok(())
    })
    .await
    .expect("the first request is answered 429");
    let neighbour = platform
        .submit(http_spec(site.url("/static/2")))
        .await
        .expect("submit");

    let job = platform.finish(&throttled, WAIT).await.expect("ends");
    let history = platform.history(&throttled).await.expect("history");
    assert_eq!(state(&job), JobState::Succeeded, "{:?}", types(&history));
    assert_eq!(
        attempts(&history),
        2,
        "the 429 was one attempt, waiting was none"
    );
    assert!(
        deferral_causes(&history).contains(&"retry_after".to_owned()),
        "{:?}",
        types(&history)
    );
    let requests = site.requests_to("/throttled");
    let waited = requests[1].at.duration_since(requests[0].at);
    assert!(
        waited >= Duration::from_secs(2),
        "retried after {waited:?}, Retry-After said 2 s"
    );

    let job = platform.finish(&neighbour, WAIT).await.expect("ends");
    assert_eq!(state(&job), JobState::Succeeded);
    let history = platform.history(&neighbour).await.expect("history");
    assert_eq!(
        deferral_causes(&history),
        ["retry_after"],
        "the domain was paused for it too"
    );
    let page = &site.requests_to("/static/2")[0];
    assert!(
        page.at.duration_since(requests[0].at) >= Duration::from_secs(2),
        "another job of the domain waited for Retry-After"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_after_failures_and_closes_after_recovery() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    let worker = platform
        .worker(&[
            ("JETCRAWL_MAX_ATTEMPTS", "1"),
            ("JETCRAWL_BREAKER_FAILURES", "3"),
            ("JETCRAWL_BREAKER_COOLDOWN_MS", "3000"),
            ("JETCRAWL_METRICS_DOMAINS", "localhost"),
        ])
        .await
        .expect("worker");
    let breaker = "jetcrawl_domain_breaker_state{domain=\"localhost\"}";

    for i in 0..3 {
        let id = platform
            .submit(http_spec(site.localhost_url(&format!("/error/500?n={i}"))))
            .await
            .expect("submit");
        let job = platform.finish(&id, WAIT).await.expect("ends");
        assert_eq!(state(&job), JobState::Failed);
    }
    let opened_at = site.requests_to("/error/500")[2].at;
    metric_until(&worker, breaker, |v| v == 2.0)
        .await
        .expect("the gauge says open");
    let domains = cli_json(&platform, &platform.auditor_key, &["domains"])
        .await
        .expect("jetcrawl domains");
    let localhost = domains["domains"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["domain"] == "localhost"))
        .cloned()
        .expect("localhost listed");
    assert_eq!(localhost["breaker"], "open", "{domains}");
    assert_eq!(localhost["consecutive_failures"], 3);

    let probe = platform
        .submit(http_spec(site.localhost_url("/static/2")))
        .await
        .expect("submit");
    let job = platform.finish(&probe, WAIT).await.expect("ends");
    let history = platform.history(&probe).await.expect("history");
    assert_eq!(state(&job), JobState::Succeeded, "{:?}", types(&history));
    assert_eq!(
        deferral_causes(&history)[0],
        "breaker",
        "deferred while open"
    );
    assert_eq!(attempts(&history), 1);
    let probed_at = site.requests_to("/static/2")[0].at;
    assert!(
        probed_at.duration_since(opened_at) >= Duration::from_secs(3),
        "nothing reached the site during the cool-down"
    );
    metric_until(&worker, breaker, |v| v == 0.0)
        .await
        .expect("the gauge says closed");
    let domains = cli_json(
        &platform,
        &platform.admin_key,
        &["domains", "--contains", "localhost"],
    )
    .await
    .expect("jetcrawl domains");
    assert_eq!(domains["domains"][0]["breaker"], "closed", "{domains}");
    assert_eq!(domains["domains"][0]["consecutive_failures"], 0);
    let refused = cli_json(&platform, &platform.gateway.api_key, &["domains"]).await;
    assert!(
        refused.is_err_and(|e| e.to_string().contains("PermissionDenied")),
        "a client key may not read the crawl state"
    );
    metric_until(
        &worker,
        "jetcrawl_politeness_deferrals_total{cause=\"breaker\"}",
        |v| v >= 1.0,
    )
    .await
    .expect("deferrals counted by cause");
}
