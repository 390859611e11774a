//! The local process runner's integration tests: real nats-server, Postgres and Chromium.
//!
//! One test binary (ADR 51): each module is one subject, and nextest still runs every
//! test in a process of its own.

mod cluster;
mod nats;
mod postgres;
mod process;
