//! Agent jobs in the worker (ADR 0045): the model's loop run on the worker's browser
//! pool with its policies, every turn and step appended to the job's history as it
//! happens, and the answer stored as the job's result.

pub mod journal;
mod run;

pub use journal::{EventJournal, Sealer};
