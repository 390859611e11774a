//! The network zones of seed 004, checked on each overlay's NetworkPolicies against a
//! modelled cluster: the ingress controller (dmz), Prometheus (monitoring), KEDA, DNS,
//! the NATS and Postgres pods (data), our pods (apps), a stranger's pod and the internet.

use serde_json::Value;

use crate::deploy::manifest::{SERVICES, all, deployment, find, items, pod_labels, pod_spec};
use crate::deploy::policy::{Endpoint, Pod, allowed};
use crate::deploy::render::{OVERLAYS, render};

/// Components that read or write Postgres. The notifier runs the audit retention (ADR
/// 25) and the admin job the migrations; the worker is not among them.
const POSTGRES_CLIENTS: [&str; 5] = ["gateway", "projector", "reporter", "notifier", "admin"];

struct World {
    apps: Vec<(String, Pod, Vec<u16>)>,
    nats: Endpoint,
    postgres: Endpoint,
    dmz: Endpoint,
    monitoring: Endpoint,
    keda: Endpoint,
    dns: Endpoint,
    stranger: Endpoint,
    internet: Endpoint,
    metadata_service: Endpoint,
}

fn world(objects: &[Value], namespace: &str) -> World {
    let mut apps = Vec::new();
    let mut workloads: Vec<(String, &Value)> = SERVICES
        .iter()
        .map(|s| ((*s).to_owned(), deployment(objects, s)))
        .collect();
    workloads.push(("admin".into(), find(objects, "Job", "jetcrawl-admin-apply")));
    for (i, (name, workload)) in workloads.into_iter().enumerate() {
        let pod = Pod::new(
            name.as_str(),
            namespace,
            &[],
            &format!("10.244.1.{}", i + 10),
        )
        .with_labels(pod_labels(workload));
        let ports = items(&pod_spec(workload)["containers"])
            .iter()
            .flat_map(|c| items(&c["ports"]))
            .map(|p| u16::try_from(p["containerPort"].as_u64().expect("port")).expect("u16"))
            .collect();
        apps.push((name, pod, ports));
    }
    let zone =
        |name: &str, ns: &str, ns_zone: &[(&str, &str)], ip: &str| Pod::new(name, ns, ns_zone, ip);
    World {
        apps,
        // The NATS chart's pod labels, and CloudNativePG's.
        nats: Endpoint::Pod(zone("nats-0", namespace, &[], "10.244.2.10").labelled(&[
            ("app.kubernetes.io/name", "nats"),
            ("app.kubernetes.io/instance", "nats"),
            ("app.kubernetes.io/component", "nats"),
        ])),
        postgres: Endpoint::Pod(
            zone("jetcrawl-pg-1", namespace, &[], "10.244.3.10").labelled(&[
                ("cnpg.io/cluster", "jetcrawl-pg"),
                ("cnpg.io/instanceRole", "primary"),
            ]),
        ),
        dmz: Endpoint::Pod(
            zone(
                "ingress-nginx-controller",
                "ingress-nginx",
                &[("jetcrawl.dev/zone", "dmz")],
                "10.244.4.10",
            )
            .labelled(&[("app.kubernetes.io/name", "ingress-nginx")]),
        ),
        monitoring: Endpoint::Pod(zone(
            "prometheus-0",
            "monitoring",
            &[("jetcrawl.dev/zone", "monitoring")],
            "10.244.5.10",
        )),
        keda: Endpoint::Pod(zone("keda-operator", "keda", &[], "10.244.6.10")),
        dns: Endpoint::Pod(
            zone("coredns", "kube-system", &[], "10.96.0.10").labelled(&[("k8s-app", "kube-dns")]),
        ),
        stranger: Endpoint::Pod(zone("someone-else", "default", &[], "10.244.7.10")),
        internet: Endpoint::External("93.184.215.14".parse().expect("ip")),
        metadata_service: Endpoint::External("169.254.169.254".parse().expect("ip")),
    }
}

