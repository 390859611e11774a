//! The audit chain's state as a metric an alert can watch: the notifier verifies the
//! chain periodically and exports `jetcrawl_audit_chain_ok`, 1 while it is intact and
//! 0 once a superuser altered a row behind the trigger's back.

use std::time::Duration;

use jetcrawl_tests::scrape::metric_value;

use crate::audit::support::*;

#[tokio::test]
async fn the_notifier_exports_whether_the_audit_chain_is_intact() {
    let p = Platform::start().await.expect("platform");
    let client = p.gateway.api_key.clone();
    for path in ["/a", "/b", "/c"] {
        p.submit(&client, path).await.expect("submit");
    }
    p.audit_rows(3).await.expect("projected");
    let notifier = p
        .stack
        .spawn_notifier(&[
            ("JETCRAWL_DATABASE_URL", p.stack.database_url().as_str()),
            ("JETCRAWL_AUDIT_VERIFY_INTERVAL_MS", "200"),
        ])
        .await
        .expect("notifier");
    let chain_ok = |expected: f64| {
        let url = notifier.metrics_url.clone();
        async move {
            let value = metric_value(&url, "jetcrawl_audit_chain_ok").await?;
            anyhow::ensure!(
                value == Some(expected),
                "jetcrawl_audit_chain_ok is {value:?}"
            );
            Ok(())
        }
    };
    jetcrawl_tests::eventually(Duration::from_secs(20), || chain_ok(1.0))
        .await
        .expect("an intact chain reads 1");
    let verified = metric_value(
        &notifier.metrics_url,
        "jetcrawl_audit_chain_verified_timestamp_seconds",
    )
    .await
    .expect("metrics");
    let now = chrono::Utc::now().timestamp() as f64;
    assert!(
        verified.is_some_and(|at| (now - 60.0..=now + 1.0).contains(&at)),
        "verified just now: {verified:?} (now {now})"
    );

    alter_row_behind_the_trigger(&p.pool, 2)
        .await
        .expect("a superuser alters row 2");
    jetcrawl_tests::eventually(Duration::from_secs(20), || chain_ok(0.0))
        .await
        .expect("a broken chain reads 0");
}
