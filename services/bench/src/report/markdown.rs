//! The Markdown rendering of a report.

use std::fmt::Write as _;

use super::{Report, Row, Scenario};

/// Column order; metrics not listed come after, alphabetically.
const ORDER: &[&str] = &[
    "clients",
    "tabs",
    "concurrency",
    "count",
    "offered_per_s",
    "throughput_per_s",
    "seconds",
    "p50_ms",
    "p99_ms",
    "p999_ms",
    "lag_p50_ms",
    "lag_p99_ms",
    "errors",
    "cpu_cores",
    "peak_rss_mib",
    "peak_pss_mib",
    "pss_vs_peer",
];

/// What each scenario measures and against what.
fn intro(id: &str) -> &'static str {
    match id {
        "submit" => {
            "N concurrent gRPC clients (one HTTP/2 connection each) submit through the \
             gateway process, on a single node with the default sync interval: the reference \
             the durability and cluster scenarios compare with. We ship neither this node \
             nor its figures (ADR 29), so the submit targets are checked on those two. `submit.cN` rows run an open model at the offered rate: latency \
             counts from each request's *intended* send time, so a stall is charged to every \
             request scheduled behind it (no coordinated omission); their ratio compares p99 \
             with raw publishes at the same rate. `submit_sat.cN` rows keep a window of requests \
             in flight (the sizes line says how many) for the throughput ceiling, \
             compared with raw async-nats publishes of the messages a submit writes: the \
             job's subject key (a KV create in `SUBJECT_KEYS`) and its `JobSubmitted` (same \
             payload and headers, same stream), both in flight together, with as many \
             messages outstanding as that window. The \
             `submit_200.cN` row keeps 200 calls in flight over the most clients that share \
             them, a batch submitter's burst; its p99 is the issue's < 50 ms goal, and its \
             ratio compares it with raw publishes of the same messages, 200 jobs in flight \
             on one connection (`raw_200`). CPU and \
             RSS are the gateway process's, from /proc."
        }
        "durability" => {
            "The submit scenario again against a nats-server with `jetstream { \
             sync_interval: always }`: every acknowledged publish is fsynced. Baselines are raw \
             publishes to that same server."
        }
        "cluster" => {
            "ADR 29's cluster: three nodes on loopback (one zone each), every stream and bucket \
             R3, default sync interval; the services run with `JETCRAWL_REPLICAS=3`. The \
             submit rows repeat the submit scenario against it, with raw publishes to the \
             cluster as baselines. The worker rows run the worker in http mode over the same \
             pages on a fresh single node (default sync), a single node with `sync_interval: \
             always`, and the cluster, compared with the first. All three nodes share this \
             machine's cores and disk, so replication costs CPU here that separate machines \
             would spread."
        }
        "projector" => {
            "The projector binary (default batch 2,000 / 50 ms, one Postgres connection per \
             projection) \
             replays a JOBS stream of pre-published events into fresh tables. Baseline: the \
             same `job_events` and final `jobs` rows written with batched sqlx \
             `INSERT … SELECT FROM UNNEST` (10,000 rows per statement), no NATS. The live row \
             publishes at a steady rate after the replay; lag is from the publish ack to the \
             checkpoint covering it."
        }
        "workers" => {
            "The worker binary runs pre-queued jobs over fixture pages (half static, half \
             rendered by JavaScript, served on loopback), on a single node with \
             `sync_interval: always`, as `jetcrawl up` ships it (ADR 29). Page time is the worker's own \
             `duration_ms`, which includes waiting for a free tab while jobs queue; \
             pages/s counts from the first JobStarted to the last JobSucceeded and is the \
             figure compared. RSS is the peak of the worker plus its Chromium processes. \
             Baselines: a bare headless_chrome loop (`navigate_to` + one `evaluate` that \
             waits for the content) over the same pages with the same concurrency; auto's \
             baseline is reqwest for the static half plus the browser for the JavaScript \
             half. http mode is compared with the event-sourced floor: the worker's own \
             JetStream steps for each job (admission in KV, JobStarted, the cancel watch, \
             the result in the object store, the grant's release, JobSucceeded, the ack), \
             pipelined at the same concurrency, with no fetch; the bare reqwest loop stays \
             beside it as the ceiling of a crawler with no event log. The `*_mean_ms` \
             columns are the worker's own phase times, where the gap to the floor goes."
        }
        "e2e" => {
            "Submit over gRPC at a steady rate → JobSucceeded (the result is in the RESULTS \
             store), through gateway and worker processes, on the shipped single node \
             (`sync_interval: always`). The ratio compares p50 with the \
             bare loop's page time for the same mode."
        }
        "peers" => {
            "Jetcrawl against Crawlee 3.18 on the same fixture pages, the same Chromium and \
             the same machine, each side written as its user would: Crawlee's \
             `PlaywrightCrawler` waits for the content a script adds (`waitForSelector`), \
             Jetcrawl's browser mode runs with its default settle; in http mode, \
             `CheerioCrawler` against Jetcrawl's http mode on static pages, as many as the \
             worker scenario has pages (the browser rows' static half takes about a second \
             in http mode, too short for a steady rate). Jetcrawl is the \
             whole platform as `jetcrawl up` runs it: a fresh nats-server with `sync_interval: \
             always` (ADR 29) and database, the gateway, projector, \
             notifier and worker binaries, every job submitted over gRPC; in browser mode \
             the worker keeps its default concurrency, as under `jetcrawl up` (its tabs \
             bound the pages at once; other jobs meanwhile write their events), in http mode \
             it runs as many jobs at once as Crawlee. Pages/s counts from \
             the first page started to the last one finished on both sides (Crawlee's own \
             start-up and browser launch excluded, like the platform's). Memory is peak PSS \
             summed over every process: Node and its Chromium for Crawlee; nats-server, \
             Postgres, every service and Chromium for Jetcrawl. `pss_vs_peer` is the \
             platform's peak PSS over Crawlee's in the same repeat. Crawlee's errors count \
             failed requests and pages read without their content."
        }
        "agent" => {
            "Run only when named (`--only agent`; the model comes from \
             `scripts/setup-llm.sh`). Agent jobs on the worker's agent browser (Chromium, the \
             egress policy, robots.txt through the crawl controller) with the real local \
             model, Qwen2.5-Coder-1.5B Q4_K_M under llama-server on the machine's cores, \
             one per shop goal from `/shop/kettle`: the page as it is, a value shown after a \
             click, a value on a linked page. `model_seconds` is the model's own time from \
             llama-server's timings, and `prompt_tokens_read` the prompt tokens it \
             actually read (the rest of `prompt_tokens`, which the endpoint bills, came from \
             its cache of the conversation so far). Baseline: the model alone, one \
             completion of a first-turn-sized prompt with no browser, which gives the \
             model's own tokens/s; the ratio compares `model_share`, the model's seconds \
             over the wall time, so what falls short of 1 is what the browser and the loop \
             add."
        }
        _ => "",
    }
}

