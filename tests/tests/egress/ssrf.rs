//! Done means 6: the SSRF battery, each case refused with an error naming the address
//! class and nothing fetched, by a worker that allows only the fixture site's port
//! (`JETCRAWL_ALLOW_TARGETS`), not the NATS port on the same address.

use jetcrawl_proto::v1::{JobState, RenderMode};

use crate::egress::support::{ConnectionCounter, Platform, data, env, spec, text, wait_for};

#[tokio::test(flavor = "multi_thread")]
async fn the_ssrf_battery_is_refused_after_resolution_on_every_hop() -> anyhow::Result<()> {
    let counter = ConnectionCounter::start()?;
    let platform = Platform::start(|stack| {
        env(&[
            ("JETCRAWL_ALLOW_PRIVATE_TARGETS", "false"),
            (
                "JETCRAWL_ALLOW_TARGETS",
                &format!("127.0.0.1:{}", stack.site.addr().port()),
            ),
            (
                "JETCRAWL_RESOLVE",
                "internal.test=10.0.0.1,site.test=127.0.0.1",
            ),
            ("JETCRAWL_MAX_ATTEMPTS", "1"),
        ])
    })
    .await?;
    let c = counter.port;
    let f = platform.stack.site.addr().port();
    let nats = platform
        .stack
        .nats_url()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    use RenderMode::{Browser, Http};
    let battery = [
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            Http,
            "link-local",
        ),
        (format!("http://127.0.0.1:{nats}/"), Http, "loopback"),
        (
            format!("http://[::ffff:127.0.0.1]:{c}/"),
            Http,
            "loopback (IPv4-mapped)",
        ),
        (format!("http://2130706433:{c}/"), Http, "loopback"),
        (format!("http://0x7f.1:{c}/"), Http, "loopback"),
        (format!("http://internal.test:{c}/"), Http, "private"),
        (
            format!("http://site.test:{f}/redirect?to=http://127.0.0.1:{c}/h"),
            Http,
            "loopback",
        ),
        (format!("http://0x7f.1:{c}/"), Browser, "loopback"),
        (format!("http://internal.test:{c}/"), Browser, "private"),
        (
            format!("http://site.test:{f}/redirect?to=http://127.0.0.1:{c}/b"),
            Browser,
            "loopback",
        ),
    ];
    let mut submitted = Vec::new();
    for (url, render, class) in &battery {
        let job = spec(
            url.clone(),
            *render,
            vec![text("title", "#title")],
            Vec::new(),
        );
        submitted.push((platform.submit(job).await?, url, render, class));
    }
    let script = format!("http://site.test:{f}/egress/fetch?to=http://127.0.0.1:{c}/js");
    let script_job = platform
        .submit(spec(
            script,
            Browser,
            vec![text("result", "#result[data-done]")],
            vec![wait_for("#result[data-done]")],
        ))
        .await?;
    let allowed = platform
        .submit(spec(
            format!("http://site.test:{f}/static"),
            Browser,
            vec![text("title", "#title")],
            Vec::new(),
        ))
        .await?;

    for (job_id, url, render, class) in submitted {
        let job = platform.finished(&job_id).await?;
        let failure = job.failure.unwrap_or_default();
        assert_eq!(
            job.state,
            JobState::Failed as i32,
            "{url} ({render:?}) must be refused"
        );
        assert_eq!(
            failure.error_class, "target_forbidden",
            "{url} ({render:?}): {}",
            failure.message
        );
        assert!(
            failure.message.contains(class),
            "{url} ({render:?}): the error names the class {class:?}: {}",
            failure.message
        );
        assert_eq!(job.attempts, 1, "{url}: a refusal is not retried");
    }

    let job = platform.finished(&script_job).await?;
    assert_eq!(job.state, JobState::Succeeded as i32, "{:?}", job.failure);
    let result = platform.result(&job).await?;
    let shown = data(&result)["result"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        shown.starts_with("status 403") && shown.contains("loopback"),
        "the page script's fetch was refused by the egress proxy, with the reason: {shown}"
    );

    let job = platform.finished(&allowed).await?;
    assert_eq!(
        job.state,
        JobState::Succeeded as i32,
        "the allowed port works: {:?}",
        job.failure
    );
    let result = platform.result(&job).await?;
    assert_eq!(data(&result)["title"], "Static Title");

    assert_eq!(
        counter.connections(),
        0,
        "nothing reached the loopback listener"
    );
    assert_eq!(
        platform.stack.site.count("/redirect"),
        2,
        "the allowed first hop was fetched (HTTP and browser), the loopback hop never"
    );
    assert!(platform.stack.site.count("/egress/fetch") >= 1);
    let metrics = platform.metrics().await?;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("jetcrawl_egress_refused_total")
                && l.contains("path=\"browser\"")),
        "browser refusals are counted:\n{metrics}"
    );
    Ok(())
}
