//! Validation at the edge ("parse, don't validate"): a `SubmitJobRequest` either becomes
//! a [`ValidSubmission`] or yields every [`FieldViolation`] with its path and its fix.

mod agent;
mod crawl;
mod digest;
mod extract;
mod formats;
mod labels;
pub mod limits;
mod selector;
mod settle;
mod spec;
mod steps;
mod subject;
mod target;
mod violations;
mod webhook;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_agent;
#[cfg(test)]
mod tests_crawl;
#[cfg(test)]
mod tests_formats;
#[cfg(test)]
mod tests_settle;

pub use digest::{canonical_bytes, spec_sha256};
pub use limits::Limits;
pub use spec::{ValidSpec, ValidSubmission, validate_spec, validate_submission};
pub use steps::STEP_KINDS;
pub use violations::{FieldViolation, Violations};
pub use webhook::parse_webhook;
