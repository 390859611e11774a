//! One row of a figures table: a label and a value tools can read.

use maud::{Markup, html};

use super::format::number;

/// A row whose value cell is `data-figure="<key>.<path>"`, `data-value="<raw>"` (empty
/// when there is no value), showing `text`.
pub fn row(key: &str, path: &str, label: &str, text: &str, raw: Option<f64>) -> Markup {
    let raw = raw.map(number).unwrap_or_default();
    html! {
        tr {
            td { (label) }
            td data-figure={ (key) "." (path) } data-value=(raw) { (text) }
        }
    }
}
