//! The jobs of the workload and the state a user sees at the end of each.

use std::collections::HashMap;

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    ExtractKind, ExtractRule, JobSpec, JobState, RenderMode, Step, WaitForSelector,
};

use crate::observe::platform::{CRAWL_HOST, Platform};

/// One job and the state it must end in.
pub struct Case {
    pub what: &'static str,
    pub spec: JobSpec,
    pub expect: JobState,
}

/// A page that succeeds and notifies `webhook`.
pub fn page(platform: &Platform, webhook: &str) -> Case {
    Case {
        what: "a page",
        spec: http(platform.stack.site.url("/static"), webhook),
        expect: JobState::Succeeded,
    }
}

/// Jobs that give every panel a series: pages that succeed and fail, a robots.txt
/// denial (dead-lettered), a browser page reaching for a forbidden address, and a site
/// answering 429 with Retry-After (the breaker gauge of a named domain).
pub fn first_wave(platform: &Platform, webhook: &str) -> Vec<Case> {
    let site = &platform.stack.site;
    let nats_port = platform
        .stack
        .nats_url()
        .rsplit(':')
        .next()
        .map(str::to_owned);
    let forbidden = format!("http://127.0.0.1:{}/", nats_port.unwrap_or_default());
    vec![
        page(platform, webhook),
        Case {
            what: "a 404",
            spec: http(site.url("/error/404"), webhook),
            expect: JobState::Failed,
        },
        Case {
            what: "a page robots.txt disallows",
            spec: http(site.url("/private/secret"), ""),
            expect: JobState::Failed,
        },
        Case {
            what: "a browser page fetching NATS's port",
            spec: browser_fetch(site.url(&format!("/egress/fetch?to={forbidden}"))),
            expect: JobState::Succeeded,
        },
        Case {
            what: "a site answering 429 once",
            spec: http(
                crawl_test_url(platform, "/throttled?key=observe&fail=1&retry_after=2"),
                "",
            ),
            expect: JobState::Succeeded,
        },
    ]
}

/// A page of the throttled domain, submitted while its Retry-After holds: deferred.
pub fn neighbour(platform: &Platform) -> Case {
    Case {
        what: "a page of the throttled site",
        spec: http(crawl_test_url(platform, "/static/2"), ""),
        expect: JobState::Succeeded,
    }
}

/// `path` on the fixture site under the second domain.
fn crawl_test_url(platform: &Platform, path: &str) -> String {
    let port = platform.stack.site.addr().port();
    format!("http://{CRAWL_HOST}:{port}{path}")
}

fn http(url: String, webhook: &str) -> JobSpec {
    JobSpec {
        urls: vec![url],
        render: RenderMode::Http as i32,
        timeout_ms: 20_000,
        webhook_url: webhook.to_owned(),
        labels: HashMap::from([("suite".to_owned(), "observe".to_owned())]),
        ..Default::default()
    }
}

/// A browser page whose script fetches another address; the job waits for the answer.
fn browser_fetch(url: String) -> JobSpec {
    JobSpec {
        render: RenderMode::Browser as i32,
        timeout_ms: 30_000,
        extract: vec![ExtractRule {
            name: "result".into(),
            selector: "#result".into(),
            kind: ExtractKind::Text as i32,
            ..Default::default()
        }],
        steps: vec![Step {
            kind: Some(Kind::WaitFor(WaitForSelector {
                selector: "#result[data-done]".into(),
            })),
            timeout_ms: 10_000,
        }],
        ..http(url, "")
    }
}
