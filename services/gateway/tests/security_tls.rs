//! TLS on both listeners: plaintext clients are refused when TLS is on, TLS clients
//! work (gRPC and HTTPS), and with a client CA only clients holding a certificate it
//! signed get in (mTLS). Certificates are generated per test with rcgen.

use crate::common;

use std::path::PathBuf;

use crate::common::{Bearer, TestGateway, request, spec};
use jetcrawl_proto::v1::jobs_client::JobsClient;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

/// A CA, a server certificate for localhost/127.0.0.1 and a client certificate, as PEM
/// files in a temp dir.
struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_pem: String,
    client_key_pem: String,
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().expect("dir");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("ca");
    let issue = |names: Vec<String>| {
        let key = KeyPair::generate().expect("key");
        let cert = CertificateParams::new(names)
            .expect("params")
            .signed_by(&key, &ca)
            .expect("signed");
        (cert.pem(), key.serialize_pem())
    };
    let (server_pem, server_key_pem) = issue(vec!["localhost".into(), "127.0.0.1".into()]);
    let (client_pem, client_key_pem) = issue(vec!["worker.internal".into()]);
    let write = |name: &str, pem: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).expect("write");
        path
    };
    Pki {
        ca: write("ca.pem", &ca.pem()),
        server_cert: write("server.pem", &server_pem),
        server_key: write("server.key", &server_key_pem),
        client_pem,
        client_key_pem,
        _dir: dir,
    }
}

async fn tls_channel(
    gw: &TestGateway,
    pki: &Pki,
    with_client_cert: bool,
) -> Result<Channel, tonic::transport::Error> {
    let ca = std::fs::read(&pki.ca).expect("ca");
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .domain_name("localhost");
    if with_client_cert {
        tls = tls.identity(Identity::from_pem(&pki.client_pem, &pki.client_key_pem));
    }
    Channel::from_shared(format!("https://127.0.0.1:{}", gw.grpc_addr.port()))
        .expect("endpoint")
        .tls_config(tls)?
        .connect()
        .await
}

fn https_client(pki: &Pki, with_client_cert: bool) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&pki.ca).expect("ca")).expect("ca");
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(ca)
        .https_only(true);
    if with_client_cert {
        let pem = format!("{}{}", pki.client_pem, pki.client_key_pem);
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
    }
    builder.build().expect("client")
}

fn https(gw: &TestGateway, path: &str) -> String {
    format!("https://localhost:{}{path}", gw.http_addr.port())
}

async fn submit_over(channel: Channel, key: &str) -> Result<(), tonic::Status> {
    JobsClient::with_interceptor(channel, Bearer::new(key))
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await
        .map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_tls_on_plaintext_clients_are_refused_and_tls_clients_work() {
    let pki = pki();
    let mut gw = common::start(|c| {
        c.tls.insecure_plaintext = false;
        c.tls.tls_cert = Some(pki.server_cert.clone());
        c.tls.tls_key = Some(pki.server_key.clone());
    })
    .await;
    // Plaintext gRPC and HTTP get nowhere.
    let plaintext = gw
        .grpc()
        .await
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await;
    assert!(
        plaintext.is_err(),
        "plaintext gRPC must fail: {plaintext:?}"
    );
    let plain_http = reqwest::Client::new().get(gw.url("/healthz")).send().await;
    assert!(
        plain_http
            .as_ref()
            .map_or(true, |r| !r.status().is_success()),
        "plaintext HTTP must fail: {plain_http:?}"
    );
    // TLS clients work.
    let channel = tls_channel(&gw, &pki, false).await.expect("TLS connects");
    submit_over(channel, &gw.api_key)
        .await
        .expect("submit over TLS");
    let client = https_client(&pki, false);
    let health = client
        .get(https(&gw, "/healthz"))
        .send()
        .await
        .expect("HTTPS");
    assert_eq!(health.status(), 200);
    let posted = client
        .post(https(&gw, "/v1/jobs"))
        .bearer_auth(&gw.api_key)
        .json(&serde_json::json!({"spec": {"urls": ["https://example.com/"]}}))
        .send()
        .await
        .expect("HTTPS POST");
    assert_eq!(posted.status(), 202);
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_client_ca_only_clients_with_a_certificate_get_in() {
    let pki = pki();
    let mut gw = common::start(|c| {
        c.tls.insecure_plaintext = false;
        c.tls.tls_cert = Some(pki.server_cert.clone());
        c.tls.tls_key = Some(pki.server_key.clone());
        c.tls.tls_client_ca = Some(pki.ca.clone());
    })
    .await;
    let without = match tls_channel(&gw, &pki, false).await {
        Ok(channel) => submit_over(channel, &gw.api_key).await.is_err(),
        Err(_) => true,
    };
    assert!(without, "a client without a certificate is refused");
    let channel = tls_channel(&gw, &pki, true).await.expect("mTLS connects");
    submit_over(channel, &gw.api_key)
        .await
        .expect("submit over mTLS");
    let refused = https_client(&pki, false)
        .get(https(&gw, "/healthz"))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "HTTPS without a client certificate: {refused:?}"
    );
    let ok = https_client(&pki, true)
        .get(https(&gw, "/healthz"))
        .send()
        .await
        .expect("mTLS HTTPS");
    assert_eq!(ok.status(), 200);
    gw.shutdown().await;
}

#[test]
fn tls_is_on_by_default_and_plaintext_must_be_asked_for() {
    let config =
        jetcrawl_gateway::GatewayConfig::new("nats://127.0.0.1:1", "postgres://x@127.0.0.1:1/x");
    let err = config
        .tls
        .transport()
        .expect_err("no TLS files, no plaintext flag");
    assert!(err.to_string().contains("--tls-cert"), "{err}");
    let mut plaintext = config.clone();
    plaintext.tls.insecure_plaintext = true;
    assert!(plaintext.tls.transport().is_ok());
    plaintext.tls.tls_cert = Some("/x.pem".into());
    assert!(
        plaintext.tls.transport().is_err(),
        "both at once is ambiguous"
    );
}
