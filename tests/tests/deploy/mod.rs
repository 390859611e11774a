//! The Kubernetes deployment (infra/k8s, issue 15), checked offline: each overlay renders,
//! every object validates against the Kubernetes schemas (kubernetes-validate) or, for
//! KEDA and CloudNativePG, against the schemas the project wrote from their
//! documentation; and the rendered objects keep the promises an operator relies on:
//! probes on ports the services listen on, secrets as files, non-root read-only
//! containers, disruption budgets, autoscaling on the real consumer, network zones and
//! zone spreading in prod. Needs `bash scripts/setup-kube-tools.sh` (fails, naming it,
//! when the tools are missing).

mod manifest;
mod policy;
mod render;
mod scaling;
mod zones;

use serde_json::Value;

use manifest::{
    SERVICES, all, deployment, environment, items, pod_labels, pod_spec, resolve_port, selects,
};
use render::{OVERLAYS, render, validate};

#[test]
fn every_overlay_validates_against_the_kubernetes_and_operator_schemas() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (overlay, namespace) in OVERLAYS {
        let objects = render(overlay);
        validate(overlay, &objects, dir.path());
        for object in &objects {
            if object["kind"] != "Namespace" {
                assert_eq!(
                    object["metadata"]["namespace"], namespace,
                    "{overlay}: {object}"
                );
            }
        }
    }
}

/// Every probe names a port the container declares, and every declared port is one a
/// service listens on: its `JETCRAWL_*_ADDR` binds it on all interfaces (the defaults
/// are loopback, which the kubelet cannot reach).
#[test]
fn each_overlay_runs_the_five_services_with_probes_on_ports_they_listen_on() {
    for (overlay, _) in OVERLAYS {
        let objects = render(overlay);
        for service in SERVICES {
            let workload = deployment(&objects, service);
            let containers = items(&pod_spec(workload)["containers"]);
            assert_eq!(containers.len(), 1, "{overlay} {service}");
            let container = &containers[0];
            for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
                let probe_spec = &container[probe];
                let handler = &probe_spec["httpGet"];
                assert!(
                    handler.is_object(),
                    "{overlay} {service}: {probe} is an HTTP check"
                );
                assert!(
                    resolve_port(container, &handler["port"]).is_some(),
                    "{overlay} {service}: {probe} port {} is not declared",
                    handler["port"]
                );
                let path = handler["path"].as_str().unwrap_or_default();
                assert!(
                    ["/healthz", "/readyz", "/metrics"].contains(&path),
                    "{overlay} {service}: {probe} asks {path}, which the service does not serve"
                );
            }
            let env = environment(&objects, container);
            let listens: Vec<u64> = env
                .iter()
                .filter(|(k, _)| k.ends_with("_ADDR"))
                .map(|(k, v)| {
                    let port = v.strip_prefix("0.0.0.0:").unwrap_or_else(|| {
                        panic!("{overlay} {service}: {k}={v} is not reachable from the kubelet")
                    });
                    port.parse().expect("port")
                })
                .collect();
            for port in items(&container["ports"]) {
                let number = port["containerPort"].as_u64().expect("containerPort");
                assert!(
                    listens.contains(&number),
                    "{overlay} {service}: nothing listens on {number}"
                );
            }
            let readiness = container["readinessProbe"]["httpGet"]["path"].as_str();
            let expected = match service {
                "gateway" => "/readyz",
                _ => "/healthz",
            };
            assert_eq!(readiness, Some(expected), "{overlay} {service}");
        }
    }
}

#[test]
fn every_service_has_a_disruption_budget_and_resources() {
    for (overlay, _) in OVERLAYS {
        let objects = render(overlay);
        let budgets: Vec<&Value> = all(&objects, "PodDisruptionBudget").collect();
        for service in SERVICES {
            let workload = deployment(&objects, service);
            let labels = pod_labels(workload);
            assert!(
                budgets
                    .iter()
                    .any(|b| selects(&b["spec"]["selector"], &labels)),
                "{overlay} {service}: no PodDisruptionBudget"
            );
            let resources = &items(&pod_spec(workload)["containers"])[0]["resources"];
            for (kind, key) in [
                ("requests", "cpu"),
                ("requests", "memory"),
                ("limits", "memory"),
            ] {
                assert!(
                    resources[kind][key].is_string(),
                    "{overlay} {service}: no {kind}.{key}"
                );
            }
        }
    }
}

