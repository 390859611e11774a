//! Done means 3: a notifier `kill -9`ed while a delivery hangs; after a restart the
//! webhook is delivered, with the same `webhook-id`.

use std::time::{Duration, Instant};

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_tests::eventually;

use crate::results::receiver::{Behavior, Receiver, verify};
use crate::results::support::{Platform, http_spec, webhook_secret};

const NOTIFIER_ENV: [(&str, &str); 2] = [
    ("JETCRAWL_NOTIFIER_ACK_WAIT_MS", "2000"),
    ("JETCRAWL_WEBHOOK_TIMEOUT_MS", "60000"),
];

#[tokio::test(flavor = "multi_thread")]
async fn a_notifier_killed_mid_delivery_delivers_after_a_restart() -> anyhow::Result<()> {
    let p = Platform::start().await?;
    p.stack
        .apply_topology(&jetcrawl_streams::Topology {
            notifier_ack_wait: Duration::from_millis(2_000),
            ..jetcrawl_streams::Topology::default()
        })
        .await?;
    let mut notifier = p.notifier(&NOTIFIER_ENV).await?;
    let secret = webhook_secret(&p.stack, jetcrawl_tests::stack::TEST_TENANT)?;
    let receiver = Receiver::start().await?;
    receiver.script("hook", &[Behavior::Stall]);
    let job_id = p
        .submit(http_spec(
            p.stack.site.url("/static"),
            &receiver.url("hook"),
        ))
        .await?;
    p.finished(&job_id).await?;

    eventually(Duration::from_secs(30), || async {
        anyhow::ensure!(!receiver.received("hook").is_empty(), "no delivery yet");
        Ok(())
    })
    .await?;
    notifier.process.kill();
    let killed = Instant::now();
    let _restarted = p.notifier(&NOTIFIER_ENV).await?;

    let deliveries = eventually(Duration::from_secs(30), || async {
        let got = receiver.received("hook");
        anyhow::ensure!(got.len() >= 2, "only {} delivery", got.len());
        Ok(got)
    })
    .await?;
    let id = deliveries[0].header("webhook-id");
    assert_eq!(
        deliveries[1].header("webhook-id"),
        id,
        "the re-send carries the same webhook-id"
    );
    verify(&secret, &deliveries[1]).map_err(anyhow::Error::msg)?;
    let delivered = eventually(Duration::from_secs(10), || async {
        p.history(&job_id)
            .await?
            .iter()
            .find_map(|e| match e.payload() {
                Some(Payload::WebhookDelivered(d)) => Some(d.clone()),
                _ => None,
            })
            .ok_or_else(|| anyhow::anyhow!("no WebhookDelivered yet"))
    })
    .await?;
    assert_eq!(delivered.webhook_id, id);
    eprintln!(
        "crash: re-delivered {} ms after the kill (ack wait 2 s)",
        killed.elapsed().as_millis()
    );
    Ok(())
}
