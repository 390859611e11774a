//! Done means 1 (retention): with a short retention (the dev override), the purge run by
//! the notifier records `ResultExpired` on the job and removes the objects; the signed
//! URL then answers 410 and GetResult says the result was removed.

use std::time::{Duration, Instant};

use jetcrawl_proto::v1::JobState;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_tests::eventually;

use crate::results::support::{Platform, anonymous, http_spec};

const RETENTION_SECS: &str = "6";

#[tokio::test(flavor = "multi_thread")]
async fn after_retention_a_download_is_gone_and_result_expired_is_recorded() -> anyhow::Result<()> {
    let p = Platform::start().await?;
    let _notifier = p
        .notifier(&[
            ("JETCRAWL_DEV_RESULTS_RETENTION_SECS", RETENTION_SECS),
            ("JETCRAWL_RESULTS_PURGE_INTERVAL_MS", "300"),
        ])
        .await?;
    let job_id = p.submit(http_spec(p.stack.site.url("/static"), "")).await?;
    let job = p.finished(&job_id).await?;
    assert_eq!(job.state, JobState::Succeeded as i32, "{job:?}");
    let finished = Instant::now();
    let url = p.absolute(&p.get_result(&job_id, 0).await?.result.expect("url").url);
    let client = anonymous()?;
    assert_eq!(
        client.get(&url).send().await?.status().as_u16(),
        200,
        "downloadable while retained"
    );

    let gone = eventually(Duration::from_secs(30), || {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let response = client.get(&url).send().await?;
            let status = response.status().as_u16();
            let body = response.text().await?;
            anyhow::ensure!(status == 410, "still {status}");
            Ok(body)
        }
    })
    .await?;
    let after = finished.elapsed();
    assert!(gone.contains("retention"), "{gone}");
    assert!(
        after >= Duration::from_secs(4),
        "not removed before its retention ({after:?})"
    );

    let history = p.history(&job_id).await?;
    let expired = history
        .iter()
        .find_map(|e| match e.payload() {
            Some(Payload::ResultExpired(x)) => Some(x.clone()),
            _ => None,
        })
        .expect("ResultExpired is in the job's stream");
    assert!(
        expired.keys.contains(&format!("{job_id}/result.json")),
        "{expired:?}"
    );
    assert_eq!(expired.retention_secs, 6);
    assert_eq!(expired.reason, "retention");
    let refused = p
        .get_result(&job_id, 0)
        .await
        .expect_err("no result any more");
    assert!(
        refused.to_string().contains("removed by retention"),
        "{refused}"
    );
    eprintln!(
        "retention: 410 after {} ms (retention 6 s, purge every 300 ms)",
        after.as_millis()
    );
    Ok(())
}
