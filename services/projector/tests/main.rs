//! The projector's integration tests, against real nats-server and Postgres.
//!
//! One test binary (ADR 51): each module is one subject, and nextest still runs every
//! test in a process of its own.

mod support;

mod crash;
mod failpoint;
mod postgres_restored;
mod power_cut;
mod projects;
mod rebuild;
mod standby;
mod stream_behind;
mod stream_reused;
