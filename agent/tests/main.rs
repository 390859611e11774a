//! The agent loop's integration tests: a scripted model endpoint and real Chromium.
//!
//! One test binary (ADR 51): each module is one subject, and nextest still runs every
//! test in a process of its own.

mod loop_edges;
mod observe;
