//! The end-to-end tests and the test kit's own tests, against the real binaries,
//! nats-server, Postgres, Chromium and the fixture sites.
//!
//! One test binary (ADR 51): each module is one subject (its own docs say which issue it
//! proves), and nextest still runs every test in a process of its own.

mod agent;
mod alerts;
mod audit;
mod compose;
mod crawl;
mod deploy;
mod e2e;
mod egress;
mod faults;
mod lifecycle;
mod lost_ack;
mod observe;
mod report;
mod results;
mod rgpd;
mod service_settings;
mod test_layout;
mod testkit_chromium;
mod testkit_fixture;
mod testkit_infra;
mod testkit_service;
mod traces;
