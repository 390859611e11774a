//! Runs a spec: every URL in order, each over HTTP or in the browser as the render mode
//! asks (AUTO decides per page), under the job deadline.

use std::time::Duration;

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{JobSpec, RenderMode};
use tokio::time::Instant;
use tracing::{Instrument, debug_span};

use super::extract;
use super::http::HttpFetcher;
use super::interrupt::Interrupt;
use super::model::{Mode, PageResult, PageRun, SpecRun};
use super::page::{BrowserPage, PageLimits};
use super::progress::Progress;
use super::settle::SettlePlan;
use crate::error::{ErrorClass, JobError};
use crate::pool::BrowserPool;

/// Executor settings.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// User agent of HTTP fetches.
    pub user_agent: String,
    /// Fetch loopback and private-network targets.
    pub allow_private_targets: bool,
    /// Default deadline of one browser step.
    pub step_timeout: Duration,
    /// Deadline of one navigation.
    pub navigation_timeout: Duration,
}

/// Runs specs; share one per worker.
#[derive(Debug, Clone)]
pub struct Executor {
    http: HttpFetcher,
    pool: BrowserPool,
    config: ExecutorConfig,
}

impl Executor {
    /// An executor rendering in `pool` and fetching through the pool's egress.
    pub fn new(config: ExecutorConfig, pool: BrowserPool) -> Result<Self, JobError> {
        let http = HttpFetcher::new(pool.egress().clone());
        Ok(Self { http, pool, config })
    }

    /// The browser pool.
    pub fn pool(&self) -> &BrowserPool {
        &self.pool
    }

    /// Its settings.
    pub fn config(&self) -> &ExecutorConfig {
        &self.config
    }

    /// GETs `url` over plain HTTP as bytes (a crawl's robots.txt or sitemap): final URL,
    /// status and body.
    pub async fn fetch_bytes(
        &self,
        url: &str,
        deadline: Instant,
    ) -> Result<(String, u16, Vec<u8>), JobError> {
        self.http.fetch_bytes(url, deadline).await
    }

    /// Runs every URL of `spec` in order; fails on the first page that fails.
    pub async fn run(&self, spec: &JobSpec, deadline: Instant) -> Result<SpecRun, JobError> {
        self.run_until(spec, deadline, &Interrupt::never()).await
    }

    /// [`Executor::run`], stopping at the next step boundary (before a URL, before a
    /// browser action) once `interrupt` fires; a stopped browser page closes its tab.
    pub async fn run_until(
        &self,
        spec: &JobSpec,
        deadline: Instant,
        interrupt: &Interrupt,
    ) -> Result<SpecRun, JobError> {
        validate(spec)?;
        let mut run = SpecRun::default();
        for (index, url) in spec.urls.iter().enumerate() {
            interrupt.check()?;
            Progress::page(index + 1, spec.urls.len(), url, spec.steps.len());
            let span = debug_span!("page", url = %url, mode = tracing::field::Empty);
            let page = self
                .run_page(spec, url, deadline, interrupt)
                .instrument(span)
                .await?;
            run.pages.push(page);
        }
        Ok(run)
    }

    async fn run_page(
        &self,
        spec: &JobSpec,
        url: &str,
        deadline: Instant,
        interrupt: &Interrupt,
    ) -> Result<PageRun, JobError> {
        let started = Instant::now();
        let outcome = match spec.render() {
            RenderMode::Http => self.http_page(spec, url, deadline).await,
            RenderMode::Browser => self.browser_page(spec, url, deadline, interrupt).await,
            RenderMode::Auto | RenderMode::Unspecified => {
                self.auto_page(spec, url, deadline, interrupt).await
            }
        };
        let mode_label = |mode: Mode| mode.as_str();
        match outcome {
            Ok(mut run) => {
                run.result.elapsed_ms =
                    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                metrics::counter!("jetcrawl_pages_total", "mode" => mode_label(run.result.mode), "status" => status_label(run.result.status)).increment(1);
                tracing::Span::current().record("mode", mode_label(run.result.mode));
                extract::check_required(&spec.extract, &run.result.data, url)?;
                Ok(run)
            }
            Err(err) => {
                metrics::counter!("jetcrawl_pages_total", "mode" => "any", "status" => err.class.as_str()).increment(1);
                Err(err)
            }
        }
    }

    async fn http_page(
        &self,
        spec: &JobSpec,
        url: &str,
        deadline: Instant,
    ) -> Result<PageRun, JobError> {
        let fetched = self.http.fetch(url, deadline).await?;
        let data = extract::extract_html(&fetched.body, &spec.extract)?;
        let formats = super::formats::render(&fetched.body, &fetched.final_url, &spec.formats);
        let mut run = page_run(
            url,
            fetched.final_url,
            fetched.status,
            Mode::Http,
            data,
            Vec::new(),
        );
        run.result.formats = formats;
        Ok(run)
    }

