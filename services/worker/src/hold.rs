//! Holding a work message while this worker handles it: a progress heartbeat from the
//! moment it arrives, so JetStream does not hand it out again during a slow start, and a
//! claim on its job, so a second delivery of it to this same worker (its ack wait ran
//! out under load) never starts the job beside the running one, while the job's next
//! message waits for the claim instead of being dropped.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use tokio::sync::watch;
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

/// The jobs this worker process is handling now, each with the stream sequence of the
/// work message it handles.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashMap<String, Holder>>);

#[derive(Debug)]
struct Holder {
    sequence: u64,
    /// Dropped with the claim: waiters' receivers then see the channel close.
    released: watch::Sender<()>,
}

/// This process handles the job until the claim is dropped.
#[derive(Debug)]
pub struct Claim<'a> {
    set: &'a InFlight,
    job_id: String,
}

/// What [`InFlight::claim`] found.
#[derive(Debug)]
pub enum Claimed<'a> {
    /// The job is ours to handle until the claim drops.
    Now(Claim<'a>),
    /// This very message is being handled already (its ack wait ran out under load and
    /// JetStream handed it out again): the running handling settles it.
    Duplicate,
}

impl InFlight {
    /// Claims `job_id` for the work message at stream `sequence` (0: unknown, taken as
    /// the same message as any holder's).
    ///
    /// A *different* message of a job in hand (the JobDeferred or retry that the running
    /// handling has just appended, delivered before that handling let go) waits until
    /// the claim is released instead of being dropped: dropped, it would only come back
    /// when its ack wait ran out, turning a short politeness wait into a stall.
    pub async fn claim(&self, job_id: &str, sequence: u64) -> Claimed<'_> {
        loop {
            let mut released = {
                let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
                match held.get(job_id) {
                    None => {
                        let (released, _) = watch::channel(());
                        held.insert(job_id.to_owned(), Holder { sequence, released });
                        return Claimed::Now(Claim {
                            set: self,
                            job_id: job_id.to_owned(),
                        });
                    }
                    Some(holder) if sequence == 0 || holder.sequence == sequence => {
                        return Claimed::Duplicate;
                    }
                    // Subscribed under the lock: a release after it closes the channel.
                    Some(holder) => holder.released.subscribe(),
                }
            };
            // Err once the sender is dropped, which is the release.
            while released.changed().await.is_ok() {}
        }
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut held = self.set.0.lock().unwrap_or_else(PoisonError::into_inner);
        held.remove(&self.job_id);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Claimed, InFlight};

    fn claimed(outcome: Claimed<'_>) -> super::Claim<'_> {
        match outcome {
            Claimed::Now(claim) => claim,
            Claimed::Duplicate => panic!("expected a claim, got a duplicate"),
        }
    }

    #[tokio::test]
    async fn a_message_is_handled_once_until_its_claim_is_dropped() {
        let in_flight = InFlight::default();
        let first = claimed(in_flight.claim("job-1", 7).await);
        assert!(
            matches!(in_flight.claim("job-1", 7).await, Claimed::Duplicate),
            "a redelivery of the message in hand is left to its handling"
        );
        assert!(
            matches!(in_flight.claim("job-1", 0).await, Claimed::Duplicate),
            "a message without a sequence is taken for the one in hand"
        );
        drop(claimed(in_flight.claim("job-2", 8).await));
        drop(first);
        drop(claimed(in_flight.claim("job-1", 7).await));
    }

    #[tokio::test]
    async fn a_newer_message_of_a_job_in_hand_waits_for_the_release() {
        let in_flight = std::sync::Arc::new(InFlight::default());
        let first = claimed(in_flight.claim("job-1", 7).await);
        let waiter = {
            let in_flight = in_flight.clone();
            tokio::spawn(
                async move { matches!(in_flight.claim("job-1", 9).await, Claimed::Now(_)) },
            )
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "waits while the job is in hand");
        drop(first);
        let took = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("released at once")
            .expect("joins");
        assert!(took, "the newer message is handled once the claim drops");
    }
}
