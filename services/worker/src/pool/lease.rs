//! A leased tab. Calls into it run on blocking threads under a deadline. A lease that is
//! released normally returns its tab to the browser; one dropped after a timeout or an
//! error has its tab closed, and its browser killed when the tab cannot be closed or a
//! call into it is still stuck, before the slot is handed out again.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use headless_chrome::Tab;
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinHandle;

use super::{ManagedBrowser, PoolHandle};
use crate::error::{ErrorClass, JobError};

/// How long closing a tab, or a stuck call returning after it, may take before the
/// whole browser is killed instead.
const CLEANUP_WAIT: Duration = Duration::from_secs(3);

/// One tab, exclusively yours until released or dropped.
pub struct TabLease {
    pool: PoolHandle,
    browser: Arc<ManagedBrowser>,
    tab: Arc<Tab>,
    permit: Option<OwnedSemaphorePermit>,
    healthy: bool,
    released: bool,
    stuck: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TabLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TabLease")
            .field("browser", &self.browser.id)
            .field("healthy", &self.healthy)
            .finish()
    }
}

impl TabLease {
    pub(crate) fn new(
        pool: PoolHandle,
        browser: Arc<ManagedBrowser>,
        tab: Arc<Tab>,
        permit: OwnedSemaphorePermit,
    ) -> Self {
        metrics::gauge!("jetcrawl_browser_tabs_busy").increment(1.0);
        Self {
            pool,
            browser,
            tab,
            permit: Some(permit),
            healthy: true,
            released: false,
            stuck: None,
        }
    }

    /// Runs `f` with the tab on a blocking thread. Past `limit` the lease is marked
    /// hung and a timeout error naming `what` is returned; the tab is then killed when
    /// the lease is dropped.
    pub async fn call<T, F>(&mut self, limit: Duration, what: &str, f: F) -> Result<T, JobError>
    where
        T: Send + 'static,
        F: FnOnce(&Tab) -> anyhow::Result<T> + Send + 'static,
    {
        if !self.healthy {
            return Err(JobError::new(
                ErrorClass::BrowserCrash,
                format!("{what}: the tab was already abandoned"),
            ));
        }
        let tab = self.tab.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let handle = tokio::task::spawn_blocking(move || {
            let _ = tx.send(f(&tab));
        });
        // Kept until the call returns: if this future is dropped (the job deadline),
        // the drop path sees the call may still be stuck.
        self.stuck = Some(handle);
        let outcome = tokio::time::timeout(limit, rx).await;
        if outcome.is_ok() {
            self.stuck = None;
        }
        match outcome {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(err))) => Err(self.failed(what, &err)),
            Ok(Err(_)) => {
                self.healthy = false;
                Err(JobError::new(
                    ErrorClass::BrowserCrash,
                    format!("{what}: the browser call panicked"),
                ))
            }
            Err(_) => {
                self.healthy = false;
                Err(JobError::new(
                    ErrorClass::Timeout,
                    format!("{what} did not finish within {} ms", limit.as_millis()),
                ))
            }
        }
    }

    fn failed(&mut self, what: &str, err: &anyhow::Error) -> JobError {
        let text = format!("{err:#}");
        let class = classify(&text);
        let lower = text.to_ascii_lowercase();
        if lower.contains("connection is closed") || lower.contains("connectionclosed") {
            self.healthy = false;
            self.browser.kill("connection lost");
        } else if class == ErrorClass::BrowserCrash && !is_context_lost(&text) {
            self.healthy = false;
        }
        JobError::new(class, format!("{what} failed: {text}"))
    }

    /// Marks the tab unusable: it is closed when the lease is dropped.
    pub fn abandon(&mut self) {
        self.healthy = false;
    }

    /// Hands a healthy tab back for the next page.
    pub fn release(mut self) {
        if !self.healthy {
            return; // Drop cleans up.
        }
        self.released = true;
        if self
            .browser
            .return_tab(self.tab.clone(), self.pool.recycle_pages())
        {
            tracing::info!(
                browser = self.browser.id,
                "browser reached its page quota; recycling"
            );
            self.browser.retire();
        }
        self.pool.settle(&self.browser);
    }
}

impl Drop for TabLease {
    fn drop(&mut self) {
        metrics::gauge!("jetcrawl_browser_tabs_busy").decrement(1.0);
        if self.released {
            return;
        }
        let pool = self.pool.clone();
        let browser = self.browser.clone();
        let tab = self.tab.clone();
        let stuck = self.stuck.take();
        let permit = self.permit.take();
        std::thread::spawn(move || {
            discard(&browser, tab, stuck);
            browser.drop_tab();
            pool.settle(&browser);
            drop(permit);
        });
    }
}

/// Closes the tab; kills the browser when that fails or a call stays stuck.
fn discard(browser: &ManagedBrowser, tab: Arc<Tab>, stuck: Option<JoinHandle<()>>) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(tab.close_target().is_ok());
    });
    let closed = rx.recv_timeout(CLEANUP_WAIT).unwrap_or(false);
    let started = Instant::now();
    let mut unstuck = stuck.as_ref().is_none_or(JoinHandle::is_finished);
    while !unstuck && started.elapsed() < CLEANUP_WAIT {
        std::thread::sleep(Duration::from_millis(20));
        unstuck = stuck.as_ref().is_none_or(JoinHandle::is_finished);
    }
    if !closed || !unstuck {
        tracing::warn!(
            browser = browser.id,
            closed,
            unstuck,
            "hung tab could not be cleaned up; killing its browser"
        );
        browser.kill("hung tab");
    }
}

/// True when a script lost its page to a navigation; running it again may work.
pub fn is_context_lost(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("execution context")
        || lower.contains("cannot find context")
        || lower.contains("inspected target navigated")
}

/// The class of a headless_chrome error, from its text.
pub fn classify(text: &str) -> ErrorClass {
    let lower = text.to_ascii_lowercase();
    if lower.contains("connection is closed")
        || lower.contains("connectionclosed")
        || lower.contains("target closed")
    {
        ErrorClass::BrowserCrash
    } else if lower.contains("timed out") || lower.contains("timeout") {
        ErrorClass::Timeout
    } else if lower.contains("net::err_") {
        ErrorClass::Network
    } else {
        ErrorClass::BrowserCrash
    }
}
