//! The single-server deployment (infra/compose, issue 15), checked offline: there is no
//! Docker engine on the machines the tests run on, so the compose file is read and held
//! to what an operator relies on: every component is there and starts in order (NATS and
//! Postgres healthy, then `jetcrawl admin apply`, then the services); each service is
//! probed where it listens; secrets are files; the worker cannot reach Postgres; only the
//! gateway is published; every variable is one its program reads, with a value it
//! accepts; JetStream stays as durable as infra/nats/single.conf; and make-secrets.sh
//! makes every secret, once. Where both deployments say the same thing, it agrees with
//! infra/k8s/base.

mod file;
mod k8s;
mod monitoring;
mod secrets;
mod settings;
mod stores;
mod zones;

use std::collections::BTreeSet;

use file::{
    SERVICES, compose_dir, default_services, environment, load, mounts, port_of, probe, read,
    secret_mounts, service, services, strings,
};

/// Every component is there, and each Jetcrawl container (the five services, the admin
/// step, the CLI) runs its binary from the Dockerfile target whose image holds it, tagged
/// with the workspace's version as in infra/k8s.
#[test]
fn every_component_of_the_platform_is_there() {
    let compose = load();
    let dockerfile = read("infra/docker/Dockerfile");
    let version = workspace_version();
    for name in ["nats", "postgres", "admin"].iter().chain(&SERVICES) {
        service(&compose, name);
    }
    let mut binaries: Vec<(&str, String)> = SERVICES
        .iter()
        .map(|s| (*s, format!("jetcrawl-{s}")))
        .collect();
    binaries.push(("admin", "jetcrawl".to_owned()));
    binaries.push(("cli", "jetcrawl".to_owned()));
    for (name, binary) in binaries {
        let svc = service(&compose, name);
        let (entrypoint, command) = (strings(&svc["entrypoint"]), strings(&svc["command"]));
        let program = entrypoint.first().or(command.first()).copied();
        assert_eq!(program, Some(binary.as_str()), "{name}");
        let target = svc["build"]["target"].as_str().expect("a build target");
        assert_eq!(svc["build"]["context"], "../..", "{name}: the workspace");
        assert_eq!(
            svc["build"]["dockerfile"], "infra/docker/Dockerfile",
            "{name}"
        );
        let stage = dockerfile
            .split("\nFROM ")
            .find(|s| {
                s.lines()
                    .next()
                    .is_some_and(|l| l.ends_with(&format!(" AS {target}")))
            })
            .unwrap_or_else(|| panic!("{name}: the Dockerfile has no target {target}"));
        assert!(
            stage.contains(&format!("/out/{binary} ")),
            "{name}: {target} lacks {binary}"
        );
        let image = format!("jetcrawl/{target}:{version}");
        assert_eq!(svc["image"], image.as_str(), "{name}");
        if let Some(k8s_name) = SERVICES.iter().find(|s| **s == name) {
            assert_eq!(
                k8s::container(k8s_name)["image"],
                image.as_str(),
                "{name} in k8s"
            );
        }
    }
}

/// NATS and Postgres healthy → admin completed → the services: a service never starts
/// against a topology or schema that `jetcrawl admin apply` has not made.
#[test]
fn components_start_in_order() {
    let compose = load();
    let admin = service(&compose, "admin");
    assert_eq!(strings(&admin["command"]), ["jetcrawl", "admin", "apply"]);
    assert_eq!(admin["restart"], "no", "a one-shot step");
    for dependency in ["nats", "postgres"] {
        assert_eq!(
            admin["depends_on"][dependency]["condition"],
            "service_healthy"
        );
        assert!(service(&compose, dependency)["healthcheck"]["test"].is_array());
    }
    for name in SERVICES {
        let svc = service(&compose, name);
        let depends = svc["depends_on"].as_object().expect("depends_on");
        assert_eq!(depends.keys().collect::<Vec<_>>(), ["admin"], "{name}");
        assert_eq!(
            depends["admin"]["condition"], "service_completed_successfully",
            "{name}"
        );
        assert_eq!(svc["restart"], "unless-stopped", "{name}");
    }
    for (name, svc) in default_services(&compose) {
        assert!(svc["restart"].is_string(), "{name}: no restart policy");
    }
}

/// Each health check asks the endpoint the service serves, on the port its
/// `JETCRAWL_*_ADDR` binds on all interfaces (Prometheus and the other containers reach
/// it); readiness agrees with infra/k8s.
#[test]
fn each_service_is_probed_where_it_listens() {
    let compose = load();
    for name in SERVICES {
        let svc = service(&compose, name);
        let env = environment(svc);
        let var = match name {
            "gateway" => "JETCRAWL_HTTP_ADDR",
            _ => "JETCRAWL_METRICS_ADDR",
        };
        let addr = env.get(var).unwrap_or_else(|| panic!("{name}: no {var}"));
        assert!(addr.starts_with("0.0.0.0:"), "{name}: {var}={addr}");
        let k8s = k8s::container(name);
        assert_eq!(k8s::env(&k8s).get(var), Some(addr), "{name}: {var} in k8s");
        let (k8s_path, k8s_port) = k8s::readiness(&k8s);
        let expected = file::Probe {
            port: port_of(addr),
            path: k8s_path,
            tls: env.contains_key("JETCRAWL_TLS_CERT"),
        };
        assert_eq!(expected.port, k8s_port, "{name}");
        assert_eq!(probe(svc), expected, "{name}");
        for key in ["interval", "timeout", "retries", "start_period"] {
            assert!(
                !svc["healthcheck"][key].is_null(),
                "{name}: healthcheck {key}"
            );
        }
    }
}

