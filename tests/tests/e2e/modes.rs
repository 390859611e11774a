//! Render modes: a JavaScript-rendered page read over HTTP, in the browser, and in auto.

use jetcrawl_proto::v1::{JobState, RenderMode};

use crate::e2e::support::{Platform, attribute, first_page, spec, text, texts};

#[tokio::test]
async fn each_render_mode_returns_what_it_can_see_and_says_which_ran() {
    let platform = Platform::start().await.expect("platform starts");
    let js_page = platform.stack.site.url("/js");
    let rules = || {
        vec![
            text("title", "#title"),
            texts("items", "li.item"),
            text("app", "#app"),
        ]
    };

    let browser = platform
        .submit(spec(js_page.clone(), RenderMode::Browser, rules()))
        .await
        .expect("submit browser");
    let http = platform
        .submit(spec(js_page.clone(), RenderMode::Http, rules()))
        .await
        .expect("submit http");
    let auto_js = platform
        .submit(spec(js_page.clone(), RenderMode::Auto, rules()))
        .await
        .expect("submit auto js");
    let static_rules = vec![
        text("title", "#title"),
        texts("items", "li.item"),
        attribute("currency", "p.price", "data-currency"),
    ];
    let auto_static = platform
        .submit(spec(
            platform.stack.site.url("/static"),
            RenderMode::Auto,
            static_rules,
        ))
        .await
        .expect("submit auto static");

    let job = platform.finished(&browser).await.expect("browser job ends");
    assert_eq!(job.state, JobState::Succeeded as i32, "{job:?}");
    let result = platform.result(&job).await.expect("browser result");
    assert_eq!(result["mode_used"], "browser");
    let page = first_page(&result);
    assert_eq!(
        page["data"]["title"], "Rendered by JavaScript",
        "browser sees the inserted text: {result}"
    );
    assert_eq!(page["data"]["items"], serde_json::json!(["alpha", "beta"]));
    assert_eq!(
        page["data"]["app"],
        serde_json::Value::Null,
        "the placeholder was replaced"
    );

    let job = platform.finished(&http).await.expect("http job ends");
    assert_eq!(job.state, JobState::Succeeded as i32, "{job:?}");
    let result = platform.result(&job).await.expect("http result");
    assert_eq!(result["mode_used"], "http");
    let page = first_page(&result);
    assert_eq!(
        page["data"]["app"], "Loading…",
        "http sees the raw HTML only: {result}"
    );
    assert_eq!(page["data"]["title"], serde_json::Value::Null);
    assert_eq!(page["status"], 200);

    let job = platform.finished(&auto_js).await.expect("auto js job ends");
    let result = platform.result(&job).await.expect("auto js result");
    assert_eq!(
        result["mode_used"], "browser",
        "auto falls back to the browser for a JS page: {result}"
    );
    assert_eq!(
        first_page(&result)["data"]["title"],
        "Rendered by JavaScript"
    );

    let job = platform
        .finished(&auto_static)
        .await
        .expect("auto static job ends");
    let result = platform.result(&job).await.expect("auto static result");
    assert_eq!(
        result["mode_used"], "http",
        "auto keeps HTTP when the raw HTML has everything: {result}"
    );
    let data = &first_page(&result)["data"];
    assert_eq!(data["title"], "Static Title");
    assert_eq!(data["items"], serde_json::json!(["one", "two", "three"]));
    assert_eq!(data["currency"], "EUR");
}
