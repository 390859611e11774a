//! Proportional set size (PSS) of several process trees at once, sampled while a
//! scenario runs. PSS splits each shared page between the processes mapping it, so the
//! sum over Chromium's renderers, Postgres' backends or Node's workers counts shared
//! libraries once: the figure to compare whole platforms by, where RSS would count them
//! once per process.

use std::time::Duration;

use crate::procfs::{self, MIB, Peak};

/// How often PSS is sampled: reading `smaps_rollup` walks the page tables, so less often
/// than RSS.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// PSS of one process in bytes, from `/proc/<pid>/smaps_rollup`; 0 once it is gone.
pub fn pss_bytes(pid: u32) -> u64 {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
        return 0;
    };
    text.lines()
        .find_map(|line| line.strip_prefix("Pss:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// PSS of `roots` and every process descending from them, in bytes.
pub fn trees_pss_bytes(roots: &[u32]) -> u64 {
    procfs::trees(roots).into_iter().map(pss_bytes).sum()
}

/// Samples the summed PSS of process trees in the background and keeps the peak.
pub struct PssSampler(Peak);

impl PssSampler {
    /// Starts sampling `roots` and their descendants (children started later count).
    pub fn start(roots: Vec<u32>) -> Self {
        Self(Peak::start(SAMPLE_EVERY, move || trees_pss_bytes(&roots)))
    }

    /// Stops sampling; the peak in MiB.
    pub async fn finish(self) -> f64 {
        self.0.finish().await as f64 / MIB
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_pss_no_larger_than_its_rss() {
        // 8 MiB this process alone writes to: counted whole in its PSS.
        let private = vec![1u8; 8 * 1024 * 1024];
        let me = std::process::id();
        let pss = pss_bytes(me);
        assert!(pss > 4 * 1024 * 1024, "PSS {pss}");
        assert_eq!(
            private.iter().map(|&b| u64::from(b)).sum::<u64>(),
            8 * 1024 * 1024
        );
        assert!(pss <= procfs::rss_bytes(me, false) + 64 * 1024);
        assert_eq!(pss_bytes(u32::MAX), 0, "a process that does not exist");
    }
}
