//! A publish acknowledgement lost on its way back (fault suite, scenario 3): the gateway
//! cannot know whether the job was stored, says so, and the client's retry with the same
//! idempotency key returns the one job that was.

use std::net::SocketAddr;
use std::time::Duration;

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobSpec, RenderMode, SubmitJobRequest};
use jetcrawl_streams::EventStore;
use jetcrawl_tests::faults::{LossyProxy, Outcome, load::submit_once};
use jetcrawl_tests::{Stack, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_publish_ack_is_an_unknown_outcome_and_the_keyed_retry_makes_one_job()
-> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let stack = Stack::start().await?;
    let upstream: SocketAddr = format!("127.0.0.1:{}", stack.nats.port()).parse()?;
    let proxy = LossyProxy::start(upstream).await?;
    // Unsealed: the append is the submit's only JetStream write, so the lost reply is
    // the append's acknowledgement and nothing else's.
    let proxy_url = proxy.url();
    let gateway = stack
        .spawn_gateway_with(&[
            ("JETCRAWL_NATS_URL", proxy_url.as_str()),
            ("JETCRAWL_DEV_UNSEALED_SUBMITS", "true"),
        ])
        .await?;
    let request = SubmitJobRequest {
        spec: Some(JobSpec {
            urls: vec![stack.site.url("/static")],
            render: RenderMode::Http as i32,
            ..Default::default()
        }),
        idempotency_key: "lost-ack-1".to_owned(),
    };

    // Authentication reads the key from NATS once, then from its cache: warm it, so the
    // lost reply below is the append's and not the key lookup's.
    let mut warm = request.clone();
    warm.idempotency_key = "lost-ack-warm-up".to_owned();
    let warmed = submit_once(&gateway.grpc_url, &gateway.api_key, warm).await;
    assert!(matches!(warmed, Outcome::Ok(_)), "{warmed:?}");

    proxy.drop_replies(true);
    let first = submit_once(&gateway.grpc_url, &gateway.api_key, request.clone()).await;
    proxy.drop_replies(false);
    let Outcome::Unknown(why) = &first else {
        panic!("the first submit cannot know its outcome, yet answered {first:?}");
    };
    assert!(why.contains("outcome unknown"), "{why}");
    assert!(why.contains("retry with the same idempotency key"), "{why}");

    // The client retries with its key until the gateway's connection is back.
    let job_id = eventually(Duration::from_secs(30), || {
        let (url, key) = (gateway.grpc_url.clone(), gateway.api_key.clone());
        let request = request.clone();
        async move {
            match submit_once(&url, &key, request).await {
                Outcome::Ok(id) => Ok(id),
                other => anyhow::bail!("retry not answered yet: {other:?}"),
            }
        }
    })
    .await?;

    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "lost-ack").await?;
    let store = EventStore::open(js).await?;
    let history = store.history(&job_id).await?;
    let submitted = history
        .iter()
        .filter(|e| matches!(e.payload(), Some(Payload::JobSubmitted(_))))
        .count();
    assert_eq!(submitted, 1, "one job for one key: {history:?}");
    Ok(())
}
