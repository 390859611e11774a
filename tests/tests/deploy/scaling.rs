//! Autoscaling, zones and the infrastructure the services sit on: the KEDA ScaledObject,
//! the spread of prod's pods, the admin Job, the NATS chart values and Postgres.

use jetcrawl_streams::subjects::JOBS_STREAM;
use jetcrawl_streams::topology::WORKERS_CONSUMER;

use crate::deploy::manifest::{
    SERVICES, deployment, environment, find, items, pod_labels, pod_spec, selects,
};
use crate::deploy::render::{OVERLAYS, k8s_dir, load_yaml, render};

#[test]
fn workers_scale_on_the_jobs_backlog_within_bounds_set_per_overlay() {
    let mut bounds = Vec::new();
    for (overlay, namespace) in OVERLAYS {
        let objects = render(overlay);
        let scaler = find(&objects, "ScaledObject", "jetcrawl-worker");
        let spec = &scaler["spec"];
        assert_eq!(
            spec["scaleTargetRef"]["name"], "jetcrawl-worker",
            "{overlay}"
        );
        assert!(
            deployment(&objects, "worker")["spec"]
                .get("replicas")
                .is_none(),
            "{overlay}: KEDA owns the worker count, kubectl apply must not reset it"
        );

        let triggers = items(&spec["triggers"]);
        assert_eq!(triggers.len(), 1, "{overlay}: one trigger");
        let trigger = &triggers[0];
        let metadata = &trigger["metadata"];
        assert_eq!(trigger["type"], "nats-jetstream", "{overlay}");
        assert_eq!(
            metadata["lagThreshold"], "10",
            "{overlay}: 10 waiting messages per pod"
        );
        // The names the worker binds to, from the code (jetcrawl_streams).
        assert_eq!(metadata["stream"], JOBS_STREAM, "{overlay}");
        assert_eq!(metadata["consumer"], WORKERS_CONSUMER, "{overlay}");
        assert_eq!(
            metadata["natsServerMonitoringEndpoint"],
            format!("nats-headless.{namespace}.svc.cluster.local:8222"),
            "{overlay}: KEDA runs in its own namespace and must reach this overlay's NATS"
        );

        let min = spec["minReplicaCount"].as_u64().expect("minReplicaCount");
        let max = spec["maxReplicaCount"].as_u64().expect("maxReplicaCount");
        assert!(min <= max, "{overlay}: {min}..{max}");
        bounds.push((overlay, min, max));
    }
    let maxima: Vec<u64> = bounds.iter().map(|b| b.2).collect();
    assert!(
        maxima.windows(2).all(|w| w[0] < w[1]),
        "dev < staging < prod in worker capacity: {bounds:?}"
    );
    let minima: Vec<u64> = bounds.iter().map(|b| b.1).collect();
    assert!(minima.windows(2).all(|w| w[0] < w[1]), "{bounds:?}");
    assert!(minima[2] >= 3, "prod keeps a worker per zone: {bounds:?}");
}

#[test]
fn prod_spreads_every_service_across_zones() {
    let objects = render("prod");
    for service in SERVICES {
        let workload = deployment(&objects, service);
        let labels = pod_labels(workload);
        let spec = pod_spec(workload);
        let spread = items(&spec["topologySpreadConstraints"]).iter().any(|c| {
            c["topologyKey"] == "topology.kubernetes.io/zone"
                && c["maxSkew"] == 1
                && selects(&c["labelSelector"], &labels)
        });
        let anti_affinity = ["requiredDuringSchedulingIgnoredDuringExecution"]
            .iter()
            .flat_map(|k| items(&spec["affinity"]["podAntiAffinity"][k]))
            .any(|t| {
                t["topologyKey"] == "topology.kubernetes.io/zone"
                    && selects(&t["labelSelector"], &labels)
            });
        assert!(
            spread || anti_affinity,
            "prod {service}: not spread across zones"
        );
        if service != "worker" {
            let replicas = workload["spec"]["replicas"].as_u64().unwrap_or(1);
            assert!(
                replicas >= 2,
                "prod {service}: {replicas} replica(s) cannot span zones"
            );
        }
    }
    let postgres = find(&objects, "Cluster", "jetcrawl-pg");
    assert_eq!(
        postgres["spec"]["affinity"]["topologyKey"],
        "topology.kubernetes.io/zone"
    );
    assert_eq!(
        postgres["spec"]["affinity"]["podAntiAffinityType"],
        "required"
    );
}

