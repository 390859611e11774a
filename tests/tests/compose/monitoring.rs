//! The Prometheus of the `monitoring` profile scrapes every service where it serves
//! /metrics, under the job names of infra/prometheus/prometheus.yml (which the alerts and
//! dashboards use), and verifies the gateway's certificate with the compose CA.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::compose::file::{
    SERVICES, compose_dir, environment, load, mounts, port_of, read, secret_mounts, service,
};

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).expect("YAML")
}

fn job_names(config: &Value) -> BTreeSet<String> {
    config["scrape_configs"]
        .as_array()
        .expect("scrape_configs")
        .iter()
        .map(|j| j["job_name"].as_str().expect("job_name").to_owned())
        .collect()
}

#[test]
fn prometheus_scrapes_every_service_where_it_listens() {
    let compose = load();
    let prometheus = service(&compose, "prometheus");
    let mounted = mounts(prometheus);
    let config_mount = mounted
        .iter()
        .find(|m| m.target == "/etc/prometheus/prometheus.yml")
        .expect("prometheus.yml mounted");
    let config = yaml(&std::fs::read_to_string(compose_dir().join(&config_mount.source)).unwrap());
    let example = yaml(&read("infra/prometheus/prometheus.yml"));
    assert_eq!(
        job_names(&config),
        job_names(&example),
        "job names as in infra/prometheus"
    );
    for rule_file in config["rule_files"].as_array().expect("rule_files") {
        let target = format!("/etc/prometheus/{}", rule_file.as_str().unwrap());
        let mount = mounted
            .iter()
            .find(|m| m.target == target)
            .expect("rules mounted");
        assert_eq!(
            mount.source, "../prometheus/alerts.yml",
            "the tested alert rules"
        );
    }
    for name in SERVICES {
        let job = config["scrape_configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["job_name"] == format!("jetcrawl-{name}"))
            .unwrap_or_else(|| panic!("no job for {name}"));
        let sd = &job["dns_sd_configs"][0];
        assert_eq!(sd["names"][0], name, "{name}: every replica by DNS");
        let env = environment(service(&compose, name));
        let var = if name == "gateway" {
            "JETCRAWL_HTTP_ADDR"
        } else {
            "JETCRAWL_METRICS_ADDR"
        };
        assert_eq!(
            sd["port"].as_u64(),
            Some(u64::from(port_of(&env[var]))),
            "{name}"
        );
        if env.contains_key("JETCRAWL_TLS_CERT") {
            assert_eq!(job["scheme"], "https", "{name} serves TLS");
            let ca = job["tls_config"]["ca_file"].as_str().expect("ca_file");
            assert_eq!(
                secret_mounts(prometheus).get(ca).map(String::as_str),
                Some("gateway_ca")
            );
        }
    }
}

/// promtool (Debian's prometheus package, as tests/tests/alerts uses) accepts the
/// configuration with the rules beside it, as the container mounts them.
#[test]
fn promtool_accepts_the_compose_configuration() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::copy(
        compose_dir().join("prometheus.yml"),
        dir.path().join("prometheus.yml"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("alerts.yml"),
        read("infra/prometheus/alerts.yml"),
    )
    .expect("copy");
    let output = std::process::Command::new("promtool")
        .args(["check", "config", "prometheus.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|err| {
            panic!("cannot run promtool ({err}): run `bash scripts/setup-prometheus.sh`")
        });
    assert!(
        output.status.success(),
        "promtool check config:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
