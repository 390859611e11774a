//! The metric names a PromQL expression reads, so each can be looked up among the
//! names Prometheus has scraped. A small lexer, not a parser: it skips strings, label
//! matchers, range selectors and grouping lists, and keeps the identifiers that are
//! neither functions (followed by `(`) nor keywords.

use std::collections::BTreeSet;

/// Words that are PromQL syntax, not metric names.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "offset",
    "bool",
    "atan2",
    "inf",
    "nan",
];

/// Keywords followed by a list of label names, which are not metric names either.
const LABEL_LISTS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// Every metric name `expr` selects.
pub fn metric_names(expr: &str) -> BTreeSet<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i = match c {
            '"' | '\'' | '`' => skip_string(&chars, i),
            '{' => skip_until(&chars, i, '}'),
            '[' => skip_until(&chars, i, ']'),
            '#' => skip_line(&chars, i),
            c if c.is_ascii_digit() || c == '.' => skip_word(&chars, i),
            c if is_ident_start(c) => {
                let end = skip_word(&chars, i);
                let word: String = chars[i..end].iter().collect();
                let next = next_non_space(&chars, end);
                // `sum by (le) (…)`: an aggregation whose grouping comes first.
                let called = chars.get(next) == Some(&'(') || grouping_follows(&chars, next);
                if called && LABEL_LISTS.contains(&word.to_lowercase().as_str()) {
                    skip_until(&chars, next, ')')
                } else {
                    if !called && !KEYWORDS.contains(&word.to_lowercase().as_str()) {
                        names.insert(word);
                    }
                    end
                }
            }
            _ => i + 1,
        };
    }
    names
}

/// Whether `by (` or `without (` starts at `start`.
fn grouping_follows(chars: &[char], start: usize) -> bool {
    let end = skip_word(chars, start);
    let word: String = chars[start..end].iter().collect();
    matches!(word.to_lowercase().as_str(), "by" | "without")
        && chars.get(next_non_space(chars, end)) == Some(&'(')
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The index after a number, a duration or an identifier starting at `start`.
fn skip_word(chars: &[char], start: usize) -> usize {
    let mut i = start;
    while i < chars.len() && (is_ident(chars[i]) || chars[i] == '.') {
        i += 1;
    }
    i
}

/// The index after the quoted string starting at `start`.
fn skip_string(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote != '`' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The index after the `close` that ends the group opened at `start`; strings inside
/// (label values) may hold `close`.
fn skip_until(chars: &[char], start: usize, close: char) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '"' | '\'' | '`' => i = skip_string(chars, i),
            c if c == close => return i + 1,
            _ => i += 1,
        }
    }
    i
}

fn skip_line(chars: &[char], start: usize) -> usize {
    chars[start..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |n| start + n + 1)
}

fn next_non_space(chars: &[char], start: usize) -> usize {
    chars[start..]
        .iter()
        .position(|c| !c.is_whitespace())
        .map_or(chars.len(), |n| start + n)
}

#[cfg(test)]
mod tests {
    use super::metric_names;

    fn names(expr: &str) -> Vec<String> {
        metric_names(expr).into_iter().collect()
    }

    #[test]
    fn functions_label_lists_matchers_and_durations_are_not_metrics() {
        assert_eq!(
            names(
                r#"histogram_quantile(0.99, sum by (le, mode) (rate(a_seconds_bucket{code=~"x|y}"}[5m] offset 1h)))"#
            ),
            ["a_seconds_bucket"]
        );
        assert_eq!(
            names("sum(x) without (instance) / on () group_left (job) up or vector(0)"),
            ["up", "x"]
        );
        assert_eq!(
            names("topk(10, max by (domain) (b)) > bool 3 * c unless d and on(domain) e"),
            ["b", "c", "d", "e"]
        );
    }
}
