//! Scenario 3: the worker in http, browser (1, 2, 4 tabs) and auto mode, each against
//! a bare loop over the same pages at the same concurrency; http mode is compared with
//! the event-sourced floor (issue 19), the bare reqwest loop is kept beside it.

mod bare;
mod floor;
mod observe;
mod service;

use service::WorkerRun;

use async_nats::jetstream::Context;
use jetcrawl_proto::v1::RenderMode;

use crate::args::Sizes;
use crate::deployment::{BenchNats, Deployment};
use crate::jobs::{self, Page};
use crate::report::{Measured, THROUGHPUT};
use crate::stack::BenchStack;

pub use bare::Bare;
pub use observe::{Observed, Observer};
pub use service::queue;

/// What every worker run shares.
struct Ctx<'a> {
    stack: &'a BenchStack,
    nats: &'a BenchNats,
    client: &'a async_nats::Client,
    js: &'a Context,
    pages: &'a [Page],
}

impl Ctx<'_> {
    /// The baseline's row (`workers.bare_<name>`) and the worker's (`workers.<name>`)
    /// compared with it.
    async fn pair(
        &self,
        name: &str,
        labels: (String, String),
        base: Bare,
        mode: RenderMode,
        concurrency: usize,
    ) -> anyhow::Result<[Measured; 2]> {
        let base_key = format!("workers.bare_{name}");
        let base_row = bare_row(&base_key, labels.0, concurrency, &base);
        let run = service::run(
            self.stack,
            self.nats,
            self.client,
            self.js,
            self.pages,
            mode,
            concurrency,
        )
        .await?;
        let row = Measured::new("workers", format!("workers.{name}"), labels.1);
        let row = worker_row(row, concurrency, &run);
        Ok([base_row, row.against(base_key, THROUGHPUT)])
    }
}

/// Runs every mode and its baseline once.
pub async fn run(stack: &BenchStack, sizes: &Sizes) -> anyhow::Result<Vec<Measured>> {
    let nats = BenchNats::start(Deployment::SingleAlways).await?;
    let (client, js) = jetcrawl_streams::connect(nats.url(), "jetcrawl-bench").await?;
    let pages = jobs::fixture_pages(&stack.site, sizes.pages);
    let ctx = Ctx {
        stack,
        nats: &nats,
        client: &client,
        js: &js,
        pages: &pages,
    };
    let c = sizes.http_concurrency;
    let mut rows = Vec::new();
    let labels = (
        format!("bare reqwest, {c} at once"),
        format!("worker http, {c} at once"),
    );
    if sizes.runs_part("workers", "http") {
        let base = bare::http(&pages, c).await?;
        let [bare, http] = ctx.pair("http", labels, base, RenderMode::Http, c).await?;
        let floor = floor_row(&pages, c).await?;
        rows.extend([bare, floor, http.against(FLOOR, THROUGHPUT)]);
    }
    let browser_tabs = match sizes.runs_part("workers", "browser") {
        true => sizes.tabs.as_slice(),
        false => &[],
    };
    for &tabs in browser_tabs {
        let labels = (
            format!("bare headless_chrome, {tabs} tabs"),
            format!("worker browser, {tabs} tabs"),
        );
        let base = bare::browser(&pages, tabs).await?;
        let name = format!("browser.t{tabs}");
        rows.extend(
            ctx.pair(&name, labels, base, RenderMode::Browser, tabs)
                .await?,
        );
    }
    let labels = (
        format!("bare reqwest (static) + headless_chrome (js), {c} at once"),
        format!("worker auto, {c} tabs"),
    );
    if sizes.runs_part("workers", "auto") {
        let base = auto_baseline(&pages, c).await?;
        rows.extend(ctx.pair("auto", labels, base, RenderMode::Auto, c).await?);
    }
    Ok(rows)
}

/// The worker in http mode over `pages` on a fresh `deployment`, with no baseline loop:
/// `row` names the result (scenario, key, label) and receives the worker's metrics.
pub async fn http_on(
    stack: &BenchStack,
    deployment: Deployment,
    pages: &[Page],
    concurrency: usize,
    row: Measured,
) -> anyhow::Result<Measured> {
    let nats = BenchNats::start(deployment).await?;
    let (client, js) = jetcrawl_streams::connect(nats.url(), "jetcrawl-bench").await?;
    let mode = RenderMode::Http;
    let run = service::run(stack, &nats, &client, &js, pages, mode, concurrency).await?;
    Ok(worker_row(row, concurrency, &run))
}

/// The event-sourced floor's row key.
pub const FLOOR: &str = "workers.floor";

/// The floor over `pages` at `concurrency`, on a fresh node like the worker's run.
async fn floor_row(pages: &[Page], concurrency: usize) -> anyhow::Result<Measured> {
    let nats = BenchNats::start(Deployment::SingleAlways).await?;
    let (client, js) = jetcrawl_streams::connect(nats.url(), "jetcrawl-bench").await?;
    let seen = floor::run(&client, &js, pages, concurrency).await?;
    let row = Measured::new(
        "workers",
        FLOOR,
        format!(
            "event-sourced floor (the worker's JetStream steps, no fetch), {concurrency} at once"
        ),
    )
    .against("workers.bare_http", THROUGHPUT);
    Ok(observed_row(row, concurrency, &seen))
}

/// Static pages over reqwest, then JavaScript pages in the browser: the least an auto
/// crawler must do.
async fn auto_baseline(pages: &[Page], concurrency: usize) -> anyhow::Result<Bare> {
    let (js, plain): (Vec<Page>, Vec<Page>) = pages.iter().cloned().partition(|p| p.js);
    let mut http = bare::http(&plain, concurrency).await?;
    let browser = bare::browser(&js, concurrency).await?;
    http.page_times.extend(browser.page_times);
    http.wall += browser.wall;
    http.failed += browser.failed;
    http.usage = browser.usage;
    Ok(http)
}

fn bare_row(key: &str, label: String, concurrency: usize, bare: &Bare) -> Measured {
    let mut times = bare.page_times.clone();
    let mut row = Measured::new("workers", key, label)
        .with("concurrency", concurrency as f64)
        .with(THROUGHPUT, bare.throughput())
        .with("p50_ms", times.quantile_ms(0.5))
        .with("p99_ms", times.quantile_ms(0.99))
        .with("errors", bare.failed as f64);
    if let Some(usage) = bare.usage {
        row = row.with("peak_rss_mib", usage.peak_rss_mib);
    }
    row
}

fn worker_row(row: Measured, concurrency: usize, run: &WorkerRun) -> Measured {
    let row =
        observed_row(row, concurrency, &run.observed).with("peak_rss_mib", run.usage.peak_rss_mib);
    run.phases.iter().fold(row, |row, (phase, mean_ms)| {
        row.with(format!("{phase}_mean_ms"), *mean_ms)
    })
}

/// Pages/s, page times and failures of jobs seen from outside.
fn observed_row(row: Measured, concurrency: usize, seen: &Observed) -> Measured {
    let mut times = seen.page_times.clone();
    row.with("concurrency", concurrency as f64)
        .with(THROUGHPUT, seen.throughput())
        .with("p50_ms", times.quantile_ms(0.5))
        .with("p99_ms", times.quantile_ms(0.99))
        .with("errors", seen.failed as f64)
}
