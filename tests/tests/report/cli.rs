//! `jetcrawl report` against the real gateway, as an auditor runs it.

/// `jetcrawl report`, as an auditor would run it.
pub fn check_cli(grpc_url: &str, key: &str, month: &str) {
    let bin = jetcrawl_tests::target_dir::binary_path(jetcrawl_tests::stack::CLI_BIN)
        .expect("cli binary");
    let run = |month: &str| {
        std::process::Command::new(&bin)
            .args(["--gateway", grpc_url, "--api-key", key, "--output", "json"])
            .args(["report", "--month", month, "--all-tenants"])
            .output()
            .expect("cli runs")
    };
    let out = run(month);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["month"], month);
    assert_eq!(json["revision"], 2);
    assert_eq!(json["generated"], false);
    assert_eq!(json["scope"], "all");
    assert!(
        json["html"]["url"]
            .as_str()
            .expect("html url in the CLI output")
            .contains("/reports/"),
        "{json}"
    );
    let bad = run("10-2026");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("InvalidArgument") && stderr.contains("month"),
        "{stderr}"
    );
}
