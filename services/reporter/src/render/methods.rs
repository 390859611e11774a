//! How the figures are computed, and the notes on figures that could not be taken.

use maud::{Markup, html};

use crate::figures::Report;

/// The method list, then the notes when there are any.
pub fn methods(report: &Report) -> Markup {
    let m = &report.methods;
    html! {
        h2 { "Method" }
        ul {
            li { "Percentiles: " span data-figure="methods.percentiles" { (m.percentiles) } "." }
            li { "Counting: " (m.counting) "." }
            li { "Success rate: " (m.success_rate) "." }
            li { "Duration: " (m.duration) "." }
            li { "Webhook delivery rate: " (m.webhook_delivery_rate) "." }
            @if !m.agent_usage.is_empty() {
                li { "Agent figures: " (m.agent_usage) "." }
            }
        }
        @if !report.notes.is_empty() {
            h2 { "Notes" }
            ul {
                @for note in &report.notes {
                    li { (note) }
                }
            }
        }
    }
}
