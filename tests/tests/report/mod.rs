//! The monthly report (issue 6, "done means" 5): a month seeded with known jobs gives
//! exactly the expected counts and percentiles, its HTML renders in Chromium with the
//! figures in the DOM; and end to end through the real gateway and reporter binaries:
//! scheduled generation, GenerateMonthlyReport, GetReport, signed downloads whose
//! sha256 matches the ReportGenerated event, and the refusals.

mod browser;
mod cli;
mod figures;
mod gateway;
mod seed;
mod seed_audit;
