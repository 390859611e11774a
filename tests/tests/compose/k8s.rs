//! The Kubernetes base (infra/k8s/base), read for what both deployments must agree on:
//! images, listen addresses, readiness endpoints and the secret paths.

use std::collections::BTreeMap;

use serde::Deserialize as _;
use serde_json::Value;

use crate::compose::file::read;

/// The container of the Deployment `jetcrawl-<service>`.
pub fn container(service: &str) -> Value {
    let text = read(&format!("infra/k8s/base/{service}.yaml"));
    let deployment = serde_norway::Deserializer::from_str(&text)
        .map(|doc| serde_json::Value::deserialize(doc).expect("a k8s object"))
        .find(|o| o["kind"] == "Deployment")
        .unwrap_or_else(|| panic!("infra/k8s/base/{service}.yaml has no Deployment"));
    deployment["spec"]["template"]["spec"]["containers"][0].clone()
}

/// The container's own `env` values (not its ConfigMaps).
pub fn env(container: &Value) -> BTreeMap<String, String> {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            Some((
                v["name"].as_str()?.to_owned(),
                v["value"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Path and port number of the readiness probe.
pub fn readiness(container: &Value) -> (String, u16) {
    let probe = &container["readinessProbe"]["httpGet"];
    let port = container["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == probe["port"] || p["containerPort"] == probe["port"])
        .and_then(|p| p["containerPort"].as_u64())
        .expect("the probe's port");
    let path = probe["path"].as_str().expect("probe path").to_owned();
    (path, u16::try_from(port).expect("a port"))
}

/// The ConfigMap `jetcrawl-database`: the variables every Postgres user reads.
pub fn database_config() -> BTreeMap<String, String> {
    let text = read("infra/k8s/base/config.yaml");
    serde_norway::Deserializer::from_str(&text)
        .map(|doc| serde_json::Value::deserialize(doc).expect("a k8s object"))
        .find(|o| o["metadata"]["name"] == "jetcrawl-database")
        .expect("ConfigMap jetcrawl-database")["data"]
        .as_object()
        .expect("data")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect()
}
