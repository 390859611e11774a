//! LLM-ready formats (issue 17): a page's main content as Markdown without the site's
//! chrome, its links and metadata, over HTTP and from the rendered page in the browser.

use jetcrawl_proto::v1::{JobState, OutputFormat, RenderMode};
use serde_json::json;

use crate::e2e::support::{Platform, spec};

/// The Markdown `/articles/kettles` must give, kept in `tests/fixtures/formats`.
const KETTLES_MD: &str = include_str!("../../fixtures/formats/kettles.md");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_come_back_as_markdown_links_and_metadata_without_the_sites_chrome()
-> anyhow::Result<()> {
    let platform = Platform::start().await?;
    let site = jetcrawl_tests::FixtureSite::start()?;
    let formats = [
        OutputFormat::Markdown,
        OutputFormat::Links,
        OutputFormat::Metadata,
    ]
    .map(|f| f as i32)
    .to_vec();

    let mut http = spec(site.url("/articles/kettles"), RenderMode::Http, vec![]);
    http.formats = formats.clone();
    let job_id = platform.submit(http).await?;
    let job = platform.finished(&job_id).await?;
    assert_eq!(job.state, JobState::Succeeded as i32, "{job:?}");
    let result = platform.result(&job).await?;
    let page = &result["pages"][0]["formats"];
    let base = site.base_url();
    // The fixture site's port changes with every run; the expected file says {base}.
    let markdown = page["markdown"]
        .as_str()
        .unwrap_or_default()
        .replace(&base, "{base}");
    assert_eq!(markdown, KETTLES_MD.trim_end(), "markdown:\n{markdown}");
    for chrome in [
        "About us",
        "cookies",
        "Popular",
        "Contact",
        "Kitchen Guides",
    ] {
        assert!(
            !markdown.contains(chrome),
            "chrome {chrome:?} left in:\n{markdown}"
        );
    }
    assert_eq!(
        page["metadata"],
        json!({
            "title": "Choosing a kettle | Kitchen Guides",
            "description": "How to choose an electric kettle: capacity, power and materials.",
            "language": "en",
            "canonical": format!("{base}/articles/kettles"),
            "open_graph": {"title": "Choosing a kettle", "type": "article"},
        })
    );
    let links = page["links"].as_array().cloned().unwrap_or_default();
    assert!(
        links.contains(&json!({"url": format!("{base}/shop/kettle"), "text": "Shop"})),
        "{links:?}"
    );
    let shop_links = links
        .iter()
        .filter(|l| l["url"] == json!(format!("{base}/shop/kettle")))
        .count();
    assert_eq!(shop_links, 1, "each URL once: {links:?}");

    // In the browser, the formats are read from the rendered page.
    let mut browser = spec(site.url("/articles/late"), RenderMode::Browser, vec![]);
    browser.formats = vec![OutputFormat::Markdown as i32];
    let job_id = platform.submit(browser).await?;
    let job = platform.finished(&job_id).await?;
    let result = platform.result(&job).await?;
    let markdown = result["pages"][0]["formats"]["markdown"]
        .as_str()
        .unwrap_or_default();
    assert!(
        markdown.starts_with("# Written by a script"),
        "the script's article: {markdown}"
    );
    assert!(!markdown.contains("Loading"), "{markdown}");

    // Over HTTP the same page shows what a reader without scripts gets.
    let mut plain = spec(site.url("/articles/late"), RenderMode::Http, vec![]);
    plain.formats = vec![OutputFormat::Markdown as i32];
    let job_id = platform.submit(plain).await?;
    let job = platform.finished(&job_id).await?;
    let result = platform.result(&job).await?;
    let markdown = result["pages"][0]["formats"]["markdown"]
        .as_str()
        .unwrap_or_default();
    assert!(!markdown.contains("Written by a script"), "{markdown}");
    Ok(())
}
