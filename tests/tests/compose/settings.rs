//! Whether a container's `JETCRAWL_*` variables are ones its program reads: for the five
//! services, their own clap commands, which also parse each value; for `jetcrawl` (the
//! admin step and the `cli` service), the variables its source declares.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use clap::{Args, Command, CommandFactory};
use jetcrawl_gateway::GatewayConfig;
use jetcrawl_notifier::NotifierConfig;
use jetcrawl_projector::ProjectorConfig;
use jetcrawl_reporter::ReporterConfig;
use jetcrawl_telemetry::MetricsArgs;
use jetcrawl_worker::WorkerConfig;

use jetcrawl_tests::workspace_root;

/// The command line of `jetcrawl-<service>`, as its `main.rs` builds it.
pub fn command(service: &str) -> Command {
    match service {
        "gateway" => GatewayConfig::command(),
        "worker" => WorkerConfig::command(),
        "notifier" => NotifierConfig::command(),
        "reporter" => ReporterConfig::command(),
        // services/projector/src/main.rs flattens these two.
        "projector" => {
            MetricsArgs::augment_args(ProjectorConfig::augment_args(Command::new("projector")))
        }
        other => panic!("no service {other}"),
    }
}

/// Parses `env` with `service`'s command as if it came from the environment: an unknown
/// name or a value the service would refuse fails, with clap's message.
pub fn check_service(service: &str, env: &BTreeMap<String, String>) {
    let logging = logging_variables();
    let command = command(service);
    let mut argv = vec![format!("jetcrawl-{service}")];
    for (name, value) in env {
        if logging.contains(name) {
            continue;
        }
        let arg = command
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == name.as_str()))
            .unwrap_or_else(|| panic!("{service}: jetcrawl-{service} does not read {name}"));
        let long = arg.get_long().expect("every setting has a long flag");
        if arg.get_action().takes_values() {
            argv.push(format!("--{long}={value}"));
        } else if value == "true" {
            argv.push(format!("--{long}"));
        }
    }
    if let Err(err) = command.try_get_matches_from(&argv) {
        panic!("{service}: its environment does not parse:\n{err}");
    }
}

/// Variables the `jetcrawl` CLI reads: its own declarations, and those of the shared
/// settings it flattens from the libraries (the ones its source names).
pub fn cli_variables() -> BTreeSet<String> {
    let source = rust_sources(&workspace_root().join("services/cli/src"));
    let mut names = declared(&source, "env = \"");
    let shared = [
        (
            "NatsArgs",
            jetcrawl_streams::NatsArgs::augment_args as fn(Command) -> Command,
        ),
        ("TopologyArgs", jetcrawl_streams::TopologyArgs::augment_args),
        (
            "DatabaseArgs",
            jetcrawl_projections::DatabaseArgs::augment_args,
        ),
    ];
    for (name, augment) in shared {
        if !source.contains(name) {
            continue;
        }
        let command = augment(Command::new(name));
        names.extend(
            command
                .get_arguments()
                .filter_map(|a| a.get_env())
                .map(|e| e.to_string_lossy().into_owned()),
        );
    }
    names
}

/// The settings every component verifies the JetStream topology against (ADR 29).
pub fn topology_variables() -> BTreeSet<String> {
    jetcrawl_streams::TopologyArgs::augment_args(Command::new("topology"))
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect()
}

/// Read by every service's logging set-up (`std::env::var`), not by clap.
fn logging_variables() -> BTreeSet<String> {
    let source = rust_sources(&workspace_root().join("services/telemetry/src"));
    declared(&source, "env::var(\"")
}

/// Every `NAME` written as `<prefix>NAME"` in `source`.
fn declared(source: &str, prefix: &str) -> BTreeSet<String> {
    let names: BTreeSet<String> = source
        .split(prefix)
        .skip(1)
        .filter_map(|piece| piece.split_once('"'))
        .map(|(name, _)| name.to_owned())
        .collect();
    assert!(!names.is_empty(), "no {prefix}…\" in the sources");
    names
}

/// The Rust files under `dir`, concatenated.
fn rust_sources(dir: &Path) -> String {
    let mut text = String::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("a source directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                text.push_str(&std::fs::read_to_string(&path).expect("a source file"));
            }
        }
    }
    text
}
