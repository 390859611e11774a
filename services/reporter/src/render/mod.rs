//! The two files of a report: JSON (the figures verbatim) and a self-contained HTML page
//! (maud templates, inline CSS and inline SVG charts drawn with plotters: no script, font
//! or network fetch).

mod agent;
mod audit;
mod chart;
mod charts;
mod format;
mod html;
mod methods;
mod retention;
mod row;
#[cfg(test)]
mod sample;
mod section;
mod subject_requests;
mod summary;

use crate::figures::Report;

pub use html::html;

/// The JSON file: the report, pretty-printed.
pub fn json(report: &Report) -> Vec<u8> {
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_vec_pretty(report).unwrap_or_default()
}
