//! Crawls as a user meets them (issue 17): `jetcrawl crawl --wait` with its JSONL,
//! `jetcrawl map`, `jetcrawl list --crawl`, and the same crawl over the HTTP API.

use std::collections::BTreeSet;
use std::time::Duration;

use jetcrawl_tests::eventually;
use serde_json::Value;

use crate::e2e::cli_jobs::{cli, document};
use crate::e2e::support::Platform;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path_of(url: &str) -> String {
    let url = url::Url::parse(url).expect("a URL");
    url.path().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_and_map_from_the_cli_and_over_http() {
    let p = Platform::start().await.expect("platform");
    let key = p.gateway.api_key.clone();
    let section = p.stack.site.url("/site/s0/");
    let dir = tempfile::tempdir().expect("temp dir");
    let out_file = dir.path().join("crawl.jsonl");
    let out_path = out_file.to_string_lossy().into_owned();

    // crawl --wait: the section and its 20 items, each as Markdown, in the JSONL file.
    let out = cli(
        &p,
        &key,
        &[
            "crawl",
            &section,
            "--include",
            "^/site/s0/",
            "--depth",
            "1",
            "--render",
            "http",
            "--format",
            "markdown",
            "--wait",
            "--out",
            &out_path,
        ],
    );
    assert!(out.status.success(), "crawl --wait: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("21 pages done, 0 failed"), "{stderr}");
    let lines: Vec<Value> = std::fs::read_to_string(&out_file)
        .expect("the JSONL file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let pages: BTreeSet<String> = lines
        .iter()
        .map(|l| path_of(l["url"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(lines.len(), 21, "{pages:?}");
    assert!(pages.contains("/site/s0/p19"), "{pages:?}");
    for line in &lines {
        let markdown = line["page"]["formats"]["markdown"]
            .as_str()
            .unwrap_or_default();
        assert!(markdown.contains("crawl fixture"), "{line}");
    }
    let crawl_id = lines[0]["page_job_id"]
        .as_str()
        .and_then(|id| id.rsplit_once("_p"))
        .map(|(crawl, _)| crawl.to_owned())
        .expect("a page job id names its crawl");

    // The crawl's pages, page by page, from the read model.
    eventually(Duration::from_secs(30), || async {
        let out = cli(
            &p,
            &key,
            &["list", "--crawl", &crawl_id, "--all", "--output", "json"],
        );
        let listed = document(&out)["jobs"].as_array().map_or(0, Vec::len);
        anyhow::ensure!(listed == 21, "{listed} pages listed");
        Ok(())
    })
    .await
    .expect("list --crawl shows the crawl's pages");

    // Over HTTP: the crawl with its progress, and its pages.
    let http = p.gateway.http_client().expect("client");
    let base = &p.gateway.http_url;
    let crawl: Value = http
        .get(format!("{base}/v1/jobs/{crawl_id}"))
        .send()
        .await
        .expect("GET the crawl")
        .json()
        .await
        .expect("JSON");
    assert_eq!(crawl["state"], "succeeded");
    assert_eq!(crawl["crawl"]["done"], 21, "{crawl}");
    assert_eq!(crawl["spec"]["crawl"]["max_depth"], 1, "{crawl}");
    let listed: Value = http
        .get(format!("{base}/v1/jobs?crawl_id={crawl_id}&page_size=100"))
        .send()
        .await
        .expect("GET the pages")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        listed["jobs"].as_array().map(Vec::len),
        Some(21),
        "{listed}"
    );
    let bad = http
        .post(format!("{base}/v1/jobs"))
        .json(&serde_json::json!({"spec": {"urls": [section], "crawl": {"include_paths": ["("]}}}))
        .send()
        .await
        .expect("POST a bad crawl");
    assert_eq!(bad.status(), 400);
    let problem: Value = bad.json().await.expect("a problem document");
    assert!(
        problem.to_string().contains("spec.crawl.include_paths[0]"),
        "{problem}"
    );

    // map: the URLs of the section's links (no sitemap on this host), each once.
    let other = p.stack.site.url("/site/s1/");
    let out = cli(
        &p,
        &key,
        &["map", &other, "--no-sitemaps", "--output", "json"],
    );
    assert!(out.status.success(), "map: {}", text(&out.stderr));
    let urls: Vec<String> = document(&out)["urls"]
        .as_array()
        .expect("urls")
        .iter()
        .filter_map(|u| u.as_str().map(path_of))
        .collect();
    let distinct: BTreeSet<&String> = urls.iter().collect();
    assert_eq!(distinct.len(), urls.len(), "each URL once: {urls:?}");
    for wanted in [
        "/site/s1/",
        "/site/s1/p0",
        "/site/s1/p19",
        "/site/",
        "/site/print/1",
    ] {
        assert!(urls.iter().any(|u| u == wanted), "{wanted} not in {urls:?}");
    }
}
