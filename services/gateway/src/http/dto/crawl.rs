//! JSON mirror of a crawl's spec (`JobSpec.crawl`) and of its progress (ADR 0047).

use jetcrawl_proto::v1::{CrawlProgress, CrawlScope, CrawlSpec};
use serde::{Deserialize, Serialize};

/// `CrawlSpec`, e.g. `{"max_pages": 200, "max_depth": 3, "exclude_paths": ["^/admin"]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CrawlSpec)]
pub struct CrawlDto {
    /// Most pages queued, start pages included: 1..=10,000; 0 or absent means 100.
    #[serde(default)]
    pub max_pages: u32,
    /// Most links followed from a start page: 0..=50; absent means 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<u32>,
    /// Which hosts are in scope; absent means `same_host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeDto>,
    /// Regular expressions on a URL's path and query; a page must match one when given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_paths: Vec<String>,
    /// Regular expressions on a URL's path and query; a page matching any is skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_paths: Vec<String>,
    /// Follow links to other hosts too.
    #[serde(default)]
    pub allow_external: bool,
    /// Also queue the start hosts' sitemap URLs.
    #[serde(default)]
    pub sitemaps: bool,
}

/// `CrawlScope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CrawlScope)]
pub enum ScopeDto {
    /// The start pages' hosts exactly.
    SameHost,
    /// The start pages' registrable domains and every host under them.
    SameDomain,
    /// The start pages' hosts and the hosts under them.
    Subdomains,
}

/// Where a crawl stands (`CrawlProgress`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CrawlProgressView {
    /// Pages queued, start pages included.
    pub queued: u32,
    /// Pages that ended with a result.
    pub done: u32,
    /// Pages that failed after their attempts.
    pub failed: u32,
    /// Pages robots.txt disallows.
    pub skipped_robots: u32,
    /// Pages cancelled with the crawl.
    pub cancelled: u32,
    /// Links outside the scope, past the depth or excluded.
    pub skipped_scope: u32,
    /// Links to new in-scope pages left out at the page limit (counted per linking page).
    pub skipped_limit: u32,
    /// In-scope pages found: queued plus skipped_limit.
    pub discovered: u32,
    /// Queued pages not finished yet (robots.txt and sitemaps being read included).
    pub pending: u32,
    /// robots.txt files and sitemaps read for their URLs.
    pub sitemaps_read: u32,
}

impl From<CrawlDto> for CrawlSpec {
    fn from(dto: CrawlDto) -> Self {
        Self {
            max_pages: dto.max_pages,
            max_depth: dto.max_depth,
            scope: match dto.scope {
                None => CrawlScope::Unspecified,
                Some(ScopeDto::SameHost) => CrawlScope::SameHost,
                Some(ScopeDto::SameDomain) => CrawlScope::SameDomain,
                Some(ScopeDto::Subdomains) => CrawlScope::Subdomains,
            } as i32,
            include_paths: dto.include_paths,
            exclude_paths: dto.exclude_paths,
            allow_external: dto.allow_external,
            sitemaps: dto.sitemaps,
        }
    }
}

impl From<&CrawlSpec> for CrawlDto {
    fn from(spec: &CrawlSpec) -> Self {
        Self {
            max_pages: spec.max_pages,
            max_depth: spec.max_depth,
            scope: match CrawlScope::try_from(spec.scope) {
                Ok(CrawlScope::SameHost) => Some(ScopeDto::SameHost),
                Ok(CrawlScope::SameDomain) => Some(ScopeDto::SameDomain),
                Ok(CrawlScope::Subdomains) => Some(ScopeDto::Subdomains),
                _ => None,
            },
            include_paths: spec.include_paths.clone(),
            exclude_paths: spec.exclude_paths.clone(),
            allow_external: spec.allow_external,
            sitemaps: spec.sitemaps,
        }
    }
}

impl From<CrawlProgress> for CrawlProgressView {
    fn from(p: CrawlProgress) -> Self {
        Self {
            queued: p.queued,
            done: p.done,
            failed: p.failed,
            skipped_robots: p.skipped_robots,
            cancelled: p.cancelled,
            skipped_scope: p.skipped_scope,
            skipped_limit: p.skipped_limit,
            discovered: p.discovered,
            pending: p.pending,
            sitemaps_read: p.sitemaps_read,
        }
    }
}
