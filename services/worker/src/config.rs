//! Worker configuration: flags with environment fallbacks.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Default user agent sent by HTTP fetches and the browser.
pub const DEFAULT_USER_AGENT: &str = "jetcrawl/0.1 (+https://jetcrawl.dev/bot)";

/// Everything a worker process needs to know.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "jetcrawl-worker",
    about = "Runs Jetcrawl jobs over HTTP or in headless Chromium"
)]
pub struct WorkerConfig {
    /// NATS: URL, credentials and TLS.
    #[command(flatten)]
    pub nats: jetcrawl_streams::NatsArgs,
    /// Identity written into events as `worker:<id>`; hostname-pid when empty.
    #[arg(long, env = "JETCRAWL_WORKER_ID", default_value = "")]
    pub worker_id: String,
    /// Where `/metrics` and `/healthz` are served.
    #[command(flatten)]
    pub metrics: jetcrawl_telemetry::MetricsArgs,
    /// The Chromium binary.
    #[arg(
        long,
        env = "JETCRAWL_CHROMIUM_PATH",
        default_value = "/usr/bin/chromium"
    )]
    pub chromium_path: PathBuf,
    /// Browser tabs open at once: browser pages beyond it wait for a free tab.
    #[arg(long, env = "JETCRAWL_BROWSER_TABS", default_value_t = 2)]
    pub tabs: usize,
    /// Jobs this worker runs at once (0: four per tab, at least 8). HTTP jobs spend most
    /// of their time waiting on NATS round trips, so they must not be bound by the tab
    /// count; browser pages still use at most `tabs` tabs.
    #[arg(long, env = "JETCRAWL_WORKER_CONCURRENCY", default_value_t = 0)]
    pub concurrency: usize,
    /// Browser processes the tabs are spread over.
    #[arg(long, env = "JETCRAWL_BROWSERS", default_value_t = 1)]
    pub browsers: usize,
    /// Pages a browser serves before it is replaced by a fresh one.
    #[arg(long, env = "JETCRAWL_BROWSER_RECYCLE_PAGES", default_value_t = 200)]
    pub recycle_pages: u32,
    /// Attempts per job in all (1 + retries).
    #[arg(long, env = "JETCRAWL_MAX_ATTEMPTS", default_value_t = 4)]
    pub max_attempts: u32,
    /// First retry delay; doubles per attempt, with jitter.
    #[arg(long, env = "JETCRAWL_BACKOFF_BASE_MS", default_value_t = 2_000)]
    pub backoff_base_ms: u64,
    /// Longest retry delay.
    #[arg(long, env = "JETCRAWL_BACKOFF_CAP_MS", default_value_t = 300_000)]
    pub backoff_cap_ms: u64,
    /// Job deadline when the spec gives none.
    #[arg(
        long,
        env = "JETCRAWL_JOB_TIMEOUT_DEFAULT_MS",
        default_value_t = 60_000
    )]
    pub job_timeout_default_ms: u64,
    /// Longest deadline a spec may ask for.
    #[arg(long, env = "JETCRAWL_JOB_TIMEOUT_MAX_MS", default_value_t = 300_000)]
    pub job_timeout_max_ms: u64,
    /// Deadline of one browser step when the step gives none.
    #[arg(long, env = "JETCRAWL_STEP_TIMEOUT_MS", default_value_t = 15_000)]
    pub step_timeout_ms: u64,
    /// Deadline of one page navigation.
    #[arg(long, env = "JETCRAWL_NAVIGATION_TIMEOUT_MS", default_value_t = 30_000)]
    pub navigation_timeout_ms: u64,
    /// Fetch loopback and private-network targets (development and tests only).
    #[arg(long, env = "JETCRAWL_ALLOW_PRIVATE_TARGETS", default_value_t = false)]
    pub allow_private_targets: bool,
    /// Allow-list, resolver overrides and proxy pool (ADR 0018, 0019).
    #[command(flatten)]
    pub egress: crate::egress::EgressArgs,
    /// robots.txt, per-domain politeness and back-pressure (ADRs 0015-0017).
    #[command(flatten)]
    pub crawl: crate::crawl_config::CrawlArgs,
    /// User agent of HTTP fetches and the browser.
    #[arg(long, env = "JETCRAWL_USER_AGENT", default_value = DEFAULT_USER_AGENT)]
    pub user_agent: String,
    /// How long running jobs may take to finish after shutdown is requested.
    #[arg(long, env = "JETCRAWL_SHUTDOWN_GRACE_MS", default_value_t = 30_000)]
    pub shutdown_grace_ms: u64,
    /// The JetStream topology this worker verifies at start, its consumer's ack wait
    /// (`JETCRAWL_WORKER_ACK_WAIT_MS`: heartbeats go every quarter of it) and max
    /// deliveries (`JETCRAWL_WORKER_MAX_DELIVER`) included.
    #[command(flatten)]
    pub topology: jetcrawl_streams::TopologyArgs,
    /// Run the dead-letter component (MAX_DELIVERIES advisories → dead letters) in this
    /// worker. Advisories wait in their stream while no worker runs it.
    #[arg(long, env = "JETCRAWL_DEAD_LETTERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub dead_letters: bool,
    /// Browser sessions this worker serves MCP clients at once (ADR 0045); 0 serves none.
    /// At most one less than the tabs, so sessions never take every tab from jobs.
    #[arg(long, env = "JETCRAWL_BROWSER_SESSIONS", default_value_t = 2)]
    pub browser_sessions: usize,
    /// A browser session without a call for this long closes and gives its tab back.
    #[arg(
        long,
        env = "JETCRAWL_BROWSER_SESSION_IDLE_MS",
        default_value_t = 300_000
    )]
    pub browser_session_idle_ms: u64,
    /// The model endpoint agent jobs call (ADR 0045).
    #[command(flatten)]
    pub model: crate::model_config::ModelArgs,
    /// Fault injection for tests: abort the process right after the Nth page's links
    /// were queued on its crawl, before their page jobs are submitted (ADR 0047).
    #[arg(long, env = "JETCRAWL_WORKER_ABORT_AFTER_QUEUE", hide = true)]
    pub abort_after_queue: Option<u64>,
}

