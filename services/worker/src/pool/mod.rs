//! The browser pool: N tabs spread over at most B Chromium processes. A browser is
//! replaced after K pages or when it crashes; a tab whose page hung is closed (or its
//! browser killed) before its slot is handed out again. Every browser goes out through
//! the pool's egress proxy (ADR 0018), and the profile root is removed on shutdown, by
//! the orphan watchdog after a kill, or by the next worker's sweep.

mod browser;
mod lease;
pub mod profiles;
pub mod reap;
mod tracker;
mod watchdog;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use headless_chrome::Tab;
use tokio::sync::Semaphore;

pub use browser::ManagedBrowser;
pub use lease::{TabLease, classify as classify_browser_error, is_context_lost};

use crate::egress::{Egress, ForwardProxy};
use crate::error::{ErrorClass, JobError};
use watchdog::Watchdog;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The Chromium binary.
    pub chromium_path: PathBuf,
    /// Tabs leased at once.
    pub tabs: usize,
    /// Browsers the tabs are spread over.
    pub browsers: usize,
    /// Pages a browser serves before it is replaced.
    pub recycle_pages: u32,
    /// User agent of every tab.
    pub user_agent: String,
}

/// Leases browser tabs. Cheap to clone; browsers start on first use.
#[derive(Clone, Debug)]
pub struct BrowserPool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: PoolConfig,
    permits: Arc<Semaphore>,
    state: Mutex<State>,
    next_id: AtomicU64,
    tabs_opened: AtomicU64,
    egress: Egress,
    // Every browser of the pool uses it as its proxy; stops when dropped.
    forward: ForwardProxy,
    // Held for its Drop: it stops watching once the pool has cleaned up itself.
    _watchdog: Option<Watchdog>,
    // Declared last so profiles are removed only after the browsers are dead.
    root: tempfile::TempDir,
}

#[derive(Debug, Default)]
struct State {
    browsers: Vec<Arc<ManagedBrowser>>,
    closed: bool,
}

impl BrowserPool {
    /// A pool whose browsers go out through `egress`; no browser starts until the
    /// first lease. Must be called inside a Tokio runtime (the egress proxy runs on it).
    pub fn new(config: PoolConfig, egress: Egress) -> Result<Self, JobError> {
        profiles::sweep_stale(&std::env::temp_dir());
        let root = profiles::create_root()?;
        let forward = ForwardProxy::start(egress.clone())?;
        let permits = Arc::new(Semaphore::new(config.tabs.max(1)));
        let watchdog = Watchdog::start(root.path())
            .inspect_err(|err| {
                tracing::warn!(error = %err, "no orphan watchdog: browsers may outlive a killed worker");
            })
            .ok();
        let inner = Inner {
            config,
            permits,
            state: Mutex::default(),
            next_id: AtomicU64::new(1),
            tabs_opened: AtomicU64::new(0),
            egress,
            forward,
            _watchdog: watchdog,
            root,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The directory holding every browser profile of this pool; each Chromium process
    /// of the pool names a directory below it on its command line.
    pub fn root_dir(&self) -> &Path {
        self.inner.root.path()
    }

    /// The egress the pool's browsers go out through.
    pub fn egress(&self) -> &Egress {
        &self.inner.egress
    }

    /// `http://127.0.0.1:PORT` of the egress proxy every browser of the pool uses.
    pub fn proxy_url(&self) -> String {
        self.inner.forward.url()
    }

    /// Tabs opened since the pool started; a tab handed back and reused is not counted
    /// again. Also the `jetcrawl_browser_tabs_opened_total` counter: tab churn.
    pub fn tabs_opened(&self) -> u64 {
        self.inner.tabs_opened.load(Ordering::SeqCst)
    }

    /// Waits for a free slot and returns a tab in it.
    pub async fn lease(&self) -> Result<TabLease, JobError> {
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| closed())?;
        let inner = self.inner.clone();
        let (browser, tab) = tokio::task::spawn_blocking(move || inner.checkout())
            .await
            .map_err(|err| {
                JobError::new(
                    ErrorClass::BrowserCrash,
                    format!("tab checkout panicked: {err}"),
                )
            })??;
        Ok(TabLease::new(
            PoolHandle(self.inner.clone()),
            browser,
            tab,
            permit,
        ))
    }

    /// Kills every browser and removes the profile root; later leases fail.
    pub async fn shutdown(&self) {
        let inner = self.inner.clone();
        let _ = tokio::task::spawn_blocking(move || {
            inner.close_all();
            profiles::remove_root(inner.root.path());
        })
        .await;
    }
}

/// What a lease needs from its pool.
#[derive(Debug, Clone)]
pub(crate) struct PoolHandle(Arc<Inner>);

impl PoolHandle {
    pub(crate) fn recycle_pages(&self) -> u32 {
        self.0.config.recycle_pages
    }

