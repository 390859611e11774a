//! Scenario 7: Jetcrawl against a peer crawler on the same pages, the same Chromium
//! and the same machine, in the same repeat: the whole platform in browser mode against
//! Crawlee's `PlaywrightCrawler` at each tab count, and in http mode against its
//! `CheerioCrawler` on the static pages (Cheerio cannot run the others' scripts). Each
//! side runs pages the way its user would write the job: Crawlee waits for the content
//! a script adds, Jetcrawl's default settle does the same.

mod crawlee;
mod platform;

use jetcrawl_proto::v1::RenderMode;

use crate::args::Sizes;
use crate::jobs::{self, Page};
use crate::report::{Measured, THROUGHPUT};
use crate::stack::BenchStack;

pub use crawlee::{CrawleeRun, Crawler};
pub use platform::PlatformRun;

/// Scenario id.
pub const SCENARIO: &str = "peers";

/// Metric of a Jetcrawl row: its whole platform's peak PSS over Crawlee's, same repeat.
pub const PSS_RATIO: &str = "pss_vs_peer";

/// Runs the browser comparison at every tab count, then the http one.
pub async fn run(stack: &BenchStack, sizes: &Sizes) -> anyhow::Result<Vec<Measured>> {
    let pages = jobs::fixture_pages(&stack.site, sizes.peer_pages);
    let mut rows = Vec::new();
    let tabs = match sizes.runs_part(SCENARIO, "browser") {
        true => sizes.tabs.as_slice(),
        false => &[],
    };
    for &tabs in tabs {
        let side = Side {
            name: format!("browser.t{tabs}"),
            what: format!("{tabs} tabs"),
            concurrency: tabs,
        };
        let peer = crawlee::run(Crawler::Playwright, &pages, tabs).await?;
        let ours = platform::run(stack, &pages, RenderMode::Browser, tabs).await?;
        rows.extend(side.rows("PlaywrightCrawler", &peer, &ours));
    }
    if sizes.runs_part(SCENARIO, "crawl") {
        rows.extend(crawls(stack, sizes).await?);
    }
    if sizes.runs_part(SCENARIO, "http") {
        let c = sizes.http_concurrency;
        // The browser rows' static half ends in about a second in http mode, too short
        // for a steady rate: these rows take as many static pages as the worker scenario
        // has pages.
        let plain: Vec<Page> = jobs::fixture_pages(&stack.site, 2 * sizes.pages)
            .into_iter()
            .filter(|p| !p.js)
            .collect();
        let side = Side {
            name: "http".into(),
            what: format!("{c} at once, static pages"),
            concurrency: c,
        };
        let peer = crawlee::run(Crawler::Cheerio, &plain, c).await?;
        let ours = platform::run(stack, &plain, RenderMode::Http, c).await?;
        rows.extend(side.rows("CheerioCrawler", &peer, &ours));
    }
    Ok(rows)
}

/// Crawls of the fixture's `/site/` (issue 17): Jetcrawl's crawl job against Crawlee's
/// crawlers following links on the same host, each obeying robots.txt, the pages that
/// fail on purpose (404, 503) and the script-filled section left out on both sides. HTTP
/// at the http concurrency; the browser at the largest tab count.
async fn crawls(stack: &BenchStack, sizes: &Sizes) -> anyhow::Result<Vec<Measured>> {
    let (exclude, scope) = crawl_scope(sizes.crawl_sections);
    let start = stack.site.url("/site/");
    let mut rows = Vec::new();
    let tabs = sizes.tabs.iter().copied().max().unwrap_or(1);
    for (mode, crawler, concurrency) in [
        (RenderMode::Http, Crawler::Cheerio, sizes.http_concurrency),
        (RenderMode::Browser, Crawler::Playwright, tabs),
    ] {
        let name = match mode {
            RenderMode::Http => "http",
            _ => "browser",
        };
        let what = format!("crawl of {scope}, {concurrency} at once");
        let peer = crawlee::crawl(crawler, &start, &exclude, concurrency).await?;
        let ours =
            platform::crawl(stack, &start, &format!("^{exclude}"), mode, concurrency).await?;
        let base_key = format!("peers.crawlee_crawl_{name}");
        rows.push(
            Measured::new(
                SCENARIO,
                &base_key,
                format!("Crawlee {crawler:?}Crawler, {what}"),
            )
            .with("concurrency", concurrency as f64)
            .with("count", peer.ok as f64)
            .with(THROUGHPUT, peer.pages_per_s)
            .with("errors", peer.failed as f64)
            .with("peak_pss_mib", peer.peak_pss_mib),
        );
        rows.push(
            Measured::new(
                SCENARIO,
                format!("peers.jetcrawl_crawl_{name}"),
                format!("Jetcrawl crawl job, whole platform, {what}"),
            )
            .against(base_key, THROUGHPUT)
            .with("concurrency", concurrency as f64)
            .with("count", ours.done as f64)
            .with(THROUGHPUT, ours.pages_per_s)
            .with("errors", ours.failed as f64)
            .with("peak_pss_mib", ours.peak_pss_mib)
            .with(PSS_RATIO, ours.peak_pss_mib / peer.peak_pss_mib.max(1.0)),
        );
    }
    Ok(rows)
}

/// What the crawls leave out of `/site/` (a path pattern: Crawlee matches it anywhere in
/// the URL, the crawl job from the path's start), and how the report names what is left:
/// always the pages that fail on purpose (404, 503) and the script-filled section; the
/// sections from the `sections`-th on, and their print pages, when fewer than all.
fn crawl_scope(sections: usize) -> (String, String) {
    let all = jetcrawl_tests::fixture::graph::SECTIONS;
    if sections >= all {
        return ("/site/(down|gone|js/)".to_owned(), "/site/".to_owned());
    }
    let rest: Vec<String> = (sections..all).map(|s| s.to_string()).collect();
    let rest = rest.join("|");
    (
        format!("/site/(down|gone|js/|s({rest})/|print/({rest})$)"),
        format!("/site/ ({sections} of its {all} sections)"),
    )
}

/// One comparison: its key suffix, its description and how many pages run at once.
struct Side {
    name: String,
    what: String,
    concurrency: usize,
}

impl Side {
    /// Crawlee's row (the baseline) and the platform's, compared by pages/s.
    fn rows(&self, crawler: &str, peer: &CrawleeRun, ours: &PlatformRun) -> [Measured; 2] {
        let base_key = format!("peers.crawlee_{}", self.name);
        let missing = peer.pages.saturating_sub(peer.ok);
        let peer_row = Measured::new(
            SCENARIO,
            &base_key,
            format!("Crawlee {crawler}, {}", self.what),
        )
        .with("concurrency", self.concurrency as f64)
        .with("count", peer.pages as f64)
        .with(THROUGHPUT, peer.pages_per_s)
        .with("errors", (peer.failed + missing) as f64)
        .with("peak_pss_mib", peer.peak_pss_mib);
        let seen = &ours.observed;
        let done = seen.succeeded_at.len() as u64;
        let ours_row = Measured::new(
            SCENARIO,
            format!("peers.jetcrawl_{}", self.name),
            format!("Jetcrawl, whole platform, {}", self.what),
        )
        .against(base_key, THROUGHPUT)
        .with("concurrency", self.concurrency as f64)
        .with("count", done as f64)
        .with(THROUGHPUT, seen.throughput())
        .with("errors", seen.failed as f64)
        .with("peak_pss_mib", ours.peak_pss_mib)
        .with(PSS_RATIO, ours.peak_pss_mib / peer.peak_pss_mib.max(1.0));
        [peer_row, ours_row]
    }
}
