//! The machine a report was measured on: hardware, kernel and the versions of every
//! server the scenarios talk to.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

/// Hardware and software of the benchmark machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    /// `/proc/sys/kernel/hostname`.
    pub hostname: String,
    /// `model name` of `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Cores available to this process.
    pub cores: usize,
    /// `MemTotal`, GiB.
    pub memory_gib: f64,
    /// `uname -r`.
    pub kernel: String,
    /// `nats-server --version`.
    pub nats_server: String,
    /// `postgres --version`.
    pub postgres: String,
    /// `chromium --version`.
    pub chromium: String,
    /// `rustc --version` on the PATH (the toolchain the bench was built with).
    pub rustc: String,
    /// 1, 5 and 15 minute load averages when the run started: other work on the machine.
    pub load_average: String,
}

impl Machine {
    /// Reads everything; a value that cannot be read says so instead of failing the run.
    pub fn detect() -> Self {
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let memory_kib: f64 = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let nats = jetcrawl_local::nats::find_nats_server()
            .map(|p| version(&p, "--version"))
            .unwrap_or_else(|e| format!("not found: {e}"));
        let postgres = jetcrawl_local::pg_tools::find_bin_dir()
            .map(|dir| version(&dir.join("postgres"), "--version"))
            .unwrap_or_else(|e| format!("not found: {e}"));
        let chromium = jetcrawl_local::chromium_path()
            .map(|p| version(&p, "--version"))
            .unwrap_or_else(|e| format!("not found: {e}"));
        Self {
            hostname: read("/proc/sys/kernel/hostname").trim().to_owned(),
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory_gib: (memory_kib / (1024.0 * 1024.0) * 10.0).round() / 10.0,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            nats_server: nats,
            postgres,
            chromium,
            rustc: version(Path::new("rustc"), "--version"),
            load_average: read("/proc/loadavg")
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn version(program: &Path, flag: &str) -> String {
    match Command::new(program).arg(flag).output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_owned(),
        Err(e) => format!("{} failed: {e}", program.display()),
    }
}
