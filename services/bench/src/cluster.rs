//! Scenario 6, durability per topology (ADR 29): the submit scenario against a 3-node
//! R3 cluster, and the worker in http mode on every deployment in the same repeat. With
//! the submit and durability scenarios in the same run, each way of making an
//! acknowledged write survive a power cut reads as a ratio to the single node with the
//! default sync interval.

use anyhow::Context as _;

use crate::args::Sizes;
use crate::deployment::Deployment;
use crate::jobs;
use crate::report::{Measured, THROUGHPUT};
use crate::stack::BenchStack;
use crate::{submit, workers};

/// Key of the worker row on the single node with the default sync interval; the other
/// deployments' rows are this key with their prefix, compared with it.
pub const WORKER_KEY: &str = "topology.worker_http";

/// Runs the submit half on the cluster, then the worker on each deployment (parts
/// `cluster.submit` and `cluster.workers`).
pub async fn run(stack: &BenchStack, sizes: &Sizes) -> anyhow::Result<Vec<Measured>> {
    let scenario = Deployment::Cluster.scenario();
    let mut rows = Vec::new();
    if sizes.runs_part(scenario, "submit") {
        let submits = submit::run(stack, sizes, Deployment::Cluster)
            .await
            .context("the submit path on the cluster")?;
        rows.extend(submits);
    }
    if sizes.runs_part(scenario, "workers") {
        let pages = jobs::fixture_pages(&stack.site, sizes.pages);
        let c = sizes.http_concurrency;
        for deployment in Deployment::ALL {
            let key = format!("{}{WORKER_KEY}", deployment.prefix());
            let label = format!("worker http, {c} at once, {}", deployment.describe());
            let mut row = Measured::new(scenario, key, label);
            if deployment != Deployment::Single {
                row = row.against(WORKER_KEY, THROUGHPUT);
            }
            let row = workers::http_on(stack, deployment, &pages, c, row)
                .await
                .with_context(|| format!("the http worker on a {}", deployment.describe()))?;
            rows.push(row);
        }
    }
    Ok(rows)
}
