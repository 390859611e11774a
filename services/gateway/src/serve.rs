//! The two listeners, each plaintext or TLS: the tonic server (Jobs, `grpc.health.v1`,
//! optional reflection, a server-side deadline) and the axum HTTP API (axum-server for
//! TLS, a request timeout).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use futures::FutureExt as _;
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic_health::server::HealthReporter;

use crate::grpc::{AuditApi, CrawlApi, JobsApi, ReportsApi, oversize_as_resource_exhausted};
use crate::service::Gateway;
use crate::tls::{Transport, grpc_tls, http_tls};

/// How the gRPC listener is served.
pub struct GrpcOptions {
    /// Plaintext or TLS.
    pub transport: Transport,
    /// Largest request.
    pub max_request_bytes: usize,
    /// Deadline of a call whose client sent none (or a longer one).
    pub request_timeout: Duration,
    /// Serve server reflection.
    pub reflection: bool,
}

/// The Jobs service with `grpc.health.v1` (statuses set through the returned reporter)
/// and, when asked, server reflection.
pub fn grpc_server(
    gateway: Arc<Gateway>,
    options: GrpcOptions,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(
    HealthReporter,
    impl Future<Output = Result<(), tonic::transport::Error>>,
)> {
    let (health, health_service) = tonic_health::server::health_reporter();
    let mut builder = tonic::transport::Server::builder().timeout(options.request_timeout);
    if let Transport::Tls(files) = &options.transport {
        builder = builder
            .tls_config(grpc_tls(files)?)
            .context("configuring TLS on the gRPC listener")?;
    }
    // Both reflection versions: v1alpha is what grpcio-reflection and older Postman ask.
    let (reflection, reflection_alpha) =
        if options.reflection {
            let builder = || {
                tonic_reflection::server::Builder::configure()
                    .register_encoded_file_descriptor_set(jetcrawl_proto::FILE_DESCRIPTOR_SET)
                    .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            };
            (
                Some(
                    builder()
                        .build_v1()
                        .context("building gRPC reflection from the jetcrawl descriptor set")?,
                ),
                Some(builder().build_v1alpha().context(
                    "building gRPC reflection (v1alpha) from the jetcrawl descriptor set",
                )?),
            )
        } else {
            (None, None)
        };
    let server = builder
        .layer(tower::util::MapResponseLayer::new(
            oversize_as_resource_exhausted,
        ))
        .add_service(health_service)
        .add_optional_service(reflection)
        .add_optional_service(reflection_alpha)
        .add_service(JobsApi::new(gateway.clone()).into_server(options.max_request_bytes))
        .add_service(AuditApi::new(gateway.clone()).into_server(options.max_request_bytes))
        .add_service(CrawlApi::new(gateway.clone()).into_server(options.max_request_bytes))
        .add_service(ReportsApi::new(gateway).into_server(options.max_request_bytes))
        .serve_with_incoming_shutdown(
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        );
    Ok((health, server))
}

/// Serves `router` on `listener`, with TLS when `transport` says so, until `shutdown`.
pub async fn http_server(
    listener: TcpListener,
    router: Router,
    transport: Transport,
    request_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::GATEWAY_TIMEOUT,
        request_timeout,
    ));
    let Transport::Tls(files) = transport else {
        return jetcrawl_telemetry::serve(listener, router, shutdown)
            .await
            .context("the HTTP server failed");
    };
    let config = axum_server::tls_rustls::RustlsConfig::from_config(http_tls(&files)?);
    let handle = axum_server::Handle::<std::net::SocketAddr>::new();
    let stopper = handle.clone();
    tokio::spawn(shutdown.map(move |()| stopper.graceful_shutdown(Some(Duration::from_secs(10)))));
    axum_server::Server::from_listener(listener)
        .acceptor(axum_server::tls_rustls::RustlsAcceptor::new(config))
        .handle(handle)
        .serve(router.into_make_service())
        .await
        .context("the HTTPS server failed")
}
