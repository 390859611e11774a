//! CSS selectors: checked with the same parser the HTTP renderer uses, so a spec that
//! passes here never fails on its selector in a worker. A refusal says in our words what
//! is wrong and how to write it, never the parser's internal error.

use scraper::error::SelectorErrorKind;
use selectors::parser::SelectorParseErrorKind as Kind;

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
        .map_err(|err| {
            format!(
                "{} is not a valid CSS selector: {}",
                quote(selector),
                explain(&err)
            )
        })
}

/// What is wrong with a selector the parser refused, and the fix.
fn explain(err: &SelectorErrorKind) -> &'static str {
    match err {
        SelectorErrorKind::EndOfLine => {
            "it ends where CSS expects more: a name after '.', '#' or ':', a value after '=', or a closing bracket, parenthesis or quote"
        }
        SelectorErrorKind::UnexpectedToken
        | SelectorErrorKind::InvalidAtRule
        | SelectorErrorKind::InvalidAtRuleBody
        | SelectorErrorKind::QualRuleInvalid => {
            "a character or word stands where CSS expects none; check for stray punctuation such as a trailing comma or an unquoted space in an attribute value"
        }
        SelectorErrorKind::TooManyNestedBlocks => {
            "it nests brackets too deeply; write a shorter selector"
        }
        SelectorErrorKind::ExpectedColonOnPseudoElement
        | SelectorErrorKind::ExpectedIdentityOnPseudoElement => {
            "a pseudo-element needs two colons and a name, such as ::before"
        }
        SelectorErrorKind::UnexpectedSelectorParseError(kind) => explain_kind(kind),
    }
}

fn explain_kind(kind: &Kind) -> &'static str {
    match kind {
        Kind::EmptySelector => "one of its comma-separated parts is empty; remove the extra comma",
        Kind::DanglingCombinator => {
            "it ends with a combinator (>, + or ~) with nothing after it; add the element it points to"
        }
        Kind::UnsupportedPseudoClassOrElement | Kind::UnexpectedIdent => {
            "it uses a pseudo-class or pseudo-element that standard CSS does not have (:contains and ::text are jQuery and Scrapy extensions); use a standard one such as :nth-child(2) or :not(.ad), or a text rule"
        }
        Kind::NoIdentForPseudo | Kind::PseudoElementExpectedIdent => {
            "a colon is not followed by a pseudo-class name; write e.g. :first-child"
        }
        Kind::PseudoElementExpectedColon => {
            "a pseudo-element needs two colons and a name, such as ::before"
        }
        Kind::ClassNeedsIdent => "a dot is not followed by a class name; write e.g. .price",
        Kind::NoQualifiedNameInAttributeSelector
        | Kind::UnexpectedTokenInAttributeSelector
        | Kind::ExpectedBarInAttr
        | Kind::BadValueInAttr
        | Kind::InvalidQualNameInAttr => {
            "an attribute selector is malformed; write [name], [name=value] or [name=\"a value with spaces\"]"
        }
        Kind::ExpectedNamespace | Kind::ExplicitNamespaceUnexpectedToken => {
            "it uses a namespace prefix (|), which selectors here do not support; drop the prefix"
        }
        Kind::NonCompoundSelector
        | Kind::NonPseudoElementAfterSlotted
        | Kind::InvalidPseudoElementAfterSlotted
        | Kind::InvalidPseudoElementInsideWhere
        | Kind::InvalidState => {
            "it combines selectors in a way CSS does not allow inside :not(), :is(), ::slotted() or after a pseudo-element; simplify that part"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_selector;

    #[test]
    fn every_refusal_says_what_is_wrong_in_our_words() {
        for (selector, says) in [
            ("div:contains(\"Price\")", "standard CSS does not have"),
            ("li::text", "standard CSS does not have"),
            ("h1,", "extra comma"),
            ("h1,,h2", "extra comma"),
            ("ul >", "nothing after it"),
            ("a[href=]", "a value after '='"),
            ("a[ns|href]", "namespace"),
            (".", "a name after '.'"),
            ("p:", "expects more"),
            ("div!", "stray punctuation"),
        ] {
            let message = check_selector(selector).expect_err(selector);
            assert!(message.contains(says), "{selector}: {message}");
            assert!(!message.contains("report this"), "{selector}: {message}");
            assert!(!message.contains("Unexpected"), "{selector}: {message}");
        }
        check_selector("div.price > span:nth-child(2)").expect("valid");
    }
}
