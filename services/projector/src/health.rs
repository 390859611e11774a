//! What the projector's `/healthz` answers: healthy, or the projections that stopped
//! because their stream is no longer the one their checkpoint counts in.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jetcrawl_projections::Projection;

/// The projections halted by an alarm and why; cheap to clone and shared with the
/// HTTP listener (`jetcrawl_telemetry::router_with_health`).
#[derive(Debug, Clone, Default)]
pub struct ProjectorHealth {
    halted: Arc<Mutex<BTreeMap<&'static str, String>>>,
}

impl ProjectorHealth {
    /// `Ok` while every projection may project; otherwise one line per halted projection.
    pub fn check(&self) -> Result<(), String> {
        let halted = self.lock();
        if halted.is_empty() {
            return Ok(());
        }
        let lines: Vec<String> = halted.values().cloned().collect();
        Err(format!(
            "{} projection(s) halted:\n{}\n",
            lines.len(),
            lines.join("\n")
        ))
    }

    /// Marks `projection` halted with `problem` (replacing an earlier one).
    pub(crate) fn halt(&self, projection: Projection, problem: String) {
        self.lock().insert(projection.name(), problem);
    }

    /// Marks `projection` healthy again.
    pub(crate) fn clear(&self, projection: Projection) {
        self.lock().remove(projection.name());
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<&'static str, String>> {
        self.halted.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_halted_projection_until_cleared() {
        let health = ProjectorHealth::default();
        assert_eq!(health.check(), Ok(()));
        health.halt(Projection::Jobs, "jobs: stream JOBS behind".to_owned());
        health.halt(Projection::Usage, "usage: stream JOBS behind".to_owned());
        let problem = health.check().expect_err("halted");
        assert!(problem.starts_with("2 projection(s) halted"), "{problem}");
        assert!(problem.contains("jobs: stream JOBS behind"), "{problem}");
        health.clear(Projection::Jobs);
        health.clear(Projection::Usage);
        assert_eq!(health.check(), Ok(()));
    }
}
