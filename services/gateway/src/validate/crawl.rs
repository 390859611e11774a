//! A crawl's spec (ADR 0047): limits in range, patterns that compile, a scope that
//! exists, and never a page-of marker from a client.

use jetcrawl_proto::v1::{CrawlScope, JobSpec};

use super::violations::Violations;

/// Most pages a crawl may queue.
pub const MAX_CRAWL_PAGES: u32 = 10_000;
/// Deepest a crawl may go.
pub const MAX_CRAWL_DEPTH: u32 = 50;
/// Depth when the spec leaves it unset.
pub const DEFAULT_CRAWL_DEPTH: u32 = 5;
/// Most include (and most exclude) patterns.
pub const MAX_PATTERNS: usize = 20;
/// Longest pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 200;

/// Checks `spec.crawl` and `spec.page`, filling in the defaults.
pub fn check_crawl(spec: &mut JobSpec, out: &mut Violations) {
    if spec.page.is_some() {
        out.add(
            "spec.page",
            "is set by Jetcrawl on a crawl's page jobs; remove it, and use spec.crawl to crawl",
        );
    }
    let agent = spec.agent.is_some();
    let Some(crawl) = spec.crawl.as_mut() else {
        return;
    };
    if agent {
        out.add(
            "spec.crawl",
            "an agent job cannot be a crawl; drop spec.agent or spec.crawl",
        );
    }
    if crawl.max_pages > MAX_CRAWL_PAGES {
        out.add(
            "spec.crawl.max_pages",
            format!(
                "{} is above the limit {MAX_CRAWL_PAGES}; ask for at most {MAX_CRAWL_PAGES} pages, or 0 for {}",
                crawl.max_pages,
                jetcrawl_streams::job::DEFAULT_MAX_PAGES
            ),
        );
    } else if crawl.max_pages == 0 {
        crawl.max_pages = jetcrawl_streams::job::DEFAULT_MAX_PAGES;
    }
    match crawl.max_depth {
        None => crawl.max_depth = Some(DEFAULT_CRAWL_DEPTH),
        Some(depth) if depth > MAX_CRAWL_DEPTH => out.add(
            "spec.crawl.max_depth",
            format!(
                "{depth} is above the limit {MAX_CRAWL_DEPTH}; follow at most {MAX_CRAWL_DEPTH} links from a start page, or leave it unset for {DEFAULT_CRAWL_DEPTH}"
            ),
        ),
        Some(_) => {}
    }
    match CrawlScope::try_from(crawl.scope) {
        Ok(CrawlScope::Unspecified) => crawl.scope = CrawlScope::SameHost as i32,
        Ok(_) => {}
        Err(_) => out.add(
            "spec.crawl.scope",
            format!(
                "unknown scope {}; use SAME_HOST, SAME_DOMAIN or SUBDOMAINS",
                crawl.scope
            ),
        ),
    }
    check_patterns("spec.crawl.include_paths", &crawl.include_paths, out);
    check_patterns("spec.crawl.exclude_paths", &crawl.exclude_paths, out);
}

fn check_patterns(field: &str, patterns: &[String], out: &mut Violations) {
    if patterns.len() > MAX_PATTERNS {
        out.add(
            field,
            format!(
                "{} patterns given; the limit is {MAX_PATTERNS}: join some with `|`",
                patterns.len()
            ),
        );
        return;
    }
    for (index, pattern) in patterns.iter().enumerate() {
        let field = format!("{field}[{index}]");
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            out.add(
                field,
                format!("longer than {MAX_PATTERN_CHARS} characters; shorten it"),
            );
            continue;
        }
        if let Err(err) = regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
        {
            let why = err.to_string().replace('\n', " ");
            out.add(
                field,
                format!("is not a regular expression ({why}); write one in Rust regex syntax, e.g. ^/blog/"),
            );
        }
    }
}
