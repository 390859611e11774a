//! A page's content in the formats its job asks for (issue 17): the main content as
//! Markdown or HTML, the raw HTML, its links and its metadata, all from the HTML the
//! page was read as (the HTTP body, or the rendered document in the browser).

mod links;
mod main_content;
mod metadata;

use jetcrawl_proto::v1::OutputFormat;
use serde_json::{Map, Value};
use url::Url;

pub use main_content::{main_html, markdown};

/// The `formats` object of a page read as `html` from `final_url`; empty when the job
/// asks for none.
pub fn render(html: &str, final_url: &str, formats: &[i32]) -> Map<String, Value> {
    let mut out = Map::new();
    if formats.is_empty() {
        return out;
    }
    let base = Url::parse(final_url).ok();
    // Each costly step runs once, and only for the formats that need it.
    let mut document: Option<scraper::Html> = None;
    let mut main: Option<String> = None;
    for format in formats
        .iter()
        .filter_map(|f| OutputFormat::try_from(*f).ok())
    {
        let (key, value) = match format {
            OutputFormat::Markdown | OutputFormat::Html => {
                let main = main.get_or_insert_with(|| main_html(html, final_url));
                match format {
                    OutputFormat::Markdown => ("markdown", Value::String(markdown(main))),
                    _ => ("html", Value::String(main.clone())),
                }
            }
            OutputFormat::RawHtml => ("raw_html", Value::String(html.to_owned())),
            OutputFormat::Links | OutputFormat::Metadata => {
                let document = document.get_or_insert_with(|| scraper::Html::parse_document(html));
                match format {
                    OutputFormat::Links => ("links", links::links(document, base.as_ref())),
                    _ => ("metadata", metadata::metadata(document, base.as_ref())),
                }
            }
            OutputFormat::Unspecified => continue,
        };
        out.insert(key.to_owned(), value);
    }
    out
}

#[cfg(test)]
mod tests;
