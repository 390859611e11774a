//! Crawlee, run by its own Node script (`services/bench/peers/run.mjs`) over the same
//! fixture pages with the same Chromium, its process tree's PSS sampled from here.

use std::path::PathBuf;
use std::process::Stdio;

use anyhow::Context as _;
use serde::Deserialize;

use crate::jobs::Page;
use crate::pss::PssSampler;

/// Which Crawlee crawler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crawler {
    /// `PlaywrightCrawler`, waiting for the content a script adds.
    Playwright,
    /// `CheerioCrawler`: plain HTTP and HTML parsing.
    Cheerio,
}

impl Crawler {
    fn arg(self) -> &'static str {
        match self {
            Self::Playwright => "playwright",
            Self::Cheerio => "cheerio",
        }
    }
}

/// What the runner printed, plus the PSS measured from here.
#[derive(Debug, Clone, Deserialize)]
pub struct CrawleeRun {
    /// Pages asked for.
    pub pages: u64,
    /// Pages whose title and items were read.
    pub ok: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Pages per second, first request handler start to last handler end.
    pub pages_per_s: f64,
    /// Peak PSS of Node and its browser, MiB.
    #[serde(skip)]
    pub peak_pss_mib: f64,
}

/// The runner's directory, with its locked dependencies installed.
fn installed_runner() -> anyhow::Result<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers");
    anyhow::ensure!(
        dir.join("node_modules").is_dir(),
        "Crawlee is not installed in {}: run scripts/setup-peers.sh",
        dir.display()
    );
    Ok(dir)
}

/// Runs `crawler` over `pages`, `concurrency` at once.
pub async fn run(
    crawler: Crawler,
    pages: &[Page],
    concurrency: usize,
) -> anyhow::Result<CrawleeRun> {
    let dir = installed_runner()?;
    let list = tempfile::NamedTempFile::new().context("a temp file for the page list")?;
    let lines: Vec<String> = pages
        .iter()
        .map(|page| serde_json::json!({ "url": page.url, "js": page.js }).to_string())
        .collect();
    std::fs::write(list.path(), lines.join("\n")).context("writing the page list")?;
    let work = vec!["--pages".into(), list.path().as_os_str().to_owned()];
    spawn(&dir, crawler, work, concurrency).await
}

/// Runs `crawler` as a crawl from `start` on its host, leaving out URLs matching
/// `exclude`, `concurrency` pages at once.
pub async fn crawl(
    crawler: Crawler,
    start: &str,
    exclude: &str,
    concurrency: usize,
) -> anyhow::Result<CrawleeRun> {
    let dir = installed_runner()?;
    let work = vec![
        "--crawl".into(),
        start.into(),
        "--exclude".into(),
        exclude.into(),
    ];
    spawn(&dir, crawler, work, concurrency).await
}

async fn spawn(
    dir: &std::path::Path,
    crawler: Crawler,
    work: Vec<std::ffi::OsString>,
    concurrency: usize,
) -> anyhow::Result<CrawleeRun> {
    let chromium = jetcrawl_local::chromium_path()?;
    let child = tokio::process::Command::new("node")
        .arg(dir.join("run.mjs"))
        .args(["--crawler", crawler.arg()])
        .args(work)
        .args(["--concurrency", &concurrency.to_string()])
        .arg("--chromium")
        .arg(&chromium)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting node (install it with scripts/setup-peers.sh)")?;
    let sampler = PssSampler::start(child.id().into_iter().collect());
    let output = child.wait_with_output().await.context("running Crawlee")?;
    let peak_pss_mib = sampler.finish().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "Crawlee {} failed ({}): {}",
        crawler.arg(),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let last = stdout.lines().last().unwrap_or_default();
    let mut run: CrawleeRun = serde_json::from_str(last)
        .with_context(|| format!("reading Crawlee's summary line {last:?}"))?;
    run.peak_pss_mib = peak_pss_mib;
    Ok(run)
}
