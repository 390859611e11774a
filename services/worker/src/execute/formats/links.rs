//! A page's links: every `a[href]` that resolves to an http(s) URL, absolute, its
//! fragment dropped, once per URL in document order, with its text.

use std::collections::HashSet;

use scraper::{Html, Selector};
use serde_json::{Value, json};
use url::Url;

use crate::execute::extract::normalize_text;

/// The links of `document`, resolved against its `<base href>` or `base`.
pub fn links(document: &Html, base: Option<&Url>) -> Value {
    let (Ok(anchors), Ok(base_tag)) = (Selector::parse("a[href]"), Selector::parse("base[href]"))
    else {
        return Value::Array(Vec::new());
    };
    let declared = document
        .select(&base_tag)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| match base {
            Some(base) => base.join(href).ok(),
            None => Url::parse(href).ok(),
        });
    let base = declared.as_ref().or(base);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for anchor in document.select(&anchors) {
        let Some(href) = anchor.value().attr("href") else {
            continue;
        };
        let resolved = match base {
            Some(base) => base.join(href.trim()),
            None => Url::parse(href.trim()),
        };
        let Ok(mut url) = resolved else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        url.set_fragment(None);
        if seen.insert(url.to_string()) {
            let text = normalize_text(&anchor.text().collect::<String>());
            out.push(json!({ "url": url.as_str(), "text": text }));
        }
    }
    Value::Array(out)
}
