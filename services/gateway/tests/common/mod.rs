//! Spawns the gateway in-process on port 0 against a real nats-server and Postgres.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use async_nats::jetstream;
use jetcrawl_gateway::GatewayConfig;
use jetcrawl_gateway::auth::{KeyStore, NewKey, Role};
use jetcrawl_local::{NatsOptions, NatsServer, Postgres, PostgresOptions};
use jetcrawl_proto::v1::jobs_client::JobsClient;
use jetcrawl_proto::v1::{JobSpec, SubmitJobRequest};
use jetcrawl_streams::EventStore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// Tenant of the key every [`TestGateway`] client sends.
pub const TENANT: &str = "default";

/// A Jobs client sending one credential.
pub type Client = JobsClient<InterceptedService<Channel, Bearer>>;

/// Adds `authorization: Bearer <token>` to every call (nothing for `None`).
#[derive(Clone)]
pub struct Bearer(pub Option<MetadataValue<Ascii>>);

impl Bearer {
    /// The interceptor for `token`.
    pub fn new(token: &str) -> Self {
        Self(Some(
            format!("Bearer {token}").parse().expect("ascii token"),
        ))
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A running gateway with its dependencies; everything stops on drop.
pub struct TestGateway {
    pub nats: NatsServer,
    pub postgres: Postgres,
    pub grpc_addr: SocketAddr,
    pub http_addr: SocketAddr,
    pub js: jetstream::Context,
    pub store: EventStore,
    pub http: reqwest::Client,
    /// Client key of tenant [`TENANT`], sent by `grpc()` and `http`.
    pub api_key: String,
    /// The gateway's key store, to mint more keys.
    pub keys: KeyStore,
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
    config.tls.insecure_plaintext = true;
    tune(&mut config);
    admin_apply(&config, &postgres.url()).await;
    let bound = jetcrawl_gateway::bind(config).await.expect("gateway binds");
    let keys = bound.gateway().guards().auth.keys().clone();
    let api_key = mint_with(&keys, TENANT, Role::Client).await;
    let (grpc_addr, http_addr) = (bound.grpc_addr(), bound.http_addr());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.serve(async move {
        let _ = stopped.await;
    }));
    let (_client, js) = jetcrawl_streams::connect(&nats.url(), "gateway-test")
        .await
        .expect("test connects");
    let store = EventStore::open(js.clone()).await.expect("JOBS exists");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {api_key}").parse().expect("header"),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
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
        api_key,
        keys,
        stop: Some(stop),
        task: Some(task),
    }
}

/// What `jetcrawl admin apply` does for `config`'s topology: the gateway only verifies.
async fn admin_apply(config: &GatewayConfig, database_url: &str) {
    let (_client, js) = config
        .nats
        .connect("test-admin")
        .await
        .expect("admin connects");
    config
        .topology
        .topology()
        .apply(&js)
        .await
        .expect("topology applies");
    let pool = sqlx::PgPool::connect(database_url)
        .await
        .expect("admin connects to Postgres");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations apply");
}

impl TestGateway {
    /// A gRPC client sending the client key of tenant [`TENANT`].
    pub async fn grpc(&self) -> Client {
        self.grpc_with(Bearer::new(&self.api_key)).await
    }

    /// A gRPC client sending `bearer`.
    pub async fn grpc_with(&self, bearer: Bearer) -> Client {
        let channel = Channel::from_shared(format!("http://{}", self.grpc_addr))
            .expect("endpoint")
            .connect()
            .await
            .expect("gRPC connects");
        JobsClient::with_interceptor(channel, bearer).max_encoding_message_size(64 << 20)
    }

    /// Issues a key of `tenant` with `role`.
    pub async fn mint(&self, tenant: &str, role: Role) -> String {
        mint_with(&self.keys, tenant, role).await
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

/// Issues a key of `tenant` with `role` in `keys`.
pub async fn mint_with(keys: &KeyStore, tenant: &str, role: Role) -> String {
    let (_, issued) = keys
        .create(NewKey {
            tenant: tenant.to_owned(),
            role,
            granted_tenants: Vec::new(),
            created_by: "test".to_owned(),
        })
        .await
        .expect("key issued");
    issued.token
}
