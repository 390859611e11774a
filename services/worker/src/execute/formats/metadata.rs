//! A page's metadata: title, description, language, canonical URL and Open Graph.

use scraper::{Html, Selector};
use serde_json::{Map, Value, json};
use url::Url;

use crate::execute::extract::normalize_text;

/// The metadata of `document`, the canonical URL resolved against `base`.
pub fn metadata(document: &Html, base: Option<&Url>) -> Value {
    let first_attr = |css: &str, attr: &str| -> Option<String> {
        let selector = Selector::parse(css).ok()?;
        let value = document.select(&selector).next()?.value().attr(attr)?;
        Some(value.trim().to_owned()).filter(|v| !v.is_empty())
    };
    let title = Selector::parse("title")
        .ok()
        .and_then(|s| document.select(&s).next())
        .map(|t| normalize_text(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty());
    let canonical = first_attr("link[rel~=canonical][href]", "href").and_then(|href| match base {
        Some(base) => base.join(&href).ok().map(String::from),
        None => Url::parse(&href).ok().map(String::from),
    });
    let mut open_graph = Map::new();
    if let Ok(og) = Selector::parse("meta[property^='og:'][content]") {
        for meta in document.select(&og) {
            let (Some(property), Some(content)) =
                (meta.value().attr("property"), meta.value().attr("content"))
            else {
                continue;
            };
            let key = property.trim_start_matches("og:").to_owned();
            open_graph
                .entry(key)
                .or_insert_with(|| Value::String(content.trim().to_owned()));
        }
    }
    json!({
        "title": title,
        "description": first_attr("meta[name=description][content]", "content"),
        "language": first_attr("html[lang]", "lang"),
        "canonical": canonical,
        "open_graph": open_graph,
    })
}
