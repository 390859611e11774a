//! Authentication against a running gateway (real NATS and Postgres): every bad
//! credential is UNAUTHENTICATED over gRPC and HTTP, good API keys and JWTs (HS256 and a
//! JWKS) work, and the tenant always comes from the credential.

use crate::common;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::{Bearer, TestGateway, request, spec};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jetcrawl_gateway::auth::Role;
use jetcrawl_proto::v1::GetJobRequest;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tonic::Code;

const SECRET: &str = "test-hs256-secret-with-at-least-32-bytes!!";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn claims(tenant: &str, role: &str, exp: i64, nbf: i64) -> Value {
    json!({"sub": "alice", "tenant": tenant, "role": role, "exp": exp, "nbf": nbf})
}

fn hs256(secret: &str, claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("signed")
}

fn alg_none(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

/// An Ed25519 key: (JWKS JSON, signing key).
fn ed25519_jwks() -> (String, EncodingKey) {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("ed25519");
    let jwk = json!({"keys": [{
        "kty": "OKP", "crv": "Ed25519", "kid": "k1", "alg": "EdDSA", "use": "sig",
        "x": URL_SAFE_NO_PAD.encode(pair.public_key_raw()),
    }]});
    (
        jwk.to_string(),
        EncodingKey::from_ed_der(&pair.serialize_der()),
    )
}

async fn submit_code(gw: &TestGateway, bearer: Bearer) -> (Code, String) {
    let mut client = gw.grpc_with(bearer).await;
    match client
        .submit_job(request(spec(&["https://example.com/"]), ""))
        .await
    {
        Ok(_) => (Code::Ok, String::new()),
        Err(status) => (status.code(), status.message().to_owned()),
    }
}

async fn http_status(gw: &TestGateway, token: Option<&str>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut post = client
        .post(gw.url("/v1/jobs"))
        .json(&json!({"spec": {"urls": ["https://example.com/"]}}));
    if let Some(token) = token {
        post = post.bearer_auth(token);
    }
    let response = post.send().await.expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_are_unauthenticated_and_good_ones_speak_for_their_tenant() {
    let dir = tempfile::tempdir().expect("dir");
    let secret_file = dir.path().join("jwt.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).expect("secret");
    let (jwks, ed_key) = ed25519_jwks();
    let jwks_file = dir.path().join("jwks.json");
    std::fs::write(&jwks_file, jwks).expect("jwks");
    let mut gw = common::start(|c| {
        c.auth.jwt_hs256_secret_file = Some(secret_file.clone());
        c.auth.jwt_jwks_file = Some(jwks_file.clone());
        c.auth.jwt_leeway_secs = 0;
    })
    .await;
    let before = gw.last_sequence().await;

    let revoked = gw.mint("default", Role::Client).await;
    let revoked_id = revoked.split('_').nth(1).expect("id").to_owned();
    assert_eq!(submit_code(&gw, Bearer::new(&revoked)).await.0, Code::Ok);
    gw.keys.revoke(&revoked_id).await.expect("revoked");
    let good = gw.api_key.clone();
    let last = if good.ends_with('x') { 'y' } else { 'x' };
    let wrong_secret = format!("{}{last}", &good[..good.len() - 1]);
    let t = now();
    let other_key = "another-secret-that-is-also-32-bytes-long!!";
    let mut ed_header = Header::new(Algorithm::EdDSA);
    ed_header.kid = Some("k1".into());
    let cases: Vec<(&str, Bearer)> = vec![
        ("missing credential", Bearer(None)),
        (
            "wrong key (unknown id)",
            Bearer::new("jck_0123456789abcdef_notakey"),
        ),
        (
            "wrong key (right id, wrong secret)",
            Bearer::new(&wrong_secret),
        ),
        ("malformed key", Bearer::new("jck_nothex_x")),
        ("revoked key", Bearer::new(&revoked)),
        (
            "expired JWT",
            Bearer::new(&hs256(
                SECRET,
                &claims("default", "client", t - 60, t - 120),
            )),
        ),
        (
            "JWT not yet valid",
            Bearer::new(&hs256(
                SECRET,
                &claims("default", "client", t + 600, t + 300),
            )),
        ),
        (
            "JWT alg=none",
            Bearer::new(&alg_none(&claims("default", "client", t + 600, t - 10))),
        ),
        (
            "JWT signed with the wrong key",
            Bearer::new(&hs256(
                other_key,
                &claims("default", "client", t + 600, t - 10),
            )),
        ),
        (
            "JWT without exp",
            Bearer::new(&hs256(
                SECRET,
                &json!({"sub": "a", "tenant": "default", "role": "client"}),
            )),
        ),
        (
            "JWT with an unknown role",
            Bearer::new(&hs256(SECRET, &claims("default", "root", t + 600, t - 10))),
        ),
        ("EdDSA JWT naming an unknown kid", {
            let mut h = Header::new(Algorithm::EdDSA);
            h.kid = Some("nope".into());
            Bearer::new(
                &encode(&h, &claims("default", "client", t + 600, t - 10), &ed_key).expect("jwt"),
            )
        }),
        ("garbage bearer", Bearer::new("not-a-token")),
    ];
    for (case, bearer) in cases {
        let (code, message) = submit_code(&gw, bearer).await;
        assert_eq!(code, Code::Unauthenticated, "{case}: {message}");
        assert!(!message.is_empty(), "{case}: says what to do");
    }
    assert_eq!(
        gw.last_sequence().await,
        before + 1,
        "only the first good submit landed"
    );

    // HTTP: the same refusals, 401 with WWW-Authenticate.
    let expired = hs256(SECRET, &claims("default", "client", t - 60, t - 120));
    let none = alg_none(&claims("default", "client", t + 600, t - 10));
    for (case, token) in [
        ("missing", None),
        ("revoked", Some(revoked.as_str())),
        ("expired JWT", Some(expired.as_str())),
        ("alg=none", Some(none.as_str())),
    ] {
        let (status, body) = http_status(&gw, token).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(body["code"], "UNAUTHENTICATED", "{case}");
    }
    assert_eq!(gw.last_sequence().await, before + 1);

    // Good JWTs: HS256 and EdDSA from the JWKS; the tenant is the claim's.
    let acme = hs256(SECRET, &claims("acme", "client", t + 600, t - 10));
    let ed = encode(
        &ed_header,
        &claims("globex", "client", t + 600, t - 10),
        &ed_key,
    )
    .expect("jwt");
    for (token, tenant) in [(acme, "acme"), (ed, "globex")] {
        let mut client = gw.grpc_with(Bearer::new(&token)).await;
        let done = client
            .submit_job(request(spec(&["https://example.com/"]), "same-key"))
            .await
            .expect("JWT accepted")
            .into_inner();
        let job = client
            .get_job(GetJobRequest {
                job_id: done.job_id.clone(),
            })
            .await
            .expect("own job")
            .into_inner();
        assert_eq!(job.tenant, tenant);
        let history = gw.store.history(&done.job_id).await.expect("history");
        assert_eq!(history[0].event.actor, "jwt:alice");
    }
    // A body cannot name a tenant: unknown JSON fields are refused.
    let body = json!({"spec": {"urls": ["https://example.com/"]}, "tenant": "acme"});
    let response = gw
        .http
        .post(gw.url("/v1/jobs"))
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 400);
    gw.shutdown().await;
}
