//! The fault suite, quick form (CI): one round of each fault under steady load, on one
//! node and on a 3-node R3 cluster. Every scenario must lose nothing, duplicate nothing,
//! leave nothing stuck, end no job twice, fail no job as erased without an erasure, and
//! keep the audit chain whole, with no manual help. `cargo run --example faults --
//! --long` is the long form that writes docs/reliability.md.

use std::time::Duration;

use jetcrawl_tests::faults::{EventLog, FaultPlatform, Pace, Role, ScenarioReport};

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

fn single(platform: &mut FaultPlatform) -> &mut jetcrawl_tests::NatsServer {
    match &mut platform.nats {
        EventLog::Single(server) => server,
        EventLog::Cluster(_) => unreachable!("a single-node platform"),
    }
}

fn cluster(platform: &mut FaultPlatform) -> &mut jetcrawl_local::NatsCluster {
    match &mut platform.nats {
        EventLog::Cluster(cluster) => cluster,
        EventLog::Single(_) => unreachable!("a cluster platform"),
    }
}

async fn restart_service(p: &mut FaultPlatform, role: Role) -> anyhow::Result<()> {
    p.kill_service(role);
    tokio::time::sleep(Duration::from_secs(1)).await;
    p.start_service(role).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_node_loses_nothing_through_crashes_and_a_power_cut() -> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let mut p = FaultPlatform::single().await?;
    let pace = Pace::quick();
    let mut reports = Vec::new();
    use jetcrawl_tests::faults::scenario::run;
    reports.push(
        run(&mut p, "kill -9 nats-server", pace, async |p| {
            single(p).kill();
            tokio::time::sleep(Duration::from_secs(1)).await;
            single(p).restart().await
        })
        .await?,
    );
    if jetcrawl_local::PowerCutDisk::supported() {
        reports.push(
            run(&mut p, "power cut of nats-server", pace, async |p| {
                single(p).power_cut()?;
                tokio::time::sleep(Duration::from_secs(1)).await;
                single(p).restart().await
            })
            .await?,
        );
    } else {
        eprintln!("power cut skipped: needs root, loop devices and mkfs.ext4");
    }
    reports.push(
        run(&mut p, "kill -9 Postgres", pace, async |p| {
            p.postgres.kill();
            tokio::time::sleep(Duration::from_secs(2)).await;
            p.postgres.restart().await
        })
        .await?,
    );
    for (name, role) in [
        ("kill -9 gateway", Role::Gateway),
        ("kill -9 worker mid-job", Role::Worker),
        ("kill -9 projector", Role::Projector),
        ("kill -9 notifier", Role::Notifier),
    ] {
        reports.push(run(&mut p, name, pace, async |p| restart_service(p, role).await).await?);
    }
    assert_holds(&reports);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_three_node_cluster_loses_nothing_through_node_failures() -> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let mut p = FaultPlatform::cluster().await?;
    let pace = Pace::quick();
    let mut reports = Vec::new();
    use jetcrawl_tests::faults::scenario::run;
    reports.push(
        run(&mut p, "kill -9 the JOBS leader", pace, async |p| {
            let leader = cluster(p).stream_leader("JOBS").await.unwrap_or(0);
            cluster(p).kill(leader);
            tokio::time::sleep(Duration::from_secs(3)).await;
            cluster(p).restart(leader).await
        })
        .await?,
    );
    reports.push(
        run(&mut p, "SIGSTOP one node 10 s", pace, async |p| {
            let node = cluster(p).stream_leader("JOBS").await.unwrap_or(1);
            cluster(p).pause(node)?;
            tokio::time::sleep(Duration::from_secs(10)).await;
            cluster(p).resume(node)
        })
        .await?,
    );
    reports.push(
        run(&mut p, "2 of 3 nodes down, then back", pace, async |p| {
            cluster(p).kill(1);
            cluster(p).kill(2);
            tokio::time::sleep(Duration::from_secs(5)).await;
            cluster(p).restart(1).await?;
            cluster(p).restart(2).await?;
            cluster(p)
                .wait_for_meta_leader(Duration::from_secs(30))
                .await
                .map(drop)
        })
        .await?,
    );
    if jetcrawl_local::PowerCutDisk::supported() {
        reports.push(
            run(&mut p, "power cut of one node", pace, async |p| {
                cluster(p).power_cut(0)?;
                tokio::time::sleep(Duration::from_secs(2)).await;
                cluster(p).restart(0).await
            })
            .await?,
        );
    }
    reports.push(
        run(
            &mut p,
            "all three killed, then restarted",
            pace,
            async |p| {
                cluster(p).kill_all();
                tokio::time::sleep(Duration::from_secs(2)).await;
                cluster(p).restart_all().await
            },
        )
        .await?,
    );
    assert_holds(&reports);
    Ok(())
}
