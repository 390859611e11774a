//! Error chains: egress errors keep their causes (`#[source]`), so a caller can find
//! the [`Refusal`] under an HTTP client's error and show every cause in order.

use std::error::Error;

use crate::policy::Refusal;

/// The [`Refusal`] somewhere in `err`'s chain of causes (an HTTP client's error wraps
/// the one its resolver returned).
pub fn refusal_in<'a>(err: &'a (dyn Error + 'static)) -> Option<&'a Refusal> {
    let mut cause = Some(err);
    while let Some(current) = cause {
        if let Some(refusal) = current.downcast_ref::<Refusal>() {
            return Some(refusal);
        }
        cause = current.source();
    }
    None
}

/// `err` and each of its causes, joined by `: `.
pub fn chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let shown = cause.to_string();
        // Some errors repeat their cause in their own message.
        if !text.ends_with(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn the_chain_shows_every_cause() {
        let err = Outer(std::io::Error::other("inner"));
        assert_eq!(chain(&err), "outer: inner");
        assert!(refusal_in(&err).is_none());
    }
}
