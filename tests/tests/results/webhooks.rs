//! Done means 2: webhooks verified by an independent implementation, exactly one
//! delivery per terminal state, a 500 then a 200 retried with the same `webhook-id`,
//! and the attempts recorded as `WebhookFailed` / `WebhookDelivered`.

use std::time::Duration;

use jetcrawl_proto::v1::JobState;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_tests::eventually;
use sha2::{Digest, Sha256};

use crate::results::receiver::{Behavior, Receiver, verify};
use crate::results::support::{Platform, anonymous, http_spec, webhook_secret};

#[tokio::test(flavor = "multi_thread")]
async fn terminal_states_are_delivered_once_signed_and_a_500_is_retried_with_the_same_id()
-> anyhow::Result<()> {
    let p = Platform::start().await?;
    let _notifier = p
        .notifier(&[
            ("JETCRAWL_WEBHOOK_BACKOFF_BASE_MS", "300"),
            ("JETCRAWL_WEBHOOK_BACKOFF_CAP_MS", "1000"),
            ("JETCRAWL_WEBHOOK_RETRY_WINDOW_SECS", "60"),
        ])
        .await?;
    let secret = webhook_secret(&p.stack, jetcrawl_tests::stack::TEST_TENANT)?;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let receiver = Receiver::start().await?;
    receiver.script("ok", &[Behavior::Status(500), Behavior::Status(200)]);

    let ok_job = p
        .submit(http_spec(p.stack.site.url("/static"), &receiver.url("ok")))
        .await?;
    let failed_job = p
        .submit(http_spec(
            p.stack.site.url("/error/404"),
            &receiver.url("failed"),
        ))
        .await?;
    assert_eq!(p.finished(&ok_job).await?.state, JobState::Succeeded as i32);
    assert_eq!(
        p.finished(&failed_job).await?.state,
        JobState::Failed as i32
    );

    eventually(Duration::from_secs(30), || async {
        let (ok, failed) = (
            receiver.received("ok").len(),
            receiver.received("failed").len(),
        );
        anyhow::ensure!(ok >= 2 && failed >= 1, "received {ok} + {failed}");
        Ok(())
    })
    .await?;
    // Nothing more arrives: one delivery per terminal state (the 500 was a failed attempt).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ok = receiver.received("ok");
    let failed = receiver.received("failed");
    assert_eq!(
        (ok.len(), failed.len()),
        (2, 1),
        "exactly one successful delivery each"
    );

    for delivery in ok.iter().chain(&failed) {
        verify(&secret, delivery).map_err(anyhow::Error::msg)?;
        assert_eq!(delivery.header("content-type"), "application/json");
    }
    let id = ok[0].header("webhook-id");
    assert_eq!(
        ok[1].header("webhook-id"),
        id,
        "the retry carries the same webhook-id"
    );
    assert_ne!(
        failed[0].header("webhook-id"),
        id,
        "another notification, another id"
    );

    let payload = ok[1].json();
    assert_eq!(payload["type"], "job.succeeded");
    assert_eq!(payload["data"]["job_id"], ok_job.as_str());
    assert_eq!(payload["data"]["state"], "succeeded");
    assert_eq!(payload["data"]["attempts"], 1);
    assert!(payload["data"]["duration_ms"].is_u64(), "{payload}");
    let result_url = payload["data"]["result"]["url"]
        .as_str()
        .unwrap_or_default();
    let body = anonymous()?
        .get(p.absolute(result_url))
        .send()
        .await?
        .bytes()
        .await?;
    assert_eq!(
        hex::encode(Sha256::digest(&body)),
        payload["data"]["result"]["sha256"]
            .as_str()
            .unwrap_or_default(),
        "the signed result URL in the payload downloads the result"
    );
    let failure = failed[0].json();
    assert_eq!(failure["data"]["state"], "failed");
    assert_eq!(failure["data"]["error"]["class"], "http_4xx", "{failure}");

    let history = p.history(&ok_job).await?;
    let outcomes: Vec<(String, u32, u32, String)> = history
        .iter()
        .filter_map(|e| match e.payload() {
            Some(Payload::WebhookFailed(f)) => Some((
                "failed".into(),
                f.attempt,
                f.status_code,
                f.webhook_id.clone(),
            )),
            Some(Payload::WebhookDelivered(d)) => Some((
                "delivered".into(),
                d.attempt,
                d.status_code,
                d.webhook_id.clone(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("failed".into(), 1, 500, id.clone()),
            ("delivered".into(), 2, 200, id.clone())
        ],
        "every attempt is an event"
    );
    let delivered = p
        .history(&failed_job)
        .await?
        .iter()
        .filter(|e| matches!(e.payload(), Some(Payload::WebhookDelivered(_))))
        .count();
    assert_eq!(delivered, 1);
    Ok(())
}

/// Issue 17: a crawl's webhook fires for each of its pages and once for the crawl.
#[tokio::test(flavor = "multi_thread")]
async fn a_crawl_notifies_each_page_and_its_own_end() -> anyhow::Result<()> {
    let p = Platform::start().await?;
    let _notifier = p.notifier(&[]).await?;
    let secret = webhook_secret(&p.stack, jetcrawl_tests::stack::TEST_TENANT)?;
    let receiver = Receiver::start().await?;
    let mut spec = http_spec(p.stack.site.url("/site/s9/"), &receiver.url("crawl"));
    spec.extract.clear();
    spec.crawl = Some(jetcrawl_proto::v1::CrawlSpec {
        include_paths: vec!["^/site/s9/".into()],
        max_depth: Some(1),
        ..Default::default()
    });
    let crawl_id = p.submit(spec).await?;
    assert_eq!(
        p.finished(&crawl_id).await?.state,
        JobState::Succeeded as i32
    );
    // 21 pages (the section and its items) and the crawl itself, each once.
    eventually(Duration::from_secs(30), || async {
        let got = receiver.received("crawl").len();
        anyhow::ensure!(got >= 22, "{got} deliveries");
        Ok(())
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let deliveries = receiver.received("crawl");
    let mut jobs: Vec<String> = deliveries
        .iter()
        .map(|d| {
            verify(&secret, d).expect("signed");
            d.json()["data"]["job_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    jobs.sort();
    jobs.dedup();
    assert_eq!(jobs.len(), 22, "one delivery per job: {jobs:?}");
    assert_eq!(deliveries.len(), 22);
    assert!(jobs.contains(&crawl_id));
    let pages = jobs
        .iter()
        .filter(|id| id.starts_with(&format!("{crawl_id}_p")))
        .count();
    assert_eq!(pages, 21, "{jobs:?}");
    Ok(())
}
