//! Holding a work message while this worker handles it: a progress heartbeat from the
//! moment it arrives, so JetStream does not hand it out again during a slow start, and a
//! claim on its job, so a second delivery of it to this same worker (its ack wait ran
//! out under load) never starts the job beside the running one.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use tokio::task::JoinHandle;
use tracing::{Instrument as _, warn};

/// Sends `+WPI` every quarter of the ack wait until stopped or dropped.
#[derive(Debug)]
pub struct Heartbeat(JoinHandle<()>);

impl Heartbeat {
    /// Starts beating for `message`, whose consumer has `ack_wait`.
    pub fn start(message: &Message, ack_wait: Duration) -> Self {
        let message = message.clone();
        let every = (ack_wait / 4).max(Duration::from_millis(100));
        Self(tokio::spawn(
            async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(err) = message.ack_with(AckKind::Progress).await {
                        warn!(error = %err, "progress heartbeat failed");
                    }
                }
            }
            .in_current_span(),
        ))
    }

    /// Stops beating: call it before the message is acked or NAKed, so no progress
    /// signal can follow (and undo) a NAK's delay.
    pub fn stop(&mut self) {
        self.0.abort();
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The jobs this worker process is handling now.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashSet<String>>);

/// This process handles the job until the claim is dropped.
#[derive(Debug)]
pub struct Claim<'a> {
    set: &'a InFlight,
    job_id: String,
}

impl InFlight {
    /// Claims `job_id`; `None` when this process already handles it.
    pub fn claim(&self, job_id: &str) -> Option<Claim<'_>> {
        let mut set = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        set.insert(job_id.to_owned()).then(|| Claim {
            set: self,
            job_id: job_id.to_owned(),
        })
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut set = self.set.0.lock().unwrap_or_else(PoisonError::into_inner);
        set.remove(&self.job_id);
    }
}

#[cfg(test)]
mod tests {
    use super::InFlight;

    #[test]
    fn a_job_is_claimed_once_until_its_claim_is_dropped() {
        let in_flight = InFlight::default();
        let first = in_flight.claim("job-1").expect("first claim");
        assert!(
            in_flight.claim("job-1").is_none(),
            "a second delivery is refused"
        );
        assert!(in_flight.claim("job-2").is_some(), "other jobs are free");
        drop(first);
        assert!(
            in_flight.claim("job-1").is_some(),
            "free again once handled"
        );
    }
}
