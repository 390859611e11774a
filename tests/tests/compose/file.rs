//! compose.yaml read as Compose reads it (variables take their defaults, anchors and `<<`
//! merge keys resolved), and what each service declares: environment, secrets, mounts,
//! networks, ports and its health check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use jetcrawl_tests::workspace_root;
use serde_json::Value;

/// The five long-running services, each the binary `jetcrawl-<name>`.
pub const SERVICES: [&str; 5] = ["gateway", "worker", "projector", "notifier", "reporter"];

pub fn compose_dir() -> PathBuf {
    workspace_root().join("infra/compose")
}

/// A file of the workspace, by its path from the root.
pub fn read(path: &str) -> String {
    std::fs::read_to_string(workspace_root().join(path))
        .unwrap_or_else(|err| panic!("reading {path}: {err}"))
}

/// The compose file, as the `docker compose` of a fresh checkout (no `.env`) sees it.
pub fn load() -> Value {
    let mut yaml: serde_norway::Value =
        serde_norway::from_str(&read("infra/compose/compose.yaml")).expect("compose.yaml is YAML");
    yaml.apply_merge().expect("compose.yaml's merge keys");
    let mut compose = serde_json::to_value(yaml).expect("compose.yaml as JSON");
    interpolate_all(&mut compose);
    compose
}

fn interpolate_all(value: &mut Value) {
    match value {
        Value::String(text) => *text = interpolate(text),
        Value::Array(items) => items.iter_mut().for_each(interpolate_all),
        Value::Object(map) => map.values_mut().for_each(interpolate_all),
        _ => {}
    }
}

/// Replaces `${NAME:-default}` with its default and `$$` with `$`, as Compose does in
/// values. Any other `$` needs a variable that a first `up` does not have: it fails.
pub fn interpolate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$$") {
            out.push('$');
            rest = after;
            continue;
        }
        let line = tail.lines().next().unwrap_or_default();
        let (body, after) = tail
            .strip_prefix("${")
            .and_then(|t| t.split_once('}'))
            .unwrap_or_else(|| panic!("compose.yaml: `{line}`: write ${{NAME:-default}} or $$"));
        let (_, default) = body
            .split_once(":-")
            .unwrap_or_else(|| panic!("compose.yaml: `{line}` has no default"));
        out.push_str(default);
        rest = after;
    }
    out.push_str(rest);
    out
}

pub fn service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    let found = &compose["services"][name];
    assert!(found.is_object(), "compose.yaml has no service {name}");
    found
}

/// Services started by a plain `up` (no profile).
pub fn default_services(compose: &Value) -> Vec<(&str, &Value)> {
    services(compose)
        .filter(|(_, s)| s.get("profiles").is_none())
        .collect()
}

pub fn services(compose: &Value) -> impl Iterator<Item = (&str, &Value)> {
    compose["services"]
        .as_object()
        .expect("services")
        .iter()
        .map(|(k, v)| (k.as_str(), v))
}

pub fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The environment map (the list form `- NAME=value` is not used in the file).
pub fn environment(service: &Value) -> BTreeMap<String, String> {
    let Some(env) = service.get("environment") else {
        return BTreeMap::new();
    };
    env.as_object()
        .unwrap_or_else(|| panic!("environment as a map: {env}"))
        .iter()
        .map(|(k, v)| {
            let value = v
                .as_str()
                .unwrap_or_else(|| panic!("{k} is not quoted: {v}"));
            (k.clone(), value.to_owned())
        })
        .collect()
}

/// Where each secret a service mounts appears in its container: secret name by path.
pub fn secret_mounts(service: &Value) -> BTreeMap<String, String> {
    let mut mounts = BTreeMap::new();
    for entry in service["secrets"].as_array().into_iter().flatten() {
        let (source, target) = match entry {
            Value::String(name) => (name.as_str(), name.as_str()),
            _ => {
                let source = entry["source"].as_str().expect("secret source");
                (source, entry["target"].as_str().unwrap_or(source))
            }
        };
        let path = if target.starts_with('/') {
            target.to_owned()
        } else {
            format!("/run/secrets/{target}")
        };
        mounts.insert(path, source.to_owned());
    }
    mounts
}

/// A `source:target[:mode]` mount: a named volume or a path beside compose.yaml.
pub struct Mount {
    pub source: String,
    pub target: String,
    pub named: bool,
}

pub fn mounts(service: &Value) -> Vec<Mount> {
    strings(&service["volumes"])
        .into_iter()
        .map(|spec| {
            let mut parts = spec.split(':');
            let source = parts.next().unwrap_or_default().to_owned();
            let target = parts.next().unwrap_or_else(|| panic!("{spec}")).to_owned();
            let named = !source.starts_with('.') && !source.starts_with('/');
            Mount {
                source,
                target,
                named,
            }
        })
        .collect()
}

pub fn networks(service: &Value) -> BTreeSet<String> {
    strings(&service["networks"])
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The port of a `host:port` address.
pub fn port_of(addr: &str) -> u16 {
    let (_, port) = addr
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("{addr} has no port"));
    port.parse().unwrap_or_else(|_| panic!("{addr}: bad port"))
}

/// What a health check asks: port, path, and whether over TLS.
#[derive(Debug, PartialEq)]
pub struct Probe {
    pub port: u16,
    pub path: String,
    pub tls: bool,
}

/// Reads the three forms the file uses: an `http://127.0.0.1:<port><path>` URL, bash's
/// `/dev/tcp/127.0.0.1/<port>` and `openssl s_client -connect 127.0.0.1:<port>`, the
/// last two with a `GET <path>` request line.
pub fn probe(service: &Value) -> Probe {
    let test = strings(&service["healthcheck"]["test"]);
    assert_eq!(test.first(), Some(&"CMD"), "an exec-form check: {test:?}");
    let command = test[1..].join(" ");
    let digits = |s: &str| -> u16 {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end]
            .parse()
            .unwrap_or_else(|_| panic!("no port in {command}"))
    };
    if let Some((_, url)) = command.split_once("http://127.0.0.1:") {
        let port = digits(url);
        let path = url[port.to_string().len()..]
            .split(' ')
            .next()
            .unwrap_or("");
        return Probe {
            port,
            path: path.to_owned(),
            tls: false,
        };
    }
    let (port, tls) = match command.split_once("/dev/tcp/127.0.0.1/") {
        Some((_, rest)) => (digits(rest), false),
        None => {
            let (_, rest) = command
                .split_once("-connect 127.0.0.1:")
                .unwrap_or_else(|| panic!("no address in the health check {command}"));
            (digits(rest), true)
        }
    };
    let (_, request) = command
        .split_once("GET ")
        .unwrap_or_else(|| panic!("no request in {command}"));
    let path = request.split(' ').next().unwrap_or_default().to_owned();
    assert!(command.contains("' 200 '"), "{command} must want a 200");
    Probe { port, path, tls }
}
