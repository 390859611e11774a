//! Labels and the idempotency key: small client strings stored verbatim in events.

use std::collections::HashMap;

use super::limits::{
    MAX_IDEMPOTENCY_KEY_CHARS, MAX_LABEL_KEY_CHARS, MAX_LABEL_VALUE_CHARS, MAX_LABELS, quote,
};
use super::violations::Violations;

/// Checks the label count, keys and values.
pub fn check_labels(labels: &HashMap<String, String>, out: &mut Violations) {
    if labels.len() > MAX_LABELS {
        out.add(
            "spec.labels",
            format!("{} labels given; the limit is {MAX_LABELS}", labels.len()),
        );
    }
    let mut keys: Vec<&String> = labels.keys().collect();
    keys.sort();
    for key in keys {
        let field = format!("spec.labels[{}]", quote(key));
        if !is_label_key(key) {
            out.add(
                &field,
                format!("key is not valid; use 1 to {MAX_LABEL_KEY_CHARS} of a-z 0-9 _ . -"),
            );
        }
        let chars = labels[key].chars().count();
        if chars > MAX_LABEL_VALUE_CHARS {
            out.add(
                field,
                format!("value is {chars} characters long; the limit is {MAX_LABEL_VALUE_CHARS}"),
            );
        }
    }
}

fn is_label_key(key: &str) -> bool {
    (1..=MAX_LABEL_KEY_CHARS).contains(&key.len())
        && key.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

/// Checks the idempotency key; empty means none.
pub fn check_idempotency_key(key: &str, out: &mut Violations) {
    if key.len() > MAX_IDEMPOTENCY_KEY_CHARS {
        out.add(
            "idempotency_key",
            format!(
                "key is {} bytes long; the limit is {MAX_IDEMPOTENCY_KEY_CHARS}",
                key.len()
            ),
        );
    } else if !key.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        out.add(
            "idempotency_key",
            format!(
                "{} has characters outside printable ASCII; use letters, digits and punctuation",
                quote(key)
            ),
        );
    }
}
