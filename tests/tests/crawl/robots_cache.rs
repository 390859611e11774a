//! Done means 1 (cache): robots.txt is fetched once for the whole fleet while it is
//! fresh, checked by the fixture's request counter, and again once it expired.

use std::time::Duration;

use jetcrawl_proto::v1::JobState;

use crate::crawl::support::{Platform, http_spec, state};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_one_robots_fetch_until_it_expires() {
    let owned = Platform::start().await.expect("platform");
    let platform = &owned;
    let site = &platform.stack.site;
    let ttl = [("JETCRAWL_ROBOTS_TTL_MS", "4000")];
    let workers = [
        platform.worker(&ttl).await.expect("worker 1"),
        platform.worker(&ttl).await.expect("worker 2"),
    ];
    let run = |n: usize| async move {
        let mut ids = Vec::new();
        for i in 0..n {
            let url = site.url(&format!("/static/2?n={i}"));
            ids.push(platform.submit(http_spec(url)).await.expect("submit"));
        }
        let mut ran_on = std::collections::BTreeSet::new();
        for id in ids {
            let job = platform
                .finish(&id, Duration::from_secs(30))
                .await
                .expect("ends");
            assert_eq!(state(&job), JobState::Succeeded);
            let history = platform.history(&id).await.expect("history");
            ran_on.insert(
                history
                    .last()
                    .map(|e| e.event.actor.clone())
                    .unwrap_or_default(),
            );
        }
        ran_on
    };

    let first = std::time::Instant::now();
    let mut ran_on = run(8).await;
    // Both workers must have run jobs for the count to say anything about sharing.
    while ran_on.len() < workers.len() && first.elapsed() < Duration::from_secs(3) {
        ran_on.extend(run(4).await);
    }
    assert_eq!(ran_on.len(), 2, "both workers ran jobs: {ran_on:?}");
    assert_eq!(
        site.count("/robots.txt"),
        1,
        "one fetch for the fleet while fresh"
    );

    // Fresh for 4 s from the fetch: wait until it has certainly expired.
    let fetched = site.requests_to("/robots.txt")[0].at;
    tokio::time::sleep_until((fetched + Duration::from_millis(4_300)).into()).await;
    run(2).await;
    assert_eq!(site.count("/robots.txt"), 2, "fetched again once expired");
}
