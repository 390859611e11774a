//! The whole platform, every service a real binary: what Prometheus scrapes.

use jetcrawl_tests::{Gateway, Notifier, Projector, Reporter, Stack, Worker};

use crate::observe::prometheus::ScrapeJob;

/// Where the worker resolves [`CRAWL_HOST`]: a second domain on the fixture site, so the
/// job it throttles holds back no other job.
pub const CRAWL_HOST: &str = "crawl.test";

/// Infrastructure and one instance of each service.
pub struct Platform {
    pub stack: Stack,
    pub gateway: Gateway,
    pub worker: Worker,
    pub projector: Projector,
    pub notifier: Notifier,
    pub reporter: Reporter,
}

impl Platform {
    /// Starts the stack, then every service at once.
    pub async fn start() -> anyhow::Result<Self> {
        jetcrawl_tests::init_test_tracing();
        let stack = Stack::start().await?;
        let domains = format!("127.0.0.1,{CRAWL_HOST}");
        let allow = format!("127.0.0.1:{}", stack.site.addr().port());
        let resolve = format!("{CRAWL_HOST}=127.0.0.1");
        let database = stack.database_url();
        let worker_env = [
            // Both domains are named, so their per-domain series exist.
            ("JETCRAWL_METRICS_DOMAINS", domains.as_str()),
            // As in production: only the fixture site is reachable, so a page reaching
            // for another loopback port is refused (and counted).
            ("JETCRAWL_ALLOW_PRIVATE_TARGETS", "false"),
            ("JETCRAWL_ALLOW_TARGETS", allow.as_str()),
            ("JETCRAWL_RESOLVE", resolve.as_str()),
        ];
        let notifier_env = [
            ("JETCRAWL_DATABASE_URL", database.as_str()),
            // Retention and the results purge run every second instead of every hour.
            ("JETCRAWL_RETENTION_INTERVAL_MS", "1000"),
            ("JETCRAWL_RESULTS_PURGE_INTERVAL_MS", "1000"),
        ];
        let (gateway, worker, projector, notifier, reporter) = tokio::try_join!(
            stack.spawn_gateway(),
            stack.spawn_worker(&worker_env),
            stack.spawn_projector(),
            stack.spawn_notifier(&notifier_env),
            stack.spawn_reporter(&[("JETCRAWL_REPORT_SCHEDULE", "false")]),
        )?;
        Ok(Self {
            stack,
            gateway,
            worker,
            projector,
            notifier,
            reporter,
        })
    }

    /// One scrape job per service, named as in `infra/prometheus/prometheus.yml`.
    pub fn scrape_jobs(&self) -> Vec<ScrapeJob> {
        let host = |url: &str| url.trim_start_matches("http://").to_owned();
        vec![
            ScrapeJob {
                name: "jetcrawl-gateway",
                target: host(&self.gateway.http_url),
            },
            ScrapeJob {
                name: "jetcrawl-worker",
                target: host(&self.worker.metrics_url),
            },
            ScrapeJob {
                name: "jetcrawl-projector",
                target: host(&self.projector.metrics_url),
            },
            ScrapeJob {
                name: "jetcrawl-notifier",
                target: host(&self.notifier.metrics_url),
            },
            ScrapeJob {
                name: "jetcrawl-reporter",
                target: host(&self.reporter.metrics_url),
            },
        ]
    }
}
