//! One round of every fault of a topology, in order, each under its own load window:
//! the quick form runs one round of each, the long form repeats them.

use std::time::Duration;

use jetcrawl_local::{NatsCluster, NatsServer, PowerCutDisk};

use super::platform::{EventLog, FaultPlatform, Role};
use super::scenario::{Pace, ScenarioReport, run};

fn single(platform: &mut FaultPlatform) -> anyhow::Result<&mut NatsServer> {
    match &mut platform.nats {
        EventLog::Single(server) => Ok(server),
        EventLog::Cluster(_) => anyhow::bail!("a single-node round needs a single-node platform"),
    }
}

fn cluster(platform: &mut FaultPlatform) -> anyhow::Result<&mut NatsCluster> {
    match &mut platform.nats {
        EventLog::Cluster(cluster) => Ok(cluster),
        EventLog::Single(_) => anyhow::bail!("a cluster round needs a cluster platform"),
    }
}

async fn restart_service(p: &mut FaultPlatform, role: Role) -> anyhow::Result<()> {
    p.kill_service(role);
    tokio::time::sleep(Duration::from_secs(1)).await;
    p.start_service(role).await
}

/// `kill -9` and a power cut of nats-server, `kill -9` of Postgres and of each service.
pub async fn single_node(p: &mut FaultPlatform, pace: Pace) -> anyhow::Result<Vec<ScenarioReport>> {
    let mut reports = vec![
        run(p, "kill -9 nats-server", pace, async |p| {
            single(p)?.kill();
            tokio::time::sleep(Duration::from_secs(1)).await;
            single(p)?.restart().await
        })
        .await?,
    ];
    if PowerCutDisk::supported() {
        reports.push(
            run(p, "power cut of nats-server", pace, async |p| {
                single(p)?.power_cut()?;
                tokio::time::sleep(Duration::from_secs(1)).await;
                single(p)?.restart().await
            })
            .await?,
        );
    } else {
        tracing::warn!("power cut skipped: needs root, loop devices and mkfs.ext4");
    }
    reports.push(
        run(
            p,
            "kill -9 Postgres (postmaster and backends)",
            pace,
            async |p| {
                p.postgres.kill();
                tokio::time::sleep(Duration::from_secs(2)).await;
                p.postgres.restart().await
            },
        )
        .await?,
    );
    for (name, role) in [
        ("kill -9 gateway", Role::Gateway),
        ("kill -9 worker mid-job", Role::Worker),
        ("kill -9 projector", Role::Projector),
        ("kill -9 notifier", Role::Notifier),
    ] {
        reports.push(run(p, name, pace, async |p| restart_service(p, role).await).await?);
    }
    Ok(reports)
}

/// The JOBS leader killed, one node paused for `pause`, 2 of 3 down, one node's power
/// cut, all three killed at once.
pub async fn cluster_nodes(
    p: &mut FaultPlatform,
    pace: Pace,
    pause: Duration,
) -> anyhow::Result<Vec<ScenarioReport>> {
    let mut reports = vec![
        run(p, "kill -9 the JOBS stream leader", pace, async |p| {
            let leader = cluster(p)?.stream_leader("JOBS").await.unwrap_or(0);
            cluster(p)?.kill(leader);
            tokio::time::sleep(Duration::from_secs(3)).await;
            cluster(p)?.restart(leader).await
        })
        .await?,
    ];
    let name = format!("SIGSTOP of one node for {} s", pause.as_secs());
    reports.push(
        run(p, &name, pace, async |p| {
            let node = cluster(p)?.stream_leader("JOBS").await.unwrap_or(1);
            cluster(p)?.pause(node)?;
            tokio::time::sleep(pause).await;
            cluster(p)?.resume(node)
        })
        .await?,
    );
    reports.push(
        run(p, "2 of 3 nodes down, then back", pace, async |p| {
            cluster(p)?.kill(1);
            cluster(p)?.kill(2);
            p.expect_no_quorum().await?;
            cluster(p)?.restart(1).await?;
            cluster(p)?.restart(2).await?;
            cluster(p)?
                .wait_for_meta_leader(Duration::from_secs(30))
                .await
                .map(drop)
        })
        .await?,
    );
    if PowerCutDisk::supported() {
        reports.push(
            run(p, "power cut of one node", pace, async |p| {
                cluster(p)?.power_cut(0)?;
                tokio::time::sleep(Duration::from_secs(2)).await;
                cluster(p)?.restart(0).await
            })
            .await?,
        );
    }
    reports.push(
        run(
            p,
            "all three killed at once, then restarted",
            pace,
            async |p| {
                cluster(p)?.kill_all();
                tokio::time::sleep(Duration::from_secs(2)).await;
                cluster(p)?.restart_all().await
            },
        )
        .await?,
    );
    Ok(reports)
}
