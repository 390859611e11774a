//! The main content of a page: a readability pass (`dom_smoothie`) keeps the article and
//! drops navigation, headers, footers and asides; a page too short or too plain for it
//! keeps its `<main>` (or `<body>`) without that chrome. Then HTML → Markdown (`htmd`).

use dom_smoothie::{Config, Readability};
use scraper::{Html, Selector};

/// Elements that are chrome, never content.
const CHROME: &str = "nav, header, footer, aside, script, style, noscript, template, iframe, form";

/// The main content of `html` (from `url`) as HTML.
pub fn main_html(html: &str, url: &str) -> String {
    let config = Config {
        // Short pages are pages too: a product sheet has less than the default 500
        // characters of prose.
        char_threshold: 100,
        ..Config::default()
    };
    let article = Readability::new(html, Some(url), Some(config)).and_then(|mut r| r.parse());
    match article {
        Ok(article) if !article.text_content.trim().is_empty() => {
            with_title(&article.title, article.content.to_string())
        }
        _ => without_chrome(html),
    }
}

/// The readability pass keeps the article's title apart and turns the article's own
/// `h1` into an `h2`: a content that opens with a heading gets it back as its `h1`;
/// another gets the title as its heading.
fn with_title(title: &str, content: String) -> String {
    if opens_with_h2(&content) {
        return content
            .replacen("<h2", "<h1", 1)
            .replacen("</h2>", "</h1>", 1);
    }
    let title = title.trim();
    if title.is_empty() {
        return content;
    }
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<h1>{escaped}</h1>{content}")
}

/// True when the first block of `content` is an `h2`.
fn opens_with_h2(content: &str) -> bool {
    let Ok(blocks) = Selector::parse("h1, h2, h3, h4, h5, h6, p, table, ul, ol, pre, blockquote")
    else {
        return false;
    };
    Html::parse_fragment(content)
        .select(&blocks)
        .next()
        .is_some_and(|first| first.value().name() == "h2")
}

/// `<main>` (or `<body>`) of `html` with its chrome left out.
fn without_chrome(html: &str) -> String {
    let document = Html::parse_document(html);
    let (Ok(main), Ok(body), Ok(chrome)) = (
        Selector::parse("main"),
        Selector::parse("body"),
        Selector::parse(CHROME),
    ) else {
        return String::new();
    };
    let Some(root) = document
        .select(&main)
        .next()
        .or_else(|| document.select(&body).next())
    else {
        return String::new();
    };
    let mut kept = root.html();
    for element in root.select(&chrome) {
        kept = kept.replacen(&element.html(), "", 1);
    }
    kept
}

/// `html` as Markdown: ATX headings, fenced code, `-` bullets; scripts and styles
/// dropped.
pub fn markdown(html: &str) -> String {
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec!["script", "style", "noscript", "template", "iframe"])
        .options(htmd::options::Options {
            heading_style: htmd::options::HeadingStyle::Atx,
            code_block_style: htmd::options::CodeBlockStyle::Fenced,
            bullet_list_marker: htmd::options::BulletListMarker::Dash,
            ul_bullet_spacing: 1,
            ol_number_spacing: 1,
            ..Default::default()
        })
        .build();
    converter
        .convert(html)
        .map(|md| md.trim().to_owned())
        .unwrap_or_default()
}
