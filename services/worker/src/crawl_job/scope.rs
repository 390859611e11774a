//! Which links a crawl follows (ADR 0047): URL normalisation, so one page has one
//! name, and the scope (hosts, depth, include and exclude patterns).

use jetcrawl_crawl::DomainKey;
use jetcrawl_proto::v1::{CrawlPageOf, CrawlScope};
use regex::Regex;
use url::Url;

/// The one name of a page: fragment dropped, query pairs sorted (an empty query
/// dropped), scheme and host lower-case and the default port left out (`url` does
/// those two).
pub fn normalize(mut url: Url) -> Url {
    url.set_fragment(None);
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        pairs.sort();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url
}

/// `host[:port]` of a URL, as start hosts are kept (the port only when not the
/// default).
pub fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// A crawl's scope, compiled once per page.
#[derive(Debug)]
pub struct Scope {
    kind: CrawlScope,
    start_hosts: Vec<String>,
    start_domains: Vec<DomainKey>,
    include: Vec<Regex>,
    exclude: Vec<Regex>,
    allow_external: bool,
    max_depth: u32,
}

impl Scope {
    /// The scope of the crawl `page` belongs to; patterns that no longer compile (the
    /// gateway checked them) are an error.
    pub fn of(page: &CrawlPageOf) -> Result<Self, regex::Error> {
        let crawl = page.crawl.clone().unwrap_or_default();
        let compile = |patterns: &[String]| -> Result<Vec<Regex>, regex::Error> {
            patterns.iter().map(|p| Regex::new(p)).collect()
        };
        let start_domains = page
            .start_hosts
            .iter()
            .filter_map(|host| DomainKey::parse(&format!("http://{host}/")).ok())
            .collect();
        Ok(Self {
            kind: CrawlScope::try_from(crawl.scope).unwrap_or(CrawlScope::SameHost),
            start_hosts: page.start_hosts.clone(),
            start_domains,
            include: compile(&crawl.include_paths)?,
            exclude: compile(&crawl.exclude_paths)?,
            allow_external: crawl.allow_external,
            max_depth: crawl.max_depth.unwrap_or(5),
        })
    }

    /// True when a link to `url` found at `depth` is followed.
    pub fn admits(&self, url: &Url, depth: u32) -> bool {
        depth <= self.max_depth
            && matches!(url.scheme(), "http" | "https")
            && (self.allow_external || self.host_in_scope(url))
            && self.path_in_scope(url)
    }

    fn host_in_scope(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        match self.kind {
            CrawlScope::SameDomain => {
                DomainKey::of_url(url).is_ok_and(|domain| self.start_domains.contains(&domain))
            }
            CrawlScope::Subdomains => self.start_hosts.iter().any(|start| {
                let start = start.split(':').next().unwrap_or(start);
                host == start || host.ends_with(&format!(".{start}"))
            }),
            CrawlScope::SameHost | CrawlScope::Unspecified => {
                self.start_hosts.contains(&authority(url))
            }
        }
    }

    fn path_in_scope(&self, url: &Url) -> bool {
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        (self.include.is_empty() || self.include.iter().any(|r| r.is_match(&path)))
            && !self.exclude.iter().any(|r| r.is_match(&path))
    }
}

#[cfg(test)]
mod tests {
    use jetcrawl_proto::v1::CrawlSpec;

    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn scope(kind: CrawlScope, start: &str, crawl: CrawlSpec) -> Scope {
        Scope::of(&CrawlPageOf {
            crawl: Some(CrawlSpec {
                scope: kind as i32,
                ..crawl
            }),
            start_hosts: vec![authority(&url(start))],
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn one_page_has_one_name() {
        let a = normalize(url("HTTP://Example.COM:80/a?b=2&a=1#top"));
        let b = normalize(url("http://example.com/a?a=1&b=2"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "http://example.com/a?a=1&b=2");
        assert_eq!(
            normalize(url("http://example.com/a?")).as_str(),
            "http://example.com/a"
        );
    }

    #[test]
    fn hosts_in_each_scope() {
        let start = "https://example.com/";
        let same_host = scope(CrawlScope::SameHost, start, CrawlSpec::default());
        let domain = scope(
            CrawlScope::SameDomain,
            "https://www.example.com/",
            CrawlSpec::default(),
        );
        let subdomains = scope(CrawlScope::Subdomains, start, CrawlSpec::default());
        let docs = url("https://docs.example.com/x");
        assert!(same_host.admits(&url("https://example.com/x"), 1));
        assert!(!same_host.admits(&docs, 1));
        assert!(!same_host.admits(&url("https://example.com:8443/x"), 1));
        assert!(domain.admits(&docs, 1));
        assert!(domain.admits(&url("https://example.com/"), 1));
        assert!(subdomains.admits(&docs, 1));
        assert!(!subdomains.admits(&url("https://notexample.com/"), 1));
        assert!(!subdomains.admits(&url("https://other.org/"), 1));
    }

    #[test]
    fn depth_and_patterns_bound_the_crawl() {
        let crawl = CrawlSpec {
            max_depth: Some(2),
            include_paths: vec!["^/docs/".into()],
            exclude_paths: vec![r"\?print=".into()],
            ..Default::default()
        };
        let s = scope(CrawlScope::SameHost, "https://example.com/", crawl);
        assert!(s.admits(&url("https://example.com/docs/a"), 2));
        assert!(!s.admits(&url("https://example.com/docs/a"), 3));
        assert!(!s.admits(&url("https://example.com/blog/a"), 1));
        assert!(!s.admits(&url("https://example.com/docs/a?print=1"), 1));
    }
}
