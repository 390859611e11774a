//! The HTTP API end to end: submit with JSON, follow with GET, read the result.

use std::time::Duration;

use anyhow::bail;
use jetcrawl_tests::eventually;
use serde_json::{Value, json};

use crate::e2e::support::Platform;

#[tokio::test]
async fn a_job_submitted_over_http_runs_and_is_readable_over_http() {
    let platform = Platform::start().await.expect("platform starts");
    let http = platform.gateway.http_client().expect("client");
    let base = platform.gateway.http_url.clone();
    let body = json!({
        "spec": {
            "urls": [platform.stack.site.url("/static")],
            "render": "http",
            "extract": [
                {"name": "title", "selector": "h1#title", "kind": "text"},
                {"name": "next", "selector": "a#next", "kind": "attribute", "attribute": "href"},
                {"name": "items", "selector": "li.item", "kind": "text", "many": true}
            ],
            "labels": {"team": "e2e"}
        },
        "idempotency_key": "http-e2e-1"
    });
    let response = http
        .post(format!("{base}/v1/jobs"))
        .json(&body)
        .send()
        .await
        .expect("POST /v1/jobs");
    assert_eq!(response.status(), 202, "accepted");
    let submitted: Value = response.json().await.expect("json");
    let job_id = submitted["job_id"].as_str().expect("job id").to_owned();
    assert!(submitted["stream_sequence"].as_u64().unwrap_or(0) > 0);

    let again: Value = http
        .post(format!("{base}/v1/jobs"))
        .json(&body)
        .send()
        .await
        .expect("repeat")
        .json()
        .await
        .expect("json");
    assert_eq!(
        again["job_id"],
        job_id.as_str(),
        "the same idempotency key returns the same job"
    );
    assert_eq!(again["duplicate"], true);

    let job = eventually(Duration::from_secs(60), || {
        let (http, url) = (http.clone(), format!("{base}/v1/jobs/{job_id}"));
        async move {
            let job: Value = http.get(url).send().await?.json().await?;
            if job["state"] == "succeeded" {
                Ok(job)
            } else {
                bail!("job is {}", job["state"])
            }
        }
    })
    .await
    .expect("job succeeds");
    assert_eq!(job["attempts"], 1);
    let key = job["result"]["key"].as_str().expect("result key");
    let stored: Value =
        serde_json::from_slice(&platform.object(key).await.expect("result stored")).expect("json");
    let data = &stored["pages"][0]["data"];
    assert_eq!(data["title"], "Static Title");
    assert_eq!(data["next"], "/static/2");
    assert_eq!(data["items"], json!(["one", "two", "three"]));

    let missing = http
        .get(format!("{base}/v1/jobs/no-such-job"))
        .send()
        .await
        .expect("GET unknown");
    assert_eq!(missing.status(), 404);
}
