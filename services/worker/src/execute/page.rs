//! A page open in a leased tab, and the step executor over it. `run_step` is the
//! interface a planner drives one step at a time; `run_steps` batches a whole step list
//! into as few page round trips as possible.

use std::time::Duration;

use headless_chrome::protocol::cdp::Page;
use jetcrawl_proto::v1::{ExtractRule, Step};
use serde_json::{Map, Value};
use tokio::time::Instant;
use url::Url;

use super::interrupt::Interrupt;
use super::model::Capture;
use super::progress::Progress;
use super::script::{self, Action, ScriptOutput, Segment};
use super::settle::{PageSettle, SettlePlan};
use crate::egress::{Egress, EgressTrail};
use crate::error::{ErrorClass, JobError};
use crate::pool::{BrowserPool, TabLease, is_context_lost};

/// Limits of a page visit.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    /// The job deadline; nothing runs past it.
    pub deadline: Instant,
    /// Default deadline of one step.
    pub step_timeout: Duration,
    /// Deadline of a navigation.
    pub navigation_timeout: Duration,
}

/// What a finished page visit produced.
#[derive(Debug)]
pub struct PageOutcome {
    /// Extracted values.
    pub data: Map<String, Value>,
    /// Main document status.
    pub status: u16,
    /// Where the tab ended up.
    pub final_url: String,
    /// Screenshots in step order.
    pub captures: Vec<Capture>,
    /// How the page settled.
    pub settle: Option<PageSettle>,
}

/// A page in a tab, with the data extracted so far.
#[derive(Debug)]
pub struct BrowserPage {
    lease: Option<TabLease>,
    egress: Egress,
    navigated_to: String,
    rules: Vec<ExtractRule>,
    settle: SettlePlan,
    limits: PageLimits,
    /// How the page settled, over every load so far.
    pub settled: Option<PageSettle>,
    /// Extracted values, merged across extract steps.
    pub data: Map<String, Value>,
    /// Main document status of the last navigation.
    pub status: u16,
    /// Where the tab is.
    pub final_url: String,
    /// Screenshots taken so far.
    pub captures: Vec<Capture>,
    awaiting_status: bool,
}

impl BrowserPage {
    /// Leases a tab from `pool` and loads `url` in it; every load settles by `settle`.
    pub async fn open(
        pool: &BrowserPool,
        url: &str,
        rules: &[ExtractRule],
        settle: SettlePlan,
        limits: PageLimits,
    ) -> Result<Self, JobError> {
        let lease = tokio::time::timeout(remaining(limits.deadline), pool.lease())
            .await
            .map_err(|_| {
                JobError::new(
                    ErrorClass::Timeout,
                    "no browser tab became free before the job deadline",
                )
            })??;
        let mut page = Self {
            lease: Some(lease),
            egress: pool.egress().clone(),
            navigated_to: url.to_owned(),
            rules: rules.to_vec(),
            settle,
            limits,
            settled: None,
            data: Map::new(),
            status: 0,
            final_url: url.to_owned(),
            captures: Vec::new(),
            awaiting_status: false,
        };
        if let Err(err) = page.navigate(url).await {
            // A refused URL or a failed load leaves a healthy tab: hand it back rather
            // than drop it, which would close it and make the next page open a new one.
            page.abort();
            return Err(err);
        }
        Ok(page)
    }

    /// Loads `url` in the tab; the next script segment waits for it to be ready. The
    /// URL is checked here; its redirects and subresources by the egress proxy.
    pub async fn navigate(&mut self, url: &str) -> Result<(), JobError> {
        let parsed = Url::parse(url).map_err(|err| {
            JobError::new(
                ErrorClass::InvalidSpec,
                format!("{url:?} is not a valid URL: {err}"),
            )
        })?;
        self.egress.check_url(&parsed).await?;
        EgressTrail::record(&self.egress.label(self.egress.route_for_url(url)));
        let limit = self
            .limits
            .navigation_timeout
            .min(remaining(self.limits.deadline));
        let target = url.to_owned();
        self.lease()?
            .call(limit, &format!("loading {url}"), move |tab| {
                tab.navigate_to(&target).map(|_| ())
            })
            .await?;
        self.final_url = url.to_owned();
        self.navigated_to = url.to_owned();
        self.awaiting_status = true;
        Ok(())
    }

