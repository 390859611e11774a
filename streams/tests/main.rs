//! The event log's integration tests, against a real nats-server.
//!
//! One test binary (ADR 51): each module is one subject, and nextest still runs every
//! test in a process of its own.

mod event_store;
mod execute;
mod tail_tenant;
mod topology;
