//! One Chromium process owned by the pool: launched with a private profile directory,
//! counted per page, and killed with its whole process tree when dropped.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headless_chrome::{Browser, LaunchOptions, Tab};

use super::reap;
use crate::error::{ErrorClass, JobError};

/// Silence on the DevTools connection that headless_chrome treats as a dead browser.
/// Its default (30 s) would kill an idle worker's browser.
const IDLE_BROWSER_TIMEOUT: Duration = Duration::from_secs(3600);

/// With `--proxy-server`, Chromium still sends loopback requests directly unless told
/// otherwise, and WebRTC may send UDP around the proxy: both would skip the egress
/// checks (ADR 0018).
const EGRESS_FLAGS: &[&str] = &[
    "--proxy-bypass-list=<-loopback>",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-quic",
];

/// A worker only ever navigates forward: the back/forward cache would keep every page a
/// tab left alive in memory, for nothing (3-5 % of the platform's peak PSS at 4 tabs).
const PAGE_FLAGS: &[&str] = &["--disable-back-forward-cache"];

/// A launched browser and its bookkeeping.
pub struct ManagedBrowser {
    /// Pool-unique number, for logs.
    pub id: u64,
    browser: Browser,
    pid: Option<u32>,
    profile: PathBuf,
    pages: AtomicU32,
    leased: AtomicUsize,
    retired: AtomicBool,
    idle_tabs: Mutex<Vec<Arc<Tab>>>,
}

impl std::fmt::Debug for ManagedBrowser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedBrowser")
            .field("id", &self.id)
            .field("pid", &self.pid)
            .finish()
    }
}

impl ManagedBrowser {
    /// Launches Chromium at `path` with its profile in `profile` (created here), all of
    /// its traffic through the egress proxy at `proxy_url`.
    pub fn launch(
        id: u64,
        path: &Path,
        profile: PathBuf,
        proxy_url: &str,
    ) -> Result<Self, JobError> {
        std::fs::create_dir_all(&profile)
            .map_err(|err| crash(format!("cannot create {}: {err}", profile.display())))?;
        let is_root = nix::unistd::geteuid().is_root();
        let proxy_flag = format!("--proxy-server={proxy_url}");
        let mut args: Vec<&OsStr> = jetcrawl_local::chromium::launch_args(is_root)
            .into_iter()
            .map(OsStr::new)
            .collect();
        args.push(OsStr::new(&proxy_flag));
        args.extend(EGRESS_FLAGS.iter().map(OsStr::new));
        args.extend(PAGE_FLAGS.iter().map(OsStr::new));
        let options = LaunchOptions::default_builder()
            .path(Some(path.to_path_buf()))
            .headless(true)
            .sandbox(!is_root)
            .window_size(Some((1280, 800)))
            .idle_browser_timeout(IDLE_BROWSER_TIMEOUT)
            .user_data_dir(Some(profile.clone()))
            .args(args)
            .build()
            .map_err(|err| crash(format!("invalid Chromium launch options: {err}")))?;
        let browser = Browser::new(options).map_err(|err| {
            reap::kill_tree(None, &profile);
            crash(format!(
                "cannot launch Chromium at {}: {err}; check JETCRAWL_CHROMIUM_PATH",
                path.display()
            ))
        })?;
        let pid = browser.get_process_id();
        tracing::info!(browser = id, pid, "browser launched");
        Ok(Self {
            id,
            browser,
            pid,
            profile,
            pages: AtomicU32::new(0),
            leased: AtomicUsize::new(0),
            retired: AtomicBool::new(false),
            idle_tabs: Mutex::new(Vec::new()),
        })
    }

    /// A tab for one page: an idle one, or a new one (then `true`).
    pub fn checkout_tab(&self, user_agent: &str) -> Result<(Arc<Tab>, bool), JobError> {
        let idle = self.idle_tabs.lock().ok().and_then(|mut tabs| tabs.pop());
        let opened = idle.is_none();
        let tab = match idle {
            Some(tab) => tab,
            None => {
                let tab = self
                    .browser
                    .new_tab()
                    .map_err(|err| crash(format!("cannot open a tab: {err}")))?;
                tab.set_user_agent(user_agent, None, None)
                    .map_err(|err| crash(format!("cannot set the user agent: {err}")))?;
                super::tracker::install(&tab).map_err(|err| {
                    crash(format!("cannot install the page activity tracker: {err}"))
                })?;
                tab
            }
        };
        self.leased.fetch_add(1, Ordering::SeqCst);
        Ok((tab, opened))
    }

    /// Takes back a tab that finished its page normally. Returns true when the browser
    /// has served its quota and should be retired.
    pub fn return_tab(&self, tab: Arc<Tab>, recycle_after: u32) -> bool {
        if let Ok(mut tabs) = self.idle_tabs.lock() {
            tabs.push(tab);
        }
        self.leased.fetch_sub(1, Ordering::SeqCst);
        self.pages.fetch_add(1, Ordering::SeqCst) + 1 >= recycle_after
    }

    /// Forgets a tab that was closed or could not be cleaned.
    pub fn drop_tab(&self) {
        self.leased.fetch_sub(1, Ordering::SeqCst);
    }

    /// Tabs currently leased.
    pub fn leased(&self) -> usize {
        self.leased.load(Ordering::SeqCst)
    }

    /// No new tabs will be leased from a retired browser.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
    }

    /// True once retired.
    pub fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

    /// Kills the process tree now (a crash, a hung tab, shutdown); leases still out on
    /// it fail.
    pub fn kill(&self, reason: &str) {
        self.retire();
        tracing::info!(browser = self.id, pid = self.pid, reason, "killing browser");
        reap::kill_tree(self.pid, &self.profile);
    }
}

impl Drop for ManagedBrowser {
    fn drop(&mut self) {
        tracing::info!(
            browser = self.id,
            pid = self.pid,
            pages = self.pages.load(Ordering::SeqCst),
            "browser closed"
        );
        reap::kill_tree(self.pid, &self.profile);
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn crash(message: String) -> JobError {
    JobError::new(ErrorClass::BrowserCrash, message)
}
