//! The alert rules of `infra/prometheus` (issue 15, "Done means" 2), offline: promtool
//! accepts the rules and the example configuration and passes the rules' unit tests;
//! every alert the issue asks for has a rule and a unit test that fires it, every rule
//! a test where it stays quiet and a section of the README; and every expression uses
//! only metrics the services describe, so no rule watches a metric that is never there.

mod coverage;
mod files;
mod metrics;
mod promtool;
