//! Given a crawl spec, when validated, then defaults filled in (or each bad field named).

use jetcrawl_proto::v1::{AgentSpec, CrawlPageOf, CrawlScope, CrawlSpec, JobSpec};

use super::*;

fn crawl(crawl: CrawlSpec) -> JobSpec {
    JobSpec {
        urls: vec!["https://example.com/".into()],
        crawl: Some(crawl),
        ..Default::default()
    }
}

fn fields(spec: JobSpec) -> Vec<String> {
    let found = validate_spec(spec, &Limits::default()).expect_err("refused");
    found.as_slice().iter().map(|v| v.field.clone()).collect()
}

#[test]
fn defaults_are_filled_in() {
    let valid = validate_spec(crawl(CrawlSpec::default()), &Limits::default()).expect("valid");
    let spec = valid.spec().crawl.clone().unwrap();
    assert_eq!(spec.max_pages, 100);
    assert_eq!(spec.max_depth, Some(5));
    assert_eq!(spec.scope, CrawlScope::SameHost as i32);
}

#[test]
fn depth_zero_stays_zero() {
    let asked = CrawlSpec {
        max_depth: Some(0),
        ..Default::default()
    };
    let valid = validate_spec(crawl(asked), &Limits::default()).expect("valid");
    assert_eq!(valid.spec().crawl.as_ref().unwrap().max_depth, Some(0));
}

#[test]
fn every_bad_field_is_named() {
    let bad = CrawlSpec {
        max_pages: 10_001,
        max_depth: Some(51),
        scope: 9,
        include_paths: vec!["^/ok/".into(), "(".into()],
        exclude_paths: vec!["x".repeat(201)],
        ..Default::default()
    };
    assert_eq!(
        fields(crawl(bad)),
        [
            "spec.crawl.max_pages",
            "spec.crawl.max_depth",
            "spec.crawl.scope",
            "spec.crawl.include_paths[1]",
            "spec.crawl.exclude_paths[0]",
        ]
    );
}

#[test]
fn clients_cannot_mark_a_job_as_a_crawl_page_nor_crawl_with_an_agent() {
    let mut spec = crawl(CrawlSpec::default());
    spec.page = Some(CrawlPageOf::default());
    spec.agent = Some(AgentSpec {
        goal: "find the price".into(),
        ..Default::default()
    });
    let found = fields(spec);
    assert!(found.contains(&"spec.page".to_owned()), "{found:?}");
    assert!(found.contains(&"spec.crawl".to_owned()), "{found:?}");
}
