//! The worker's intent for a work message: `Command::Start`, with the inputs `decide`
//! needs gathered first. The crawl controller is asked (and its answer leases a slot)
//! only when `decide` would start an attempt; its answer is then kept for the retries of
//! the same message.

use chrono::{DateTime, Utc};
use jetcrawl_privacy::PrivacyError;
use jetcrawl_streams::job::would_start;
use jetcrawl_streams::{Admission, Command, Intent, Job};

use super::Recorder;
use crate::gate::{AttemptOutcome, Slot, SlotGate};

/// `Command::Start` for one work message.
pub(super) struct StartIntent<'a> {
    pub recorder: &'a Recorder,
    pub work_sequence: u64,
    pub gate: &'a dyn SlotGate,
    /// The controller's answer, once asked.
    pub slot: Option<Slot>,
    /// The job the slot was asked for, its spec opened.
    pub opened: Option<Job>,
}

impl Intent for StartIntent<'_> {
    type Error = PrivacyError;

    async fn command(&mut self, job: &Job, now: DateTime<Utc>) -> Result<Command, PrivacyError> {
        let recorder = self.recorder;
        let mut admission = Admission::Ready;
        let mut proxy = String::new();
        if would_start(job, recorder.max_attempts, self.work_sequence, now) {
            let opened = recorder.open(job.clone()).await?;
            if self.slot.is_none() {
                self.slot = Some(self.gate.slot(&opened).await);
            }
            admission = self.slot.clone().unwrap_or_default();
            if let Some(egress) = &recorder.egress {
                proxy = egress.planned_proxy(&opened);
            }
            self.opened = Some(opened);
        }
        Ok(Command::Start {
            worker_id: recorder.worker_id.clone(),
            max_attempts: recorder.max_attempts,
            work_sequence: self.work_sequence,
            admission,
            proxy,
        })
    }
}

impl StartIntent<'_> {
    /// A granted slot whose attempt never started gives its leases back.
    pub async fn release_unused(&self) {
        if let (Some(Slot::Ready), Some(job)) = (&self.slot, &self.opened) {
            let unused = AttemptOutcome {
                error: Some(crate::error::ErrorClass::Interrupted),
                retry_after: None,
            };
            self.gate.finished(job, unused).await;
        }
    }
}
