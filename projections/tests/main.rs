//! The projections' integration tests, against a real Postgres.
//!
//! One test binary (ADR 51): each module is one subject, and nextest still runs every
//! test in a process of its own.

mod support;

mod apply;
mod audit_legacy;
mod audit_log;
mod dead_letters;
mod list_jobs;
mod read_models;