/// Secrets reach containers as files: every `*_FILE`, certificate, key or CA variable
/// names a path where the service mounts a declared secret, and no secret is a value.
#[test]
fn secrets_are_files_mounted_where_the_variables_point() {
    let compose = load();
    let declared = compose["secrets"].as_object().expect("secrets");
    let mut used = BTreeSet::new();
    for (name, svc) in services(&compose) {
        let mounted = secret_mounts(svc);
        for source in mounted.values() {
            assert!(
                declared.contains_key(source),
                "{name}: secret {source} is not declared"
            );
            used.insert(source.clone());
        }
        for (var, value) in environment(svc) {
            let is_file = ["_FILE", "_CERT", "_KEY", "_CA"]
                .iter()
                .any(|s| var.ends_with(s));
            if is_file {
                assert!(
                    mounted.contains_key(&value),
                    "{name}: {var}={value} is not a mounted secret"
                );
            } else {
                let secretive = ["PASSWORD", "SECRET", "SIGNING_KEYS", "API_KEY", "CREDS"];
                assert!(
                    !secretive.iter().any(|s| var.contains(s)),
                    "{name}: {var} passes a secret as a value; use a file"
                );
            }
        }
    }
    let all: BTreeSet<String> = declared.keys().cloned().collect();
    assert_eq!(used, all, "declared secrets no service mounts");
    let ignore = std::fs::read_to_string(compose_dir().join("secrets/.gitignore"))
        .expect("infra/compose/secrets/.gitignore");
    let rules: Vec<&str> = ignore.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rules, ["*", "!.gitignore"], "secrets/ must stay out of git");
}

/// Every named volume is declared and used; every bind-mounted file is in the repository.
#[test]
fn volumes_are_declared_and_files_exist() {
    let compose = load();
    let declared: BTreeSet<String> = compose["volumes"]
        .as_object()
        .expect("volumes")
        .keys()
        .cloned()
        .collect();
    let mut used = BTreeSet::new();
    for (name, svc) in services(&compose) {
        for mount in mounts(svc) {
            if mount.named {
                assert!(
                    declared.contains(&mount.source),
                    "{name}: volume {}",
                    mount.source
                );
                used.insert(mount.source);
            } else {
                let path = compose_dir().join(&mount.source);
                assert!(path.is_file(), "{name}: {} is missing", path.display());
            }
        }
    }
    assert_eq!(used, declared, "declared volumes no service uses");
    for name in ["nats", "postgres"] {
        assert!(
            mounts(service(&compose, name)).iter().any(|m| m.named),
            "{name}: data"
        );
    }
}

/// Every variable set for a Jetcrawl program is one it reads, and the services parse
/// their values; the settings the topology check compares are the same everywhere.
#[test]
fn every_variable_is_one_the_program_reads() {
    let compose = load();
    for name in SERVICES {
        settings::check_service(name, &environment(service(&compose, name)));
    }
    let cli = settings::cli_variables();
    for name in ["admin", "cli"] {
        for var in environment(service(&compose, name)).keys() {
            assert!(cli.contains(var), "{name}: `jetcrawl` does not read {var}");
        }
    }
    let mut topology = settings::topology_variables();
    topology.insert("JETCRAWL_NATS_URL".to_owned());
    for var in &topology {
        let values: BTreeSet<Option<String>> = ["admin"]
            .iter()
            .chain(&SERVICES)
            .map(|n| environment(service(&compose, n)).get(var.as_str()).cloned())
            .collect();
        assert_eq!(
            values.len(),
            1,
            "{var} differs between components: {values:?}"
        );
    }
    let replicas = environment(service(&compose, "admin"))["JETCRAWL_REPLICAS"].clone();
    assert_eq!(replicas, "1", "one NATS node holds one replica");
    let k8s_database = k8s::database_config();
    for var in environment(service(&compose, "admin")).keys() {
        if var.starts_with("JETCRAWL_DATABASE_") {
            assert!(k8s_database.contains_key(var), "{var} is not in infra/k8s");
        }
    }
}

fn workspace_version() -> String {
    let manifest = read("Cargo.toml");
    let line = manifest
        .lines()
        .skip_while(|l| l.trim() != "[workspace.package]")
        .find(|l| l.starts_with("version"))
        .expect("workspace version");
    line.split('"').nth(1).expect("quoted version").to_owned()
}
