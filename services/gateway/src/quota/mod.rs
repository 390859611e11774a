//! Per-tenant quotas: submits per second (token bucket), and caps on queued and running
//! jobs counted from the projection. Over a limit, a submit answers RESOURCE_EXHAUSTED
//! with a retry-after hint, for that tenant only.

mod admission;
mod backlog;
mod rate;

pub use admission::{QuotaLimits, Quotas};
pub use backlog::{Backlog, BacklogCounter};
pub use rate::SubmitRate;
