//! The data subjects' requests fulfilled, each against the one-month deadline of GDPR
//! Art. 12(3).

use maud::{Markup, html};

use crate::figures::HandledRequest;

/// The table of `handled` requests; nothing when there is none.
pub fn subject_requests(key: &str, handled: &[HandledRequest]) -> Markup {
    if handled.is_empty() {
        return html! {};
    }
    html! {
        h3 { "Data-subject requests fulfilled" }
        table {
            tr {
                th { "request" } th { "reference" } th { "received" } th { "fulfilled" }
                th { "days" } th { "within one month (Art. 12(3))" }
            }
            @for (i, r) in handled.iter().enumerate() {
                (request(key, i, r))
            }
        }
    }
}

fn request(key: &str, i: usize, r: &HandledRequest) -> Markup {
    let (class, verdict, value) = match r.within_deadline {
        Some(true) => ("ok", "yes", "true"),
        Some(false) => ("bad", "NO", "false"),
        None => ("", "unknown: no receipt date was given", "unknown"),
    };
    let reference = if r.reference.is_empty() {
        "–"
    } else {
        &r.reference
    };
    html! {
        tr {
            td { (r.kind) }
            td { (reference) }
            td { (r.received_at.as_deref().unwrap_or("not given")) }
            td { (r.fulfilled_at) }
            td { (r.days.map_or_else(|| "–".to_owned(), |d| d.to_string())) }
            td class=(class)
                data-figure={ (key) ".subject_requests.handled." (i) ".within_deadline" }
                data-value=(value) { (verdict) }
        }
    }
}
