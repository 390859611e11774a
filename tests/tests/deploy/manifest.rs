//! Reading rendered objects: finding them, their pod templates, labels and environment.

use std::collections::BTreeMap;

use serde_json::Value;

/// The five long-running services, each a Deployment `jetcrawl-<name>`.
pub const SERVICES: [&str; 5] = ["gateway", "worker", "projector", "notifier", "reporter"];

pub type Labels = BTreeMap<String, String>;

pub fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

pub fn all<'a>(objects: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    objects.iter().filter(move |o| o["kind"] == kind)
}

pub fn deployment<'a>(objects: &'a [Value], service: &str) -> &'a Value {
    find(objects, "Deployment", &format!("jetcrawl-{service}"))
}

pub fn pod_spec(workload: &Value) -> &Value {
    &workload["spec"]["template"]["spec"]
}

pub fn pod_labels(workload: &Value) -> Labels {
    labels(&workload["spec"]["template"]["metadata"]["labels"])
}

pub fn labels(value: &Value) -> Labels {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn items(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// The environment a container sees: its ConfigMaps (`envFrom`) then its `env` values.
pub fn environment(objects: &[Value], container: &Value) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for source in items(&container["envFrom"]) {
        let name = source["configMapRef"]["name"]
            .as_str()
            .unwrap_or_else(|| panic!("envFrom only from ConfigMaps: {source}"));
        env.extend(labels(&find(objects, "ConfigMap", name)["data"]));
    }
    for var in items(&container["env"]) {
        if let Some(value) = var["value"].as_str() {
            env.insert(
                var["name"].as_str().unwrap_or_default().to_owned(),
                value.to_owned(),
            );
        }
    }
    env
}

/// Label selector semantics: `matchLabels` and `matchExpressions` (In, NotIn, Exists,
/// DoesNotExist) all hold. An empty selector selects everything.
pub fn selects(selector: &Value, labels: &Labels) -> bool {
    let match_labels = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str());
    let expressions = items(&selector["matchExpressions"]).iter().all(|e| {
        let value = labels.get(e["key"].as_str().unwrap_or_default());
        let listed = || {
            items(&e["values"])
                .iter()
                .any(|v| Some(v.as_str().unwrap_or_default()) == value.map(String::as_str))
        };
        match e["operator"].as_str() {
            Some("In") => listed(),
            Some("NotIn") => !listed(),
            Some("Exists") => value.is_some(),
            Some("DoesNotExist") => value.is_none(),
            other => panic!("unknown selector operator {other:?}"),
        }
    });
    match_labels && expressions
}

/// The container port a probe or Service names, by name or number.
pub fn resolve_port(container: &Value, port: &Value) -> Option<u64> {
    items(&container["ports"]).iter().find_map(|p| {
        let number = p["containerPort"].as_u64();
        let hit = match port {
            Value::String(name) => p["name"] == name.as_str(),
            Value::Number(n) => number == n.as_u64(),
            _ => false,
        };
        hit.then_some(number).flatten()
    })
}