#[test]
fn a_job_applies_the_topology_and_schema_with_the_services_settings() {
    for (overlay, _) in OVERLAYS {
        let objects = render(overlay);
        let job = find(&objects, "Job", "jetcrawl-admin-apply");
        let container = &items(&pod_spec(job)["containers"])[0];
        let command: Vec<&str> = items(&container["command"])
            .iter()
            .chain(items(&container["args"]))
            .filter_map(|v| v.as_str())
            .collect();
        // jetcrawl_streams::topology::APPLY_COMMAND names it in every service's refusal.
        assert_eq!(
            command.join(" "),
            jetcrawl_streams::topology::APPLY_COMMAND,
            "{overlay}"
        );
        let env = environment(&objects, container);
        assert!(
            env.contains_key("JETCRAWL_DATABASE_URL"),
            "{overlay}: the schema step needs Postgres"
        );
        // What the job applies is what every service verifies.
        for service in SERVICES {
            let service_env = environment(
                &objects,
                &items(&pod_spec(deployment(&objects, service))["containers"])[0],
            );
            for key in ["JETCRAWL_NATS_URL", "JETCRAWL_REPLICAS"] {
                assert_eq!(
                    env.get(key),
                    service_env.get(key),
                    "{overlay} {service}: {key}"
                );
            }
        }
        assert_eq!(
            env.get("JETCRAWL_REPLICAS").map(String::as_str),
            Some("3"),
            "{overlay}"
        );
    }
}

#[test]
fn nats_values_describe_three_jetstream_nodes_across_zones() {
    let values = load_yaml(&k8s_dir().join("nats/values.yaml"));
    let config = &values["config"];
    assert_eq!(config["cluster"]["enabled"], true);
    assert_eq!(
        config["cluster"]["replicas"], 3,
        "JETCRAWL_REPLICAS=3 needs three servers"
    );
    assert_eq!(config["jetstream"]["enabled"], true);
    assert_eq!(
        config["jetstream"]["fileStore"]["enabled"], true,
        "streams are file-backed"
    );
    assert_eq!(config["jetstream"]["fileStore"]["pvc"]["enabled"], true);
    let spread = &values["podTemplate"]["topologySpreadConstraints"]["topology.kubernetes.io/zone"];
    assert_eq!(
        spread["whenUnsatisfiable"], "DoNotSchedule",
        "one server per zone, strictly"
    );
    // ADR 29: the R3 cluster keeps the default sync interval, as infra/nats/cluster does.
    let text = std::fs::read_to_string(k8s_dir().join("nats/values.yaml")).expect("values");
    let cluster_conf =
        std::fs::read_to_string(k8s_dir().join("../nats/cluster/n1.conf")).expect("n1.conf");
    let sets_sync = |t: &str| {
        t.lines()
            .any(|l| l.trim_start().starts_with("sync_interval"))
    };
    assert_eq!(
        sets_sync(&text),
        sets_sync(&cluster_conf),
        "same sync policy as infra/nats/cluster"
    );
    assert!(config["merge"]["jetstream"].get("sync_interval").is_none());

    let postgres = find(&render("prod"), "Cluster", "jetcrawl-pg").clone();
    assert!(
        postgres["spec"]["instances"].as_u64() >= Some(2),
        "Postgres has a replica"
    );
}
