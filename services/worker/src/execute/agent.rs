//! An agent job's browser: each tool call the model makes runs as a step on a
//! [`BrowserPage`], with the egress (SSRF) policy, the step and job deadlines and the
//! settle rule a declarative job gets, and the page is observed as compact text after it.
//!
//! An agent finds its pages on its way, so what an admission checks for a declarative
//! job is checked here before each load: the page must be on the start URL's domain (the
//! one the job's politeness slot holds), allowed by its robots.txt, and loaded no sooner
//! than the domain's `Crawl-delay` after the previous load.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use jetcrawl_agent::tools::element_selector;
use jetcrawl_agent::{Action, Browser, OBSERVE_JS, Observation, StepFailure};
use jetcrawl_crawl::{Controller, DomainKey, PageVerdict};
use tokio::time::Instant;
use url::Url;

use super::page::{BrowserPage, PageLimits};
use super::settle::SettlePlan;
use crate::error::{ErrorClass, JobError};
use crate::pool::{BrowserPool, is_context_lost};

/// Decides whether an agent may load a page: robots.txt, through the crawl controller.
pub trait PageCheck: Send + Sync {
    /// The verdict on `url`.
    fn check<'a>(
        &'a self,
        url: &'a Url,
    ) -> Pin<Box<dyn Future<Output = Result<PageVerdict, JobError>> + Send + 'a>>;
}

impl<T: PageCheck + ?Sized> PageCheck for std::sync::Arc<T> {
    fn check<'a>(
        &'a self,
        url: &'a Url,
    ) -> Pin<Box<dyn Future<Output = Result<PageVerdict, JobError>> + Send + 'a>> {
        (**self).check(url)
    }
}

/// Every page is allowed, without a crawl-delay: for a gate that checks nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl PageCheck for AllowAll {
    fn check<'a>(
        &'a self,
        _url: &'a Url,
    ) -> Pin<Box<dyn Future<Output = Result<PageVerdict, JobError>> + Send + 'a>> {
        Box::pin(async { Ok(PageVerdict::Allowed { crawl_delay: None }) })
    }
}

/// The crawl controller's robots.txt view for one tenant (whose policy may turn it off).
#[derive(Debug, Clone)]
pub struct RobotsCheck {
    controller: Controller,
    tenant: String,
}

impl RobotsCheck {
    /// Checks pages for `tenant`'s jobs.
    pub fn new(controller: Controller, tenant: impl Into<String>) -> Self {
        Self {
            controller,
            tenant: tenant.into(),
        }
    }
}

impl PageCheck for RobotsCheck {
    fn check<'a>(
        &'a self,
        url: &'a Url,
    ) -> Pin<Box<dyn Future<Output = Result<PageVerdict, JobError>> + Send + 'a>> {
        Box::pin(async move {
            self.controller
                .check_page(&self.tenant, url)
                .await
                .map_err(|err| JobError::new(ErrorClass::Storage, err.to_string()))
        })
    }
}

/// The pages an agent job browses, in one leased tab.
#[derive(Debug)]
pub struct AgentPage<C> {
    pool: BrowserPool,
    check: C,
    settle: SettlePlan,
    limits: PageLimits,
    page: Option<BrowserPage>,
    scope: Option<DomainKey>,
    /// Whether the first page's domain becomes the only one (an agent job's slot holds
    /// one domain; an MCP session's pages are each checked on their own).
    scoped: bool,
    crawl_delay: Option<Duration>,
    last_load: Option<Instant>,
    admitted: Option<String>,
    steps: usize,
}

impl<C: PageCheck> AgentPage<C> {
    /// No tab is leased until the first navigation.
    pub fn new(pool: BrowserPool, check: C, settle: SettlePlan, limits: PageLimits) -> Self {
        Self {
            pool,
            check,
            settle,
            limits,
            page: None,
            scope: None,
            scoped: true,
            crawl_delay: None,
            last_load: None,
            admitted: None,
            steps: 0,
        }
    }

    /// Every page may be on any domain (each still checked against the SSRF policy,
    /// its robots.txt and its Crawl-delay): an MCP session's browsing.
    pub fn unscoped(mut self) -> Self {
        self.scoped = false;
        self
    }

    /// The page as it is now, without acting on it (an MCP client's `observe`).
    pub async fn observe_now(&mut self) -> Result<Observation, StepFailure> {
        self.observe().await
    }