    /// After a navigation ended elsewhere than asked (a redirect), says so when the
    /// egress proxy refused where it ended, rather than reporting the refusal's 403.
    async fn check_landing(&self) -> Result<(), JobError> {
        if self.final_url == self.navigated_to {
            return Ok(());
        }
        let Ok(landed) = Url::parse(&self.final_url) else {
            return Ok(());
        };
        if !matches!(landed.scheme(), "http" | "https") {
            return Ok(());
        }
        self.egress
            .check_url(&landed)
            .await
            .map(|_| ())
            .map_err(|err| {
                JobError::new(
                    err.class,
                    format!(
                        "{} redirected the browser to {}",
                        self.navigated_to, err.message
                    ),
                )
            })
    }

    /// Runs one step: the interface a planner uses.
    pub async fn run_step(&mut self, index: usize, step: &Step) -> Result<(), JobError> {
        let default_ms = millis(self.limits.step_timeout);
        let action = match script::script_step(index, step, default_ms) {
            Some(s) => Action::Script(Segment {
                wait_ready: self.awaiting_status,
                steps: vec![s],
                final_extract: false,
            }),
            None => match script::plan(std::slice::from_ref(step), default_ms)
                .into_iter()
                .find(|a| !matches!(a, Action::Script(_)))
            {
                Some(action) => action,
                None => return Ok(()),
            },
        };
        self.run_action(action).await
    }

    /// Runs a whole step list, then every extraction rule.
    pub async fn run_steps(&mut self, steps: &[Step]) -> Result<(), JobError> {
        self.run_steps_until(steps, &Interrupt::never()).await
    }

    /// [`BrowserPage::run_steps`], stopping before any action once `interrupt` fires.
    pub async fn run_steps_until(
        &mut self,
        steps: &[Step],
        interrupt: &Interrupt,
    ) -> Result<(), JobError> {
        for (action, done) in script::plan_counted(steps, millis(self.limits.step_timeout)) {
            interrupt.check()?;
            self.run_action(action).await?;
            Progress::steps_done(done);
        }
        Ok(())
    }

    async fn run_action(&mut self, action: Action) -> Result<(), JobError> {
        match action {
            Action::Script(segment) => self.run_segment(&segment).await,
            Action::Screenshot { name, full_page } => self.screenshot(name, full_page).await,
            Action::Navigate(url) => self.navigate(&url).await,
        }
    }

    async fn run_segment(&mut self, segment: &Segment) -> Result<(), JobError> {
        let output = match self.evaluate(segment).await {
            Err(err) if is_context_lost(&err.message) => {
                // A click started a navigation under the script: wait for the new document.
                tokio::time::sleep(Duration::from_millis(200)).await;
                let retry = Segment {
                    wait_ready: true,
                    ..segment.clone()
                };
                self.evaluate(&retry).await?
            }
            other => other?,
        };
        if !output.url.is_empty() {
            self.final_url = output.url.clone();
        }
        if let Some(next) = output.settle.clone() {
            match &mut self.settled {
                Some(settled) => settled.merge(next),
                None => self.settled = Some(next),
            }
        }
        if segment.wait_ready && self.awaiting_status {
            self.awaiting_status = false;
            let landing_route = self.egress.route_for_url(&self.final_url);
            EgressTrail::record(&self.egress.label(landing_route));
            self.check_landing().await?;
            self.status = if output.status == 0 {
                200
            } else {
                output.status
            };
            if self.status >= 400 {
                return Err(JobError::status(&self.final_url, self.status));
            }
        }
        if let Some(err) = output.error() {
            return Err(err);
        }
        for (key, value) in output.data {
            if !value.is_null() || !self.data.contains_key(&key) {
                self.data.insert(key, value);
            }
        }
        Ok(())
    }

