//! Extraction rules: unique well-formed names, valid selectors, and an attribute name
//! wherever the kind needs one.

use std::collections::HashMap;

use jetcrawl_proto::v1::{ExtractKind, ExtractRule};

use super::limits::{MAX_ATTRIBUTE_CHARS, MAX_EXTRACT_RULES, MAX_RULE_NAME_CHARS, quote};
use super::selector::check_selector;
use super::violations::Violations;

/// Checks every rule; an unspecified kind becomes TEXT.
pub fn check_rules(rules: &mut [ExtractRule], out: &mut Violations) {
    if rules.len() > MAX_EXTRACT_RULES {
        out.add(
            "spec.extract",
            format!(
                "{} rules given; the limit is {MAX_EXTRACT_RULES}",
                rules.len()
            ),
        );
    }
    for rule in rules.iter_mut() {
        if rule.kind == ExtractKind::Unspecified as i32 {
            rule.kind = ExtractKind::Text as i32;
        }
    }
    let mut names: HashMap<&str, usize> = HashMap::new();
    for (index, rule) in rules.iter().enumerate() {
        let path = format!("spec.extract[{index}]");
        check_name(rule, index, &path, &mut names, out);
        if let Err(why) = check_selector(&rule.selector) {
            out.add(format!("{path}.selector"), why);
        }
        check_kind(rule, &path, out);
    }
}

fn check_name<'a>(
    rule: &'a ExtractRule,
    index: usize,
    path: &str,
    names: &mut HashMap<&'a str, usize>,
    out: &mut Violations,
) {
    let field = format!("{path}.name");
    if !is_rule_name(&rule.name) {
        out.add(
            field,
            format!(
                "{} is not a valid rule name; use 1 to {MAX_RULE_NAME_CHARS} of a-z A-Z 0-9 _ . -",
                quote(&rule.name)
            ),
        );
    } else if let Some(first) = names.get(rule.name.as_str()) {
        out.add(
            field,
            format!(
                "{} is already used by spec.extract[{first}]; rule names must be unique",
                quote(&rule.name)
            ),
        );
    } else {
        names.insert(&rule.name, index);
    }
}

fn check_kind(rule: &ExtractRule, path: &str, out: &mut Violations) {
    match ExtractKind::try_from(rule.kind) {
        Ok(ExtractKind::Attribute) => {
            if rule.attribute.trim().is_empty() {
                out.add(
                    format!("{path}.attribute"),
                    "kind ATTRIBUTE needs the attribute to read; set attribute, e.g. \"href\"",
                );
            } else if rule.attribute.chars().count() > MAX_ATTRIBUTE_CHARS {
                out.add(
                    format!("{path}.attribute"),
                    format!("attribute name is longer than {MAX_ATTRIBUTE_CHARS} characters"),
                );
            }
        }
        Ok(_) if !rule.attribute.is_empty() => out.add(
            format!("{path}.attribute"),
            "attribute is only read by kind ATTRIBUTE; set kind to ATTRIBUTE or remove attribute",
        ),
        Ok(_) => {}
        Err(_) => out.add(
            format!("{path}.kind"),
            format!("unknown kind {}; use TEXT, ATTRIBUTE or HTML", rule.kind),
        ),
    }
}

fn is_rule_name(name: &str) -> bool {
    (1..=MAX_RULE_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}
