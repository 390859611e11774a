//! Opening a report page in the real Chromium (headless_chrome, launched with the kit's
//! flags): a screenshot and the figures the page's DOM shows.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use headless_chrome::Browser;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;

/// What Chromium made of a page.
pub struct Rendered {
    /// PNG of the whole page.
    pub screenshot: Vec<u8>,
    /// `data-figure` → `data-value` (or the text when there is no value), as in the DOM.
    pub figures: BTreeMap<String, String>,
    /// `data-chart` names of the SVG charts that Chromium laid out with a non-zero size.
    pub charts: Vec<String>,
    /// How many chart labels (SVG texts) the page has.
    pub labels: usize,
    /// Texts of chart labels whose laid-out box leaves their chart's box (clipped).
    pub overflowing: Vec<String>,
}

const READ_DOM: &str = r#"JSON.stringify({
  figures: Object.fromEntries([...document.querySelectorAll('[data-figure]')].map(e =>
    [e.dataset.figure, e.dataset.value !== undefined && e.dataset.value !== '' ? e.dataset.value : e.textContent])),
  charts: [...document.querySelectorAll('svg[data-chart]')]
    .filter(s => s.getBoundingClientRect().width > 0 && s.querySelectorAll('rect').length > 0)
    .map(s => s.dataset.chart),
  labels: document.querySelectorAll('svg[data-chart] text').length,
  overflowing: [...document.querySelectorAll('svg[data-chart] text')].filter(t => {
    const c = t.ownerSVGElement.getBoundingClientRect(), b = t.getBoundingClientRect();
    return b.left < c.left - 0.5 || b.right > c.right + 0.5 || b.top < c.top - 0.5 || b.bottom > c.bottom + 0.5;
  }).map(t => t.ownerSVGElement.dataset.chart + ': ' + t.textContent)
})"#;

/// Opens `file` (a local HTML file) and reads it back.
pub fn render(file: &Path, profile: &Path) -> anyhow::Result<Rendered> {
    let options = jetcrawl_tests::headless_options(profile)?
        .window_size(Some((1200, 900)))
        .idle_browser_timeout(Duration::from_secs(120))
        .build()
        .map_err(|err| anyhow::anyhow!("launch options: {err}"))?;
    let browser = Browser::new(options).context("launching Chromium")?;
    let tab = browser.new_tab().context("opening a tab")?;
    tab.navigate_to(&format!("file://{}", file.display()))?
        .wait_until_navigated()?;
    let screenshot =
        tab.capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)?;
    let value = tab
        .evaluate(READ_DOM, false)?
        .value
        .context("the page evaluation returned nothing")?;
    let text = value
        .as_str()
        .context("the page evaluation did not return a string")?;
    let parsed: serde_json::Value = serde_json::from_str(text)?;
    let figures = serde_json::from_value(parsed["figures"].clone())?;
    let charts = serde_json::from_value(parsed["charts"].clone())?;
    let overflowing = serde_json::from_value(parsed["overflowing"].clone())?;
    let labels = serde_json::from_value(parsed["labels"].clone())?;
    Ok(Rendered {
        screenshot,
        figures,
        charts,
        labels,
        overflowing,
    })
}

/// Width and height of a PNG, from its IHDR chunk.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}
