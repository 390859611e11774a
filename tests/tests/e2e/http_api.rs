//! The HTTP API beyond submit and lookup, through the real binaries: list with filters
//! and pages, cancel, watch (Server-Sent Events), the dead-letter queue and its replay, the `Idempotency-Key`
//! header, and errors (an unknown path or method included) as RFC 9457 problem documents
//! that name the field to fix.

use std::time::Duration;

use anyhow::{bail, ensure};
use jetcrawl_gateway::auth::Role;
use jetcrawl_tests::stack::TEST_TENANT;
use jetcrawl_tests::{Stack, eventually};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

async fn json_of(response: Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// Asserts `response` is a problem document with `status` and `code` and returns it.
async fn problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = json_of(response).await;
    assert_eq!(media, "application/problem+json", "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["type"], "about:blank", "{body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

fn first_field(problem: &Value) -> &str {
    problem["errors"][0]["field"].as_str().unwrap_or_default()
}

async fn submit(http: &Client, base: &str, url: String, key: Option<&str>) -> Response {
    let mut request = http
        .post(format!("{base}/v1/jobs"))
        .json(&json!({"spec": {"urls": [url], "render": "http"}}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("POST /v1/jobs")
}

async fn until_state(http: &Client, base: &str, job_id: &str, state: &str) -> Value {
    eventually(Duration::from_secs(60), || {
        let (http, url) = (http.clone(), format!("{base}/v1/jobs/{job_id}"));
        async move {
            let job: Value = http.get(url).send().await?.json().await?;
            if job["state"] == state {
                Ok(job)
            } else {
                bail!("job is {}", job["state"])
            }
        }
    })
    .await
    .unwrap_or_else(|err| panic!("{job_id} never reached {state}: {err}"))
}

/// `GET {path}` once the projection shows what `check` wants.
async fn listed(http: &Client, url: String, check: impl Fn(&Value) -> bool) -> Value {
    eventually(Duration::from_secs(30), || {
        let (http, url) = (http.clone(), url.clone());
        let check = &check;
        async move {
            let page: Value = http.get(url).send().await?.json().await?;
            ensure!(check(&page), "not listed yet: {page}");
            Ok(page)
        }
    })
    .await
    .expect("the projection catches up")
}

fn ids(page: &Value, list: &str) -> Vec<String> {
    page[list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["job_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn list_cancel_replay_and_problem_documents_over_http() {
    jetcrawl_tests::init_test_tracing();
    let stack = Stack::start().await.expect("stack");
    let gateway = stack.spawn_gateway().await.expect("gateway");
    let _projector = stack.spawn_projector().await.expect("projector");
    let http = gateway.http_client().expect("client");
    let base = gateway.http_url.clone();
    let site = &stack.site;

    // Cancel while queued (no worker yet): cancelled at once.
    let queued = json_of(submit(&http, &base, site.url("/static?q=queued"), None).await).await;
    let queued = queued["job_id"].as_str().expect("job id").to_owned();
    let cancelled = http
        .post(format!("{base}/v1/jobs/{queued}/cancel"))
        .json(&json!({"reason": "changed my mind"}))
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancelled.status(), StatusCode::OK);
    let cancelled = json_of(cancelled).await;
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
    assert_eq!(cancelled["job_id"], queued.as_str(), "{cancelled}");
    let again = http
        .post(format!("{base}/v1/jobs/{queued}/cancel"))
        .send()
        .await
        .expect("cancel again");
    let again = problem(again, 409, "FAILED_PRECONDITION").await;
    assert!(
        again["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("cancelled"),
        "{again}"
    );
    let unknown = http
        .post(format!("{base}/v1/jobs/no-such-job/cancel"))
        .send()
        .await
        .expect("cancel unknown");
    problem(unknown, 404, "NOT_FOUND").await;

    // The Idempotency-Key header works like the body field, and a disagreement between
    // the two is refused naming the header.
    let worker = stack.spawn_worker(&[]).await.expect("worker");
    let first = submit(&http, &base, site.url("/static?q=ok"), Some("http-key-1")).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first = json_of(first).await;
    let ok = first["job_id"].as_str().expect("job id").to_owned();
    let repeat =
        json_of(submit(&http, &base, site.url("/static?q=ok"), Some("http-key-1")).await).await;
    assert_eq!(
        (repeat["job_id"].as_str(), repeat["duplicate"].as_bool()),
        (Some(ok.as_str()), Some(true))
    );
    let both = http
        .post(format!("{base}/v1/jobs"))
        .header("Idempotency-Key", "http-key-2")
        .json(&json!({"spec": {"urls": [site.url("/static")], "render": "http"}, "idempotency_key": "other"}))
        .send()
        .await
        .expect("POST");
    let both = problem(both, 400, "INVALID_ARGUMENT").await;
    assert_eq!(first_field(&both), "idempotency-key", "{both}");

    // A page that answers 404 fails for good and is dead-lettered.
    let missing = json_of(submit(&http, &base, site.url("/error/404"), None).await).await;
    let missing = missing["job_id"].as_str().expect("job id").to_owned();
    until_state(&http, &base, &ok, "succeeded").await;
    until_state(&http, &base, &missing, "failed").await;

    // Watch over Server-Sent Events: every event in order, ending at the terminal one.
    let watched = http
        .get(format!("{base}/v1/jobs/{ok}/events"))
        .send()
        .await
        .expect("watch");
    assert_eq!(watched.status(), StatusCode::OK);
    let media = watched.headers().get("content-type").cloned();
    assert_eq!(
        media.as_ref().and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let text = tokio::time::timeout(Duration::from_secs(30), watched.text())
        .await
        .expect("the stream ends after the terminal event")
        .expect("body");
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    // A politeness deferral may come between; the rest is fixed.
    assert_eq!(names.first(), Some(&"JobSubmitted"), "{text}");
    assert!(names.contains(&"JobStarted"), "{text}");
    assert_eq!(names.last(), Some(&"JobSucceeded"), "{text}");
    let sequences: Vec<u64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("id: ")?.parse().ok())
        .collect();
    assert_eq!(sequences.len(), names.len(), "{text}");
    assert!(
        sequences.windows(2).all(|w| w[0] < w[1]),
        "in stream order: {text}"
    );
    let last: Value = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).expect("json data"))
        .expect("data");
    assert_eq!(last["state"], "succeeded", "{text}");
    assert_eq!(last["type"], "JobSucceeded", "{text}");
    let unknown = http
        .get(format!("{base}/v1/jobs/no-such-job/events"))
        .send()
        .await
        .expect("watch unknown");
    problem(unknown, 404, "NOT_FOUND").await;

    // List: newest first, filtered by state, in pages.
    // Listed once the projection has applied all three, the 404 job's end included.
    let all = listed(&http, format!("{base}/v1/jobs"), |page| {
        let settled = ["failed", "succeeded", "cancelled"];
        ids(page, "jobs").len() == 3
            && settled.contains(&page["jobs"][0]["state"].as_str().unwrap_or_default())
    })
    .await;
    assert_eq!(
        ids(&all, "jobs"),
        [missing.clone(), ok.clone(), queued.clone()],
        "{all}"
    );
    assert_eq!(all["jobs"][0]["state"], "failed", "{all}");
    assert!(
        all.get("next_page_token").is_none(),
        "one page holds them: {all}"
    );
    let failed = listed(&http, format!("{base}/v1/jobs?state=failed"), |p| {
        !ids(p, "jobs").is_empty()
    })
    .await;
    assert_eq!(ids(&failed, "jobs"), [missing.as_str()], "{failed}");
    let one = json_of(
        http.get(format!("{base}/v1/jobs?page_size=1"))
            .send()
            .await
            .expect("page 1"),
    )
    .await;
    assert_eq!(ids(&one, "jobs"), [missing.as_str()], "{one}");
    let token = one["next_page_token"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let two = json_of(
        http.get(format!("{base}/v1/jobs?page_size=1&page_token={token}"))
            .send()
            .await
            .expect("page 2"),
    )
    .await;
    assert_eq!(ids(&two, "jobs"), [ok.as_str()], "{two}");

    // Bad query parameters name themselves.
    for (query, field) in [
        ("state=done", "state"),
        ("page_size=many", "page_size"),
        ("page_size=100000", "page_size"),
        ("colour=red", "query"),
    ] {
        let bad = http
            .get(format!("{base}/v1/jobs?{query}"))
            .send()
            .await
            .expect("GET");
        let bad = problem(bad, 400, "INVALID_ARGUMENT").await;
        assert_eq!(first_field(&bad), field, "{query}: {bad}");
    }

    // The dead-letter queue is for admins; a client key is refused.
    let refused = http
        .get(format!("{base}/v1/dead-letters"))
        .send()
        .await
        .expect("GET");
    problem(refused, 403, "PERMISSION_DENIED").await;
    let admin_key = stack
        .mint_api_key(TEST_TENANT, Role::Admin)
        .await
        .expect("admin key");
    let admin = jetcrawl_tests::auth::http_client_with_key(&admin_key).expect("admin client");
    let letters = listed(&admin, format!("{base}/v1/dead-letters"), |p| {
        ids(p, "dead_letters") == [missing.clone()]
    })
    .await;
    assert_eq!(
        letters["dead_letters"][0]["error_class"], "http_4xx",
        "{letters}"
    );
    assert_eq!(
        letters["dead_letters"][0]["tenant"], TEST_TENANT,
        "{letters}"
    );
    let replayed = admin
        .post(format!("{base}/v1/dead-letters/replay"))
        .json(&json!({"job_id": missing, "reason": "the page is back"}))
        .send()
        .await
        .expect("replay");
    assert_eq!(replayed.status(), StatusCode::OK);
    let replayed = json_of(replayed).await;
    assert_eq!(
        replayed["replayed"][0]["job_id"],
        missing.as_str(),
        "{replayed}"
    );
    assert!(
        replayed["replayed"][0]["sequence"].as_u64().unwrap_or(0) > 0,
        "{replayed}"
    );

    // Every metric a service shows has help text; build and process metrics are there.
    for (service, url) in [
        ("gateway", format!("{base}/metrics")),
        ("worker", format!("{}/metrics", worker.metrics_url)),
    ] {
        let text = http
            .get(url)
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("text");
        let typed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(
            typed.iter().any(|m| m.starts_with("jetcrawl_")),
            "{service}: {text}"
        );
        for metric in typed {
            assert!(
                text.contains(&format!("# HELP {metric} ")),
                "{service}: {metric} has no help text"
            );
        }
        for needed in ["jetcrawl_build_info{", "process_resident_memory_bytes"] {
            assert!(text.contains(needed), "{service}: no {needed}");
        }
    }

    // Unknown paths and methods get problem documents too.
    let nowhere = http
        .get(format!("{base}/v1/nowhere"))
        .send()
        .await
        .expect("GET");
    let nowhere = problem(nowhere, 404, "NOT_FOUND").await;
    assert!(
        nowhere["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("/v1/nowhere"),
        "{nowhere}"
    );
    let wrong = http
        .delete(format!("{base}/v1/jobs"))
        .send()
        .await
        .expect("DELETE");
    let allow = wrong
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    problem(wrong, 405, "UNIMPLEMENTED").await;
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow:?}"
    );

    // Jobs stay queued from here on, so the cancel example has a job to cancel.
    drop(worker);
    openapi_lists_every_route_and_its_examples_are_accepted(&http, &admin, &base).await;
}

/// `GET /openapi.json` is an OpenAPI 3.1 document; every operation in it is routed (not
/// answered by the 404/405 fallbacks), and every request example in it is accepted.
async fn openapi_lists_every_route_and_its_examples_are_accepted(
    client: &Client,
    admin: &Client,
    base: &str,
) {
    let anonymous = jetcrawl_tests::http_client().expect("client");
    let answer = anonymous
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("GET /openapi.json");
    assert_eq!(answer.status(), StatusCode::OK, "served without a key");
    let doc = json_of(answer).await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let example = |path: &str, method: &str| {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["example"].clone()
    };
    // The submit example gives the job the other operations are tried on.
    let submitted = client
        .post(format!("{base}/v1/jobs"))
        .json(&example("/v1/jobs", "post"))
        .send()
        .await
        .expect("POST the submit example");
    assert_eq!(
        submitted.status(),
        StatusCode::ACCEPTED,
        "the submit example is accepted"
    );
    let job_id = json_of(submitted).await["job_id"]
        .as_str()
        .expect("job id")
        .to_owned();
    let paths = doc["paths"].as_object().expect("paths");
    let mut tried = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("methods") {
            let url = format!(
                "{base}{}",
                path.replace("{id}", &job_id)
                    .replace("{job_id}", &job_id)
                    .replace("{artifact}", "result.json")
                    .replace("{month}", "2026-10")
                    .replace("{revision}", "1")
                    .replace("{file}", "report.html")
            );
            if path == "/v1/jobs" && method == "post" {
                continue;
            }
            let who = if path.starts_with("/v1/dead-letters") {
                admin
            } else {
                client
            };
            let mut request = match method.as_str() {
                "get" => who.get(&url),
                "post" => who.post(&url),
                other => panic!("{other} {path}: a method the test does not know"),
            };
            let body = &operation["requestBody"]["content"]["application/json"]["example"];
            if !body.is_null() {
                request = request.json(body);
            }
            let answer = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            let status = answer.status();
            let text = if path.ends_with("/events") {
                String::new() // a stream that lasts while the job does: headers are enough
            } else {
                answer.text().await.unwrap_or_default()
            };
            assert!(
                !text.contains("no route") && !text.contains("does not answer"),
                "{method} {path} is documented but not routed: {status} {text}"
            );
            if !body.is_null() {
                assert!(
                    status.is_success(),
                    "the {method} {path} example is refused: {status} {text}"
                );
            }
            tried += 1;
        }
    }
    assert!(tried >= 12, "only {tried} operations tried");
}