/// The whole report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let _ = writeln!(out, "# Jetcrawl benchmarks\n");
    let _ = writeln!(
        out,
        "Generated by `jetcrawl-bench` ({} preset, {} repeat(s), medians shown) on {} in {:.0} s.\n",
        report.preset, report.repeats, report.started_at, report.wall_seconds
    );
    let _ = writeln!(out, "## Machine\n\n| | |\n|---|---|");
    for (k, v) in [
        ("host", m.hostname.clone()),
        ("CPU", m.cpu_model.clone()),
        ("cores", m.cores.to_string()),
        ("memory", format!("{} GiB", m.memory_gib)),
        ("kernel", m.kernel.clone()),
        ("load average at start", m.load_average.clone()),
        ("nats-server", m.nats_server.clone()),
        ("postgres", m.postgres.clone()),
        ("chromium", m.chromium.clone()),
        ("rustc", m.rustc.clone()),
    ] {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    let _ = writeln!(out, "\nSizes: {}.\n", report.sizes.join("; "));
    let _ = writeln!(
        out,
        "The load generator, the services, nats-server, Postgres and Chromium share the \
         machine, which other builds and tests may also be using: absolute figures are \
         noisy, so every row is compared with a baseline measured in the same repeat, and the \
         ratio is the median of the per-repeat ratios.\n"
    );
    render_targets(&mut out, report);
    for scenario in &report.scenarios {
        render_scenario(&mut out, report, scenario);
    }
    render_durability_cost(&mut out, report);
    super::topology::render(&mut out, report);
    out
}

fn render_targets(out: &mut String, report: &Report) {
    if report.targets.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Targets\n\n| target | measured | met |\n|---|---|---|"
    );
    for t in &report.targets {
        let met = if t.met { "yes" } else { "no" };
        let _ = writeln!(out, "| {} | {} | {met} |", t.goal, t.measured);
    }
    let _ = writeln!(out);
}

fn render_scenario(out: &mut String, report: &Report, scenario: &Scenario) {
    let _ = writeln!(out, "## {}\n\n{}\n", scenario.id, intro(&scenario.id));
    let mut columns: Vec<String> = scenario
        .rows
        .iter()
        .flat_map(|r| r.median.keys().cloned())
        .collect();
    columns.sort_by_key(|c| {
        (
            ORDER.iter().position(|o| o == c).unwrap_or(ORDER.len()),
            c.clone(),
        )
    });
    columns.dedup();
    let _ = writeln!(out, "| row | {} | vs baseline |", columns.join(" | "));
    let _ = writeln!(out, "|---|{}---|", "---|".repeat(columns.len()));
    for row in &scenario.rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| row.median.get(c).map_or_else(String::new, |v| number(*v)))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            row.label,
            cells.join(" | "),
            versus(report, row)
        );
    }
    let _ = writeln!(out);
}

fn versus(report: &Report, row: &Row) -> String {
    let Some(base) = row.baseline.as_deref() else {
        // A row nothing is compared with stands alone (the burst phase, say).
        let is_baseline = report
            .scenarios
            .iter()
            .flat_map(|s| &s.rows)
            .any(|r| r.baseline.as_deref() == Some(row.key.as_str()));
        return if is_baseline { "baseline" } else { "" }.to_owned();
    };
    let Some(ratio) = row.ratio else {
        return format!("({base} not measured in this run)");
    };
    let label = report.row(base).map_or(base, |b| b.label.as_str());
    format!("{ratio:.2} x {} of {label}", row.ratio_metric)
}

fn render_durability_cost(out: &mut String, report: &Report) {
    let Some(sync) = report.scenarios.iter().find(|s| s.id == "durability") else {
        return;
    };
    let _ = writeln!(
        out,
        "### What `sync_interval: always` costs\n\n| row | default | always | always / default |\n|---|---|---|---|"
    );
    for row in &sync.rows {
        let Some(default) = report.row(row.key.trim_start_matches("sync.")) else {
            continue;
        };
        for metric in ["throughput_per_s", "p50_ms", "p99_ms"] {
            let (a, b) = (default.get(metric), row.get(metric));
            if a > 0.0 && b > 0.0 {
                let _ = writeln!(
                    out,
                    "| {} {metric} | {} | {} | {:.2} |",
                    default.label,
                    number(a),
                    number(b),
                    b / a
                );
            }
        }
    }
    let _ = writeln!(out);
}

pub(super) fn number(v: f64) -> String {
    if (v.fract() == 0.0 && v.abs() < 1e12) || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}
