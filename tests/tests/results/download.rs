//! Done means 1 (downloads): a result and its artifacts download through their signed
//! URLs and match their sha256; tampering with `exp`, `sig`, `kid` or the path, an
//! expired URL, and another tenant's job all answer 403.

use std::time::Duration;

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{JobSpec, JobState, RenderMode, Screenshot, Step};
use jetcrawl_tests::auth::jobs_client;
use sha2::{Digest, Sha256};

use crate::results::support::{Platform, anonymous, http_spec};

fn screenshot_spec(url: String) -> JobSpec {
    JobSpec {
        urls: vec![url],
        render: RenderMode::Browser as i32,
        timeout_ms: 30_000,
        steps: vec![Step {
            kind: Some(Kind::Screenshot(Screenshot {
                name: "home".into(),
                full_page: false,
            })),
            timeout_ms: 0,
        }],
        ..Default::default()
    }
}

/// GETs `url` without a credential: (status, headers, body).
async fn fetch(url: &str) -> anyhow::Result<(u16, reqwest::header::HeaderMap, Vec<u8>)> {
    let response = anonymous()?.get(url).send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Ok((status, headers, response.bytes().await?.to_vec()))
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// `url` with query parameter `name` set to `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').expect("signed URL has a query");
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if k == name => format!("{k}={value}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

fn param(url: &str, name: &str) -> String {
    url.split_once('?')
        .and_then(|(_, q)| {
            q.split('&')
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
        })
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_downloads_through_its_signed_url_and_tampering_is_refused() -> anyhow::Result<()>
{
    let p = Platform::start().await?;
    let job_id = p
        .submit(screenshot_spec(p.stack.site.url("/static")))
        .await?;
    let job = p.finished(&job_id).await?;
    assert_eq!(job.state, JobState::Succeeded as i32, "{job:?}");
    let succeeded = job.result.expect("a result");

    let response = p.get_result(&job_id, 0).await?;
    let expires = response.expires_at.expect("expiry").seconds - chrono::Utc::now().timestamp();
    assert!(
        (890..=901).contains(&expires),
        "15 minutes by default, got {expires} s"
    );
    let result = response.result.expect("the result URL");
    assert!(
        result
            .url
            .starts_with(&format!("/results/{job_id}/result.json?exp=")),
        "{}",
        result.url
    );
    let url = p.absolute(&result.url);
    let (status, headers, body) = fetch(&url).await?;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        sha(&body),
        succeeded.result_sha256,
        "downloaded bytes match JobSucceeded's sha256"
    );
    assert_eq!(
        header(&headers, "etag"),
        format!("\"{}\"", succeeded.result_sha256)
    );
    assert_eq!(header(&headers, "content-type"), "application/json");
    let document: serde_json::Value = serde_json::from_slice(&body)?;
    assert_eq!(document["job_id"], job_id.as_str());

    // The screenshot and its thumbnail, each with its own sha256.
    let names: Vec<&str> = response.artifacts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["home.png", "home.thumb.png"]);
    let mut sizes = Vec::new();
    for artifact in &response.artifacts {
        let (status, headers, body) = fetch(&p.absolute(&artifact.url)).await?;
        assert_eq!(status, 200, "{}", artifact.name);
        assert_eq!(header(&headers, "content-type"), "image/png");
        assert_eq!(sha(&body), artifact.sha256, "{}", artifact.name);
        assert_eq!(header(&headers, "etag"), format!("\"{}\"", artifact.sha256));
        assert!(body.starts_with(b"\x89PNG"), "{} is a PNG", artifact.name);
        sizes.push(body.len());
    }
    assert!(
        sizes[1] < sizes[0],
        "the thumbnail ({} B) is smaller than the shot ({} B)",
        sizes[1],
        sizes[0]
    );

    // The HTTP route answers the same.
    let view: serde_json::Value = p
        .gateway
        .http_client()?
        .get(format!("{}/v1/jobs/{job_id}/result", p.gateway.http_url))
        .send()
        .await?
        .json()
        .await?;
    let (status, _, body) = fetch(&p.absolute(view["url"].as_str().unwrap_or_default())).await?;
    assert_eq!(
        (status, sha(&body)),
        (200, succeeded.result_sha256.clone()),
        "{view}"
    );

    // Tampering with any part of the URL is refused, without echoing the signature.
    let sig = param(&url, "sig");
    let exp: i64 = param(&url, "exp").parse()?;
    let mut flipped = sig.clone();
    flipped.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
    let cases = [
        ("exp", with_param(&url, "exp", &(exp + 1).to_string())),
        ("sig", with_param(&url, "sig", &flipped)),
        ("kid", with_param(&url, "kid", "test-k2")),
        ("path", url.replace("/result.json?", "/home.png?")),
        ("missing sig", url.replace(&format!("&sig={sig}"), "")),
    ];
    for (what, tampered) in cases {
        let (status, _, body) = fetch(&tampered).await?;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, 403, "tampered {what}: {text}");
        assert!(
            !text.contains(&sig),
            "the refusal never echoes the signature: {text}"
        );
        assert!(
            text.contains("GetResult"),
            "the refusal says what to do: {text}"
        );
    }

    // Another tenant: its GetResult does not see the job, and the URL does not open its job.
    let other_key = p
        .stack
        .mint_api_key("other-tenant", jetcrawl_gateway::auth::Role::Client)
        .await?;
    let mut other = jobs_client(&p.gateway.grpc_url, &other_key).await?;
    let denied = other
        .get_result(jetcrawl_proto::v1::GetResultRequest {
            job_id: job_id.clone(),
            ttl_seconds: 0,
        })
        .await
        .expect_err("another tenant's job");
    assert_eq!(denied.code(), tonic::Code::NotFound);
    let theirs = other
        .submit_job(jetcrawl_proto::v1::SubmitJobRequest {
            spec: Some(http_spec(p.stack.site.url("/static"), "")),
            idempotency_key: String::new(),
        })
        .await?
        .into_inner()
        .job_id;
    let (status, _, _) = fetch(&url.replace(&job_id, &theirs)).await?;
    assert_eq!(
        status, 403,
        "a URL for tenant e2e's job cannot open other-tenant's job"
    );

    // An expired URL.
    let short = p.get_result(&job_id, 1).await?.result.expect("result");
    let exp: i64 = param(&short.url, "exp").parse()?;
    let wait = (exp + 1 - chrono::Utc::now().timestamp()).max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait * 1000 + 200)).await;
    let (status, _, body) = fetch(&p.absolute(&short.url)).await?;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("expired"), "{text}");
    Ok(())
}