/// Non-root, no privilege escalation, no capabilities, read-only root filesystem; the
/// worker writes only to its /tmp and /dev/shm volumes. Secrets reach containers as
/// files: never in an environment variable, and every `*_FILE`, TLS or CA path points
/// into a mounted Secret that holds that file.
#[test]
fn containers_run_locked_down_and_read_secrets_from_files() {
    for (overlay, _) in OVERLAYS {
        let objects = render(overlay);
        let mut workloads: Vec<&Value> = SERVICES.iter().map(|s| deployment(&objects, s)).collect();
        workloads.extend(all(&objects, "Job"));
        for workload in workloads {
            let name = workload["metadata"]["name"].as_str().unwrap_or_default();
            let spec = pod_spec(workload);
            assert_eq!(
                spec["securityContext"]["runAsNonRoot"], true,
                "{overlay} {name}"
            );
            assert_ne!(spec["securityContext"]["runAsUser"], 0, "{overlay} {name}");
            assert_eq!(
                spec["automountServiceAccountToken"], false,
                "{overlay} {name}"
            );
            for container in items(&spec["containers"]) {
                let security = &container["securityContext"];
                assert_eq!(
                    security["allowPrivilegeEscalation"], false,
                    "{overlay} {name}"
                );
                assert_eq!(security["readOnlyRootFilesystem"], true, "{overlay} {name}");
                assert_eq!(
                    security["capabilities"]["drop"][0], "ALL",
                    "{overlay} {name}"
                );
                check_secret_files(&objects, spec, container, &format!("{overlay} {name}"));
            }
        }
        let worker = &items(&pod_spec(deployment(&objects, "worker"))["containers"])[0];
        let mounts: Vec<&str> = items(&worker["volumeMounts"])
            .iter()
            .filter_map(|m| m["mountPath"].as_str())
            .collect();
        assert!(
            mounts.contains(&"/tmp") && mounts.contains(&"/dev/shm"),
            "{overlay}: Chromium"
        );
    }
}

fn check_secret_files(objects: &[Value], spec: &Value, container: &Value, what: &str) {
    for var in items(&container["env"]) {
        assert!(
            var["valueFrom"].get("secretKeyRef").is_none(),
            "{what}: {} takes a secret as a value; mount it as a file",
            var["name"]
        );
    }
    let env = environment(objects, container);
    let secret_paths = env.iter().filter(|(k, _)| {
        k.ends_with("_FILE")
            || k.ends_with("_TLS_CA")
            || k.ends_with("_TLS_CERT")
            || k.ends_with("_TLS_KEY")
    });
    for (key, path) in secret_paths {
        let (dir, file) = path.rsplit_once('/').expect("absolute path");
        let mount = items(&container["volumeMounts"])
            .iter()
            .find(|m| m["mountPath"] == dir)
            .unwrap_or_else(|| panic!("{what}: {key}={path} is not in a mounted volume"));
        let volume = items(&spec["volumes"])
            .iter()
            .find(|v| v["name"] == mount["name"])
            .expect("the mount's volume");
        let secret = &volume["secret"];
        assert!(
            secret.is_object(),
            "{what}: {key} is not read from a Secret"
        );
        let projected = items(&secret["items"]);
        // A whole kubernetes.io/tls Secret holds tls.crt and tls.key by definition.
        let listed = if projected.is_empty() {
            ["tls.crt", "tls.key"].contains(&file)
        } else {
            projected.iter().any(|i| i["path"] == file)
        };
        assert!(
            listed,
            "{what}: {key}={path}: the Secret volume has no {file}"
        );
    }
}
