//! Done means 1 (robots.txt): precedence, wildcards and `$`, a 404, a 500, a
//! redirecting and an oversized robots.txt. The cache and its expiry are in
//! `robots_cache`, the audited per-tenant override in `robots_override`.

use std::time::Duration;

use jetcrawl_proto::v1::JobState;

use crate::crawl::support::{
    Platform, attempts, deferral_causes, http_spec, metric_until, robots_denial, run_all, state,
    types,
};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_rules_decide_each_url_and_a_denial_names_its_rule() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    // The product token's group (matched case-insensitively) replaces the `*` group.
    site.set_robots(
        "User-agent: *\nDisallow: /\n\n\
         User-agent: JETCRAWL\nDisallow: /static\nAllow: /static/2$\n\
         Disallow: /fo*m\nAllow: /form\nDisallow: /js$\n",
    );
    site.set_robots_for("localhost", 200, "User-agent: *\nDisallow: /\n");
    // 127.0.0.1 is named for metrics; localhost, unnamed, counts under "other".
    let worker = platform
        .worker(&[("JETCRAWL_METRICS_DOMAINS", "127.0.0.1")])
        .await
        .expect("worker");

    let cases = [
        (site.url("/static"), Some("Disallow: /static")), // the longest match wins
        (site.url("/static/2"), None),                    // a longer Allow ending in $
        (site.url("/form"), None),                        // equal lengths: allow wins
        (site.url("/js"), Some("Disallow: /js$")),        // `$` anchors the end
        (site.url("/js?page=1"), None),                   // ... so a query escapes it
        (site.url("/"), None),                            // the `*` group does not apply
        (site.localhost_url("/static/2"), Some("Disallow: /")),
        (site.localhost_url("/robots.txt"), None), // robots.txt is always allowed
    ];
    let urls = cases.iter().map(|(u, _)| u.clone()).collect();
    for ((url, id, job), (_, rule)) in run_all(&platform, urls).await.into_iter().zip(cases) {
        let history = platform.history(&id).await.expect("history");
        match rule {
            None => assert_eq!(
                state(&job),
                JobState::Succeeded,
                "{url}: {:?}",
                types(&history)
            ),
            Some(rule) => {
                assert_eq!(state(&job), JobState::Failed, "{url}");
                let denial = robots_denial(&history).expect("RobotsDisallowed recorded");
                assert_eq!(denial.rule, rule, "{url}");
                // The event names the origin and the URL's position, never the URL: the
                // full URL is personal data, sealed in JobSubmitted.
                let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
                assert_eq!(denial.url, origin, "{url}");
                assert_eq!(denial.url_index, 0, "{url}");
                assert_eq!(denial.product_token, "jetcrawl");
                assert_eq!(attempts(&history), 0, "{url}: no attempt on a refused URL");
                assert_eq!(
                    types(&history),
                    [
                        "JobSubmitted",
                        "RobotsDisallowed",
                        "JobDeadLettered",
                        "JobFailed"
                    ],
                    "{url}"
                );
                let failure = job.failure.expect("failure");
                assert_eq!(failure.error_class, "robots_disallowed");
                assert!(failure.message.contains(rule), "{}", failure.message);
            }
        }
    }
    let on_127 = platform.page_requests("127.0.0.1");
    assert!(
        !on_127
            .iter()
            .any(|r| r.path == "/static" || (r.path == "/js" && r.query.is_none())),
        "a disallowed page was fetched: {on_127:?}"
    );
    assert!(
        platform.page_requests("localhost").is_empty(),
        "nothing but robots.txt was fetched from localhost"
    );
    // Done means 7: robots denials and requests per domain in the worker's metrics.
    metric_until(
        &worker,
        "jetcrawl_robots_denials_total{domain=\"127.0.0.1\"}",
        |v| v == 2.0,
    )
    .await
    .expect("denials counted per domain");
    metric_until(
        &worker,
        "jetcrawl_domain_requests_total{domain=\"127.0.0.1\"}",
        |v| v == 4.0,
    )
    .await
    .expect("requests counted per domain");
    metric_until(
        &worker,
        "jetcrawl_robots_denials_total{domain=\"other\"}",
        |v| v == 1.0,
    )
    .await
    .expect("an unnamed domain's denial counted under other, not as its own series");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_robots_allows_all_and_a_500_robots_holds_jobs_until_it_answers() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots_for("127.0.0.1", 404, "not here");
    site.set_robots_for("localhost", 500, "broken");
    let worker = platform
        .worker(&[("JETCRAWL_ROBOTS_RETRY_MS", "1500")])
        .await
        .expect("worker");

    let missing = run_all(&platform, vec![site.url("/private/secret")]).await;
    assert_eq!(
        state(&missing[0].2),
        JobState::Succeeded,
        "a 404 robots.txt allows everything"
    );

    let held = platform
        .submit(http_spec(site.localhost_url("/static/2")))
        .await
        .expect("submit");
    jetcrawl_tests::eventually(WAIT, || async {
        let history = platform.history(&held).await?;
        let causes = deferral_causes(&history);
        anyhow::ensure!(
            causes.iter().any(|c| c == "robots_unreachable"),
            "{causes:?}"
        );
        Ok(())
    })
    .await
    .expect("the job waits while robots.txt answers 500");
    assert!(
        platform.page_requests("localhost").is_empty(),
        "nothing fetched meanwhile"
    );
    tokio::time::sleep(Duration::from_millis(1_800)).await;
    assert!(
        platform.page_requests("localhost").is_empty(),
        "still disallowed while robots.txt keeps failing"
    );
    site.set_robots_for("localhost", 200, "User-agent: *\nAllow: /\n");
    let job = platform.finish(&held, WAIT).await.expect("ends");
    let history = platform.history(&held).await.expect("history");
    assert_eq!(state(&job), JobState::Succeeded, "{:?}", types(&history));
    assert_eq!(
        attempts(&history),
        1,
        "waiting on robots.txt spent no attempt"
    );
    metric_until(
        &worker,
        "jetcrawl_politeness_deferrals_total{cause=\"robots_unreachable\"}",
        |v| v >= 1.0,
    )
    .await
    .expect("deferrals counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_robots_is_followed_and_an_oversized_one_is_cut_at_500_kib() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots("User-agent: *\nDisallow: /static/2\n");
    site.set_robots_for("127.0.0.1", 301, "/robots-moved.txt");
    let mut big = String::from("User-agent: *\nDisallow: /private\n");
    while big.len() < 520 * 1024 {
        big.push_str("# padding to push the next rule past the 500 KiB parsers must read\n");
    }
    big.push_str("Disallow: /static\n");
    site.set_robots_for("localhost", 200, big);
    let _worker = platform.worker(&[]).await.expect("worker");

    let done = run_all(
        &platform,
        vec![
            site.url("/static/2"),
            site.localhost_url("/private/secret"),
            site.localhost_url("/static"),
        ],
    )
    .await;
    let (platform, done) = (&platform, &done);
    let denial = |i: usize| async move {
        let history = platform.history(&done[i].1).await.expect("history");
        robots_denial(&history).map(|d| d.rule)
    };
    assert_eq!(
        denial(0).await.as_deref(),
        Some("Disallow: /static/2"),
        "the redirect target's rules apply"
    );
    assert_eq!(site.count("/robots-moved.txt"), 1);
    assert_eq!(
        denial(1).await.as_deref(),
        Some("Disallow: /private"),
        "rules within 500 KiB apply"
    );
    assert_eq!(
        state(&done[2].2),
        JobState::Succeeded,
        "a rule past 500 KiB is ignored"
    );
}
