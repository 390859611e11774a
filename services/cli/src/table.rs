//! Tables for people: a header row, one aligned line per item, and `none` when there
//! is nothing to show (an empty screen reads like a hang or a bug).

use comfy_table::{Table, presets};

/// Prints `rows` under `headers`, or `none`.
pub fn print(headers: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        outln!("none");
        return;
    }
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_header(headers.to_vec())
        .add_rows(rows);
    // Without borders every line starts with the first cell's padding.
    for line in table.lines() {
        let line = line.strip_prefix(' ').unwrap_or(&line);
        outln!("{}", line.trim_end());
    }
}

/// A protobuf timestamp to the second, or `-`.
pub fn time(ts: Option<&prost_types::Timestamp>) -> String {
    when(crate::output::datetime(ts))
}

/// A time to the second, or `-`.
pub fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M:%SZ").to_string(),
    )
}

/// `text`, or `-` when empty, so a column never looks shifted.
pub fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".to_owned()
    } else {
        text.to_owned()
    }
}
