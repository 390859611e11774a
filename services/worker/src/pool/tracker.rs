//! Every pool tab runs `tracker.js` in each document before the page's own scripts, so
//! the page script can tell when the page has settled (ADR 0035): it sees the requests
//! and timers started while the document loaded, not only those started after the
//! worker looked.

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Page;

const TRACKER_JS: &str = include_str!("tracker.js");

/// Registers the tracker for every later document of `tab`.
pub fn install(tab: &Tab) -> anyhow::Result<()> {
    tab.call_method(Page::AddScriptToEvaluateOnNewDocument {
        source: TRACKER_JS.to_owned(),
        world_name: None,
        include_command_line_api: None,
        run_immediately: None,
    })?;
    Ok(())
}
