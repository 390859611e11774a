//! TLS of the gRPC and HTTP listeners (rustls with the ring provider, ADR 0004): on by
//! default, from PEM certificate and key files, with optional mutual TLS for internal
//! services. Plaintext needs an explicit `--insecure-plaintext`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::security_config::TlsConfig;

/// How the listeners talk.
#[derive(Debug, Clone)]
pub enum Transport {
    /// No TLS (loopback development only).
    Plaintext,
    /// TLS from these files.
    Tls(TlsFiles),
}

/// The PEM files of the listeners.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain.
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
    /// CA of client certificates; `Some` requires one from every client (mTLS).
    pub client_ca: Option<PathBuf>,
}

impl TlsConfig {
    /// The transport these flags ask for, or what is missing.
    pub fn transport(&self) -> anyhow::Result<Transport> {
        match (&self.tls_cert, &self.tls_key, self.insecure_plaintext) {
            (Some(cert), Some(key), false) => Ok(Transport::Tls(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
                client_ca: self.tls_client_ca.clone(),
            })),
            (None, None, true) if self.tls_client_ca.is_none() => Ok(Transport::Plaintext),
            (_, _, true) => bail!(
                "--insecure-plaintext cannot be combined with --tls-cert, --tls-key or --tls-client-ca; choose one"
            ),
            _ => bail!(
                "TLS is on by default: pass --tls-cert and --tls-key (JETCRAWL_TLS_CERT, JETCRAWL_TLS_KEY), \
                 or --insecure-plaintext for loopback development"
            ),
        }
    }
}

/// The tonic TLS configuration of the gRPC listener.
pub fn grpc_tls(files: &TlsFiles) -> anyhow::Result<tonic::transport::ServerTlsConfig> {
    let cert = read(&files.cert, "TLS certificate")?;
    let key = read(&files.key, "TLS key")?;
    let mut config = tonic::transport::ServerTlsConfig::new()
        .identity(tonic::transport::Identity::from_pem(cert, key));
    if let Some(ca) = &files.client_ca {
        let ca = read(ca, "TLS client CA")?;
        config = config.client_ca_root(tonic::transport::Certificate::from_pem(ca));
    }
    Ok(config)
}

/// The rustls configuration of the HTTP listener (HTTP/2 and HTTP/1.1).
pub fn http_tls(files: &TlsFiles) -> anyhow::Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = certificates(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("reading the TLS key {}", files.key.display()))?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("choosing TLS versions")?;
    let builder = match &files.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(ca)? {
                roots
                    .add(cert)
                    .with_context(|| format!("adding a client CA from {}", ca.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .context("building the client certificate verifier")?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(certs, key).with_context(|| {
        format!(
            "the TLS key {} does not fit the certificate {}",
            files.key.display(),
            files.cert.display()
        )
    })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn certificates(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading certificates from {}", path.display()))?;
    if certs.is_empty() {
        bail!("{} holds no PEM certificate", path.display());
    }
    Ok(certs)
}

fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading the {what} {}", path.display()))
}
