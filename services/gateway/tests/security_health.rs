//! `grpc.health.v1` follows the dependencies: NOT_SERVING within seconds of stopping
//! nats-server, SERVING again after it restarts, with per-service statuses; reflection
//! is off unless configured.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::TestGateway;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

async fn health(gw: &TestGateway) -> HealthClient<Channel> {
    let channel = Channel::from_shared(format!("http://{}", gw.grpc_addr))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    HealthClient::new(channel)
}

async fn status(client: &mut HealthClient<Channel>, service: &str) -> ServingStatus {
    let answer = client
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .expect("health check")
        .into_inner();
    ServingStatus::try_from(answer.status).expect("known status")
}

/// Polls until every service in `services` reports `want`; returns how long it took.
async fn becomes(
    client: &mut HealthClient<Channel>,
    services: &[&str],
    want: ServingStatus,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let mut all = true;
        for service in services {
            all &= status(client, service).await == want;
        }
        if all {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{services:?} did not become {want:?} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_goes_not_serving_without_nats_and_serving_after_it_restarts() {
    let mut gw = common::start(|c| c.health_interval_ms = 200).await;
    let mut client = health(&gw).await;
    let all = ["", "jetcrawl.v1.Jobs", "nats", "postgres"];
    becomes(
        &mut client,
        &all,
        ServingStatus::Serving,
        Duration::from_secs(10),
    )
    .await;

    gw.nats.stop().await.expect("nats stops");
    let down = becomes(
        &mut client,
        &["", "jetcrawl.v1.Jobs", "nats"],
        ServingStatus::NotServing,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        status(&mut client, "postgres").await,
        ServingStatus::Serving,
        "per dependency"
    );
    eprintln!("NOT_SERVING {down:?} after nats-server stopped");

    gw.nats.restart().await.expect("nats restarts");
    let up = becomes(
        &mut client,
        &all,
        ServingStatus::Serving,
        Duration::from_secs(15),
    )
    .await;
    eprintln!("SERVING {up:?} after nats-server restarted");
    // The API works again with it.
    let mut jobs = gw.grpc().await;
    jobs.submit_job(common::request(common::spec(&["https://example.com/"]), ""))
        .await
        .expect("submits after the restart");
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_is_off_by_default_and_on_when_configured() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    for (enabled, mut gw) in [
        (false, common::start(|_| {}).await),
        (true, common::start(|c| c.grpc_reflection = true).await),
    ] {
        let channel = Channel::from_shared(format!("http://{}", gw.grpc_addr))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
        let mut client = ServerReflectionClient::new(channel);
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let answer = client
            .server_reflection_info(futures::stream::iter([request]))
            .await;
        match answer {
            Ok(stream) if enabled => {
                let mut stream = stream.into_inner();
                let first = futures::StreamExt::next(&mut stream)
                    .await
                    .expect("answer")
                    .expect("ok");
                assert!(
                    format!("{first:?}").contains("jetcrawl.v1.Jobs"),
                    "{first:?}"
                );
            }
            Err(status) if !enabled => assert_eq!(status.code(), tonic::Code::Unimplemented),
            other => panic!("reflection enabled={enabled}: {other:?}"),
        }
        // grpcio-reflection and older Postman speak v1alpha.
        {
            use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
            use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
            use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
            let channel = Channel::from_shared(format!("http://{}", gw.grpc_addr))
                .expect("endpoint")
                .connect()
                .await
                .expect("connect");
            let request = ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            };
            let answer = ServerReflectionClient::new(channel)
                .server_reflection_info(futures::stream::iter([request]))
                .await;
            match answer {
                Ok(stream) if enabled => {
                    let mut stream = stream.into_inner();
                    let first = futures::StreamExt::next(&mut stream)
                        .await
                        .expect("v1alpha answer")
                        .expect("ok");
                    assert!(
                        format!("{first:?}").contains("jetcrawl.v1.Jobs"),
                        "{first:?}"
                    );
                }
                Err(status) if !enabled => {
                    assert_eq!(status.code(), tonic::Code::Unimplemented)
                }
                other => panic!("v1alpha reflection enabled={enabled}: {other:?}"),
            }
        }
        gw.shutdown().await;
    }
}
