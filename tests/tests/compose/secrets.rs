//! make-secrets.sh, run for real in a temporary copy of infra/compose: it makes every
//! secret file compose.yaml declares, in a form the services accept, and never replaces
//! one.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use clap::Parser as _;
use jetcrawl_gateway::GatewayConfig;
use jetcrawl_gateway::tls::{TlsFiles, grpc_tls, http_tls};
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier as _;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde_json::Value;

use crate::compose::file::compose_dir;

/// A name given to the script for the certificate, besides the built-in ones.
pub const EXTRA_NAME: &str = "jetcrawl.example.com";

/// Copies the script into `dir` and runs it there without arguments, so it writes
/// `dir/secrets` as it writes infra/compose/secrets in a checkout. Returns its output.
pub fn run_script(dir: &Path) -> String {
    let script = dir.join("make-secrets.sh");
    if !script.exists() {
        std::fs::copy(compose_dir().join("make-secrets.sh"), &script).expect("copy");
    }
    let output = Command::new("bash")
        .arg(&script)
        .env("JETCRAWL_TLS_NAMES", format!("{EXTRA_NAME} 192.0.2.10"))
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "make-secrets.sh failed:\n{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

/// The files of the top-level `secrets:`, by secret name, under `dir`.
pub fn declared_files(compose: &Value, dir: &Path) -> BTreeMap<String, PathBuf> {
    compose["secrets"]
        .as_object()
        .expect("top-level secrets")
        .iter()
        .map(|(name, secret)| {
            let file = secret["file"].as_str().expect("a file secret");
            let relative = file.strip_prefix("./secrets/").unwrap_or_else(|| {
                panic!("{name}: {file} is not in ./secrets/, which git ignores")
            });
            (name.clone(), dir.join("secrets").join(relative))
        })
        .collect()
}

/// Contents of every file of `dir`.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the secrets dir")
        .map(|e| e.expect("an entry").path())
        .map(|p| {
            let name = p
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&p).expect("readable"))
        })
        .collect()
}

pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

/// The gateway loads the pair for both listeners, and a client trusting `ca` (the CLI's
/// `--ca`, Prometheus's `ca_file`) accepts it under every name it is dialled by.
pub fn check_gateway_certificate(ca: &Path, cert: &Path, key: &Path) {
    let files = TlsFiles {
        cert: cert.to_owned(),
        key: key.to_owned(),
        client_ca: None,
    };
    http_tls(&files).expect("the gateway's HTTP listener takes the pair");
    grpc_tls(&files).expect("the gateway's gRPC listener takes the pair");

    let mut roots = RootCertStore::empty();
    for root in CertificateDer::pem_file_iter(ca).expect("ca.crt") {
        roots.add(root.expect("a PEM certificate")).expect("a CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .expect("a verifier");
    let leaf = CertificateDer::from_pem_file(cert).expect("gateway.crt");
    for name in [
        "localhost",
        "gateway",
        "127.0.0.1",
        EXTRA_NAME,
        "192.0.2.10",
    ] {
        let server = ServerName::try_from(name).expect("a name");
        verifier
            .verify_server_cert(&leaf, &[], &server, &[], UnixTime::now())
            .unwrap_or_else(|err| panic!("a client dialling {name} refuses gateway.crt: {err}"));
    }
}

/// The gateway (and the notifier, same settings) signs result URLs with the keys file.
pub fn check_signing_keys(path: &Path) {
    let config = GatewayConfig::parse_from([
        "jetcrawl-gateway",
        "--result-signing-keys-file",
        path.to_str().expect("a UTF-8 path"),
    ]);
    let signer = config.signing.signer().expect("the keys file parses");
    assert!(signer.is_some(), "no signing key in {}", path.display());
}

#[test]
fn make_secrets_is_valid_bash() {
    let status = Command::new("bash")
        .arg("-n")
        .arg(compose_dir().join("make-secrets.sh"))
        .status()
        .expect("bash runs");
    assert!(status.success(), "bash -n make-secrets.sh");
}

/// Every file compose.yaml declares is made, readable by the containers' users (the
/// directory keeps other local users out), and usable by the services that read it.
#[test]
fn make_secrets_makes_every_declared_secret() {
    let compose = crate::compose::file::load();
    let dir = tempfile::tempdir().expect("a temp dir");
    run_script(dir.path());
    let files = declared_files(&compose, dir.path());
    for (name, path) in &files {
        let text = std::fs::read(path).unwrap_or_else(|_| panic!("{name}: {path:?} missing"));
        assert!(!text.is_empty(), "{name} is empty");
        assert_eq!(mode(path) & 0o444, 0o444, "{name}: uid 10001 reads it");
    }
    let secrets = dir.path().join("secrets");
    assert_eq!(mode(&secrets), 0o700, "secrets/ is private to its owner");
    assert_eq!(
        mode(&secrets.join("ca.key")),
        0o600,
        "the CA key is never shared"
    );
    check_gateway_certificate(
        &files["gateway_ca"],
        &files["gateway_tls_cert"],
        &files["gateway_tls_key"],
    );
    check_signing_keys(&files["signing_keys"]);
    let password = std::fs::read_to_string(&files["postgres_password"]).unwrap();
    assert!(password.trim().len() >= 32, "a long random password");
}

/// A second run changes nothing; a removed file is made again and the others stay.
#[test]
fn make_secrets_never_overwrites() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let secrets = dir.path().join("secrets");
    run_script(dir.path());
    let first = snapshot(&secrets);
    let output = run_script(dir.path());
    assert!(
        !output.contains("created"),
        "second run made files:\n{output}"
    );
    assert_eq!(snapshot(&secrets), first, "a second run changed a file");

    std::fs::remove_file(secrets.join("postgres_password")).unwrap();
    run_script(dir.path());
    let third = snapshot(&secrets);
    assert_ne!(third["postgres_password"], first["postgres_password"]);
    for (name, content) in &first {
        if name != "postgres_password" {
            assert_eq!(&third[name], content, "{name} was replaced");
        }
    }
}
