//! The in-process schedule: at start and then every interval, make sure the previous
//! month has a report. Idempotent and safe with several reporters (see `generate`).

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::generate::{GenerateRequest, Reporter};
use crate::month::Month;

/// Actor of scheduled reports.
pub const SYSTEM_ACTOR: &str = "system";

/// The month the schedule reports on at `now`: the previous one, once `delay` has passed
/// since it ended (late events and the projector get that long to land).
pub fn due_month(now: DateTime<Utc>, delay: Duration) -> Month {
    let delay = chrono::Duration::from_std(delay).unwrap_or_else(|_| chrono::Duration::zero());
    Month::previous(now - delay)
}

/// Checks every `interval` until `shutdown`.
pub async fn run_schedule(
    reporter: Reporter,
    interval: Duration,
    delay: Duration,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let month = due_month(reporter.now(), delay);
        let request = GenerateRequest {
            month,
            regenerate: false,
            requested_by: SYSTEM_ACTOR.to_owned(),
        };
        match reporter.generate(request).await {
            Ok(done) if done.generated => {
                tracing::info!(%month, revision = done.report.revision, "scheduled report generated")
            }
            Ok(_) => tracing::debug!(%month, "the month already has its report"),
            Err(err) => {
                tracing::warn!(%month, error = %err, "scheduled report not generated; retrying at the next check")
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_due_month_waits_for_the_delay_after_month_end() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
        let hour = Duration::from_secs(3600);
        assert_eq!(
            due_month(at("2026-11-01T00:30:00Z"), hour).to_string(),
            "2026-09"
        );
        assert_eq!(
            due_month(at("2026-11-01T01:00:00Z"), hour).to_string(),
            "2026-10"
        );
        assert_eq!(
            due_month(at("2026-11-21T12:00:00Z"), Duration::ZERO).to_string(),
            "2026-10"
        );
    }
}
