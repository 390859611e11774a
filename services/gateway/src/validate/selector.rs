//! CSS selectors: checked with the same parser the HTTP renderer uses, so a spec that
//! passes here never fails on its selector in a worker.

use super::limits::{MAX_SELECTOR_CHARS, quote};

/// Checks a required CSS selector.
pub fn check_selector(selector: &str) -> Result<(), String> {
    if selector.trim().is_empty() {
        return Err(
            "selector is empty; give a CSS selector such as #submit or h1.title".to_owned(),
        );
    }
    let chars = selector.chars().count();
    if chars > MAX_SELECTOR_CHARS {
        return Err(format!(
            "selector is {chars} characters long; the limit is {MAX_SELECTOR_CHARS}"
        ));
    }
    scraper::Selector::parse(selector)
        .map(|_| ())
        .map_err(|err| format!("{} is not a valid CSS selector: {err}", quote(selector)))
}
