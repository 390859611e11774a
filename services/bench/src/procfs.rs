//! CPU and memory of a service process (and its children, e.g. Chromium) read from
//! `/proc`, sampled while a scenario runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often RSS is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// `(ppid, utime + stime in ticks, rss in pages)` of one process.
fn stat(pid: u32) -> Option<(u32, u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are plain.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let rss: u64 = fields.get(21)?.parse().ok()?;
    Some((ppid, utime + stime, rss))
}

fn page_size() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(4096)
}

/// `pid` and every process descending from it.
pub fn tree(pid: u32) -> Vec<u32> {
    trees(&[pid])
}

/// `roots` and every process descending from any of them, each once, from one walk of
/// `/proc`.
pub fn trees(roots: &[u32]) -> Vec<u32> {
    let mut parents: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            if let Some((ppid, _, _)) = stat(child) {
                parents.entry(ppid).or_default().push(child);
            }
        }
    }
    let mut all: Vec<u32> = Vec::with_capacity(roots.len());
    for &root in roots {
        if !all.contains(&root) {
            all.push(root);
        }
    }
    let mut next = 0;
    while next < all.len() {
        if let Some(children) = parents.get(&all[next]) {
            all.extend(children.iter().filter(|c| !roots.contains(c)));
        }
        next += 1;
    }
    all
}

/// CPU seconds used so far by `pid` alone (user + system).
pub fn cpu_seconds(pid: u32) -> f64 {
    stat(pid).map_or(0.0, |(_, ticks, _)| ticks as f64 / TICKS_PER_SECOND)
}

/// Resident memory of `pid` and, with `children`, its whole process tree, in bytes.
pub fn rss_bytes(pid: u32, children: bool) -> u64 {
    let pids = if children { tree(pid) } else { vec![pid] };
    let pages: u64 = pids.iter().filter_map(|p| stat(*p)).map(|s| s.2).sum();
    pages * page_size()
}

/// Samples one process (tree) in the background: peak RSS and CPU used.
pub struct ProcSampler {
    pid: u32,
    started: Instant,
    cpu_start: f64,
    peak: Peak,
}

/// What a sampler saw.
#[derive(Debug, Clone, Copy)]
pub struct ProcUsage {
    /// Average cores busy (CPU seconds / wall seconds) of the process itself.
    pub cpu_cores: f64,
    /// Peak resident memory, MiB.
    pub peak_rss_mib: f64,
}

impl ProcSampler {
    /// Starts sampling `pid` (and its descendants' RSS with `children`).
    pub fn start(pid: u32, children: bool) -> Self {
        Self {
            pid,
            started: Instant::now(),
            cpu_start: cpu_seconds(pid),
            peak: Peak::start(SAMPLE_EVERY, move || rss_bytes(pid, children)),
        }
    }

    /// Stops sampling and reports.
    pub async fn finish(self) -> ProcUsage {
        let wall = self.started.elapsed().as_secs_f64().max(1e-6);
        let cpu = cpu_seconds(self.pid) - self.cpu_start;
        ProcUsage {
            cpu_cores: cpu / wall,
            peak_rss_mib: self.peak.finish().await as f64 / MIB,
        }
    }
}

/// Bytes in a MiB.
pub const MIB: f64 = 1024.0 * 1024.0;

/// The peak of a measure (bytes of memory) read at start, then every period in the
/// background until [`Peak::finish`].
pub struct Peak {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Peak {
    /// Reads `measure` now, then every `every` on the blocking pool (it reads `/proc`).
    pub fn start(every: Duration, measure: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        let measure = Arc::new(measure);
        let peak = Arc::new(AtomicU64::new(measure()));
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let (peak, stop) = (peak.clone(), stop.clone());
            async move {
                while !stop.load(Ordering::Relaxed) {
                    let measure = measure.clone();
                    let now = tokio::task::spawn_blocking(move || measure())
                        .await
                        .unwrap_or(0);
                    peak.fetch_max(now, Ordering::Relaxed);
                    tokio::time::sleep(every).await;
                }
            }
        });
        Self { peak, stop, task }
    }

    /// Stops sampling; the highest value read.
    pub async fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.peak.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_memory_and_is_in_its_own_tree() {
        let me = std::process::id();
        assert!(rss_bytes(me, false) > 1024 * 1024);
        assert_eq!(tree(me)[0], me);
        assert!(cpu_seconds(me) >= 0.0);
    }
}
