//! The bench's quick mode, shrunk further, end to end: every scenario runs against the
//! real stack and lands in both report files with a throughput and a baseline ratio.
//! No performance thresholds: this proves the tool works, not how fast things are.

use clap::Parser as _;
use jetcrawl_bench::BenchArgs;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_mode_reports_every_scenario_against_its_baseline() {
    jetcrawl_tests::init_test_tracing();
    let out = tempfile::tempdir().expect("temp dir");
    // Every size shrinks, the saturation window too: 1,000 submits in flight queue about
    // 2.5 s in this debug build on 2 cores, beyond the gateway's 2 s submit budget on a
    // slow hour, and an answer of "outcome unknown" would count as a failed request.
    let args = BenchArgs::parse_from([
        "jetcrawl-bench",
        "--quick",
        "--out",
        out.path().to_str().expect("utf-8 path"),
        "--clients",
        "4,20",
        "--submit-rate",
        "100",
        "--submit-secs",
        "1",
        "--raw-publishes",
        "2000",
        "--window",
        "300",
        "--projector-events",
        "3000",
        "--pages",
        "6",
        "--peer-pages",
        "6",
        "--tabs",
        "1",
        "--e2e-jobs",
        "4",
    ]);
    let report = jetcrawl_bench::run(&args.sizes())
        .await
        .expect("bench runs");
    let (json_path, md_path) = report.write(&args.out).expect("report written");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json report"))
            .expect("valid JSON");
    let markdown = std::fs::read_to_string(&md_path).expect("markdown report");
    assert!(
        json["machine"]["cores"].as_u64().unwrap_or(0) >= 1,
        "{json}"
    );
    assert!(markdown.contains("## Machine"), "{markdown}");

    let scenarios = json["scenarios"].as_array().expect("scenarios");
    let ids: Vec<&str> = scenarios.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "submit",
            "durability",
            "cluster",
            "projector",
            "workers",
            "e2e",
            "peers"
        ]
    );
    for scenario in scenarios {
        let id = scenario["id"].as_str().unwrap_or_default();
        assert!(
            markdown.contains(&format!("## {id}")),
            "{id} missing from the markdown"
        );
        let rows = scenario["rows"].as_array().expect("rows");
        let compared: Vec<&serde_json::Value> =
            rows.iter().filter(|r| !r["baseline"].is_null()).collect();
        assert!(
            !compared.is_empty(),
            "{id} has no row with a baseline: {scenario}"
        );
        for row in compared {
            let ratio = row["ratio"].as_f64().unwrap_or(0.0);
            assert!(
                ratio > 0.0,
                "{id}: {} has no ratio to its baseline: {row}",
                row["key"]
            );
            let throughput = row["median"]["throughput_per_s"].as_f64().unwrap_or(0.0);
            assert!(throughput > 0.0, "{id}: {} did no work: {row}", row["key"]);
        }
    }
    assert_cluster_beside_single_node(scenarios, &markdown);
    assert_peers_beside_the_platform(scenarios);
    let errors: f64 = scenarios
        .iter()
        .flat_map(|s| s["rows"].as_array().into_iter().flatten())
        .filter_map(|r| r["median"]["errors"].as_f64())
        .sum();
    assert_eq!(errors, 0.0, "requests failed: {json}");
    let workers = scenarios
        .iter()
        .find(|s| s["id"] == "workers")
        .expect("workers scenario");
    let http = workers["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["key"] == "workers.http")
        .expect("the worker's http row");
    assert_eq!(http["baseline"], "workers.floor", "{http}");
    for goal in [
        "Submit ACK p99 < 50 ms with 200 calls in flight",
        "Worker http >= 0.5 x the event-sourced floor",
        "Projector, jobs projection",
        "Projector, all projections",
        "Projector live lag",
    ] {
        assert!(markdown.contains(goal), "target {goal} missing: {markdown}");
    }

    // `--render` writes the same report from the JSON alone.
    let reread = jetcrawl_bench::report::Report::reread(&json_path).expect("the report reads back");
    let again = tempfile::tempdir().expect("temp dir");
    let (_, md_again) = reread.write(again.path()).expect("report written again");
    assert_eq!(
        std::fs::read_to_string(md_again).expect("markdown written again"),
        markdown,
        "the rendered report differs from the measured one"
    );
}

/// The cluster scenario ran the submit path and the worker on the R3 cluster with no
/// error, and the report sets them beside the single-node rows of the same run.
fn assert_cluster_beside_single_node(scenarios: &[serde_json::Value], markdown: &str) {
    let cluster = scenarios
        .iter()
        .find(|s| s["id"] == "cluster")
        .expect("cluster scenario");
    let rows = cluster["rows"].as_array().expect("cluster rows");
    let keys: Vec<&str> = rows.iter().filter_map(|r| r["key"].as_str()).collect();
    for key in [
        "r3.raw_publish",
        "r3.submit.c20",
        "r3.submit_sat.c20",
        "r3.topology.worker_http",
        "sync.topology.worker_http",
    ] {
        assert!(keys.contains(&key), "cluster has no {key} row: {keys:?}");
    }
    // The raw publish ceiling stops the run at its first error instead of counting.
    for row in rows.iter().filter(|r| r["key"] != "r3.raw_publish") {
        assert_eq!(
            row["median"]["errors"].as_f64(),
            Some(0.0),
            "errors on the cluster: {row}"
        );
    }
    let table = markdown
        .split("### Durability per topology")
        .nth(1)
        .expect("the per-topology table");
    assert!(
        table.contains("| SubmitJob, 20 clients, 300 in flight | throughput_per_s |"),
        "{table}"
    );
    assert!(
        !table.contains("not run"),
        "a deployment is missing: {table}"
    );
}

/// Crawlee ran in browser and http mode, read every page's content (a page read without
/// it counts as an error), and each Jetcrawl row carries pages/s against it and the
/// whole platform's PSS against Crawlee's.
fn assert_peers_beside_the_platform(scenarios: &[serde_json::Value]) {
    let peers = scenarios
        .iter()
        .find(|s| s["id"] == "peers")
        .expect("peers scenario");
    let rows = peers["rows"].as_array().expect("peers rows");
    let row = |key: &str| {
        rows.iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("peers has no {key} row: {rows:?}"))
    };
    for side in ["browser.t1", "http"] {
        let crawlee = row(&format!("peers.crawlee_{side}"));
        assert!(
            crawlee["median"]["peak_pss_mib"].as_f64().unwrap_or(0.0) > 10.0,
            "no PSS measured for Crawlee: {crawlee}"
        );
        let ours = row(&format!("peers.jetcrawl_{side}"));
        assert_eq!(
            ours["baseline"].as_str(),
            Some(format!("peers.crawlee_{side}").as_str()),
            "{ours}"
        );
        assert!(
            ours["median"]["pss_vs_peer"].as_f64().unwrap_or(0.0) > 0.0,
            "no PSS ratio: {ours}"
        );
    }
}