    /// Where the tab is; `None` before the first navigation.
    pub fn current_url(&self) -> Option<&str> {
        self.page.as_ref().map(|p| p.final_url.as_str())
    }

    /// Gives the tab back.
    pub fn close(mut self) {
        if let Some(page) = self.page.take() {
            page.abort();
        }
    }

    async fn run(&mut self, action: &Action) -> Result<Observation, StepFailure> {
        let previous = self.page.as_ref().map(|p| p.final_url.clone());
        if let Action::Navigate(args) = action {
            self.load(&args.url).await?;
        } else if let Some(step) = action.to_step() {
            if let Action::Click(args) = action {
                self.before_click(args.element).await?;
            }
            let index = self.steps;
            let page = self.page.as_mut().ok_or_else(no_page)?;
            let ran = page.run_step(index, &step).await;
            if matches!(action, Action::Click(_)) {
                page.expect_load();
            }
            ran.map_err(|e| self.failure(e))?;
        }
        let checked = self.settle_and_check(previous).await;
        if matches!(action, Action::Navigate(_) | Action::Click(_)) {
            // Pace from the end of a load: the next request is at least a Crawl-delay
            // after this one's last byte, not after it was asked for.
            self.last_load = Some(Instant::now());
        }
        checked?;
        self.steps += 1;
        self.observe().await
    }

    /// A click on a link loads its target: hold the target to a navigation's rules first,
    /// so a refused page is never requested. (A script that navigates on its own is
    /// caught where it lands.)
    async fn before_click(&mut self, element: u32) -> Result<(), StepFailure> {
        let Some(page) = self.page.as_mut() else {
            return Ok(());
        };
        let script = format!(
            "(() => {{ const e = document.querySelector({selector}); \
             const a = e && e.closest('a[href]'); \
             return a && !a.href.startsWith('javascript:') ? a.href : ''; }})()",
            selector = serde_json::Value::from(element_selector(element))
        );
        let href = page
            .evaluate_value(&script, "reading the link's target")
            .await
            .map_err(|e| self.failure(e))?;
        let href = href.as_ref().and_then(|v| v.as_str()).unwrap_or_default();
        let Ok(mut target) = Url::parse(href) else {
            return Ok(());
        };
        // A link within the page (`#part`) loads nothing; one to another page with a
        // fragment loads that page, so it is held to the rules like any other.
        target.set_fragment(None);
        let current = self
            .page
            .as_ref()
            .and_then(|p| Url::parse(&p.final_url).ok());
        if current.is_some_and(|mut current| {
            current.set_fragment(None);
            current == target
        }) {
            return Ok(());
        }
        self.admit(&target).await?;
        self.pace().await;
        Ok(())
    }

    /// Waits out the domain's `Crawl-delay` since the previous load ended.
    async fn pace(&self) {
        if let (Some(last), Some(delay)) = (self.last_load, self.crawl_delay) {
            tokio::time::sleep_until((last + delay).min(self.limits.deadline)).await;
        }
    }

    /// Checks `url` (scope, robots.txt, pacing), then loads it and waits for it to settle.
    async fn load(&mut self, url: &str) -> Result<(), StepFailure> {
        let parsed = Url::parse(url).map_err(|err| StepFailure::Refused {
            class: ErrorClass::InvalidSpec.as_str().to_owned(),
            message: format!("{url:?} is not a valid URL ({err}); give an absolute http(s) URL"),
        })?;
        self.admit(&parsed).await?;
        self.pace().await;
        let loaded = match self.page.as_mut() {
            Some(page) => page.navigate(url).await,
            None => BrowserPage::open(&self.pool, url, &[], self.settle.clone(), self.limits)
                .await
                .map(|page| self.page = Some(page)),
        };
        loaded.map_err(|e| self.failure(e))
    }

