//! The job aggregate: state, the pure `evolve` fold, and `decide`, which holds every
//! business rule about which events a command may produce.

mod attempt;
mod control;
mod decide;
mod evolve;
mod robots;
mod state;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_lifecycle;

pub use attempt::{WORKER_LOST_CLASS, cancel_reason, reason};
pub use decide::{Command, DecideError, decide};
pub use evolve::{evolve, fold};
pub use state::{Job, JobStatus};