impl WorkerConfig {
    /// The defaults, as if no flag or variable were given.
    pub fn defaults() -> Self {
        Self::parse_from(["jetcrawl-worker"])
    }

    /// The configured id, or `<hostname>-<pid>`.
    pub fn resolved_worker_id(&self) -> String {
        if !self.worker_id.is_empty() {
            return self.worker_id.clone();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "worker".to_owned());
        format!("{host}-{}", std::process::id())
    }

    /// Jobs run at once.
    pub fn job_concurrency(&self) -> usize {
        match self.concurrency {
            0 => (self.tabs.max(1) * 4).max(8),
            n => n,
        }
    }

    /// The topology this worker expects.
    pub fn topology(&self) -> jetcrawl_streams::Topology {
        self.topology.topology()
    }

    /// Retry delays.
    pub fn backoff(&self) -> crate::backoff::Backoff {
        crate::backoff::Backoff {
            base: Duration::from_millis(self.backoff_base_ms),
            cap: Duration::from_millis(self.backoff_cap_ms),
        }
    }

    /// The egress settings: SSRF policy, resolver, proxy pool.
    pub fn egress_settings(&self) -> Result<crate::egress::EgressSettings, crate::JobError> {
        self.egress
            .settings(self.allow_private_targets, &self.user_agent)
    }

    /// The browser pool settings.
    pub fn pool(&self) -> crate::pool::PoolConfig {
        crate::pool::PoolConfig {
            chromium_path: self.chromium_path.clone(),
            tabs: self.tabs.max(1),
            browsers: self.browsers.max(1),
            recycle_pages: self.recycle_pages.max(1),
            user_agent: self.user_agent.clone(),
        }
    }

    /// The executor settings.
    pub fn executor(&self) -> crate::execute::ExecutorConfig {
        crate::execute::ExecutorConfig {
            user_agent: self.user_agent.clone(),
            allow_private_targets: self.allow_private_targets,
            step_timeout: Duration::from_millis(self.step_timeout_ms),
            navigation_timeout: Duration::from_millis(self.navigation_timeout_ms),
        }
    }

    /// The browser session settings.
    pub fn sessions(&self) -> crate::browser_session::SessionSettings {
        crate::browser_session::SessionSettings {
            max_sessions: self.browser_sessions.min(self.tabs.saturating_sub(1)),
            idle_timeout: Duration::from_millis(self.browser_session_idle_ms.max(1)),
            max_lifetime: Duration::from_secs(3_600),
            step_timeout: Duration::from_millis(self.step_timeout_ms),
            navigation_timeout: Duration::from_millis(self.navigation_timeout_ms),
        }
    }

    /// The deadline of a job whose spec asks for `requested_ms` (0: the default).
    pub fn job_deadline(&self, requested_ms: u32) -> Duration {
        let ms = match u64::from(requested_ms) {
            0 => self.job_timeout_default_ms,
            asked => asked,
        };
        Duration::from_millis(ms.min(self.job_timeout_max_ms))
    }
}
