//! What the nodes of a [`NatsCluster`] report about their raft groups: the meta leader,
//! stream leaders and each replica's progress, read from their `/jsz` (see
//! [`crate::jsz`] for why a leader counts only when it names itself).

use std::time::{Duration, Instant};

use super::NatsCluster;
use crate::jsz;

/// How often `wait_for_meta_leader` asks again.
const POLL: Duration = Duration::from_millis(100);

impl NatsCluster {
    /// Polls every running, unpaused node's `/jsz` until all of them name the same
    /// meta leader, and returns its index. A restarted node needs a moment to learn it.
    pub async fn wait_for_meta_leader(&mut self, timeout: Duration) -> anyhow::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut views = Vec::new();
            for i in self.live() {
                let jsz = jsz::fetch(self.nodes[i].monitor_port, jsz::JSZ).await;
                views.push(jsz.as_ref().and_then(jsz::meta_leader).map(str::to_owned));
            }
            if let Some(Some(leader)) = views.first()
                && views.iter().all(|view| view.as_ref() == Some(leader))
                && let Some(i) = self.nodes.iter().position(|node| &node.name == leader)
            {
                return Ok(i);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "no meta leader after {timeout:?}; leaders named by the live nodes: {views:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The leader of `stream`'s raft group right now: the node that names itself
    /// leader and that a majority of the cluster's nodes name too. `None` during an
    /// election. A deposed leader may name itself for a moment longer; the majority
    /// rule filters it out. Asks once; poll it to wait for an election.
    pub async fn stream_leader(&mut self, stream: &str) -> Option<usize> {
        let mut named = Vec::new();
        for i in self.live() {
            let jsz = jsz::fetch(self.nodes[i].monitor_port, jsz::JSZ_STREAMS).await;
            let leader = jsz.as_ref().and_then(|jsz| jsz::stream_leader(jsz, stream));
            named.push((i, leader.map(str::to_owned)));
        }
        let majority = self.nodes.len() / 2 + 1;
        named.iter().find_map(|(i, leader)| {
            let name = Some(&self.nodes[*i].name);
            let backers = named.iter().filter(|(_, l)| l.as_ref() == name).count();
            (leader.as_ref() == name && backers >= majority).then_some(*i)
        })
    }

    /// How many messages node `i`'s own replica of `stream` holds, from its `/jsz`;
    /// `None` if the node is down or paused or holds no replica. A stream info request
    /// is answered by the stream leader wherever the client is connected; this shows
    /// whether node `i` itself caught up.
    pub async fn stream_messages(&mut self, i: usize, stream: &str) -> Option<u64> {
        if !self.live().contains(&i) {
            return None;
        }
        let jsz = jsz::fetch(self.nodes[i].monitor_port, jsz::JSZ_STREAMS).await?;
        jsz::stream_messages(&jsz, stream)
    }

    /// Nodes whose process runs and is not paused, so their monitoring port answers.
    fn live(&mut self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| !self.nodes[i].paused && self.nodes[i].is_running())
            .collect()
    }
}
