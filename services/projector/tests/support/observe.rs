//! The projector as an operator sees it: spawned in-process with its `/healthz` and
//! `/metrics` listener on a free port, the way `jetcrawl-projector`'s `main` serves them.

use std::time::Duration;

use jetcrawl_projector::{ProjectorConfig, ProjectorHealth, run_with_health};
use jetcrawl_telemetry::{install_metrics, router_with_health, serve};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running projector and its HTTP listener.
pub struct Observed {
    stop: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
    base: String,
    http: reqwest::Client,
}

impl Observed {
    /// Starts a projector with `config` and serves its `/healthz` and `/metrics`.
    pub async fn start(config: ProjectorConfig) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let health = ProjectorHealth::default();
        let router = router_with_health(install_metrics(), {
            let health = health.clone();
            move || health.check()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("bound address"));
        let stop = CancellationToken::new();
        tokio::spawn(serve(listener, router, stop.clone().cancelled_owned()));
        let task = tokio::spawn(run_with_health(
            config,
            health,
            stop.clone().cancelled_owned(),
        ));
        Self {
            stop,
            task,
            base,
            http: reqwest::Client::new(),
        }
    }

    /// `GET /healthz`: the status code and the body.
    pub async fn healthz(&self) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}/healthz", self.base))
            .send()
            .await
            .expect("GET /healthz answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a /healthz body"))
    }

    /// Waits until `/healthz` answers `status`, and returns its body.
    pub async fn wait_for_healthz(&self, status: u16, limit: Duration) -> String {
        let start = std::time::Instant::now();
        loop {
            let (now, body) = self.healthz().await;
            if now == status {
                return body;
            }
            assert!(
                start.elapsed() < limit,
                "/healthz still answers {now} after {limit:?}, not {status}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the projector and checks it stopped cleanly.
    pub async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the projector stops within 10 s")
            .expect("no panic")
            .expect("stops cleanly");
    }
}

/// The value of gauge `name` for `projection` in this process's `/metrics`.
pub fn gauge(name: &str, projection: &str) -> Option<f64> {
    let prefix = format!("{name}{{projection=\"{projection}\"}} ");
    install_metrics()
        .render()
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
}
