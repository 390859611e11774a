//! The worker's ceilings: a bare reqwest loop and a bare headless_chrome loop over the
//! same pages at the same concurrency, doing only the fetch (and, in the browser, one
//! script that waits for the content and reads it).

use std::ffi::OsStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt as _;
use headless_chrome::{Browser, LaunchOptions, Tab};

use crate::jobs::Page;
use crate::procfs::{ProcSampler, ProcUsage};
use crate::stats::Latencies;

/// What a bare loop measured.
#[derive(Debug, Default)]
pub struct Bare {
    /// Per-page times.
    pub page_times: Latencies,
    /// Wall time of the loop (the browser launch excluded).
    pub wall: Duration,
    /// Pages that did not load or had no content.
    pub failed: u64,
    /// Peak RSS of the browser's processes (browser loop only).
    pub usage: Option<ProcUsage>,
}

impl Bare {
    /// Pages per second.
    pub fn throughput(&self) -> f64 {
        self.page_times.len() as f64 / self.wall.as_secs_f64().max(1e-6)
    }
}

/// Waits for the document, then for the content (the JavaScript page inserts it after
/// a timer), and returns it: the work the worker's page script does, minus its extras.
const SCRIPT: &str = r#"(async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const until = Date.now() + 10000;
  while (document.readyState !== 'complete' && Date.now() < until) await sleep(20);
  while (!document.querySelector('#title') && Date.now() < until) await sleep(20);
  const title = document.querySelector('#title');
  return JSON.stringify({
    url: location.href,
    title: title ? title.textContent : null,
    items: Array.from(document.querySelectorAll('li.item')).map((e) => e.textContent),
  });
})()"#;

/// GETs every page with `concurrency` requests in flight.
pub async fn http(pages: &[Page], concurrency: usize) -> anyhow::Result<Bare> {
    let client = jetcrawl_tests::http_client()?;
    let started = Instant::now();
    let results: Vec<Option<Duration>> = futures::stream::iter(pages)
        .map(|page| {
            let client = client.clone();
            async move {
                let t = Instant::now();
                let response = client.get(&page.url).send().await.ok()?;
                let ok = response.status().is_success();
                let body = response.text().await.ok()?;
                (ok && !body.is_empty()).then(|| t.elapsed())
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut bare = Bare {
        wall: started.elapsed(),
        ..Bare::default()
    };
    for result in results {
        match result {
            Some(t) => bare.page_times.record(t),
            None => bare.failed += 1,
        }
    }
    Ok(bare)
}

/// Loads every page in one Chromium with `tabs` tabs, one thread per tab.
pub async fn browser(pages: &[Page], tabs: usize) -> anyhow::Result<Bare> {
    let pages: Arc<Vec<Page>> = Arc::new(pages.to_vec());
    let profile = tempfile_dir()?;
    let browser = tokio::task::spawn_blocking({
        let path = profile.path().to_owned();
        move || launch(path)
    })
    .await??;
    let sampler = browser
        .get_process_id()
        .map(|pid| ProcSampler::start(pid, true));
    let mut bare = tokio::task::spawn_blocking({
        let browser = browser.clone();
        move || run_tabs(&browser, &pages, tabs)
    })
    .await??;
    if let Some(sampler) = sampler {
        bare.usage = Some(sampler.finish().await);
    }
    drop(browser);
    Ok(bare)
}

fn tempfile_dir() -> anyhow::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("jetcrawl-bench-chromium-")
        .tempdir()
        .context("creating a Chromium profile dir")
}

fn launch(profile: std::path::PathBuf) -> anyhow::Result<Arc<Browser>> {
    let is_root = nix::unistd::geteuid().is_root();
    let args: Vec<&OsStr> = jetcrawl_local::chromium::launch_args(is_root)
        .into_iter()
        .map(OsStr::new)
        .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(jetcrawl_local::chromium_path()?))
        .headless(true)
        .sandbox(!is_root)
        .window_size(Some((1280, 800)))
        .idle_browser_timeout(Duration::from_secs(3600))
        .user_data_dir(Some(profile))
        .args(args)
        .build()
        .map_err(|e| anyhow::anyhow!("invalid Chromium launch options: {e}"))?;
    Ok(Arc::new(
        Browser::new(options).context("launching Chromium")?,
    ))
}

fn run_tabs(browser: &Browser, pages: &Arc<Vec<Page>>, tabs: usize) -> anyhow::Result<Bare> {
    let opened: Vec<Arc<Tab>> = (0..tabs.max(1))
        .map(|_| browser.new_tab().context("opening a tab"))
        .collect::<anyhow::Result<_>>()?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = opened
        .into_iter()
        .map(|tab| {
            let (pages, next) = (pages.clone(), next.clone());
            std::thread::spawn(move || {
                let mut times = Latencies::new();
                let mut failed = 0;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(page) = pages.get(i) else { break };
                    let t = Instant::now();
                    match load(&tab, &page.url) {
                        true => times.record(t.elapsed()),
                        false => failed += 1,
                    }
                }
                (times, failed)
            })
        })
        .collect();
    let mut bare = Bare::default();
    for thread in threads {
        let (times, failed) = thread
            .join()
            .map_err(|_| anyhow::anyhow!("a browser loop thread panicked"))?;
        bare.page_times.extend(times);
        bare.failed += failed;
    }
    bare.wall = started.elapsed();
    Ok(bare)
}

/// `navigate_to` plus one `evaluate`; retried when the script ran in the old document.
fn load(tab: &Tab, url: &str) -> bool {
    if tab.navigate_to(url).is_err() {
        return false;
    }
    for _ in 0..5 {
        let value = tab
            .evaluate(SCRIPT, true)
            .ok()
            .and_then(|r| r.value)
            .and_then(|v| v.as_str().map(str::to_owned))
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
        match value {
            Some(v) if v["url"] == url && !v["title"].is_null() => return true,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    false
}
