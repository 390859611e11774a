//! Reading a node's `/jsz` monitoring report, with the field names nats-server 2.15
//! uses.
//!
//! Every node of a cluster names the meta leader (`meta_cluster.leader`) and the leader
//! of each stream it holds a replica of (`account_details[].stream_detail[].cluster
//! .leader`). A follower keeps naming the leader it last heard from until a new one is
//! elected, even when that leader is dead; only the leader itself adds
//! `cluster.leader_since`. So a leader is trusted only when its own report names it.

use serde_json::Value;

use crate::probe;

/// The report with the meta group.
pub(crate) const JSZ: &str = "/jsz";

/// The report with every account's streams and their raft groups.
pub(crate) const JSZ_STREAMS: &str = "/jsz?accounts=true&streams=true";

/// `path` (one of the constants above) from the node on `monitor_port`, or `None` if
/// it does not answer 200 with JSON.
pub(crate) async fn fetch(monitor_port: u16, path: &str) -> Option<Value> {
    match probe::http_get(monitor_port, path).await? {
        (200, body) => serde_json::from_str(&body).ok(),
        _ => None,
    }
}

/// The meta leader's server name, if the report names one.
pub(crate) fn meta_leader(jsz: &Value) -> Option<&str> {
    jsz.pointer("/meta_cluster/leader")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
}

/// The server name the report gives as leader of `stream`'s raft group, if the node
/// holds a replica of it and knows a leader.
pub(crate) fn stream_leader<'a>(jsz: &'a Value, stream: &str) -> Option<&'a str> {
    stream_detail(jsz, stream)?
        .pointer("/cluster/leader")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
}

/// How many messages the node's own replica of `stream` holds (`state.messages`).
pub(crate) fn stream_messages(jsz: &Value, stream: &str) -> Option<u64> {
    stream_detail(jsz, stream)?
        .pointer("/state/messages")
        .and_then(Value::as_u64)
}

/// The `stream_detail` entry of `stream`, in whichever account holds it.
fn stream_detail<'a>(jsz: &'a Value, stream: &str) -> Option<&'a Value> {
    jsz.get("account_details")?
        .as_array()?
        .iter()
        .filter_map(|account| account.get("stream_detail")?.as_array())
        .flatten()
        .find(|detail| detail.get("name").and_then(Value::as_str) == Some(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trimmed from what a follower of a 2.15.1 cluster returns.
    const FOLLOWER: &str = r#"{
        "meta_cluster": {"name": "jetcrawl", "leader": "n0", "cluster_size": 3},
        "account_details": [{"name": "$G", "stream_detail": [{
            "name": "T",
            "cluster": {"name": "jetcrawl", "leader": "n0",
                        "replicas": [{"name": "n0", "current": true}]},
            "state": {"messages": 1}
        }]}]
    }"#;

    #[test]
    fn reads_the_leaders_a_node_reports() {
        let jsz: Value = serde_json::from_str(FOLLOWER).unwrap();
        assert_eq!(meta_leader(&jsz), Some("n0"));
        assert_eq!(stream_leader(&jsz, "T"), Some("n0"));
        assert_eq!(stream_messages(&jsz, "T"), Some(1));
        assert_eq!(stream_leader(&jsz, "OTHER"), None);
        assert_eq!(stream_messages(&jsz, "OTHER"), None);
    }

    #[test]
    fn no_leader_while_electing() {
        let jsz: Value =
            serde_json::from_str(r#"{"meta_cluster": {"leader": ""}, "account_details": []}"#)
                .unwrap();
        assert_eq!(meta_leader(&jsz), None);
        assert_eq!(stream_leader(&jsz, "T"), None);
        assert_eq!(meta_leader(&Value::Null), None);
    }
}
