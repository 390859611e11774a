//! The gateway's integration tests, against real nats-server and Postgres.
//!
//! One test binary (ADR 51): each module is one subject, and nextest still runs every
//! test in a process of its own.

mod common;

mod hostile_targets;
mod invalid;
mod ops;
mod security_auth;
mod security_fuzz;
mod security_health;
mod security_inputs;
mod security_quota;
mod security_roles;
mod security_secrets;
mod security_tls;
mod submit;
mod watch;
