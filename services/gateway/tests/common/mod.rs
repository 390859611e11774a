//! Spawns the gateway in-process on port 0 against a real nats-server and Postgres.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use async_nats::jetstream;
use jetcrawl_gateway::GatewayConfig;
use jetcrawl_local::{NatsOptions, NatsServer, Postgres, PostgresOptions};
use jetcrawl_proto::v1::jobs_client::JobsClient;
use jetcrawl_proto::v1::{JobSpec, SubmitJobRequest};
use jetcrawl_streams::EventStore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// A running gateway with its dependencies; everything stops on drop.
pub struct TestGateway {
    pub nats: NatsServer,
    pub postgres: Postgres,
    pub grpc_addr: SocketAddr,
    pub http_addr: SocketAddr,
    pub js: jetstream::Context,
    pub store: EventStore,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Starts nats-server, Postgres and the gateway; `tune` adjusts the configuration.
pub async fn start(tune: impl FnOnce(&mut GatewayConfig)) -> TestGateway {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (nats, postgres) = tokio::join!(
        NatsServer::start(NatsOptions::default()),
        Postgres::start(PostgresOptions::for_tests())
    );
    let (nats, postgres) = (
        nats.expect("nats-server starts"),
        postgres.expect("postgres starts"),
    );
    let mut config = GatewayConfig::new(nats.url(), postgres.url());
    config.grpc_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.http_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    tune(&mut config);
    let bound = jetcrawl_gateway::bind(config).await.expect("gateway binds");
    let (grpc_addr, http_addr) = (bound.grpc_addr(), bound.http_addr());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.serve(async move {
        let _ = stopped.await;
    }));
    let (_client, js) = jetcrawl_streams::connect(&nats.url(), "gateway-test")
        .await
        .expect("test connects");
    let store = EventStore::open(js.clone()).await.expect("JOBS exists");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    TestGateway {
        nats,
        postgres,
        grpc_addr,
        http_addr,
        js,
        store,
        http,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestGateway {
    /// A gRPC client.
    pub async fn grpc(&self) -> JobsClient<Channel> {
        JobsClient::connect(format!("http://{}", self.grpc_addr))
            .await
            .expect("gRPC connects")
            .max_encoding_message_size(64 << 20)
    }

    /// `http://ADDR` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http_addr)
    }

    /// Last sequence of the JOBS stream.
    pub async fn last_sequence(&self) -> u64 {
        let mut stream = self.js.get_stream("JOBS").await.expect("JOBS");
        stream
            .info()
            .await
            .expect("stream info")
            .state
            .last_sequence
    }

    /// Stops the gateway and waits until it has drained.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(Duration::from_secs(15), task)
                .await
                .expect("gateway stops within 15 s");
            result
                .expect("gateway task")
                .expect("gateway stops cleanly");
        }
    }
}

/// A spec the default configuration accepts.
pub fn spec(urls: &[&str]) -> JobSpec {
    JobSpec {
        urls: urls.iter().map(|u| u.to_string()).collect(),
        ..Default::default()
    }
}

/// A submit request.
pub fn request(spec: JobSpec, key: &str) -> SubmitJobRequest {
    SubmitJobRequest {
        spec: Some(spec),
        idempotency_key: key.to_owned(),
    }
}