fn app<'a>(world: &'a World, name: &str) -> (Endpoint, &'a [u16]) {
    let (_, pod, ports) = world
        .apps
        .iter()
        .find(|(n, ..)| n == name)
        .expect("modelled app");
    (Endpoint::Pod(pod.clone()), ports)
}

fn check(policies: &[&Value], from: &Endpoint, to: &Endpoint, port: u16, expect: bool, why: &str) {
    let got = allowed(policies, from, to, port, "TCP");
    assert_eq!(
        got,
        expect,
        "{} -> {}:{port} should be {}: {why}",
        from.describe(),
        to.describe(),
        if expect { "allowed" } else { "denied" }
    );
}

#[test]
fn network_policies_keep_each_zone_to_its_neighbours() {
    for (overlay, namespace) in OVERLAYS {
        let objects = render(overlay);
        let policies: Vec<&Value> = all(&objects, "NetworkPolicy").collect();
        let w = world(&objects, namespace);
        let (worker, _) = app(&w, "worker");

        // Workers: NATS and the internet, nothing else inside the cluster.
        check(&policies, &worker, &w.nats, 4222, true, "workers pull jobs");
        check(
            &policies,
            &worker,
            &w.internet,
            443,
            true,
            "workers fetch pages",
        );
        check(
            &policies,
            &worker,
            &w.internet,
            8443,
            true,
            "job URLs may name a port",
        );
        check(
            &policies,
            &worker,
            &w.postgres,
            5432,
            false,
            "workers never reach Postgres",
        );
        check(
            &policies,
            &worker,
            &w.metadata_service,
            80,
            false,
            "no cloud credentials",
        );
        check(&policies, &worker, &w.stranger, 80, false, "no other pod");
        let (gateway, _) = app(&w, "gateway");
        check(
            &policies,
            &worker,
            &gateway,
            8080,
            false,
            "no lateral moves",
        );
        assert!(
            allowed(&policies, &worker, &w.dns, 53, "UDP"),
            "{overlay}: workers resolve names"
        );

        // Postgres: exactly the listed clients.
        for (name, pod, _) in &w.apps {
            let client = POSTGRES_CLIENTS.contains(&name.as_str());
            let from = Endpoint::Pod(pod.clone());
            check(
                &policies,
                &from,
                &w.postgres,
                5432,
                client,
                "Postgres clients",
            );
            check(
                &policies,
                &from,
                &w.nats,
                4222,
                true,
                "every component uses NATS",
            );
        }
        check(
            &policies,
            &w.stranger,
            &w.postgres,
            5432,
            false,
            "data zone",
        );
        check(&policies, &w.dmz, &w.postgres, 5432, false, "data zone");
        check(&policies, &w.dmz, &w.nats, 4222, false, "data zone");

        // The dmz reaches the gateway, and only it; so does no one from outside.
        for (name, pod, ports) in &w.apps {
            let to = Endpoint::Pod(pod.clone());
            for port in ports {
                let gateway = name == "gateway";
                check(
                    &policies,
                    &w.dmz,
                    &to,
                    *port,
                    gateway,
                    "ingress -> gateway only",
                );
                check(
                    &policies,
                    &w.internet,
                    &to,
                    *port,
                    false,
                    "only through the dmz",
                );
                check(
                    &policies,
                    &w.stranger,
                    &to,
                    *port,
                    false,
                    "other namespaces",
                );
            }
        }

        // Monitoring scrapes every service's /metrics; KEDA reads NATS's /jsz.
        for (name, pod, ports) in &w.apps {
            let to = Endpoint::Pod(pod.clone());
            for port in ports.iter().filter(|p| **p != 50051) {
                check(
                    &policies,
                    &w.monitoring,
                    &to,
                    *port,
                    true,
                    &format!("scrape {name}"),
                );
            }
        }
        check(
            &policies,
            &w.keda,
            &w.nats,
            8222,
            true,
            "the scaler reads /jsz",
        );
        check(
            &policies,
            &w.monitoring,
            &w.nats,
            8222,
            true,
            "NATS metrics",
        );
    }
}