    async fn evaluate(&mut self, segment: &Segment) -> Result<ScriptOutput, JobError> {
        let left = remaining(self.limits.deadline);
        let ready_ms = millis(self.limits.navigation_timeout.min(left));
        let deadline_at = std::time::SystemTime::now() + left;
        let deadline_at_ms = deadline_at
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, millis);
        let expression =
            script::expression(segment, &self.rules, &self.settle, ready_ms, deadline_at_ms);
        let value = self
            .lease()?
            .call(left, "running the page steps", move |tab| {
                Ok(tab.evaluate(&expression, true)?.value)
            })
            .await?;
        ScriptOutput::parse(value.as_ref())
    }

    /// The next segment waits for the document to be ready and checks its status: after
    /// a step that may have started a load (a click on a link or a submit button).
    pub fn expect_load(&mut self) {
        self.awaiting_status = true;
    }

    /// After a navigation (or a click that may have started one), waits until the page
    /// is ready and settled, and checks where it landed and its status.
    pub async fn settle_now(&mut self) -> Result<(), JobError> {
        if !self.awaiting_status {
            return Ok(());
        }
        let ready = Segment {
            wait_ready: true,
            steps: Vec::new(),
            final_extract: false,
        };
        self.run_segment(&ready).await
    }

    /// Evaluates `expression` in the page (a read-only script such as an observation)
    /// within the step deadline; `what` names it in errors.
    pub async fn evaluate_value(
        &mut self,
        expression: &str,
        what: &str,
    ) -> Result<Option<Value>, JobError> {
        let limit = self.step_limit();
        let expression = expression.to_owned();
        self.lease()?
            .call(limit, what, move |tab| {
                Ok(tab.evaluate(&expression, false)?.value)
            })
            .await
    }

    /// Captures the viewport (or the whole page) as PNG.
    pub async fn screenshot(&mut self, name: String, full_page: bool) -> Result<(), JobError> {
        let limit = self.step_limit();
        let png = self
            .lease()?
            .call(limit, &format!("screenshot {name:?}"), move |tab| {
                capture(tab, full_page)
            })
            .await?;
        self.captures.push(Capture { name, png });
        Ok(())
    }

    /// Gives the tab back (a healthy one is reused) and returns the page's results.
    pub fn finish(mut self) -> PageOutcome {
        if let Some(lease) = self.lease.take() {
            lease.release();
        }
        PageOutcome {
            data: std::mem::take(&mut self.data),
            status: if self.status == 0 { 200 } else { self.status },
            final_url: std::mem::take(&mut self.final_url),
            captures: std::mem::take(&mut self.captures),
            settle: self.settled.take(),
        }
    }

    /// Gives the tab back after a failure; a tab that hung or crashed is closed.
    pub fn abort(mut self) {
        if let Some(lease) = self.lease.take() {
            lease.release();
        }
    }

    /// How long one step may take: its default deadline, within the job's.
    fn step_limit(&self) -> Duration {
        self.limits
            .step_timeout
            .min(remaining(self.limits.deadline))
    }

    fn lease(&mut self) -> Result<&mut TabLease, JobError> {
        self.lease
            .as_mut()
            .ok_or_else(|| JobError::new(ErrorClass::BrowserCrash, "the page has no tab"))
    }
}

fn capture(tab: &headless_chrome::Tab, full_page: bool) -> anyhow::Result<Vec<u8>> {
    use Page::CaptureScreenshotFormatOption::Png;
    if !full_page {
        return tab.capture_screenshot(Png, None, None, true);
    }
    let metrics = tab.call_method(Page::GetLayoutMetrics(None))?;
    let size = metrics.css_content_size;
    let data = tab
        .call_method(Page::CaptureScreenshot {
            format: Some(Png),
            quality: None,
            clip: Some(Page::Viewport {
                x: 0.0,
                y: 0.0,
                width: size.width,
                height: size.height,
                scale: 1.0,
            }),
            from_surface: Some(true),
            capture_beyond_viewport: Some(true),
            optimize_for_speed: None,
        })?
        .data;
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::STANDARD.decode(data)?)
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
