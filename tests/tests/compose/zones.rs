//! The network zones of seed 004 on one machine: who reaches Postgres, who reaches the
//! internet, and what is published.

use std::collections::BTreeSet;

use crate::compose::file::{environment, load, networks, port_of, service, services};

/// The network zones of seed 004: Postgres and NATS sit on internal networks; only the
/// gateway, projector, reporter, notifier and the admin step share one with Postgres, so
/// a worker running a hostile page has no route to it; every URL names a service on a
/// network the caller shares.
#[test]
fn the_worker_has_no_network_path_to_postgres() {
    let compose = load();
    let internal = |net: &str| compose["networks"][net]["internal"] == true;
    let postgres = networks(service(&compose, "postgres"));
    let nats = networks(service(&compose, "nats"));
    for net in postgres.iter().chain(&nats) {
        assert!(
            internal(net),
            "network {net} of a data store must be internal"
        );
    }
    let worker = networks(service(&compose, "worker"));
    assert!(
        worker.is_disjoint(&postgres),
        "the worker shares {worker:?} with Postgres"
    );
    let with_postgres: BTreeSet<&str> = services(&compose)
        .filter(|(n, s)| *n != "postgres" && !networks(s).is_disjoint(&postgres))
        .map(|(n, _)| n)
        .collect();
    let allowed = ["admin", "gateway", "notifier", "projector", "reporter"];
    assert_eq!(
        with_postgres,
        allowed.into_iter().collect(),
        "who reaches Postgres"
    );
    for (name, svc) in services(&compose) {
        for (var, url) in environment(svc) {
            let Some(host) = url_host(&url) else { continue };
            if ["JETCRAWL_PUBLIC_BASE_URL"].contains(&var.as_str()) {
                continue;
            }
            let target = networks(service(&compose, host));
            assert!(
                !networks(svc).is_disjoint(&target),
                "{name}: {var} names {host}, on no network {name} is on"
            );
        }
    }
    let internet = [
        ("worker", true),
        ("notifier", true),
        ("projector", false),
        ("reporter", false),
        ("admin", false),
    ];
    for (name, needs) in internet {
        let outside = networks(service(&compose, name))
            .iter()
            .any(|n| !internal(n));
        assert_eq!(outside, needs, "{name}: internet access");
    }
}

/// `scheme://[user@]host:port/...` → host.
fn url_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    let host_port = authority.rsplit('@').next()?;
    Some(host_port.split(':').next().unwrap_or(host_port))
}

/// Only the gateway's gRPC and HTTP listeners are published; a profile's extra (the
/// Prometheus UI) only on loopback.
#[test]
fn only_the_gateway_publishes_ports() {
    let compose = load();
    for (name, svc) in services(&compose) {
        let Some(ports) = svc.get("ports").and_then(|p| p.as_array()) else {
            continue;
        };
        if svc.get("profiles").is_some() {
            for port in ports {
                assert_eq!(port["host_ip"], "127.0.0.1", "{name}: {port}");
            }
            continue;
        }
        assert_eq!(name, "gateway", "{name} publishes {ports:?}");
        let env = environment(svc);
        let published: BTreeSet<u64> = ports.iter().filter_map(|p| p["target"].as_u64()).collect();
        let listens: BTreeSet<u64> = ["JETCRAWL_GRPC_ADDR", "JETCRAWL_HTTP_ADDR"]
            .iter()
            .map(|v| u64::from(port_of(&env[*v])))
            .collect();
        assert_eq!(published, listens, "the gateway's ports");
    }
}
