//! What the crawl controller's gate costs per job: HTTP jobs against the fixture site
//! through an in-process worker, with the gate off (`AlwaysReady`), on with the default
//! unlimited domain (robots.txt from memory, no KV write), and on with a concurrency cap
//! (a compare-and-swap in `DOMAINS` when a job starts and when it ends). The arms
//! alternate in one run against one stack, each over a fresh backlog.
//!
//! ```sh
//! cargo build -p jetcrawl-gateway --bins && cargo run -p jetcrawl-tests --example gate_overhead -- 400 2
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt;
use jetcrawl_proto::v1::{JobSpec, RenderMode, SubmitJobRequest};
use jetcrawl_tests::Stack;
use jetcrawl_worker::{AlwaysReady, WorkerConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arm {
    NoGate,
    Gate,
    GateWithCap,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let jobs: usize = args.next().map_or(Ok(400), |a| a.parse())?;
    let repeats: usize = args.next().map_or(Ok(2), |a| a.parse())?;
    let stack = Stack::start().await?;
    stack.site.set_robots("User-agent: *\nAllow: /\n");
    let gateway = stack
        .spawn_gateway_with(&[
            ("JETCRAWL_QUOTA_SUBMITS_PER_SEC", "0"),
            ("JETCRAWL_QUOTA_SUBMIT_BURST", "0"),
            ("JETCRAWL_QUOTA_MAX_QUEUED", "0"),
            ("JETCRAWL_QUOTA_MAX_RUNNING", "0"),
        ])
        .await?;
    let client = gateway.jobs().await?;
    let (_nats, js) = jetcrawl_streams::connect(&stack.nats_url(), "gate-overhead").await?;
    let mut results: Vec<(Arm, f64)> = Vec::new();
    let mut round = 0;
    for _ in 0..repeats {
        for arm in [Arm::NoGate, Arm::Gate, Arm::GateWithCap] {
            round += 1;
            let specs =
                (0..jobs).map(|i| spec(stack.site.url(&format!("/static/2?r={round}&n={i}"))));
            futures::stream::iter(specs)
                .map(|spec| {
                    let mut client = client.clone();
                    async move {
                        client
                            .submit_job(SubmitJobRequest {
                                spec: Some(spec),
                                idempotency_key: String::new(),
                            })
                            .await
                    }
                })
                .buffer_unordered(16)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .context("submitting the backlog")?;
            let rate = drain(&stack, &js, arm, jobs).await?;
            println!("{arm:?}: {jobs} jobs at {rate:.1} jobs/s");
            results.push((arm, rate));
        }
    }
    for arm in [Arm::NoGate, Arm::Gate, Arm::GateWithCap] {
        let rates: Vec<f64> = results
            .iter()
            .filter(|(a, _)| *a == arm)
            .map(|(_, r)| *r)
            .collect();
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        println!(
            "{arm:?}: mean {mean:.1} jobs/s over {} runs {rates:.1?}",
            rates.len()
        );
    }
    Ok(())
}

/// Starts a worker for `arm`, waits for `jobs` successes, stops it; returns jobs/s.
async fn drain(
    stack: &Stack,
    js: &async_nats::jetstream::Context,
    arm: Arm,
    jobs: usize,
) -> anyhow::Result<f64> {
    let mut succeeded = js.client().subscribe("jobs.*.succeeded").await?;
    let mut config = WorkerConfig::defaults();
    config.nats.url = stack.nats_url();
    config.allow_private_targets = true;
    config.worker_id = format!("overhead-{arm:?}");
    config.chromium_path = jetcrawl_local::chromium_path()?;
    if let Arm::GateWithCap = arm {
        config.crawl.domain_max_concurrency = 64;
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let worker = match arm {
        Arm::NoGate => tokio::spawn(jetcrawl_worker::run_with_gate(
            config,
            js.clone(),
            Arc::new(AlwaysReady),
            shutdown,
        )),
        Arm::Gate | Arm::GateWithCap => {
            tokio::spawn(jetcrawl_worker::run_with(config, js.clone(), shutdown))
        }
    };
    // Timed from the first success to the last, so the worker's start-up is left out.
    let mut started = Instant::now();
    let mut done = 0;
    while done < jobs {
        tokio::time::timeout(Duration::from_secs(120), succeeded.next())
            .await
            .context("jobs stopped succeeding")?
            .context("subscription ended")?;
        if done == 0 {
            started = Instant::now();
        }
        done += 1;
    }
    let rate = (jobs - 1) as f64 / started.elapsed().as_secs_f64();
    let _ = stop.send(());
    worker.await??;
    Ok(rate)
}

fn spec(url: String) -> JobSpec {
    JobSpec {
        urls: vec![url],
        render: RenderMode::Http as i32,
        timeout_ms: 30_000,
        ..Default::default()
    }
}
