//! The fault suite's kit (issue "An event log that never loses an acknowledged job"):
//! a platform whose every component can be killed, paused or power-cut, a steady
//! client load that records what each submitter was told, and the verdict that holds
//! the read models to it.

pub mod check;
pub mod load;
pub mod platform;
pub mod rounds;
pub mod scenario;
pub mod tcp_proxy;

pub use check::Verdict;
pub use load::{Load, Outcome, Submission};
pub use platform::{EventLog, FaultPlatform, Role};
pub use scenario::{Pace, ScenarioReport};
pub use tcp_proxy::LossyProxy;
