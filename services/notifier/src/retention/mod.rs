//! RGPD retention (ADR 0025): results older than the results retention, and audit and
//! log rows older than the audit retention (180 days), removed on a schedule or on
//! demand (`jetcrawl retention run`); each run recorded in `retention_runs` and as a
//! `RetentionRun` event on `audit.retention._all`.

mod config;
mod record;
mod rows;
mod run;
mod schedule;

pub use config::RetentionSettings;
pub use run::{Retention, RunReport, Trigger};
pub use schedule::{RUN_NOW_SUBJECT, retention_loop, serve_run_now};
