//! JSON renderings of the crawl controller's events (robots.txt denials and overrides)
//! and of crawls (ADR 0047).

use jetcrawl_proto::v1::{
    CrawlPageFinished, CrawlPagesQueued, CrawlScope, CrawlSpec, RobotsDisallowed,
    RobotsPolicyChanged,
};
use serde_json::{Value, json};

pub(crate) fn robots_disallowed(p: &RobotsDisallowed) -> Value {
    json!({
        "url": p.url,
        "robots_url": p.robots_url,
        "rule": p.rule,
        "user_agent_group": p.user_agent_group,
        "product_token": p.product_token,
        "domain": p.domain,
        "url_index": p.url_index,
    })
}

pub(crate) fn robots_policy_changed(p: &RobotsPolicyChanged) -> Value {
    json!({
        "respect_robots": p.respect_robots,
        "previous_respect_robots": p.previous_respect_robots,
        "reason": p.reason,
    })
}

pub(crate) fn pages_queued(p: &CrawlPagesQueued) -> Value {
    let pages: Vec<Value> = p
        .pages
        .iter()
        .map(|page| json!({ "page_job_id": page.page_job_id, "depth": page.depth }))
        .collect();
    json!({
        "pages": pages,
        "from_page": p.from_page,
        "skipped_scope": p.skipped_scope,
        "skipped_limit": p.skipped_limit,
    })
}

pub(crate) fn page_finished(p: &CrawlPageFinished) -> Value {
    json!({
        "page_job_id": p.page_job_id,
        "outcome": p.outcome,
        "error_class": p.error_class,
    })
}

pub(crate) fn crawl_spec(c: &CrawlSpec) -> Value {
    let scope = match CrawlScope::try_from(c.scope) {
        Ok(CrawlScope::SameDomain) => "same_domain",
        Ok(CrawlScope::Subdomains) => "subdomains",
        Ok(CrawlScope::SameHost | CrawlScope::Unspecified) => "same_host",
        Err(_) => "unknown",
    };
    json!({
        "max_pages": c.max_pages,
        "max_depth": c.max_depth,
        "scope": scope,
        "include_paths": c.include_paths,
        "exclude_paths": c.exclude_paths,
        "allow_external": c.allow_external,
        "sitemaps": c.sitemaps,
    })
}
