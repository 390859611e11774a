//! NetworkPolicy semantics, enough to ask "may this pod open that port on that one?":
//! a connection needs the source's egress and the destination's ingress to allow it. A
//! pod no policy selects (for a direction) is open in that direction; otherwise one rule
//! of one selecting policy must match the peer and the port.

use std::net::IpAddr;

use serde_json::Value;

use crate::deploy::manifest::{Labels, items, selects};

/// Something that opens or accepts a connection.
#[derive(Debug, Clone)]
pub enum Endpoint {
    Pod(Pod),
    /// An address outside the cluster.
    External(IpAddr),
}

#[derive(Debug, Clone)]
pub struct Pod {
    pub name: String,
    pub namespace: String,
    pub namespace_labels: Labels,
    pub labels: Labels,
    pub ip: IpAddr,
}

impl Pod {
    pub fn new(name: &str, namespace: &str, extra_ns_labels: &[(&str, &str)], ip: &str) -> Self {
        let mut namespace_labels = Labels::new();
        namespace_labels.insert("kubernetes.io/metadata.name".into(), namespace.into());
        for (k, v) in extra_ns_labels {
            namespace_labels.insert((*k).into(), (*v).into());
        }
        Self {
            name: name.into(),
            namespace: namespace.into(),
            namespace_labels,
            labels: Labels::new(),
            ip: ip.parse().expect("pod ip"),
        }
    }

    pub fn labelled(mut self, labels: &[(&str, &str)]) -> Self {
        for (k, v) in labels {
            self.labels.insert((*k).into(), (*v).into());
        }
        self
    }

    pub fn with_labels(mut self, labels: Labels) -> Self {
        self.labels.extend(labels);
        self
    }
}

impl Endpoint {
    fn ip(&self) -> IpAddr {
        match self {
            Endpoint::Pod(pod) => pod.ip,
            Endpoint::External(ip) => *ip,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Endpoint::Pod(pod) => format!("{}/{}", pod.namespace, pod.name),
            Endpoint::External(ip) => ip.to_string(),
        }
    }
}

/// Whether `from` may connect to `to` on `port`/`protocol` under `policies`.
pub fn allowed(
    policies: &[&Value],
    from: &Endpoint,
    to: &Endpoint,
    port: u16,
    protocol: &str,
) -> bool {
    direction_allows(policies, from, "Egress", "egress", "to", to, port, protocol)
        && direction_allows(
            policies, to, "Ingress", "ingress", "from", from, port, protocol,
        )
}

#[allow(clippy::too_many_arguments)]
fn direction_allows(
    policies: &[&Value],
    subject: &Endpoint,
    policy_type: &str,
    rules_key: &str,
    peers_key: &str,
    peer: &Endpoint,
    port: u16,
    protocol: &str,
) -> bool {
    let Endpoint::Pod(pod) = subject else {
        return true; // outside the cluster: no NetworkPolicy applies
    };
    let selecting: Vec<&&Value> = policies
        .iter()
        .filter(|p| p["metadata"]["namespace"] == pod.namespace.as_str())
        .filter(|p| {
            items(&p["spec"]["policyTypes"])
                .iter()
                .any(|t| t == policy_type)
        })
        .filter(|p| selects(&p["spec"]["podSelector"], &pod.labels))
        .collect();
    if selecting.is_empty() {
        return true;
    }
    selecting.iter().any(|policy| {
        items(&policy["spec"][rules_key]).iter().any(|rule| {
            let peers = items(&rule[peers_key]);
            let ports = items(&rule["ports"]);
            (peers.is_empty() || peers.iter().any(|p| peer_matches(p, &pod.namespace, peer)))
                && (ports.is_empty() || ports.iter().any(|p| port_matches(p, port, protocol)))
        })
    })
}

fn port_matches(rule: &Value, port: u16, protocol: &str) -> bool {
    let rule_protocol = rule["protocol"].as_str().unwrap_or("TCP");
    let number = match &rule["port"] {
        Value::Null => return rule_protocol == protocol,
        Value::Number(n) => n.as_u64().expect("port number"),
        other => panic!("named ports in NetworkPolicies are not modelled: {other}"),
    };
    let end = rule["endPort"].as_u64().unwrap_or(number);
    rule_protocol == protocol && (number..=end).contains(&u64::from(port))
}

fn peer_matches(peer: &Value, policy_namespace: &str, endpoint: &Endpoint) -> bool {
    if let Some(block) = peer.get("ipBlock") {
        let ip = endpoint.ip();
        let cidr = |v: &Value| contains(v.as_str().expect("cidr"), ip);
        return cidr(&block["cidr"]) && !items(&block["except"]).iter().any(cidr);
    }
    let Endpoint::Pod(pod) = endpoint else {
        return false; // selectors only ever match pods
    };
    let namespace_ok = match peer.get("namespaceSelector") {
        Some(selector) => selects(selector, &pod.namespace_labels),
        None => pod.namespace == policy_namespace,
    };
    let pod_ok = peer
        .get("podSelector")
        .is_none_or(|selector| selects(selector, &pod.labels));
    namespace_ok && pod_ok
}

/// Whether `ip` is inside `cidr` (IPv4 or IPv6).
fn contains(cidr: &str, ip: IpAddr) -> bool {
    let (network, length) = cidr.split_once('/').expect("cidr with a prefix length");
    let network: IpAddr = network.parse().expect("cidr address");
    let length: u32 = length.parse().expect("prefix length");
    let (net, addr, width) = match (network, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    let shift = width - length;
    length == 0 || (net >> shift) == (addr >> shift)
}
