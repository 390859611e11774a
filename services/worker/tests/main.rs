//! The worker's integration tests, against real Chromium, nats-server and fixture sites.
//!
//! One test binary (ADR 51): each module is one subject, and nextest still runs every
//! test in a process of its own.

mod common;

mod browser_mode;
mod deferral;
mod forward_proxy;
mod hostile_targets;
mod http_mode;
mod pool;
mod settle;
mod worker_nats;
