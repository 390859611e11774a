//! The optional `data_subject` id of a job (RGPD): bounded, printable, and never a value
//! that could be mistaken for a sealed or erased field.

use jetcrawl_privacy::{ERASED, SEALED_PREFIX};

use super::violations::Violations;

/// Longest `data_subject`, in characters.
pub const MAX_DATA_SUBJECT_CHARS: usize = 256;

/// Checks `spec.data_subject`; empty means the job is its own subject.
pub fn check_data_subject(raw: &str, out: &mut Violations) {
    if raw.is_empty() {
        return;
    }
    let why = if raw.chars().count() > MAX_DATA_SUBJECT_CHARS {
        Some(format!(
            "longer than {MAX_DATA_SUBJECT_CHARS} characters; use a shorter id, e.g. your own customer number"
        ))
    } else if raw.trim() != raw || raw.chars().any(char::is_control) {
        Some(
            "has leading/trailing spaces or control characters; send the id exactly, without them"
                .to_owned(),
        )
    } else if raw.starts_with(SEALED_PREFIX) || raw == ERASED {
        Some(format!(
            "starts with {SEALED_PREFIX:?} or is {ERASED:?}, which Jetcrawl reserves; use another id"
        ))
    } else {
        None
    };
    if let Some(why) = why {
        out.add("spec.data_subject", why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ids_name_the_field_and_good_ones_pass() {
        for bad in [" alice", "a\nb", "sealed:v1:x", "[erased]"] {
            let mut out = Violations::default();
            check_data_subject(bad, &mut out);
            assert!(out.into_result(()).is_err(), "{bad:?}");
        }
        let mut out = Violations::default();
        check_data_subject(&"x".repeat(257), &mut out);
        assert!(out.into_result(()).is_err());
        for good in ["", "alice@example.com", "customer-42"] {
            let mut out = Violations::default();
            check_data_subject(good, &mut out);
            assert!(out.into_result(()).is_ok(), "{good:?}");
        }
    }
}
