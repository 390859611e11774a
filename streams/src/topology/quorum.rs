//! Whether a stream can record right now: on a cluster, its leader plus enough live
//! replicas for a majority of its group. A leader that lost its peers keeps answering
//! stream info for a while before it steps down, so an info answer alone is no proof.

use std::time::Duration;

use async_nats::jetstream::stream::{ClusterInfo, Info};

/// A replica not heard from for this long counts as down, whatever the group says
/// (the group's heartbeats are a second apart).
pub const PEER_SILENCE: Duration = Duration::from_secs(5);

/// `Ok` when the stream of `info` has a leader and a majority of its replicas up;
/// otherwise what is missing and what to do.
pub fn has_quorum(info: &Info) -> Result<(), String> {
    quorum_of(
        &info.config.name,
        info.config.num_replicas,
        info.cluster.as_ref(),
    )
}

fn quorum_of(name: &str, replicas: usize, cluster: Option<&ClusterInfo>) -> Result<(), String> {
    let Some(cluster) = cluster else {
        // A single server without clustering: the answer came from the stream itself.
        return Ok(());
    };
    let Some(leader) = &cluster.leader else {
        return Err(format!(
            "stream {name} has no leader; on a cluster, check that a majority of nodes is up"
        ));
    };
    let replicas = replicas.max(1);
    let needed = replicas / 2 + 1;
    let live = 1 + cluster
        .replicas
        .iter()
        .filter(|peer| peer.current && !peer.offline && peer.active < PEER_SILENCE)
        .count();
    if live >= needed {
        return Ok(());
    }
    let down: Vec<&str> = cluster
        .replicas
        .iter()
        .filter(|peer| !(peer.current && !peer.offline && peer.active < PEER_SILENCE))
        .map(|peer| peer.name.as_str())
        .collect();
    Err(format!(
        "stream {name} has {live} of {replicas} replicas up (leader {leader}; down or behind: {}); \
         it records nothing until {needed} are: start the stopped nats-server nodes",
        down.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(leader: Option<&str>, peers: &[(&str, bool, bool, u64)]) -> ClusterInfo {
        let replicas: Vec<serde_json::Value> = peers
            .iter()
            .map(|(name, current, offline, active_ms)| {
                serde_json::json!({
                    "name": name,
                    "current": current,
                    "offline": offline,
                    "active": active_ms * 1_000_000,
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "name": "jetcrawl",
            "leader": leader,
            "replicas": replicas,
        }))
        .expect("a cluster info")
    }

    #[test]
    fn a_single_server_always_has_its_quorum() {
        assert_eq!(quorum_of("JOBS", 1, None), Ok(()));
    }

    #[test]
    fn a_leader_with_one_live_peer_of_three_records() {
        let info = cluster(
            Some("n1"),
            &[("n2", true, false, 200), ("n3", false, true, 60_000)],
        );
        assert_eq!(quorum_of("JOBS", 3, Some(&info)), Ok(()));
    }

    #[test]
    fn a_leader_whose_peers_are_offline_or_silent_does_not() {
        let info = cluster(
            Some("n1"),
            &[("n2", true, false, 9_000), ("n3", false, true, 60_000)],
        );
        let err = quorum_of("JOBS", 3, Some(&info)).expect_err("no majority");
        assert!(err.contains("1 of 3 replicas up"), "{err}");
        assert!(err.contains("n2, n3"), "{err}");
        assert!(err.contains("start the stopped nats-server nodes"), "{err}");
    }

    #[test]
    fn no_leader_is_no_quorum() {
        let info = cluster(None, &[]);
        let err = quorum_of("JOBS", 3, Some(&info)).expect_err("electing");
        assert!(err.contains("no leader"), "{err}");
    }
}
