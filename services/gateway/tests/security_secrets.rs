//! Secrets never appear in logs or error messages: with every log line captured at
//! debug level, good and bad API keys and JWTs (and the JWT secret itself sent as a
//! token) are used over gRPC and HTTP; neither the logs nor any answer contains them.

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::{Bearer, request, spec};
use jetcrawl_gateway::auth::{JwtSettings, JwtVerifier, Role};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

const JWT_SECRET: &str = "s3cr3t-jwt-key-that-must-never-leak-0123456789";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

fn jwt(exp_offset: i64, role: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let claims = json!({"sub": "bob", "tenant": "default", "role": role, "exp": now + exp_offset});
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("jwt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_the_jwt_secret_never_reach_logs_or_answers() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_writer(move || writer.clone())
        .json()
        .init();
    let dir = tempfile::tempdir().expect("dir");
    let secret_file = dir.path().join("jwt.secret");
    std::fs::write(&secret_file, JWT_SECRET).expect("secret");
    let mut gw = common::start(|c| c.auth.jwt_hs256_secret_file = Some(secret_file.clone())).await;

    let revoked = gw.mint("default", Role::Client).await;
    gw.keys
        .revoke(revoked.split('_').nth(1).expect("id"))
        .await
        .expect("revoked");
    let wrong = format!("{}Z", &gw.api_key[..gw.api_key.len() - 1]);
    let expired = jwt(-3600, "client");
    let bad_role = jwt(600, "superuser");
    let auditor = gw.mint("default", Role::Auditor).await;
    let good_jwt = jwt(600, "client");
    let tokens = [
        gw.api_key.clone(),
        revoked.clone(),
        wrong.clone(),
        expired.clone(),
        bad_role.clone(),
        auditor.clone(),
        good_jwt.clone(),
        JWT_SECRET.to_owned(),
    ];
    let mut answers = Vec::new();
    for token in &tokens {
        let mut client = gw.grpc_with(Bearer::new(token)).await;
        let spec = spec(&["https://user:hunter2@example.com/"]);
        match client.submit_job(request(spec, "")).await {
            Ok(r) => answers.push(format!("{:?}", r.into_inner())),
            Err(s) => answers.push(format!("{} {:?}", s.message(), s.metadata())),
        }
        match client
            .submit_job(request(common::spec(&["https://example.com/"]), ""))
            .await
        {
            Ok(r) => answers.push(format!("{:?}", r.into_inner())),
            Err(s) => answers.push(format!("{} {:?}", s.message(), s.metadata())),
        }
        for header in ["authorization", "x-api-key"] {
            let value = if header == "authorization" {
                format!("Bearer {token}")
            } else {
                token.clone()
            };
            let response = reqwest::Client::new()
                .post(gw.url("/v1/jobs"))
                .header(header, value)
                .json(&json!({"spec": {"urls": ["https://example.com/"]}}))
                .send()
                .await
                .expect("POST");
            let headers = format!("{:?}", response.headers());
            answers.push(format!(
                "{headers} {}",
                response.text().await.unwrap_or_default()
            ));
        }
    }
    // A secret file that is too short is refused without being quoted.
    std::fs::write(&secret_file, "short-secret-value").expect("write");
    let err = JwtVerifier::from_settings(&JwtSettings {
        hs256_secret_file: Some(&secret_file),
        ..Default::default()
    })
    .expect_err("too short");
    answers.push(err);
    gw.shutdown().await;

    let logs = logs.text();
    assert!(logs.contains("submit refused"), "the logs were captured");
    let secret_parts: Vec<String> = tokens
        .iter()
        // The secret part of an API key (base64url: it may itself hold `_`).
        .filter_map(|t| t.strip_prefix("jck_"))
        .filter_map(|t| t.split_once('_').map(|(_, secret)| secret.to_owned()))
        .chain([
            JWT_SECRET.to_owned(),
            "short-secret-value".to_owned(),
            "hunter2".to_owned(),
        ])
        .collect();
    for secret in tokens.iter().chain(&secret_parts) {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret is in the logs: {secret}"
        );
        for answer in &answers {
            assert!(
                !answer.contains(secret.as_str()),
                "a secret is in an answer: {answer}"
            );
        }
    }
}
