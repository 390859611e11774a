//! Scenarios 1 and 5, and the cluster's submit half: the submit path through the
//! gateway process against raw publishes of the same messages, on one [`Deployment`]
//! (the default single node, a single node that fsyncs every acknowledged write, or an
//! R3 cluster).

mod grpc;
mod raw;

use anyhow::Context as _;

use crate::args::Sizes;
use crate::deployment::{BenchNats, Deployment};
use crate::load::{self, Outcome};
use crate::procfs::{ProcSampler, ProcUsage};
use crate::report::{Measured, THROUGHPUT};
use crate::stack::{self, BenchStack, GatewayProcess};

/// Calls in flight at once in the burst phase (issue 19: p99 < 50 ms).
pub const IN_FLIGHT: usize = 200;

/// Runs the raw baselines, then every client count (open model, then saturation), on a
/// fresh `deployment`.
pub async fn run(
    stack: &BenchStack,
    sizes: &Sizes,
    deployment: Deployment,
) -> anyhow::Result<Vec<Measured>> {
    let (scenario, prefix) = (deployment.scenario(), deployment.prefix());
    let nats = BenchNats::start(deployment).await?;
    let gateway = stack.spawn_gateway(&nats).await?;
    let js = raw::context(nats.url()).await?;
    let url = stack.site.url("/static");
    let (rate, phase) = (sizes.submit_rate, sizes.submit_phase);
    let mut rows = Vec::new();

    let raw_rate = raw::saturate(&js, &url, sizes.raw_publishes, sizes.window)
        .await
        .context("raw publish baseline")?;
    rows.push(
        Measured::new(
            scenario,
            format!("{prefix}raw_publish"),
            format!("raw publish of key + event, {} in flight", sizes.window),
        )
        .with(THROUGHPUT, raw_rate)
        .with("count", sizes.raw_publishes as f64),
    );
    let raw_open = raw::open(&js, &url, rate, phase).await;
    rows.push(latency_row(
        Measured::new(
            scenario,
            format!("{prefix}raw_open"),
            format!("raw publish of key + event at {rate:.0}/s"),
        ),
        &raw_open,
        rate,
    ));
    // What the burst's p99 goal is up against: the server's answer to the same messages
    // with as many jobs in flight, nothing between them.
    let mut raw_burst = raw::closed(&js, &url, IN_FLIGHT, phase).await;
    rows.push(closed_row(
        Measured::new(
            scenario,
            format!("{prefix}raw_{IN_FLIGHT}"),
            format!("raw publish of key + event, {IN_FLIGHT} in flight"),
        ),
        &mut raw_burst,
    ));

    // The burst phase runs once, on the most clients that share the calls in flight.
    let burst = sizes
        .clients
        .iter()
        .copied()
        .filter(|&n| n <= IN_FLIGHT)
        .max();
    for &n in &sizes.clients {
        let target = Target {
            scenario,
            prefix,
            gateway: &gateway,
            url: &url,
        };
        rows.extend(clients(&target, sizes, n, burst == Some(n)).await?);
    }
    stack::stop(gateway.process).await;
    Ok(rows)
}

/// Where one scenario's submits go.
struct Target<'a> {
    scenario: &'static str,
    prefix: &'static str,
    gateway: &'a GatewayProcess,
    url: &'a str,
}

/// `n` clients: the open model at the offered rate, then saturation, then (when `burst`)
/// [`IN_FLIGHT`] calls at once.
async fn clients(
    t: &Target<'_>,
    sizes: &Sizes,
    n: usize,
    burst: bool,
) -> anyhow::Result<Vec<Measured>> {
    let (scenario, prefix, pid) = (t.scenario, t.prefix, t.gateway.process.pid());
    let (rate, phase) = (sizes.submit_rate, sizes.submit_phase);
    let clients = grpc::connect(&t.gateway.grpc_url, &t.gateway.api_key, n).await?;
    let send = grpc::submit(t.url);
    let sampler = ProcSampler::start(pid, false);
    let outcome = load::open(&clients, rate, phase, send.clone()).await;
    let open = Measured::new(
        scenario,
        format!("{prefix}submit.c{n}"),
        format!("SubmitJob, {n} clients at {rate:.0}/s"),
    )
    .against(format!("{prefix}raw_open"), "p99_ms")
    .with("clients", n as f64);
    let open = usage_row(latency_row(open, &outcome, rate), sampler.finish().await);

    let per_client = sizes.window.div_ceil(n);
    let sampler = ProcSampler::start(pid, false);
    let mut outcome = load::closed(&clients, per_client, phase, send.clone()).await;
    let saturated = Measured::new(
        scenario,
        format!("{prefix}submit_sat.c{n}"),
        format!("SubmitJob, {n} clients, {} in flight", per_client * n),
    )
    .against(format!("{prefix}raw_publish"), THROUGHPUT)
    .with("clients", n as f64);
    let saturated = usage_row(closed_row(saturated, &mut outcome), sampler.finish().await);
    let mut rows = vec![open, saturated];
    if burst {
        let sampler = ProcSampler::start(pid, false);
        let mut outcome = load::closed(&clients, IN_FLIGHT / n, phase, send).await;
        let row = Measured::new(
            scenario,
            format!("{prefix}submit_{IN_FLIGHT}.c{n}"),
            format!("SubmitJob, {n} clients, {IN_FLIGHT} in flight"),
        )
        .against(format!("{prefix}raw_{IN_FLIGHT}"), "p99_ms")
        .with("clients", n as f64);
        rows.push(usage_row(
            closed_row(row, &mut outcome),
            sampler.finish().await,
        ));
    }
    Ok(rows)
}

/// Throughput, p50/p99 and errors of a closed-model run.
fn closed_row(row: Measured, outcome: &mut Outcome) -> Measured {
    let row = row
        .with(THROUGHPUT, outcome.throughput())
        .with("p50_ms", outcome.latencies.quantile_ms(0.5))
        .with("p99_ms", outcome.latencies.quantile_ms(0.99));
    errors_row(row, outcome)
}

/// Throughput, p50/p99/p99.9 and errors of an open-model run at `rate`.
fn latency_row(row: Measured, outcome: &Outcome, rate: f64) -> Measured {
    let mut latencies = outcome.latencies.clone();
    let row = row
        .with("offered_per_s", rate)
        .with(THROUGHPUT, outcome.throughput())
        .with("p50_ms", latencies.quantile_ms(0.5))
        .with("p99_ms", latencies.quantile_ms(0.99))
        .with("p999_ms", latencies.quantile_ms(0.999));
    errors_row(row, outcome)
}

fn errors_row(mut row: Measured, outcome: &Outcome) -> Measured {
    row = row.with("errors", outcome.error_count() as f64);
    for (code, count) in &outcome.errors {
        row = row.with(format!("errors.{code}"), *count as f64);
    }
    row
}

fn usage_row(row: Measured, usage: ProcUsage) -> Measured {
    row.with("cpu_cores", usage.cpu_cores)
        .with("peak_rss_mib", usage.peak_rss_mib)
}
