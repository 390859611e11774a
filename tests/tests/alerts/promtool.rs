//! promtool, from Debian's prometheus package, on the rules, their unit tests and the
//! example configuration. A missing promtool fails the test with the command that
//! installs it: these checks are what "the alerts work" rests on, never skipped.

use std::process::Command;

use jetcrawl_tests::workspace_root;

const INSTALL: &str = "bash scripts/setup-prometheus.sh";

/// Runs `promtool <args>` at the workspace's root and fails with its output unless it
/// succeeds.
fn promtool(args: &[&str]) {
    let output = match Command::new("promtool")
        .args(args)
        .current_dir(workspace_root())
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "promtool is not installed: run `{INSTALL}` (it installs Debian's prometheus \
             package, as root), then run this test again"
        ),
        Err(err) => panic!("cannot run promtool: {err}"),
    };
    assert!(
        output.status.success(),
        "`promtool {}` failed ({}):\n{}{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_rules_pass_promtool_check() {
    promtool(&["check", "rules", "infra/prometheus/alerts.yml"]);
}

#[test]
fn the_rules_pass_their_unit_tests() {
    promtool(&["test", "rules", "infra/prometheus/alerts_test.yml"]);
}

#[test]
fn the_example_configuration_passes_promtool_check() {
    promtool(&["check", "config", "infra/prometheus/prometheus.yml"]);
}
