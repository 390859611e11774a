//! The fault suite's long form: rolling faults for `--minutes` (10 by default), half on
//! one node and half on a 3-node R3 cluster, then the per-scenario totals written into
//! docs/reliability.md (between the `long-run` markers).
//!
//! ```sh
//! cargo run --release --example faults -- --long [--minutes 10] [--out docs/reliability.md]
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use jetcrawl_tests::faults::{FaultPlatform, Pace, ScenarioReport, Verdict, rounds};

const START: &str = "<!-- long-run:start -->";
const END: &str = "<!-- long-run:end -->";

#[derive(Default)]
struct Total {
    rounds: u32,
    verdict: Verdict,
    worst_recovery: Option<Duration>,
}

impl Total {
    fn add(&mut self, report: &ScenarioReport) {
        let (t, v) = (&mut self.verdict, &report.verdict);
        self.rounds += 1;
        t.acknowledged += v.acknowledged;
        t.unknown += v.unknown;
        t.unknown_recorded += v.unknown_recorded;
        t.lost += v.lost;
        t.duplicated += v.duplicated;
        t.stuck += v.stuck;
        t.ended_twice += v.ended_twice;
        t.false_erasures += v.false_erasures;
        t.audit_chain_ok = if self.rounds == 1 {
            v.audit_chain_ok
        } else {
            t.audit_chain_ok && v.audit_chain_ok
        };
        self.worst_recovery = self.worst_recovery.max(report.recovery);
    }

    fn row(&self, name: &str) -> String {
        let v = &self.verdict;
        format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} | {} |",
            self.rounds,
            v.acknowledged,
            v.lost,
            v.duplicated,
            v.stuck,
            v.ended_twice,
            v.false_erasures,
            v.unknown,
            v.unknown_recorded,
            if v.audit_chain_ok { "yes" } else { "**no**" },
            self.worst_recovery
                .map_or_else(|| "—".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
        )
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() -> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(
        args.iter().any(|a| a == "--long"),
        "usage: faults --long [--minutes N] [--out FILE]; the quick form is `cargo nextest run -p jetcrawl-tests faults::`"
    );
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let minutes: u64 = value("--minutes").map_or(Ok(10), |m| m.parse())?;
    let out = value("--out").unwrap_or_else(|| "docs/reliability.md".to_owned());
    let half = Duration::from_secs(minutes * 60 / 2);
    let pace = Pace {
        per_second: 30,
        before: Duration::from_secs(5),
        after: Duration::from_secs(5),
        settle: Duration::from_secs(120),
    };
    let started = Instant::now();
    let mut single = BTreeMap::<String, Total>::new();
    let mut platform = FaultPlatform::single().await?;
    let phase = Instant::now();
    while phase.elapsed() < half {
        for report in rounds::single_node(&mut platform, pace).await? {
            single.entry(report.name.clone()).or_default().add(&report);
        }
    }
    drop(platform);
    let mut cluster = BTreeMap::<String, Total>::new();
    let mut platform = FaultPlatform::cluster().await?;
    let phase = Instant::now();
    while phase.elapsed() < half {
        for report in rounds::cluster_nodes(&mut platform, pace, Duration::from_secs(20)).await? {
            cluster.entry(report.name.clone()).or_default().add(&report);
        }
    }
    drop(platform);
    let section = render(&single, &cluster, started.elapsed(), pace);
    println!("{section}");
    write(&out, &section)?;
    let failed = single
        .values()
        .chain(cluster.values())
        .any(|t| !t.verdict.holds());
    anyhow::ensure!(
        !failed,
        "some scenario lost, duplicated or stranded jobs: see {out}"
    );
    Ok(())
}

fn render(
    single: &BTreeMap<String, Total>,
    cluster: &BTreeMap<String, Total>,
    took: Duration,
    pace: Pace,
) -> String {
    let header = "| scenario | rounds | acknowledged | lost | duplicated | stuck | ended twice | false erasures | unknown (recorded) | audit chain | worst recovery |\n|---|---|---|---|---|---|---|---|---|---|---|";
    let rows = |totals: &BTreeMap<String, Total>| {
        totals
            .iter()
            .map(|(name, total)| total.row(name))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "{START}\n## Long form, measured {date}\n\n\
         {minutes:.1} minutes of rolling faults ({rate} submits/s, {before} s of load before each \
         fault and {after} s after recovery); machine: {machine}.\n\n\
         ### One node (`sync_interval: always`)\n\n{header}\n{single}\n\n\
         ### Three nodes, R3\n\n{header}\n{cluster}\n{END}",
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        minutes = took.as_secs_f64() / 60.0,
        rate = pace.per_second,
        before = pace.before.as_secs(),
        after = pace.after.as_secs(),
        machine = machine(),
        single = rows(single),
        cluster = rows(cluster),
    )
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or_else(|| "?".to_owned(), |kb| format!("{} GiB", kb / 1024 / 1024));
    format!("{cores} × {cpu}, {memory}, everything on one machine")
}

/// Replaces the section between the markers, or appends it.
fn write(path: &str, section: &str) -> anyhow::Result<()> {
    let doc = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let doc = match (doc.find(START), doc.find(END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{section}{}", &doc[..start], &doc[end + END.len()..])
        }
        _ => format!("{}\n{section}\n", doc.trim_end()),
    };
    std::fs::write(path, doc).with_context(|| format!("writing {path}"))
}
