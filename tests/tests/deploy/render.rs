//! Rendering the overlays and validating the objects with the tools of
//! `scripts/setup-kube-tools.sh`: kubernetes-validate (which bundles the Kubernetes
//! schemas, so nothing is fetched) and jsonschema, in the venv under `.jetcrawl/tools`.

use std::path::{Path, PathBuf};
use std::process::Command;

use jetcrawl_tests::workspace_root;
use serde_json::Value;

/// The overlays an operator applies, each with its namespace.
pub const OVERLAYS: [(&str, &str); 3] = [
    ("dev", "jetcrawl-dev"),
    ("staging", "jetcrawl-staging"),
    ("prod", "jetcrawl-prod"),
];

/// The oldest Kubernetes the manifests support (sidecar-free probes, `preStop.sleep`,
/// `matchLabelKeys`), and the newest kubernetes-validate knows.
pub const KUBERNETES_VERSIONS: [&str; 2] = ["1.30.0", "1.37.0"];

/// Custom resources and the schema the project wrote for each (infra/k8s/schemas).
pub const CUSTOM_RESOURCES: [(&str, &str, &str); 2] = [
    ("keda.sh/v1alpha1", "ScaledObject", "keda-scaledobject.json"),
    ("postgresql.cnpg.io/v1", "Cluster", "cnpg-cluster.json"),
];

const INSTALL: &str = "bash scripts/setup-kube-tools.sh";

pub fn k8s_dir() -> PathBuf {
    workspace_root().join("infra/k8s")
}

fn venv_bin(name: &str) -> PathBuf {
    let path = workspace_root().join(".jetcrawl/tools/venv/bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `{INSTALL}` (installs kubernetes-validate and jsonschema into \
         .jetcrawl/tools/venv)",
        path.display()
    );
    path
}

/// Runs `command` and returns its stdout, panicking with everything it printed if it fails.
fn run(mut command: Command, what: &str) -> String {
    let output = command
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|err| panic!("{what}: cannot run {command:?}: {err} ({INSTALL})"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

/// The objects `kubectl apply -k infra/k8s/overlays/<overlay>` would send, rendered by
/// infra/k8s/render.py (the subset of kustomize the overlays use).
pub fn render(overlay: &str) -> Vec<Value> {
    let mut command = Command::new(venv_bin("python"));
    command
        .arg(k8s_dir().join("render.py"))
        .arg(k8s_dir().join("overlays").join(overlay));
    let json = run(command, &format!("rendering overlay {overlay}"));
    serde_json::from_str(&json).expect("render.py prints a JSON array")
}

/// A YAML file of the project read through PyYAML, as JSON.
pub fn load_yaml(path: &Path) -> Value {
    let mut command = Command::new(venv_bin("python"));
    command.args([
        "-c",
        "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
    ]);
    command.arg(path);
    let json = run(command, &format!("reading {}", path.display()));
    serde_json::from_str(&json).expect("JSON from PyYAML")
}

fn is_custom(object: &Value) -> Option<&'static str> {
    CUSTOM_RESOURCES
        .iter()
        .find(|(api, kind, _)| object["apiVersion"] == *api && object["kind"] == *kind)
        .map(|(_, _, schema)| *schema)
}

/// Validates built-in kinds with kubernetes-validate (strict: unknown fields fail) at
/// each supported version, and custom resources with the project's schemas. An object
/// of a kind neither knows fails too.
pub fn validate(overlay: &str, objects: &[Value], dir: &Path) {
    let (custom, builtin): (Vec<&Value>, Vec<&Value>) =
        objects.iter().partition(|o| is_custom(o).is_some());

    let stream: Vec<String> = builtin.iter().map(|o| o.to_string()).collect();
    let file = dir.join(format!("{overlay}-builtin.yaml"));
    std::fs::write(&file, stream.join("\n---\n")).expect("write the rendered objects");
    for version in KUBERNETES_VERSIONS {
        let mut command = Command::new(venv_bin("kubernetes-validate"));
        command
            .args(["--strict", "--kubernetes-version", version])
            .arg(&file);
        let out = run(
            command,
            &format!("kubernetes-validate {overlay} at {version}"),
        );
        assert!(
            !out.contains("Couldn't find schema"),
            "{overlay}: a kind kubernetes-validate {version} does not know and no project \
             schema covers:\n{out}"
        );
        let passed = out.matches(" passed for resource ").count();
        assert_eq!(passed, builtin.len(), "{overlay} at {version}:\n{out}");
    }

    for object in custom {
        let schema = is_custom(object).expect("partitioned on it");
        let name = object["metadata"]["name"].as_str().unwrap_or("?");
        let instance = dir.join(format!("{overlay}-{name}.json"));
        std::fs::write(&instance, object.to_string()).expect("write the custom resource");
        let mut command = Command::new(venv_bin("python"));
        command
            .args(["-c", CHECK_SCHEMA])
            .arg(k8s_dir().join("schemas").join(schema))
            .arg(&instance);
        run(
            command,
            &format!("{overlay}: {} {name} against {schema}", object["kind"]),
        );
    }
}

/// Checks the schema itself, then the instance, printing every error.
const CHECK_SCHEMA: &str = r#"
import json, sys
from jsonschema import Draft202012Validator as V
schema = json.load(open(sys.argv[1]))
V.check_schema(schema)
errors = list(V(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors:
    print("/".join(map(str, e.absolute_path)) + ": " + e.message, file=sys.stderr)
sys.exit(1 if errors else 0)
"#;