    async fn auto_page(
        &self,
        spec: &JobSpec,
        url: &str,
        deadline: Instant,
        interrupt: &Interrupt,
    ) -> Result<PageRun, JobError> {
        if needs_browser(spec) {
            return self.browser_page(spec, url, deadline, interrupt).await;
        }
        let fetched = self.http.fetch(url, deadline).await?;
        let data = extract::extract_html(&fetched.body, &spec.extract)?;
        let needs_js =
            !extract::all_matched(&spec.extract, &data) && fetched.body.contains("<script");
        if needs_js {
            tracing::debug!(
                url,
                "static HTML lacks extracted fields and has scripts; rendering in the browser"
            );
            interrupt.check()?;
            return self.browser_page(spec, url, deadline, interrupt).await;
        }
        let formats = super::formats::render(&fetched.body, &fetched.final_url, &spec.formats);
        let mut run = page_run(
            url,
            fetched.final_url,
            fetched.status,
            Mode::Http,
            data,
            Vec::new(),
        );
        run.result.formats = formats;
        Ok(run)
    }

    async fn browser_page(
        &self,
        spec: &JobSpec,
        url: &str,
        deadline: Instant,
        interrupt: &Interrupt,
    ) -> Result<PageRun, JobError> {
        let limits = PageLimits {
            deadline,
            step_timeout: self.config.step_timeout,
            navigation_timeout: self.config.navigation_timeout,
        };
        let settle = SettlePlan::of(spec);
        let mut page = BrowserPage::open(&self.pool, url, &spec.extract, settle, limits).await?;
        if let Err(err) = page.run_steps_until(&spec.steps, interrupt).await {
            page.abort();
            return Err(err);
        }
        let html = match spec.formats.is_empty() {
            true => None,
            false => match page
                .evaluate_value(OUTER_HTML, "reading the page's HTML")
                .await
            {
                Ok(value) => Some(value.and_then(|v| v.as_str().map(str::to_owned))),
                Err(err) => {
                    page.abort();
                    return Err(err);
                }
            },
        };
        let outcome = page.finish();
        let mut run = page_run(
            url,
            outcome.final_url,
            outcome.status,
            Mode::Browser,
            outcome.data,
            outcome.captures,
        );
        match html {
            None => {}
            Some(Some(html)) if html.len() <= super::http::MAX_BODY_BYTES => {
                run.result.formats =
                    super::formats::render(&html, &run.result.final_url, &spec.formats);
            }
            Some(Some(html)) => run.result.warnings.push(format!(
                "formats left out: the rendered page is {} MiB, over the {} MiB a page may be",
                html.len() >> 20,
                super::http::MAX_BODY_BYTES >> 20
            )),
            Some(None) => run
                .result
                .warnings
                .push("formats left out: the page's HTML could not be read".to_owned()),
        }
        if let Some(settle) = outcome.settle {
            if let Some(warning) = settle.warning() {
                tracing::warn!(url, "{warning}");
                run.result.warnings.push(warning);
            }
            run.result.settle = Some(settle);
        }
        Ok(run)
    }
}

/// The rendered document, for the formats a job asks for.
const OUTER_HTML: &str = "document.documentElement.outerHTML";

fn page_run(
    url: &str,
    final_url: String,
    status: u16,
    mode: Mode,
    data: serde_json::Map<String, serde_json::Value>,
    captures: Vec<super::model::Capture>,
) -> PageRun {
    let result = PageResult {
        url: url.to_owned(),
        final_url,
        status,
        mode,
        data,
        screenshots: Vec::new(),
        elapsed_ms: 0,
        settle: None,
        warnings: Vec::new(),
        formats: serde_json::Map::new(),
    };
    PageRun { result, captures }
}

/// True when a step needs a real browser (anything but `extract`).
pub fn needs_browser(spec: &JobSpec) -> bool {
    spec.steps
        .iter()
        .any(|step| !matches!(step.kind, Some(Kind::Extract(_)) | None))
}

fn validate(spec: &JobSpec) -> Result<(), JobError> {
    if spec.urls.is_empty() {
        return Err(JobError::new(
            ErrorClass::InvalidSpec,
            "the spec has no URL; give at least one",
        ));
    }
    if spec.render() == RenderMode::Http && needs_browser(spec) {
        return Err(JobError::new(
            ErrorClass::InvalidSpec,
            "render mode HTTP cannot run browser steps (wait_for, wait_for_text, click, type, scroll, screenshot, navigate); \
             submit with render BROWSER or AUTO",
        ));
    }
    Ok(())
}

fn status_label(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    }
}
