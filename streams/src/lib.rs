//! The JetStream side of Jetcrawl: the `JOBS` stream topology as code, the event
//! envelope, per-job appends guarded by optimistic concurrency, history reads, and the
//! pure job state machine (`decide`/`evolve`) that those reads fold into.
//!
//! Everything that knows a subject name or a header name lives here, so the subject
//! scheme can change in one crate.

pub mod connect;
pub mod crawl;
pub mod envelope;
pub mod error;
pub mod execute;
pub mod headers;
pub mod job;
pub mod pull;
pub mod reports;
pub mod security;
pub mod store;
pub mod subjects;
pub mod topology;
pub mod webhooks;

pub use connect::{DEFAULT_NATS_URL, NatsArgs, NatsSecurity, connect, connect_secure};
pub use envelope::{EventKind, RecordedEvent, new_event};
pub use error::StoreError;
pub use execute::{ExecuteError, Executed};
pub use job::{Command, DecideError, Job, JobStatus, decide, evolve};
pub use store::{Appended, EventStore};
pub use topology::{Topology, TopologyArgs, TopologyError};
