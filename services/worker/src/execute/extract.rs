//! Extraction rules over static HTML (HTTP mode), and the checks shared with the browser.

use jetcrawl_proto::v1::{ExtractKind, ExtractRule};
use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};

use crate::error::{ErrorClass, JobError};

/// Collapses runs of whitespace to one space and trims, as the browser script does.
pub fn normalize_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs every rule over `html`.
pub fn extract_html(html: &str, rules: &[ExtractRule]) -> Result<Map<String, Value>, JobError> {
    let document = Html::parse_document(html);
    let mut data = Map::new();
    for rule in rules {
        let selector = Selector::parse(&rule.selector).map_err(|err| {
            JobError::new(
                ErrorClass::InvalidSpec,
                format!(
                    "extraction rule {:?} has an invalid CSS selector {:?}: {err}",
                    rule.name, rule.selector
                ),
            )
        })?;
        let values: Vec<String> = document
            .select(&selector)
            .filter_map(|element| value_of(element, rule))
            .collect();
        data.insert(rule.name.clone(), shape(values, rule.many));
    }
    Ok(data)
}

fn value_of(element: ElementRef<'_>, rule: &ExtractRule) -> Option<String> {
    match rule.kind() {
        ExtractKind::Attribute => element.value().attr(&rule.attribute).map(str::to_owned),
        ExtractKind::Html => Some(element.inner_html()),
        ExtractKind::Text | ExtractKind::Unspecified => {
            Some(normalize_text(&element.text().collect::<String>()))
        }
    }
}

/// First value, all values, or null when nothing matched.
fn shape(values: Vec<String>, many: bool) -> Value {
    match (values.is_empty(), many) {
        (true, _) => Value::Null,
        (false, true) => Value::Array(values.into_iter().map(Value::String).collect()),
        (false, false) => values.into_iter().next().map_or(Value::Null, Value::String),
    }
}

/// True when every rule found something non-empty: an empty element (say, a container
/// a script fills later) does not count, so AUTO mode renders such pages.
pub fn all_matched(rules: &[ExtractRule], data: &Map<String, Value>) -> bool {
    rules
        .iter()
        .all(|rule| data.get(&rule.name).is_some_and(has_content))
}

fn has_content(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => items.iter().any(has_content),
        _ => true,
    }
}

/// Fails when a `required` rule found nothing on `url`.
pub fn check_required(
    rules: &[ExtractRule],
    data: &Map<String, Value>,
    url: &str,
) -> Result<(), JobError> {
    match rules
        .iter()
        .find(|rule| rule.required && data.get(&rule.name).is_none_or(Value::is_null))
    {
        None => Ok(()),
        Some(rule) => Err(JobError::new(
            ErrorClass::ExtractionRequiredMissing,
            format!(
                "required extraction rule {:?} (selector {:?}) matched nothing on {url}; \
                 fix the selector or make the rule optional",
                rule.name, rule.selector
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        name: &str,
        selector: &str,
        kind: ExtractKind,
        attribute: &str,
        many: bool,
    ) -> ExtractRule {
        ExtractRule {
            name: name.into(),
            selector: selector.into(),
            kind: kind as i32,
            attribute: attribute.into(),
            many,
            required: false,
        }
    }

    const PAGE: &str = r#"<html><head><title> Static
        Title </title></head><body><a class="l" href="/a">A</a><a class="l" href="/b">B</a>
        <div id="box"><b>bold</b> text</div><ul><li> one </li><li>two</li></ul></body></html>"#;

    #[test]
    fn rules_extract_text_attributes_html_and_lists() {
        let rules = [
            rule("title", "title", ExtractKind::Unspecified, "", false),
            rule("links", "a.l", ExtractKind::Attribute, "href", true),
            rule("box", "#box", ExtractKind::Html, "", false),
            rule("items", "li", ExtractKind::Text, "", true),
            rule("none", ".missing", ExtractKind::Text, "", false),
        ];
        let data = extract_html(PAGE, &rules).expect("extracts");
        assert_eq!(data["title"], "Static Title");
        assert_eq!(data["links"], serde_json::json!(["/a", "/b"]));
        assert_eq!(data["box"], "<b>bold</b> text");
        assert_eq!(data["items"], serde_json::json!(["one", "two"]));
        assert_eq!(data["none"], Value::Null);
        assert!(!all_matched(&rules, &data));
        assert!(all_matched(&rules[..4], &data));
    }

    #[test]
    fn a_required_rule_without_match_names_the_rule_and_url() {
        let mut missing = rule("price", ".price", ExtractKind::Text, "", false);
        missing.required = true;
        let data = extract_html(PAGE, std::slice::from_ref(&missing)).expect("extracts");
        let err = check_required(&[missing], &data, "http://shop/item").expect_err("required");
        assert_eq!(err.class, ErrorClass::ExtractionRequiredMissing);
        assert!(!err.retryable());
        assert!(err.message.contains("\"price\"") && err.message.contains("http://shop/item"));
    }
}
