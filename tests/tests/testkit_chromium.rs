//! The fixture's JavaScript page renders in the real Chromium launched with the kit's
//! flags: its content exists only after the script has run.

use std::time::Duration;

use jetcrawl_local::{chromium, user};
use jetcrawl_tests::{FixtureSite, ServiceProcess, eventually};

#[tokio::test]
async fn js_page_renders_in_headless_chromium() {
    let site = FixtureSite::start().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = chromium::launch_args(user::is_root())
        .into_iter()
        .map(str::to_owned)
        .collect();
    args.extend([
        format!("--user-data-dir={}", profile.path().display()),
        "--virtual-time-budget=2000".to_owned(),
        "--dump-dom".to_owned(),
        site.url("/js"),
    ]);
    let path = jetcrawl_local::chromium_path().unwrap();
    let mut browser = ServiceProcess::spawn_path(&path, args, [("LANG", "C.UTF-8")]).unwrap();
    eventually(Duration::from_secs(60), || {
        let exited = browser.exit_status().is_some();
        async move {
            exited
                .then_some(())
                .ok_or_else(|| anyhow::anyhow!("still running"))
        }
    })
    .await
    .unwrap();
    let dom = browser.log();
    assert!(
        dom.contains(r#"<h1 id="title">Rendered by JavaScript</h1>"#),
        "{dom}"
    );
    assert!(dom.contains(r#"<li class="item">alpha</li><li class="item">beta</li>"#));
    assert!(!dom.contains("Loading…"));
    assert_eq!(site.count("/js"), 1);
}
