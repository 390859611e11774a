//! Stopping a running spec at its next step boundary: a cancel request, or the job having
//! moved on without this worker (another took it over). Checked between URLs and between
//! browser actions; never in the middle of one.

use tokio::sync::watch;

use crate::error::{ErrorClass, JobError};

/// Why a run must stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Someone asked to cancel the job; the reason is the JobCancelled reason.
    Cancelled(String),
    /// The job changed under this attempt (taken over, ended); the attempt is moot.
    Superseded(String),
}

/// The reading side, handed to the executor.
#[derive(Debug, Clone)]
pub struct Interrupt {
    rx: watch::Receiver<Option<Stop>>,
}

/// The writing side, held by whoever watches the job.
#[derive(Debug)]
pub struct Interrupter {
    tx: watch::Sender<Option<Stop>>,
}

impl Interrupt {
    /// A pair: stop the run through the [`Interrupter`].
    pub fn channel() -> (Interrupter, Self) {
        let (tx, rx) = watch::channel(None);
        (Interrupter { tx }, Self { rx })
    }

    /// An interrupt that never fires.
    pub fn never() -> Self {
        Self::channel().1
    }

    /// Why the run must stop, once it must.
    pub fn stop(&self) -> Option<Stop> {
        self.rx.borrow().clone()
    }

    /// A step boundary: `Err` (class `interrupted`) once the run must stop.
    pub fn check(&self) -> Result<(), JobError> {
        match self.stop() {
            None => Ok(()),
            Some(Stop::Cancelled(reason)) => Err(JobError::new(
                ErrorClass::Interrupted,
                format!("stopped at a step boundary: {reason}"),
            )),
            Some(Stop::Superseded(why)) => Err(JobError::new(
                ErrorClass::Interrupted,
                format!("stopped at a step boundary: {why}"),
            )),
        }
    }
}

impl Interrupter {
    /// Asks the run to stop; the first reason wins.
    pub fn stop(&self, stop: Stop) {
        self.tx.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(stop);
            true
        });
    }
}
