//! The JetStream side of Jetcrawl: the `JOBS` stream topology as code, the event
//! envelope, per-job appends guarded by optimistic concurrency, history reads, and
//! [`EventStore::execute`], the one way to write a job's events: load (or take a known
//! state), `decide`, append at the expected sequence, retry on a concurrent change.
//!
//! The job state machine itself is the pure `jetcrawl-job` crate, re-exported as [`job`].
//! Audit actions, which belong to no job, have their own envelope and their one
//! appender in [`audit`].
//!
//! Everything that knows a subject name or a header name lives here, so the subject
//! scheme can change in one crate.

pub mod audit;
pub mod connect;
pub mod crawl;
pub mod envelope;
pub mod error;
pub mod execute;
pub mod headers;
pub use jetcrawl_job as job;
pub mod pull;
pub mod reports;
pub mod retry;
pub mod security;
pub mod store;
pub mod subjects;
pub mod topology;
pub mod webhooks;

pub use connect::{DEFAULT_NATS_URL, NatsArgs, NatsSecurity, connect, connect_secure};
pub use envelope::{EventKind, RecordedEvent, new_event};
pub use error::{Cause, StoreError};
pub use execute::{Basis, ExecuteError, Executed, Intent, Outcome};
pub use job::{Admission, Command, DecideError, Job, JobStatus, decide, evolve};
pub use retry::Retry;
pub use store::{Appended, EventStore};
pub use topology::{Topology, TopologyArgs, TopologyError};