    /// Removes a retired browser once its last tab is back; it dies when dropped.
    pub(crate) fn settle(&self, browser: &Arc<ManagedBrowser>) {
        if browser.is_retired() && browser.leased() == 0 {
            self.0.remove(browser);
        }
    }
}

impl Inner {
    fn checkout(&self) -> Result<(Arc<ManagedBrowser>, Arc<Tab>), JobError> {
        let mut last_error = closed();
        for _ in 0..2 {
            let browser = self.pick_or_launch()?;
            match browser.checkout_tab(&self.config.user_agent) {
                Ok((tab, opened)) => {
                    if opened {
                        self.tabs_opened.fetch_add(1, Ordering::SeqCst);
                        metrics::counter!("jetcrawl_browser_tabs_opened_total").increment(1);
                    }
                    return Ok((browser, tab));
                }
                Err(err) => {
                    tracing::warn!(browser = browser.id, error = %err, "browser unusable; replacing it");
                    browser.kill("unusable");
                    self.remove(&browser);
                    last_error = err;
                }
            }
        }
        Err(last_error)
    }

    fn pick_or_launch(&self) -> Result<Arc<ManagedBrowser>, JobError> {
        let mut state = self.state.lock().map_err(|_| closed())?;
        if state.closed {
            return Err(closed());
        }
        let per_browser = self.config.tabs.div_ceil(self.config.browsers.max(1));
        let live = || state.browsers.iter().filter(|b| !b.is_retired());
        let least = live().min_by_key(|b| b.leased()).cloned();
        let live_count = live().count();
        match least {
            Some(b) if b.leased() < per_browser || live_count >= self.config.browsers => Ok(b),
            _ => {
                let id = self.next_id.fetch_add(1, Ordering::SeqCst);
                let profile = self.root.path().join(format!("browser-{id}"));
                let browser = Arc::new(ManagedBrowser::launch(
                    id,
                    &self.config.chromium_path,
                    profile,
                    &self.forward.url(),
                )?);
                state.browsers.push(browser.clone());
                Ok(browser)
            }
        }
    }

    fn remove(&self, browser: &Arc<ManagedBrowser>) {
        let removed = match self.state.lock() {
            Ok(mut state) => {
                let before = state.browsers.len();
                state.browsers.retain(|b| !Arc::ptr_eq(b, browser));
                before != state.browsers.len()
            }
            Err(_) => false,
        };
        if removed {
            tracing::info!(browser = browser.id, "browser retired");
        }
    }

    fn close_all(&self) {
        let browsers = match self.state.lock() {
            Ok(mut state) => {
                state.closed = true;
                std::mem::take(&mut state.browsers)
            }
            Err(_) => Vec::new(),
        };
        for browser in browsers {
            browser.kill("pool shut down");
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.close_all();
    }
}

fn closed() -> JobError {
    JobError::new(ErrorClass::BrowserCrash, "the browser pool is shut down")
}
