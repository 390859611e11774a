//! The fault suite, quick form (CI): one round of each fault under steady load, on one
//! node and on a 3-node R3 cluster. Every scenario must lose nothing, duplicate nothing,
//! leave nothing stuck, end no job twice, fail no job as erased without an erasure, and
//! keep the audit chain whole, with no manual help. The long form
//! (`cargo run --example faults -- --long`) repeats the rounds and writes
//! docs/reliability.md.

use std::time::Duration;

use jetcrawl_tests::faults::{FaultPlatform, Pace, ScenarioReport, rounds};

fn assert_holds(reports: &[ScenarioReport]) {
    let table: Vec<String> = reports.iter().map(ScenarioReport::row).collect();
    let table = table.join("\n");
    eprintln!("{table}");
    for report in reports {
        if let Some(why) = &report.first_unknown {
            eprintln!("{}: first unknown outcome: {why}", report.name);
        }
    }
    for report in reports {
        assert!(
            report.verdict.acknowledged > 0,
            "no load acknowledged: {table}"
        );
        assert!(
            report.verdict.holds(),
            "{}: {:?}\n{table}",
            report.name,
            report.verdict
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_node_loses_nothing_through_crashes_and_a_power_cut() -> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let mut platform = FaultPlatform::single().await?;
    let reports = rounds::single_node(&mut platform, Pace::quick()).await?;
    assert_holds(&reports);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_three_node_cluster_loses_nothing_through_node_failures() -> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let mut platform = FaultPlatform::cluster().await?;
    let reports =
        rounds::cluster_nodes(&mut platform, Pace::quick(), Duration::from_secs(10)).await?;
    assert_holds(&reports);
    Ok(())
}
