//! The two files of a report: JSON (the figures verbatim) and a self-contained HTML page
//! (inline CSS and hand-written inline SVG charts: no script, font or network fetch).

mod charts;
mod format;
mod html;
mod svg;

use crate::figures::Report;

pub use html::html;

/// The JSON file: the report, pretty-printed.
pub fn json(report: &Report) -> Vec<u8> {
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_vec_pretty(report).unwrap_or_default()
}