    /// Whether the agent may load `url` (SSRF policy, the job's domain, robots.txt); the
    /// first URL sets the job's domain.
    async fn admit(&mut self, url: &Url) -> Result<(), StepFailure> {
        if let Err(err) = self.pool.egress().check_url(url).await {
            return Err(self.failure(err));
        }
        let domain = DomainKey::of_url(url).map_err(|_| StepFailure::Refused {
            class: ErrorClass::InvalidSpec.as_str().to_owned(),
            message: format!("{url} has no host; give an absolute http(s) URL"),
        })?;
        match &self.scope {
            Some(scope) if *scope != domain => {
                return Err(StepFailure::Refused {
                    class: "out_of_scope".to_owned(),
                    message: format!(
                        "this job browses {scope} only; {domain} is another site (stay on {scope})"
                    ),
                });
            }
            Some(_) => {}
            None if self.scoped => self.scope = Some(domain),
            None => {}
        }
        match self.check.check(url).await.map_err(|e| self.failure(e))? {
            PageVerdict::Allowed { crawl_delay } => {
                self.crawl_delay = crawl_delay;
                self.admitted = Some(url.to_string());
                Ok(())
            }
            PageVerdict::Refused { reason } => Err(StepFailure::Refused {
                class: "robots_disallowed".to_owned(),
                message: format!("{reason}; this page may not be loaded, try another"),
            }),
        }
    }

    /// Waits for a load the action may have started, and holds where it landed (a
    /// redirect, a script's navigation) to a navigation's rules. A refused landing is
    /// reported, not read: the tab goes back to `previous`, or is given up without one.
    async fn settle_and_check(&mut self, previous: Option<String>) -> Result<(), StepFailure> {
        let Some(page) = self.page.as_mut() else {
            return Ok(());
        };
        let settled = page.settle_now().await;
        settled.map_err(|e| self.failure(e))?;
        let landed = self
            .page
            .as_ref()
            .and_then(|p| Url::parse(&p.final_url).ok());
        let Some(landed) = landed else {
            return Ok(());
        };
        let known = |seen: Option<&str>| {
            seen.and_then(|s| Url::parse(s).ok())
                .is_some_and(|u| u == landed)
        };
        if known(self.admitted.as_deref()) || known(previous.as_deref()) {
            return Ok(());
        }
        let Err(refused) = self.admit(&landed).await else {
            return Ok(());
        };
        let Some(previous) = previous else {
            if let Some(page) = self.page.take() {
                page.abort();
            }
            return Err(refused);
        };
        if let Some(page) = self.page.as_mut() {
            let back = match page.navigate(&previous).await {
                Ok(()) => page.settle_now().await,
                Err(err) => Err(err),
            };
            back.map_err(|e| self.failure(e))?;
        }
        Err(refused)
    }

    async fn observe(&mut self) -> Result<Observation, StepFailure> {
        let page = self.page.as_mut().ok_or_else(no_page)?;
        let value = match page.evaluate_value(OBSERVE_JS, "observing the page").await {
            Err(err) if is_context_lost(&err.message) => {
                // A load started under the observation: wait for the new document.
                tokio::time::sleep(Duration::from_millis(200)).await;
                page.expect_load();
                match page.settle_now().await {
                    Ok(()) => page.evaluate_value(OBSERVE_JS, "observing the page").await,
                    Err(err) => Err(err),
                }
            }
            other => other,
        }
        .map_err(|e| self.failure(e))?;
        let json = value.as_ref().and_then(|v| v.as_str()).unwrap_or_default();
        Observation::from_script(json).map_err(|err| StepFailure::Fatal {
            class: ErrorClass::BrowserCrash.as_str().to_owned(),
            message: format!("the page observation could not be read: {err}"),
            retryable: true,
        })
    }

    /// A step error the model can work around is a refusal; a dead browser, a spent
    /// job deadline or an interrupted run end the loop.
    fn failure(&self, err: JobError) -> StepFailure {
        let spent = self.limits.deadline <= Instant::now();
        let fatal = matches!(
            err.class,
            ErrorClass::BrowserCrash | ErrorClass::Storage | ErrorClass::Interrupted
        ) || (err.class == ErrorClass::Timeout && spent);
        if fatal {
            StepFailure::Fatal {
                class: err.class.as_str().to_owned(),
                message: err.message,
                retryable: err.class.retryable(),
            }
        } else {
            StepFailure::Refused {
                class: err.class.as_str().to_owned(),
                message: err.message,
            }
        }
    }
}

impl<C: PageCheck> Browser for AgentPage<C> {
    fn act(
        &mut self,
        action: &Action,
    ) -> impl Future<Output = Result<Observation, StepFailure>> + Send {
        self.run(action)
    }
}

/// A step before any page is open.
fn no_page() -> StepFailure {
    StepFailure::Refused {
        class: "no_page".to_owned(),
        message: "no page is open yet; call navigate first".to_owned(),
    }
}
