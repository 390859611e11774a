//! A real Prometheus (Debian's package) in a temp dir on a free loopback port, scraping
//! the stack every second and evaluating the repository's alert rules every second; and
//! the parts of its HTTP API the test reads. Killed when dropped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use jetcrawl_tests::readiness::{READY_TIMEOUT, wait_http_ok};
use jetcrawl_tests::{ServiceProcess, free_port, http_client};
use serde_json::{Value, json};
use tempfile::TempDir;

/// Installs the `prometheus` binary (with promtool) from Debian's package.
const INSTALL: &str = "bash scripts/setup-prometheus.sh";

/// One scrape job: its name (the `job` label the dashboard filters on) and the
/// `host:port` serving `/metrics`.
pub struct ScrapeJob {
    pub name: &'static str,
    pub target: String,
}

/// A running Prometheus.
pub struct Prometheus {
    // Declared first, so the process is killed before its directory is removed.
    _process: ServiceProcess,
    _dir: TempDir,
    url: String,
    client: reqwest::Client,
}

impl Prometheus {
    /// Starts Prometheus scraping `jobs` with the rules of `rule_file`, and waits until
    /// it is ready.
    pub async fn start(jobs: &[ScrapeJob], rule_file: &Path) -> anyhow::Result<Self> {
        let binary = find_binary()?;
        let dir = tempfile::Builder::new().prefix("prometheus-").tempdir()?;
        let config = dir.path().join("prometheus.yml");
        // JSON is YAML: serde writes it, quoting included.
        std::fs::write(
            &config,
            serde_json::to_vec_pretty(&config_for(jobs, rule_file))?,
        )?;
        let listen = format!("127.0.0.1:{}", free_port()?);
        let args = [
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.path().join("data").display()),
            format!("--web.listen-address={listen}"),
            "--log.level=warn".to_owned(),
        ];
        let mut process =
            ServiceProcess::spawn_path(&binary, args, std::iter::empty::<(&str, &str)>())?;
        let url = format!("http://{listen}");
        wait_http_ok(&mut process, &format!("{url}/-/ready"), READY_TIMEOUT).await?;
        Ok(Self {
            _process: process,
            _dir: dir,
            url,
            client: http_client()?,
        })
    }

    /// `GET /api/v1/<path>` with `query`; its `data`, or the error Prometheus gave.
    async fn api(&self, path: &str, query: &[(&str, &str)]) -> anyhow::Result<Value> {
        let url = reqwest::Url::parse_with_params(&format!("{}/api/v1/{path}", self.url), query)?;
        let response = self
            .client
            .get(url)
            .send()
            .await
            .with_context(|| format!("GET /api/v1/{path}"))?;
        // Prometheus answers errors (400, 422) with the same JSON envelope.
        let body: Value = response.json().await?;
        if body["status"] != "success" {
            bail!(
                "/api/v1/{path}: {} {}",
                body["errorType"].as_str().unwrap_or("?"),
                body["error"].as_str().unwrap_or("?")
            );
        }
        Ok(body["data"].clone())
    }

    /// The result of the instant query `expr` now: a vector's series, or a scalar as
    /// one element.
    pub async fn query(&self, expr: &str) -> anyhow::Result<Vec<Value>> {
        let data = self.api("query", &[("query", expr)]).await?;
        Ok(match data["resultType"].as_str() {
            Some("scalar" | "string") => vec![data["result"].clone()],
            _ => data["result"].as_array().cloned().unwrap_or_default(),
        })
    }

    /// Every metric name it has stored.
    pub async fn metric_names(&self) -> anyhow::Result<BTreeSet<String>> {
        let data = self.api("label/__name__/values", &[]).await?;
        Ok(data
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect())
    }

    /// Every alerting rule as `/api/v1/rules` shows it (name, health, lastError, …).
    pub async fn alerting_rules(&self) -> anyhow::Result<Vec<Value>> {
        let data = self.api("rules", &[("type", "alert")]).await?;
        Ok(data["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect())
    }

    /// Fails unless every target is up.
    pub async fn targets_up(&self) -> anyhow::Result<()> {
        let data = self.api("targets", &[("state", "active")]).await?;
        let targets = data["activeTargets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let down: Vec<String> = targets
            .iter()
            .filter(|t| t["health"] != "up")
            .map(|t| format!("{} ({})", t["scrapeUrl"], t["lastError"]))
            .collect();
        if targets.is_empty() || !down.is_empty() {
            bail!("targets not up yet: {down:?}");
        }
        Ok(())
    }
}

/// Scrapes and rule evaluations every second: the test waits seconds, not minutes.
fn config_for(jobs: &[ScrapeJob], rule_file: &Path) -> Value {
    let scrape_configs: Vec<Value> = jobs
        .iter()
        .map(|job| json!({"job_name": job.name, "static_configs": [{"targets": [job.target]}]}))
        .collect();
    json!({
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [rule_file],
        "scrape_configs": scrape_configs,
    })
}

/// `prometheus` on `PATH`, or the command that installs it.
fn find_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("prometheus"))
        .find(|candidate| candidate.is_file())
        .with_context(|| {
            format!("prometheus is not installed: run `{INSTALL}` (Debian's prometheus package)")
        })
}
