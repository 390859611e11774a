//! The observation script in Chromium, on the fixture site: readable text, numbered
//! elements that the steps' selectors reach, and numbers renewed on each observation.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use headless_chrome::{Browser, Tab};
use jetcrawl_agent::tools::element_selector;
use jetcrawl_agent::{OBSERVE_JS, Observation};
use jetcrawl_tests::{FixtureSite, headless_options};

fn launch(profile: &std::path::Path) -> anyhow::Result<Browser> {
    let options = headless_options(profile)?
        .idle_browser_timeout(Duration::from_secs(60))
        .build()
        .map_err(|err| anyhow::anyhow!("launch options: {err}"))?;
    Browser::new(options).context("launching Chromium")
}

fn observe(tab: &Arc<Tab>) -> anyhow::Result<Observation> {
    let value = tab.evaluate(OBSERVE_JS, false)?.value.context("no value")?;
    let json = value.as_str().context("not a string")?;
    Ok(Observation::from_script(json)?)
}

fn id_of(tab: &Arc<Tab>, n: u32) -> anyhow::Result<String> {
    let script = format!(
        "document.querySelector('{}').id",
        element_selector(n).replace('\'', "\\'")
    );
    let value = tab.evaluate(&script, false)?.value.context("no element")?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

#[test]
fn a_page_reads_as_text_with_its_links_numbered() -> anyhow::Result<()> {
    let site = FixtureSite::start()?;
    let profile = tempfile::tempdir()?;
    let browser = launch(profile.path())?;
    let tab = browser.new_tab()?;
    tab.navigate_to(&site.url("/static"))?
        .wait_until_navigated()?;
    let page = observe(&tab)?;
    assert_eq!(page.title, "Static");
    assert_eq!(
        page.text, "Static Title\none\ntwo\nthree\n[1] Next\n12.50",
        "{page:?}"
    );
    assert_eq!(id_of(&tab, 1)?, "next", "the number reaches the element");
    eprintln!(
        "/static: {} characters rendered",
        page.render().chars().count()
    );
    Ok(())
}

#[test]
fn fields_show_their_values_and_numbers_are_renewed() -> anyhow::Result<()> {
    let site = FixtureSite::start()?;
    let profile = tempfile::tempdir()?;
    let browser = launch(profile.path())?;
    let tab = browser.new_tab()?;
    tab.navigate_to(&site.url("/form"))?
        .wait_until_navigated()?;
    let page = observe(&tab)?;
    assert_eq!(page.text, "[1] text field \"q\" [2] Go", "{page:?}");
    tab.wait_for_element(&element_selector(1))?
        .type_into("kettle")?;
    tab.wait_for_element(&element_selector(2))?.click()?;
    let page = observe(&tab)?;
    assert_eq!(
        page.text, "[1] text field \"q\" = \"kettle\" [2] Go\nkettle",
        "{page:?}"
    );
    let tagged = tab
        .evaluate(
            "document.querySelectorAll('[data-jetcrawl-el]').length",
            false,
        )?
        .value;
    assert_eq!(
        tagged,
        Some(serde_json::json!(2)),
        "old numbers removed, new ones set"
    );
    Ok(())
}

#[test]
fn a_scrolled_page_shows_what_is_below_not_what_was_passed() -> anyhow::Result<()> {
    let site = FixtureSite::start()?;
    let profile = tempfile::tempdir()?;
    let browser = launch(profile.path())?;
    let tab = browser.new_tab()?;
    tab.navigate_to(&site.url("/long"))?
        .wait_until_navigated()?;
    assert_eq!(observe(&tab)?.text, "Long Page\nBottom");
    tab.evaluate("window.scrollTo(0, 4000)", false)?;
    let page = observe(&tab)?;
    assert_eq!(
        page.text, "(scrolled down: what is above is not shown)\nBottom",
        "{page:?}"
    );
    Ok(())
}
