//! The formats of small pages: links resolved and kept once, metadata read, a page too
//! short for the readability pass keeping its content without its chrome.

use jetcrawl_proto::v1::OutputFormat;
use serde_json::json;

use super::render;

const PAGE: &str = r##"<html lang="fr"><head><title> Tiny </title>
<base href="/docs/"></head><body>
<nav><a href="/">Home</a></nav>
<main><p>Short <a href="guide#part-2">guide</a>, <a href="guide">again</a>,
<a href="mailto:x@example.com">mail</a>, <a href="HTTPS://Example.COM:443/a?b=1#c">out</a>.</p></main>
<footer>Footer text</footer></body></html>"##;

fn formats(asked: &[OutputFormat]) -> Vec<i32> {
    asked.iter().map(|f| *f as i32).collect()
}

#[test]
fn links_are_absolute_without_fragments_once_each_and_only_http() {
    let out = render(
        PAGE,
        "http://site.test/x/page",
        &formats(&[OutputFormat::Links]),
    );
    assert_eq!(
        out["links"],
        json!([
            {"url": "http://site.test/", "text": "Home"},
            {"url": "http://site.test/docs/guide", "text": "guide"},
            {"url": "https://example.com/a?b=1", "text": "out"},
        ])
    );
}

#[test]
fn metadata_says_null_for_what_the_page_lacks() {
    let out = render(
        PAGE,
        "http://site.test/",
        &formats(&[OutputFormat::Metadata]),
    );
    assert_eq!(
        out["metadata"],
        json!({"title": "Tiny", "description": null, "language": "fr", "canonical": null, "open_graph": {}})
    );
}

#[test]
fn a_short_page_keeps_its_main_content_without_chrome() {
    let out = render(
        PAGE,
        "http://site.test/",
        &formats(&[OutputFormat::Markdown]),
    );
    let markdown = out["markdown"].as_str().unwrap_or_default();
    assert!(markdown.contains("Short [guide]"), "{markdown}");
    assert!(
        !markdown.contains("Home") && !markdown.contains("Footer"),
        "{markdown}"
    );
}

#[test]
fn no_format_asked_means_nothing_added() {
    assert!(render(PAGE, "http://site.test/", &[]).is_empty());
}
